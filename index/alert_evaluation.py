"""How good are the spike and crisis alerts? Precision, recall, delay and alert rate, measured.

Two measurements, both through the real detector (:func:`detect_alerts`) on a real DuckDB store:

- **Simulated series**: hourly mention counts of several brands over five weeks with a daily
  rhythm and Poisson noise; in the last week spikes of known size (×2 … ×8 the usual volume, 2–6
  hours, some with a negative surge) are planted at random hours. An alert that overlaps a
  planted spike of its brand finds it; any other alert is a false alarm. Delay = hours from the
  spike's first hour until the alert can be raised (the end of its second flagged hour, or of the
  first when that hour alone passes ``z_at_once``). Series without spikes give the false-alarm
  rate of a quiet week.
- **Demo data**: the demo's planted complaint wave (ground truth) against the alerts of a demo
  run.

``python -m brandradar.index.alert_evaluation [DEMO_WORKDIR] DOC.md`` rewrites the table in
DOC.md. Written by hand: the evaluation is specific to brandradar's alert definition.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from brandradar.config import AlertRules, Brand
from brandradar.doctables import write_between
from brandradar.index.analytics import detect_alerts
from brandradar.index.duckdb.store import DuckDBStore
from brandradar.model import ENRICHED_FIELDS, MENTION_FIELDS

BEGIN, END = "<!-- alert evaluation: written by `make eval` -->", "<!-- end of alert evaluation -->"
MAGNITUDES = (2.0, 3.0, 5.0, 8.0)
# Relative volume per hour of the day: quiet nights, busy evenings.
DAY_SHAPE = [0.3, 0.2, 0.2, 0.2, 0.3, 0.5, 0.8, 1.0, 1.2, 1.3, 1.3, 1.3,
             1.4, 1.3, 1.3, 1.3, 1.4, 1.5, 1.6, 1.6, 1.4, 1.1, 0.8, 0.5]


@dataclass(frozen=True)
class Spike:
    """A planted spike: brand, first hour, hours, size, and whether negatives surge."""

    brand: str
    start: datetime
    hours: int
    magnitude: float
    negative: bool


def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth's method is exact and fast enough for the small rates of hourly mentions.
    limit, k, p = pow(2.718281828459045, -lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def simulate(seed: int, brands: dict[str, float], now: datetime, weeks: int = 5,
             spikes_per_brand: int = 1) -> tuple[list[dict[str, Any]], list[Spike]]:
    """Mention rows of ``weeks`` weeks up to ``now`` and the spikes planted in the last week."""
    rng = random.Random(seed)
    start = now - timedelta(weeks=weeks)
    planted: list[Spike] = []
    for brand in brands:
        for _ in range(spikes_per_brand):
            hour = now - timedelta(hours=rng.randint(8, 24 * 7 - 8))
            planted.append(Spike(brand, hour, rng.choice((2, 3, 4, 6)), rng.choice(MAGNITUDES),
                                 rng.random() < 0.5))
    rows: list[dict[str, Any]] = []
    hour = start
    while hour < now:
        for brand, rate in brands.items():
            lam = rate * DAY_SHAPE[hour.hour]
            neg_share = 0.2
            for s in planted:
                if s.brand == brand and s.start <= hour < s.start + timedelta(hours=s.hours):
                    # A spike adds (magnitude − 1) × the usual volume, at least 12 mentions, so a
                    # night-time spike is a spike too.
                    lam += max((s.magnitude - 1) * lam, 12.0)
                    neg_share = 0.7 if s.negative else 0.2
            for _ in range(_poisson(rng, lam)):
                when = hour + timedelta(seconds=rng.randint(0, 3599))
                rows.append({"brand": brand, "published": when,
                             "sentiment": "negative" if rng.random() < neg_share else "neutral"})
        hour += timedelta(hours=1)
    return rows, planted


def _store(rows: list[dict[str, Any]], folder: Path) -> DuckDBStore:
    store = DuckDBStore(folder / "sim.duckdb")
    docs, mentions = [], []
    for i, r in enumerate(rows):
        doc_id = f"d{i}"
        doc = dict.fromkeys(ENRICHED_FIELDS)
        doc.update(doc_id=doc_id, source="sim", source_kind="forum", url=f"https://sim.invalid/{i}",
                   domain="sim.invalid", title="", text="", published=r["published"],
                   fetched=r["published"], language="de", key_phrases=[], story_id=doc_id,
                   versions="sim")
        m = dict.fromkeys(MENTION_FIELDS)
        m.update(mention_id=f"m{i}", doc_id=doc_id, brand=r["brand"], brand_role="competitor",
                 start=0, end=1, matched=r["brand"], sentiment=r["sentiment"],
                 score=-0.5 if r["sentiment"] == "negative" else 0.0, span_text="",
                 source="sim", source_kind="forum", domain="sim.invalid", language="de",
                 published=r["published"], story_id=doc_id, versions="sim")
        docs.append(doc)
        mentions.append(m)
    store.upsert(docs, mentions)
    return store


def raised_at(alert: dict[str, Any], rules: AlertRules) -> datetime:
    """When the alert could first be raised: the end of the hour in which it qualified."""
    hours = alert["explanation"]["hours"]
    first = datetime.fromisoformat(hours[0]["hour"])
    needed = 1 if hours[0]["z"] >= rules.z_at_once else rules.consecutive_hours
    return first + timedelta(hours=needed)


def _match(alerts: list[dict[str, Any]], planted: list[Spike],
           rules: AlertRules) -> tuple[list[tuple[Spike, float | None]], int]:
    found: list[tuple[Spike, float | None]] = []
    used: set[str] = set()
    for s in planted:
        end = s.start + timedelta(hours=s.hours)
        hit = next((a for a in alerts if a["brand"] == s.brand and a["alert_id"] not in used
                    and datetime.fromisoformat(a["start"]) < end
                    and datetime.fromisoformat(a["end"]) > s.start), None)
        if hit is None:
            found.append((s, None))
            continue
        used.add(hit["alert_id"])
        found.append((s, (raised_at(hit, rules) - s.start).total_seconds() / 3600))
    return found, len(alerts) - len(used)


def evaluate_simulated(rules: AlertRules, runs: int = 6, now: datetime | None = None,
                       ) -> dict[str, Any]:
    """Precision, recall (per spike size), delays and alert rates over simulated series."""
    now = (now or datetime(2026, 11, 23, tzinfo=UTC)).replace(minute=0, second=0, microsecond=0)
    brands = {"Small": 1.0, "Medium": 4.0, "Large": 12.0}
    results: list[tuple[Spike, float | None]] = []
    false_alarms = alerts_total = 0
    quiet: dict[str, int] = dict.fromkeys(brands, 0)
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(runs):
            for spikes in (1, 0):
                rows, planted = simulate(1000 * run + spikes, brands, now, spikes_per_brand=spikes)
                folder = Path(tmp) / f"{run}-{spikes}"
                folder.mkdir()
                store = _store(rows, folder)
                try:
                    alerts = detect_alerts(store, [Brand(name=b) for b in brands], rules, now)
                finally:
                    store.close()
                if spikes:
                    found, extra = _match(alerts, planted, rules)
                    results.extend(found)
                    false_alarms += extra
                    alerts_total += len(alerts)
                else:
                    for a in alerts:
                        quiet[a["brand"]] += 1
    detected = [d for _, d in results if d is not None]
    by_size = {m: [d for s, d in results if s.magnitude == m] for m in MAGNITUDES}
    return {
        "spikes": len(results), "alerts": alerts_total, "false_alarms": false_alarms,
        "precision": (alerts_total - false_alarms) / alerts_total if alerts_total else 0.0,
        "recall": len(detected) / len(results) if results else 0.0,
        "recall_by_size": {m: sum(d is not None for d in v) / len(v) if v else None
                           for m, v in by_size.items()},
        "delay_median_h": statistics.median(detected) if detected else None,
        "delay_max_h": max(detected) if detected else None,
        "alerts_per_brand_week_with_spikes": alerts_total / (runs * len(brands)),
        "alerts_per_brand_week_quiet": sum(quiet.values()) / (runs * len(brands)),
        "quiet_alerts_per_week": {f"{b} ({brands[b]:g}/h)": n / runs for b, n in quiet.items()},
    }


def evaluate_demo(workdir: Path, rules: AlertRules) -> dict[str, Any]:
    """The demo's complaint wave (ground truth) against the alerts stored by a demo run."""
    from brandradar.demo.content import WAVE_BRAND, WAVE_PROFILE

    truth = [json.loads(line) for line in (workdir / "demo" / "ground_truth.jsonl").open()]
    wave = sorted(datetime.fromisoformat(t["published"]) for t in truth if t["wave"])
    start = wave[0].replace(minute=0, second=0, microsecond=0)
    planted = Spike(WAVE_BRAND, start, len(WAVE_PROFILE), 0.0, True)
    store = DuckDBStore(workdir / "brandradar.duckdb", read_only=True)
    try:
        alerts = store.alerts()
    finally:
        store.close()
    (found,), extra = _match(alerts, [planted], rules)
    return {"alerts": len(alerts), "found": found[1] is not None, "delay_h": found[1],
            "false_alarms": extra,
            "kind": next((a["kind"] for a in alerts if a["brand"] == WAVE_BRAND), None)}


def render(sim: dict[str, Any], demo: dict[str, Any] | None, runs: int) -> str:
    """The Markdown table of docs/metrics.md."""
    def f(x: float | None, fmt: str = ".2f") -> str:
        return "–" if x is None else format(x, fmt)

    sizes = ", ".join(f"×{m:g}: {f(r)}" for m, r in sim["recall_by_size"].items())
    lines = [
        "| measured on | result |", "|---|---|",
        f"| simulated, {sim['spikes']} planted spikes ({runs} runs × 3 brands of 1, 4 and 12 "
        f"mentions/h) | precision {f(sim['precision'])}, recall {f(sim['recall'])} |",
        f"| recall by spike size | {sizes} |",
        f"| delay, spike start → alert can be raised | median {f(sim['delay_median_h'], '.1f')} h,"
        f" max {f(sim['delay_max_h'], '.1f')} h |",
        f"| alerts per brand and week | {f(sim['alerts_per_brand_week_with_spikes'])} with one "
        f"planted spike; {f(sim['alerts_per_brand_week_quiet'])} in a quiet week (false alarms) |",
        "| false alarms per week in a quiet week, by brand volume | "
        + ", ".join(f"{b}: {f(n)}" for b, n in sim["quiet_alerts_per_week"].items()) + " |",
    ]
    if demo is not None:
        lines.append(
            f"| demo run: Voltaro complaint wave (ground truth) | "
            f"{'found' if demo['found'] else 'missed'} as {demo['kind']}, delay "
            f"{f(demo['delay_h'], '.0f')} h; {demo['alerts']} alert(s), {demo['false_alarms']} "
            "false alarm(s) |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Command line: [DEMO_WORKDIR] DOC.md."""
    args = sys.argv[1:]
    doc = Path(args[-1])
    rules, runs = AlertRules(), 10
    demo = evaluate_demo(Path(args[0]), rules) if len(args) > 1 else None
    table = render(evaluate_simulated(rules, runs), demo, runs)
    print(table)
    write_between(doc, BEGIN, END, table)


if __name__ == "__main__":
    main()
