"""Alert notifications: each alert goes out once per channel, routed by severity and brand.

Webhooks get a JSON POST signed with ``X-Brandradar-Signature: sha256=<hex HMAC of the body>``
(the receiver recomputes it with the shared secret), retried with back-off; e-mail goes through
SMTP, and alerts at or above the escalation severity also reach the escalation list. Every alert and
channel it routes to is a row in the team state's notification outbox (:mod:`brandradar.teamstate`):
re-running the analysis never sends an alert twice, a channel that fails is named, counted and
tried again on the next run, and a worker claims a row before sending it, so two workers never
send one twice. Delivery is at least once: a worker killed between sending and recording sends
that one alert again after CLAIM_LEASE (receivers can tell by ``alert_id``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, or_, select, update

from brandradar.config import Email, Webhook
from brandradar.errors import DataFileError
from brandradar.teamstate import upsert
from brandradar.teamstate.schema import notification_outbox

log = logging.getLogger(__name__)

# How long a worker's claim on an outbox row holds (longer than the slowest send: three webhook
# attempts of 20 s with back-off); after it, the row is another worker's to send.
CLAIM_LEASE = timedelta(minutes=15)


def signature(secret: str, body: bytes) -> str:
    """The value of the X-Brandradar-Signature header for a body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_webhook(channel: Webhook, alert: dict[str, Any], attempts: int = 3,
                 backoff: float = 1.0) -> None:
    """POST one alert; raises OSError after the last failed attempt."""
    body = json.dumps({"event": "brandradar.alert", "alert": alert}, ensure_ascii=False,
                      default=str).encode()
    headers = {"Content-Type": "application/json",
               "X-Brandradar-Signature": signature(channel.secret.get_secret_value(), body)}
    for attempt in range(attempts):
        try:
            req = urllib.request.Request(channel.url, data=body, headers=headers, method="POST")
            with urllib.request.urlopen(req, timeout=20) as resp:
                resp.read()
            return
        except (urllib.error.URLError, OSError) as exc:
            if attempt == attempts - 1:
                raise OSError(f"webhook {channel.url}: {exc}") from exc
            time.sleep(backoff * 2**attempt)


def _text(alert: dict[str, Any]) -> str:
    ex = alert["explanation"]
    lines = [ex["summary"], "", f"Kind: {alert['kind']}, severity {alert['severity']}, since "
             f"{alert['start']}", "Top phrases: " + ", ".join(ex["top_phrases"]), "",
             "Documents:"]
    lines += [f"- {d['title']}: {d['span_text']} ({d['url']})" for d in ex["top_documents"]]
    if not alert.get("complete", True):
        lines += ["", "Incomplete data from: " + ", ".join(alert["incomplete_sources"])]
    return "\n".join(lines) + "\n"


def send_email(channel: Email, alert: dict[str, Any]) -> None:
    """Mail one alert (plain text; crawled text is never sent as markup)."""
    msg = EmailMessage()
    msg["Subject"] = f"[brandradar] {alert['kind']} {alert['brand']} (severity {alert['severity']})"
    msg["From"] = channel.sender
    to = list(channel.to)
    if alert["severity"] >= channel.escalate_at:
        to += [a for a in channel.escalate_to if a not in to]
    msg["To"] = ", ".join(to)
    msg.set_content(_text(alert))
    with smtplib.SMTP(channel.smtp_host, channel.smtp_port, timeout=20) as smtp:
        if channel.starttls:
            smtp.starttls()
        if channel.username:
            smtp.login(channel.username,
                       channel.password.get_secret_value() if channel.password else "")
        smtp.send_message(msg)


def channel_key(channel: Webhook | Email) -> str:
    """A channel's name in the outbox: its kind and a hash of where it sends (stable when the
    channel list is reordered; no address or URL is stored)."""
    where = channel.url if isinstance(channel, Webhook) else ",".join(sorted(channel.to))
    return f"{channel.type}:{hashlib.sha256(where.encode()).hexdigest()[:32]}"


def enqueue(engine: Engine, alerts: list[dict[str, Any]],
            channels: list[Webhook | Email]) -> None:
    """Put every alert into the outbox once per channel it routes to (an alert already there
    is left as it is: sent, failed or being sent)."""
    now = datetime.now(UTC)
    rows = [{"alert_id": a["alert_id"], "channel": channel_key(c),
             "payload": json.dumps(a, ensure_ascii=False, default=str), "status": "pending",
             "attempts": 0, "created": now}
            for a in alerts for c in channels if c.routes(a)]
    with engine.begin() as connection:
        upsert(connection, notification_outbox, rows)


def _claim(engine: Engine, alert_id: str, channel: str) -> bool:
    """Take one outbox row for sending; False when it is sent or another worker holds it.

    A compare-and-set on the status, so two workers delivering at once never send a row twice;
    a claim older than CLAIM_LEASE (its worker died mid-send) may be taken again.
    """
    now = datetime.now(UTC)
    row = notification_outbox.c
    with engine.begin() as connection:
        result = connection.execute(
            update(notification_outbox)
            .where(row.alert_id == alert_id, row.channel == channel,
                   or_(row.status.in_(("pending", "failed")),
                       and_(row.status == "sending", row.claimed_at < now - CLAIM_LEASE)))
            .values(status="sending", claimed_at=now))
    return result.rowcount == 1


def _finish(engine: Engine, alert_id: str, channel: str, error: str | None) -> None:
    row = notification_outbox.c
    values: dict[str, Any] = ({"status": "sent", "sent_at": datetime.now(UTC), "last_error": None}
                              if error is None else {"status": "failed", "last_error": error[:300]})
    with engine.begin() as connection:
        connection.execute(update(notification_outbox)
                           .where(row.alert_id == alert_id, row.channel == channel)
                           .values(attempts=row.attempts + 1, **values))


def deliver(engine: Engine, channels: list[Webhook | Email]) -> dict[str, int]:
    """Send every outbox row not sent yet to its channel; a failure is named, counted and tried
    again by the next delivery."""
    by_key = {channel_key(c): c for c in channels}
    row = notification_outbox.c
    with engine.connect() as connection:
        due = connection.execute(select(row.alert_id, row.channel, row.payload)
                                 .where(row.status != "sent")
                                 .order_by(row.created, row.alert_id)).all()
    counts = {"sent": 0, "failed": 0}
    for alert_id, key, payload in due:
        channel = by_key.get(key)
        # A channel taken out of the project keeps its rows; they go if it comes back.
        if channel is None or not _claim(engine, alert_id, key):
            continue
        alert = json.loads(payload)
        try:
            if isinstance(channel, Webhook):
                send_webhook(channel, alert, channel.attempts, channel.backoff)
            else:
                send_email(channel, alert)
        except (OSError, smtplib.SMTPException) as exc:
            counts["failed"] += 1
            log.error("alert %s via %s failed: %s", alert_id, channel.type, exc)
            _finish(engine, alert_id, key, str(exc))
            continue
        _finish(engine, alert_id, key, None)
        counts["sent"] += 1
    return counts


def _take_over(engine: Engine, legacy: Path, channels: list[Webhook | Email]) -> None:
    """Mark what an earlier release's ``notified.json`` (alert id → indexes into the channel
    list) recorded as sent as sent in the outbox, once."""
    try:
        sent: dict[str, list[int]] = json.loads(legacy.read_text())
    except (OSError, ValueError) as exc:
        raise DataFileError(legacy, f"not a readable notification record ({exc})") from exc
    now = datetime.now(UTC)
    rows = [{"alert_id": alert_id, "channel": channel_key(channels[i]), "payload": "{}",
             "status": "sent", "attempts": 1, "sent_at": now, "created": now}
            for alert_id, indexes in sent.items() for i in indexes if 0 <= i < len(channels)]
    with engine.begin() as connection:
        upsert(connection, notification_outbox, rows)
    legacy.rename(legacy.with_name(legacy.name + ".moved-to-team-state"))


def notify(alerts: list[dict[str, Any]], channels: list[Webhook | Email], engine: Engine,
           legacy: Path | None = None) -> dict[str, int]:
    """Send every alert not sent before to every channel it routes to, through the team
    state's outbox; return counts (``already_sent``: routed pairs sent by an earlier run)."""
    if legacy is not None and legacy.exists():
        _take_over(engine, legacy, channels)
    keys = [(a["alert_id"], channel_key(c)) for a in alerts for c in channels if c.routes(a)]
    row = notification_outbox.c
    with engine.connect() as connection:
        done = {(r[0], r[1]) for r in connection.execute(
            select(row.alert_id, row.channel).where(row.status == "sent"))}
    enqueue(engine, alerts, channels)
    counts = deliver(engine, channels)
    return {**counts, "already_sent": sum(1 for k in keys if k in done)}
