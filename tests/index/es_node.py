"""Test only: the client node osmem-server (the in-memory Elasticsearch stand-in) accepts."""

from __future__ import annotations

from typing import Any

from elastic_transport import Urllib3HttpNode


class PlainJsonNode(Urllib3HttpNode):
    """Test only: osmem-server rejects the client's vendor media type with 406."""

    def perform_request(self, method: str, target: str, body: bytes | None = None,
                        headers: Any = None, **kw: Any) -> Any:
        h = dict(headers or {})
        for k in list(h):
            if k.lower() in ("accept", "content-type"):
                h[k] = "application/json"
        return super().perform_request(method, target, body=body, headers=h, **kw)
