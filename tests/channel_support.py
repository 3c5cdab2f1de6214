"""Loopback sinks for the delivery channels: an SMTP server (aiosmtpd) and an HTTP server.

Both listen on 127.0.0.1, record what they receive and can be told to fail. The
`smtp_sink` and `http_sink` fixtures start one per test; import them into a test module
or conftest (`from channel_support import http_sink, smtp_sink`). For AUTH or TLS,
build an `SmtpSink(...)` and use it as a context manager.
"""

from __future__ import annotations

import email
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller  # type: ignore[import-untyped]
from aiosmtpd.smtp import AuthResult, LoginPassword  # type: ignore[import-untyped]

HOST = "127.0.0.1"
SENDER = "Escalada Support <support@escalada.test>"


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """(cert, key) for 127.0.0.1 and localhost, made with the openssl binary; skips the
    test when openssl is not installed. The cert doubles as its own CA bundle."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl not installed: cannot make a certificate")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True,
    )
    return cert, key


def server_tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


# --- SMTP ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMail:
    """One message the SMTP sink accepted: the envelope and the raw bytes."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        """The parsed message; `message["Subject"]` is decoded text."""
        parsed = email.message_from_bytes(self.raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def text(self) -> str:
        """The decoded plain-text body, with the wire's CRLF line ends as LF."""
        body = self.message.get_body(("plain",))
        assert body is not None
        return str(body.get_content()).replace("\r\n", "\n")  # type: ignore[attr-defined]


class SmtpSink:
    """An aiosmtpd server on 127.0.0.1 that records messages; stop() and start() again
    (or restart()) keep the port, so a client configured once sees it go down and up.

    `refuse_recipient(address, reply)` answers RCPT for that address (or "*" for all)
    with `reply`, e.g. "550 5.1.1 no such user" or "451 4.7.1 try later";
    `fail_next(n, reply)` answers DATA of the next n messages with `reply`.
    `credentials` turns on AUTH (LOGIN/PLAIN, allowed without TLS); `tls_context`
    offers STARTTLS; `implicit_tls` wraps the whole connection in TLS (SMTPS).
    """

    host = HOST

    def __init__(
        self, *, port: int | None = None, credentials: Mapping[str, str] | None = None,
        tls_context: ssl.SSLContext | None = None, implicit_tls: ssl.SSLContext | None = None,
        require_starttls: bool = False,
    ) -> None:
        self.port = port or free_port()
        self._credentials = dict(credentials or {})
        self._tls_context = tls_context
        self._implicit_tls = implicit_tls
        self._require_starttls = require_starttls
        self._controller: Controller | None = None
        self._lock = threading.Lock()
        self._messages: list[ReceivedMail] = []
        self._refusals: dict[str, str] = {}
        self._failures: list[str] = []
        self.logins: list[str] = []

    # lifecycle

    def start(self) -> SmtpSink:
        if self._controller is not None:
            return self
        options: dict[str, Any] = {}
        if self._credentials:
            options.update(authenticator=self._authenticate, auth_require_tls=False)
        if self._tls_context is not None:
            options.update(tls_context=self._tls_context, require_starttls=self._require_starttls)
        controller = Controller(
            _SmtpHandler(self), hostname=self.host, port=self.port,
            ssl_context=self._implicit_tls, server_hostname="sink.escalada.test", **options,
        )
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self._controller is not None

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # behaviour

    def refuse_recipient(self, address: str, reply: str = "550 5.1.1 no such user") -> None:
        with self._lock:
            self._refusals[address.lower()] = reply

    def fail_next(self, count: int, reply: str = "451 4.3.0 try again later") -> None:
        with self._lock:
            self._failures.extend([reply] * count)

    def reset(self) -> None:
        """Forget received messages, refusals and pending failures."""
        with self._lock:
            self._messages.clear()
            self._refusals.clear()
            self._failures.clear()
            self.logins.clear()

    # what arrived

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._messages)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedMail]:
        """The messages once at least `count` have arrived."""
        wait_until(lambda: len(self.messages) >= count, timeout, f"{count} messages")
        return self.messages

    def environ(self, **overrides: str) -> dict[str, str]:
        """Settings that make the email channel send here."""
        settings = {
            "ESCALADA_SMTP_HOST": self.host,
            "ESCALADA_SMTP_PORT": str(self.port),
            "ESCALADA_SMTP_FROM": SENDER,
            "ESCALADA_SMTP_TIMEOUT": "5",
        }
        settings.update(overrides)
        return settings

    # called by aiosmtpd in its thread

    def _refusal(self, address: str) -> str | None:
        with self._lock:
            return self._refusals.get(address.lower()) or self._refusals.get("*")

    def _receive(self, mail: ReceivedMail) -> str | None:
        with self._lock:
            if self._failures:
                return self._failures.pop(0)
            self._messages.append(mail)
            return None

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login = auth_data.login.decode()
        ok = self._credentials.get(login) == auth_data.password.decode()
        if ok:
            with self._lock:
                self.logins.append(login)
        return AuthResult(success=ok, handled=False)


class _SmtpHandler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        refusal = self.sink._refusal(address)
        if refusal is not None:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(
        self, server: Any, session: Any, envelope: Any
    ) -> str:
        mail = ReceivedMail(
            mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos),
            raw=bytes(envelope.original_content or envelope.content),
        )
        failure = self.sink._receive(mail)
        return failure or "250 Message accepted for delivery"


# --- HTTP ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """What the HTTP sink answers: status, body, headers, after `delay` seconds."""

    status: int = 200
    body: bytes = b"ok"
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class ReceivedRequest:
    """One request the HTTP sink received; `headers` is case-insensitive."""

    method: str
    path: str  # with the query string, as sent
    headers: httpx.Headers
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def _reply(
    status: int, body: bytes | str | Mapping[str, Any] | list[Any],
    headers: Mapping[str, str] | None, delay: float,
) -> Reply:
    extra = dict(headers or {})
    if isinstance(body, Mapping | list):
        payload = json.dumps(body).encode()
        extra.setdefault("Content-Type", "application/json; charset=utf-8")
    else:
        payload = body.encode() if isinstance(body, str) else body
        extra.setdefault("Content-Type", "text/plain; charset=utf-8")
    return Reply(status=status, body=payload, headers=extra, delay=delay)


class HttpSink:
    """A threaded HTTP server on 127.0.0.1 that records every request and answers
    200 "ok" unless told otherwise:

    - `answer(path, status, body, headers, delay)`: every later request to `path`
      (the path without the query string) gets this reply; a dict/list body is JSON;
    - `fail_next(n, status=503, ...)`: the next n requests (to `path`, or any) get
      this reply first, whatever `answer` says;
    - `stop()` / `start()` / `restart()` keep the port.
    """

    host = HOST

    def __init__(self, *, port: int | None = None) -> None:
        self.port = port or free_port()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._requests: list[ReceivedRequest] = []
        self._answers: dict[str, Reply] = {}
        self._failures: list[tuple[str | None, Reply]] = []

    # lifecycle

    def start(self) -> HttpSink:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server((self.host, self.port), _HttpHandler)
        server.sink = self
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        self._server = server
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._stopping.set()  # wakes delayed replies
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self._server is not None

    def __enter__(self) -> HttpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # behaviour

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def answer(
        self, path: str, status: int = 200,
        body: bytes | str | Mapping[str, Any] | list[Any] = b"ok",
        headers: Mapping[str, str] | None = None, delay: float = 0.0,
    ) -> None:
        with self._lock:
            self._answers[path] = _reply(status, body, headers, delay)

    def fail_next(
        self, count: int, status: int = 503,
        body: bytes | str | Mapping[str, Any] | list[Any] = b"unavailable",
        headers: Mapping[str, str] | None = None, delay: float = 0.0, path: str | None = None,
    ) -> None:
        with self._lock:
            self._failures.extend([(path, _reply(status, body, headers, delay))] * count)

    def reset(self) -> None:
        """Forget requests, answers and pending failures."""
        with self._lock:
            self._requests.clear()
            self._answers.clear()
            self._failures.clear()

    # what arrived

    @property
    def requests(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[ReceivedRequest]:
        return [r for r in self.requests if r.path.split("?", 1)[0] == path]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedRequest]:
        """The requests once at least `count` have arrived."""
        wait_until(lambda: len(self.requests) >= count, timeout, f"{count} requests")
        return self.requests

    # called by the handler threads

    def _handle(self, request: ReceivedRequest) -> Reply:
        path = request.path.split("?", 1)[0]
        with self._lock:
            self._requests.append(request)
            for index, (only, reply) in enumerate(self._failures):
                if only is None or only == path:
                    del self._failures[index]
                    return reply
            return self._answers.get(path, Reply())

    def _pause(self, seconds: float) -> None:
        self._stopping.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    sink: HttpSink


class _HttpHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = ReceivedRequest(
            method=self.command, path=self.path,
            headers=httpx.Headers(list(self.headers.items())), body=body,
        )
        sink = self.server.sink
        reply = sink._handle(request)
        if reply.delay:
            sink._pause(reply.delay)
        self.close_connection = True
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:  # the client gave up waiting
            pass

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the sink records requests instead."""


# --- fixtures -----------------------------------------------------------------------


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A running SMTP sink (no AUTH, no TLS), stopped after the test."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def http_sink() -> Iterator[HttpSink]:
    """A running HTTP sink answering 200 "ok", stopped after the test."""
    with HttpSink() as sink:
        yield sink
