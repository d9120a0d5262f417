"""A local S3-compatible server for the tests of the shared work directory: moto's server mode
on loopback, with the standard AWS environment pointing at it (the way a deployment points
brandradar at its object store)."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from moto.server import ThreadedMotoServer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def s3_server(bucket: str = "brandradar-team") -> Iterator[dict[str, str]]:
    """A moto S3 server with ``bucket`` created; yields the AWS environment that reaches it
    (also set in this process's environment while the block runs)."""
    import fsspec

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    # The server logs every request to stderr through werkzeug.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server.start()
    env = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
           "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}"}
    try:
        with mock.patch.dict(os.environ, env):
            fsspec.filesystem("s3", skip_instance_cache=True).mkdir(bucket)
            yield env
    finally:
        server.stop()
