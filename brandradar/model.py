"""The data model: field names shared by Parquet, DuckDB, Elasticsearch, Kibana and exports.

This module is the one place that defines them; the DuckDB DDL, the Elasticsearch templates and the
Kibana objects are checked against these lists by tests.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any, get_type_hints

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
    # Forums and reviews: the post's id on its page and the post it answers or quotes, so that
    # replies received can be counted per (pseudonymous) author.
    post_id: str | None = None
    reply_to: str | None = None


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
    # "brand", or "channel": a platform named as where something was said (not scored).
    kind: str = "brand"
    # In page furniture (share bar, "follow us", related headlines): kept, never counted.
    in_boilerplate: bool = False
    # Whether the mention counts in the metrics; the index holds only counted mentions.
    counted: bool = True


DOCUMENT_FIELDS = [f.name for f in fields(Document)]
ENRICHED_FIELDS = [f.name for f in fields(EnrichedDocument)]
MENTION_FIELDS = [f.name for f in fields(Mention)]

_ARROW: dict[Any, pa.DataType] = {
    str: pa.string(),
    str | None: pa.string(),
    int: pa.int32(),
    bool: pa.bool_(),
    float: pa.float64(),
    float | None: pa.float64(),
    bool | None: pa.bool_(),
    datetime: pa.timestamp("us", tz="UTC"),
    datetime | None: pa.timestamp("us", tz="UTC"),
    list[str]: pa.list_(pa.string()),
}


def arrow_schema(cls: type) -> pa.Schema:
    """The Parquet schema of a model class, derived from its type hints (one source of truth)."""
    hints = get_type_hints(cls)
    return pa.schema([(f.name, _ARROW[hints[f.name]]) for f in fields(cls)])


DOCUMENT_SCHEMA = arrow_schema(Document)
ENRICHED_SCHEMA = arrow_schema(EnrichedDocument)
MENTION_SCHEMA = arrow_schema(Mention)
