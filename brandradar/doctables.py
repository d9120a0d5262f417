"""Generated tables inside hand-written docs: the text between two marker comments is replaced."""

from __future__ import annotations

from pathlib import Path


def write_between(doc: Path, begin: str, end: str, table: str) -> None:
    """Replace what stands between the ``begin`` and ``end`` markers of ``doc`` with ``table``."""
    text = doc.read_text("utf-8")
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    doc.write_text(f"{head}{begin}\n{table}{end}{tail}", "utf-8")
