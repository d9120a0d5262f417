"""Typed rows the metrics store answers with (``brandradar.index.duckdb.store``).

One class per query shape; consumers read attributes, and ``vars(row)`` gives the JSON the
dashboard serves (a shallow dict: ``dataclasses.asdict`` copies deeply and cost the authors page
0.13 s at 10 million mentions). Alerts stay JSON documents: they are nested explanations, stored
and served as the analyse stage wrote them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Sentiments:
    """Mentions of one brand per sentiment."""

    brand: str
    positive: int
    negative: int
    neutral: int
    unscored: int


@dataclass(frozen=True)
class DayCount:
    """Documents mentioning a brand on one day (``mentions``), and its mentions per sentiment."""

    brand: str
    day: date
    mentions: int
    positive: int
    negative: int
    neutral: int
    unscored: int


@dataclass(frozen=True)
class HourCount:
    """Documents mentioning a brand in one hour, and those with a negative mention of it."""

    brand: str
    hour: datetime
    mentions: int
    negative: int


@dataclass(frozen=True)
class SourceCount:
    """Documents of one source mentioning a brand."""

    brand: str
    source: str
    mentions: int


@dataclass(frozen=True)
class AuthorStat:
    """One pseudonymous forum or review author of one source: posts, mentions per sentiment,
    and replies their posts received."""

    author: str
    source: str
    posts: int
    mentions: int
    positive: int
    negative: int
    neutral: int
    replies: int


# Author segments in the order the authors page lists them (docs/metrics.md).
AUTHOR_SEGMENTS = ("influencer", "critic", "advocate", "observer", "occasional")


@dataclass(frozen=True)
class AuthorRanking:
    """Authors of a view by segment: how many in each segment, and the first authors in page
    order as (segment, author)."""

    segments: dict[str, int]
    authors: list[tuple[str, AuthorStat]]


@dataclass(frozen=True)
class PhraseDoc:
    """A key phrase of a document."""

    phrase: str
    doc_id: str
    domain: str
    published: datetime | None
    language: str


@dataclass(frozen=True)
class ExplorerRow:
    """One row of the mention explorer: a mention with its document; ``copies``: the documents
    of its story (for this brand) it stands for when syndicated copies are folded (1 when not)."""

    mention_id: str
    brand: str
    matched: str
    sentiment: str
    score: float
    span_text: str
    published: datetime | None
    language: str
    source: str
    source_kind: str
    url: str
    title: str
    author: str | None
    doc_id: str
    story_id: str | None
    copies: int
    rank: float | None


@dataclass(frozen=True)
class ExplorerPage:
    """A page of the mention explorer and the number of rows of the whole view (``total``)."""

    total: int
    offset: int
    rows: list[ExplorerRow]


@dataclass(frozen=True)
class TopicDocument:
    """A document of a trending topic, with the tracked brands it mentions (maybe none)."""

    doc_id: str
    title: str
    url: str
    source: str
    published: datetime | None
    brands: list[str]


@dataclass(frozen=True)
class TopDocument:
    """A mention at one end of a brand's sentiment scale, with its document (alert
    explanations, report quotes)."""

    doc_id: str
    url: str
    title: str
    span_text: str
    score: float
    sentiment: str
    source: str
    key_phrases: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LabelCandidate:
    """A scored mention no one has labelled yet."""

    mention_id: str
    brand: str
    language: str
    sentiment: str
    score: float
    span_text: str
    published: datetime | None


@dataclass(frozen=True)
class Trend:
    """A trending topic in one window: overall (``brand`` None) or in the documents of one
    brand. ``growth`` is None for a topic without baseline documents (emerging); ``doc_ids``
    are the first 20 documents of the window; ``computed`` is when the analyse run that stored
    it looked (None for one computed for a view and not stored)."""

    phrase: str
    variants: list[str]
    brand: str | None
    window_hours: int
    state: str
    documents: int
    baseline_documents: int
    domains: int
    growth: float | None
    doc_ids: list[str]
    computed: datetime | None = None
