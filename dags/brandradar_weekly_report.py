"""brandradar's weekly competitor report as an Airflow DAG: every Monday, the report of the 7 days
before (HTML, PDF, XLSX, JSON) is written to ``<workdir>/reports/<year>-W<week>.<format>``. The
DAG holds no logic: each task calls ``brandradar.stages.report_stage``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import dag, get_current_context, task

DEFAULT_ARGS: dict[str, Any] = {
    "owner": "brandradar",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(minutes=20),
}


@dag(
    dag_id="brandradar_weekly_report",
    # Monday 00:00 UTC: the data interval's end closes the ISO week the report covers.
    schedule="0 0 * * 1",
    start_date=datetime(2026, 1, 5),
    catchup=False,
    max_active_runs=1,
    tags=["brandradar", "reports"],
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
)
def brandradar_weekly_report() -> None:
    """One report per format for the week that just ended."""

    @task
    def report(fmt: str) -> str:
        from brandradar.stages import default_context, report_stage

        ctx = default_context()
        # A manual run may have no data interval: it reports the 7 days up to now.
        end = get_current_context().get("data_interval_end")
        until = datetime.fromisoformat(end.isoformat()) if end else datetime.now(UTC)
        since = until - timedelta(days=7)
        year, week, _ = since.isocalendar()
        out = ctx.workdir / "reports" / f"{year}-W{week:02d}.{fmt}"
        return str(report_stage(ctx, fmt, out, since, until))

    report.expand(fmt=["html", "pdf", "xlsx", "json"])


brandradar_weekly_report()
