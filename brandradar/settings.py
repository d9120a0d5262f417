"""One typed settings object for the whole product.

Values come from (highest wins): ``BRANDRADAR_*`` environment variables, the ``settings:`` block
of the project config file, then the defaults below. Nothing else in brandradar reads
``os.environ`` for its own configuration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from brandradar.errors import ConfigError

# Settings that are secrets: typed SecretStr (never printed, never written by the product; the
# work directory's project snapshot leaves them out).
SECRET_SETTINGS = frozenset({"es_api_key", "kibana_api_key", "author_key", "state_url"})
# The pseudonym key of the bundled demo only: public, so `brandradar run` refuses it.
DEMO_AUTHOR_KEY = "brandradar-demo-key-public-do-not-use"


class Settings(BaseSettings):
    """Typed settings; see docs/operations.md for every field."""

    model_config = SettingsConfigDict(env_prefix="BRANDRADAR_", extra="forbid")

    workdir: Path = Path("brandradar-data")
    # A team deployment's work directory every worker sees (s3://bucket/prefix or any fsspec
    # URL); ``workdir`` is then this machine's working copy. S3 credentials and endpoint come
    # from the standard AWS environment (AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL, instance role).
    shared_workdir: str | None = None
    # The project config that `brandradar run` and the Airflow DAG read by default.
    project_config: Path = Path("brandradar.yaml")
    store: Literal["duckdb", "elasticsearch"] = "duckdb"
    es_url: str | None = None
    es_index_prefix: str = "brandradar"
    es_api_key: SecretStr | None = None
    # TLS: a CA bundle for a cluster with its own certificate authority; verification stays on
    # unless switched off on purpose (a test cluster with a self-signed certificate).
    es_ca_certs: Path | None = None
    es_verify_certs: bool = True
    # Index lifecycle (ILM): roll documents/mentions indices over, delete them after retention.
    es_ilm: bool = True
    es_retention_days: int = 730
    kibana_url: str | None = None
    kibana_api_key: SecretStr | None = None

    user_agent: str = "brandradar/0.1 (+{contact_url})"
    contact_url: str = "https://github.com/brandradar/brandradar"
    # Hosts (exact host names or IP literals) that may be fetched although they are private or
    # loopback: the demo web and test servers. Everything else private is refused.
    allow_private_hosts: list[str] = Field(default_factory=list)
    download_maxsize: int = 5 * 1024 * 1024
    download_timeout: float = 20.0
    concurrent_requests_per_domain: int = 8
    download_delay: float = 0.0
    autothrottle: bool = True
    page_budget: int = 5000
    # Retries of 429/5xx: Retry-After when the server sends it, else retry_backoff × 2^n seconds.
    retry_times: int = 2
    retry_backoff: float = 1.0
    retry_max_delay: float = 120.0
    # An article that still fails (or cannot be archived) goes into the retry set and is
    # fetched again by later runs, first after this many seconds, doubling, for this many tries;
    # its feed or sitemap keeps no validators until it is archived.
    article_retry_wait: float = 900.0
    article_retry_attempts: int = 8
    # Skip article URLs archived by an earlier run, send If-None-Match/If-Modified-Since for
    # feeds and sitemaps. Off = fetch everything again (e.g. after a parser change).
    incremental: bool = True
    browser_executable: str = "/usr/bin/chromium"

    # HMAC key for author pseudonyms: a long random secret, from the environment or a secrets
    # store. Changing it re-pseudonymises every author on the next run.
    author_key: SecretStr | None = None
    # The team state (label corrections, run records and the run lock): SQLite in the work
    # directory when unset, else a PostgreSQL URL (postgresql://user:password@host/db; a secret,
    # as it usually holds the password).
    state_url: SecretStr | None = None
    # "model": the shipped e5 classifier (accurate, ~40 clauses/s per core); "lexicon": VADER
    # and the project's lexicons (fast, far less accurate; docs/quality.md has both).
    sentiment: Literal["model", "lexicon"] = "model"
    extract_workers: int = 2

    # Names the dashboard's Host header may carry besides loopback and the bound address (the
    # name a team reaches it under behind a proxy); anything else is refused (DNS rebinding).
    dashboard_hosts: list[str] = Field(default_factory=list)
    # The zone every time on the dashboard and in reports is shown in (stored times are UTC).
    display_timezone: str = "UTC"

    demo_host: str = "127.0.0.1"
    demo_port_base: int = 8781

    @field_validator("display_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value[:60]!r} (an IANA name such as "
                             "Europe/Berlin)") from None
        return value

    def ua(self) -> str:
        """The User-Agent string, with the contact URL filled in."""
        return self.user_agent.format(contact_url=self.contact_url)

    def state_url_value(self) -> str | None:
        """The team state's URL as a plain string (None: SQLite in the work directory)."""
        return self.state_url.get_secret_value() if self.state_url is not None else None

    def pseudonym_key(self, demo: bool = False) -> str:
        """The author pseudonym key; ConfigError (one line, how to set one) when none is set,
        or when it is the demo's public key outside the demo."""
        key = self.author_key.get_secret_value() if self.author_key is not None else ""
        if not key or (key == DEMO_AUTHOR_KEY and not demo):
            what = "the demo's public pseudonym key" if key else "no pseudonym key"
            raise ConfigError(
                f"{what}: set BRANDRADAR_AUTHOR_KEY to a long random secret, e.g. "
                "BRANDRADAR_AUTHOR_KEY=$(python -c 'import secrets; print(secrets.token_hex(32))')"
                " — author names are pseudonymised with it (docs/privacy.md)")
        return key


def load_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """Build settings from the project config's ``settings:`` block plus the environment.

    Environment variables win over the file, as users expect from twelve-factor tools.
    """
    base = dict(overrides or {})
    env_only = Settings()
    explicitly_set = env_only.model_fields_set
    for name in explicitly_set:
        base[name] = getattr(env_only, name)
    return Settings(**base)
