"""Optional parts of the install: Airflow (``brandradar[airflow]``), the Elasticsearch client
(``brandradar[elasticsearch]``) and S3 storage (``brandradar[s3]``) are needed by a team
deployment only, so a laptop install does without them. A feature that needs one says so in
one line before it starts any work."""

from __future__ import annotations

from importlib.util import find_spec

from brandradar.errors import ConfigError

# extra name → (the module it provides, what needs it)
EXTRAS = {
    "elasticsearch": ("elasticsearch", "the Elasticsearch projection (store: elasticsearch)"),
    "airflow": ("airflow", "the Airflow DAGs"),
    "s3": ("s3fs", "a shared work directory on S3 (shared_workdir: s3://…)"),
}


def require(extra: str) -> None:
    """Raise ConfigError (how to install it) when the optional part ``extra`` is missing."""
    module, what = EXTRAS[extra]
    if find_spec(module) is None:
        raise ConfigError(f"{what} needs the optional '{extra}' part: "
                          f"pip install 'brandradar[{extra}]'")
