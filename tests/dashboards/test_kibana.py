"""Kibana saved objects, checked structurally (no Kibana can run here): ids, references, fields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from brandradar.dashboards.kibana.build import load_objects
from brandradar.index.elasticsearch.store import load_template
from tests.conftest import run_cli


def _fields(index_pattern_id: str) -> set[str]:
    kind = index_pattern_id.removeprefix("brandradar-")
    props = load_template(kind)["template"]["mappings"]["properties"]
    return set(props) | {"___records___"}


def _walk(obj: Any) -> list[Any]:
    out = [obj]
    if isinstance(obj, dict):
        for v in obj.values():
            out.extend(_walk(v))
    elif isinstance(obj, list):
        for v in obj:
            out.extend(_walk(v))
    return out


def test_build_writes_one_line_per_object(tmp_path: Path) -> None:
    out = tmp_path / "kibana.ndjson"
    proc = run_cli("kibana", "build", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == len(load_objects()) >= 6
    assert lines[0]["type"] == "index-pattern"  # data views first: references resolve on import
    dash = next(o for o in lines if o["id"] == "brandradar-overview")
    assert isinstance(dash["attributes"]["panelsJSON"], str)
    assert len(json.loads(dash["attributes"]["panelsJSON"])) == 5


def test_every_object_carries_the_migration_versions_of_its_shape(tmp_path: Path) -> None:
    # A project writing acme-* indices gets data views of acme-*.
    out = tmp_path / "kibana.ndjson"
    proc = run_cli("kibana", "build", "--out", str(out),
                   env={"BRANDRADAR_ES_INDEX_PREFIX": "acme"})
    assert proc.returncode == 0, proc.stderr
    assert "Kibana 8.11.0 or later" in proc.stdout
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    for o in lines:
        # without these, Kibana 8.0–8.7 runs every Lens migration from 7.x and fails
        assert o["coreMigrationVersion"] == "8.8.0", o["id"]
        assert o["typeMigrationVersion"] == {"index-pattern": "7.11.0", "search": "7.9.3",
                                             "dashboard": "8.7.0", "lens": "8.9.0"}[o["type"]]
        if o["type"] == "lens":
            # the 8.9.0 stamp claims the shape after 8.6.0's rename of the datasource
            assert set(o["attributes"]["state"]["datasourceStates"]) == {"formBased"}, o["id"]
    titles = sorted(o["attributes"]["title"] for o in lines if o["type"] == "index-pattern")
    assert titles == ["acme-alerts", "acme-documents", "acme-health", "acme-mentions",
                      "acme-trends"]


def test_the_dashboard_pages_have_kibana_counterparts() -> None:
    ids = {o["id"] for o in load_objects()}
    assert {"brandradar-overview", "brandradar-brand", "brandradar-alerts"} <= ids  # dashboards
    assert {"brandradar-share-of-voice", "brandradar-sentiment", "brandradar-sentiment-over-time",
            "brandradar-key-phrases", "brandradar-alerts-per-brand", "brandradar-alert-list",
            "brandradar-mention-explorer", "brandradar-sources-health",
            "brandradar-trending-topics"} <= ids


def test_every_reference_resolves() -> None:
    objs = load_objects()
    ids = {(o["type"], o["id"]) for o in objs}
    assert len(ids) == len(objs)
    for o in objs:
        for ref in o["references"]:
            assert (ref["type"], ref["id"]) in ids, (o["id"], ref)
        if o["type"] == "dashboard":
            names = {r["name"] for r in o["references"]}
            assert {p["panelRefName"] for p in o["attributes"]["panelsJSON"]} == names


def test_every_field_used_exists_in_the_mapping() -> None:
    for o in load_objects():
        patterns = [r["id"] for r in o["references"] if r["type"] == "index-pattern"]
        if o["type"] == "index-pattern":
            assert o["attributes"]["timeFieldName"] in _fields(o["id"])
            continue
        if o["type"] == "dashboard":
            continue
        (pattern,) = patterns
        fields = _fields(pattern)
        nodes = _walk(o["attributes"])
        used = {n["sourceField"] for n in nodes if isinstance(n, dict) and "sourceField" in n}
        used |= set(o["attributes"].get("columns", []))
        used |= {s[0] for s in o["attributes"].get("sort", [])}
        assert used and used <= fields, (o["id"], used - fields)
