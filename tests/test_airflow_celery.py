"""The pipeline DAG on a real Airflow CeleryExecutor deployment (tests/airflow_celery.py): the
machine's PostgreSQL for Airflow's metadata and brandradar's team state, its Redis as the broker,
two Celery workers sharing one work directory. Crawls of different sources run on different
workers at the same time; a worker killed in the middle of a run is restarted and the run still
ends complete, with every demo document once.

Minutes of work: ``make test-deployment`` (its own CI step), not ``make test``.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest

from tests.airflow_celery import Deployment, TaskRun, demo_deployment, store_documents

pytestmark = pytest.mark.deployment

DAG = "brandradar_pipeline"


def _overlap(a: TaskRun, b: TaskRun) -> bool:
    assert a.start and a.end and b.start and b.end
    return a.start < b.end and b.start < a.end


def _running_on(dep: Deployment, run_id: str, worker: str, timeout: float) -> TaskRun:
    """Wait until ``worker`` runs a task of the run; that task."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for t in dep.task_runs(DAG, run_id):
            if t.state == "running" and t.hostname == worker:
                return t
        time.sleep(1)
    raise TimeoutError(f"{worker} ran nothing of {run_id} in {timeout:.0f} s")


# Two whole DAG runs: about 8 minutes alone, more than the suite's 600 s on a loaded machine;
# the test's own waits (1200 s per run) say when it is stuck.
@pytest.mark.timeout(2400)
def test_the_dag_runs_on_two_celery_workers_and_survives_a_killed_one(tmp_path: Path) -> None:
    with demo_deployment(tmp_path) as demo:
        dep = demo.dep
        dep.wait_for_dag(DAG)
        first = dep.unpause(DAG)
        assert dep.wait_for_run(DAG, first, 1200) == "success"
        crawls = [t for t in dep.task_runs(DAG, first) if t.task_id == "per_source.crawl"]
        assert len(crawls) == 4 and all(t.state == "success" for t in crawls)
        # Different sources on different workers, at the same time.
        assert {t.hostname for t in crawls} == {"worker-1", "worker-2"}
        assert any(_overlap(a, b) for a in crawls for b in crawls
                   if a.hostname == "worker-1" and b.hostname == "worker-2")
        assert store_documents(demo.workdir) == (demo.documents, demo.documents)

        # A second run; worker-1 dies (its whole process group, the task included) while it
        # runs a task, and comes back: the run still ends complete, nothing twice.
        second = f"manual__{datetime.now():%H%M%S}"
        dep.airflow("dags", "trigger", DAG, "--run-id", second)
        victim = _running_on(dep, second, "worker-1", 600)
        dep.kill("worker-1")
        dep.start_worker(1)
        assert dep.wait_for_run(DAG, second, 1200) == "success", \
            f"{victim.task_id}[{victim.map_index}] killed; see {dep.home}/*.log"
        retried = [t for t in dep.task_runs(DAG, second)
                   if (t.task_id, t.map_index) == (victim.task_id, victim.map_index)]
        assert retried and retried[0].state == "success"
    assert store_documents(demo.workdir) == (demo.documents, demo.documents)
