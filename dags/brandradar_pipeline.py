"""brandradar's pipeline as an Airflow DAG: crawl → extract → enrich as one task group mapped
over the sources, then stories, index and analyse. The DAG holds no logic: every task calls a
``brandradar.stages`` function. The project config and work directory come from brandradar's
settings (``BRANDRADAR_PROJECT_CONFIG``, ``BRANDRADAR_WORKDIR``).

A source fails alone: its group's tasks are chained per source (map index), so the other
sources go on; stories, index and analyse run once every source is done and at least one
succeeded, so the alerts of the healthy sources are not held back; the leaf
``sources_complete`` then fails the run, so a broken source is never a green run. Analyse
computes alerts for the run's own data interval: a backfilled hour gets that hour's alerts.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import TriggerRule, dag, get_current_context, task, task_group

DEFAULT_ARGS: dict[str, Any] = {
    "owner": "brandradar",
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=15),
    "execution_timeout": timedelta(minutes=30),
}


def _run_id() -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", str(get_current_context()["run_id"]))[-60:]


@dag(
    dag_id="brandradar_pipeline",
    schedule="@hourly",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    tags=["brandradar", "listening"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def brandradar_pipeline() -> None:
    """Hourly listening run over every declared source."""

    @task(execution_timeout=timedelta(minutes=2))
    def list_sources() -> list[str]:
        from brandradar.stages import default_context

        return [s.name for s in default_context().sources]

    @task(max_active_tis_per_dag=4, execution_timeout=timedelta(hours=1))
    def crawl(source: str) -> str:
        from brandradar.stages import crawl_stage, default_context

        crawl_stage(default_context(), _run_id(), [source])
        return source

    @task
    def extract(source: str) -> str:
        from brandradar.stages import default_context, extract_stage

        extract_stage(default_context(), source, _run_id())
        return source

    @task
    def enrich(source: str) -> dict[str, Any]:
        from brandradar.stages import default_context, enrich_stage

        return {"source": source, **enrich_stage(default_context(), source)}

    @task_group
    def per_source(source: str) -> Any:
        # Inside a DAG a task call returns an XComArg standing for the str; the stubs say str.
        return enrich(extract(crawl(source)))  # type: ignore[arg-type]

    @task(trigger_rule=TriggerRule.ALL_DONE_MIN_ONE_SUCCESS)
    def stories() -> dict[str, Any]:
        from brandradar.stages import default_context, stories_stage

        return stories_stage(default_context())

    @task
    def index() -> dict[str, Any]:
        from brandradar.stages import default_context, index_stage

        return index_stage(default_context())

    @task(execution_timeout=timedelta(minutes=10))
    def analyse() -> dict[str, Any]:
        from brandradar.stages import analyse_stage, default_context

        # The end of the run's data interval, not the wall clock: a backfill computes the alerts
        # of its own hour. A manual run without an interval analyses up to now.
        end = get_current_context().get("data_interval_end")
        now = datetime.fromisoformat(end.isoformat()) if end else None
        return analyse_stage(default_context(), now=now)

    @task(execution_timeout=timedelta(minutes=2))
    def sources_complete() -> None:
        """Runs only when every source's crawl, extract and enrich succeeded."""

    groups = per_source.expand(source=list_sources())
    groups >> stories() >> index() >> analyse()
    groups >> sources_complete()


brandradar_pipeline()
