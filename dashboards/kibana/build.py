"""Kibana saved objects: one pretty-printed JSON file per object, built into NDJSON for import.

The bundle is for **Kibana 8.11 or later**. Every object is stamped with the migration versions
Kibana's own export format carries since 8.8 — ``coreMigrationVersion`` and, per type, the
``typeMigrationVersion`` of the shape the object is written in — so Kibana runs only the
migrations after that shape and never the 7.x ones (which fail on a Lens object already in the
8.6+ ``formBased`` shape). Facts, from Kibana's source (no code taken):

- ``coreMigrationVersion`` 8.8.0, index-pattern 7.11.0, search 7.9.3, dashboard 8.7.0: the
  sample data sets Kibana itself imports
  (``src/platform/plugins/shared/home/server/services/sample_data/data_sets/ecommerce/saved_objects.ts``);
- lens 8.9.0: the last Lens migration of 8.x (``commonMigrateMetricFormatter``; 8.6.0 renamed the
  ``indexpattern`` datasource to ``formBased``, the shape these objects are written in), in
  ``x-pack/plugins/lens/server/embeddable/make_lens_embeddable_factory.ts`` and
  ``x-pack/plugins/lens/server/migrations/saved_object_migrations.ts``. An object stamped with
  a version newer than the running Kibana is refused by it: hence 8.9 at the very least.

Data view titles follow the Elasticsearch index prefix (``es_index_prefix``), so a project that
writes ``acme-mentions`` gets a data view of ``acme-mentions``.
"""

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
MINIMUM_KIBANA = "8.11.0"
CORE_MIGRATION_VERSION = "8.8.0"
TYPE_MIGRATION_VERSIONS = {"index-pattern": "7.11.0", "search": "7.9.3", "dashboard": "8.7.0",
                           "lens": "8.9.0"}
DEFAULT_PREFIX = "brandradar"


def to_import_form(obj: dict[str, Any], prefix: str = DEFAULT_PREFIX) -> dict[str, Any]:
    """The object as Kibana's import takes it: JSON-string attributes (the repo keeps them as
    readable JSON), migration versions stamped, data view titles on the index ``prefix``."""
    attrs = dict(obj["attributes"])
    if obj["type"] == "index-pattern" and prefix != DEFAULT_PREFIX:
        attrs["title"] = prefix + str(attrs["title"]).removeprefix(DEFAULT_PREFIX)
    for key in _JSON_STRING_ATTRS:
        if key in attrs and not isinstance(attrs[key], str):
            attrs[key] = json.dumps(attrs[key], separators=(",", ":"))
    meta = attrs.get("kibanaSavedObjectMeta")
    if meta and not isinstance(meta.get("searchSourceJSON"), str):
        attrs["kibanaSavedObjectMeta"] = {**meta, "searchSourceJSON": json.dumps(meta["searchSourceJSON"])}
    return {**obj, "attributes": attrs, "coreMigrationVersion": CORE_MIGRATION_VERSION,
            "typeMigrationVersion": TYPE_MIGRATION_VERSIONS[obj["type"]]}


def build_ndjson(out: Path, prefix: str = DEFAULT_PREFIX) -> int:
    """Write the NDJSON file that Kibana's saved-objects import API takes, for indices named
    ``<prefix>-…``; return the count."""
    objs = load_objects()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(to_import_form(o, prefix), ensure_ascii=False) + "\n"
                           for o in objs), "utf-8")
    return len(objs)
