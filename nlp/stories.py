"""Stories: the articles about one event share one story id — syndicated copies and other
outlets' own reports of it.

Copies are found by MinHash LSH (datasketch) over word 3-shingles; reports of one event in other
words or languages by :mod:`brandradar.nlp.events`. Only articles and blog posts are clustered:
short forum posts and reviews written from the same phrases by different people are not copies,
and a thread is not an event.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from datasketch import MinHash, MinHashLSH

from brandradar.nlp.events import Article, event_links, join

STORIES_VERSION = "stories-events-2"
CLUSTERED_KINDS = ("news", "blog")
# A run regroups only the articles published within this time of the ones that changed: events
# link reports at most DAYS apart and syndicated copies follow within days, so a story's members
# lie inside it, and the cost of a run does not grow with the corpus. A copy published later
# than this after the last article of its story starts a story of its own.
WINDOW = timedelta(days=7)


def _minhash(text: str, num_perm: int) -> MinHash:
    words = re.findall(r"\w+", text.lower())
    m = MinHash(num_perm=num_perm)
    for i in range(max(1, len(words) - 2)):
        m.update(" ".join(words[i : i + 3]).encode("utf-8"))
    return m


def assign_stories(docs: Iterable[tuple[str, str, str, str]], threshold: float = 0.7,
                   num_perm: int = 64) -> dict[str, str]:
    """Map doc id → story id for ``(doc_id, kind, published_iso, text)``.

    The story id is the id of the earliest document of the cluster, so it is stable when later
    copies arrive. A copy joins a story only within :data:`WINDOW` of the story's last dated
    copy, as an hourly run would see it: regrouping everything at once used to chain a yearly
    re-publication into one story over years, whose every new copy then touched all its hours.
    """
    ordered = sorted(docs, key=lambda d: (d[2], d[0]))
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    story: dict[str, str] = {}
    last: dict[str, datetime] = {}
    for doc_id, kind, published, text in ordered:
        if kind not in CLUSTERED_KINDS:
            story[doc_id] = doc_id
            continue
        when = datetime.fromisoformat(published) if published else None
        m = _minhash(text, num_perm)
        near = [story[h] for h in lsh.query(m)
                if when is None or story[h] not in last or when - last[story[h]] <= WINDOW]
        story[doc_id] = min(near, default=doc_id)
        if when is not None:
            last[story[doc_id]] = when
        lsh.insert(doc_id, m)
    return story


@dataclass(frozen=True)
class StoryDoc:
    """What story clustering reads of an enriched document."""

    doc_id: str
    kind: str
    published: datetime | None
    title: str
    text: str


def story_groups(docs: Sequence[StoryDoc],
                 embed: Callable[[Sequence[Article]], np.ndarray] | None = None) -> dict[str, str]:
    """doc id → story id: copies and reports of one event joined; the id is the earliest
    document's (undated last, then by id), so it stays put when later reports arrive.

    ``embed``: lead embeddings of the given articles (see
    :func:`brandradar.nlp.events.event_links`), e.g. from the work directory's cache.
    """
    return join(_order(docs), story_links(docs, embed))


def story_links(docs: Sequence[StoryDoc],
                embed: Callable[[Sequence[Article]], np.ndarray] | None = None,
                touching: set[str] | None = None) -> list[tuple[str, str]]:
    """Pairs of doc ids in one story: a copy and the first document of the copies it joins,
    and two reports of one event (``touching``: only reports paired with one of these)."""
    copies = assign_stories((d.doc_id, d.kind, _when(d), d.text) for d in docs)
    articles = [Article(d.doc_id, d.title, d.text, d.published) for d in docs
                if d.kind in CLUSTERED_KINDS]
    return [*((s, d) for d, s in copies.items() if s != d),
            *event_links(articles, embed, touching=touching)]


def _when(d: StoryDoc) -> str:
    return d.published.isoformat() if d.published else ""


def _order(docs: Sequence[StoryDoc]) -> list[str]:
    """Doc ids, earliest first (undated last, then by id): the first names its story."""
    return [d.doc_id for d in sorted(docs, key=lambda d: (d.published is None, _when(d),
                                                          d.doc_id))]


def regroup(docs: Sequence[StoryDoc], stored: dict[str, str],
            embed: Callable[[Sequence[Article]], np.ndarray] | None = None,
            changed: set[str] | None = None) -> dict[str, str]:
    """Story ids for the documents around a change (see :data:`WINDOW`).

    ``changed``: the documents that are new or changed (default: all of ``docs``). Only links
    that touch one of them are found anew; the other documents keep the stories ``stored``
    for them, so a story is never split or renamed because the window moved (the names that
    tie reports of an event are weighed against the articles in the window, which differ from
    run to run): stories only grow, or merge where a new document joins two. A document whose
    stored story id names a document outside ``docs`` (an older report of the event) keeps
    that id, and so does everything grouped with it, so a story's id never changes because its
    first report left the window.
    """
    ids = {d.doc_id for d in docs}
    new = ids if changed is None else ids & changed
    links = [(a, b) for a, b in story_links(docs, embed, None if changed is None else new)
             if a in new or b in new]
    kept = {d: s for d, s in stored.items() if d in ids and d not in new and s}
    links += [(s, d) for d, s in kept.items() if s in ids]
    outside = {d: s for d, s in stored.items() if d in ids and s and s not in ids}
    members: dict[str, list[str]] = {}
    for doc_id, anchor in outside.items():
        members.setdefault(anchor, []).append(doc_id)
    links += [(m[0], x) for m in members.values() for x in m[1:]]
    order = _order(docs)
    joined = join(order, links)
    names: dict[str, str] = {}
    for doc_id in order:
        if doc_id in outside:
            names.setdefault(joined[doc_id], outside[doc_id])
    return {d: names.get(joined[d], joined[d]) for d in order}
