"""Alert workflow: who acknowledged, took, resolved or dismissed an alert, and why.

Every change is one row of the team state's ``alert_events`` (kept, never updated), so the
history of an alert answers "who knew what when"; an alert's state is its latest row, and an
alert nobody touched is ``open``. The dashboard and ``brandradar alert`` write and read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from brandradar.errors import ConfigError
from brandradar.teamstate.schema import alert_events

STATUSES = ("open", "acknowledged", "resolved", "dismissed")


@dataclass(frozen=True)
class AlertEvent:
    """One change of an alert's state."""

    alert_id: str
    status: str
    assignee: str | None
    note: str | None
    by: str
    at: datetime

    def as_json(self) -> dict[str, str | None]:
        """The change as a JSON object (the time as ISO 8601)."""
        return {**vars(self), "at": self.at.isoformat()}


def record(engine: Engine, alert_id: str, status: str, by: str, assignee: str | None = None,
           note: str | None = None) -> AlertEvent:
    """Record a change of an alert's state (``assignee``: who handles it from now on; left
    out, the alert keeps its current one)."""
    if status not in STATUSES:
        raise ConfigError(f"alert status {status!r}: one of {', '.join(STATUSES)}")
    if assignee is None and (now := current(engine, [alert_id]).get(alert_id)) is not None:
        assignee = now.assignee
    event = AlertEvent(alert_id, status, assignee, note, by, datetime.now(UTC))
    with engine.begin() as connection:
        connection.execute(alert_events.insert().values(**vars(event)))
    return event


def _event(row: tuple[object, ...]) -> AlertEvent:
    at = row[5]
    assert isinstance(at, datetime)
    return AlertEvent(str(row[0]), str(row[1]), row[2] if row[2] is None else str(row[2]),
                      row[3] if row[3] is None else str(row[3]), str(row[4]),
                      at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC))


_COLUMNS = [alert_events.c[f] for f in ("alert_id", "status", "assignee", "note", "by", "at")]


def current(engine: Engine, alert_ids: list[str] | None = None) -> dict[str, AlertEvent]:
    """The latest change of every alert that has one (of ``alert_ids`` when given)."""
    latest = select(func.max(alert_events.c.n)).group_by(alert_events.c.alert_id)
    if alert_ids is not None:
        latest = latest.where(alert_events.c.alert_id.in_(alert_ids))
    with engine.connect() as connection:
        rows = connection.execute(select(*_COLUMNS).where(alert_events.c.n.in_(latest))).all()
    return {str(r[0]): _event(tuple(r)) for r in rows}


def history(engine: Engine, alert_id: str) -> list[AlertEvent]:
    """Every change of one alert, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(select(*_COLUMNS).where(alert_events.c.alert_id == alert_id)
                                  .order_by(alert_events.c.n)).all()
    return [_event(tuple(r)) for r in rows]
