"""Kibana saved objects: one pretty-printed JSON file per object, built into NDJSON for import."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any


def load_objects() -> list[dict[str, Any]]:
    """All saved objects, data views first so references resolve on import."""
    folder = resources.files("brandradar.dashboards.kibana").joinpath("objects")
    objs = [json.loads(f.read_text("utf-8")) for f in folder.iterdir() if f.name.endswith(".json")]
    order = {"index-pattern": 0, "lens": 1, "visualization": 1, "search": 1, "dashboard": 2}
    return sorted(objs, key=lambda o: (order.get(o["type"], 1), o["id"]))


def build_ndjson(out: Path) -> int:
    """Write the NDJSON file that Kibana's saved-objects import API takes; return the count."""
    objs = load_objects()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs), "utf-8")
    return len(objs)
