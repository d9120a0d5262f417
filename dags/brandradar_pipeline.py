"""brandradar's pipeline as an Airflow DAG: crawl, extract and enrich mapped over sources, then
stories, index and analyse. The DAG holds no logic: every task calls a ``brandradar.stages``
function. The project config and work directory come from brandradar's settings
(``BRANDRADAR_PROJECT_CONFIG``, ``BRANDRADAR_WORKDIR``).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import dag, get_current_context, task

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

    @task
    def stories(enriched: Any) -> dict[str, Any]:
        from brandradar.stages import default_context, stories_stage

        return stories_stage(default_context())

    @task
    def index(_: Any) -> dict[str, Any]:
        from brandradar.stages import default_context, index_stage

        return index_stage(default_context())

    @task(execution_timeout=timedelta(minutes=10))
    def analyse(_: Any) -> dict[str, Any]:
        from brandradar.stages import analyse_stage, default_context

        return analyse_stage(default_context())

    sources = list_sources()
    enriched = enrich.expand(source=extract.expand(source=crawl.expand(source=sources)))
    analyse(index(stories(enriched)))


brandradar_pipeline()
