"""A team teaches its own project: label corrections (CLI and dashboard API) are kept with who
and when, count in the metrics from the next index, and train the project's own sentiment heads,
which become active only through reprocess → switch. On a real demo run."""

from __future__ import annotations

import json
import shutil
import threading
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from brandradar.dashboards.web.server import serve
from brandradar.index.duckdb.store import DuckDBStore
from brandradar.labels import LabelStore, correct, store_path
from brandradar.nlp.sentiment_model import SentimentModel
from brandradar.parquet import partitions, read_rows
from brandradar.stages import context_from_workdir, index_stage
from tests.conftest import run_cli

pytestmark = pytest.mark.slow


@pytest.fixture()
def work(demo_run: dict[str, Any], tmp_path: Path) -> Path:
    path = tmp_path / "w"
    shutil.copytree(demo_run["workdir"], path, ignore=shutil.ignore_patterns("raw", "*.warc.gz"))
    return path


def _sentiment_in_store(work: Path, mention_id: str) -> str:
    store = DuckDBStore(work / "brandradar.duckdb", read_only=True)
    try:
        row = store.con.execute("SELECT sentiment FROM mentions WHERE mention_id = ?",
                               [mention_id]).fetchone()
    finally:
        store.close()
    assert row is not None
    return str(row[0])


@pytest.mark.long
def test_corrections_are_kept_count_in_metrics_and_train_a_project_head(work: Path) -> None:
    proc = run_cli("label", "queue", "--workdir", str(work), "--limit", "6", "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    queue = json.loads(proc.stdout)
    assert len(queue) == 6 and all(m["sentiment"] != "unscored" for m in queue)
    flips = {"positive": "negative", "negative": "positive", "neutral": "negative"}
    for m in queue:
        proc = run_cli("label", "set", m["mention_id"], flips[m["sentiment"]], "--by", "anna",
                       "--workdir", str(work))
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert f"{m['sentiment']} → {flips[m['sentiment']]}, by anna" in proc.stdout
    # a second correction of one mention keeps both, the newest wins
    first = queue[0]
    proc = run_cli("label", "set", first["mention_id"], "neutral", "--by", "ben",
                   "--workdir", str(work))
    assert f"{flips[first['sentiment']]} → neutral, by ben" in proc.stdout
    history = json.loads(run_cli("label", "list", "--workdir", str(work), "--json").stdout)
    assert len(history) == 7 and [h["by"] for h in history[-2:]] == ["anna", "ben"]
    team = work / "state" / "team.sqlite"
    assert (team.stat().st_mode & 0o077) == 0  # not readable by others

    # the metrics show the human label from the next index on
    assert _sentiment_in_store(work, first["mention_id"]) == first["sentiment"]
    counts = index_stage(context_from_workdir(work))
    assert counts["corrected_labels"] == 6
    assert _sentiment_in_store(work, first["mention_id"]) == "neutral"
    assert _sentiment_in_store(work, queue[1]["mention_id"]) == flips[queue[1]["sentiment"]]

    # a project head: a new model file, inactive until reprocess → switch
    proc = run_cli("label", "train", "--workdir", str(work))
    assert proc.returncode == 0, proc.stderr[-2000:]
    model_file = Path(proc.stdout.split(":")[0])
    assert model_file.parent == work / "models" and model_file.is_file()
    project = SentimentModel(model_file.read_bytes())
    assert sum(project.summary["project"]["corrections"].values()) == 6
    proc = run_cli("reprocess", "--workdir", str(work), "--model", str(model_file), "--json")
    assert proc.returncode == 0, proc.stderr[-2000:]
    vid = json.loads(proc.stdout)["version"]
    new_rows = read_rows(partitions(work / "versions" / vid, "mentions"))
    assert new_rows and all(project.version in r["versions"] for r in new_rows)
    assert not any(project.version in r["versions"] for r in read_rows(partitions(work, "mentions")))
    assert run_cli("reprocess", "--workdir", str(work), "--switch", vid).returncode == 0
    from brandradar.reprocess import active_model

    assert Path(active_model(work)) == model_file  # later runs enrich with the project's head


def test_bad_corrections_are_refused_with_one_line(work: Path) -> None:
    proc = run_cli("label", "set", "no-such-mention", "positive", "--by", "anna",
                   "--workdir", str(work))
    assert proc.returncode == 2 and "no-such-mention: not found" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    proc = run_cli("label", "train", "--workdir", str(work))
    assert proc.returncode == 2 and "no label corrections yet" in proc.stderr
    # a corrupted store is named, not a traceback
    team = work / "state" / "team.sqlite"
    team.parent.mkdir(parents=True, exist_ok=True)
    team.write_bytes(b"this is not a database" * 100)
    proc = run_cli("label", "list", "--workdir", str(work))
    assert proc.returncode == 2 and "team.sqlite: not reachable or not migratable" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    team.unlink()
    # an earlier release's label store is taken over once; a corrupted one is named
    store_path(work).write_bytes(b"this is not a database" * 100)
    proc = run_cli("label", "list", "--workdir", str(work))
    assert proc.returncode == 2 and "labels.sqlite: not a readable label store" in proc.stderr


def test_the_dashboard_api_stores_a_correction(work: Path) -> None:
    ctx = context_from_workdir(work)
    mention = next(m for m in read_rows(partitions(work, "mentions"))
                   if m["sentiment"] in ("positive", "neutral"))
    httpd = serve(ctx, "127.0.0.1", 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/api/labels"

    def post(body: bytes, ctype: str = "application/json") -> tuple[int, Any]:
        req = urllib.request.Request(base, data=body, headers={"Content-Type": ctype})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return int(resp.status), json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return int(exc.code), exc.read().decode()

    try:
        good = json.dumps({"mention_id": mention["mention_id"], "label": "negative",
                           "by": "dashboard user"}).encode()
        status, data = post(good)
        assert status == 201 and data["old"] == mention["sentiment"] and data["new"] == "negative"
        # a form post (what a page on another site could send) is refused
        assert post(good, "text/plain")[0] == 415
        status, error = post(json.dumps({"mention_id": mention["mention_id"],
                                         "label": "great"}).encode())
        assert status == 400 and "expected" in error
        status, error = post(json.dumps({"mention_id": "nope", "label": "neutral",
                                         "by": "x"}).encode())
        assert status == 400 and "not found" in error
        with urllib.request.urlopen(base + f"?mention_id={mention['mention_id']}",
                                    timeout=10) as resp:
            listed = json.loads(resp.read())
        assert [c["new"] for c in listed] == ["negative"] and listed[0]["by"] == "dashboard user"
        # The next run indexes while the dashboard holds the store open (this failed on DuckDB's
        # file lock before); the dashboard's next request reads the store the run published.
        assert index_stage(ctx)["corrected_labels"] == 1
        with urllib.request.urlopen(base.removesuffix("labels") + "meta", timeout=10):
            pass
        row = httpd.dashboard.store.con.execute(  # type: ignore[attr-defined]
            "SELECT sentiment FROM mentions WHERE mention_id = ?", [mention["mention_id"]]
        ).fetchone()
        assert row == ("negative",)
    finally:
        httpd.shutdown()
        httpd.server_close()
    store = LabelStore(work)
    try:
        assert [c.by for c in store.history()] == ["dashboard user"]
    finally:
        store.close()
    with pytest.raises(Exception, match="not one of"):
        correct(work, mention["mention_id"], "great", "x")
