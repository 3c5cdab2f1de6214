"""The delivery channels against real servers on loopback: aiosmtpd and an HTTP sink."""

from __future__ import annotations

import dataclasses
import socket
import time
from pathlib import Path

import pytest
from channel_support import (
    HttpSink,
    SmtpSink,
    free_port,
    http_sink,
    self_signed_certificate,
    server_tls_context,
    smtp_sink,
)

from escalada.adapters.channels import (
    DeliveryFailed,
    Outbound,
    channel_for,
    check_recipient,
)
from escalada.adapters.channels.slack import mrkdwn
from escalada.adapters.channels.smtp import message_id
from escalada.adapters.channels.webhook import verify_signature
from escalada.domain.errors import InvalidInput

__all__ = ["http_sink", "smtp_sink"]  # fixtures

SECRET = "s3cret"
TOKEN = "xoxb-test-token"
MESSAGE = Outbound(
    idempotency_key="msg-42.1",
    channel="email",
    to="ana@customer.test",
    subject="CASE-42: progress update",
    body="We found the cause: **disk pressure** on node 7.",
    language="en",
    audience="customer",
    case_ref="CASE-42",
    kind="progress_update",
    message_id=42,
)
RUSSIAN = dataclasses.replace(
    MESSAGE,
    subject="CASE-42: ход работ — причина найдена",
    body="Здравствуйте, Анна!\n\nПричина найдена: нехватка места на узле 7. Ёлка, «кавычки».",
    language="ru",
)


def permanent(failure: pytest.ExceptionInfo[DeliveryFailed]) -> bool:
    return failure.value.permanent


PERMANENCE = {True: "permanent", False: "temporary"}  # how a failure's message begins


# --- email --------------------------------------------------------------------------


def test_email_arrives_intact_with_its_headers(smtp_sink: SmtpSink) -> None:
    email = channel_for("email", smtp_sink.environ())
    to = "Анна Петрова <ana@customer.test>, ops@customer.test"

    receipt = email.deliver(dataclasses.replace(RUSSIAN, to=to))

    [mail] = smtp_sink.messages
    assert mail.rcpt_tos == ["ana@customer.test", "ops@customer.test"]
    assert mail.mail_from == "support@escalada.test"
    message = mail.message
    assert message["Subject"] == RUSSIAN.subject
    assert mail.text.rstrip("\n") == RUSSIAN.body
    assert message["To"].addresses[0].display_name == "Анна Петрова"
    assert message["Message-ID"] == "<msg-42.1@escalada.test>" == receipt.reference
    assert message["X-Escalada-Idempotency-Key"] == "msg-42.1"
    assert message["X-Escalada-Case"] == "CASE-42"
    assert message["Content-Language"] == "ru"
    assert message["Date"] is not None
    assert max(len(line) for line in mail.raw.splitlines()) <= 998
    assert mail.raw.isascii()  # no 8BITMIME needed


def test_the_message_id_is_the_same_on_every_attempt(smtp_sink: SmtpSink) -> None:
    email = channel_for("email", smtp_sink.environ())
    email.deliver(MESSAGE)
    email.deliver(MESSAGE)
    first, second = smtp_sink.messages
    assert first.message["Message-ID"] == second.message["Message-ID"]


def test_message_ids_are_safe_whatever_the_key() -> None:
    assert message_id("abc-1", "example.com") == "<abc-1@example.com>"
    odd = message_id("key with <spaces> and @", "example.com")
    assert odd.startswith("<") and odd.endswith("@example.com>") and " " not in odd
    assert odd != message_id("key with <spaces> and #", "example.com")


def test_email_to_a_server_that_is_down_is_temporary(smtp_sink: SmtpSink) -> None:
    email = channel_for("email", smtp_sink.environ())
    smtp_sink.stop()
    with pytest.raises(
        DeliveryFailed,
        match=r"^temporary failure: SMTP [\d.]+:\d+: ConnectionRefusedError",
    ) as failure:
        email.deliver(MESSAGE)
    assert not permanent(failure)

    smtp_sink.start()  # the same port again
    email.deliver(MESSAGE)
    assert len(smtp_sink.messages) == 1


def test_email_to_a_port_nothing_listens_on_is_temporary() -> None:
    environ = {"ESCALADA_SMTP_FROM": "a@b.test", "ESCALADA_SMTP_HOST": "127.0.0.1",
               "ESCALADA_SMTP_PORT": str(free_port())}
    with pytest.raises(
        DeliveryFailed,
        match=r"^temporary failure: SMTP [\d.]+:\d+: ConnectionRefusedError",
    ) as failure:
        channel_for("email", environ).deliver(MESSAGE)
    assert not permanent(failure)
    assert "ConnectionRefused" in failure.value.reason


def test_an_smtp_server_that_never_answers_times_out_as_temporary() -> None:
    with socket.socket() as silent:  # accepts connections (the backlog) and says nothing
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        environ = {"ESCALADA_SMTP_FROM": "a@b.test", "ESCALADA_SMTP_HOST": "127.0.0.1",
                   "ESCALADA_SMTP_PORT": str(silent.getsockname()[1]),
                   "ESCALADA_SMTP_TIMEOUT": "0.2"}
        started = time.monotonic()
        with pytest.raises(
            DeliveryFailed,
            match=r"^temporary failure: SMTP .* timed out",
        ) as failure:
            channel_for("email", environ).deliver(MESSAGE)
    assert not permanent(failure)
    assert "timed out" in failure.value.reason
    assert time.monotonic() - started < 2


def test_headers_cannot_be_smuggled_in(smtp_sink: SmtpSink) -> None:
    email = channel_for("email", smtp_sink.environ())
    email.deliver(dataclasses.replace(MESSAGE, subject="Update\r\nBcc: all@customer.test"))
    message = smtp_sink.messages[0].message
    assert message["Subject"] == "Update Bcc: all@customer.test" and message["Bcc"] is None
    with pytest.raises(
        DeliveryFailed,
        match=r"^permanent failure: cannot compose the email: Header values may not contain",
    ) as failure:
        email.deliver(dataclasses.replace(MESSAGE, case_ref="CASE-1\nBcc: all@customer.test"))
    assert permanent(failure)


def test_an_unknown_recipient_is_permanent(smtp_sink: SmtpSink) -> None:
    smtp_sink.refuse_recipient("ana@customer.test", "550 5.1.1 no such user")
    with pytest.raises(
        DeliveryFailed,
        match=r"^permanent failure: all recipients refused: ana@customer\.test: 550 5\.1\.1 ",
    ) as failure:
        channel_for("email", smtp_sink.environ()).deliver(MESSAGE)
    assert permanent(failure)
    assert "550" in failure.value.reason and "no such user" in failure.value.reason


def test_a_451_for_the_recipient_is_temporary(smtp_sink: SmtpSink) -> None:
    smtp_sink.refuse_recipient("*", "451 4.7.1 greylisted, try again later")
    with pytest.raises(
        DeliveryFailed,
        match=r"^temporary failure: all recipients refused: ana@customer\.test: 451 4\.7\.1 ",
    ) as failure:
        channel_for("email", smtp_sink.environ()).deliver(MESSAGE)
    assert not permanent(failure)
    assert "451" in failure.value.reason


def test_a_451_for_the_data_is_temporary_and_a_554_permanent(smtp_sink: SmtpSink) -> None:
    email = channel_for("email", smtp_sink.environ())
    smtp_sink.fail_next(1, "451 4.3.0 queue full")
    with pytest.raises(
        DeliveryFailed,
        match=r"^temporary failure: SMTP .* answered 451 4\.3\.0 queue full",
    ) as failure:
        email.deliver(MESSAGE)
    assert not permanent(failure)
    smtp_sink.fail_next(1, "554 5.7.1 message refused")
    with pytest.raises(
        DeliveryFailed,
        match=r"^permanent failure: SMTP .* answered 554 5\.7\.1 message refused",
    ) as failure:
        email.deliver(MESSAGE)
    assert permanent(failure)
    email.deliver(MESSAGE)
    assert len(smtp_sink.messages) == 1


def test_some_recipients_refused_still_delivers_to_the_rest(smtp_sink: SmtpSink) -> None:
    smtp_sink.refuse_recipient("gone@customer.test")
    message = dataclasses.replace(MESSAGE, to="ana@customer.test, gone@customer.test")
    receipt = channel_for("email", smtp_sink.environ()).deliver(message)
    assert receipt.reference == "<msg-42.1@escalada.test>"
    assert smtp_sink.messages[0].rcpt_tos == ["ana@customer.test"]


def test_email_logs_in_and_wrong_credentials_are_permanent() -> None:
    with SmtpSink(credentials={"escalada": "pa55"}) as sink:
        channel_for("email", sink.environ(
            ESCALADA_SMTP_USERNAME="escalada", ESCALADA_SMTP_PASSWORD="pa55"
        )).deliver(MESSAGE)
        assert sink.logins == ["escalada"] and len(sink.messages) == 1

        with pytest.raises(
            DeliveryFailed,
            match=r"^permanent failure: SMTP .* answered 535 5\.7\.8 Authentication credentials",
        ) as failure:
            channel_for("email", sink.environ(
                ESCALADA_SMTP_USERNAME="escalada", ESCALADA_SMTP_PASSWORD="wrong"
            )).deliver(MESSAGE)
        assert permanent(failure)
        assert "535" in failure.value.reason
        assert len(sink.messages) == 1


def test_email_over_starttls_trusting_the_configured_ca(tmp_path: Path) -> None:
    cert, key = self_signed_certificate(tmp_path)
    with SmtpSink(tls_context=server_tls_context(cert, key), require_starttls=True) as sink:
        trusted = sink.environ(ESCALADA_SMTP_STARTTLS="true", ESCALADA_SMTP_CAFILE=str(cert))
        channel_for("email", trusted).deliver(RUSSIAN)
        assert sink.messages[0].message["Subject"] == RUSSIAN.subject

        with pytest.raises(
            DeliveryFailed,
            match=r"^permanent failure: SMTP .*: TLS certificate not trusted \(self-signed",
        ) as failure:  # the system CAs do not know it
            channel_for("email", sink.environ(ESCALADA_SMTP_STARTTLS="1")).deliver(MESSAGE)
        assert permanent(failure)
        assert "ESCALADA_SMTP_CAFILE" in failure.value.reason


def test_email_over_implicit_tls(tmp_path: Path) -> None:
    cert, key = self_signed_certificate(tmp_path)
    with SmtpSink(implicit_tls=server_tls_context(cert, key)) as sink:
        environ = sink.environ(ESCALADA_SMTP_SSL="yes", ESCALADA_SMTP_CAFILE=str(cert))
        channel_for("email", environ).deliver(MESSAGE)
        assert len(sink.messages) == 1


def test_starttls_asked_but_not_offered_is_permanent(smtp_sink: SmtpSink) -> None:
    with pytest.raises(
        DeliveryFailed,
        match=r"^permanent failure: SMTP .* does not offer STARTTLS, which ESCALADA_SMTP_STARTTLS",
    ) as failure:
        channel_for("email", smtp_sink.environ(ESCALADA_SMTP_STARTTLS="1")).deliver(MESSAGE)
    assert permanent(failure)
    assert "does not offer STARTTLS" in failure.value.reason
    assert smtp_sink.messages == []


def test_an_invalid_recipient_at_delivery_is_permanent(smtp_sink: SmtpSink) -> None:
    with pytest.raises(
        DeliveryFailed,
        match=r"^permanent failure: to: not an email address: 'not-an-address'$",
    ) as failure:
        channel_for("email", smtp_sink.environ()).deliver(
            dataclasses.replace(MESSAGE, to="not-an-address")
        )
    assert permanent(failure)


# --- Slack --------------------------------------------------------------------------


def slack_environ(sink: HttpSink, **extra: str) -> dict[str, str]:
    return {"SLACK_BOT_TOKEN": TOKEN, "ESCALADA_SLACK_API_URL": sink.url("/api/"), **extra}


def test_slack_incoming_webhook_posts_the_text(http_sink: HttpSink) -> None:
    url = http_sink.url("/services/T/B/X")
    message = dataclasses.replace(RUSSIAN, channel="slack", to=url)

    receipt = channel_for("slack", {}).deliver(message)

    assert receipt.reference == "200"
    [request] = http_sink.requests
    assert request.method == "POST" and request.path == "/services/T/B/X"
    assert request.json()["text"] == f"*{RUSSIAN.subject}*\n\n{RUSSIAN.body}"


@pytest.mark.parametrize(
    ("status", "body", "is_permanent", "reason"),
    [(500, "internal error", False, "500"), (503, "unavailable", False, "503 unavailable"),
     (429, "rate limited", False, "429"), (404, "no_service", True, "404 no_service"),
     (403, "invalid_token", True, "403 invalid_token"),
     (410, "channel_is_archived", True, "410 channel_is_archived"),
     (400, "<html>user=ana password=x</html>", True, "400")],
)
def test_slack_webhook_failures_keep_slacks_error_code_and_never_its_text(
    http_sink: HttpSink, status: int, body: str, is_permanent: bool, reason: str,
) -> None:
    http_sink.answer("/services/T/B/X", status, body)
    message = dataclasses.replace(MESSAGE, to=http_sink.url("/services/T/B/X"))
    with pytest.raises(
        DeliveryFailed,
        match=rf"^{PERMANENCE[is_permanent]} failure: Slack webhook answered {reason}$",
    ) as failure:
        channel_for("slack", {}).deliver(message)
    assert permanent(failure) is is_permanent
    assert failure.value.reason == f"Slack webhook answered {reason}"
    assert len(http_sink.requests) == 1  # no retries of its own


def test_slack_web_api_posts_with_the_bearer_token(http_sink: HttpSink) -> None:
    http_sink.answer("/api/chat.postMessage", 200,
                     {"ok": True, "ts": "1700000000.000100", "channel": "C1"})
    message = dataclasses.replace(MESSAGE, to="#Escalations")

    receipt = channel_for("slack", slack_environ(http_sink)).deliver(message)

    assert receipt.reference == "1700000000.000100"
    [request] = http_sink.requests
    assert request.path == "/api/chat.postMessage"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    posted = request.json()
    assert posted["channel"] == "#escalations"
    body = "We found the cause: *disk pressure* on node 7."
    assert posted["text"] == f"*{MESSAGE.subject}*\n\n{body}"


def test_slack_web_api_accepts_the_escalada_token_variable(http_sink: HttpSink) -> None:
    http_sink.answer("/api/chat.postMessage", 200, {"ok": True, "ts": "1.2"})
    environ = {"ESCALADA_SLACK_TOKEN": "xoxb-other",
               "ESCALADA_SLACK_API_URL": http_sink.url("/api")}
    channel_for("slack", environ).deliver(dataclasses.replace(MESSAGE, to="C0123ABC"))
    assert http_sink.requests[0].headers["Authorization"] == "Bearer xoxb-other"
    assert http_sink.requests[0].json()["channel"] == "C0123ABC"


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "invalid_auth",
                                   "not_authed", "account_inactive", "token_revoked"])
def test_slack_web_api_errors_that_are_permanent(http_sink: HttpSink, error: str) -> None:
    http_sink.answer("/api/chat.postMessage", 200, {"ok": False, "error": error})
    with pytest.raises(
        DeliveryFailed,
        match=rf"^permanent failure: Slack API answered 200 {error}$",
    ) as failure:
        channel_for("slack", slack_environ(http_sink)).deliver(
            dataclasses.replace(MESSAGE, to="#escalations")
        )
    assert permanent(failure)
    assert error in failure.value.reason


def test_slack_web_api_rate_limit_is_temporary(http_sink: HttpSink) -> None:
    http_sink.answer("/api/chat.postMessage", 429, {"ok": False, "error": "ratelimited"},
                     headers={"Retry-After": "30"})
    with pytest.raises(
        DeliveryFailed,
        match=r"^temporary failure: Slack API answered 429 ratelimited \(retry after 30 s",
    ) as failure:
        channel_for("slack", slack_environ(http_sink)).deliver(
            dataclasses.replace(MESSAGE, to="#escalations")
        )
    assert not permanent(failure)
    assert "ratelimited" in failure.value.reason and "retry after 30 s" in failure.value.reason
    assert len(http_sink.requests) == 1


@pytest.mark.parametrize(("status", "body"), [(500, "<html>oops</html>"),
                                              (200, {"ok": False, "error": "internal_error"})])
def test_slack_web_api_server_trouble_is_temporary(
    http_sink: HttpSink, status: int, body: object
) -> None:
    http_sink.answer("/api/chat.postMessage", status, body)  # type: ignore[arg-type]
    with pytest.raises(
        DeliveryFailed,
        match=r"^temporary failure: Slack API answered (500|200 internal_error)$",
    ) as failure:
        channel_for("slack", slack_environ(http_sink)).deliver(
            dataclasses.replace(MESSAGE, to="#escalations")
        )
    assert not permanent(failure)


def test_slack_unreachable_is_temporary(http_sink: HttpSink) -> None:
    environ = slack_environ(http_sink)
    http_sink.stop()
    for to in ("#escalations", http_sink.url("/services/T/B/X")):
        with pytest.raises(
            DeliveryFailed,
            match=r"^temporary failure: Slack not reached: URLError: .*Connection refused",
        ) as failure:
            channel_for("slack", environ).deliver(dataclasses.replace(MESSAGE, to=to))
        assert not permanent(failure)


def test_slack_channel_without_a_token_names_the_variable(http_sink: HttpSink) -> None:
    slack = channel_for("slack", {"ESCALADA_SLACK_API_URL": http_sink.url("/api/")})
    with pytest.raises(InvalidInput, match=r"^SLACK_BOT_TOKEN: not set") as refused:
        slack.deliver(dataclasses.replace(MESSAGE, to="#escalations"))
    assert refused.value.problems[0][0] == "SLACK_BOT_TOKEN"
    assert http_sink.requests == []


def test_markdown_becomes_slack_mrkdwn() -> None:
    assert mrkdwn("**bold** & <tag>") == "*bold* &amp; &lt;tag&gt;"
    assert mrkdwn("## Next steps\n> quoted") == "*Next steps*\n> quoted"
    link = "see [the runbook](https://x.test/a?b=1)"
    assert mrkdwn(link) == "see <https://x.test/a?b=1|the runbook>"


# --- webhook ------------------------------------------------------------------------


def webhook_environ(**extra: str) -> dict[str, str]:
    return {"ESCALADA_WEBHOOK_SECRET": SECRET, **extra}


def test_webhook_posts_signed_json(http_sink: HttpSink) -> None:
    message = dataclasses.replace(RUSSIAN, channel="webhook", to=http_sink.url("/hooks/escalada"))

    receipt = channel_for("webhook", webhook_environ()).deliver(message)

    assert receipt.reference == "200"
    [request] = http_sink.requests
    assert request.method == "POST" and request.path == "/hooks/escalada"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Idempotency-Key"] == "msg-42.1"
    timestamp = request.headers["X-Escalada-Timestamp"]
    signature = request.headers["X-Escalada-Signature"]
    assert signature.startswith("sha256=")
    assert verify_signature(SECRET, timestamp, request.body, signature, now=time.time())
    assert "Причина найдена".encode() in request.body  # UTF-8, not \u escapes
    document = request.json()
    assert document == {
        "idempotency_key": "msg-42.1", "case": "CASE-42", "kind": "progress_update",
        "audience": "customer", "language": "ru", "subject": RUSSIAN.subject,
        "body": RUSSIAN.body, "message_id": 42, "sent_at": document["sent_at"],
    }
    assert list(document) == sorted(document)


def test_a_tampered_or_stale_webhook_fails_verification(http_sink: HttpSink) -> None:
    channel_for("webhook", webhook_environ()).deliver(
        dataclasses.replace(MESSAGE, to=http_sink.url("/hook"))
    )
    request = http_sink.requests[0]
    timestamp = request.headers["X-Escalada-Timestamp"]
    signature = request.headers["X-Escalada-Signature"]
    now = time.time()
    assert verify_signature(SECRET, timestamp, request.body, signature, now=now)
    tampered = request.body.replace(b"disk pressure", b"disk pleasure")
    assert not verify_signature(SECRET, timestamp, tampered, signature, now=now)
    assert not verify_signature("other", timestamp, request.body, signature, now=now)
    assert not verify_signature(SECRET, str(int(timestamp) + 1), request.body, signature, now=now)
    assert not verify_signature(SECRET, timestamp, request.body, signature, now=now + 301)
    assert not verify_signature(SECRET, "soon", request.body, signature, now=now)
    assert not verify_signature(SECRET, timestamp, request.body, "sha256=ÿ", now=now)


@pytest.mark.parametrize(
    ("status", "is_permanent"),
    [(503, False), (500, False), (429, False), (408, False),
     (400, True), (401, True), (404, True), (410, True), (301, True)],
)
def test_webhook_status_classification_keeps_the_status_only(
    http_sink: HttpSink, status: int, is_permanent: bool
) -> None:
    http_sink.answer("/hook", status, "secret-answer" * 30,
                     headers={"Location": http_sink.url("/elsewhere")})
    with pytest.raises(
        DeliveryFailed,
        match=rf"^{PERMANENCE[is_permanent]} failure: answered {status} ",
    ) as failure:
        channel_for("webhook", webhook_environ()).deliver(
            dataclasses.replace(MESSAGE, to=http_sink.url("/hook"))
        )
    assert permanent(failure) is is_permanent
    assert failure.value.reason.startswith(f"answered {status} ")
    assert "secret-answer" not in failure.value.reason
    assert "/hook" not in failure.value.reason and "/elsewhere" not in failure.value.reason
    assert len(http_sink.requests) == 1  # no redirect followed, no retry


def test_webhook_succeeds_after_the_sink_stops_failing(http_sink: HttpSink) -> None:
    webhook = channel_for("webhook", webhook_environ())
    message = dataclasses.replace(MESSAGE, to=http_sink.url("/hook"))
    http_sink.fail_next(1, 503)
    with pytest.raises(
        DeliveryFailed,
        match=r"^temporary failure: answered 503 Service Unavailable$",
    ):
        webhook.deliver(message)
    assert webhook.deliver(message).reference == "200"
    first, second = http_sink.requests
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]


def test_webhook_connection_refused_is_temporary() -> None:
    message = dataclasses.replace(MESSAGE, to=f"http://127.0.0.1:{free_port()}/hook")
    with pytest.raises(
        DeliveryFailed,
        match=r"^temporary failure: ConnectError: .*Connection refused",
    ) as failure:
        channel_for("webhook", webhook_environ()).deliver(message)
    assert not permanent(failure)
    assert failure.value.reason == "ConnectError: [Errno 111] Connection refused"


def test_webhook_timeout_is_temporary(http_sink: HttpSink) -> None:
    http_sink.answer("/slow", 200, delay=2.0)
    webhook = channel_for("webhook", webhook_environ(ESCALADA_WEBHOOK_TIMEOUT="0.2"))
    started = time.monotonic()
    with pytest.raises(
        DeliveryFailed,
        match=r"^temporary failure: timed out \(ReadTimeout\)$",
    ) as failure:
        webhook.deliver(dataclasses.replace(MESSAGE, to=http_sink.url("/slow")))
    assert not permanent(failure)
    assert "timed out" in failure.value.reason
    assert time.monotonic() - started < 1.5


# --- recipients and settings --------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "to", "normalised"),
    [
        ("email", "ana@customer.test", "ana@customer.test"),
        ("email", " Ana <ana@customer.test> ,ops@customer.test ",
         "Ana <ana@customer.test>, ops@customer.test"),
        ("email", '"Petrova, Anna" <ana@customer.test>', '"Petrova, Anna" <ana@customer.test>'),
        ("slack", "https://hooks.slack.com/services/T0/B0/xyz",
         "https://hooks.slack.com/services/T0/B0/xyz"),
        ("slack", "#Escalations-EU_2", "#escalations-eu_2"),
        ("slack", "C0123ABC", "C0123ABC"),
        ("slack", "G9ABCDEF1", "G9ABCDEF1"),
        ("webhook", "https://hooks.customer.test/escalada?x=1",
         "https://hooks.customer.test/escalada?x=1"),
        ("webhook", "http://127.0.0.1:8080/hook", "http://127.0.0.1:8080/hook"),
    ],
)
def test_check_recipient_accepts(channel: str, to: str, normalised: str) -> None:
    assert check_recipient(channel, to) == normalised


@pytest.mark.parametrize(
    ("channel", "to"),
    [
        ("email", "ana"), ("email", ""), ("email", "ana@"), ("email", "@customer.test"),
        ("email", "ana@customer.test, bob"), ("email", "ana customer.test"),
        ("email", "ana@customer.test\nBcc: all@customer.test"),
        ("slack", "escalations"), ("slack", "#Has Space"), ("slack", "#" + "x" * 81),
        ("slack", "ftp://hooks.slack.com/x"), ("slack", "C01"), ("slack", "https://"),
        ("webhook", "hooks.customer.test/escalada"), ("webhook", "ftp://customer.test/x"),
        ("webhook", "https:///path-only"), ("webhook", "mailto:ana@customer.test"),
    ],
)
def test_check_recipient_refuses(channel: str, to: str) -> None:
    with pytest.raises(InvalidInput, match=r"^to: ") as refused:
        check_recipient(channel, to)
    assert refused.value.problems[0][0] == "to"


def test_check_recipient_names_the_address() -> None:
    with pytest.raises(InvalidInput, match="not an email address: 'bob'"):
        check_recipient("email", "ana@customer.test, bob")


def test_unknown_channels_are_refused() -> None:
    for call in (lambda: check_recipient("fax", "123"), lambda: channel_for("fax", {})):
        with pytest.raises(
            InvalidInput,
            match=r"^channel: must be one of email, slack, webhook$",
        ) as refused:
            call()
        assert refused.value.problems == [("channel", "must be one of email, slack, webhook")]


@pytest.mark.parametrize(
    ("channel", "environ", "variable"),
    [
        ("email", {}, "ESCALADA_SMTP_FROM"),
        ("email", {"ESCALADA_SMTP_FROM": "nobody"}, "ESCALADA_SMTP_FROM"),
        ("email", {"ESCALADA_SMTP_FROM": "a@b.test", "ESCALADA_SMTP_PORT": "smtp"},
         "ESCALADA_SMTP_PORT"),
        ("email", {"ESCALADA_SMTP_FROM": "a@b.test", "ESCALADA_SMTP_TIMEOUT": "0"},
         "ESCALADA_SMTP_TIMEOUT"),
        ("email", {"ESCALADA_SMTP_FROM": "a@b.test", "ESCALADA_SMTP_STARTTLS": "maybe"},
         "ESCALADA_SMTP_STARTTLS"),
        ("email", {"ESCALADA_SMTP_FROM": "a@b.test", "ESCALADA_SMTP_STARTTLS": "1",
                   "ESCALADA_SMTP_SSL": "1"}, "ESCALADA_SMTP_STARTTLS"),
        ("email", {"ESCALADA_SMTP_FROM": "a@b.test", "ESCALADA_SMTP_USERNAME": "u"},
         "ESCALADA_SMTP_PASSWORD"),
        ("email", {"ESCALADA_SMTP_FROM": "a@b.test", "ESCALADA_SMTP_CAFILE": "/no/such.pem"},
         "ESCALADA_SMTP_CAFILE"),
        ("webhook", {}, "ESCALADA_WEBHOOK_SECRET"),
        ("webhook", {"ESCALADA_WEBHOOK_SECRET": "  "}, "ESCALADA_WEBHOOK_SECRET"),
        ("webhook", {"ESCALADA_WEBHOOK_SECRET": "s", "ESCALADA_WEBHOOK_TIMEOUT": "-1"},
         "ESCALADA_WEBHOOK_TIMEOUT"),
        ("slack", {"ESCALADA_SLACK_API_URL": "slack.com/api"}, "ESCALADA_SLACK_API_URL"),
    ],
)
def test_channel_for_names_the_bad_setting(
    channel: str, environ: dict[str, str], variable: str
) -> None:
    with pytest.raises(InvalidInput, match=rf"^{variable}: ") as refused:
        channel_for(channel, environ)
    assert refused.value.problems[0][0] == variable


def test_channel_for_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALADA_WEBHOOK_SECRET", SECRET)
    assert channel_for("webhook").name == "webhook"
    assert channel_for("slack", {}).name == "slack"  # a token is needed only for channels
    assert channel_for("email", {"ESCALADA_SMTP_FROM": "a@b.test"}).name == "email"
