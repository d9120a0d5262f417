"""The wheel maps nlp/, index/, crawlers/ and dashboards/ under brandradar.* and ships its data;
installed without its optional parts (Airflow, the Elasticsearch client) everything but them
works, and a feature that needs one says how to install it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SUBPACKAGES = [
    "brandradar.cli", "brandradar.demo.content", "brandradar.crawlers.sources",
    "brandradar.crawlers.spiders.source_spider", "brandradar.nlp.pipeline",
    "brandradar.index.duckdb.store",
    "brandradar.dashboards.web.server", "brandradar.dashboards.reports.report",
    "brandradar.dashboards.kibana.build", "brandradar.teamstate",
]
CHECK = """
import importlib, importlib.resources as r
for m in {mods!r}:
    importlib.import_module(m)
assert r.files("brandradar.nlp").joinpath("lexicons/de.tsv").is_file()
assert r.files("brandradar.nlp").joinpath("models/sentiment-e5.npz").is_file()
assert r.files("brandradar.nlp").joinpath("models/MODEL_CARD.md").is_file()
from brandradar.nlp import encoder
assert encoder.PATCH_PATH.is_file() and "site-packages" in str(encoder.PATCH_PATH)
assert "+sentiment-" in encoder.ENCODER_VERSION
assert r.files("brandradar.nlp").joinpath("training/authored_ru.tsv").is_file()
assert r.files("brandradar.index.elasticsearch").joinpath("templates/mentions.json").is_file()
assert r.files("brandradar.dashboards.web").joinpath("static/app.js").is_file()
assert r.files("brandradar.dashboards.kibana").joinpath("objects/dashboard-overview.json").is_file()
assert r.files("brandradar.demo").joinpath("project.yaml").is_file()
import brandradar, pathlib
assert "site-packages" in str(pathlib.Path(brandradar.__file__)), brandradar.__file__
from brandradar.teamstate import engine_for  # the migrations ship and run from the wheel
import sqlalchemy
tables = sqlalchemy.inspect(engine_for(pathlib.Path("w"))).get_table_names()
assert "label_corrections" in tables, tables
from importlib.util import find_spec
assert find_spec("airflow") is None and find_spec("elasticsearch") is None  # not installed
print("ok")
"""


@pytest.mark.slow
def test_wheel_installs_and_imports_everything(tmp_path: Path) -> None:
    uv = [sys.executable, "-m", "uv"]
    subprocess.run([*uv, "build", "--wheel", "--out-dir", str(tmp_path / "dist"), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    (wheel,) = (tmp_path / "dist").glob("brandradar-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([*uv, "venv", "--python", sys.executable, str(venv)], check=True,
                   capture_output=True, timeout=120)
    py = venv / "bin" / "python"
    subprocess.run([*uv, "pip", "install", "--python", str(py), str(wheel)], check=True,
                   capture_output=True, timeout=900)
    proc = subprocess.run([str(py), "-c", CHECK.format(mods=SUBPACKAGES)], capture_output=True,
                          text=True, timeout=300, cwd=tmp_path)
    assert proc.stdout.strip().endswith("ok"), proc.stderr[-3000:]
    project = tmp_path / "p.yaml"
    project.write_text("brands: [{name: Voltaro}]\nsources: []\n")
    proc = subprocess.run([str(venv / "bin" / "brandradar"), "run", "--config", str(project),
                           "--workdir", str(tmp_path / "w")], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "BRANDRADAR_STORE": "elasticsearch"})
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr[-3000:]
    assert "pip install 'brandradar[elasticsearch]'" in proc.stderr
