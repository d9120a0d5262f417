"""Brand mentions from aliases, with the reason each one counts or not.

How an alias is found in real text:
- as tokens, case-insensitive on Snowball stems, so inflected forms count ("Сбербанке");
- acronyms and short aliases ("AWS", "DB", "МТС", anything of three characters or fewer) only
  as whole tokens compared letter by letter, never through a stem ("AWS" is not "awful");
- ``case_sensitive`` aliases only as written — except that a Cyrillic one also matches its
  lower-case form in a text that ignores case (social posts: "мтс", "билайн");
- inside a written token: a hyphenated compound ("DB-Ticket"), a German closed compound
  ("Bahnchaos"), a domain ("bahn.de"), a handle ("@DB_Bahn") or a hashtag ("#DeutscheBahn");
  the whole body of a handle, hashtag or domain always, its parts and compounds unless the
  brand's ``compounds`` switch says otherwise (see :mod:`brandradar.nlp.token_parts`).

What happens to a match:
- rejected (``doc.spans["brands_rejected"]``): inside a quoted line ("> …"), an exclusion in its
  sentence, the brand's query false for the document, or an ambiguous alias with neither a
  context word near it in the main text nor another counted alias of the brand;
- kept (``doc.spans["brands"]``) with ``span._.kind`` "brand" or "channel" (a platform named as
  where something was said, :mod:`brandradar.nlp.channels`) and ``span._.in_boilerplate`` when
  it stands in page furniture (:mod:`brandradar.nlp.furniture`); ``span._.counted`` says whether
  it counts in the metrics (a brand mention outside furniture; a channel only where the brand
  asks with ``count_channel``).

Written here because no library matches brand aliases on stems and inside compounds, handles and
domains, with exclusions, ambiguity and explanations.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import simplemma
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from brandradar.nlp.channels import channel_cue
from brandradar.nlp.furniture import Furniture, furniture_lines, inside
from brandradar.nlp.token_parts import Split, split_token, squash
from brandradar.query import Node, Text, holds
from brandradar.query import parse as parse_query

_QUOTED_LINE = re.compile(r"(?m)^[ \t]*>.*$")
_CYRILLIC_UPPER = re.compile(r"[А-ЯЁ]")
_LETTER = re.compile(r"[^\W\d_]")
# Closed compounds are German nouns: "Bahnchaos", "Telekomrechnung", written with a capital (so
# the adjective "bahnbrechend" is not about the Bahn). The rest after the alias must be a known
# word of four letters or more, so "Audienz" is not about Audi.
_CLOSED_COMPOUND_LANGS = ("de",)
_MIN_COMPOUND_REST = 4

for _name, _default in (("kind", "brand"), ("in_boilerplate", False), ("counted", True)):
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=_default)


def is_acronym(alias: str) -> bool:
    """An alias matched letter by letter: short ("DB", "O2") or written in capitals ("AWS",
    "ВТБ24"), one word."""
    if " " in alias.strip():
        return False
    letters = _LETTER.findall(alias)
    return len(alias) <= 3 or (bool(letters) and len(letters) <= 5
                               and all(c.isupper() for c in letters))


@dataclass(frozen=True)
class AliasForm:
    """One alias of one brand and how it may be matched."""

    brand: str
    alias: str
    ambiguous: bool
    acronym: bool
    case_sensitive: bool
    compounds: bool


def caseless(text: str) -> bool:
    """Whether a text ignores case conventions: it has letters but almost no capitals at the
    starts of its sentences and lines (many social posts are written all in lower case)."""
    starts = re.findall(r"(?:^|[.!?]\s+|\n)\s*([^\W\d_])", text)
    if not starts:
        return False
    return sum(c.isupper() for c in starts) / len(starts) < 0.2


class BrandMatcher:
    """Find brand mentions and say why each one counts or not (module docstring)."""

    def __init__(self, nlp: Language, brands: list[dict[str, Any]],
                 norm_words: Callable[[list[str], str], list[str]]) -> None:
        self.nlp = nlp
        self.lang = str(nlp.lang)
        self._norm_words = norm_words
        self.stems = PhraseMatcher(nlp.vocab, attr="NORM")
        self.letters = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.lower_cyrillic = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.forms: dict[str, AliasForm] = {}
        self.exclusions: dict[str, list[tuple[str, list[str]]]] = {}
        self.queries: dict[str, Node] = {}
        self.context: dict[str, list[list[str]]] = {}
        self.window: dict[str, int] = {}
        self.count_channel: dict[str, bool] = {}
        self.platform: dict[str, bool] = {}
        # Token parts: squashed alias → forms; stem of a one-word alias → forms.
        self._squashed: dict[str, list[AliasForm]] = {}
        self._stem1: dict[str, list[AliasForm]] = {}
        self._prefixes: dict[str, list[AliasForm]] = {}
        for b in brands:
            self._add_brand(b)

    def _add_brand(self, b: dict[str, Any]) -> None:
        name = b["name"]
        sensitive = set(b.get("case_sensitive", []))
        ambiguous = set(b.get("ambiguous", []))
        compounds = b.get("compounds", True)
        aliases = [name, *b.get("aliases", [])]
        for extra in b.get("aliases_by_lang", {}).values():
            aliases.extend(extra)
        for alias in dict.fromkeys(aliases):
            form = AliasForm(name, alias, alias in ambiguous, is_acronym(alias),
                             alias in sensitive,
                             compounds if isinstance(compounds, bool) else alias in compounds)
            key = f"{name}\x1f{alias}"
            self.forms[key] = form
            if form.case_sensitive:
                self.exact.add(key, [self.nlp.make_doc(alias)])
                if _CYRILLIC_UPPER.search(alias):
                    self.lower_cyrillic.add(key, [self.nlp.make_doc(alias.lower())])
            elif form.acronym:
                self.letters.add(key, [self.nlp.make_doc(alias.lower())])
            else:
                docs = [self._normed(alias)]
                if self.lang in ("de", "en"):
                    docs.append(self._normed(alias + "s"))  # genitive "Voltaros"
                self.stems.add(key, docs)
            self._squashed.setdefault(squash(alias), []).append(form)
            words = re.findall(r"[^\W_]+", alias)
            if len(words) == 1 and not form.acronym and not form.case_sensitive:
                self._stem1.setdefault(self._norm_words(words, self.lang)[0], []).append(form)
                if len(alias) >= 4 and self.lang in _CLOSED_COMPOUND_LANGS:
                    self._prefixes.setdefault(alias[:4].lower(), []).append(form)
        self.exclusions[name] = [(e, self._norm_words(e.split(), self.lang))
                                 for e in b.get("exclude", [])]
        if b.get("query"):
            self.queries[name] = parse_query(b["query"])
        self.context[name] = [self._norm_words(c.split(), self.lang) for c in b.get("context", [])]
        self.window[name] = int(b.get("context_window", 30))
        self.count_channel[name] = bool(b.get("count_channel", False))
        self.platform[name] = bool(b.get("platform", False))

    def _normed(self, text: str) -> Doc:
        doc = self.nlp.make_doc(text)
        for tok, stem in zip(doc, self._norm_words([t.text for t in doc], self.lang), strict=True):
            tok.norm_ = stem
        return doc

    # --- finding ---------------------------------------------------------------------------

    def _token_matches(self, doc: Doc) -> list[tuple[Span, AliasForm, str]]:
        """Aliases inside written tokens: compounds, handles, hashtags, domains."""
        out: list[tuple[Span, AliasForm, str]] = []
        for tok in doc:
            after_hash = tok.i > 0 and doc[tok.i - 1].text == "#" and not doc[tok.i - 1].whitespace_
            split = split_token(tok.text, after_hash)
            hit = self._part_hit(split) if split.parts else None
            if hit is None and split.kind == "word" and self._prefixes:
                hit = self._closed_compound(tok.text)
            if hit is not None:
                form, how = hit
                start = tok.i - 1 if after_hash else tok.i
                out.append((Span(doc, start, tok.i + 1, label=form.brand), form, how))
        return out

    def _part_hit(self, split: Split) -> tuple[AliasForm, str] | None:
        for part in split.parts:
            squashed = squash(part.text)
            # Handles, hashtags and domains ignore case on the platforms themselves ("#мтс" is
            # "#МТС"), so a case-sensitive alias matches them in any case.
            forms = [f for f in self._squashed.get(squashed, [])
                     if not f.case_sensitive or split.kind != "compound"
                     or _same_letters(part.text, f.alias)]
            if not forms and "-" not in part.text and "_" not in part.text and "." not in part.text:
                stem = self._norm_words([part.text], self.lang)[0]
                forms = self._stem1.get(stem, [])
            forms = [f for f in forms if part.whole or f.compounds]
            if forms:
                return forms[0], f"alias {forms[0].alias!r} in {split.kind} {split.body!r}"
        return None

    def _closed_compound(self, word: str) -> tuple[AliasForm, str] | None:
        lowered = word.lower()
        for form in self._prefixes.get(lowered[:4], []):
            rest = word[len(form.alias):]
            if (form.compounds and word[:1].isupper() and lowered.startswith(form.alias.lower())
                    and len(rest) >= _MIN_COMPOUND_REST and rest.isalpha()
                    and simplemma.is_known(rest, lang="de")):
                return form, f"alias {form.alias!r} in compound {word!r}"
        return None

    def find(self, doc: Doc) -> list[tuple[Span, AliasForm, str]]:
        """Every alias match (longest first at each position, overlaps dropped)."""
        found: list[tuple[Span, AliasForm, str]] = []
        matchers = [self.stems, self.letters, self.exact]
        if len(self.lower_cyrillic) and caseless(doc.text):
            matchers.append(self.lower_cyrillic)
        for matcher in matchers:
            for match_id, start, end in matcher(doc):
                form = self.forms[self.nlp.vocab.strings[match_id]]
                span = Span(doc, start, end, label=form.brand)
                how = f"alias {span.text!r}"
                if matcher is self.lower_cyrillic:
                    how = f"alias {form.alias!r} written in lower case ({span.text!r})"
                found.append((span, form, how))
        found.extend(self._token_matches(doc))
        found.sort(key=lambda f: (f[0].start, -(f[0].end - f[0].start)))
        out: list[tuple[Span, AliasForm, str]] = []
        last_end = -1
        for item in found:
            if item[0].start >= last_end:
                out.append(item)
                last_end = item[0].end
        return out

    # --- judging ---------------------------------------------------------------------------

    def _exclusion(self, span: Span) -> str | None:
        sent_norms = [t.norm_ for t in span.sent]
        for text, rule in self.exclusions.get(span.label_, []):
            n = len(rule)
            if any(sent_norms[i : i + n] == rule for i in range(len(sent_norms) - n + 1)):
                return text
        return None

    def _context(self, doc: Doc, span: Span, furniture: list[Furniture]) -> str | None:
        """The nearest context word within the window, in the main text (not furniture)."""
        norms = [t.norm_ for t in doc]
        lo = max(0, span.start - self.window[span.label_])
        hi = min(len(norms), span.end + self.window[span.label_])
        for rule in self.context[span.label_]:
            n = len(rule)
            for i in range(lo, hi - n + 1):
                if norms[i : i + n] == rule and inside(furniture, doc[i].idx) is None:
                    return doc[i : i + n].text
        return None

    def __call__(self, doc: Doc) -> Doc:
        found = self.find(doc)
        furniture = furniture_lines(doc.text)
        doc._.furniture = furniture
        quoted = [(m.start(), m.end()) for m in _QUOTED_LINE.finditer(doc.text)]
        # "Another alias of the brand" confirms an ambiguous one only from the main text.
        sure = {span.label_ for span, form, _ in found
                if not form.ambiguous and inside(furniture, span.start_char) is None
                and not any(a <= span.start_char < b for a, b in quoted)}
        text = Text([t.lower_ for t in doc], [t.norm_ for t in doc])
        query_holds: dict[str, bool] = {}
        kept: list[Span] = []
        rejected: list[Span] = []
        for span, form, why in found:
            brand = span.label_
            reason = None
            furn = inside(furniture, span.start_char)
            if any(a <= span.start_char < b for a, b in quoted):
                reason = "inside a quote of another post (a line starting with '>')"
            elif (excl := self._exclusion(span)) is not None:
                reason = f"excluded: {excl!r} in the same sentence"
            elif form.ambiguous and brand not in sure:
                if (ctx := self._context(doc, span, furniture)) is None:
                    reason = (f"ambiguous alias {span.text!r}: no context word within "
                              f"{self.window[brand]} words in the main text and no other "
                              f"alias of {brand}")
                else:
                    why += f", context {ctx!r}"
            elif form.ambiguous:
                why += ", another alias of the brand in the text"
            if reason is None and brand in self.queries:
                if brand not in query_holds:
                    query_holds[brand] = holds(self.queries[brand], text, self._norm_list)
                if query_holds[brand]:
                    why += ", query holds"
                else:
                    reason = f"query is false: {self.queries[brand]}"
            if reason is not None:
                span._.why = reason
                rejected.append(span)
                continue
            cue = channel_cue(span, platform=self.platform[brand])
            span._.kind = "channel" if cue else "brand"
            span._.in_boilerplate = furn is not None
            span._.counted = furn is None and (cue is None or self.count_channel[brand])
            if cue:
                why += f"; channel of a statement ({cue!r})" + (
                    ", counted (count_channel)" if span._.counted else ", not counted")
            if furn is not None:
                why += f"; in {furn.why}, not counted"
            span._.why = why
            kept.append(span)
        doc.spans["brands"] = kept
        doc.spans["brands_rejected"] = rejected
        return doc

    def _norm_list(self, words: list[str]) -> list[str]:
        return self._norm_words(words, self.lang)


def _same_letters(written: str, alias: str) -> bool:
    """A case-sensitive alias inside a token: the same letters in the same case."""
    return "".join(re.findall(r"[^\W_]+", written)) == "".join(re.findall(r"[^\W_]+", alias))

