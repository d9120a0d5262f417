"""The Elasticsearch projection's requests: lifecycle policy and templates, versioned indices
behind aliases, reindex with an alias switch, unique ids across a rollover, failed writes and
retention.

Requests go to osmem-server (test-only stand-in) through a recording node. osmem has no ILM API;
the recording node answers the ILM calls itself so their bodies can be checked. A real cluster
runs the same code in the ``live`` test when ES_URL is set.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from brandradar.errors import TransientError
from brandradar.index.elasticsearch.store import ElasticsearchStore
from tests.index.es_node import PlainJsonNode

pytestmark = pytest.mark.slow
SENT: list[tuple[str, str, Any]] = []


class RecordingNode(PlainJsonNode):
    """Test only: records every request; answers ILM calls and drops the lifecycle settings
    from templates before forwarding them, since osmem-server knows neither."""

    def perform_request(self, method: str, target: str, body: bytes | None = None,
                        headers: Any = None, **kw: Any) -> Any:
        if target.split("?")[0].endswith("/_bulk"):  # NDJSON, not recorded
            return super().perform_request(method, target, body=body, headers=headers, **kw)
        SENT.append((method, target.split("?")[0], json.loads(body) if body else None))
        sent = json.loads(body) if body else None
        if "/_ilm/" in target:
            return super().perform_request("GET", "/", None, headers, **kw)
        if target.startswith("/_tasks/"):
            # osmem-server runs a reindex to its end before answering and has no tasks API:
            # the task is reported done; the store then checks the copied count itself.
            answer = super().perform_request("GET", "/", None, headers, **kw)
            return answer._replace(body=b'{"completed": true, "response": {"failures": []}}')
        if target.startswith("/_index_template/") and sent is not None:
            settings = sent["template"]["settings"]
            for key in [k for k in settings if k.startswith("index.lifecycle.")]:
                del settings[key]
            body = json.dumps(sent).encode()
        return super().perform_request(method, target, body=body, headers=headers, **kw)


@pytest.fixture
def store(osmem_clone: Any) -> Any:
    SENT.clear()
    s = ElasticsearchStore(Elasticsearch(osmem_clone.url, node_class=RecordingNode),
                           prefix="shape", ilm=True, retention_days=365)
    yield s
    s.close()


def _sent(method: str, path: str) -> list[Any]:
    return [b for m, p, b in SENT if m == method and p == path]


def test_lifecycle_policy_and_templates(store: ElasticsearchStore) -> None:
    (policy,) = _sent("PUT", "/_ilm/policy/shape-lifecycle")
    phases = policy["policy"]["phases"]
    assert phases["hot"]["actions"]["rollover"] == {"max_primary_shard_size": "25gb",
                                                    "max_age": "30d"}
    assert phases["delete"] == {"min_age": "365d", "actions": {"delete": {}}}
    for kind in ("documents", "mentions", "alerts", "health", "trends"):
        (tpl,) = _sent("PUT", f"/_index_template/shape-{kind}")
        settings = tpl["template"]["settings"]
        assert tpl["index_patterns"] == [f"shape-{kind}-v1-*"]
        assert tpl["template"]["mappings"]["dynamic"] is False
        if kind in ("alerts", "health", "trends"):
            assert "index.lifecycle.name" not in settings
        else:
            assert settings["index.lifecycle.name"] == "shape-lifecycle"
            assert settings["index.lifecycle.rollover_alias"] == f"shape-{kind}"
    created = [p for m, p, _ in SENT if m == "PUT" and p.startswith("/shape-")]
    assert sorted(created) == ["/shape-alerts-v1-000001", "/shape-documents-v1-000001",
                               "/shape-health-v1-000001", "/shape-mentions-v1-000001",
                               "/shape-trends-v1-000001"]


def _rows(n: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    when = datetime(2026, 11, 20, 12, tzinfo=UTC)
    docs = [{"doc_id": f"d{i}", "source": "s", "source_kind": "forum", "url": f"https://e.org/{i}",
             "domain": "e.org", "title": "t", "text": "Voltaro", "published": when,
             "fetched": when, "language": "de", "author_pseudonym": None, "rating": None,
             "product": None, "key_phrases": [], "story_id": f"d{i}", "versions": "v",
             "post_id": None, "reply_to": None} for i in range(n)]
    mentions = [{"mention_id": f"m{i}", "doc_id": f"d{i}", "brand": "Voltaro",
                 "brand_role": "own", "start": 0, "end": 7, "matched": "Voltaro",
                 "sentiment": "neutral", "score": 0.0, "span_text": "Voltaro", "source": "s",
                 "source_kind": "forum", "domain": "e.org", "language": "de", "published": when,
                 "story_id": f"d{i}", "versions": "v"} for i in range(n)]
    return docs, mentions


def test_indices_are_versioned_behind_aliases(store: ElasticsearchStore) -> None:
    aliases = store.es.indices.get_alias(name="shape-mentions")
    assert list(aliases) == ["shape-mentions-v1-000001"]
    assert aliases["shape-mentions-v1-000001"]["aliases"]["shape-mentions"]["is_write_index"]


def test_reindex_switches_the_alias_and_ids_stay_unique_after_rollover(
        store: ElasticsearchStore) -> None:
    docs, mentions = _rows(30)
    store.upsert(docs, mentions)
    result = store.reindex("documents")
    aliases = store.es.indices.get_alias(name="shape-documents")
    assert list(aliases) == [result["to"]] and result["rows"] == 30
    assert aliases[result["to"]]["aliases"]["shape-documents"]["is_write_index"] is True
    assert store.es.indices.exists(index="shape-documents-v1-000001")  # kept until asked
    # and taken out of the lifecycle, which would stop on it with an error otherwise
    assert ("POST", "/shape-documents-v1-000001/_ilm/remove", None) in SENT
    assert store.counts() == {"documents": 30, "mentions": 30, "undated_documents": 0,
                              "undated_mentions": 0}
    # A rollover: a new write index behind the alias; writing the same ids again must not
    # leave a second copy in the older index.
    store.es.indices.create(index="shape-documents-v1-000002")
    store.es.indices.update_aliases(actions=[
        {"add": {"index": result["to"], "alias": "shape-documents", "is_write_index": False}},
        {"add": {"index": "shape-documents-v1-000002", "alias": "shape-documents",
                 "is_write_index": True}}])
    more, more_mentions = _rows(31)
    store.upsert(docs[:10] + more[30:], mentions[:10] + more_mentions[30:])
    assert store.counts() == {"documents": 31, "mentions": 31, "undated_documents": 0,
                              "undated_mentions": 0}
    # rows stay where they are (the lifecycle can delete old indices); only the new one is in
    # the new write index
    assert int(store.es.count(index="shape-documents-v1-000002")["count"]) == 1
    # a removed document leaves every index behind the alias, with its mentions
    store.delete_documents(["d0", "d30"])
    assert store.counts() == {"documents": 29, "mentions": 29, "undated_documents": 0,
                              "undated_mentions": 0}
    with pytest.raises(Exception, match="unknown kind"):
        store.reindex("nothing")


def test_a_blocked_index_fails_the_write_and_keeps_the_mentions(
        store: ElasticsearchStore) -> None:
    docs, mentions = _rows(5)
    store.upsert(docs, mentions)
    # A disk past the flood-stage watermark blocks writes; the next run's rows must not cost
    # the stored mentions, and the failure must not pass silently.
    store.es.indices.put_settings(index="shape-mentions-v1-000001",
                                  settings={"index.blocks.write": True})
    store.max_retries = 0
    edited = [{**m, "mention_id": f"new-{m['mention_id']}"} for m in mentions]
    with pytest.raises(TransientError, match="5 rows were not written"):
        store.upsert(docs, edited)
    store.es.indices.put_settings(index="shape-mentions-v1-000001",
                                  settings={"index.blocks.write": False})
    assert store.counts()["mentions"] == 5
    store.upsert(docs, edited)
    ids = {h["_id"] for h in store.es.search(index="shape-mentions", size=20)["hits"]["hits"]}
    assert ids == {m["mention_id"] for m in edited}  # new ones written, stale ones removed


def test_rows_older_than_the_retention_are_deleted(store: ElasticsearchStore) -> None:
    docs, mentions = _rows(4)
    old = datetime(2023, 1, 5, tzinfo=UTC)  # beyond the fixture's 365 days
    for row in (*docs[:2], *mentions[:2]):
        row["published"] = old
    store.upsert(docs, mentions)
    assert store.counts()["documents"] == 2 and store.counts()["mentions"] == 2
    assert {h["_id"] for h in store.es.search(index="shape-documents")["hits"]["hits"]} == \
        {"d2", "d3"}


@pytest.mark.live
def test_live_lifecycle_and_reindex() -> None:
    import os

    url = os.environ.get("ES_URL")
    if not url:
        pytest.skip("ES_URL not set")
    prefix = f"brandradar-live-{datetime.now(UTC):%H%M%S%f}"
    es = Elasticsearch(url, api_key=os.environ.get("ES_API_KEY"))
    store = ElasticsearchStore(es, prefix=prefix, ilm=True, retention_days=30)
    try:
        policy = es.ilm.get_lifecycle(name=store.policy_name())[store.policy_name()]["policy"]
        assert policy["phases"]["delete"]["min_age"] == "30d"
        settings = es.indices.get_settings(index=f"{prefix}-mentions")
        assert next(iter(settings.values()))["settings"]["index"]["lifecycle"]["name"] == \
            store.policy_name()
        docs, mentions = _rows(20)
        store.upsert(docs, mentions)
        result = store.reindex("mentions", delete_old=True)
        assert list(es.indices.get_alias(name=f"{prefix}-mentions")) == [result["to"]]
        assert store.counts() == {"documents": 20, "mentions": 20, "undated_documents": 0,
                              "undated_mentions": 0}
    finally:
        es.indices.delete(index=f"{prefix}-*")
        es.ilm.delete_lifecycle(name=store.policy_name())
        store.close()
