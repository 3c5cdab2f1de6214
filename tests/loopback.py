"""What every fake vendor API on loopback shares: a threaded HTTP server on 127.0.0.1 (a
free port) whose handler reaches the fake as `self.fake`, and answers JSON. A fake
subclasses `LoopbackFake`, giving it a `JsonHandler` subclass that says how a request is
read; `start()` serves it from a daemon thread, `stop()` closes it."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class LoopbackFake:
    def __init__(self, handler: type[JsonHandler]) -> None:
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class JsonHandler(BaseHTTPRequestHandler):
    content_type = "application/json; charset=utf-8"

    @property
    def fake(self) -> Any:
        return self.server.fake  # type: ignore[attr-defined]

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def send_json(self, status: int, document: Any) -> None:
        payload = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


class AwsJsonHandler(JsonHandler):
    """AWS's JSON 1.1 protocol (what boto3 speaks): a POST whose X-Amz-Target names the
    operation, answered by the fake's `handle(operation, body) -> (status, document)`."""

    content_type = "application/x-amz-json-1.1"

    def do_POST(self) -> None:
        operation = self.headers.get("X-Amz-Target", "").rpartition(".")[2]
        self.send_json(*self.fake.handle(operation, json.loads(self.body() or b"{}")))
