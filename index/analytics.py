"""Metrics from store queries: share of voice, trending topics, spike and crisis alerts.

Definitions are in docs/metrics.md (from DESIGN.md); the metrics store answers the counting
queries with typed rows (``brandradar.index.rows``), and these statistics are written once.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from brandradar.config import AlertRules, Brand, TrendRules
from brandradar.index.rows import (
    AuthorRanking,
    AuthorStat,
    DayCount,
    Sentiments,
    TopDocument,
    Trend,
)
from brandradar.index.store import NO_FILTERS, Filters, Store
from brandradar.nlp.topic_groups import main_languages, topics_of
from brandradar.urls import stable_id

TOO_FEW = 30


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion k/n."""
    return wilson_p(k / n, n, z) if n else (0.0, 0.0)


def share_of_voice(store: Store, brands: list[Brand], since: datetime | None = None,
                   until: datetime | None = None, per_story: bool = False,
                   filters: Filters = NO_FILTERS,
                   weights: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """Share of voice per tracked brand, with a Wilson interval and a too-few state.

    Units: documents (default), stories (``per_story``: syndicated copies count once), or reach
    (``weights``: each document counts its source's weight, 1 when not listed). The interval of a
    reach-weighted share uses Kish's effective sample size, since weighted counts are not
    binomial; "too few" always looks at the unweighted documents.
    """
    if weights is not None:
        return _weighted_share(store, brands, since, until, filters, weights)
    counts = store.brand_counts(since, until, per_story, filters)
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


def _weighted_share(store: Store, brands: list[Brand], since: datetime | None,
                    until: datetime | None, filters: Filters,
                    weights: dict[str, float]) -> list[dict[str, Any]]:
    names = {b.name for b in brands}
    rows = [r for r in store.brand_source_counts(since, until, filters) if r.brand in names]
    raw: Counter[str] = Counter()
    reach: dict[str, float] = defaultdict(float)
    sum_w = sum_w2 = 0.0
    for r in rows:
        w, n = weights.get(r.source, 1.0), r.mentions
        raw[r.brand] += n
        reach[r.brand] += w * n
        sum_w += w * n
        sum_w2 += w * w * n
    n_eff = sum_w * sum_w / sum_w2 if sum_w2 else 0.0
    out = []
    for b in brands:
        share = reach[b.name] / sum_w if sum_w else 0.0
        low, high = wilson_p(share, n_eff)
        out.append({"brand": b.name, "role": b.role, "mentions": raw[b.name],
                    "reach": round(reach[b.name], 2), "total": round(sum_w, 2),
                    "share": round(share, 4), "ci_low": round(low, 4), "ci_high": round(high, 4),
                    "too_few": raw[b.name] < TOO_FEW, "unit": "reach"})
    return out


def wilson_p(p: float, n: float, z: float = 1.96) -> tuple[float, float]:
    """Wilson interval of a proportion p observed on an (effective) sample of size n."""
    if n <= 0:
        return 0.0, 0.0
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def net_sentiment(row: Sentiments | DayCount) -> float | None:
    """(positive − negative) / scored mentions, in [-1, 1]; None without scored mentions."""
    scored = row.positive + row.negative + row.neutral
    return round((row.positive - row.negative) / scored, 4) if scored else None


def alerts_in(store: Store, brands: list[Brand], since: datetime | None,
              until: datetime | None) -> list[dict[str, Any]]:
    """Stored alerts of these brands that start in the period, newest first."""
    names = {b.name for b in brands}
    return [a for a in store.alerts() if a["brand"] in names
            and (since is None or datetime.fromisoformat(a["start"]) >= since)
            and (until is None or datetime.fromisoformat(a["start"]) < until)]


def sentiment_over_time(store: Store, brands: list[Brand], since: datetime | None = None,
                        until: datetime | None = None,
                        filters: Filters = NO_FILTERS, zone: str = "UTC") -> list[dict[str, Any]]:
    """Per brand and day (in ``zone``): positive / negative / neutral shares of the scored mentions, the net
    score (positive − negative) / scored, and the unscored mentions, counted and never hidden."""
    names = {b.name for b in brands}
    out = []
    for r in store.daily(since, until, filters, zone):
        if r.brand not in names:
            continue
        pos, neg, neu, uns = r.positive, r.negative, r.neutral, r.unscored
        scored = pos + neg + neu
        out.append({"brand": r.brand, "day": r.day, "mentions": r.mentions,
                    "scored": scored, "unscored": uns,
                    "positive": round(pos / scored, 4) if scored else None,
                    "negative": round(neg / scored, 4) if scored else None,
                    "neutral": round(neu / scored, 4) if scored else None,
                    "net": net_sentiment(r)})
    out.sort(key=lambda r: (str(r["day"]), r["brand"]))
    return out


def ranked_authors(store: Store, since: datetime | None = None, until: datetime | None = None,
                   min_active: int = 3, brands: tuple[str, ...] = (),
                   limit: int | None = None) -> AuthorRanking:
    """Pseudonymous forum and review authors with their segment (docs/metrics.md), in the
    order the authors page lists them (segment, then replies and mentions, most first):

    influencer — replies received in the top 1 % of authors and at least ``min_active``;
    critic — at least ``min_active`` scored mentions, ≥ 60 % negative;
    advocate — at least ``min_active`` scored mentions, ≥ 60 % positive;
    observer — active but neither; occasional — fewer than ``min_active`` scored mentions.

    With ``brands``, about those brands: only posts mentioning one of them, their mentions.
    The store ranks (a page of ten million mentions has tens of thousands of authors and shows
    two hundred: ``limit``); ``author_row`` makes the dictionaries a page or the CLI prints.
    """
    return store.author_ranking(since, until, brands, min_active, limit)


def author_row(segment: str, r: AuthorStat) -> dict[str, Any]:
    """One ranked author as the authors page and ``brandradar authors --json`` show it."""
    scored = r.positive + r.negative + r.neutral
    return {**vars(r), "scored": scored,
            "positive_share": round(r.positive / scored, 4) if scored else 0.0,
            "negative_share": round(r.negative / scored, 4) if scored else 0.0,
            "segment": segment}


def author_segments(store: Store, since: datetime | None = None, until: datetime | None = None,
                    min_active: int = 3, brands: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Every ranked author (``ranked_authors``) as a dictionary."""
    return [author_row(*a)
            for a in ranked_authors(store, since, until, min_active, brands).authors]


def _robust(x: float, baseline: Sequence[float]) -> tuple[float, float]:
    med = statistics.median(baseline) if baseline else 0.0
    mad = statistics.median([abs(v - med) for v in baseline]) if baseline else 0.0
    # Hourly counts are Poisson-like: their noise is at least √median, which a MAD over four
    # baseline hours often underestimates (0 when they agree). Without this floor a quiet
    # brand with 6 mentions an hour raised false alarms at 12 (docs/metrics.md, alert evaluation).
    sigma = max(1.4826 * mad, math.sqrt(med), 1.0)
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
        series[row.brand][row.hour] = (row.mentions, row.negative)
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
        top: list[TopDocument] = []
        for d in store.top_documents(brand.name, start, end, 50):
            if all(d.doc_id != t.doc_id for t in top):
                top.append(d)
        phrases = Counter(p for d in top for p in d.key_phrases or [])
        # Every document of the alert's hours, not only the most negative ones shown.
        sources = Counter({r.source: r.mentions for r in store.brand_source_counts(start, end)
                           if r.brand == brand.name})
        out.append({
            "alert_id": stable_id(brand.name, start.isoformat()),
            "brand": brand.name, "role": brand.role,
            "kind": "crisis" if crisis else "spike", "severity": severity,
            "start": start.isoformat(), "end": end.isoformat(),
            "explanation": {
                "summary": (f"{total} mentions of {brand.name} in {len(run)} h, where the same "
                            f"hours of the week usually bring {sum(r[3] for r in run):g}; "
                            f"{neg_during:.0%} of them negative, against {neg_before:.0%} in the "
                            "weeks before."),
                "hours": [{"hour": r[0].isoformat(), "mentions": r[1], "baseline": r[3],
                           "z": round(r[2], 2)} for r in run],
                "mentions": total, "negative_share_before": round(neg_before, 4),
                "negative_share_during": round(neg_during, 4),
                "top_documents": [{"title": d.title, "url": d.url, "span_text": d.span_text,
                                   "score": d.score} for d in top[:5]],
                "top_phrases": [p for p, _ in phrases.most_common(8)],
                "sources": dict(sources.most_common()),
            },
            "complete": not incomplete_sources,
            "incomplete_sources": list(incomplete_sources or []),
        })
    return out


def trending_topics(store: Store, rules: TrendRules, now: datetime,
                    brand: str | None = None,
                    windows_hours: Sequence[int] | None = None) -> list[Trend]:
    """Key phrases whose document rate grows ≥ min_growth× against the baseline (per window);
    with ``brand``, only in documents that mention the brand.

    ``now`` is the end of the period looked at (exclusive), so any past period has its trends:
    the windows end there and nothing published after it counts. ``windows_hours`` replaces the
    configured windows (a picked period is one window: its length)."""
    windows = list(windows_hours or rules.windows_hours)
    rows = store.phrase_docs(now - timedelta(hours=max(windows))
                             - timedelta(days=rules.baseline_days), brand, until=now)
    # One topic per concept across languages ("Akku", "battery", "аккумулятор"): phrases are
    # mapped to the most frequent phrase of their group, and the group's variants are shown.
    topic, variants = topics_of(Counter(r.phrase for r in rows),
                                main_languages((r.phrase, r.language) for r in rows))
    rows = [replace(r, phrase=topic[r.phrase]) for r in rows]
    out: list[Trend] = []
    for window in windows:
        recent_start = now - timedelta(hours=window)
        base_start = recent_start - timedelta(days=rules.baseline_days)
        recent: dict[str, set[str]] = defaultdict(set)
        domains: dict[str, set[str]] = defaultdict(set)
        base: dict[str, set[str]] = defaultdict(set)
        for r in rows:
            when = r.published
            if when is None:
                continue
            if when >= recent_start:
                recent[r.phrase].add(r.doc_id)
                domains[r.phrase].add(r.domain)
            elif when >= base_start:
                base[r.phrase].add(r.doc_id)
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
            out.append(Trend(phrase=phrase, variants=variants.get(phrase, []), brand=brand,
                             window_hours=window, state=state, documents=n_recent,
                             baseline_documents=n_base, domains=len(domains.get(phrase, ())),
                             growth=None if math.isinf(growth) else round(growth, 2),
                             doc_ids=sorted(recent.get(phrase, ()))[:20]))
    order = {"emerging": 0, "rising": 1, "declining": 2}
    out.sort(key=lambda t: (t.window_hours, order[t.state], -t.documents))
    return out
