"""Email over SMTP (stdlib smtplib): one plain-text UTF-8 message per delivery.

Settings: ESCALADA_SMTP_HOST (localhost), ESCALADA_SMTP_PORT (25, or 465 with
ESCALADA_SMTP_SSL), ESCALADA_SMTP_STARTTLS / ESCALADA_SMTP_SSL (off), ESCALADA_SMTP_CAFILE
(CA bundle to trust instead of the system's), ESCALADA_SMTP_USERNAME and
ESCALADA_SMTP_PASSWORD (log in when set), ESCALADA_SMTP_FROM (required),
ESCALADA_SMTP_TIMEOUT (10 seconds).

The Message-ID is derived from the idempotency key, so a retried message carries the
same one and mail clients show it once.
"""

from __future__ import annotations

import contextlib
import email.policy
import hashlib
import logging
import os
import re
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from escalada.adapters.channels import (
    DeliveryFailed,
    Outbound,
    Receipt,
    email_addresses,
)
from escalada.domain.errors import InvalidInput
from escalada.settings import Settings

log = logging.getLogger(__name__)

# 7bit: non-ASCII bodies go base64 or quoted-printable, so no server needs 8BITMIME.
_POLICY = email.policy.SMTP.clone(cte_type="7bit")
_DOT_ATOM = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    sender: Address
    host: str = "localhost"
    port: int = 25
    starttls: bool = False
    implicit_tls: bool = False
    cafile: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 10.0


class SmtpChannel:
    """Sends each message in its own SMTP session."""

    name = "email"

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> SmtpChannel:
        return cls.from_settings(Settings.of(environ))

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpChannel:
        sender = settings.required("smtp_from", "the From address of email")
        try:
            senders = email_addresses(sender)
        except InvalidInput as error:
            raise InvalidInput.of("ESCALADA_SMTP_FROM", error.problems[0][1]) from error
        if len(senders) != 1:
            raise InvalidInput.of("ESCALADA_SMTP_FROM", "must be exactly one address")
        starttls = settings.flag("smtp_starttls")
        implicit_tls = settings.flag("smtp_ssl")
        if starttls and implicit_tls:
            raise InvalidInput.of(
                "ESCALADA_SMTP_STARTTLS", "cannot be combined with ESCALADA_SMTP_SSL"
            )
        port_text = settings.text("smtp_port") or (
            "465" if implicit_tls else "25"
        )
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise InvalidInput.of("ESCALADA_SMTP_PORT", "not a TCP port: {port_text!r}",
                                  port_text=port_text)
        cafile = settings.text("smtp_cafile")
        if cafile is not None and not os.path.isfile(cafile):
            raise InvalidInput.of("ESCALADA_SMTP_CAFILE", "no such file: {cafile}", cafile=cafile)
        username = settings.text("smtp_username")
        password = settings.smtp_password or None
        if username and password is None:
            raise InvalidInput.of(
                "ESCALADA_SMTP_PASSWORD", "not set; required with ESCALADA_SMTP_USERNAME"
            )
        return cls(
            SmtpSettings(
                sender=senders[0],
                host=settings.text("smtp_host") or "localhost",
                port=int(port_text),
                starttls=starttls,
                implicit_tls=implicit_tls,
                cafile=cafile,
                username=username,
                password=password,
                timeout=settings.seconds("smtp_timeout", 10.0),
            )
        )

    @property
    def longest_attempt(self) -> float:
        """An SMTP session is a dozen exchanges (greeting, EHLO, STARTTLS, AUTH, MAIL,
        RCPT per recipient, DATA, the message, QUIT), each within the timeout."""
        return 12 * self.settings.timeout

    def deliver(self, message: Outbound) -> Receipt:
        try:
            recipients = email_addresses(message.to)
        except InvalidInput as error:
            raise DeliveryFailed(str(error), permanent=True) from error
        try:
            mail = self.compose(message, recipients)
            refused = self._send(mail, [address.addr_spec for address in recipients])
        except DeliveryFailed:
            raise
        except smtplib.SMTPServerDisconnected as error:
            reason = f"{self._server} disconnected: {error}"
            raise DeliveryFailed(reason, permanent=False) from error
        except smtplib.SMTPRecipientsRefused as error:
            raise _all_refused(error.recipients) from error
        except smtplib.SMTPResponseException as error:
            raise _reply_failure(self._server, error.smtp_code, error.smtp_error) from error
        except smtplib.SMTPException as error:  # the server lacks an extension we need
            raise DeliveryFailed(f"{self._server}: {error}", permanent=True) from error
        except ssl.SSLCertVerificationError as error:
            raise DeliveryFailed(
                f"{self._server}: TLS certificate not trusted ({error.verify_message}); "
                "set ESCALADA_SMTP_CAFILE to its CA bundle",
                permanent=True,
            ) from error
        except ValueError as error:  # a header the message cannot carry
            raise DeliveryFailed(f"cannot compose the email: {error}", permanent=True) from error
        except OSError as error:  # refused, unreachable, timed out, TLS handshake failed
            raise DeliveryFailed(
                f"{self._server}: {error.__class__.__name__}: {error}", permanent=False
            ) from error
        if refused:
            log.warning(
                "email %s reached some recipients only; refused: %s",
                mail["Message-ID"], _describe(refused),
            )
        return Receipt(reference=str(mail["Message-ID"]))

    def compose(self, message: Outbound, recipients: list[Address]) -> EmailMessage:
        """The email for `message`: plain UTF-8 text with escalada's headers."""
        mail = EmailMessage(policy=_POLICY)
        mail["Subject"] = _subject(message.subject)
        mail["From"] = _addresses("From", [self.settings.sender])
        mail["To"] = _addresses("To", recipients)
        mail["Date"] = format_datetime(datetime.now(UTC))
        mail["Message-ID"] = message_id(message.idempotency_key, self.settings.sender.domain)
        mail["X-Escalada-Idempotency-Key"] = message.idempotency_key
        mail["X-Escalada-Case"] = message.case_ref
        mail.set_content(message.body, charset="utf-8")  # clears Content-* headers
        mail["Content-Language"] = message.language
        return mail

    @property
    def _server(self) -> str:
        return f"SMTP {self.settings.host}:{self.settings.port}"

    def _send(self, mail: EmailMessage, to_addrs: list[str]) -> dict[str, tuple[int, bytes]]:
        settings = self.settings
        context = (
            ssl.create_default_context(cafile=settings.cafile)
            if settings.implicit_tls or settings.starttls
            else None
        )
        # The host goes to the constructor, which connects: TLS checks the certificate
        # against it.
        smtp = (
            smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                             context=context)
            if settings.implicit_tls
            else smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        )
        try:
            if settings.starttls:
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise DeliveryFailed(
                        f"{self._server} does not offer STARTTLS, which ESCALADA_SMTP_STARTTLS "
                        "requires; not sending in clear text",
                        permanent=True,
                    )
                smtp.starttls(context=context)
            if settings.username is not None and settings.password is not None:
                smtp.login(settings.username, settings.password)
            refused = smtp.send_message(
                mail, from_addr=settings.sender.addr_spec, to_addrs=to_addrs
            )
            with contextlib.suppress(smtplib.SMTPException, OSError):
                smtp.quit()  # the message is accepted: a failed goodbye changes nothing
            return refused
        finally:
            smtp.close()


def message_id(idempotency_key: str, domain: str) -> str:
    """`<key@domain>`, or a digest of the key when it is not a safe dot-atom."""
    local = idempotency_key
    if len(local) > 64 or not _DOT_ATOM.fullmatch(local):
        local = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    right = domain if _DOT_ATOM.fullmatch(domain) else "escalada"
    return f"<{local}@{right}>"


class _Folded(str):
    """A header value (the text) that the email package writes out as the given lines.

    Python 3.11's folder drops the space where it splits non-ASCII text into encoded
    words ("причина найдена" arrives as "причинанайдена"); the legacy `email.header`
    encoder and `formataddr` keep it, so they encode these headers.
    """

    name: str
    lines: list[str]

    def __new__(cls, name: str, text: str, lines: list[str]) -> _Folded:
        header = super().__new__(cls, text)
        header.name, header.lines = name, lines
        return header

    def fold(self, *, policy: email.policy.Policy) -> str:
        return f"{self.name}: {policy.linesep.join(self.lines)}{policy.linesep}"


def _subject(subject: str) -> _Folded:
    text = " ".join(subject.splitlines())
    charset = "us-ascii" if text.isascii() else "utf-8"
    encoded = Header(text, charset, header_name="Subject").encode(linesep="\n")
    return _Folded("Subject", text, encoded.split("\n"))


def _addresses(name: str, addresses: list[Address]) -> _Folded:
    """One address a line, each display name one encoded word when not ASCII."""
    encoded = [formataddr((a.display_name, a.addr_spec), charset="utf-8") for a in addresses]
    lines = [f"{'' if i == 0 else ' '}{address}," for i, address in enumerate(encoded)]
    lines[-1] = lines[-1].removesuffix(",")
    return _Folded(name, ", ".join(str(address) for address in addresses), lines)


def _reply_failure(server: str, code: int, text: bytes | str) -> DeliveryFailed:
    """4xx replies are worth retrying, 5xx (and anything unexpected) are not."""
    reply = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return DeliveryFailed(f"{server} answered {code} {reply}", permanent=not 400 <= code < 500)


def _all_refused(refused: Mapping[str, tuple[int, bytes]]) -> DeliveryFailed:
    """Every recipient refused: retry only if some refusal was temporary (4xx)."""
    temporary = any(400 <= code < 500 for code, _ in refused.values())
    return DeliveryFailed(f"all recipients refused: {_describe(refused)}", permanent=not temporary)


def _describe(refused: Mapping[str, tuple[int, bytes]]) -> str:
    return "; ".join(
        f"{address}: {code} {reply.decode('utf-8', 'replace')}"
        for address, (code, reply) in refused.items()
    )
