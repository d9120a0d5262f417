"""Importing the saved objects into Kibana through its saved-objects import API (overwrite)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any

from brandradar.errors import ConfigError, TransientError


def _multipart(field: str, filename: str, payload: bytes) -> tuple[bytes, str]:
    boundary = f"brandradar-{uuid.uuid4().hex}"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; "
            f"filename=\"{filename}\"\r\nContent-Type: application/ndjson\r\n\r\n").encode()
    body += payload + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def import_ndjson(kibana_url: str, ndjson: bytes, api_key: str | None = None,
                  space: str | None = None, timeout: float = 60) -> dict[str, Any]:
    """POST the NDJSON to ``/api/saved_objects/_import?overwrite=true``; return Kibana's answer.

    Raises a one-line error naming what failed: the connection, the credentials, or each object
    Kibana refused.
    """
    base = kibana_url.rstrip("/") + (f"/s/{space}" if space else "")
    body, ctype = _multipart("file", "brandradar.ndjson", ndjson)
    headers = {"kbn-xsrf": "true", "Content-Type": ctype}
    if api_key:
        headers["Authorization"] = f"ApiKey {api_key}"
    req = urllib.request.Request(f"{base}/api/saved_objects/_import?overwrite=true", data=body,
                                 headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            answer: dict[str, Any] = json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:300].decode("utf-8", "replace")
        if exc.code in (401, 403):
            raise ConfigError(f"Kibana at {kibana_url} refused the credentials ({exc.code}): "
                              f"{detail}") from exc
        raise TransientError(f"Kibana at {kibana_url} answered {exc.code}: {detail}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise TransientError(f"cannot reach Kibana at {kibana_url} ({exc})") from exc
    if not answer.get("success"):
        problems = "; ".join(f"{e.get('type')}/{e.get('id')}: {e.get('error', {}).get('type')}"
                             for e in answer.get("errors", []))
        raise ConfigError(f"Kibana imported {answer.get('successCount', 0)} objects and refused "
                          f"others: {problems or answer}")
    return answer
