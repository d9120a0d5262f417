"""The data model: field names shared by Parquet, DuckDB, Elasticsearch, Kibana and exports.

This module is the one place that defines them; the DuckDB DDL, the Elasticsearch templates and the
Kibana objects are checked against these lists by tests.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

import pyarrow as pa

SENTIMENTS = ("positive", "negative", "neutral", "unscored")
SOURCE_KINDS = ("news", "blog", "forum", "review")


@dataclass
class Document:
    """One article, blog post, forum post or review, as extracted from the raw archive."""

    doc_id: str
    source: str
    source_kind: str
    url: str
    domain: str
    title: str
    text: str
    published: datetime | None
    fetched: datetime
    author: str | None = None
    post_id: str | None = None
    reply_to: str | None = None
    quote_text: str | None = None
    rating: float | None = None
    product: str | None = None
    verified: bool | None = None
    language: str | None = None
    parser: str = ""

    def to_row(self) -> dict[str, Any]:
        """A plain dict with the model's field names."""
        return asdict(self)


@dataclass
class EnrichedDocument:
    """A document after enrich: language, pseudonymised author, key phrases, story cluster."""

    doc_id: str
    source: str
    source_kind: str
    url: str
    domain: str
    title: str
    text: str
    published: datetime | None
    fetched: datetime
    language: str
    author_pseudonym: str | None
    rating: float | None
    product: str | None
    key_phrases: list[str] = field(default_factory=list)
    story_id: str = ""
    versions: str = ""


@dataclass
class Mention:
    """One brand mentioned in one document, with its own sentiment."""

    mention_id: str
    doc_id: str
    brand: str
    brand_role: str
    start: int
    end: int
    matched: str
    sentiment: str
    score: float
    span_text: str
    source: str
    source_kind: str
    domain: str
    language: str
    published: datetime | None
    story_id: str
    versions: str


DOCUMENT_FIELDS = [f.name for f in fields(Document)]
ENRICHED_FIELDS = [f.name for f in fields(EnrichedDocument)]
MENTION_FIELDS = [f.name for f in fields(Mention)]

_TS = pa.timestamp("us", tz="UTC")

DOCUMENT_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("source", pa.string()),
        ("source_kind", pa.string()),
        ("url", pa.string()),
        ("domain", pa.string()),
        ("title", pa.string()),
        ("text", pa.string()),
        ("published", _TS),
        ("fetched", _TS),
        ("author", pa.string()),
        ("post_id", pa.string()),
        ("reply_to", pa.string()),
        ("quote_text", pa.string()),
        ("rating", pa.float64()),
        ("product", pa.string()),
        ("verified", pa.bool_()),
        ("language", pa.string()),
        ("parser", pa.string()),
    ]
)

ENRICHED_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("source", pa.string()),
        ("source_kind", pa.string()),
        ("url", pa.string()),
        ("domain", pa.string()),
        ("title", pa.string()),
        ("text", pa.string()),
        ("published", _TS),
        ("fetched", _TS),
        ("language", pa.string()),
        ("author_pseudonym", pa.string()),
        ("rating", pa.float64()),
        ("product", pa.string()),
        ("key_phrases", pa.list_(pa.string())),
        ("story_id", pa.string()),
        ("versions", pa.string()),
    ]
)

MENTION_SCHEMA = pa.schema(
    [
        ("mention_id", pa.string()),
        ("doc_id", pa.string()),
        ("brand", pa.string()),
        ("brand_role", pa.string()),
        ("start", pa.int32()),
        ("end", pa.int32()),
        ("matched", pa.string()),
        ("sentiment", pa.string()),
        ("score", pa.float64()),
        ("span_text", pa.string()),
        ("source", pa.string()),
        ("source_kind", pa.string()),
        ("domain", pa.string()),
        ("language", pa.string()),
        ("published", _TS),
        ("story_id", pa.string()),
        ("versions", pa.string()),
    ]
)

assert DOCUMENT_SCHEMA.names == DOCUMENT_FIELDS
assert ENRICHED_SCHEMA.names == ENRICHED_FIELDS
assert MENTION_SCHEMA.names == MENTION_FIELDS
