"""Where sources are declared: YAML files in the project's own ``sources/`` folder, and the
source files shipped in this package (one module per source, each defining ``SOURCE``).

A project's YAML source wins over a shipped one of the same name, so a team can adapt a shipped
source without a checkout. Each YAML file is validated by the same model as every other source;
an error names the file and the field in one line.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from pydantic import ValidationError

from brandradar.config import one_line_error, read_yaml
from brandradar.errors import ConfigError
from brandradar.sources import Source

SOURCES_FOLDER = "sources"


def source_names() -> list[str]:
    """Names of every source file shipped in this package."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def project_source_names(folder: Path) -> list[str]:
    """Names of the YAML sources in a project folder (``<folder>/sources/*.yaml``)."""
    root = folder / SOURCES_FOLDER
    return sorted({p.stem for ext in ("*.yaml", "*.yml") for p in root.glob(ext)})


def source_file(name: str, folder: Path | None) -> Path | None:
    """The YAML file declaring ``name`` in the project folder, if there is one."""
    if folder is None:
        return None
    for ext in (".yaml", ".yml"):
        path = folder / SOURCES_FOLDER / f"{name}{ext}"
        if path.is_file():
            return path
    return None


def load_yaml_source(path: Path) -> Source:
    """A source from its YAML file; ConfigError naming the file and the field."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with name, kind and a way to find pages")
    data.setdefault("name", path.stem)
    if data["name"] != path.stem:
        raise ConfigError(f"{path}: name {data['name']!r} differs from the file name "
                          f"{path.stem!r}")
    try:
        return Source.model_validate(data)
    except ValidationError as exc:
        raise one_line_error(path, exc, data) from exc


def load_source(name: str, folder: Path | None = None) -> Source:
    """The source called ``name``: ``<folder>/sources/<name>.yaml`` when the project has it,
    else the ``SOURCE`` of ``crawlers/sources/<name>.py`` shipped in this package."""
    path = source_file(name, folder)
    if path is not None:
        return load_yaml_source(path)
    if name not in source_names():
        where = f"{folder / SOURCES_FOLDER} nor " if folder is not None else ""
        raise ConfigError(f"source {name!r} found neither in {where}the shipped sources "
                          f"({', '.join(source_names())})")
    module = importlib.import_module(f"{__name__}.{name}")
    source = getattr(module, "SOURCE", None)
    if not isinstance(source, Source):
        raise ConfigError(f"crawlers/sources/{name}.py does not define SOURCE = Source(...)")
    return source


def sources_table() -> str:
    """The Markdown table of every shipped source file (docs/sources.md is kept equal to it)."""
    rows = ["| source | kind | languages | discovery | browser | parser |",
            "|---|---|---|---|---|---|"]
    for name in source_names():
        s = load_source(name)
        parser = "trafilatura"
        if s.parser:
            parser = f"{s.parser.name} v{s.parser.version}" + "".join(
                f", v{p.version}" for p in s.previous_parsers)
        rows.append(f"| `{s.name}` | {s.kind} | {', '.join(s.languages) or '-'} | {s.discovery()} | "
                    f"{'yes' if s.needs_browser else 'no'} | {parser} |")
    return "\n".join(rows) + "\n"
