"""Coverage you can trust: per source and run, what was discovered, fetched, not modified,
failed, extracted and left empty — and flags when a source looks broken rather than quiet."""

from __future__ import annotations

import json
import statistics
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# A source that usually brings at least this many new documents per run and brings none is flagged.
USUAL_NEW_DOCUMENTS = 3


def _runs(workdir: Path) -> dict[str, list[dict[str, Any]]]:
    """Per source, its run records oldest first (crawl and extract merged)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for run_dir in sorted((workdir / "runs").glob("*")):
        names = {p.stem.split("-", 1)[1] for p in run_dir.glob("crawl-*.json")}
        names |= {p.stem.split("-", 1)[1] for p in run_dir.glob("extract-*.json")}
        for name in sorted(names):
            rec: dict[str, Any] = {"run_id": run_dir.name}
            for stage in ("crawl", "extract"):
                f = run_dir / f"{stage}-{name}.json"
                if f.exists():
                    rec[stage] = json.loads(f.read_text())
            out.setdefault(name, []).append(rec)
    return out


def _flags(last: dict[str, Any], before: list[dict[str, Any]]) -> list[str]:
    flags = []
    crawl, extract = last.get("crawl", {}), last.get("extract", {})
    if crawl and crawl.get("finish_reason") not in ("finished", None):
        flags.append("crawl_failed")
    if crawl.get("failed"):
        flags.append("crawl_errors")
    if any(crawl.get("missing", {}).values()):
        flags.append("articles_missing")
    # The first run's documents are the backlog, not what a run usually brings.
    new_before = [r["extract"].get("new_documents", 0) for r in before[1:] if "extract" in r]
    if extract and extract.get("new_documents", 0) == 0 and new_before and \
            statistics.median(new_before) >= USUAL_NEW_DOCUMENTS:
        flags.append("no_new_documents")
    pages = extract.get("pages", 0)
    if pages:
        rate = extract.get("empty_extractions", 0) / pages
        old = [r["extract"].get("empty_extractions", 0) / r["extract"]["pages"]
               for r in before if r.get("extract", {}).get("pages")]
        usual = statistics.median(old) if old else 0.0
        if rate > max(0.2, 2 * usual):
            flags.append("empty_extractions_jump")
    return flags


def source_health(workdir: Path) -> list[dict[str, Any]]:
    """The last run of every source with its counts and breakage flags."""
    rows = []
    for name, runs in sorted(_runs(workdir).items()):
        last = runs[-1]
        crawl, extract = last.get("crawl", {}), last.get("extract", {})
        rows.append({
            "source": name, "run_id": last["run_id"], "runs": len(runs),
            "discovered": crawl.get("discovered", 0), "fetched": crawl.get("fetched", 0),
            "not_modified": crawl.get("not_modified", 0), "skipped_seen": crawl.get("skipped_seen", 0),
            "failed": crawl.get("failed", {}), "refused": crawl.get("refused", 0),
            "missing": crawl.get("missing", {"retrying": 0, "given_up": 0}),
            "documents": extract.get("documents", 0), "new_documents": extract.get("new_documents", 0),
            "empty_extractions": extract.get("empty_extractions", 0),
            "undated": extract.get("undated", 0),
            "empty_by_reason": {k.split("/", 1)[1]: v for k, v in extract.items()
                                if k.startswith("empty/")},
            "newest_document": extract.get("newest_document"),
            "flags": _flags(last, runs[:-1]),
        })
    return rows


def _run_time(run_id: str) -> datetime | None:
    """When a run started, from its id (``20261201T175925.327823``, UTC)."""
    try:
        return datetime.strptime(run_id[:15], "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def period_coverage(workdir: Path, since: datetime, until: datetime) -> list[dict[str, Any]]:
    """Per source, the crawl runs that started in [since, until): how many, how many were
    flagged (and with what), the new documents they brought; ``complete`` when it ran and no
    run was flagged. A report's coverage is that of its period, not of the last crawl."""
    rows = []
    for name, runs in sorted(_runs(workdir).items()):
        inside = []
        for i, run in enumerate(runs):
            started = _run_time(run["run_id"])
            if started is not None and since <= started < until:
                inside.append((run, _flags(run, runs[:i])))
        flagged = [flags for _, flags in inside if flags]
        rows.append({"source": name, "runs": len(inside), "flagged_runs": len(flagged),
                     "flags": sorted({f for flags in flagged for f in flags}),
                     "new_documents": sum(r.get("extract", {}).get("new_documents", 0)
                                          for r, _ in inside),
                     "complete": bool(inside) and not flagged})
    return rows
