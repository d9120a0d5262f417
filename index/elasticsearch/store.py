"""The production backend: Elasticsearch through the official client.

Index templates come from the JSON files beside this module (``dynamic: false``); every index is
versioned behind an alias (``brandradar-mentions`` → ``brandradar-mentions-v1-000001``), so a
reindex is an alias switch. Writes use ``streaming_bulk`` with retries and count every failed
item; ids are deterministic, so a re-run overwrites instead of duplicating.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError
from elasticsearch.exceptions import GeneralAvailabilityWarning
from elasticsearch.helpers import scan, streaming_bulk

from brandradar.errors import TransientError
from brandradar.index.store import NO_FILTERS, Filters
from brandradar.model import ENRICHED_FIELDS, MENTION_FIELDS
from brandradar.settings import Settings

log = logging.getLogger(__name__)

KINDS = ("documents", "mentions", "alerts", "health", "trends")
# Kinds that grow with the crawl: rolled over and deleted after retention by the ILM policy.
ROLLING = ("documents", "mentions")
# Fields only the projection carries: Kibana's time field (published, else fetched).
PROJECTION_FIELDS = ["seen"]
INDEX_VERSION = "v1"
# Exact below this many distinct values per bucket (Elasticsearch's documented maximum).
_PRECISION = 40000


def load_template(kind: str, prefix: str = "brandradar") -> dict[str, Any]:
    """The index template of one kind, with the index prefix applied."""
    text = resources.files("brandradar.index.elasticsearch").joinpath(
        f"templates/{kind}.json").read_text("utf-8")
    body: dict[str, Any] = json.loads(text)
    body["index_patterns"] = [p.replace("brandradar-", f"{prefix}-", 1) for p in body["index_patterns"]]
    return body


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _range(since: datetime | None, until: datetime | None,
           filters: Filters = NO_FILTERS) -> list[dict[str, Any]]:
    r: dict[str, Any] = {}
    if since is not None:
        r["gte"] = since.isoformat()
    if until is not None:
        r["lt"] = until.isoformat()
    out: list[dict[str, Any]] = [{"range": {"published": r}}] if r else []
    out.extend({"terms": {field: list(values)}} for field, values in filters.items())
    return out


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class ElasticsearchStore:
    """Documents, mentions and alerts in Elasticsearch, behind versioned aliases."""

    def __init__(self, client: Elasticsearch, prefix: str = "brandradar", max_retries: int = 3,
                 ilm: bool = True, retention_days: int = 730, read_only: bool = False) -> None:
        self.es = client
        self.prefix = prefix
        self.max_retries = max_retries
        self.ilm = ilm
        self.retention_days = retention_days
        # Only a writer installs policies and templates: a reader's key may lack the privilege.
        if not read_only:
            self.ensure_indices()

    @classmethod
    def from_settings(cls, settings: Settings, read_only: bool = False) -> ElasticsearchStore:
        """Connect to ``settings.es_url`` (with ``es_api_key`` and the TLS settings when set);
        a ``read_only`` store only reads (a read-only API key is enough)."""
        if not settings.es_url:
            raise TransientError("store: elasticsearch needs es_url (BRANDRADAR_ES_URL)")
        tls: dict[str, Any] = {"verify_certs": settings.es_verify_certs}
        if settings.es_ca_certs:
            tls["ca_certs"] = str(settings.es_ca_certs)
        client = Elasticsearch(settings.es_url, api_key=settings.es_api_key, request_timeout=30,
                               retry_on_timeout=True, max_retries=3, **tls)
        return cls(client, settings.es_index_prefix, ilm=settings.es_ilm,
                   retention_days=settings.es_retention_days, read_only=read_only)

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

    def upsert(self, documents: list[dict[str, Any]], mentions: list[dict[str, Any]]) -> int:
        """Write documents and mentions, then remove the mentions a document no longer has.

        New rows are written before stale ones are removed, so Kibana never sees a document
        without its mentions; a row already stored is rewritten in the index that holds it, so
        rows stay where rollover put them and the lifecycle's delete phase can drop old
        indices. Any failed item fails the whole write (``TransientError`` naming the ids); the
        documents it touched keep their old mentions, and the next run writes them again.
        """
        ids = [d["doc_id"] for d in documents]
        # Kibana's time field: the publication date, else when the page was fetched, so an
        # undated post still shows in a time-filtered panel (the metrics keep `published`).
        fetched = {d["doc_id"]: d.get("fetched") for d in documents}
        documents = [{**d, "seen": d.get("published") or d.get("fetched")} for d in documents]
        mentions = [{**m, "seen": m.get("published") or fetched.get(m["doc_id"])}
                    for m in mentions]
        failed = self._bulk("documents", documents, "doc_id",
                            [*ENRICHED_FIELDS, *PROJECTION_FIELDS],
                            self._locations("documents", ids))
        failed += self._bulk("mentions", mentions, "mention_id",
                             [*MENTION_FIELDS, *PROJECTION_FIELDS],
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
        return 0

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

    def _aggs(self, filters: list[dict[str, Any]], aggs: dict[str, Any]) -> dict[str, Any]:
        resp = self.es.search(index=self.alias("mentions"), size=0,
                              query={"bool": {"filter": filters}}, aggs=aggs)
        result: dict[str, Any] = resp["aggregations"]
        return result

    def brand_counts(self, since: datetime | None, until: datetime | None,
                     per_story: bool, filters: Filters = NO_FILTERS) -> dict[str, int]:
        unit = "story_id" if per_story else "doc_id"
        aggs = self._aggs(_range(since, until, filters), {"brand": {
            "terms": {"field": "brand", "size": 1000},
            "aggs": {"n": {"cardinality": {"field": unit, "precision_threshold": _PRECISION}}}}})
        return {b["key"]: int(b["n"]["value"]) for b in aggs["brand"]["buckets"]}

    def brand_source_counts(self, since: datetime | None, until: datetime | None,
                            filters: Filters = NO_FILTERS) -> list[dict[str, Any]]:
        aggs = self._aggs(_range(since, until, filters), {"brand": {
            "terms": {"field": "brand", "size": 1000},
            "aggs": {"source": {"terms": {"field": "source", "size": 1000}, "aggs": {
                "n": {"cardinality": {"field": "doc_id", "precision_threshold": _PRECISION}}}}}}})
        rows = [{"brand": b["key"], "source": s["key"], "mentions": int(s["n"]["value"])}
                for b in aggs["brand"]["buckets"] for s in b["source"]["buckets"]]
        return sorted(rows, key=lambda r: (r["brand"], r["source"]))

    def author_stats(self, since: datetime | None, until: datetime | None) -> list[dict[str, Any]]:
        # Elasticsearch has no joins: posts, their mentions and the replies are read with scans
        # and put together here, the same way the DuckDB query joins them.
        posts: dict[str, dict[str, Any]] = {}
        query = {"bool": {"filter": [*_range(since, until),
                                     {"terms": {"source_kind": ["forum", "review"]}},
                                     {"exists": {"field": "author_pseudonym"}}]}}
        for hit in scan(self.es, index=self.alias("documents"), query={
                "query": query, "_source": ["doc_id", "source", "author_pseudonym", "post_id"]}):
            posts[hit["_source"]["doc_id"]] = hit["_source"]
        stats: dict[tuple[str, str], dict[str, Any]] = {}
        for p in posts.values():
            row = stats.setdefault((p["author_pseudonym"], p["source"]), {
                "author": p["author_pseudonym"], "source": p["source"], "posts": 0, "mentions": 0,
                "positive": 0, "negative": 0, "neutral": 0, "replies": 0})
            row["posts"] += 1
        ids = list(posts)
        for i in range(0, len(ids), 10000):
            for hit in scan(self.es, index=self.alias("mentions"), query={
                    "query": {"terms": {"doc_id": ids[i : i + 10000]}},
                    "_source": ["doc_id", "sentiment"]}):
                m = hit["_source"]
                p = posts[m["doc_id"]]
                row = stats[(p["author_pseudonym"], p["source"])]
                row["mentions"] += 1
                if m["sentiment"] in ("positive", "negative", "neutral"):
                    row[m["sentiment"]] += 1
        owner = {(p["source"], p["post_id"]): (p["author_pseudonym"], p["source"], d)
                 for d, p in posts.items() if p.get("post_id")}
        for hit in scan(self.es, index=self.alias("documents"), query={
                "query": {"exists": {"field": "reply_to"}},
                "_source": ["doc_id", "source", "reply_to"]}):
            r = hit["_source"]
            target = owner.get((r["source"], r["reply_to"]))
            if target and target[2] != r["doc_id"]:
                stats[target[:2]]["replies"] += 1
        return [stats[k] for k in sorted(stats)]

    def time_range(self) -> tuple[datetime | None, datetime | None]:
        aggs = self._aggs([], {"first": {"min": {"field": "published"}},
                               "last": {"max": {"field": "published"}}})
        first, last = aggs["first"].get("value_as_string"), aggs["last"].get("value_as_string")
        return (_parse_time(first) if first else None, _parse_time(last) if last else None)

    def _histogram(self, since: datetime | None, until: datetime | None, interval: str,
                   sub: dict[str, Any],
                   filters: Filters = NO_FILTERS) -> list[tuple[str, datetime, dict[str, Any]]]:
        aggs = self._aggs([*_range(since, until, filters), {"exists": {"field": "published"}}], {"brand": {
            "terms": {"field": "brand", "size": 1000},
            "aggs": {"t": {"date_histogram": {"field": "published", "fixed_interval": interval,
                                              "min_doc_count": 1}, "aggs": sub}}}})
        out = []
        for b in aggs["brand"]["buckets"]:
            for t in b["t"]["buckets"]:
                out.append((b["key"], _parse_time(t["key_as_string"]), t))
        out.sort(key=lambda r: (r[1], r[0]))
        return out

    def hourly(self, since: datetime | None, until: datetime | None) -> list[dict[str, Any]]:
        docs = {"cardinality": {"field": "doc_id", "precision_threshold": _PRECISION}}
        sub = {"docs": docs, "neg": {"filter": {"term": {"sentiment": "negative"}},
                                     "aggs": {"docs": docs}}}
        return [{"brand": brand, "hour": hour, "mentions": int(t["docs"]["value"]),
                 "negative": int(t["neg"]["docs"]["value"])}
                for brand, hour, t in self._histogram(since, until, "1h", sub)]

    def daily(self, since: datetime | None, until: datetime | None,
              filters: Filters = NO_FILTERS) -> list[dict[str, Any]]:
        sub = {"docs": {"cardinality": {"field": "doc_id", "precision_threshold": _PRECISION}},
               "s": {"terms": {"field": "sentiment", "size": 10}}}
        out = []
        for brand, day, t in self._histogram(since, until, "1d", sub, filters):
            by = {b["key"]: b["doc_count"] for b in t["s"]["buckets"]}
            out.append({"brand": brand, "day": day.date(), "mentions": int(t["docs"]["value"]),
                        **{k: by.get(k, 0) for k in ("positive", "negative", "neutral", "unscored")}})
        return out

    def sentiment(self, since: datetime | None, until: datetime | None,
                  filters: Filters = NO_FILTERS) -> list[dict[str, Any]]:
        aggs = self._aggs(_range(since, until, filters), {"brand": {
            "terms": {"field": "brand", "size": 1000, "order": {"_key": "asc"}},
            "aggs": {"s": {"terms": {"field": "sentiment", "size": 10}}}}})
        out = []
        for b in aggs["brand"]["buckets"]:
            by = {s["key"]: s["doc_count"] for s in b["s"]["buckets"]}
            out.append({"brand": b["key"], **{k: by.get(k, 0) for k in
                                               ("positive", "negative", "neutral", "unscored")}})
        return out

    def phrase_docs(self, since: datetime, brand: str | None = None,
                    until: datetime | None = None) -> list[dict[str, Any]]:
        bounds = {"gte": since.isoformat(), **({"lt": until.isoformat()} if until else {})}
        window: dict[str, Any] = {"range": {"published": bounds}}
        queries = [window]
        if brand:
            ids = sorted({h["_source"]["doc_id"] for h in scan(
                self.es, index=self.alias("mentions"), query={
                    "query": {"bool": {"filter": [{"term": {"brand": brand}}, window]}},
                    "_source": ["doc_id"]})})
            # A terms query takes at most 65,536 values (index.max_terms_count).
            queries = [{"bool": {"filter": [window, {"terms": {"doc_id": ids[i : i + 10000]}}]}}
                       for i in range(0, len(ids), 10000)]
        out = []
        for query in queries:
            for hit in scan(self.es, index=self.alias("documents"),
                            query={"query": query,
                                   "_source": ["doc_id", "domain", "published", "key_phrases"]}):
                src = hit["_source"]
                when = _parse_time(src["published"])
                for phrase in src.get("key_phrases") or []:
                    out.append({"phrase": phrase, "doc_id": src["doc_id"], "domain": src["domain"],
                                "published": when})
        return out

    def _docs(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        resp = self.es.search(index=self.alias("documents"), query={"ids": {"values": ids}},
                              size=len(ids))
        return {h["_id"]: h["_source"] for h in resp["hits"]["hits"]}

    def search(self, query: str | None, brand: str | None, limit: int,
               filters: Filters = NO_FILTERS) -> list[dict[str, Any]]:
        selected = _range(None, None, filters)
        if brand:
            selected.append({"term": {"brand": brand}})
        rank: dict[str, float] = {}
        if query:
            resp = self.es.search(index=self.alias("documents"), size=max(limit * 4, 100),
                                  query={"multi_match": {"query": query, "fields": ["title", "text"]}},
                                  source=False)
            rank = {h["_id"]: float(h["_score"]) for h in resp["hits"]["hits"]}
            if not rank:
                return []
            selected.append({"terms": {"doc_id": list(rank)}})
        resp = self.es.search(index=self.alias("mentions"), size=limit if not query else 10000,
                              query={"bool": {"filter": selected}},
                              sort=[{"published": {"order": "desc", "missing": "_last"}}])
        mentions = [h["_source"] for h in resp["hits"]["hits"]]
        if query:
            mentions.sort(key=lambda m: -rank.get(m["doc_id"], 0.0))
            mentions = mentions[:limit]
        docs = self._docs(sorted({m["doc_id"] for m in mentions}))
        out = []
        for m in mentions:
            d = docs.get(m["doc_id"], {})
            row = {"brand": m["brand"], "matched": m["matched"], "sentiment": m["sentiment"],
                   "score": m["score"],
                   "span_text": m["span_text"], "published": m.get("published"),
                   "url": d.get("url"), "title": d.get("title"), "source": m["source"],
                   "domain": m["domain"], "doc_id": m["doc_id"]}
            if query:
                row["rank"] = rank.get(m["doc_id"])
            out.append(row)
        return out

    def top_documents(self, brand: str, since: datetime, until: datetime,
                      limit: int, most: str = "negative") -> list[dict[str, Any]]:
        order = "desc" if most == "positive" else "asc"
        resp = self.es.search(index=self.alias("mentions"), size=limit,
                              query={"bool": {"filter": [{"term": {"brand": brand}},
                                                         *_range(since, until)]}},
                              sort=[{"score": order}, {"published": "asc"}, {"mention_id": "asc"}])
        mentions = [h["_source"] for h in resp["hits"]["hits"]]
        docs = self._docs(sorted({m["doc_id"] for m in mentions}))
        return [{"doc_id": m["doc_id"], "url": docs.get(m["doc_id"], {}).get("url"),
                 "title": docs.get(m["doc_id"], {}).get("title"), "span_text": m["span_text"],
                 "score": m["score"], "sentiment": m["sentiment"], "source": m["source"],
                 "key_phrases": docs.get(m["doc_id"], {}).get("key_phrases") or []}
                for m in mentions]

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

    def alerts(self) -> list[dict[str, Any]]:
        try:
            resp = self.es.search(index=self.alias("alerts"), size=1000, sort=[{"start": "desc"}])
        except NotFoundError:
            return []
        return [h["_source"] for h in resp["hits"]["hits"]]

    def close(self) -> None:
        self.es.close()

    def abort(self) -> None:
        # Elasticsearch has no transaction to drop: what was written stays, like a partial bulk.
        self.es.close()

    def refresh(self) -> bool:
        # Every search reads the newest refreshed segments; nothing to reopen.
        return False
