"""Key-phrase candidates of one document and their ranking — without YAKE.

YAKE's upstream licence file is AGPL-3.0 (its package metadata says LGPL), which a product that
others deploy cannot carry, so brandradar proposes and ranks phrases itself, in a way that can be
explained to a user:

1. **Candidates** are runs of content words, cut at stop words (spaCy's lists for de/en/ru),
   punctuation, numbers, handles, hashtags, links and page furniture lines (the classic RAKE
   idea); every one- and two-word piece of a run is a candidate.
2. **Noun phrases only**: a German phrase ends in a capitalised noun and a word capitalised only
   where it starts a sentence is no noun; a Russian phrase is a noun phrase by pymorphy3
   (:mod:`brandradar.nlp.phrases`); an English phrase does not end in an adverb or a generic
   word. Generic words per language ("more", "big", "Jahr", "время") are never topics.
3. **Lemmas**: the phrase's lemma (:func:`brandradar.nlp.phrases.phrase_lemma`); an English word
   capitalised inside a sentence is a name and stays as written ("Stadia", not "stadium").
4. **Rank**: how often the document uses the phrase, weighted up when it first appears early
   (headline and lead) and when it has two words; a single word that only occurs inside a chosen
   two-word phrase is a fragment of it and is dropped.

Written here because no permissively licensed, maintained library extracts noun-phrase key
phrases in German and Russian without a trained parser (none is installable here).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from spacy.tokens import Doc

from brandradar.nlp.furniture import furniture_lines, inside
from brandradar.nlp.phrases import phrase_lemma

# Words that are frequent in any text about anything: never a topic on their own.
GENERIC = {
    "en": {"more", "big", "new", "good", "great", "bad", "best", "year", "years", "time", "times",
           "people", "way", "thing", "things", "today", "day", "days", "week", "weeks", "month",
           "months", "lot", "lots", "part", "number", "point", "case", "fact", "kind", "sort",
           "place", "world", "man", "woman", "home", "right", "end", "use", "work", "story",
           "news", "report", "article", "update", "photo", "image", "video", "link", "click",
           "comment", "comments", "reader", "readers", "editor", "staff", "percent", "per cent",
           "row", "involve", "tuesday", "monday", "wednesday", "thursday", "friday", "saturday",
           "sunday", "yesterday", "tomorrow", "morning", "evening", "night", "hour", "hours"},
    "de": {"jahr", "jahre", "zeit", "mal", "tag", "tage", "woche", "wochen", "monat", "monate",
           "leute", "menschen", "ding", "dinge", "teil", "art", "weise", "fall", "frage",
           "prozent", "euro", "uhr", "stunde", "stunden", "minute", "minuten", "ende", "anfang",
           "beispiel", "seite", "artikel", "foto", "bild", "video", "link", "kommentar",
           "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag",
           "heute", "gestern", "morgen", "abend", "nacht", "grund", "thema", "problem"},
    "ru": {"год", "время", "раз", "день", "неделя", "месяц", "человек", "люди", "дело", "вещь",
           "часть", "случай", "вопрос", "процент", "рубль", "час", "минута", "конец", "начало",
           "пример", "сторона", "статья", "фото", "видео", "ссылка", "комментарий", "сегодня",
           "вчера", "завтра", "утро", "вечер", "ночь", "понедельник", "вторник", "среда",
           "четверг", "пятница", "суббота", "воскресенье", "проблема", "тема"},
}
# English has no word-class tagger here: the most frequent verbs (as lemmas) end no topic.
COMMON_VERBS_EN = {
    "be", "have", "do", "say", "go", "get", "make", "know", "think", "take", "see", "come",
    "want", "look", "use", "find", "give", "tell", "work", "call", "try", "ask", "need", "feel",
    "become", "leave", "put", "mean", "keep", "let", "begin", "seem", "help", "talk", "turn",
    "start", "show", "hear", "play", "run", "move", "like", "live", "believe", "hold", "bring",
    "happen", "write", "provide", "sit", "stand", "lose", "pay", "meet", "include", "continue",
    "set", "learn", "change", "lead", "understand", "watch", "follow", "stop", "create", "speak",
    "read", "allow", "add", "spend", "grow", "open", "walk", "win", "offer", "remember", "love",
    "consider", "appear", "buy", "wait", "serve", "die", "send", "expect", "build", "stay",
    "fall", "cut", "reach", "kill", "remain", "suggest", "raise", "pass", "sell", "require",
    "report", "decide", "pull", "wear", "dare", "drop", "announce", "claim", "note",
    "accord", "post", "share", "release", "plan", "hope", "agree", "according"}
_ADVERB = re.compile(r"ly$")
_HAS_DIGIT = re.compile(r"\d")
# Ranking weights (see the module docstring): an early first use, a two-word phrase.
EARLY_SENTENCES = 3
EARLY_BONUS = 1.0
TWO_WORD_BONUS = 1.3


@dataclass
class Candidate:
    """One lemma with its occurrences in the document."""

    lemma: str
    words: int
    count: int = 0
    first_sentence: int = 0
    first_char: int = 0

    def score(self) -> float:
        """Frequency, weighted up for an early first use and for two words."""
        early = EARLY_BONUS if self.first_sentence < EARLY_SENTENCES else 0.0
        return self.count * (1.0 + early) * (TWO_WORD_BONUS if self.words == 2 else 1.0)


def _glued(doc: Doc, i: int) -> bool:
    """Whether token ``i`` is a hyphen inside a word ("премьер-министр", "Akku-Problem" where
    the tokenizer splits hyphens)."""
    tok = doc[i]
    return (tok.text == "-" and 0 < i < len(doc) - 1 and not doc[i - 1].whitespace_
            and not tok.whitespace_ and doc[i - 1].is_alpha and doc[i + 1].is_alpha)


def _units(doc: Doc) -> list[tuple[int, list[tuple[int, int]]]]:
    """(sentence number, words as token ranges) of every run of content words outside
    furniture; a word is one token or several glued by hyphens."""
    furniture = doc._.furniture if doc._.furniture is not None else furniture_lines(doc.text)
    runs: list[tuple[int, list[tuple[int, int]]]] = []
    for n, sent in enumerate(doc.sents):
        run: list[tuple[int, int]] = []
        i = sent.start
        while i < sent.end:
            j = i + 1
            while j + 1 < sent.end and _glued(doc, j):
                j += 2
            tok = doc[i]
            prev = doc[i - 1].text if i > 0 else ""
            single = j == i + 1
            breaks = (tok.is_punct or tok.is_space or (single and tok.is_stop) or tok.like_num
                      or tok.like_url or tok.like_email or tok.text[:1] in "@#" or prev == "#"
                      or bool(_HAS_DIGIT.search(doc[i:j].text)) or len(doc[i:j].text) < 2
                      or not any(c.isalpha() for c in tok.text)
                      or inside(furniture, tok.idx) is not None)
            if breaks:
                if run:
                    runs.append((n, run))
                run = []
            else:
                run.append((i, j))
            i = j
        if run:
            runs.append((n, run))
    return runs


def only_sentence_initial(doc: Doc) -> set[str]:
    """The words whose every occurrence in the document begins a sentence (one pass: asking
    per candidate made ranking quadratic in the document's length)."""
    initial: dict[str, bool] = {}
    for t in doc:
        initial[t.text] = initial.get(t.text, True) and bool(t.is_sent_start)
    return {word for word, always in initial.items() if always}


def _noun_phrase(doc: Doc, words: list[tuple[int, int]], lang: str,
                 initial_only: set[str]) -> bool:
    head = doc[words[-1][0]]
    if lang == "de":
        if not head.text[:1].isupper():
            return False
        # A word capitalised only where it begins a sentence may be any word class.
        return not (len(words) == 1 and head.text in initial_only)
    if lang == "en":
        last = doc[words[-1][1] - 1].lower_
        return not _ADVERB.search(last) and not any(
            phrase_lemma([doc[a:b].text], "en") in COMMON_VERBS_EN for a, b in words)
    return True


def _lemma(doc: Doc, words: list[tuple[int, int]], lang: str) -> str | None:
    texts = [doc[a:b].text for a, b in words]
    if lang == "en" and all(doc[a].text[:1].isupper() and not doc[a].is_sent_start
                            for a, _ in words):
        return " ".join(texts).lower()  # a name: "Stadia", not "stadium"
    return phrase_lemma(texts, lang)


def rank(doc: Doc, lang: str, skip: Callable[[str, list[str]], bool], top: int) -> list[str]:
    """The document's best key phrases (lemmas), best first.

    ``skip(lemma, words)`` drops a candidate for the caller's reasons (brand names, topic
    aliases).
    """
    generic = GENERIC.get(lang, GENERIC["en"])
    found: dict[str, Candidate] = {}
    initial_only = only_sentence_initial(doc) if lang == "de" else set()
    for sent_no, run in _units(doc):
        for size in (2, 1):
            for i in range(len(run) - size + 1):
                words = run[i : i + size]
                if not _noun_phrase(doc, words, lang, initial_only):
                    continue
                lemma = _lemma(doc, words, lang)
                if not lemma or len(lemma) <= 2 or lemma in generic \
                        or lemma.split()[-1] in generic:
                    continue
                if skip(lemma, [doc[a:b].text for a, b in words]):
                    continue
                cand = found.setdefault(lemma, Candidate(lemma, size, first_sentence=sent_no,
                                                         first_char=doc[words[0][0]].idx))
                cand.count += 1
    pairs = [c.lemma for c in found.values() if c.words == 2]
    chosen = sorted(found.values(), key=lambda c: (-c.score(), c.first_char))
    out: list[str] = []
    for cand in chosen:
        # A single word used no more often than a chosen phrase it stands in is a fragment.
        if cand.words == 1 and any(p in out and found[p].count >= cand.count
                                   for p in pairs if cand.lemma in p.split()):
            continue
        out.append(cand.lemma)
        if len(out) >= top:
            break
    return out
