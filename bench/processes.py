"""`escalada serve` and `escalada worker` as processes of their own, for the benchmarks that
measure them over HTTP (api.py, storm.py): started on a free loopback port, waited for
until /healthz answers, and stopped."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass

import httpx

ESCALADA = [sys.executable, "-m", "escalada"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    url: str  # "" for a worker
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_worker(env: dict[str, str], command: list[str] = ESCALADA) -> Server:
    """`escalada worker` (firing due timers and delivering the outbox)."""
    return Server("", subprocess.Popen([*command, "worker"], env=env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))


def start_server(env: dict[str, str], command: list[str] = ESCALADA) -> Server:
    """`escalada serve --no-worker` on a free port, once it answers /healthz (60 s at most)."""
    port = free_port()
    process = subprocess.Popen(
        [*command, "serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = Server(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"escalada serve exited with {process.returncode}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError("escalada serve did not answer /healthz within 60 s")
