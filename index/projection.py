"""The Elasticsearch projection: the copy of the store that Kibana reads.

DuckDB answers every metric (CLI, built-in dashboard, alerts, reports); a team deployment also
keeps the rows, alerts, trends and sources health in Elasticsearch for Kibana and its full-text
search. Only what a run changed is sent. The store keeps the backlog of documents the projection
has not received (``projection_pending``), published with the metrics: an Elasticsearch outage
never holds the metrics back — the run publishes the store, fails naming the backlog, and the
next run sends it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError

from brandradar.errors import TransientError
from brandradar.index.duckdb.store import DuckDBStore
from brandradar.index.elasticsearch.store import ElasticsearchStore, templates_hash
from brandradar.settings import Settings

# Documents sent per bulk round: a first projection of a large store never holds it all at once.
BATCH = 5000


def open_projection(settings: Settings, store: DuckDBStore) -> ElasticsearchStore:
    """The Elasticsearch projection that settings describe (``store: elasticsearch``). The
    lifecycle policy and templates are installed only when the store has not recorded them for
    this cluster, prefix, lifecycle settings and release: a run with nothing new to send makes
    no request for them."""
    installed = f"{target(settings)}|{settings.es_ilm}|{settings.es_retention_days}|" \
        f"{templates_hash()}"
    install = store.meta("projection_installed") != installed
    es = ElasticsearchStore.from_settings(settings, install=install)
    if install:
        store.set_meta("projection_installed", installed)
    return es


def target(settings: Settings) -> str:
    """What identifies a projection: the cluster and the index prefix."""
    return f"{settings.es_url}|{settings.es_index_prefix}"


def project_documents(store: DuckDBStore, es: ElasticsearchStore,
                      pending: list[str]) -> dict[str, int]:
    """Send the documents ``pending`` for the projection (:meth:`DuckDBStore.queue_projection`):
    their current rows and mentions are written, documents the store no longer holds are
    deleted."""
    sent = deleted = 0
    for i in range(0, len(pending), BATCH):
        chunk = pending[i : i + BATCH]
        docs, mentions = store.rows_of(chunk)
        held = {d["doc_id"] for d in docs}
        es.upsert(docs, mentions)
        gone = [d for d in chunk if d not in held]
        es.delete_documents(gone)
        store.projection_sent(chunk)
        sent += len(docs)
        deleted += len(gone)
    return {"projected": sent, "projection_deleted": deleted}


@contextmanager
def _connected(settings: Settings, store: DuckDBStore,
               what: Callable[[], str]) -> Iterator[ElasticsearchStore]:
    """The projection, closed afterwards; its failures become one ``TransientError`` that says
    ``what`` is still to send (the metrics are published regardless)."""
    try:
        es = open_projection(settings, store)
        try:
            yield es
        finally:
            es.close()
    except (TransientError, ApiError, TransportError) as exc:
        raise TransientError(f"elasticsearch projection: {exc}; {what()} still to send (the "
                             "metrics are up to date; the next run sends them)") from exc


def update_projection(store: DuckDBStore, settings: Settings,
                      doc_ids: list[str]) -> dict[str, int]:
    """Bring the configured projection up to date with the store (a writer, before it closes);
    an unreachable or failing cluster raises ``TransientError`` naming the backlog, which stays
    in the store for the next run. Nothing to send: no request at all."""
    where = target(settings)
    pending = store.queue_projection(where, doc_ids)
    if not pending:
        return {"projected": 0, "projection_deleted": 0}

    def left() -> str:
        return f"{len(store.queue_projection(where, []))} documents are"

    with _connected(settings, store, left) as es:
        return project_documents(store, es, pending)


def update_analysis(store: DuckDBStore, settings: Settings, alerts: list[dict[str, Any]],
                    trends: list[dict[str, Any]], health: list[dict[str, Any]]) -> None:
    """Replace the projection's alerts, trending topics and sources health (a writer, before it
    closes)."""
    with _connected(settings, store, lambda: "alerts, trends and health are") as es:
        es.save_alerts(alerts)
        es.save_trends(trends)
        es.save_health(health)
