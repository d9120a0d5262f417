"""A phpBB board on loopback for crawl tests: a forum page linking two threads built from the
real-template test page (tests/fixtures/engines/phpbb.html; the second thread under other post
ids), and the project folder that declares it in three YAML lines."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.webserver import serve

ENGINES = Path(__file__).parent / "fixtures" / "engines"
BOARD = """<!DOCTYPE html><html lang="de"><head><title>Akkus - Pedelec-Forum</title></head>
<body id="phpbb" class="section-viewforum"><div id="page-body"><ul class="topiclist topics">
<li class="row bg1"><dl class="row-item topic_read"><dt><div class="list-inner">
<a href="./viewtopic.php?t=4711" class="topictitle">Akku vom E-Bike lädt nicht mehr voll</a>
</div></dt></dl></li>
<li class="row bg2"><dl class="row-item topic_read"><dt><div class="list-inner">
<a href="./viewtopic.php?t=4712" class="topictitle">Voltera Service</a>
</div></dt></dl></li></ul></div></body></html>"""


@contextmanager
def phpbb_board(folder: Path) -> Iterator[tuple[Path, list[str]]]:
    """Serve the board; yield the project config written into ``folder`` (source
    ``pedelec_forum``, ``engine: phpbb``) and the server's request log."""
    thread = (ENGINES / "phpbb.html").read_bytes()
    routes = {"/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\n"),
              "/viewforum.php?f=3": (200, {}, BOARD.encode()),
              "/viewtopic.php?t=4711": (200, {}, thread),
              "/viewtopic.php?t=4712": (200, {}, thread.replace(b"p81", b"p91")
                                        .replace(b'data-post-id="81', b'data-post-id="91'))}
    with serve(routes) as (base, seen):
        (folder / "sources").mkdir(exist_ok=True)
        (folder / "sources" / "pedelec_forum.yaml").write_text(
            f"kind: forum\nlanguages: [de]\nengine: phpbb\nlisting:\n"
            f"  start_urls: ['{base}/viewforum.php?f=3']\n  link: 'a.topictitle::attr(href)'\n")
        config = folder / "project.yaml"
        config.write_text("brands: [{name: Voltera}]\nsource_files: [pedelec_forum]\n"
                          "settings: {allow_private_hosts: ['127.0.0.1'], download_delay: 0}\n")
        yield config, seen


def every_byte(workdir: Path) -> bytes:
    """Every file of a work directory, gzipped ones (the WARC archive) decompressed."""
    parts = []
    for path in workdir.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            parts.append(gzip.decompress(data) if path.name.endswith(".gz") else data)
    return b"\n".join(parts)
