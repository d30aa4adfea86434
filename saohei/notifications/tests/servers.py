"""Real servers on 127.0.0.1 for the channel tests: an HTTP SMS gateway and an SMTP server."""

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Gateway:
    """Answers each POST with the next of `answers` (the last one repeats): an int status with
    a success body, "slow" (sleeps past the client's timeout), or (status, body)."""

    url: str = ""
    answers: list[Any] = field(default_factory=lambda: [200])
    received: list[Received] = field(default_factory=list)
    slow_seconds: float = 1.5


@contextmanager
def sms_gateway(*answers: Any) -> Iterator[Gateway]:
    gateway = Gateway(answers=list(answers) or [200])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            gateway.received.append(Received(self.path, dict(self.headers), body))
            index = min(len(gateway.received), len(gateway.answers)) - 1
            answer = gateway.answers[index]
            if answer == "slow":
                time.sleep(gateway.slow_seconds)
                answer = 200
            status, reply = answer if isinstance(answer, tuple) else (answer, None)
            if reply is None:
                reply = {"code": "0", "msg": "ok"} if status == 200 else {"error": "busy"}
            data = json.dumps(reply, ensure_ascii=False).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                # The client gave up (the timeout test): nothing left to answer.
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/sms/send"
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class Mailbox:
    port: int = 0
    messages: list[Envelope] = field(default_factory=list)
    # An SMTP reply for DATA other than success ("554 …") refuses every message.
    refuse_with: str = ""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refuse_with:
            return self.refuse_with
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(refuse_with: str = "") -> Iterator[Mailbox]:
    mailbox = Mailbox(refuse_with=refuse_with)
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    mailbox.port = controller.port
    try:
        yield mailbox
    finally:
        controller.stop()
