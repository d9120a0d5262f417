"""The Airflow DAG: imports cleanly, is configured as we require, and runs on the demo web."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DAGS = ROOT / "dags"
# The demo web on its default ports: one module at a time (conftest.py).
pytestmark = pytest.mark.xdist_group("demo_default_ports")


@pytest.fixture(scope="module")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("airflow")
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], env=env, check=True,
                   capture_output=True, timeout=300)
    return home


def _env(home: Path, workdir: Path | None = None) -> dict[str, str]:
    env = {**os.environ, "AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
           "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS)}
    if workdir is not None:
        env["BRANDRADAR_WORKDIR"] = str(workdir)
        env["BRANDRADAR_PROJECT_CONFIG"] = str(resources.files("brandradar.demo") / "project.yaml")
    return env


_CHECK = """
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder={folder!r})
assert not bag.import_errors, bag.import_errors
dag = bag.dags["brandradar_pipeline"]
assert dag.tags
for t in dag.tasks:
    assert t.retries >= 2 and t.execution_timeout is not None, t.task_id
# Mapped per source as a group: each source's crawl → extract → enrich is its own chain.
mapped = sorted(t.task_id for t in dag.tasks if t.get_closest_mapped_task_group() is not None)
print("MAPPED", ",".join(mapped))
weekly = bag.dags["brandradar_weekly_report"]
assert all(t.retries >= 2 and t.execution_timeout is not None for t in weekly.tasks)
print("WEEKLY", weekly.timetable.expression)
"""


def test_dagbag_imports_with_retries_and_timeouts(airflow_home: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", _CHECK.format(folder=str(DAGS))],
                          env=_env(airflow_home), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "MAPPED per_source.crawl,per_source.enrich,per_source.extract" in \
        proc.stdout.splitlines()
    assert "WEEKLY 0 0 * * 1" in proc.stdout.splitlines()


_RUN = """
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk.exceptions import AirflowFailException
import brandradar.stages
from brandradar.demo.server import DemoServer

real_crawl = brandradar.stages.crawl_stage

def crawl_stage(ctx, run_id, sources):
    # One worker loses its source for good: the others must go on.
    if sources == ["demo_bike_reviews"]:
        raise AirflowFailException("demo_bike_reviews: worker lost")
    return real_crawl(ctx, run_id, sources)

brandradar.stages.crawl_stage = crawl_stage
bag = DagBag(dag_folder={folder!r})
with DemoServer():
    run = bag.dags["brandradar_pipeline"].test()
print("STATE", run.state)
for ti in sorted(run.get_task_instances(), key=lambda t: (t.task_id, t.map_index)):
    print("TI", ti.task_id, ti.map_index, ti.state)
report = bag.dags["brandradar_weekly_report"].test()
print("REPORT", report.state)
"""


@pytest.mark.long
def test_dag_runs_the_pipeline_on_the_demo_web(airflow_home: Path, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-c", _RUN.format(folder=str(DAGS))],
                          env=_env(airflow_home, tmp_path), capture_output=True, text=True, timeout=900)
    # The lost source fails the run, but not the other sources' crawl, index and alerts.
    assert "STATE failed" in proc.stdout, (proc.stdout[-2000:], proc.stderr[-4000:])
    states = [line.split()[1:] for line in proc.stdout.splitlines() if line.startswith("TI ")]
    failed = [s for s in states if s[2] != "success"]
    assert sorted(failed) == [["per_source.crawl", "3", "failed"],
                              ["per_source.enrich", "3", "upstream_failed"],
                              ["per_source.extract", "3", "upstream_failed"],
                              ["sources_complete", "-1", "upstream_failed"]], states
    import duckdb

    con = duckdb.connect(str(tmp_path / "brandradar.duckdb"), read_only=True)
    (docs,) = con.execute("SELECT count(*) FROM documents").fetchone() or (0,)
    (sources,) = con.execute("SELECT count(DISTINCT source) FROM documents").fetchone() or (0,)
    (alerts,) = con.execute("SELECT count(*) FROM alerts").fetchone() or (0,)
    assert docs > 1000 and sources == 3 and alerts >= 1
    assert "REPORT success" in proc.stdout, (proc.stdout[-2000:], proc.stderr[-4000:])
    written = sorted(p.suffix for p in (tmp_path / "reports").iterdir())
    assert written == [".html", ".json", ".pdf", ".xlsx"]
    assert all(p.stat().st_size > 1000 for p in (tmp_path / "reports").iterdir())
