"""`brandradar kibana import`: the saved-objects import request, and clear errors.

No Kibana can run here: a small local stand-in for its import endpoint checks the request the
real API expects (POST, kbn-xsrf, multipart file, overwrite=true) and answers as Kibana does. The
same command runs against a real Kibana in the `live` test when KIBANA_URL is set.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from email.parser import BytesParser
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from brandradar.dashboards.kibana.build import load_objects
from tests.conftest import run_cli


@pytest.fixture
def fake_kibana() -> Iterator[tuple[str, list[dict[str, Any]], dict[str, Any]]]:
    requests: list[dict[str, Any]] = []
    answer: dict[str, Any] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            msg = BytesParser(policy=default).parsebytes(
                b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body)
            parts = list(msg.iter_parts())
            requests.append({"path": self.path, "xsrf": self.headers.get("kbn-xsrf"),
                             "auth": self.headers.get("Authorization"),
                             "file": parts[0].get_filename(), "lines": parts[0].get_content()})
            status = answer.get("status", 200)
            out = json.dumps(answer.get("json", {"success": True, "successCount": 8})).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args: object) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}", requests, answer
    srv.shutdown()
    srv.server_close()


def test_import_sends_every_object_with_overwrite(fake_kibana: Any) -> None:
    url, requests, _ = fake_kibana
    proc = run_cli("kibana", "import", "--url", url, "--space", "marketing",
                   env={"BRANDRADAR_KIBANA_API_KEY": "k3y"})
    assert proc.returncode == 0, proc.stderr
    assert "imported 8 saved objects" in proc.stdout
    (req,) = requests
    assert req["path"] == "/s/marketing/api/saved_objects/_import?overwrite=true"
    assert req["xsrf"] == "true" and req["auth"] == "ApiKey k3y"
    lines = [json.loads(line) for line in req["lines"].splitlines()]
    assert [o["id"] for o in lines] == [o["id"] for o in load_objects()]


def test_refused_objects_and_credentials_are_named(fake_kibana: Any) -> None:
    url, _, answer = fake_kibana
    answer["json"] = {"success": False, "successCount": 7, "errors": [
        {"id": "brandradar-sentiment", "type": "lens", "error": {"type": "missing_references"}}]}
    proc = run_cli("kibana", "import", "--url", url)
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith("lens/brandradar-sentiment: missing_references")
    answer.update(status=401, json={"message": "unauthorized"})
    proc = run_cli("kibana", "import", "--url", url)
    assert proc.returncode == 2 and "refused the credentials (401)" in proc.stderr


def test_unreachable_kibana_is_named() -> None:
    proc = run_cli("kibana", "import", "--url", "http://127.0.0.1:9")
    assert proc.returncode == 2 and "cannot reach Kibana at http://127.0.0.1:9" in proc.stderr


@pytest.mark.live
def test_live_import() -> None:
    if not os.environ.get("KIBANA_URL"):
        pytest.skip("KIBANA_URL not set")
    proc = run_cli("kibana", "import", "--url", os.environ["KIBANA_URL"],
                   env={"BRANDRADAR_KIBANA_API_KEY": os.environ.get("KIBANA_API_KEY", "")})
    assert proc.returncode == 0, proc.stderr
