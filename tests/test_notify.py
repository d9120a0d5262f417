"""Alert notifications to a local webhook receiver and a local SMTP server, with the demo's
real crisis alert: signed, retried, routed, escalated, and sent once."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from brandradar.config import Email, Webhook
from brandradar.notify import notify, signature
from tests.conftest import run_cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def alert(demo_run: dict[str, Any]) -> dict[str, Any]:
    proc = run_cli("alerts", "--workdir", str(demo_run["workdir"]), "--json")
    (crisis,) = json.loads(proc.stdout)
    return dict(crisis)


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[tuple[bytes, str]], list[int]]]:
    got: list[tuple[bytes, str]] = []
    fail_first = [1]  # answer 500 this many times before accepting

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if fail_first[0] > 0:
                fail_first[0] -= 1
                self.send_response(500)
                self.end_headers()
                return
            got.append((body, self.headers["X-Brandradar-Signature"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/hook", got, fail_first
    srv.shutdown()
    srv.server_close()


class Inbox:
    def __init__(self) -> None:
        self.mails: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    inbox = Inbox()
    with socket.socket() as probe:  # a free loopback port (the controller checks it by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield port, inbox
    controller.stop()


def test_webhook_is_signed_retried_and_sent_once(alert: dict[str, Any], receiver: Any,
                                                 tmp_path: Path) -> None:
    url, got, _ = receiver
    hook = Webhook(url=url, secret="s3cret", backoff=0.05)
    state = tmp_path / "notified.json"
    assert notify([alert], [hook], state) == {"sent": 1, "failed": 0, "already_sent": 0}
    ((body, sig),) = got
    assert sig == signature("s3cret", body)
    payload = json.loads(body)
    assert payload["alert"]["brand"] == "Voltaro" and payload["alert"]["kind"] == "crisis"
    assert payload["alert"]["explanation"]["top_documents"]
    assert notify([alert], [hook], state) == {"sent": 0, "failed": 0, "already_sent": 1}
    assert len(got) == 1


def test_failed_channel_is_counted_and_tried_again(alert: dict[str, Any], receiver: Any,
                                                   tmp_path: Path) -> None:
    url, got, fail_first = receiver
    fail_first[0] = 5
    hook = Webhook(url=url, secret="x", attempts=2, backoff=0.05)
    state = tmp_path / "notified.json"
    assert notify([alert], [hook], state)["failed"] == 1
    fail_first[0] = 0
    assert notify([alert], [hook], state)["sent"] == 1 and len(got) == 1


def test_email_routing_and_escalation(alert: dict[str, Any], smtp: Any, tmp_path: Path) -> None:
    port, inbox = smtp
    mail = Email(smtp_host="127.0.0.1", smtp_port=port, sender="radar@example.org",
                 to=["team@example.org"], escalate_to=["head@example.org"], escalate_at=8)
    others_only = Email(smtp_host="127.0.0.1", smtp_port=port, sender="radar@example.org",
                        to=["pedalix-watch@example.org"], brands=["Pedalix"])
    minor = {**alert, "alert_id": alert["alert_id"] + "-minor", "severity": 5}
    counts = notify([alert, minor], [mail, others_only], tmp_path / "notified.json")
    assert counts == {"sent": 2, "failed": 0, "already_sent": 0}
    by_subject = {message_from_bytes(content)["Subject"]: rcpts for rcpts, content in inbox.mails}
    assert by_subject == {
        f"[brandradar] crisis Voltaro (severity {alert['severity']})":
            ["team@example.org", "head@example.org"],
        "[brandradar] crisis Voltaro (severity 5)": ["team@example.org"],
    }
    text = message_from_bytes(inbox.mails[0][1]).get_payload(decode=True).decode()
    assert alert["explanation"]["summary"] in text
