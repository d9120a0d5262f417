"""What the dashboard and reports show, gathered once from the store (same numbers everywhere)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from brandradar.config import Brand
from brandradar.index.analytics import share_of_voice
from brandradar.index.store import Store


def net_sentiment(row: dict[str, Any]) -> float:
    """(positive − negative) / scored mentions, in [-1, 1]."""
    scored = row["positive"] + row["negative"] + row["neutral"]
    return round((row["positive"] - row["negative"]) / scored, 4) if scored else 0.0


def overview(store: Store, brands: list[Brand], workdir: Path, since: datetime | None = None,
             until: datetime | None = None) -> dict[str, Any]:
    """Share of voice (raw, per story), sentiment, daily volume, alerts and trends."""
    sentiment = store.sentiment(since, until)
    for row in sentiment:
        row["net"] = net_sentiment(row)
    trends_path = workdir / "analysis" / "trends.json"
    trends = [t for t in (json.loads(trends_path.read_text()) if trends_path.exists() else [])
              if t.get("brand") is None]
    return {
        "brands": [{"name": b.name, "role": b.role} for b in brands],
        "sov": share_of_voice(store, brands, since, until, per_story=False),
        "sov_story": share_of_voice(store, brands, since, until, per_story=True),
        "sentiment": sentiment,
        "daily": [{**r, "day": r["day"].isoformat()} for r in store.daily(since, until)],
        "alerts": store.alerts(),
        "trends": trends,
        "counts": store.counts(),
    }
