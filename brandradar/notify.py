"""Alert notifications: each alert goes out once per channel, routed by severity and brand.

Webhooks get a JSON POST signed with ``X-Brandradar-Signature: sha256=<hex HMAC of the body>``
(the receiver recomputes it with the shared secret), retried with back-off; e-mail goes through
SMTP, and alerts at or above the escalation severity also reach the escalation list. What was sent
is remembered in ``state/notified.json``, so re-running the analysis never sends an alert twice;
a channel that fails is named and counted, and tried again on the next run.
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
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from brandradar.config import Email, Webhook

log = logging.getLogger(__name__)


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


def notify(alerts: list[dict[str, Any]], channels: list[Webhook | Email], state: Path) -> dict[str, int]:
    """Send every alert not sent before to every channel it routes to; return counts."""
    sent: dict[str, list[int]] = json.loads(state.read_text()) if state.exists() else {}
    counts = {"sent": 0, "failed": 0, "already_sent": 0}
    for alert in alerts:
        done = sent.setdefault(alert["alert_id"], [])
        for i, channel in enumerate(channels):
            if not channel.routes(alert):
                continue
            if i in done:
                counts["already_sent"] += 1
                continue
            try:
                if isinstance(channel, Webhook):
                    send_webhook(channel, alert, channel.attempts, channel.backoff)
                else:
                    send_email(channel, alert)
            except (OSError, smtplib.SMTPException) as exc:
                counts["failed"] += 1
                log.error("alert %s via %s failed: %s", alert["alert_id"], channel.type, exc)
                continue
            done.append(i)
            counts["sent"] += 1
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps(sent, indent=1))
    return counts
