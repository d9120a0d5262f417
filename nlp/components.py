"""brandradar's spaCy components, registered as factories with stable names and versions.

- ``brandradar_norms``: lemma (simplemma) and match norm (Snowball stem) per token, so that
  inflected brand names ("Сбербанке", "Педаликсом") match their alias;
- ``brandradar_brands``: brand mentions from aliases, also inside compounds, handles, hashtags
  and domains, with exclusions, ambiguity, channels and page furniture
  (:mod:`brandradar.nlp.brand_matcher`);
- ``brandradar_sentiment``: one label and score per mention, judged on the clause around it
  (the shipped e5 classifier; method ``lexicon``: VADER for English, the project's lexicons with
  negation for German and Russian);
- ``brandradar_keyphrases``: noun-phrase key phrases, lemmatised and ranked without brand names
  (:mod:`brandradar.nlp.keyphrases`; no YAKE, whose upstream licence is AGPL); topic aliases
  from the project config merge the spellings of one product or entity across languages and
  scripts ("СанЧардж" → "suncharge").

Written here because no library matches brand aliases on stems with exclusions, or scores
sentiment per mention in German and Russian with a licence that allows shipping.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources
from typing import Any

import simplemma
import snowballstemmer
from spacy.language import Language
from spacy.tokens import Doc, Span
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from brandradar.nlp import sentiment_model
from brandradar.nlp.brand_matcher import BrandMatcher
from brandradar.nlp.keyphrases import GENERIC, rank
from brandradar.sources import SCORED_LANGUAGES

NORMS_VERSION = "norms-1"
# brands-4: the channel frames and furniture rules of the real-news mention sample (draws 3–5:
# "took to Twitter", "from its Twitter account", headline rows, polls, deal boxes); a project's
# sources are enriched anew once, so that no stored mention keeps a kind the rules no longer give.
# brands-5: a furniture phrase after a box's label and a colon ("…: Abonniere den Whatsapp-Kanal");
# the frames of where people publish, for brands with `platform: true`.
BRANDS_VERSION = "brands-5"
SENTIMENT_VERSION = "sentiment-3"
KEYPHRASES_VERSION = "keyphrases-6"

SCORED_LANGS = SCORED_LANGUAGES
_STEMMER_LANG = {"de": "german", "ru": "russian", "en": "english"}
_NEGATORS = {
    "de": {"nicht", "kein", "keine", "keinen", "keiner", "nie", "niemals", "ohne"},
    "ru": {"не", "нет", "ни", "никогда", "без"},
    "en": set(),
}
_CONTRAST = re.compile(r"\b(aber|jedoch|doch|but|however|whereas|while|но|однако|зато)\b|;",
                       re.IGNORECASE)
_CLAUSE_BREAK = re.compile(
    r"[,;:–—]|\b(und|oder|sowie|während|and|or|while|whereas|и|или|а|тогда как)\b", re.IGNORECASE)

if not Span.has_extension("sentiment"):
    Span.set_extension("sentiment", default="unscored")
    Span.set_extension("score", default=0.0)
    Span.set_extension("judged", default=None)
    Span.set_extension("why", default="")
if not Doc.has_extension("key_phrases"):
    Doc.set_extension("key_phrases", default=[])


@lru_cache(maxsize=8)
def stemmer(lang: str) -> Any:
    """A Snowball stemmer for a language (English rules for languages without one)."""
    return snowballstemmer.stemmer(_STEMMER_LANG.get(lang, "english"))


@lru_cache(maxsize=500_000)
def _norm(word: str, lang: str) -> str:
    # Words repeat (a news article uses a few hundred distinct ones): stemming each once per
    # process took most of the enrich time before this cache.
    return str(stemmer(lang).stemWord(word.lower().replace("ё", "е")))


@lru_cache(maxsize=500_000)
def lemma_of(word: str, lang: str) -> str:
    """simplemma's lemma of a lower-case word in a scored language (the word itself else)."""
    return str(simplemma.lemmatize(word, lang=lang)) if lang in SCORED_LANGS else word


def norm_words(words: list[str], lang: str) -> list[str]:
    """Match norms: lower-case Snowball stems (ё folded to е)."""
    return [_norm(w, lang) for w in words]


@Language.factory("brandradar_norms", default_config={})
def make_norms(nlp: Language, name: str) -> Any:
    """Set ``lemma_`` (simplemma) and ``norm_`` (stem) on every token."""
    lang = str(nlp.lang)

    def norms(doc: Doc) -> Doc:
        words = [t.text for t in doc]
        for tok, stem in zip(doc, norm_words(words, lang), strict=True):
            tok.norm_ = stem
            tok.lemma_ = lemma_of(tok.lower_, lang)
        return doc

    return norms


@Language.factory("brandradar_brands", default_config={"brands": []})
def make_brands(nlp: Language, name: str, brands: list[dict[str, Any]]) -> BrandMatcher:
    """The brand matcher, configured with the brands file's entries."""
    return BrandMatcher(nlp, brands, norm_words)


@lru_cache(maxsize=4)
def _lexicon(lang: str) -> dict[tuple[str, ...], float]:
    text = resources.files("brandradar.nlp").joinpath(f"lexicons/{lang}.tsv").read_text("utf-8")
    out: dict[tuple[str, ...], float] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        words, value = line.rsplit("\t", 1)
        out[tuple(norm_words(words.split(), lang))] = float(value)
    return out


@lru_cache(maxsize=1)
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def lexicon_score(tokens: list[str], lang: str) -> float:
    """Sum of lexicon valences over stems with negation flips, squashed into [-1, 1]."""
    lex = _lexicon(lang)
    norms = norm_words(tokens, lang)
    lowered = [t.lower() for t in tokens]
    total = 0.0
    i = 0
    while i < len(norms):
        for n in (3, 2, 1):
            key = tuple(norms[i : i + n])
            if len(key) == n and key in lex:
                value = lex[key]
                if n == 1 and any(w in _NEGATORS[lang] for w in lowered[max(0, i - 3) : i]):
                    value *= -0.74  # VADER's negation factor
                total += value
                i += n
                break
        else:
            i += 1
    return total / math.sqrt(total * total + 15) if total else 0.0


def clause_of(span: Span, others: list[Span] | None = None) -> tuple[int, int]:
    """Character offsets of the clause that holds a mention.

    Its sentence, cut at contrasts ("aber", "but", "но"), and — when other brands are mentioned
    in the same sentence — at the last clause break (comma, "und", "and", "и" …) between this
    mention and each neighbour, so "A hält ewig, B ist schlecht" judges A and B apart.
    """
    sent = span.sent
    text = sent.text
    rel = span.start_char - sent.start_char
    rel_end = rel + len(span.text)
    start, end = 0, len(text)
    for m in _CONTRAST.finditer(text):
        if m.start() >= rel_end:
            end = min(end, m.start())
        elif m.end() <= rel:
            start = max(start, m.end())
    for other in others or []:
        if other.label_ == span.label_ or other.sent.start != sent.start:
            continue
        o_start, o_end = other.start_char - sent.start_char, other.end_char - sent.start_char
        if o_end <= rel:
            breaks = [m.end() for m in _CLAUSE_BREAK.finditer(text, o_end, rel)]
            if breaks:
                start = max(start, breaks[-1])
        elif o_start >= rel_end:
            first = _CLAUSE_BREAK.search(text, rel_end, o_start)
            if first:
                end = min(end, first.start())
    return sent.start_char + start, sent.start_char + end


# A post this short that names one brand is about that brand as a whole: cutting it to a clause
# throws away the context that carries its tone ("Danke @DB_Bahn, wieder 50 Minuten!").
WHOLE_TEXT_CHARS = 320


def judged_whole(doc: Doc, judged: list[Span]) -> bool:
    """Whether the mentions of a document are judged on its whole text: a short text (a tweet,
    a short post or review) in which exactly one brand is mentioned."""
    return len(doc.text) <= WHOLE_TEXT_CHARS and len({s.label_ for s in judged}) == 1


def score_text(text: str, lang: str) -> float:
    """Sentiment score in [-1, 1] of a short text in a scored language."""
    if lang == "en":
        return float(_vader().polarity_scores(text)["compound"])
    return lexicon_score(re.findall(r"\w+", text), lang)


def label(score: float) -> str:
    """positive / negative / neutral with VADER's usual ±0.05 thresholds."""
    return "positive" if score >= 0.05 else "negative" if score <= -0.05 else "neutral"


class SentimentJudge:
    """Give every brand span its own sentiment, judged on its clause — or on the whole text
    when the text is short and names one brand only (:func:`judged_whole`).

    ``method="model"`` (default): the shipped e5 classifier, one batch of clauses per batch of
    documents; ``method="lexicon"``: VADER (en) and the project's lexicons (de, ru), about a
    hundred times faster and far less accurate (docs/quality.md). Mentions in other languages
    stay "unscored".
    """

    def __init__(self, lang: str, method: str, model: str = "") -> None:
        if method not in ("model", "lexicon"):
            raise ValueError(f"brandradar_sentiment: unknown method {method!r}")
        self.lang = lang
        self.method = method
        self.model = model

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        """Judge the mentions of many documents with one model call per batch."""
        batch: list[Doc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._judge(batch)
                batch = []
        if batch:
            yield from self._judge(batch)

    def _judge(self, docs: list[Doc]) -> list[Doc]:
        todo: list[tuple[Span, tuple[int, int]]] = []
        for doc in docs:
            spans = list(doc.spans.get("brands", []))
            scored = [s for s in spans if s._.kind == "brand" and not s._.in_boilerplate]
            whole = judged_whole(doc, scored)
            for span in spans:
                # A platform named as a channel is not what is judged, and furniture says
                # nothing about the brand: neither gets a label.
                if self.lang not in SCORED_LANGS or span not in scored:
                    span._.sentiment, span._.score = "unscored", 0.0
                elif whole:
                    todo.append((span, (0, len(doc.text))))
                else:
                    todo.append((span, clause_of(span, scored)))
        texts = [span.doc.text[a:b] for span, (a, b) in todo]
        if self.method == "model":
            verdicts = sentiment_model.model(self.model).judge(texts, self.lang)
        else:
            verdicts = [(label(s), s) for s in (score_text(t, self.lang) for t in texts)]
        for (span, judged), (verdict, score) in zip(todo, verdicts, strict=True):
            span._.sentiment, span._.score, span._.judged = verdict, round(score, 4), judged
        return docs


@Language.factory("brandradar_sentiment", default_config={"method": "model", "model": ""})
def make_sentiment(nlp: Language, name: str, method: str, model: str) -> SentimentJudge:
    """The per-mention sentiment component (``model``: a project's own model file, else the
    shipped one)."""
    return SentimentJudge(str(nlp.lang), method, model)


# Product and entity names, which a frequency ranking puts low when they occur once: CamelCase
# ("SunCharge", "СанЧардж"), all-caps acronyms, also as the first part of a hyphenated compound;
# not inside handles and hashtags.
_UP, _LOW = "A-ZÄÖÜА-ЯЁ", "a-zäöüßа-яё"
_ENTITY = re.compile(
    rf"(?<![\w@#-])([{_UP}][{_LOW}]+[{_UP}][{_UP}{_LOW}]*|[{_UP}]{{3,}})(?![{_LOW}])")


def entity_names(text: str) -> list[str]:
    """Names that look like products or entities, lower-cased, most frequent first."""
    counts: dict[str, int] = {}
    for m in _ENTITY.finditer(text):
        key = m.group(1).lower()
        counts[key] = counts.get(key, 0) + 1
    return sorted(counts, key=lambda k: -counts[k])


class TopicAliases:
    """Spellings of one topic in several languages or scripts, merged to one key phrase.

    An alias matches on the same stems as brand aliases, so inflected forms count
    ("СанЧарджа" → "suncharge"); the key phrase is the canonical name, lower-cased.
    """

    def __init__(self, topics: dict[str, list[str]], lang: str) -> None:
        self.lang = lang
        self._by_norms: dict[tuple[str, ...], str] = {}
        for canonical, aliases in topics.items():
            for alias in [canonical, *aliases]:
                key = self._norms(alias)
                if key:
                    self._by_norms.setdefault(key, canonical.lower())
        self._longest = max((len(k) for k in self._by_norms), default=0)

    def _norms(self, phrase: str) -> tuple[str, ...]:
        return tuple(norm_words(re.findall(r"\w+", phrase), self.lang))

    def canonical(self, phrase: str) -> str | None:
        """The canonical name a phrase spells, or None."""
        return self._by_norms.get(self._norms(phrase))

    def part_of(self, phrase: str) -> bool:
        """Whether a longer phrase contains a topic alias ("testen SunCharge"): the topic is
        already a key phrase of its own."""
        return bool(self._hits(self._norms(phrase)))

    def found_in(self, doc: Doc) -> list[str]:
        """Canonical names of the topics whose aliases occur in the document, in text order."""
        return self._hits(self._norms(doc.text)) if self._by_norms else []

    def _hits(self, norms: tuple[str, ...]) -> list[str]:
        """Canonical names of the aliases in a word sequence (longest alias at each word)."""
        found: dict[str, None] = {}
        for i in range(len(norms)):
            for size in range(min(self._longest, len(norms) - i), 0, -1):
                hit = self._by_norms.get(norms[i : i + size])
                if hit:
                    found[hit] = None
                    break
        return list(found)


@Language.factory("brandradar_keyphrases", default_config={"top": 5, "topics": {}})
def make_keyphrases(nlp: Language, name: str, top: int, topics: dict[str, list[str]]) -> Any:
    """Noun-phrase key phrases, lemmatised and ranked (:mod:`brandradar.nlp.keyphrases`);
    brand names are dropped; spellings listed in ``topics`` (canonical name → aliases) become
    the canonical name."""
    lang = nlp.lang if nlp.lang in SCORED_LANGS else "en"
    aliases = TopicAliases(topics, lang)

    def keyphrases(doc: Doc) -> Doc:
        brand_norms = {t.norm_ for s in doc.spans.get("brands", []) for t in s}
        phrases: list[str] = aliases.found_in(doc)
        for e in entity_names(doc.text)[:3]:
            e = aliases.canonical(e) or e
            if e not in phrases and e not in GENERIC[lang] \
                    and not set(norm_words([e], lang)) & brand_norms:
                phrases.append(e)

        def skip(lemma: str, words: list[str]) -> bool:
            phrase = " ".join(words)
            return (bool(set(norm_words(words, lang)) & brand_norms) or lemma in phrases
                    or aliases.canonical(phrase) is not None or aliases.part_of(phrase))

        phrases.extend(rank(doc, lang, skip, top + 3 - min(len(phrases), top)))
        doc._.key_phrases = phrases
        return doc

    return keyphrases
