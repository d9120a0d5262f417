"""The deployment kit, checked structurally (no Docker engine runs here): the compose file
parses, every image is pinned, every brandradar variable it sets is a real setting and every
secret comes from .env.example, the image extends the Airflow release the lock file pins, and
the DAG folder and the package agree."""

from __future__ import annotations

import ast
import importlib
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from brandradar.dashboards.kibana.build import MINIMUM_KIBANA
from brandradar.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return data


def _locked(name: str) -> str:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    (version,) = [p["version"] for p in lock["package"] if p["name"] == name]
    return str(version)


def _version(tag: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", tag)[:3])


def _env_example() -> dict[str, str]:
    pairs = [line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines()
             if line and not line.startswith("#")]
    return {k: v for k, v in pairs}


def test_compose_has_every_component_of_a_team_deployment() -> None:
    services = _compose()["services"]
    assert {"postgres", "redis", "airflow-init", "airflow-apiserver", "airflow-scheduler",
            "airflow-dag-processor", "airflow-triggerer", "airflow-worker-1",
            "airflow-worker-2", "elasticsearch", "kibana", "kibana-import",
            "dashboard"} <= set(services)
    workers = [s for s in services.values() if s.get("command", [""])[:2] == ["celery", "worker"]]
    assert len(workers) == 2
    for worker in workers:
        env = worker["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
        assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql")
        assert env["BRANDRADAR_STATE_URL"].startswith("postgresql://")
        # The work directory is the one shared volume.
        assert "brandradar-work:/data/brandradar" in worker["volumes"]
    assert services["elasticsearch"]["environment"]["xpack.security.enabled"] == "true"
    assert "brandradar-work:/data/brandradar" in services["dashboard"]["volumes"]


def test_every_image_is_pinned_to_a_release() -> None:
    services = _compose()["services"]
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    for name, service in services.items():
        image = service["image"]
        repo, _, tag = image.rpartition(":")
        # A release (PostgreSQL numbers its releases major.minor), never a moving tag.
        assert repo and re.fullmatch(r"\d+\.\d+(\.\d+)?(-[a-z0-9]+)?", tag), \
            f"{name}: {image} is not pinned"
        if repo == "brandradar":
            assert tag == version, f"{name}: brandradar image {tag}, package {version}"
    es = _version(services["elasticsearch"]["image"].rpartition(":")[2])
    kibana = _version(services["kibana"]["image"].rpartition(":")[2])
    assert es == kibana and kibana >= _version(MINIMUM_KIBANA)
    assert es[0] == _version(_locked("elasticsearch"))[0]  # the client's major


def test_every_variable_is_a_setting_or_comes_from_env_example() -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    fields = set(Settings.model_fields)
    for name, service in _compose()["services"].items():
        for var in service.get("environment", {}):
            if var.startswith("BRANDRADAR_"):
                assert var.removeprefix("BRANDRADAR_").lower() in fields, f"{name}: {var}"
    example = _env_example()
    used = set(re.findall(r"\$\{([A-Z0-9_]+)\}", text))
    assert used == set(example), (used ^ set(example))
    # Secrets are placeholders there, and nothing secret is written into the compose file.
    assert all(v.startswith(("change-me", "./", "https://", "admin")) for v in example.values())
    assert "password:" not in text.lower().replace("_password:", "")
    for line in (DEPLOY / "Dockerfile").read_text().splitlines():
        for var in re.findall(r"(BRANDRADAR_[A-Z_]+)=", line):
            assert var.removeprefix("BRANDRADAR_").lower() in fields, var
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in (ROOT / ".dockerignore").read_text().splitlines()


def test_the_image_extends_the_locked_airflow_and_ships_the_dag_folder() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    args = dict(re.findall(r"^ARG (\w+)=(\S+)$", dockerfile, re.M))
    assert args["AIRFLOW_VERSION"] == _locked("apache-airflow")
    python = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert f">={args['PYTHON_VERSION']}" in python
    assert "FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}" in dockerfile
    assert "constraints-${AIRFLOW_VERSION}/constraints-${PYTHON_VERSION}.txt" in dockerfile
    assert "[airflow,elasticsearch,s3]" in dockerfile
    assert re.search(r"^COPY --chown=\S+ dags/ /opt/airflow/dags/$", dockerfile, re.M)
    assert "chromium" in dockerfile


@pytest.mark.parametrize("dag", sorted((ROOT / "dags").glob("*.py")), ids=lambda p: p.name)
def test_every_name_a_dag_takes_from_brandradar_exists(dag: Path) -> None:
    imports = [(node.module, alias.name) for node in ast.walk(ast.parse(dag.read_text()))
               if isinstance(node, ast.ImportFrom) and node.module
               and node.module.startswith("brandradar") for alias in node.names]
    assert imports, f"{dag.name} takes nothing from brandradar"
    for module, name in imports:
        assert hasattr(importlib.import_module(module), name), f"{dag.name}: {module}.{name}"


def test_the_postgres_init_script_is_valid_bash() -> None:
    script = DEPLOY / "postgres-init.sh"
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    assert "CREATE DATABASE brandradar" in script.read_text()
