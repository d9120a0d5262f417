"""What a competitor report holds, gathered once from the store (same numbers as the dashboard).

A report covers a period (default: the 7 days up to now) and a set of brands, and compares it
with the period of the same length just before.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from brandradar.config import Brand
from brandradar.health import source_health
from brandradar.index.analytics import alerts_in, net_sentiment, share_of_voice
from brandradar.index.rows import Sentiments
from brandradar.index.store import Store
from brandradar.nlp.topic_groups import topics_of

DEFAULT_DAYS = 7


def _sentiment(store: Store, brands: list[Brand], since: datetime,
               until: datetime) -> dict[str, dict[str, Any]]:
    rows = {r.brand: r for r in store.sentiment(since, until)}
    out = {}
    for b in brands:
        r = rows.get(b.name, Sentiments(b.name, 0, 0, 0, 0))
        scored = r.positive + r.negative + r.neutral
        out[b.name] = {"brand": b.name, "positive": r.positive, "negative": r.negative,
                       "neutral": r.neutral, "unscored": r.unscored, "net": net_sentiment(r),
                       "negative_share": round(r.negative / scored, 4) if scored else None}
    return out


def _change(now: float | None, before: float | None) -> float | None:
    return round(now - before, 4) if now is not None and before is not None else None


def _topics(store: Store, brand: str, since: datetime, until: datetime,
            top: int = 8) -> list[dict[str, Any]]:
    docs: dict[str, set[str]] = {}
    for r in store.phrase_docs(since, brand, until=until):
        docs.setdefault(r.phrase, set()).add(r.doc_id)
    # One topic per concept across languages, as in the trends (docs/metrics.md).
    topic, variants = topics_of({p: len(d) for p, d in docs.items()})
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


def summary_lines(report: dict[str, Any]) -> list[str]:
    """The executive summary in plain words."""
    lines = []
    sov = report["sov"]
    own = next((r for r in sov if r["role"] == "own"), None)
    leader = max(sov, key=lambda r: r["share"]) if sov else None
    if own is not None:
        line = (f"{own['brand']} (own brand) holds {own['share']:.1%} of the voice "
                f"({own['mentions']} of {own['total']} brand mentions).")
        if leader and leader["brand"] != own["brand"]:
            line += f" The loudest brand is {leader['brand']} with {leader['share']:.1%}."
        elif leader:
            line += " That is the largest share of the tracked brands."
        lines.append(line)
    for s in report["sentiment"]:
        change = s["net_change"]
        if change is not None and abs(change) >= 0.15:
            word = "improved" if change > 0 else "worsened"
            lines.append(f"Sentiment about {s['brand']} {word} clearly: net "
                         f"{s['net']:+.2f} against {s['net_before']:+.2f} the period before.")
    crises = [a for a in report["alerts"] if a["kind"] == "crisis"]
    if crises:
        lines.append("Crisis alerts: " + "; ".join(
            f"{a['brand']} from {a['start'][:16].replace('T', ' ')} (severity {a['severity']})"
            for a in crises) + ".")
    elif report["alerts"]:
        lines.append(f"{len(report['alerts'])} spike alert(s), no crisis.")
    else:
        lines.append("No spike or crisis alerts in the period.")
    few = [r["brand"] for r in sov if r["too_few"]]
    if few:
        lines.append("Too few mentions for a reliable share: " + ", ".join(few) + ".")
    broken = [c["source"] for c in report["coverage"] if not c["complete"]]
    lines.append("All sources were crawled completely." if not broken else
                 "Incomplete sources (numbers may be low): " + ", ".join(broken) + ".")
    return lines


def report_data(store: Store, brands: list[Brand], workdir: Path,
                since: datetime | None = None, until: datetime | None = None,
                weights: dict[str, float] | None = None) -> dict[str, Any]:
    """Everything a report shows for a period and its brands."""
    until = until or datetime.now(UTC)
    since = since or until - timedelta(days=DEFAULT_DAYS)
    before = since - (until - since)
    now_s = _sentiment(store, brands, since, until)
    then_s = _sentiment(store, brands, before, since)
    sentiment = [{**now_s[b.name], "net_before": then_s[b.name]["net"],
                  "net_change": _change(now_s[b.name]["net"], then_s[b.name]["net"]),
                  "negative_share_before": then_s[b.name]["negative_share"],
                  "mentions_before": sum(then_s[b.name][k] for k in
                                         ("positive", "negative", "neutral", "unscored"))}
                 for b in brands]
    names = {b.name for b in brands}
    alerts = alerts_in(store, brands, since, until)
    coverage = [{"source": h["source"], "run": h["run_id"], "documents": h["documents"],
                 "complete": not h["flags"], "flags": h["flags"]} for h in source_health(workdir)]
    report: dict[str, Any] = {
        "since": since.isoformat(), "until": until.isoformat(),
        "previous_since": before.isoformat(),
        "brands": [{"name": b.name, "role": b.role} for b in brands],
        "counts": store.counts(),
        "sov": share_of_voice(store, brands, since, until),
        "sov_story": share_of_voice(store, brands, since, until, per_story=True),
        "sov_reach": share_of_voice(store, brands, since, until, weights=weights or {}),
        "sov_before": share_of_voice(store, brands, before, since),
        "sentiment": sentiment,
        "daily": [{**vars(r), "day": r.day.isoformat()} for r in store.daily(since, until)
                  if r.brand in names],
        "topics": {b.name: _topics(store, b.name, since, until) for b in brands},
        "positive_documents": {b.name: _documents(store, b.name, since, until, "positive")
                               for b in brands},
        "negative_documents": {b.name: _documents(store, b.name, since, until, "negative")
                               for b in brands},
        "alerts": alerts,
        "coverage": coverage,
    }
    report["summary"] = summary_lines(report)
    return report
