"""The data behind each dashboard page, from the URL's view state (period, brands, filters).

Every number comes from the metric functions of ``brandradar.index.analytics`` — the same ones
the CLI and the reports use — so a page shows exactly what ``brandradar sov`` prints.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from brandradar.config import Brand
from brandradar.errors import ConfigError
from brandradar.health import source_health
from brandradar.index.analytics import (
    alerts_in,
    author_segments,
    net_sentiment,
    sentiment_over_time,
    share_of_voice,
)
from brandradar.index.store import Filters, Store
from brandradar.labels import correct, corrections
from brandradar.teamstate import engine_for
from brandradar.teamstate.alerts import current, record

Query = dict[str, list[str]]
PAGES = ("overview", "brand", "topics", "alerts", "mentions", "authors", "sources")


def _one(query: Query, key: str) -> str:
    return (query.get(key) or [""])[0].strip()


def _day(query: Query, key: str) -> date | None:
    value = _one(query, key)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{key}: expected YYYY-MM-DD, got {value[:20]!r}") from None


class View:
    """The view state of a page: period (inclusive days), brands shown, mention filters."""

    def __init__(self, query: Query, brands: list[Brand]) -> None:
        first, last = _day(query, "from"), _day(query, "to")
        self.since = datetime.combine(first, datetime.min.time(), UTC) if first else None
        self.until = (datetime.combine(last, datetime.min.time(), UTC) + timedelta(days=1)
                      if last else None)
        wanted = [b for b in _one(query, "brands").split(",") if b]
        known = {b.name: b for b in brands}
        unknown = [b for b in wanted if b not in known]
        if unknown:
            raise ValueError(f"brands: unknown {unknown[0][:60]!r}")
        self.brands = [known[b] for b in wanted] or list(brands)

        def many(key: str) -> tuple[str, ...]:
            return tuple(v for v in _one(query, key).split(",") if v)

        self.filters = Filters(many("kind"), many("language"), many("sentiment"), many("source"))


def meta(store: Store, brands: list[Brand], workdir: Path) -> dict[str, Any]:
    """Brands, counts and the period the data covers (for the date pickers)."""
    first, last = store.time_range()
    return {"brands": [{"name": b.name, "role": b.role} for b in brands],
            "counts": store.counts(), "pages": list(PAGES),
            "first_day": first.date().isoformat() if first else None,
            "last_day": last.date().isoformat() if last else None}


def overview(store: Store, view: View, weights: dict[str, float]) -> dict[str, Any]:
    """Share of voice (documents, stories, reach), sentiment per brand, daily volume, alerts."""
    names = {b.name for b in view.brands}
    sentiment = [{**vars(r), "net": net_sentiment(r)}
                 for r in store.sentiment(view.since, view.until, view.filters) if r.brand in names]
    return {
        "sov": share_of_voice(store, view.brands, view.since, view.until, False, view.filters),
        "sov_story": share_of_voice(store, view.brands, view.since, view.until, True,
                                    view.filters),
        "sov_reach": share_of_voice(store, view.brands, view.since, view.until, False,
                                    view.filters, weights),
        "sentiment": sentiment,
        "daily": [dict(vars(r)) for r in store.daily(view.since, view.until, view.filters)
                  if r.brand in names],
        "alerts": _alerts(store, view),
    }


def _alerts(store: Store, view: View) -> list[dict[str, Any]]:
    return alerts_in(store, view.brands, view.since, view.until)


def brand_page(store: Store, view: View, all_brands: list[Brand],
               workdir: Path) -> dict[str, Any]:
    """One brand (the own brand by default) against each competitor, side by side."""
    own = next((b for b in view.brands if b.role == "own"), view.brands[0])
    rivals = [b for b in all_brands if b.name != own.name and b in view.brands] or \
        [b for b in all_brands if b.name != own.name]
    shown = [own, *rivals]
    sov = share_of_voice(store, shown, view.since, view.until, False, view.filters)
    sentiment = {r.brand: {**vars(r), "net": net_sentiment(r)}
                 for r in store.sentiment(view.since, view.until, view.filters)}
    over_time = sentiment_over_time(store, shown, view.since, view.until, view.filters)
    trends = store.trends()
    return {"brand": own.name, "brands": [b.name for b in shown], "sov": sov,
            "sentiment": [sentiment.get(b.name, {"brand": b.name, "positive": 0, "negative": 0,
                                                  "neutral": 0, "unscored": 0, "net": None})
                          for b in shown],
            "over_time": over_time,
            "topics": {b.name: [t for t in trends if t.get("brand") == b.name][:8]
                       for b in shown}}


def topics(store: Store, view: View, query: Query) -> dict[str, Any]:
    """Trending topics overall or of one brand."""
    brand = _one(query, "brand") or None
    if brand is not None and brand not in {b.name for b in view.brands}:
        raise ValueError(f"brand: unknown {brand[:60]!r}")
    return {"brand": brand, "trends": [t for t in store.trends() if t.get("brand") == brand]}


def mentions(store: Store, view: View, query: Query) -> list[dict[str, Any]]:
    """Mention explorer: full-text search with brand and mention filters."""
    q = _one(query, "q") or None
    brand = _one(query, "brand") or None
    try:
        limit = min(max(int(_one(query, "limit") or "50"), 1), 500)
    except ValueError:
        raise ValueError("limit: expected a number") from None
    # The brands chosen for the view narrow the explorer too (all brands: no filter).
    chosen = tuple(b.name for b in view.brands) if _one(query, "brands") else ()
    return [dict(vars(h)) for h in store.search(q, brand, limit, replace(view.filters, brands=chosen))]


def authors(store: Store, view: View) -> dict[str, Any]:
    """Author segments with their counts."""
    rows = author_segments(store, view.since, view.until)
    return {"segments": dict(Counter(r["segment"] for r in rows)), "authors": rows[:200]}


def page_data(name: str, store: Store, brands: list[Brand], workdir: Path,
              weights: dict[str, float], query: Query) -> Any:
    """The JSON of ``/api/<name>``; None for an unknown name."""
    view = View(query, brands)
    if name == "meta":
        return meta(store, brands, workdir)
    if name == "overview":
        return overview(store, view, weights)
    if name == "brand":
        return brand_page(store, view, brands, workdir)
    if name == "topics":
        return topics(store, view, query)
    if name == "alerts":
        return alerts_with_workflow(store, view, workdir)
    if name == "mentions":
        return mentions(store, view, query)
    if name == "authors":
        return authors(store, view)
    if name == "health":
        return source_health(workdir)
    if name == "labels":
        return labels(workdir, query)
    return None


def alerts_with_workflow(store: Store, view: View, workdir: Path) -> list[dict[str, Any]]:
    """The alerts of the view, each with the team's state of it (``workflow``)."""
    rows = _alerts(store, view)
    states = current(engine_for(workdir), [a["alert_id"] for a in rows])
    return [{**a, "workflow": states[a["alert_id"]].as_json() if a["alert_id"] in states
             else {"status": "open"}} for a in rows]


def set_alert_state(store: Store, workdir: Path, body: Any) -> dict[str, Any]:
    """Record one change of an alert's state sent by the dashboard: ``{"alert_id", "status",
    "by"}`` and optionally ``"assignee"`` and ``"note"``."""
    if not isinstance(body, dict) or not all(isinstance(body.get(k), str)
                                             for k in ("alert_id", "status", "by")) or \
            not all(isinstance(body.get(k), str | None) for k in ("assignee", "note")):
        raise ValueError('expected {"alert_id": "…", "status": "open|acknowledged|resolved|'
                         'dismissed", "by": "…", "assignee": "…", "note": "…"}')
    if body["alert_id"] not in {a["alert_id"] for a in store.alerts()}:
        raise ValueError(f"alert {body['alert_id']}: not among the project's alerts")
    try:
        event = record(engine_for(workdir), body["alert_id"], body["status"], body["by"],
                       body.get("assignee"), body.get("note"))
    except ConfigError as exc:
        raise ValueError(str(exc)) from exc
    return event.as_json()


def labels(workdir: Path, query: Query) -> list[dict[str, Any]]:
    """The label corrections of the project (of one mention with ``mention_id``), oldest
    first."""
    return [c.as_json() for c in corrections(workdir, _one(query, "mention_id") or None)]


def correct_label(workdir: Path, body: Any) -> dict[str, Any]:
    """Store one correction sent by the dashboard: ``{"mention_id", "label", "by"}``."""
    if not isinstance(body, dict) or not all(isinstance(body.get(k), str)
                                             for k in ("mention_id", "label", "by")):
        raise ValueError('expected {"mention_id": "…", "label": "negative|neutral|positive", '
                         '"by": "…"}')
    try:
        c = correct(workdir, body["mention_id"], body["label"], body["by"])
    except ConfigError as exc:
        raise ValueError(str(exc)) from exc
    return c.as_json()
