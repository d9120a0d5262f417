"""The project config (brands, sources, alert and metric settings) and the brands file.

Errors name the file and the entry that is wrong, in one line, so a user can fix a typo fast.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from brandradar.errors import ConfigError
from brandradar.query import parse as parse_query
from brandradar.query import satisfiable
from brandradar.retention import Retention
from brandradar.settings import Settings, load_settings
from brandradar.sources import Source


@cache
def _stop_words() -> frozenset[str]:
    from spacy.lang.de.stop_words import STOP_WORDS as DE
    from spacy.lang.en.stop_words import STOP_WORDS as EN
    from spacy.lang.ru.stop_words import STOP_WORDS as RU

    return frozenset(DE | EN | RU)


class Brand(BaseModel):
    """A tracked brand: the user's own or a competitor's (see DESIGN.md, brands file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    role: Literal["own", "competitor"] = "competitor"
    aliases: list[str] = Field(default_factory=list)
    aliases_by_lang: dict[str, list[str]] = Field(default_factory=dict)
    exclude: list[str] = Field(default_factory=list)
    case_sensitive: list[str] = Field(default_factory=list)
    # Aliases that are also common words: they count only with context (see docs/brands.md).
    ambiguous: list[str] = Field(default_factory=list)
    context: list[str] = Field(default_factory=list)
    context_window: int = Field(default=30, ge=1)
    query: str | None = None
    # Aliases inside hyphenated and closed compounds and in parts of handles, hashtags and
    # domains: all aliases (true), none (false) or the listed ones.
    compounds: bool | list[str] = True
    # A platform named as the channel of a statement ("said on X") counts only when asked.
    count_channel: bool = False
    # A platform where people publish (X, Instagram, TikTok, Telegram): "an Instagram story",
    # "some Twitter users", "dieser User auf X" are channels too (nlp/channels.py).
    platform: bool = False

    @field_validator("query")
    @classmethod
    def _query_parses(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                node = parse_query(value)
            except ConfigError as exc:
                raise ValueError(str(exc)) from None
            if not satisfiable(node):
                raise ValueError(f"query {value!r} is false for every text")
        return value

    @model_validator(mode="after")
    def _aliases_can_work(self) -> Brand:
        for alias in self.all_aliases():
            guarded = alias in self.ambiguous or (alias in self.case_sensitive and len(alias) > 1)
            if problem := alias_problem(alias, guarded):
                raise ValueError(f"alias {alias!r} of {self.name!r} {problem}")
        if isinstance(self.compounds, list):
            unknown = [a for a in self.compounds if a not in self.all_aliases()]
            if unknown:
                raise ValueError(f"compounds {unknown} are not aliases of {self.name!r}")
        return self

    @model_validator(mode="after")
    def _ambiguous_are_aliases(self) -> Brand:
        unknown = [a for a in self.ambiguous if a not in self.all_aliases()]
        if unknown:
            raise ValueError(f"ambiguous {unknown} are not aliases of {self.name!r}")
        if self.ambiguous and not self.context:
            raise ValueError(f"{self.name!r} has ambiguous aliases but no context words")
        return self

    def all_aliases(self) -> list[str]:
        """Every alias in every language, the name first."""
        out = [self.name, *self.aliases]
        for extra in self.aliases_by_lang.values():
            out.extend(extra)
        seen: dict[str, None] = {}
        for a in out:
            seen.setdefault(a, None)
        return list(seen)


def alias_problem(alias: str, guarded: bool) -> str | None:
    """Why an alias would match (almost) everything, or None. ``guarded``: the alias is listed
    as case-sensitive or as ambiguous (it counts only with context)."""
    words = re.findall(r"[^\W_]+", alias)
    if not words:
        return "has no letters or digits: it would match nothing or every punctuation mark"
    if guarded:
        return None
    if len("".join(words)) < 2:
        return ("is a single character: it would match everywhere; list it in case_sensitive "
                "and ambiguous (with context words)")
    if len(words) == 1 and words[0].lower() in _stop_words():
        return ("is a common word (a stop word in German, English or Russian): list it in "
                "case_sensitive or as ambiguous with context words")
    return None


class _BrandsFile(BaseModel):
    brands: list[Brand]


class AlertRules(BaseModel):
    """Spike/crisis thresholds (defaults from DESIGN.md)."""

    model_config = ConfigDict(extra="forbid")
    z: float = 3.0
    z_at_once: float = 5.0
    min_mentions: int = 10
    min_ratio: float = 2.0
    consecutive_hours: int = 2
    baseline_weeks: int = 4
    crisis_negative_jump: float = 0.15
    cooldown_hours: int = 6


class TrendRules(BaseModel):
    """Trending-topic thresholds (defaults from DESIGN.md)."""

    model_config = ConfigDict(extra="forbid")
    windows_hours: list[int] = Field(default_factory=lambda: [24, 168])
    baseline_days: int = 28
    min_growth: float = 2.0
    min_docs: int = 3
    min_domains: int = 3


class Channel(BaseModel):
    """What every alert channel routes by: a severity floor and, optionally, brands."""

    model_config = ConfigDict(extra="forbid")
    min_severity: int = 1
    brands: list[str] = Field(default_factory=list)  # empty: every brand

    def routes(self, alert: dict[str, Any]) -> bool:
        """Whether this channel takes the alert."""
        return bool(alert["severity"] >= self.min_severity
                    and (not self.brands or alert["brand"] in self.brands))


class Webhook(Channel):
    """An alert channel: JSON POST signed with HMAC-SHA256 of the body under a shared secret."""

    type: Literal["webhook"] = "webhook"
    url: str
    secret: SecretStr
    attempts: int = 3
    backoff: float = 1.0


class Email(Channel):
    """An alert channel: e-mail through SMTP; severity ≥ ``escalate_at`` also goes to ``escalate_to``."""

    type: Literal["email"] = "email"
    smtp_host: str
    smtp_port: int = 25
    sender: str
    to: list[str]
    escalate_to: list[str] = Field(default_factory=list)
    escalate_at: int = 8
    starttls: bool = False
    username: str | None = None
    password: SecretStr | None = None


class ProjectConfig(BaseModel):
    """Everything a project declares; ``sources`` entries are names of source files or inline."""

    model_config = ConfigDict(extra="forbid")
    brands: list[Brand]
    sources: list[Source] = Field(default_factory=list)
    source_files: list[str] = Field(default_factory=list)
    alerts: AlertRules = Field(default_factory=AlertRules)
    trends: TrendRules = Field(default_factory=TrendRules)
    notify: list[Webhook | Email] = Field(default_factory=list)
    # Spellings of one product or entity in several languages and scripts, merged into one key
    # phrase (canonical name → aliases), e.g. {"SunCharge": ["СанЧардж"]}.
    topics: dict[str, list[str]] = Field(default_factory=dict)
    # Reach weights per source for reach-weighted share of voice (1.0 when not listed).
    source_weights: dict[str, float] = Field(default_factory=dict)
    # Days of raw pages and of documents (with their mentions) kept; docs/privacy.md.
    retention: Retention = Field(default_factory=Retention)
    settings: dict[str, Any] = Field(default_factory=dict)


def read_yaml(path: Path) -> Any:
    """A YAML file's data; ConfigError naming the file (and line) when it cannot be read."""
    if not path.exists():
        raise ConfigError(f"{path}: file not found")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}:{where} not valid YAML ({getattr(exc, 'problem', exc)})") from exc


def one_line_error(path: Path, exc: ValidationError, data: Any) -> ConfigError:
    """A validation error as one line naming the file, the field and (in lists) the entry."""
    err = exc.errors()[0]
    loc = err["loc"]
    where = ".".join(str(p) for p in loc)
    named = ""
    if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(data, dict):
        entries = data.get(str(loc[0]))
        if isinstance(entries, list) and loc[1] < len(entries) and isinstance(entries[loc[1]], dict):
            name = entries[loc[1]].get("name")
            named = f" ({name!r})" if name else ""
    # Pydantic prefixes the messages of our own validators with "Value error, ".
    message = str(err["msg"]).removeprefix("Value error, ")
    return ConfigError(f"{path}: {where}{named}: {message}")


def load_brands(path: Path) -> list[Brand]:
    """Read a brands file (``brands:`` list; the three-line minimal form works)."""
    data = read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("brands"), list):
        raise ConfigError(f"{path}: expected a top-level 'brands:' list")
    try:
        brands = _BrandsFile.model_validate({"brands": data["brands"]}).brands
    except ValidationError as exc:
        raise one_line_error(path, exc, data) from exc
    names = [b.name for b in brands]
    dupes = {n for n in names if names.count(n) > 1}
    if dupes:
        raise ConfigError(f"{path}: brand listed twice: {sorted(dupes)[0]!r}")
    return brands


def load_project(path: Path) -> ProjectConfig:
    """Read the project config; a ``brands_file:`` key may point to a separate brands file."""
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    if "brands_file" in data:
        brands_path = (path.parent / str(data.pop("brands_file"))).resolve()
        data["brands"] = [b.model_dump() for b in load_brands(brands_path)]
    try:
        return ProjectConfig.model_validate(data)
    except ValidationError as exc:
        raise one_line_error(path, exc, data) from exc


def project_settings(project: ProjectConfig, **overrides: Any) -> Settings:
    """Settings from the project's ``settings:`` block, then explicit overrides, then env."""
    merged = {**project.settings, **{k: v for k, v in overrides.items() if v is not None}}
    try:
        return load_settings(merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        raise ConfigError(f"settings.{'.'.join(map(str, err['loc']))}: {err['msg']}") from exc
