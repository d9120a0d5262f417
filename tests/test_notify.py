"""Alert notifications to a local webhook receiver and a local SMTP server, with the demo's
real crisis alert: signed, retried, routed, escalated, and sent once."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from brandradar.config import Email, Webhook
from brandradar.dashboards.web.server import serve
from brandradar.notify import CLAIM_LEASE, channel_key, deliver, enqueue, notify, signature
from brandradar.stages import context_from_workdir
from brandradar.teamstate import engine_for
from brandradar.teamstate.schema import notification_outbox
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
    state = engine_for(tmp_path)
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
    state = engine_for(tmp_path)
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
    counts = notify([alert, minor], [mail, others_only], engine_for(tmp_path))
    assert counts == {"sent": 2, "failed": 0, "already_sent": 0}
    by_subject = {message_from_bytes(content)["Subject"]: rcpts for rcpts, content in inbox.mails}
    assert by_subject == {
        f"[brandradar] crisis Voltaro (severity {alert['severity']})":
            ["team@example.org", "head@example.org"],
        "[brandradar] crisis Voltaro (severity 5)": ["team@example.org"],
    }
    text = message_from_bytes(inbox.mails[0][1]).get_payload(decode=True).decode()
    assert alert["explanation"]["summary"] in text


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_two_workers_delivering_at_once_send_each_alert_once(
        alert: dict[str, Any], receiver: Any, tmp_path: Path, backend: str,
        request: pytest.FixtureRequest) -> None:
    url, got, fail_first = receiver
    fail_first[0] = 0
    engine = engine_for(tmp_path, request.getfixturevalue("pg_url")
                        if backend == "postgresql" else None)
    hook = Webhook(url=url, secret="x", backoff=0.05)
    alerts = [{**alert, "alert_id": f"{alert['alert_id']}-{n}"} for n in range(12)]
    enqueue(engine, alerts, [hook])
    results: list[dict[str, int]] = []
    workers = [threading.Thread(target=lambda: results.append(deliver(engine, [hook])))
               for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert sum(r["sent"] for r in results) == 12 and sum(r["failed"] for r in results) == 0
    sent = sorted(json.loads(body)["alert"]["alert_id"] for body, _ in got)
    assert sent == sorted(a["alert_id"] for a in alerts)  # each once, none lost


def test_a_send_cut_off_by_a_dead_worker_is_retaken_after_the_lease(
        alert: dict[str, Any], receiver: Any, tmp_path: Path) -> None:
    url, got, fail_first = receiver
    fail_first[0] = 0
    engine = engine_for(tmp_path)
    hook = Webhook(url=url, secret="x", backoff=0.05)
    enqueue(engine, [alert], [hook])
    row = notification_outbox.c
    claimed = datetime.now(UTC)  # a worker claimed the row, then died before sending
    with engine.begin() as c:
        c.execute(sa.update(notification_outbox).values(status="sending", claimed_at=claimed))
    assert deliver(engine, [hook]) == {"sent": 0, "failed": 0} and got == []
    with engine.begin() as c:
        c.execute(sa.update(notification_outbox)
                  .values(claimed_at=claimed - CLAIM_LEASE - timedelta(seconds=1)))
    assert deliver(engine, [hook]) == {"sent": 1, "failed": 0} and len(got) == 1
    with engine.connect() as c:
        assert c.execute(sa.select(row.status, row.attempts)).one() == ("sent", 1)


def test_an_earlier_notification_record_is_taken_over(alert: dict[str, Any], receiver: Any,
                                                      tmp_path: Path) -> None:
    url, got, fail_first = receiver
    fail_first[0] = 0
    other = Webhook(url=url + "/other", secret="x", backoff=0.05)
    hook = Webhook(url=url, secret="x", backoff=0.05)
    legacy = tmp_path / "state" / "notified.json"
    legacy.parent.mkdir()
    legacy.write_text(json.dumps({alert["alert_id"]: [1]}))  # sent to the second channel
    counts = notify([alert], [other, hook], engine_for(tmp_path), legacy=legacy)
    assert counts == {"sent": 1, "failed": 0, "already_sent": 1}
    assert len(got) == 1  # only to the first channel, which had not had it
    assert not legacy.exists()
    with engine_for(tmp_path).connect() as c:
        assert set(c.execute(sa.select(notification_outbox.c.channel)).scalars()) == {
            channel_key(other), channel_key(hook)}



def test_the_team_works_an_alert_through_its_states(demo_run: dict[str, Any],
                                                     tmp_path: Path) -> None:
    work = tmp_path / "w"
    shutil.copytree(demo_run["workdir"], work)
    (alert,) = json.loads(run_cli("alerts", "--workdir", str(work), "--json").stdout)
    assert alert["workflow"] == {"status": "open"}
    aid = alert["alert_id"]
    proc = run_cli("alert", "set", aid, "acknowledged", "--by", "anna", "--assign", "ben",
                   "--workdir", str(work))
    assert proc.returncode == 0 and f"{aid}: acknowledged, handled by ben (by anna" in proc.stdout
    proc = run_cli("alert", "set", aid, "resolved", "--by", "ben", "--note", "recall explained",
                   "--workdir", str(work))
    assert "resolved, handled by ben" in proc.stdout  # the assignee stays
    (listed,) = json.loads(run_cli("alerts", "--workdir", str(work), "--json").stdout)
    assert listed["workflow"]["status"] == "resolved"
    assert listed["workflow"]["note"] == "recall explained"
    history = json.loads(run_cli("alert", "history", aid, "--workdir", str(work),
                                 "--json").stdout)
    assert [(e["status"], e["by"]) for e in history] == [("acknowledged", "anna"),
                                                         ("resolved", "ben")]
    # A mistyped id or state is one line and changes nothing.
    for args in ([aid[:-1] + "x", "resolved"], [aid, "closed"]):
        proc = run_cli("alert", "set", *args, "--by", "ben", "--workdir", str(work))
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert len(json.loads(run_cli("alert", "history", aid, "--workdir", str(work),
                                  "--json").stdout)) == 2


def test_the_dashboard_shows_and_records_the_alert_workflow(demo_run: dict[str, Any],
                                                             tmp_path: Path) -> None:
    work = tmp_path / "w"
    shutil.copytree(demo_run["workdir"], work)
    ctx = context_from_workdir(work)
    httpd = serve(ctx, "127.0.0.1", 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/api"

    def post(body: dict[str, Any]) -> tuple[int, Any]:
        req = urllib.request.Request(f"{base}/alerts/state", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return int(resp.status), json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return int(exc.code), exc.read().decode()

    def alerts() -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{base}/alerts", timeout=10) as resp:
            return list(json.loads(resp.read()))

    try:
        (alert,) = alerts()
        assert alert["workflow"] == {"status": "open"}
        status, event = post({"alert_id": alert["alert_id"], "status": "acknowledged",
                              "by": "anna", "assignee": "ben"})
        assert status == 201 and event["assignee"] == "ben"
        (alert,) = alerts()
        assert alert["workflow"]["status"] == "acknowledged"
        assert alert["workflow"]["by"] == "anna"
        assert post({"alert_id": alert["alert_id"], "status": "closed", "by": "x"})[0] == 400
        assert post({"alert_id": "nope", "status": "resolved", "by": "x"})[0] == 400
        assert post({"alert_id": alert["alert_id"], "status": "resolved"})[0] == 400
    finally:
        httpd.shutdown()
        httpd.server_close()
    # The command line sees what the dashboard recorded.
    history = json.loads(run_cli("alert", "history", alert["alert_id"], "--workdir", str(work),
                                 "--json").stdout)
    assert [e["status"] for e in history] == ["acknowledged"]
