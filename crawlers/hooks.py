"""A source's ``hook``: a function for what selectors cannot express (the fundus way).

``hook: module:function`` names an importable module; ``hook: file.py:function`` a file next
to the project config. The function is called once per page as ``function(documents, page,
url)`` with the documents the parsers made (``page`` is the parsel Selector of the page) and
returns the documents to keep, changed or not. The hook is imported when the config loads, so
a typo stops the run before any crawling.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from brandradar.errors import ConfigError

Hook = Callable[[list[Any], Any, str], list[Any]]


def resolve_hook(spec: str, folder: Path) -> str:
    """The hook ``spec`` with a file next to the project config made absolute (so the work
    directory's snapshot finds it from anywhere); the hook is loaded once to check it."""
    module, _, function = spec.rpartition(":")
    if module.endswith(".py") and not Path(module).is_absolute():
        spec = f"{(folder / module).resolve()}:{function}"
    load_hook(spec)
    return spec


@cache
def load_hook(spec: str) -> Hook:
    """The function a hook spec names; ConfigError naming it when it cannot be loaded."""
    module_name, _, function = spec.rpartition(":")
    try:
        if module_name.endswith(".py"):
            path = Path(module_name)
            if not path.is_file():
                raise ConfigError(f"hook {spec}: file {path} not found")
            loader_spec = importlib.util.spec_from_file_location(
                f"_brandradar_hook_{path.stem}", path)
            if loader_spec is None or loader_spec.loader is None:
                raise ConfigError(f"hook {spec}: {path} cannot be loaded")
            module = importlib.util.module_from_spec(loader_spec)
            loader_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(module_name)
    except ConfigError:
        raise
    except Exception as exc:  # the user's module: whatever it raises on import is named
        raise ConfigError(f"hook {spec}: cannot import ({type(exc).__name__}: {exc})") from exc
    func = getattr(module, function, None)
    if not callable(func):
        raise ConfigError(f"hook {spec}: {module_name} has no function {function!r}")
    return func
