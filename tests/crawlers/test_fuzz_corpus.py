"""Every input the fuzzer ever crashed on (`make fuzz`, tests/fuzz/) is replayed: bad input is
named and counted, never a crash. Kept from real fuzzing runs: a feed with a stray media:player
end tag (feedparser raised KeyError), a feed whose encoding name held a NUL byte, a feed entry
link with a bracketed host that is no IP address (urljoin raised ValueError), a sitemap without
a root element (Scrapy's reader raised StopIteration)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz.targets import CRASHES, TARGETS

KEPT = sorted(CRASHES.glob("*/crash-*"))


def test_crashes_are_kept() -> None:
    assert {p.parent.name for p in KEPT} >= {"feed", "sitemap"}


@pytest.mark.parametrize("path", KEPT, ids=[f"{p.parent.name}/{p.name[:14]}" for p in KEPT])
def test_a_kept_crash_is_handled(path: Path) -> None:
    TARGETS[path.parent.name](path.read_bytes())
