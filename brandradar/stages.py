"""The stages of DESIGN.md as plain functions: the CLI and the Airflow DAG both call these.

Each stage reads the previous stage's files in the work directory and writes its own; each can
be re-run alone (idempotent), and a failing source is named, counted and skipped.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from brandradar.config import Brand, ProjectConfig, load_project, project_settings
from brandradar.errors import BrandradarError, ConfigError, TransientError
from brandradar.extras import require
from brandradar.labels import LABEL_SCORES, LABEL_VERSION, current_corrections
from brandradar.reprocess import VERSION_FILE, active_model
from brandradar.settings import DEMO_AUTHOR_KEY, SECRET_SETTINGS, Settings
from brandradar.sources import Source
from brandradar.storage import shared_copy, sharing
from brandradar.teamstate import engine_for, record_run, run_lock

if TYPE_CHECKING:
    from brandradar.index.duckdb.store import DuckDBStore

log = logging.getLogger(__name__)

PROJECT_SNAPSHOT = "project.json"
# Files brandradar writes are for its own user only: archives and documents hold personal data
# (authors' names, posts), the state databases the team's work.
PRIVATE_UMASK = 0o077


@dataclass
class Context:
    """A resolved project: config, settings, sources and brands, bound to a work directory."""

    project: ProjectConfig
    settings: Settings
    sources: list[Source]
    # The bundled demo: its public pseudonym key is accepted (nowhere else).
    demo: bool = False

    @property
    def workdir(self) -> Path:
        return Path(self.settings.workdir)

    @property
    def brands(self) -> list[Brand]:
        return self.project.brands

    @property
    def source_names(self) -> dict[str, str]:
        """Each source's id → the name people read (its ``display_name``)."""
        return {s.name: s.title for s in self.sources}

    def pick_brands(self, names: list[str] | tuple[str, ...], who: str) -> list[Brand]:
        """The project's brands called ``names``, in that order (all brands when empty); an
        unknown name is one ``ConfigError`` line naming ``who`` asked and the known brands."""
        if not names:
            return list(self.brands)
        known = {b.name: b for b in self.brands}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise ConfigError(f"{who}: unknown brand {unknown[0]!r} (known: {', '.join(known)})")
        return [known[n] for n in names]

    def source(self, name: str) -> Source:
        """The source called ``name``."""
        for s in self.sources:
            if s.name == name:
                return s
        raise ConfigError(f"unknown source {name!r}")


def resolve_sources(project: ProjectConfig, folder: Path | None = None) -> list[Source]:
    """Named sources (the project folder's ``sources/*.yaml`` first, then the shipped source
    files) plus inline ones; each hook is loaded now, so a broken one stops the run before any
    crawling."""
    from brandradar.crawlers.hooks import resolve_hook
    from brandradar.crawlers.sources import load_source

    sources = [load_source(n, folder) for n in project.source_files] + list(project.sources)
    names = [s.name for s in sources]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"source declared twice: {dupes[0]!r}")
    return [s.model_copy(update={"hook": resolve_hook(s.hook, folder or Path.cwd())})
            if s.hook else s for s in sources]


def load_context(config: Path, workdir: Path | None = None, **overrides: Any) -> Context:
    """Read the project config and settings; write a snapshot into the work directory.

    The snapshot holds every source resolved (YAML files and shipped sources inline, hooks as
    absolute paths), so later stages and other machines need only the work directory.
    """
    project = load_project(config)
    settings = project_settings(project, workdir=workdir, **overrides)
    ctx = Context(project, settings, resolve_sources(project, config.parent))
    ctx.workdir.mkdir(parents=True, exist_ok=True)
    # No secret reaches the disk: notification channels (webhook secrets, SMTP passwords) and
    # secret settings stay in the config and the environment.
    snapshot = project.model_copy(update={
        "sources": ctx.sources, "source_files": [], "notify": [],
        "settings": {k: v for k, v in project.settings.items() if k not in SECRET_SETTINGS}})
    (ctx.workdir / PROJECT_SNAPSHOT).write_text(snapshot.model_dump_json(indent=1))
    return ctx


def default_context() -> Context:
    """The context that settings alone describe (project config and work directory from the
    environment): what the Airflow DAG uses."""
    from brandradar.settings import Settings

    os.umask(PRIVATE_UMASK)
    base = Settings()
    ctx = load_context(base.project_config, base.workdir)
    ctx.settings.pseudonym_key()
    return ctx


def context_from_workdir(workdir: Path, **overrides: Any) -> Context:
    """The context of a work directory a pipeline has run in (from its project snapshot)."""
    snap = workdir / PROJECT_SNAPSHOT
    copy = shared_copy(Settings(workdir=workdir, **overrides))
    if copy is not None:
        # A reader of a team deployment: the snapshot the last index published.
        copy.pull([PROJECT_SNAPSHOT])
    if not snap.exists():
        raise ConfigError(f"{snap}: not found (run 'brandradar run' or 'brandradar demo' first)")
    project = ProjectConfig.model_validate_json(snap.read_text())
    settings = project_settings(project, workdir=workdir, **overrides)
    demo = (workdir / "demo" / "ground_truth.jsonl").exists()
    if demo and settings.author_key is None:
        settings.author_key = SecretStr(DEMO_AUTHOR_KEY)
    return Context(project, settings, resolve_sources(project), demo=demo)


def new_run_id() -> str:
    """A sortable id for one pipeline run, unique also for runs started in the same second."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%f")


def crawl_stage(ctx: Context, run_id: str, names: list[str] | None = None) -> dict[str, Any]:
    """Crawl the given sources (all by default) into the raw archive; return stats per source."""
    from brandradar.crawlers.redact import AUDIT
    from brandradar.crawlers.run import crawl
    from brandradar.crawlers.state import open_state

    sources = [ctx.source(n) for n in names] if names else ctx.sources
    # The erasures (``brandradar forget``): a re-crawl on any machine keeps erased people out.
    with sharing(ctx.settings, reads=[AUDIT.as_posix()],
                 writes=[*(f"raw/source={s.name}" for s in sources), f"runs/{run_id}"]):
        # Opened (and an earlier release's file taken over) before the crawl: a state that
        # cannot be read is one line here, not a failure inside every source's crawl.
        state = open_state(ctx.workdir, ctx.settings.state_url_value())
        stats = crawl(sources, ctx.settings, run_id)
        coverage = {}
        for name, st in stats.items():
            failed = {k.split("/", 2)[2]: v for k, v in st.items()
                      if k.startswith("fetch/error/")}
            failed.update({f"http_{k.rsplit('/', 1)[1]}": v for k, v in st.items()
                           if k.startswith("fetch/status/") and not k.endswith(("/200", "/304"))})
            coverage[name] = {
                "discovered": st.get("pages/discovered", 0),
                "skipped_seen": st.get("pages/skipped/seen", 0),
                "not_modified": sum(v for k, v in st.items() if k.endswith("/not_modified")),
                "fetched": sum(v for k, v in st.items() if k.startswith("fetch/status/")),
                "archived": sum(v for k, v in st.items() if k.startswith("pages/archived/")),
                "failed": failed,
                "refused": st.get("guard/refused", 0) + st.get("guard/refused_in_browser", 0),
                "finish_reason": st.get("finish_reason"),
            }
        # Articles that failed and are not archived yet (tried again by later runs).
        for name, cov in coverage.items():
            retrying, given_up = state.missing(name, ctx.settings.article_retry_attempts)
            cov["missing"] = {"retrying": retrying, "given_up": given_up}
        for name, cov in coverage.items():
            _write_run(ctx, run_id, f"crawl-{name}", cov)
        return coverage


def extract_stage(ctx: Context, name: str, run_id: str | None = None,
                  force: bool = False) -> dict[str, Any]:
    """Extract documents of one source from its raw archive (changed days only unless force)."""
    from brandradar.extract import extract_source

    mine = [f"raw/source={name}", f"documents/source={name}"]
    runs = [f"runs/{run_id}"] if run_id else []
    with sharing(ctx.settings, reads=mine, writes=[mine[1], *runs]):
        counts = extract_source(ctx.source(name), ctx.workdir, ctx.settings.extract_workers,
                                run_id, force)
        if run_id:
            _write_run(ctx, run_id, f"extract-{name}", counts)
        return counts


def enrich_stage(ctx: Context, name: str, annotator: Any = None,
                 force: bool = False) -> dict[str, Any]:
    """Enrich documents of one source (language, mentions, sentiment, key phrases)."""
    from brandradar.enrich import enrich_source
    from brandradar.nlp.pipeline import Annotator

    mine = [f"enriched/source={name}", f"mentions/source={name}"]
    with sharing(ctx.settings, reads=[f"documents/source={name}", *mine, f"enriched/{VERSION_FILE}",
                                      "models"], writes=mine):
        annotator = annotator or Annotator(
            ctx.brands, sentiment=ctx.settings.sentiment, topics=ctx.project.topics,
            model=active_model(ctx.workdir))
        return enrich_source(name, ctx.workdir, ctx.brands, ctx.settings.pseudonym_key(ctx.demo),
                             annotator, force)


def stories_stage(ctx: Context) -> dict[str, Any]:
    """Cluster near-duplicate articles into stories across all sources."""
    from brandradar.enrich import cluster_stories

    shared = ["enriched", "mentions", "state/stories.json", "state/lead-vectors.parquet"]
    with sharing(ctx.settings, reads=shared, writes=shared):
        return cluster_stories(ctx.workdir)


def index_stage(ctx: Context) -> dict[str, Any]:
    """Bring the store up to date with the enriched partitions that changed since the last run
    (see :mod:`brandradar.index.manifest`), and the Elasticsearch projection with them.

    The store is published even when the projection fails: the metrics never wait for
    Elasticsearch; the stage then fails naming the documents still to send.
    """
    from brandradar.index.store import STORE_FILE
    from brandradar.retention import apply_retention

    # Expired partitions go first: the sync below then removes their rows from the store and
    # from the Elasticsearch copy in this same run. With a shared work directory retention
    # removes them there, and the pull below removes this machine's copies.
    copy = shared_copy(ctx.settings)
    expired = apply_retention(ctx.workdir, ctx.project.retention,
                              shared=(copy.fs, copy.root) if copy else None)
    with sharing(ctx.settings, reads=["enriched", "mentions", STORE_FILE],
                 writes=[STORE_FILE, PROJECT_SNAPSHOT]):
        return _index(ctx, expired)


def _index(ctx: Context, expired: dict[str, int]) -> dict[str, Any]:
    from brandradar.index.manifest import scan
    from brandradar.index.store import open_store, writing

    # A team's corrected labels beat the model's, in every metric from the next index on.
    labels = [(c.mention_id, c.new, LABEL_SCORES[c.new])
              for c in current_corrections(ctx.workdir, ctx.settings.state_url_value()).values()]
    behind: TransientError | None = None
    with writing(open_store(ctx.settings)) as store:
        sync = store.sync(scan(ctx.workdir), labels, LABEL_VERSION)
        _compact_after_rotation(ctx, store)
        counts: dict[str, Any] = {**store.counts(), "partitions": sync.partitions,
                                  "expired_partitions": sum(expired.values()),
                                  "written": len(sync.written), "removed": len(sync.removed),
                                  "corrected_labels": sync.corrected}
        if ctx.settings.store == "elasticsearch":
            from brandradar.index.projection import update_projection

            try:
                counts.update(update_projection(store, ctx.settings,
                                                [*sync.written, *sync.removed]))
            except TransientError as exc:
                behind = exc
    if behind is not None:
        raise behind
    return counts


def _compact_after_rotation(ctx: Context, store: DuckDBStore) -> None:
    """A new pseudonym key replaced every pseudonym: the old ones must not stay in the store's
    freed blocks, so the store is rewritten compactly when it publishes."""
    from brandradar.enrich import key_id

    if ctx.settings.author_key is None:
        return
    current = key_id(ctx.settings.author_key.get_secret_value())
    before = store.meta("pseudonym_key_id")
    if before is not None and before != current:
        store.compact_on_close = True
    if before != current:
        store.set_meta("pseudonym_key_id", current)


def incomplete_sources(ctx: Context) -> list[str]:
    """Sources whose last crawl failed or fetched errors: their quiet hours are not calm."""
    from brandradar.health import source_health

    return sorted(h["source"] for h in source_health(ctx.workdir) if "crawl_errors" in h["flags"]
                  or "crawl_failed" in h["flags"])


def analyse_stage(ctx: Context, now: datetime | None = None) -> dict[str, Any]:
    """Compute alerts, trending topics and sources health, stored with the metrics (and sent to
    the Elasticsearch projection in a team deployment)."""
    from brandradar.index.store import STORE_FILE

    with sharing(ctx.settings, reads=["runs", STORE_FILE], writes=[STORE_FILE]):
        return _analyse(ctx, now or datetime.now(UTC))


def _analyse(ctx: Context, now: datetime) -> dict[str, Any]:
    from brandradar.health import source_health
    from brandradar.index.analytics import detect_alerts, trending_topics
    from brandradar.index.store import health_rows, open_store, trend_rows, writing

    behind: TransientError | None = None
    with writing(open_store(ctx.settings)) as store:
        alerts = detect_alerts(store, ctx.brands, ctx.project.alerts, now,
                               incomplete_sources=incomplete_sources(ctx))
        health = health_rows(source_health(ctx.workdir), now)
        trends = trending_topics(store, ctx.project.trends, now)
        for brand in ctx.brands:
            trends.extend(trending_topics(store, ctx.project.trends, now, brand.name))
        store.save_alerts(alerts)
        store.save_health(health)
        store.save_trends(trend_rows(trends, now))
        if ctx.settings.store == "elasticsearch":
            from brandradar.index.projection import update_analysis

            try:
                update_analysis(store, ctx.settings, alerts, trend_rows(trends, now), health)
            except TransientError as exc:
                behind = exc
    result: dict[str, Any] = {"alerts": len(alerts), "trends": len(trends)}
    if ctx.project.notify:
        from brandradar.notify import notify

        result["notifications"] = notify(
            alerts, ctx.project.notify, engine_for(ctx.workdir, ctx.settings.state_url_value()),
            legacy=ctx.workdir / "state" / "notified.json")
    # Alerts reach people even while Kibana's copy is behind; the stage still fails, loudly.
    if behind is not None:
        raise behind
    return result


def report_stage(ctx: Context, fmt: str, out: Path, since: datetime | None = None,
                 until: datetime | None = None, brands: list[str] | None = None,
                 table: str = "brands") -> Path:
    """Write the competitor report for a period (default: the last 7 days) and brands; as CSV,
    ``table`` says which: one row per brand, or the period's ``mentions``."""
    from brandradar.dashboards.reports.report import write_report

    return write_report(ctx, fmt, out, since, until, brands, table)


def _write_run(ctx: Context, run_id: str, name: str, data: dict[str, Any]) -> None:
    folder = ctx.workdir / "runs" / run_id
    folder.mkdir(parents=True, exist_ok=True)
    record = {**data, "written_at": datetime.now(UTC).isoformat()}
    (folder / f"{name}.json").write_text(json.dumps(record, indent=1, default=str))


def run_pipeline(ctx: Context, progress: Any = None, crawl: bool = True) -> dict[str, Any]:
    """crawl → extract → enrich → stories → index → analyse, without Airflow.

    Without a crawl this is a re-processing run: every partition is extracted and enriched
    again from the raw archive (after a parser, model or brand change).
    """

    def step(msg: str) -> None:
        if progress is not None:
            progress(msg)

    # Refused before any crawling, not at the enrich or index stage.
    ctx.settings.pseudonym_key(ctx.demo)
    if ctx.settings.store == "elasticsearch":
        require("elasticsearch")
    with run_lock(ctx.workdir, ctx.settings.state_url_value()):
        return _run_locked(ctx, step, crawl)


def _run_locked(ctx: Context, step: Callable[[str], None], crawl: bool) -> dict[str, Any]:

    run_id = new_run_id()
    with record_run(ctx.workdir, ctx.settings.state_url_value(), run_id) as outcome:
        summary = _stages(ctx, step, crawl, run_id)
        outcome["status"] = "incomplete" if summary.get("failed_sources") else "ok"
    return summary


def _stages(ctx: Context, step: Callable[[str], None], crawl: bool,
            run_id: str) -> dict[str, Any]:
    from brandradar.nlp.pipeline import Annotator

    summary: dict[str, Any] = {"run_id": run_id}
    if crawl:
        step(f"crawl: {len(ctx.sources)} sources")
        summary["crawl"] = crawl_stage(ctx, run_id)
    annotator = Annotator(ctx.brands, sentiment=ctx.settings.sentiment, topics=ctx.project.topics,
                          model=active_model(ctx.workdir))
    summary["extract"], summary["enrich"] = {}, {}
    for s in ctx.sources:
        try:
            step(f"extract: {s.name}")
            summary["extract"][s.name] = extract_stage(ctx, s.name, run_id, force=not crawl)
            step(f"enrich: {s.name}")
            summary["enrich"][s.name] = enrich_stage(ctx, s.name, annotator, force=not crawl)
        except BrandradarError as exc:
            log.error("source %s failed: %s", s.name, exc)
            summary.setdefault("failed_sources", {})[s.name] = str(exc)
    step("stories")
    summary["stories"] = stories_stage(ctx)
    step(f"index: {ctx.settings.store}")
    summary["index"] = index_stage(ctx)
    step("analyse")
    summary["analyse"] = analyse_stage(ctx)
    _write_run(ctx, run_id, "summary", summary)
    return summary
