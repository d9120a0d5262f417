"""Metrics from store queries: share of voice, trending topics, spike and crisis alerts.

Definitions are in docs/metrics.md (from DESIGN.md); the backends answer the counting queries, so
these statistics give the same numbers on DuckDB and Elasticsearch.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from brandradar.config import AlertRules, Brand, TrendRules
from brandradar.index.store import Store
from brandradar.urls import stable_id

TOO_FEW = 30


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion k/n."""
    if n == 0:
        return 0.0, 0.0
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def share_of_voice(store: Store, brands: list[Brand], since: datetime | None = None,
                   until: datetime | None = None, per_story: bool = False) -> list[dict[str, Any]]:
    """Share of voice per tracked brand, with a Wilson interval and a too-few state."""
    counts = store.brand_counts(since, until, per_story)
    total = sum(counts.get(b.name, 0) for b in brands)
    out = []
    for b in brands:
        k = counts.get(b.name, 0)
        low, high = wilson(k, total)
        out.append({"brand": b.name, "role": b.role, "mentions": k, "total": total,
                    "share": round(k / total, 4) if total else 0.0,
                    "ci_low": round(low, 4), "ci_high": round(high, 4),
                    "too_few": k < TOO_FEW, "unit": "story" if per_story else "document"})
    return out


def _robust(x: float, baseline: Sequence[float]) -> tuple[float, float]:
    med = statistics.median(baseline) if baseline else 0.0
    mad = statistics.median([abs(v - med) for v in baseline]) if baseline else 0.0
    # With sparse hourly counts the MAD is often 0; one mention of noise keeps z finite.
    sigma = max(1.4826 * mad, 1.0)
    return (x - med) / sigma, med


def detect_alerts(store: Store, brands: list[Brand], rules: AlertRules, now: datetime,
                  lookback_days: int = 7, incomplete_sources: list[str] | None = None,
                  ) -> list[dict[str, Any]]:
    """Spike and crisis alerts of the last ``lookback_days`` (hourly, same hour-of-week baseline)."""
    now = now.replace(minute=0, second=0, microsecond=0)
    first = now - timedelta(days=lookback_days)
    history_start = first - timedelta(weeks=rules.baseline_weeks)
    series: dict[str, dict[datetime, tuple[int, int]]] = defaultdict(dict)
    for row in store.hourly(history_start, now + timedelta(hours=1)):
        series[row["brand"]][row["hour"]] = (int(row["mentions"]), int(row["negative"]))
    alerts: list[dict[str, Any]] = []
    for brand in brands:
        s = series.get(brand.name, {})
        flagged: list[tuple[datetime, int, float, float, int]] = []
        hour = first
        while hour <= now:
            x, neg = s.get(hour, (0, 0))
            base = [s.get(hour - timedelta(weeks=w), (0, 0))[0]
                    for w in range(1, rules.baseline_weeks + 1)]
            z, med = _robust(x, base)
            neg_base = [s.get(hour - timedelta(weeks=w), (0, 0))[1]
                        for w in range(1, rules.baseline_weeks + 1)]
            neg_z, _ = _robust(neg, neg_base)
            if x >= rules.min_mentions and x >= rules.min_ratio * med and z >= rules.z:
                flagged.append((hour, x, z, med, neg if neg_z >= rules.z else 0))
            hour += timedelta(hours=1)
        alerts.extend(_group(store, brand, flagged, s, rules, history_start, incomplete_sources))
    alerts.sort(key=lambda a: a["start"], reverse=True)
    return alerts


def _group(store: Store, brand: Brand, flagged: list[tuple[datetime, int, float, float, int]],
           s: dict[datetime, tuple[int, int]], rules: AlertRules, history_start: datetime,
           incomplete_sources: list[str] | None) -> list[dict[str, Any]]:
    runs: list[list[tuple[datetime, int, float, float, int]]] = []
    for item in flagged:
        if runs and item[0] - runs[-1][-1][0] == timedelta(hours=1):
            runs[-1].append(item)
        else:
            runs.append([item])
    out: list[dict[str, Any]] = []
    last_end: datetime | None = None
    for run in runs:
        qualifies = len(run) >= rules.consecutive_hours or max(r[2] for r in run) >= rules.z_at_once
        if not qualifies:
            continue
        start, end = run[0][0], run[-1][0] + timedelta(hours=1)
        if last_end is not None and start < last_end + timedelta(hours=rules.cooldown_hours):
            continue
        last_end = end
        total = sum(r[1] for r in run)
        negative = sum(s.get(r[0], (0, 0))[1] for r in run)
        before = [v for h, v in s.items() if history_start <= h < start]
        before_total = sum(v[0] for v in before)
        neg_before = sum(v[1] for v in before) / before_total if before_total else 0.0
        neg_during = negative / total if total else 0.0
        neg_spike = any(r[4] >= rules.min_mentions for r in run)
        crisis = neg_during - neg_before >= rules.crisis_negative_jump or neg_spike
        peak_z = max(r[2] for r in run)
        severity = min(10, max(1, round(1 + peak_z / 3 + len(run) / 2 + (3 if crisis else 0))))
        # One entry per document (its most negative mention): a document that names the brand
        # twice is still one document.
        top: list[dict[str, Any]] = []
        for d in store.top_documents(brand.name, start, end, 50):
            if all(d["doc_id"] != t["doc_id"] for t in top):
                top.append(d)
        phrases = Counter(p for d in top for p in d.get("key_phrases") or [])
        sources = Counter(d["source"] for d in top)
        out.append({
            "alert_id": stable_id(brand.name, start.isoformat()),
            "brand": brand.name, "role": brand.role,
            "kind": "crisis" if crisis else "spike", "severity": severity,
            "start": start.isoformat(), "end": end.isoformat(),
            "explanation": {
                "summary": (f"{total} mentions of {brand.name} in {len(run)} h against a usual "
                            f"{sum(r[3] for r in run):g} for the same hours of the week (peak robust "
                            f"z {peak_z:.1f}); negative share {neg_during:.0%} vs {neg_before:.0%} "
                            "before."),
                "hours": [{"hour": r[0].isoformat(), "mentions": r[1], "baseline": r[3],
                           "z": round(r[2], 2)} for r in run],
                "mentions": total, "negative_share_before": round(neg_before, 4),
                "negative_share_during": round(neg_during, 4),
                "top_documents": [{k: d[k] for k in ("title", "url", "span_text", "score")}
                                  for d in top[:5]],
                "top_phrases": [p for p, _ in phrases.most_common(8)],
                "sources": dict(sources.most_common()),
            },
            "complete": not incomplete_sources,
            "incomplete_sources": list(incomplete_sources or []),
        })
    return out


def trending_topics(store: Store, rules: TrendRules, now: datetime) -> list[dict[str, Any]]:
    """Key phrases whose document rate grows ≥ min_growth× against the baseline (per window)."""
    longest = max(rules.windows_hours)
    rows = store.phrase_docs(now - timedelta(hours=longest) - timedelta(days=rules.baseline_days))
    out: list[dict[str, Any]] = []
    for window in rules.windows_hours:
        recent_start = now - timedelta(hours=window)
        base_start = recent_start - timedelta(days=rules.baseline_days)
        recent: dict[str, set[str]] = defaultdict(set)
        domains: dict[str, set[str]] = defaultdict(set)
        base: dict[str, set[str]] = defaultdict(set)
        for r in rows:
            when = r["published"]
            if when is None:
                continue
            if when >= recent_start:
                recent[r["phrase"]].add(r["doc_id"])
                domains[r["phrase"]].add(r["domain"])
            elif when >= base_start:
                base[r["phrase"]].add(r["doc_id"])
        base_hours = rules.baseline_days * 24
        for phrase in set(recent) | set(base):
            n_recent, n_base = len(recent.get(phrase, ())), len(base.get(phrase, ()))
            rate_recent, rate_base = n_recent / window, n_base / base_hours
            growth = rate_recent / rate_base if rate_base else math.inf
            if n_recent >= rules.min_docs and len(domains[phrase]) >= rules.min_domains \
                    and growth >= rules.min_growth:
                state = "emerging" if n_base == 0 else "rising"
            elif rate_base * window >= 2 * rules.min_docs and \
                    rate_recent <= rate_base / rules.min_growth:
                # Declining only when the baseline predicts enough documents for a drop to mean
                # something: a quiet day of a phrase seen twice a week is not a decline.
                state = "declining"
            else:
                continue
            out.append({"phrase": phrase, "window_hours": window, "state": state,
                        "documents": n_recent, "baseline_documents": n_base,
                        "domains": len(domains.get(phrase, ())),
                        "growth": None if math.isinf(growth) else round(growth, 2),
                        "doc_ids": sorted(recent.get(phrase, ()))[:20]})
    order = {"emerging": 0, "rising": 1, "declining": 2}
    out.sort(key=lambda t: (int(t["window_hours"]), order[str(t["state"])], -int(t["documents"])))
    return out
