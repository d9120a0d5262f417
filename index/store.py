"""The Store interface: the counting queries the metrics are built from, answered by the DuckDB
store (the one metrics engine, ``brandradar.index.duckdb.store``).

``brandradar.index.analytics`` turns the answers into metrics (Wilson intervals, spikes,
trends), so the statistics are written once. Author segments are the exception: the store ranks
them itself (``author_ranking``), because a view has tens of thousands of authors and a page
shows two hundred. Elasticsearch is a projection for Kibana
(``brandradar.index.projection``), not a second implementation of these queries.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from brandradar.index.rows import (
    AuthorRanking,
    AuthorStat,
    DayCount,
    ExplorerPage,
    HourCount,
    PhraseDoc,
    Sentiments,
    SourceCount,
    TopDocument,
    TopicDocument,
    Trend,
)
from brandradar.settings import Settings

if TYPE_CHECKING:
    from brandradar.index.duckdb.store import DuckDBStore


@dataclass(frozen=True)
class Filters:
    """Which mentions a metric counts; an empty tuple means "all"."""

    source_kinds: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    sentiments: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()

    def items(self) -> list[tuple[str, tuple[str, ...]]]:
        """(mention field, allowed values) for every filter that is set."""
        pairs = [("source_kind", self.source_kinds), ("language", self.languages),
                 ("sentiment", self.sentiments), ("source", self.sources),
                 ("brand", self.brands)]
        return [(f, v) for f, v in pairs if v]

# The metrics store inside the work directory.
STORE_FILE = "brandradar.duckdb"


NO_FILTERS = Filters()

# A team's label for one mention: (mention id, sentiment, score).
Correction = tuple[str, str, float]


@dataclass(frozen=True)
class Sync:
    """What one sync of the store from the enriched partitions did."""

    partitions: int  # changed or removed partitions taken in
    written: list[str]  # doc ids (re)written
    removed: list[str]  # doc ids no longer held
    corrected: int  # stored mentions carrying a team's label


class Store(Protocol):
    """A place documents, mentions and alerts are indexed and queried."""

    def upsert(self, documents: list[dict[str, Any]], mentions: list[dict[str, Any]]) -> None:
        """Insert or replace rows by their deterministic ids."""

    def counts(self) -> dict[str, int]:
        """Number of ``documents`` and ``mentions``, and of those without a published date
        (``undated_documents``, ``undated_mentions``): a time-bounded view leaves them out and
        says how many."""

    def brand_counts(self, since: datetime | None, until: datetime | None,
                     per_story: bool, filters: Filters = NO_FILTERS) -> dict[str, int]:
        """Mentions per brand (documents mentioning it, or stories when ``per_story``)."""

    def brand_source_counts(self, since: datetime | None, until: datetime | None,
                            filters: Filters = NO_FILTERS) -> list[SourceCount]:
        """Per brand and source: ``brand``, ``source``, ``mentions`` (documents)."""

    def author_stats(self, since: datetime | None, until: datetime | None,
                     brands: tuple[str, ...] = ()) -> list[AuthorStat]:
        """Per pseudonymous forum/review author and source: ``author``, ``source``, ``posts``,
        ``mentions``, ``positive``, ``negative``, ``neutral``, ``replies`` (posts answering or
        quoting theirs). With ``brands``: only their posts that mention one of these brands,
        and only those brands' mentions."""

    def author_ranking(self, since: datetime | None, until: datetime | None,
                       brands: tuple[str, ...] = (), min_active: int = 3,
                       limit: int | None = None) -> AuthorRanking:
        """The authors of :meth:`author_stats` in segments (``brandradar.index.analytics.
        ranked_authors`` says which): the size of every segment, and the first ``limit``
        authors (all with None) in page order."""

    def time_range(self) -> tuple[datetime | None, datetime | None]:
        """First and last ``published`` of any mention (None, None when empty)."""

    def hourly(self, since: datetime | None, until: datetime | None,
               filters: Filters = NO_FILTERS) -> list[HourCount]:
        """Per brand and hour: ``brand``, ``hour``, ``mentions`` (documents), ``negative``."""

    def daily(self, since: datetime | None, until: datetime | None,
              filters: Filters = NO_FILTERS, zone: str = "UTC") -> list[DayCount]:
        """Per brand and day (calendar days in the time zone ``zone``): ``brand``, ``day``,
        ``mentions``, and per-sentiment counts (``positive``, ``negative``, ``neutral``,
        ``unscored``)."""

    def sentiment(self, since: datetime | None, until: datetime | None,
                  filters: Filters = NO_FILTERS) -> list[Sentiments]:
        """Per brand: ``positive``, ``negative``, ``neutral``, ``unscored`` counts."""

    def phrase_docs(self, since: datetime, brand: str | None = None,
                    until: datetime | None = None) -> list[PhraseDoc]:
        """Per key phrase and document published in [since, until) (only documents mentioning
        ``brand`` when given): ``phrase``, ``doc_id``, ``domain``, ``published``, ``language``."""

    def explore(self, query: str | None, since: datetime | None, until: datetime | None,
                filters: Filters = NO_FILTERS, sort: str = "newest", offset: int = 0,
                limit: int = 50, fold: str = "story") -> ExplorerPage:
        """One page of the mention explorer and the size of the whole view; ``fold``: one row
        per brand and ``story`` (syndicated copies folded), per brand and ``document``, or per
        mention (``none``)."""

    def facets(self) -> dict[str, list[str]]:
        """The values of ``source``, ``source_kind`` and ``language`` the filters can take."""

    def topic_documents(self, phrases: list[str], since: datetime, until: datetime,
                        brand: str | None = None, offset: int = 0,
                        limit: int = 50) -> tuple[int, list[TopicDocument]]:
        """Documents in [since, until) holding any of the key ``phrases`` (mentioning ``brand``
        when given), newest first, and their number."""

    def top_documents(self, brand: str, since: datetime, until: datetime,
                      limit: int, most: str = "negative") -> list[TopDocument]:
        """The most negative (or ``most="positive"``) mentions of a brand in a window, with
        their documents (alert explanations, reports)."""

    def save_alerts(self, alerts: list[dict[str, Any]]) -> None:
        """Replace the stored alerts."""

    def save_trends(self, rows: list[dict[str, Any]]) -> None:
        """Replace the stored trending topics (``trend_rows``)."""

    def save_health(self, rows: list[dict[str, Any]]) -> None:
        """Replace the stored sources health (``health_rows``), for dashboards outside brandradar."""

    def trends(self) -> list[Trend]:
        """Stored trending topics (``brand`` None: overall), in the order they are shown."""

    def alerts(self) -> list[dict[str, Any]]:
        """Stored alerts, newest first."""

    def close(self) -> None:
        """Release the backend; a writer's changes become visible to readers."""

    def abort(self) -> None:
        """Release the backend after a failed write; what can be dropped is dropped."""

    def refresh(self) -> bool:
        """For a long-lived reader: pick up a store published since it was opened."""


def trend_rows(trends: list[Trend], computed: datetime) -> list[dict[str, Any]]:
    """Trending topics (overall and per brand) as both backends store them."""
    return [{"trend_id": f"{t.brand or ''}|{t.window_hours}|{t.phrase}", **vars(t),
             "variants": list(t.variants), "doc_ids": list(t.doc_ids), "computed": computed}
            for t in trends]


def health_rows(health: list[dict[str, Any]], checked: datetime) -> list[dict[str, Any]]:
    """Flat rows of ``brandradar.health.source_health`` as both backends store them."""
    return [{"health_id": f"{h['source']}|{h['run_id']}", "source": h["source"],
             "run_id": h["run_id"], "checked": checked, "discovered": h["discovered"],
             "fetched": h["fetched"], "not_modified": h["not_modified"],
             "failed_total": sum(h["failed"].values()), "documents": h["documents"],
             "new_documents": h["new_documents"], "empty_extractions": h["empty_extractions"],
             "newest_document": h["newest_document"], "flags": list(h["flags"]),
             "complete": not h["flags"]} for h in health]


S = TypeVar("S", bound=Store)


@contextmanager
def writing(store: S) -> Iterator[S]:
    """A store being written: published (closed) when the block ends, aborted when it raises,
    so a failed stage never publishes half its work."""
    try:
        yield store
    except BaseException:
        store.abort()
        raise
    store.close()


def open_store(settings: Settings, read_only: bool = False) -> DuckDBStore:
    """The metrics store of a work directory (``brandradar.duckdb``): the one engine behind the
    CLI, the built-in dashboard, alerts and reports, also in a team deployment (Elasticsearch is
    a projection of it for Kibana, :mod:`brandradar.index.projection`).

    ``read_only``: a reader; any number read at once, also while a pipeline writes.
    """
    from brandradar.index.duckdb.store import DuckDBStore

    return DuckDBStore(settings.workdir / STORE_FILE, read_only=read_only)
