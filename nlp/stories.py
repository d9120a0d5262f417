"""Story clusters: near-duplicate articles (syndicated copies) share one story id.

MinHash LSH (datasketch) over word 3-shingles. Only articles and blog posts are clustered: short
forum posts and reviews written from the same phrases by different people are not copies.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from datasketch import MinHash, MinHashLSH

STORIES_VERSION = "stories-minhash-1"
CLUSTERED_KINDS = ("news", "blog")


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
    copies arrive.
    """
    ordered = sorted(docs, key=lambda d: (d[2], d[0]))
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    story: dict[str, str] = {}
    for doc_id, kind, _, text in ordered:
        if kind not in CLUSTERED_KINDS:
            story[doc_id] = doc_id
            continue
        m = _minhash(text, num_perm)
        hits = lsh.query(m)
        story[doc_id] = min((story[h] for h in hits), default=doc_id) if hits else doc_id
        lsh.insert(doc_id, m)
    return story
