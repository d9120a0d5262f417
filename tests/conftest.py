"""Shared fixtures: one real `brandradar demo --once` run for the end-to-end tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.postgres import database

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
ARTIFACTS = ROOT / "test-artifacts"
# Not the default address: the demo sources must follow the server (and a developer's own demo
# on the default ports does not disturb the tests). A second test run on the same machine (a
# CI clone next to a working copy) picks another loopback address with BRANDRADAR_TEST_DEMO_HOST.
DEMO_HOST = os.environ.get("BRANDRADAR_TEST_DEMO_HOST", "127.0.0.3")
DEMO_PORT_BASE = 8881
DEMO_ENV = {"BRANDRADAR_DEMO_HOST": DEMO_HOST, "BRANDRADAR_DEMO_PORT_BASE": str(DEMO_PORT_BASE)}
# Runs outside the demo need a pseudonym key of their own (tests/test_secrets.py checks the
# refusal without one); this one is for tests only, the way a deployment sets its own.
TEST_AUTHOR_KEY = "tests-only-pseudonym-key-0f3a9c"
os.environ.setdefault("BRANDRADAR_AUTHOR_KEY", TEST_AUTHOR_KEY)


def run_cli(*args: str, workdir: Path | None = None, input_text: str | None = None,
            env: Mapping[str, str | None] | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run the installed `brandradar` command as a user would (``env`` values of None remove
    the variable)."""
    cmd = [sys.executable, "-m", "brandradar.cli", *args]
    merged = {k: v for k, v in {**os.environ, **(env or {})}.items() if v is not None}
    return subprocess.run(cmd, capture_output=True, text=True, input=input_text, timeout=timeout,
                          env=merged, cwd=workdir or ROOT)


# Tests that share an expensive session fixture run on one pytest-xdist worker, so the fixture
# runs once; every other module keeps its tests on one worker (its module-scoped fixtures run
# once, and its servers never meet a copy of themselves on another worker).
_SHARED_RUNS = ("demo_run", "real_news_run")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups into the test ids
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give every test an ``xdist_group`` (``make test`` runs ``--dist loadgroup``): the shared
    run it uses, else the one its module uses, else its module; an explicit group wins."""
    uses: dict[str, set[str]] = {}
    for item in items:
        uses.setdefault(item.path.as_posix(), set()).update(getattr(item, "fixturenames", ()))
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        mine = [f for f in _SHARED_RUNS if f in getattr(item, "fixturenames", ())]
        module = [f for f in _SHARED_RUNS if f in uses[item.path.as_posix()]]
        group = (mine or module or [item.path.relative_to(ROOT).as_posix()])[0]
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`brandradar demo --once` into a fresh work directory, run once per test session."""
    workdir = tmp_path_factory.mktemp("demo")
    proc = run_cli("demo", "--once", "--workdir", str(workdir), env=DEMO_ENV)
    assert proc.returncode == 0, proc.stderr[-3000:]
    truth = [json.loads(line) for line in (workdir / "demo" / "ground_truth.jsonl").open()]
    return {"workdir": workdir, "truth": truth, "stderr": proc.stderr}


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for screenshots and other files a person looks at after a test run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database on 127.0.0.1 (its plain postgresql:// URL, as a user writes
    it), dropped after the test; skipped where no PostgreSQL runs."""
    stack = ExitStack()
    try:
        url = stack.enter_context(database("brandradar_test"))
    except sa.exc.OperationalError as exc:
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432 ({str(exc).splitlines()[0]})")
    with stack:
        yield url.replace("postgresql+psycopg://", "postgresql://")
