"""`make lint`'s type check: mypy over the package as it is imported.

The repository keeps ``crawlers/``, ``nlp/``, ``index/`` and ``dashboards/`` at the top and maps
them to ``brandradar.crawlers`` … at install time (DESIGN.md, Layout). mypy run on the folders
sees them as top-level ``index``, ``nlp`` …, cannot resolve ``brandradar.index`` imports and
(with ``ignore_missing_imports``) silently types them all as ``Any``, so calls across packages
went unchecked. This builds the installed layout from symlinks in ``build/typecheck`` and checks
``-p brandradar`` there, then the DAG files against it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAPPED = ("crawlers", "nlp", "index", "dashboards")


def main() -> int:
    """Build the symlink tree and run mypy; returns mypy's exit code."""
    tree = ROOT / "build" / "typecheck"
    shutil.rmtree(tree, ignore_errors=True)
    package = tree / "brandradar"
    package.mkdir(parents=True)
    for entry in (ROOT / "brandradar").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    for name in MAPPED:
        (package / name).symlink_to(ROOT / name)
    config = str(ROOT / "pyproject.toml")
    env = {**os.environ, "MYPYPATH": str(tree)}
    code = subprocess.call([sys.executable, "-m", "mypy", "--config-file", config,
                            "-p", "brandradar"], cwd=tree, env=env)
    dags = sorted(str(p) for p in (ROOT / "dags").glob("*.py"))
    return code or subprocess.call([sys.executable, "-m", "mypy", "--config-file", config, *dags],
                                   cwd=tree, env=env)


if __name__ == "__main__":
    sys.exit(main())
