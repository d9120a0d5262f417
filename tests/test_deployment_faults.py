"""Faults of a team deployment on the machine's own servers: PostgreSQL restarted in the middle
of a `brandradar run` that keeps its team state there, and Redis (the Celery broker) gone for a
minute in the middle of a DAG run on the Celery deployment. Each run either goes on or fails
loudly, and the next run leaves every demo document exactly once.

They restart the machine's PostgreSQL and Redis, so they run in ``make test-deployment`` only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import pytest
import sqlalchemy as sa

from brandradar.demo.server import DemoServer
from tests.airflow_celery import demo_deployment, store_documents
from tests.postgres import database

pytestmark = pytest.mark.deployment

PROJECT = str(resources.files("brandradar.demo") / "project.yaml")
DAG = "brandradar_pipeline"


def _wait_for_seen(state_url: str, timeout: float = 300) -> None:
    """Wait until a crawl has marked its first articles in the team state."""
    engine = sa.create_engine(state_url)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                with engine.connect() as c:
                    if c.execute(sa.text("SELECT count(*) FROM crawl_seen")).scalar():
                        return
            except sa.exc.ProgrammingError:  # not migrated yet
                pass
            time.sleep(0.2)
    finally:
        engine.dispose()
    raise TimeoutError("the crawl marked nothing")


def _restart_postgresql() -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
                   check=True, capture_output=True, timeout=180)


def _run(work: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "brandradar.cli", "run", "--config", PROJECT,
                           "--workdir", str(work)], env=env, capture_output=True, text=True,
                          timeout=1200)


def test_postgresql_restarted_during_a_run(tmp_path: Path) -> None:
    work = tmp_path / "work"
    with database("brandradar_state") as state, DemoServer() as server:
        env = {**os.environ, "BRANDRADAR_STATE_URL": state}
        proc = subprocess.Popen([sys.executable, "-m", "brandradar.cli", "run", "--config",
                                 PROJECT, "--workdir", str(work)], env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _wait_for_seen(state)
        _restart_postgresql()
        _, err = proc.communicate(timeout=1200)
        print(f"run during the restart: exit {proc.returncode}; {err.strip()[-300:]}")
        # Either the run went on, or it failed with one line saying why.
        assert proc.returncode == 0 or ("Traceback" not in err and "error" in err), err[-3000:]
        again = _run(work, env)
        assert again.returncode == 0, again.stderr[-3000:]
        expected = len(server.web.truth)
    assert store_documents(work) == (expected, expected)


def _redis_down() -> None:
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "shutdown", "nosave"], capture_output=True,
                   timeout=30)


def _redis_up() -> None:
    subprocess.run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1",
                    "--port", "6379", "--save", "", "--appendonly", "no", "--dir",
                    "/var/lib/redis"], check=True, capture_output=True, timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ping = subprocess.run(["redis-cli", "-h", "127.0.0.1", "ping"], capture_output=True,
                              text=True, timeout=10)
        if ping.stdout.strip() == "PONG":
            return
        time.sleep(0.5)
    raise TimeoutError("redis did not come back")


def test_redis_gone_for_a_minute_during_a_dag_run(tmp_path: Path) -> None:
    with demo_deployment(tmp_path) as demo:
        dep = demo.dep
        dep.wait_for_dag(DAG)
        first = dep.unpause(DAG)
        _wait_for_seen(demo.state_url)
        _redis_down()
        try:
            time.sleep(60)
        finally:
            _redis_up()
        if dep.wait_for_run(DAG, first, 1500) != "success":
            # Failed loudly (the run is red in Airflow); the next run completes it.
            second = "manual__after_redis"
            dep.airflow("dags", "trigger", DAG, "--run-id", second)
            assert dep.wait_for_run(DAG, second, 1500) == "success"
    assert store_documents(demo.workdir) == (demo.documents, demo.documents)
