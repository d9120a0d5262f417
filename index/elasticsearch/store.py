"""Elasticsearch through the official client: the projection Kibana reads.

The metrics come from DuckDB; this module writes what a team deployment shows in Kibana
(documents, mentions, alerts, trends, sources health), fed by :mod:`brandradar.index.projection`
with what changed. Index templates come from the JSON files beside this module
(``dynamic: false``); every index is versioned behind an alias (``brandradar-mentions`` →
``brandradar-mentions-v1-000001``), so a reindex is an alias switch. Writes use
``streaming_bulk`` with retries, and any failed item fails the write; ids are deterministic, so a
re-run overwrites instead of duplicating.
"""

from __future__ import annotations

import hashlib
import json
import logging
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from elasticsearch import Elasticsearch
from elasticsearch.exceptions import GeneralAvailabilityWarning
from elasticsearch.helpers import streaming_bulk

from brandradar.errors import TransientError
from brandradar.model import ENRICHED_FIELDS, MENTION_FIELDS
from brandradar.settings import Settings

log = logging.getLogger(__name__)

KINDS = ("documents", "mentions", "alerts", "health", "trends")
# Kinds that grow with the crawl: rolled over and deleted after retention by the ILM policy.
ROLLING = ("documents", "mentions")
# Fields only the projection carries, per kind: Kibana's time field (published, else fetched),
# and on documents the brands they mention (counted mentions), so the documents view and its key
# phrases can be filtered by brand without a join.
PROJECTION_FIELDS = {"documents": ["seen", "brands"], "mentions": ["seen"]}
INDEX_VERSION = "v1"


def templates_hash() -> str:
    """A hash of the index templates and the lifecycle policy as shipped: when it changes, a
    writer installs them again."""
    folder = resources.files("brandradar.index.elasticsearch").joinpath("templates")
    digest = hashlib.sha1()
    for name in sorted(f.name for f in folder.iterdir() if f.name.endswith(".json")):
        digest.update(name.encode() + folder.joinpath(name).read_bytes())
    return digest.hexdigest()[:16]


def load_template(kind: str, prefix: str = "brandradar") -> dict[str, Any]:
    """The index template of one kind, with the index prefix applied."""
    text = resources.files("brandradar.index.elasticsearch").joinpath(
        f"templates/{kind}.json").read_text("utf-8")
    body: dict[str, Any] = json.loads(text)
    body["index_patterns"] = [p.replace("brandradar-", f"{prefix}-", 1) for p in body["index_patterns"]]
    return body


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


class ElasticsearchStore:
    """Documents, mentions, alerts, trends and health in Elasticsearch, behind versioned
    aliases."""

    def __init__(self, client: Elasticsearch, prefix: str = "brandradar", max_retries: int = 3,
                 ilm: bool = True, retention_days: int = 730, install: bool = True) -> None:
        self.es = client
        self.prefix = prefix
        self.max_retries = max_retries
        self.ilm = ilm
        self.retention_days = retention_days
        if install:
            self.ensure_indices()

    @classmethod
    def from_settings(cls, settings: Settings, install: bool = True) -> ElasticsearchStore:
        """Connect to ``settings.es_url`` (with ``es_api_key`` and the TLS settings when set);
        ``install``: put the lifecycle policy and templates first (:meth:`ensure_indices`)."""
        if not settings.es_url:
            raise TransientError("store: elasticsearch needs es_url (BRANDRADAR_ES_URL)")
        tls: dict[str, Any] = {"verify_certs": settings.es_verify_certs}
        if settings.es_ca_certs:
            tls["ca_certs"] = str(settings.es_ca_certs)
        api_key = settings.es_api_key.get_secret_value() if settings.es_api_key else None
        client = Elasticsearch(settings.es_url, api_key=api_key, request_timeout=30,
                               retry_on_timeout=True, max_retries=3, **tls)
        return cls(client, settings.es_index_prefix, ilm=settings.es_ilm,
                   retention_days=settings.es_retention_days, install=install)

    def alias(self, kind: str) -> str:
        """The alias that reads and writes one kind."""
        return f"{self.prefix}-{kind}"

    def policy_name(self) -> str:
        """The ILM policy of the rolling indices."""
        return f"{self.prefix}-lifecycle"

    def ensure_indices(self) -> None:
        """Install the ILM policy and index templates, and create the first versioned index
        behind each alias (the alias's write index)."""
        if self.ilm:
            text = resources.files("brandradar.index.elasticsearch").joinpath(
                "templates/ilm-policy.json").read_text("utf-8")
            policy = json.loads(text.replace("{retention_days}", str(self.retention_days)))
            self.es.ilm.put_lifecycle(name=self.policy_name(), policy=policy)
        for kind in KINDS:
            body = load_template(kind, self.prefix)
            if self.ilm and kind in ROLLING:
                body["template"]["settings"]["index.lifecycle.name"] = self.policy_name()
                body["template"]["settings"]["index.lifecycle.rollover_alias"] = self.alias(kind)
            self.es.indices.put_index_template(name=self.alias(kind), **body)
            if not self.es.indices.exists_alias(name=self.alias(kind)):
                self.es.indices.create(index=f"{self.alias(kind)}-{INDEX_VERSION}-000001",
                                       aliases={self.alias(kind): {"is_write_index": True}})
            else:
                # A field added in a new release reaches the existing indices too (adding is
                # allowed; a changed field type needs `es reindex`).
                self.es.indices.put_mapping(
                    index=self.alias(kind),
                    properties=body["template"]["mappings"]["properties"])

    def _bulk(self, kind: str, rows: list[dict[str, Any]], id_field: str, fields: list[str],
              where: dict[str, str]) -> list[str]:
        """Write rows; each id that is stored already is written to the index that holds it
        (``where``), a new one to the alias's write index. Returns the ids that failed."""
        def actions() -> Iterator[dict[str, Any]]:
            for r in rows:
                yield {"_op_type": "index", "_index": where.get(r[id_field], self.alias(kind)),
                       "_id": r[id_field], "_source": {f: _iso(r.get(f)) for f in fields}}

        failed: list[str] = []
        for ok, info in streaming_bulk(self.es, actions(), max_retries=self.max_retries,
                                       raise_on_error=False, raise_on_exception=False, chunk_size=500):
            if not ok:
                item = next(iter(info.values())) if isinstance(info, dict) else {}
                failed.append(str(item.get("_id", "?")))
                log.warning("elasticsearch: %s item failed: %s", kind, str(info)[:300])
        return failed

    def _locations(self, kind: str, ids: list[str]) -> dict[str, str]:
        """The concrete index that holds each of ``ids`` behind the alias (an ``ids`` query:
        ``mget`` cannot read an alias over several indices, as after a rollover)."""
        out: dict[str, str] = {}
        for i in range(0, len(ids), 1000):
            chunk = ids[i : i + 1000]
            resp = self.es.search(index=self.alias(kind), query={"ids": {"values": chunk}},
                                  size=len(chunk), source=False)
            out.update({h["_id"]: h["_index"] for h in resp["hits"]["hits"]})
        return out

    def upsert(self, documents: list[dict[str, Any]], mentions: list[dict[str, Any]]) -> None:
        """Write documents and mentions, then remove the mentions a document no longer has.

        New rows are written before stale ones are removed, so Kibana never sees a document
        without its mentions; a row already stored is rewritten in the index that holds it, so
        rows stay where rollover put them and the lifecycle's delete phase can drop old
        indices. Any failed item fails the whole write (``TransientError`` naming the ids); the
        documents it touched keep their old mentions, and the next run writes them again.
        ``mentions``: every counted mention of the given documents; each document's ``brands``
        field is made from them.
        """
        ids = [d["doc_id"] for d in documents]
        # Kibana's time field: the publication date, else when the page was fetched, so an
        # undated post still shows in a time-filtered panel (the metrics keep `published`).
        fetched = {d["doc_id"]: d.get("fetched") for d in documents}
        brands: dict[str, set[str]] = {}
        for m in mentions:
            brands.setdefault(m["doc_id"], set()).add(m["brand"])
        documents = [{**d, "seen": d.get("published") or d.get("fetched"),
                      "brands": sorted(brands.get(d["doc_id"], ()))} for d in documents]
        mentions = [{**m, "seen": m.get("published") or fetched.get(m["doc_id"])}
                    for m in mentions]
        failed = self._bulk("documents", documents, "doc_id",
                            [*ENRICHED_FIELDS, *PROJECTION_FIELDS["documents"]],
                            self._locations("documents", ids))
        failed += self._bulk("mentions", mentions, "mention_id",
                             [*MENTION_FIELDS, *PROJECTION_FIELDS["mentions"]],
                             self._locations("mentions", [m["mention_id"] for m in mentions]))
        self.es.indices.refresh(index=f"{self.alias('documents')},{self.alias('mentions')}")
        doc_of = {m["mention_id"]: m["doc_id"] for m in mentions}
        broken = set(failed) | {doc_of[f] for f in failed if f in doc_of}
        keep: dict[str, list[str]] = {}
        for m in mentions:
            keep.setdefault(m["doc_id"], []).append(m["mention_id"])
        done = [d for d in ids if d not in broken]
        for i in range(0, len(done), 500):
            chunk = done[i : i + 500]
            self.es.delete_by_query(
                index=self.alias("mentions"), refresh=True, conflicts="proceed",
                query={"bool": {"filter": [{"terms": {"doc_id": chunk}}],
                                "must_not": [{"ids": {"values": [
                                    m for d in chunk for m in keep.get(d, [])]}}]}})
        if failed:
            raise TransientError(f"elasticsearch: {len(failed)} rows were not written "
                                 f"(first: {', '.join(failed[:5])}); they are written again by "
                                 f"the next run")
        self._retain()

    def delete_documents(self, doc_ids: list[str]) -> None:
        """Remove documents and their mentions (gone from the store: a removed partition)."""
        for i in range(0, len(doc_ids), 1000):
            chunk = doc_ids[i : i + 1000]
            self.es.delete_by_query(index=self.alias("documents"), refresh=True,
                                    conflicts="proceed", query={"ids": {"values": chunk}})
            self.es.delete_by_query(index=self.alias("mentions"), refresh=True,
                                    conflicts="proceed", query={"terms": {"doc_id": chunk}})

    def _retain(self) -> None:
        """Delete documents and mentions published more than ``retention_days`` ago. The
        lifecycle's delete phase drops whole indices by their age, and an index holds rows of
        every publication date; this keeps the promise per row."""
        cutoff = {"range": {"published": {"lt": f"now-{self.retention_days}d"}}}
        for kind in ROLLING:
            self.es.delete_by_query(index=self.alias(kind), query=cutoff, refresh=True,
                                    conflicts="proceed")

    def reindex(self, kind: str, delete_old: bool = False) -> dict[str, Any]:
        """Copy every row of ``kind`` into a new index made from the current template, then
        switch the alias to it in one step; the old indices are kept unless ``delete_old``."""
        if kind not in KINDS:
            raise TransientError(f"reindex: unknown kind {kind!r} ({', '.join(KINDS)})")
        alias = self.alias(kind)
        old = sorted(self.es.indices.get_alias(name=alias))
        stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
        new = f"{alias}-{INDEX_VERSION}-r{stamp}-000001"
        self.es.indices.create(index=new)
        # A server-side task, polled: a synchronous call outlives the client's timeout on a
        # large index, and retrying it would start a second copy.
        task = self.es.reindex(source={"index": alias}, dest={"index": new},
                               wait_for_completion=False)["task"]
        status: dict[str, Any] = {}
        while not status.get("completed"):
            with warnings.catch_warnings():
                # The client flags the tasks API as a preview; the server has had it since 5.x.
                warnings.simplefilter("ignore", GeneralAvailabilityWarning)
                status = dict(self.es.tasks.get(task_id=task, wait_for_completion=True,
                                                timeout="25s"))
        result = status.get("response") or {}
        if status.get("error"):
            result = {**result, "failures": [*(result.get("failures") or []), status["error"]]}
        self.es.indices.refresh(index=new)
        failures = result.get("failures") or []
        before = int(self.es.count(index=alias)["count"])
        after = int(self.es.count(index=new)["count"])
        if failures or before != after:
            self.es.indices.delete(index=new)
            raise TransientError(f"reindex {kind}: {len(failures)} failures, {after} of {before} "
                                 f"rows copied; the alias still points to {', '.join(old)}")
        self.es.indices.update_aliases(actions=[
            *({"remove": {"index": i, "alias": alias}} for i in old),
            {"add": {"index": new, "alias": alias, "is_write_index": True}}])
        if delete_old:
            self.es.indices.delete(index=",".join(old))
        elif self.ilm and kind in ROLLING:
            # Kept indices left the alias their lifecycle rolls over: without this, ILM stops on
            # them with an error and never deletes them.
            self.es.ilm.remove_policy(index=",".join(old))
        return {"kind": kind, "alias": alias, "from": old, "to": new, "rows": after,
                "old_deleted": delete_old}

    def counts(self) -> dict[str, int]:
        out = {}
        undated = {"bool": {"must_not": [{"exists": {"field": "published"}}]}}
        for k in ("documents", "mentions"):
            out[k] = int(self.es.count(index=self.alias(k))["count"])
            out[f"undated_{k}"] = int(self.es.count(index=self.alias(k), query=undated)["count"])
        return out

    def save_alerts(self, alerts: list[dict[str, Any]]) -> None:
        self._replace("alerts", alerts, "alert_id")

    def _replace(self, kind: str, rows: list[dict[str, Any]], id_field: str) -> None:
        """Make ``rows`` the whole content of a small kind: written first, then the rows not
        among them removed, so a reader never finds the kind empty."""
        ids = [r[id_field] for r in rows]
        failed = self._bulk(kind, rows, id_field, list(rows[0]) if rows else [],
                            self._locations(kind, ids))
        if failed:
            raise TransientError(f"elasticsearch: {len(failed)} {kind} rows were not written "
                                 f"(first: {', '.join(failed[:5])})")
        self.es.indices.refresh(index=self.alias(kind))
        self.es.delete_by_query(index=self.alias(kind), refresh=True, conflicts="proceed",
                                query={"bool": {"must_not": [{"ids": {"values": ids}}]}})

    def save_trends(self, rows: list[dict[str, Any]]) -> None:
        self._replace("trends", rows, "trend_id")

    def save_health(self, rows: list[dict[str, Any]]) -> None:
        self._replace("health", rows, "health_id")

    def close(self) -> None:
        self.es.close()

