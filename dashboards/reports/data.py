"""What a competitor report holds, gathered once from the store (same numbers as the dashboard).

A report covers a period (default: the 7 days up to now) and a set of brands, and compares it
with the period of the same length just before.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from brandradar.config import Brand
from brandradar.dashboards.reports.charts import LineChart, days_between, line_chart
from brandradar.health import period_coverage
from brandradar.index.analytics import TOO_FEW, alerts_in, net_sentiment, share_of_voice
from brandradar.index.rows import Sentiments
from brandradar.index.store import Store
from brandradar.nlp.topic_groups import main_languages, topics_of
from brandradar.sources import source_title

DEFAULT_DAYS = 7
# A day's net sentiment is drawn from this many scored mentions (fewer swing it -1 … +1).
MIN_SCORED_DAY = 5


def local_time(iso: str, zone: str) -> str:
    """An ISO instant as "YYYY-MM-DD HH:MM <zone>", the way every report time is shown."""
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(zone)).strftime(f"%Y-%m-%d %H:%M {zone}")


def _sentiment(store: Store, brands: list[Brand], since: datetime,
               until: datetime) -> dict[str, dict[str, Any]]:
    rows = {r.brand: r for r in store.sentiment(since, until)}
    out = {}
    for b in brands:
        r = rows.get(b.name, Sentiments(b.name, 0, 0, 0, 0))
        scored = r.positive + r.negative + r.neutral
        out[b.name] = {"brand": b.name, "positive": r.positive, "negative": r.negative,
                       "neutral": r.neutral, "unscored": r.unscored, "net": net_sentiment(r),
                       "scored": scored,
                       "negative_share": round(r.negative / scored, 4) if scored else None}
    return out


def _change(now: float | None, before: float | None) -> float | None:
    return round(now - before, 4) if now is not None and before is not None else None


def _topics(store: Store, brand: str, since: datetime, until: datetime,
            top: int = 8) -> list[dict[str, Any]]:
    docs: dict[str, set[str]] = {}
    uses = store.phrase_docs(since, brand, until=until)
    for r in uses:
        docs.setdefault(r.phrase, set()).add(r.doc_id)
    # One topic per concept across languages, as in the trends (docs/metrics.md).
    topic, variants = topics_of({p: len(d) for p, d in docs.items()},
                                main_languages((r.phrase, r.language) for r in uses))
    topics: dict[str, set[str]] = {}
    for phrase, ids in docs.items():
        topics.setdefault(topic[phrase], set()).update(ids)
    ranked = Counter({p: len(d) for p, d in topics.items()}).most_common()
    return [{"phrase": p, "documents": n, "variants": variants.get(p, [])}
            for p, n in ranked[:top]]


def _documents(store: Store, brand: str, since: datetime, until: datetime,
               most: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for d in store.top_documents(brand, since, until, 20, most):
        wanted = d.sentiment == most
        if wanted and all(d.doc_id != o["doc_id"] for o in out):
            out.append({"doc_id": d.doc_id, "title": d.title, "url": d.url,
                        "span_text": d.span_text, "score": d.score, "source": d.source})
        if len(out) == 3:
            break
    return out


def _share_lines(report: dict[str, Any]) -> list[str]:
    """Clear share changes against the period before, with the alert behind them if any."""
    lines = []
    before = {r["brand"]: r for r in report["sov_before"]}
    for r in report["sov"]:
        b = before.get(r["brand"])
        if b is None or r["too_few"] or b["too_few"] or abs(r["share"] - b["share"]) < 0.05:
            continue
        word = "rose" if r["share"] > b["share"] else "fell"
        line = (f"The share of {r['brand']} {word} from {b['share']:.1%} to {r['share']:.1%} "
                "against the period before")
        alerts = [a for a in report["alerts"] if a["brand"] == r["brand"]]
        if alerts:
            a = alerts[0]
            line += (f", with the {a['kind']} alert from {local_time(a['start'], report['zone'])} "
                     f"({a['explanation']['mentions']} mentions in {len(a['explanation']['hours'])}"
                     " h) behind it")
        lines.append(line + ".")
    return lines


def summary_lines(report: dict[str, Any]) -> list[str]:
    """The executive summary in plain words: nothing a zero or a tie would make untrue."""
    lines = []
    sov = report["sov"]
    total = sov[0]["total"] if sov else 0
    own = next((r for r in sov if r["role"] == "own"), None)
    top = max((r["share"] for r in sov), default=0.0)
    leaders = [r for r in sov if r["share"] == top and top > 0]
    if not total:
        lines.append("No mentions of the tracked brands in the period.")
    elif own is not None:
        line = (f"{own['brand']} (own brand) holds {own['share']:.1%} of the voice "
                f"({own['mentions']} of {total} brand mentions).")
        if own in leaders and len(leaders) == 1:
            line += " That is the largest share of the tracked brands."
        elif leaders and own not in leaders:
            line += (f" The loudest brand is {leaders[0]['brand']} with "
                     f"{leaders[0]['share']:.1%}.")
        lines.append(line)
    lines += _share_lines(report)
    for s in report["sentiment"]:
        change = s["net_change"]
        # A change of a handful of mentions is noise ("improved clearly: +0.21 against −1.00"
        # from three documents on real news): both periods need as many as a net is shown for.
        if change is not None and abs(change) >= 0.15 and \
                min(s["scored"], s["scored_before"]) >= TOO_FEW:
            word = "improved" if change > 0 else "worsened"
            lines.append(f"Sentiment about {s['brand']} {word} clearly: net "
                         f"{s['net']:+.2f} against {s['net_before']:+.2f} the period before.")
    crises = [a for a in report["alerts"] if a["kind"] == "crisis"]
    if crises:
        lines.append("Crisis alerts: " + "; ".join(
            f"{a['brand']} from {local_time(a['start'], report['zone'])} "
            f"(severity {a['severity']})"
            for a in crises) + ".")
    elif report["alerts"]:
        lines.append(f"{len(report['alerts'])} spike alert(s), no crisis.")
    else:
        lines.append("No spike or crisis alerts in the period.")
    few = [r["brand"] for r in sov if r["too_few"] and total]
    if few:
        lines.append("Too few mentions for a reliable share: " + ", ".join(few) + ".")
    coverage = report["coverage"]
    ran = [c for c in coverage if c["runs"]]
    broken = [c for c in coverage if c["runs"] and not c["complete"]]
    silent = [c["source"] for c in coverage if not c["runs"]]
    if not ran:
        lines.append("No crawl ran during the period: its numbers rest on later crawls.")
    elif broken:
        lines.append("Incomplete sources in the period (numbers may be low): " + "; ".join(
            f"{c['source']} ({c['flagged_runs']} of {c['runs']} runs: {', '.join(c['flags'])})"
            for c in broken) + ".")
    else:
        lines.append(f"Every crawl run in the period completed for every source "
                     f"({sum(c['runs'] for c in ran)} source runs).")
    if silent and ran:
        lines.append("Not crawled in the period: " + ", ".join(silent) + ".")
    return lines


def charts(daily: list[dict[str, Any]], brands: list[Brand], since: datetime,
           until: datetime) -> dict[str, LineChart]:
    """Volume and net sentiment per brand and day (days of the report's zone) of the period; a day's net
    sentiment only from ``MIN_SCORED_DAY`` scored mentions (a gap below)."""
    last = (until - timedelta(microseconds=1)).date()
    days = days_between(since.date(), last) if since.date() <= last else []
    per = {(r["brand"], r["day"]): r for r in daily}
    volume: list[tuple[str, list[float | None]]] = []
    net: list[tuple[str, list[float | None]]] = []
    for b in brands:
        rows = [per.get((b.name, d.isoformat())) for d in days]
        volume.append((b.name, [float(r["mentions"]) if r else 0.0 for r in rows]))
        values: list[float | None] = []
        for r in rows:
            scored = r["positive"] + r["negative"] + r["neutral"] if r else 0
            values.append((r["positive"] - r["negative"]) / scored
                          if r and scored >= MIN_SCORED_DAY else None)
        net.append((b.name, values))
    return {"volume": line_chart(days, volume),
            "sentiment": line_chart(days, net, -1.0, 1.0, "{:+.1f}")}


def report_data(store: Store, brands: list[Brand], workdir: Path,
                since: datetime | None = None, until: datetime | None = None,
                weights: dict[str, float] | None = None, zone: str = "UTC",
                source_names: dict[str, str] | None = None) -> dict[str, Any]:
    """Everything a report shows for a period and its brands; days and times in ``zone``,
    sources by their display names (``source_names``: id → name)."""
    tz = ZoneInfo(zone)
    until = (until or datetime.now(UTC)).astimezone(tz)
    since = (since or until - timedelta(days=DEFAULT_DAYS)).astimezone(tz)
    before = since - (until - since)
    now_s = _sentiment(store, brands, since, until)
    then_s = _sentiment(store, brands, before, since)
    sentiment = [{**now_s[b.name], "net_before": then_s[b.name]["net"],
                  "net_change": _change(now_s[b.name]["net"], then_s[b.name]["net"]),
                  "negative_share_before": then_s[b.name]["negative_share"],
                  "scored_before": then_s[b.name]["scored"],
                  "mentions_before": sum(then_s[b.name][k] for k in
                                         ("positive", "negative", "neutral", "unscored"))}
                 for b in brands]
    shown = {b.name for b in brands}
    names = source_names or {}

    def named(source: str) -> str:
        return source_title(source, names)

    alerts = [{**a, "explanation": {**a["explanation"], "sources": {
                   named(s): n for s, n in a["explanation"].get("sources", {}).items()}}}
              for a in alerts_in(store, brands, since, until)]
    coverage = [{**c, "source": named(c["source"])}
                for c in period_coverage(workdir, since, until)]
    report: dict[str, Any] = {
        "since": since.isoformat(), "until": until.isoformat(), "zone": zone,
        "previous_since": before.isoformat(),
        "brands": [{"name": b.name, "role": b.role} for b in brands],
        "counts": store.counts(),
        "sov": share_of_voice(store, brands, since, until),
        "sov_story": share_of_voice(store, brands, since, until, per_story=True),
        "sov_reach": share_of_voice(store, brands, since, until, weights=weights or {}),
        "sov_before": share_of_voice(store, brands, before, since),
        "sentiment": sentiment,
        "daily": [{**vars(r), "day": r.day.isoformat()} for r in store.daily(since, until, zone=zone)
                  if r.brand in shown],
        "topics": {b.name: _topics(store, b.name, since, until) for b in brands},
        **{f"{kind}_documents": {b.name: [{**d, "source": named(d["source"])} for d in
                                          _documents(store, b.name, since, until, kind)]
                                 for b in brands}
           for kind in ("positive", "negative")},
        "alerts": alerts,
        "coverage": coverage,
    }
    report["summary"] = summary_lines(report)
    report["partial_last_day"] = bool(until.time() != datetime.min.time())
    report["charts"] = charts(report["daily"], brands, since, until)
    return report
