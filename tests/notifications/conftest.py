"""A real local SMTP server (aiosmtpd) and a real local HTTP server for notification
tests: nothing of ours is mocked; messages travel over sockets."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.readiness.conftest import acme, acme_product, make_actor, people  # noqa: F401


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Collect:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


@dataclass
class Mailbox:
    handler: _Collect
    port: int

    @property
    def messages(self) -> list[tuple[list[str], Message]]:
        return self.handler.messages

    def to(self, address: str) -> list[Message]:
        return [m for rcpt, m in self.messages if address in rcpt]


@pytest.fixture
def smtp(settings: Any) -> Iterator[Mailbox]:
    handler = _Collect()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield Mailbox(handler, port)
    finally:
        controller.stop()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HookServer:
    url: str
    requests: list[Received] = field(default_factory=list)
    # path → responses to give in turn: (status, headers); afterwards 200
    script: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)

    def at(self, path: str) -> list[Received]:
        return [r for r in self.requests if r.path == path]


@pytest.fixture
def hooks(settings: Any) -> Iterator[HookServer]:
    """A local HTTP server on 127.0.0.1: webhooks may reach it only because private
    addresses are allowed here (PRODOPS_WEBHOOK_ALLOW_PRIVATE)."""
    settings.PRODOPS_WEBHOOK_ALLOW_PRIVATE = True
    server_state = HookServer(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with lock:
                server_state.requests.append(Received(self.path, dict(self.headers.items()), body))
                queue = server_state.script.get(self.path) or []
                status, headers = queue.pop(0) if queue else (200, {})
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server_state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server_state
    finally:
        httpd.shutdown()
        httpd.server_close()
