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


_JSON_STRING_ATTRS = ("panelsJSON", "optionsJSON")


def to_import_form(obj: dict[str, Any]) -> dict[str, Any]:
    """Kibana stores some attributes as JSON strings; the repo keeps them as readable JSON."""
    attrs = dict(obj["attributes"])
    for key in _JSON_STRING_ATTRS:
        if key in attrs and not isinstance(attrs[key], str):
            attrs[key] = json.dumps(attrs[key], separators=(",", ":"))
    meta = attrs.get("kibanaSavedObjectMeta")
    if meta and not isinstance(meta.get("searchSourceJSON"), str):
        attrs["kibanaSavedObjectMeta"] = {**meta, "searchSourceJSON": json.dumps(meta["searchSourceJSON"])}
    return {**obj, "attributes": attrs}


def build_ndjson(out: Path) -> int:
    """Write the NDJSON file that Kibana's saved-objects import API takes; return the count."""
    objs = load_objects()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(to_import_form(o), ensure_ascii=False) + "\n" for o in objs), "utf-8")
    return len(objs)
