"""The registry of source files: one module per source, each defining ``SOURCE``."""

from __future__ import annotations

import importlib
import pkgutil

from brandradar.errors import ConfigError
from brandradar.sources import Source


def source_names() -> list[str]:
    """Names of every source file shipped in this package."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def load_source(name: str) -> Source:
    """The ``SOURCE`` declared by ``crawlers/sources/<name>.py``."""
    if name not in source_names():
        raise ConfigError(f"source file {name!r} not found in crawlers/sources/")
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
