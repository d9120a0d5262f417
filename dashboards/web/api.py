"""The data behind each dashboard page, from the URL's view state (period, brands, filters).

Every number comes from the metric functions of ``brandradar.index.analytics`` — the same ones
the CLI and the reports use — so a page shows exactly what ``brandradar sov`` prints.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from brandradar.config import Brand, TrendRules
from brandradar.dashboards.reports.export import (
    EXPORT_MAX,
    XLSX_TYPE,
    mention_table,
    mentions_csv,
    mentions_xlsx,
)
from brandradar.errors import ConfigError
from brandradar.health import source_health
from brandradar.index.analytics import (
    alerts_in,
    author_row,
    net_sentiment,
    ranked_authors,
    sentiment_over_time,
    share_of_voice,
    trending_topics,
)
from brandradar.index.duckdb.store import EXPLORER_FOLDS, EXPLORER_SORTS
from brandradar.index.store import Filters, Store
from brandradar.labels import correct, corrections
from brandradar.sources import source_title
from brandradar.teamstate import engine_for
from brandradar.teamstate.alerts import current, record

Query = dict[str, list[str]]
PAGES = ("overview", "brand", "topics", "alerts", "mentions", "authors", "sources")


def _one(query: Query, key: str) -> str:
    return (query.get(key) or [""])[0].strip()


# Days a view may name: a date outside cannot be a published date and would overflow the
# end-of-day arithmetic (``?to=9999-12-31``).
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2200, 12, 31)


def _day(query: Query, key: str) -> date | None:
    value = _one(query, key)
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{key}: expected YYYY-MM-DD, got {value[:20]!r}") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{key}: {day} is outside {FIRST_DAY} … {LAST_DAY}")
    return day


def _int(query: Query, key: str, default: int, low: int, high: int) -> int:
    value = _one(query, key)
    try:
        number = int(value) if value else default
    except ValueError:
        raise ValueError(f"{key}: expected a number, got {value[:20]!r}") from None
    if not low <= number <= high:
        raise ValueError(f"{key}: {number} is outside {low} … {high}")
    return number


class View:
    """The view state of a page: period (inclusive days in the display time zone), brands
    shown, mention filters (source kind, language, sentiment, source)."""

    def __init__(self, query: Query, brands: list[Brand], zone: str = "UTC") -> None:
        tz = ZoneInfo(zone)
        self.zone = zone
        self.first, self.last = _day(query, "from"), _day(query, "to")
        if self.first and self.last and self.first > self.last:
            raise ValueError(f"from {self.first} is after to {self.last}")
        self.since = datetime.combine(self.first, time.min, tz) if self.first else None
        self.until = (datetime.combine(self.last + timedelta(days=1), time.min, tz)
                      if self.last else None)
        wanted = [b for b in _one(query, "brands").split(",") if b]
        known = {b.name: b for b in brands}
        unknown = [b for b in wanted if b not in known]
        if unknown:
            raise ValueError(f"brands: unknown {unknown[0][:60]!r}")
        self.brands = [known[b] for b in wanted] or list(brands)
        # The brands picked (none: every brand, and what mentions no brand too).
        self.chosen = tuple(b.name for b in self.brands) if wanted else ()

        def many(key: str) -> tuple[str, ...]:
            return tuple(v for v in _one(query, key).split(",") if v)

        self.filters = Filters(many("kind"), many("language"), many("sentiment"), many("source"))
        first, last = _day(query, "compare_from"), _day(query, "compare_to")
        if (first is None) != (last is None) or (first and last and first > last):
            raise ValueError("compare_from and compare_to: both, the first not after the last")
        self.compare = (datetime.combine(first, time.min, tz),
                        datetime.combine(last + timedelta(days=1), time.min, tz)) \
            if first and last else None

    def previous(self) -> tuple[datetime, datetime] | None:
        """The comparison period: the one chosen (``compare_from``/``compare_to``), else as
        long as this one, ending where it begins (None for a view without both ends)."""
        if self.compare is not None:
            return self.compare
        if self.since is None or self.until is None:
            return None
        return self.since - (self.until - self.since), self.since


def meta(store: Store, brands: list[Brand], zone: str,
         source_names: dict[str, str]) -> dict[str, Any]:
    """Brands, counts, the period the data covers (for the date pickers), the filters' choices
    with the sources' display names, and the time zone every time is shown in."""
    first, last = store.time_range()
    tz = ZoneInfo(zone)
    facets = store.facets()
    names = {s: source_title(s, source_names) for s in facets["source"]}
    return {"brands": [{"name": b.name, "role": b.role} for b in brands],
            "counts": store.counts(), "pages": list(PAGES), "timezone": zone,
            "facets": facets, "source_names": {**names, **source_names},
            "first_day": first.astimezone(tz).date().isoformat() if first else None,
            "last_day": last.astimezone(tz).date().isoformat() if last else None}


def _kpi(store: Store, view: View, since: datetime | None,
         until: datetime | None) -> dict[str, Any]:
    """The overview's tiles for one period: brand mentions of the brands shown, the own
    brands' share of them, their net sentiment and negative share, alerts."""
    counts = store.brand_counts(since, until, False, view.filters)
    own = [b.name for b in view.brands if b.role == "own"] or [b.name for b in view.brands]
    total = sum(counts.get(b.name, 0) for b in view.brands)
    own_n = sum(counts.get(b, 0) for b in own)
    rows = [r for r in store.sentiment(since, until, view.filters) if r.brand in own]
    pos, neg, neu = (sum(getattr(r, f) for r in rows) for f in ("positive", "negative", "neutral"))
    scored = pos + neg + neu
    return {"mentions": total, "own_mentions": own_n,
            "own_share": round(own_n / total, 4) if total else None,
            "net_sentiment": round((pos - neg) / scored, 4) if scored else None,
            "negative_share": round(neg / scored, 4) if scored else None,
            "scored": scored, "alerts": len(alerts_in(store, view.brands, since, until))}


def kpis(store: Store, view: View) -> dict[str, Any]:
    """KPI tiles of the view and of the comparison period (the one before, as long)."""
    before = view.previous()
    return {"own": [b.name for b in view.brands if b.role == "own"],
            "current": _kpi(store, view, view.since, view.until),
            "previous": _kpi(store, view, *before) if before else None,
            "previous_from": before[0].date().isoformat() if before else None,
            "previous_to": (before[1] - timedelta(days=1)).date().isoformat() if before else None}


def overview(store: Store, view: View, weights: dict[str, float]) -> dict[str, Any]:
    """KPI tiles, share of voice (documents, stories, reach), sentiment per brand, daily
    volume, alerts."""
    names = {b.name for b in view.brands}
    sentiment = [{**vars(r), "net": net_sentiment(r)}
                 for r in store.sentiment(view.since, view.until, view.filters) if r.brand in names]
    return {
        "kpis": kpis(store, view),
        "sov": share_of_voice(store, view.brands, view.since, view.until, False, view.filters),
        "sov_story": share_of_voice(store, view.brands, view.since, view.until, True,
                                    view.filters),
        "sov_reach": share_of_voice(store, view.brands, view.since, view.until, False,
                                    view.filters, weights),
        "sentiment": sentiment,
        "daily": [dict(vars(r)) for r in store.daily(view.since, view.until, view.filters, view.zone)
                  if r.brand in names],
        "hourly": _hourly(store, view, names),
        "alerts": _alerts(store, view),
    }


# A period this short is drawn per hour (a crisis day needs hours, not one point).
HOURLY_UP_TO = timedelta(days=3)


def _hourly(store: Store, view: View, names: set[str]) -> dict[str, Any] | None:
    """Documents per brand and hour, and every hour of the period, for a short period."""
    if view.since is None or view.until is None or view.until - view.since > HOURLY_UP_TO:
        return None
    hours = []
    at = view.since
    while at < view.until:
        hours.append(at.isoformat())
        at += timedelta(hours=1)
    return {"hours": hours,
            "rows": [dict(vars(r)) for r in store.hourly(view.since, view.until, view.filters)
                     if r.brand in names]}


def _alerts(store: Store, view: View) -> list[dict[str, Any]]:
    return alerts_in(store, view.brands, view.since, view.until)


# The most competitors the brand page puts side by side.
RIVALS_SHOWN = 5


def brand_page(store: Store, view: View, all_brands: list[Brand],
               workdir: Path) -> dict[str, Any]:
    """One brand (the own brand by default) against each competitor side by side: the
    ``RIVALS_SHOWN`` with the most documents in the view, of ``competitors``."""
    own = next((b for b in view.brands if b.role == "own"), view.brands[0])
    rivals = [b for b in all_brands if b.name != own.name and b in view.brands] or \
        [b for b in all_brands if b.name != own.name]
    # Shares among all the view's brands; side by side only the competitors with the most
    # documents (with 48 brands tracked the page was 48 columns and 48 topic cards wide).
    shares = {r["brand"]: r for r in share_of_voice(store, [own, *rivals], view.since, view.until,
                                                     False, view.filters)}
    shown = [own, *sorted(rivals, key=lambda b: -shares[b.name]["mentions"])[:RIVALS_SHOWN]]
    sov = [shares[b.name] for b in shown]
    sentiment = {r.brand: {**vars(r), "net": net_sentiment(r)}
                 for r in store.sentiment(view.since, view.until, view.filters)}
    over_time = sentiment_over_time(store, shown, view.since, view.until, view.filters,
                                    view.zone)
    trends = store.trends()
    return {"brand": own.name, "brands": [b.name for b in shown], "competitors": len(rivals),
            "sov": sov,
            "sentiment": [sentiment.get(b.name, {"brand": b.name, "positive": 0, "negative": 0,
                                                  "neutral": 0, "unscored": 0, "net": None})
                          for b in shown],
            "over_time": over_time,
            "topics": {b.name: [vars(t) for t in trends if t.brand == b.name][:8]
                       for b in shown}}


def topics(store: Store, view: View, query: Query, rules: TrendRules) -> dict[str, Any]:
    """Trending topics overall or of one brand: of the view's period when it has both ends
    (one window: the period, against the baseline days before it), else those of the last
    analysis. ``topic=<phrase>`` adds that topic's documents (all its spellings, with or without
    a brand in them, a page at a time): as many as the topic's document count."""
    brand = _one(query, "brand") or None
    if brand is not None and brand not in {b.name for b in view.brands}:
        raise ValueError(f"brand: unknown {brand[:60]!r}")
    period = view.since is not None and view.until is not None
    if view.since is not None and view.until is not None:
        hours = int((view.until - view.since).total_seconds() // 3600)
        rows = trending_topics(store, rules, view.until, brand, [hours])
    else:
        rows = [t for t in store.trends() if t.brand == brand]
    out: dict[str, Any] = {"brand": brand, "period": period, "trends": [], "topic": None}
    wanted = _one(query, "topic")
    for t in rows:
        # A period's windows end with it; the last analysis's where it was computed.
        end = view.until if period else t.computed
        start = end - timedelta(hours=t.window_hours) if end else None
        shown = {k: v for k, v in vars(t).items() if k not in ("doc_ids", "computed")}
        shown |= {"start": start, "end": end}
        out["trends"].append(shown)
        if wanted and t.phrase == wanted and out["topic"] is None and start and end:
            offset = _int(query, "offset", 0, 0, 10_000_000)
            total, docs = store.topic_documents([t.phrase, *t.variants], start, end,
                                                brand, offset, 50)
            out["topic"] = {**shown, "total": total, "offset": offset,
                            "rows": [dict(vars(d)) for d in docs]}
    if wanted and out["topic"] is None:
        raise ValueError(f"topic: {wanted[:60]!r} is not trending in this view")
    return out


def _explorer_view(view: View, query: Query) -> tuple[str | None, Filters, str, int, str]:
    """The explorer's search words, filters, order, offset and fold from the URL."""
    q = _one(query, "q") or None
    brand = _one(query, "brand")
    if brand and brand not in {b.name for b in view.brands}:
        raise ValueError(f"brand: unknown {brand[:60]!r}")
    # One brand picked in the explorer, else the brands chosen for the view (all: no filter).
    chosen = (brand,) if brand else (tuple(b.name for b in view.brands)
                                      if _one(query, "brands") else ())
    sort = _one(query, "sort") or ("relevance" if q else "newest")
    if sort not in EXPLORER_SORTS:
        raise ValueError(f"sort: one of {', '.join(EXPLORER_SORTS)}")
    if sort == "relevance" and not q:
        sort = "newest"
    offset = _int(query, "offset", 0, 0, 10_000_000)
    fold = _one(query, "fold") or "story"
    if fold not in EXPLORER_FOLDS:
        raise ValueError(f"fold: one of {', '.join(EXPLORER_FOLDS)}")
    return q, replace(view.filters, brands=chosen), sort, offset, fold


def mentions(store: Store, view: View, query: Query) -> dict[str, Any]:
    """Mention explorer: full-text search with brand and mention filters, a page at a time
    (``offset``, ``limit``), the total of the view; one row per brand and story by default
    (``fold=document``: per brand and document, as share of voice counts; ``fold=none``: every
    mention, as the sentiment counts)."""
    limit = _int(query, "limit", 50, 1, 500)
    q, filters, sort, offset, fold = _explorer_view(view, query)
    page = store.explore(q, view.since, view.until, filters, sort, offset, limit, fold)
    return {"total": page.total, "offset": page.offset, "limit": limit, "sort": sort,
            "fold": fold, "rows": [dict(vars(r)) for r in page.rows]}


def export_mentions(store: Store, brands: list[Brand], query: Query, fmt: str,
                    zone: str = "UTC",
                    source_names: dict[str, str] | None = None) -> tuple[bytes, str]:
    """The explorer's view (all its pages, in its order) as CSV or XLSX: (bytes, media type).
    Times are in ``zone``; text that a spreadsheet would run as a formula is quoted."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError("format: csv or xlsx")
    view = View(query, brands, zone)
    q, filters, sort, _, fold = _explorer_view(view, query)
    page = store.explore(q, view.since, view.until, filters, sort, 0, EXPORT_MAX, fold)
    header, rows = mention_table(page.rows, zone, source_names)
    cut = page.total - len(rows)
    if fmt == "csv":
        return mentions_csv(header, rows, cut), "text/csv; charset=utf-8"
    return mentions_xlsx(header, rows, cut), XLSX_TYPE


def authors(store: Store, view: View) -> dict[str, Any]:
    """Author segments with their counts; with brands picked, about those brands (their posts
    mentioning them, those mentions)."""
    ranked = ranked_authors(store, view.since, view.until, brands=view.chosen, limit=200)
    return {"segments": ranked.segments, "authors": [author_row(*a) for a in ranked.authors]}


def page_data(name: str, store: Store, brands: list[Brand], workdir: Path,
              weights: dict[str, float], query: Query, zone: str = "UTC",
              trend_rules: TrendRules | None = None,
              source_names: dict[str, str] | None = None) -> Any:
    """The JSON of ``/api/<name>``; None for an unknown name. Periods are days in ``zone``;
    ``source_names``: the sources' display names (source id → name)."""
    view = View(query, brands, zone)
    if name == "meta":
        return meta(store, brands, zone, source_names or {})
    if name == "overview":
        return overview(store, view, weights)
    if name == "brand":
        return brand_page(store, view, brands, workdir)
    if name == "topics":
        return topics(store, view, query, trend_rules or TrendRules())
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
