"""The Elasticsearch projection (index/projection.py): Kibana's copy holds what the metrics store
holds, receives only what changed, and an outage never holds the metrics back.

Elasticsearch is osmem-server here (a test-only stand-in; no Elasticsearch runs on these
machines); the ``live`` case runs the same test against a real cluster when ES_URL is set.
Rows carry real fundus news texts.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from brandradar.config import Brand, ProjectConfig
from brandradar.errors import TransientError
from brandradar.index.duckdb.store import DuckDBStore
from brandradar.index.elasticsearch.store import ElasticsearchStore
from brandradar.index.manifest import scan
from brandradar.index.projection import project_documents
from brandradar.settings import Settings
from brandradar.stages import Context, analyse_stage, index_stage
from tests.index.es_node import PlainJsonNode
from tests.index.test_incremental import put

pytestmark = pytest.mark.slow


def es_ids(es: ElasticsearchStore, kind: str) -> set[str]:
    es.es.indices.refresh(index=es.alias(kind))
    resp = es.es.search(index=es.alias(kind), size=10000, source=False)
    return {h["_id"] for h in resp["hits"]["hits"]}


def store_ids(db: Path, table: str, key: str) -> set[str]:
    store = DuckDBStore(db, read_only=True)
    try:
        return {r[0] for r in store.con.execute(f"SELECT {key} FROM {table}").fetchall()}
    finally:
        store.close()


def step(db: Path, work: Path, es: ElasticsearchStore) -> dict[str, int]:
    store = DuckDBStore(db)
    sync = store.sync(scan(work), [], "label-1")
    pending = store.queue_projection("osmem|projection", [*sync.written, *sync.removed])
    out = project_documents(store, es, pending)
    store.close()
    return out


@pytest.fixture(params=["osmem", pytest.param("live", marks=pytest.mark.live)])
def es(request: pytest.FixtureRequest) -> Iterator[ElasticsearchStore]:
    if request.param == "osmem":
        server = request.getfixturevalue("osmem_clone")
        # osmem-server has no ILM API; test_es_requests.py checks the ILM requests.
        store = ElasticsearchStore(Elasticsearch(server.url, node_class=PlainJsonNode),
                                   prefix="projection", ilm=False)
        yield store
        store.close()
        return
    url = os.environ.get("ES_URL")
    if not url:
        pytest.skip("ES_URL not set")
    prefix = f"brandradar-projection-{datetime.now(UTC):%H%M%S%f}"
    store = ElasticsearchStore(Elasticsearch(url, api_key=os.environ.get("ES_API_KEY")),
                               prefix=prefix, ilm=True)
    yield store
    store.es.indices.delete(index=f"{prefix}-*")
    store.es.ilm.delete_lifecycle(name=store.policy_name())
    store.close()


def test_the_projection_follows_the_store_with_only_what_changed(es: ElasticsearchStore,
                                                                 tmp_path: Path) -> None:
    work, db = tmp_path / "work", tmp_path / "store.duckdb"
    put(work, "source=a/day=2026-11-01", 0, 20)
    put(work, "source=b/day=2026-11-01", 20, 10)
    assert step(db, work, es) == {"projected": 30, "projection_deleted": 0}
    assert es_ids(es, "documents") == store_ids(db, "documents", "doc_id")
    assert es_ids(es, "mentions") == store_ids(db, "mentions", "mention_id")
    # Kibana's documents view filters by brand: each document carries the brands it mentions.
    hits = es.es.search(index=es.alias("documents"), size=100, query={"term": {"brands": "BR"}})
    assert {h["_id"] for h in hits["hits"]["hits"]} == store_ids(db, "mentions", "doc_id")
    assert step(db, work, es) == {"projected": 0, "projection_deleted": 0}

    # One new day: only its documents travel.
    put(work, "source=b/day=2026-11-02", 30, 5)
    assert step(db, work, es) == {"projected": 5, "projection_deleted": 0}
    # A removed source: its documents and their mentions leave Kibana too.
    shutil.rmtree(work / "enriched" / "source=b")
    assert step(db, work, es) == {"projected": 0, "projection_deleted": 15}
    assert es_ids(es, "documents") == store_ids(db, "documents", "doc_id")
    assert es_ids(es, "mentions") == store_ids(db, "mentions", "mention_id")
    assert len(es_ids(es, "documents")) == 20


def test_an_outage_publishes_the_metrics_and_the_next_run_sends_the_backlog(
        osmem_clone: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    put(work, "source=a/day=2026-11-01", 0, 12)
    project = ProjectConfig(brands=[Brand(name="BR", aliases=["BR"])])

    def run(url: str) -> dict[str, Any]:
        settings = Settings(workdir=work, store="elasticsearch", es_url=url,
                            es_index_prefix="outage", es_ilm=False)
        return index_stage(Context(project, settings, []))

    # Nothing listens on port 9 of the loopback: Elasticsearch is down for this run.
    with pytest.raises(TransientError, match="12 documents are still to send"):
        run("http://127.0.0.1:9")
    assert len(store_ids(work / "brandradar.duckdb", "documents", "doc_id")) == 12
    assert len(store_ids(work / "brandradar.duckdb", "projection_pending", "doc_id")) == 12

    # Back up (osmem-server wants plain JSON: the client gets the test's recording node).
    sent: list[tuple[str, str]] = []

    class Recording(PlainJsonNode):
        def perform_request(self, method: str, target: str, **kw: Any) -> Any:
            sent.append((method, target.split("?")[0]))
            return super().perform_request(method, target, **kw)

    def client(*args: Any, **kw: Any) -> Elasticsearch:
        return Elasticsearch(*args, **{**kw, "node_class": Recording})

    monkeypatch.setattr("brandradar.index.elasticsearch.store.Elasticsearch", client)
    counts = run(osmem_clone.url)
    assert counts["projected"] == 12 and counts["partitions"] == 0
    assert store_ids(work / "brandradar.duckdb", "projection_pending", "doc_id") == set()
    assert ("PUT", "/_index_template/outage-documents") in sent

    # Nothing changed: the index stage sends nothing at all; analyse sends only the alerts,
    # trends and health rows (the templates are installed already).
    sent.clear()
    assert run(osmem_clone.url)["written"] == 0
    assert sent == []
    settings = Settings(workdir=work, store="elasticsearch", es_url=osmem_clone.url,
                        es_index_prefix="outage", es_ilm=False)
    analyse_stage(Context(project, settings, []))
    touched = {path.split("/")[1] for _, path in sent}
    assert touched <= {"outage-alerts", "outage-trends", "outage-health", "_bulk"} and touched
