"""A real Airflow deployment with the CeleryExecutor, started as processes on this machine (no
Docker here): metadata in a PostgreSQL database of its own, Redis as the broker (a queue of its
own), the api-server, scheduler, dag-processor and two Celery workers, each in its own process
group so that a test can kill one worker or stop everything.

Used by tests/test_airflow_celery.py and ``make celery-demo``; every address is loopback.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

import duckdb
import sqlalchemy as sa

from tests.postgres import database

ROOT = Path(__file__).resolve().parent.parent
REDIS = "redis://127.0.0.1:6379/0"
# Both workers run on this one machine: each tells its tasks its own name, which Airflow records
# as the task instance's host (core.hostname_callable), so a test can tell who ran what.
WORKER_NAME = "AIRFLOW_TEST_COMPONENT"


def component_name() -> str:
    """The host name Airflow records for a task: the component that ran it."""
    return os.environ.get(WORKER_NAME) or socket.getfqdn()


@dataclass(frozen=True)
class TaskRun:
    """One task instance as the metadata database recorded it."""

    task_id: str
    map_index: int
    state: str | None
    hostname: str | None
    start: datetime | None
    end: datetime | None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Deployment:
    """The running components (``components``: name → process)."""

    home: Path
    env: dict[str, str]
    metadata_url: str
    queue: str
    components: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def airflow(self, *args: str, timeout: float = 300) -> str:
        """Run an airflow CLI command; its stdout."""
        proc = subprocess.run([sys.executable, "-m", "airflow", *args], env=self.env,
                              capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"airflow {' '.join(args)}: {proc.stderr[-2000:]}")
        return proc.stdout

    def start(self, name: str, *args: str) -> None:
        """Start one component (``airflow ARGS``) in its own process group, logging to a file;
        the tasks it runs record ``name`` as their host."""
        log = (self.home / f"{name}.log").open("ab")
        self.components[name] = subprocess.Popen(
            [sys.executable, "-m", "airflow", *args], env={**self.env, WORKER_NAME: name},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def start_worker(self, n: int) -> None:
        """Start Celery worker ``n`` (named worker-n) on the deployment's queue, two tasks at
        a time."""
        # --skip-serve-logs: a worker's log server would listen on every address.
        self.start(f"worker-{n}", "celery", "worker", "--queues", self.queue, "--concurrency",
                   "2", "--celery-hostname", f"worker-{n}@%h", "--skip-serve-logs")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal a component's whole process group (a worker and the task processes it
        forked)."""
        proc = self.components[name]
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        proc.wait(60)

    def _poll(self, sql: str, params: dict[str, str], timeout: float, what: str) -> object:
        """The first value ``sql`` gives that is not empty, asked every 2 s (TimeoutError
        naming ``what`` after ``timeout`` seconds)."""
        engine = sa.create_engine(self.metadata_url)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                with engine.connect() as c:
                    value = c.execute(sa.text(sql), params).scalar()
                if value:
                    return value
                time.sleep(2)
        finally:
            engine.dispose()
        raise TimeoutError(f"{what}: not in {timeout:.0f} s; see {self.home}/*.log")

    def wait_for_dag(self, dag_id: str, timeout: float = 300) -> None:
        """Wait until the dag-processor has parsed ``dag_id`` into the database."""
        self._poll("SELECT 1 FROM serialized_dag WHERE dag_id = :d", {"d": dag_id}, timeout,
                   f"{dag_id} parsed")

    def unpause(self, dag_id: str, timeout: float = 120) -> str:
        """Unpause ``dag_id`` and return the id of the run the scheduler starts for its latest
        interval, as in production (no catch-up)."""
        self.airflow("dags", "unpause", dag_id)
        return str(self._poll("SELECT run_id FROM dag_run WHERE dag_id = :d ORDER BY id LIMIT 1",
                              {"d": dag_id}, timeout, f"a run of {dag_id}"))

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float) -> str:
        """The run's final state (success or failed), polling the metadata database."""
        return str(self._poll("SELECT state FROM dag_run WHERE dag_id = :d AND run_id = :r AND "
                              "state IN ('success', 'failed')", {"d": dag_id, "r": run_id},
                              timeout, f"{dag_id} {run_id} finished"))

    def task_runs(self, dag_id: str, run_id: str) -> list[TaskRun]:
        """Every task instance of the run, with the worker host that ran it."""
        engine = sa.create_engine(self.metadata_url)
        try:
            with engine.connect() as c:
                rows = c.execute(sa.text(
                    "SELECT task_id, map_index, state, hostname, start_date, end_date FROM "
                    "task_instance WHERE dag_id = :d AND run_id = :r ORDER BY task_id, "
                    "map_index"), {"d": dag_id, "r": run_id}).all()
        finally:
            engine.dispose()
        return [TaskRun(*r) for r in rows]


@contextmanager
def deployment(home: Path, brandradar_env: dict[str, str]) -> Iterator[Deployment]:
    """Start the deployment (metadata database migrated, every component up); stop and drop
    everything afterwards."""
    queue = f"brandradar-test-{uuid.uuid4().hex[:8]}"
    api_port = _free_port()
    with database("airflow_meta") as meta:
        env = {
            **os.environ, **brandradar_env,
            "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PARALLELISM": "8",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{api_port}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": uuid.uuid4().hex,
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": meta,
            # psycopg 3 serves the async engine too (Airflow would pick asyncpg).
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC": meta.replace("+psycopg:", "+psycopg_async:"),
            "AIRFLOW__CELERY__BROKER_URL": REDIS,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + meta,
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": queue,
            "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "tests.airflow_celery.component_name",
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        }
        dep = Deployment(home, env, meta, queue)
        try:
            dep.airflow("db", "migrate", timeout=600)
            dep.start("api-server", "api-server", "--host", "127.0.0.1", "--port", str(api_port),
                      "--workers", "1")
            dep.start("scheduler", "scheduler")
            dep.start("dag-processor", "dag-processor")
            for n in (1, 2):
                dep.start_worker(n)
            yield dep
        finally:
            for name in list(dep.components):
                dep.kill(name, signal.SIGTERM)
            for name in list(dep.components):
                dep.kill(name)


def store_documents(workdir: Path) -> tuple[int, int]:
    """(documents, distinct document ids) in the store a run published."""
    with duckdb.connect(str(workdir / "brandradar.duckdb"), read_only=True) as con:
        row = con.execute("SELECT count(*), count(DISTINCT doc_id) FROM documents").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


@dataclass(frozen=True)
class DemoDeployment:
    """The deployment running the demo project against the demo web."""

    dep: Deployment
    workdir: Path
    state_url: str
    documents: int  # what the demo web publishes


@contextmanager
def demo_deployment(tmp: Path) -> Iterator[DemoDeployment]:
    """The demo web, a team-state database of its own and the deployment running the demo
    project with them (a worker that dies is noticed after 30 s instead of 5 minutes)."""
    from brandradar.demo.server import DemoServer

    home = tmp / "airflow"
    home.mkdir()
    work = tmp / "work"
    with database("brandradar_state") as state, DemoServer() as server:
        env = {"BRANDRADAR_WORKDIR": str(work), "BRANDRADAR_STATE_URL": state,
               "BRANDRADAR_PROJECT_CONFIG": str(resources.files("brandradar.demo") /
                                                "project.yaml"),
               "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30"}
        with deployment(home, env) as dep:
            yield DemoDeployment(dep, work, state, len(server.web.truth))
