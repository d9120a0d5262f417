"""Readers for the shippable German and Russian sentiment corpora in ``../shared/data``.

Every reader returns :class:`Example` rows in the shape the shipped classifier sees at run time:
the text a mention is judged on. A tweet-level label (PotTS) is a whole short text; an
entity-level label (RuSentNE-2023, RuOpinionNE-2024) becomes the clause the enrich stage would
cut around that entity (:func:`brandradar.nlp.components.clause_of`, with the sentence's other
labelled entities as the neighbours), or the whole sentence when it is short and names one
entity, exactly as :func:`brandradar.nlp.components.judged_whole` decides for a brand.

Splits are fixed and never use a set's test part for choosing anything:

- PotTS (MIT): the corpus author's own CGSA split (train / dev / test); ``mixed`` is dropped
  (a three-class head has no place for it);
- RuSentNE-2023 (MIT): its train file trains; its labelled validation file is cut in two by a
  hash of the sentence — dev (choosing) and test (the quality table);
- RuOpinionNE-2024 (MIT): only sentences that are not in RuSentNE (85 % are), each opinion
  target with its POS / NEG polarity; split like RuSentNE by a hash of the sentence;
- CEDR (Apache-2.0): emotions mapped to polarity as its PROVENANCE describes (approximate:
  "no emotion" is not "neutral towards a brand"), train part only, its weight chosen on dev.

Written by hand because each corpus has its own format and none of them is packaged.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from brandradar.nlp.components import clause_of, judged_whole


@dataclass(frozen=True)
class Example:
    """One labelled text: ``key`` names its corpus and item, ``split`` is train / dev / test."""

    key: str
    text: str
    label: str
    lang: str
    split: str
    corpus: str


POTTS = "sentiment_de_potts"
RUSENTNE = "sentiment_ru_rusentne2023"
RUOPINIONNE = "sentiment_ru_ruopinionne2024"
CEDR = "emotion_ru_cedr"

# PotTS is tokenised ("leben , wir"); the model reads untokenised text, so the spaces the
# tokeniser put before punctuation and inside brackets and quotes are removed again.
_SPACE_BEFORE = re.compile(r" ([.,;:!?)\]}»“])")
_SPACE_AFTER = re.compile(r"([(\[{„«]) ")
_APOSTROPHE = re.compile(r" ' (?=\w)")


def detokenise(text: str) -> str:
    """PotTS text as it was typed: entities unescaped, no space before punctuation."""
    text = _APOSTROPHE.sub("'", html.unescape(text))
    return _SPACE_AFTER.sub(r"\1", _SPACE_BEFORE.sub(r"\1", text))


def _half(text: str) -> str:
    """dev or test for a validation sentence, fixed by its hash."""
    return "dev" if int(hashlib.sha1(text.encode()).hexdigest()[:8], 16) % 2 == 0 else "test"


def load_potts(shared: Path) -> list[Example]:
    """PotTS tweets with the CGSA split; ``mixed`` dropped."""
    folder = shared / POTTS
    splits: dict[str, str] = {}
    with (folder / "potts_cgsa_files.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            # The one tweet in both CGSA train and test counts as test, so nothing tested was seen.
            if splits.get(row["id"]) != "test":
                splits[row["id"]] = row["cgsa_split"]
    out = []
    with (folder / "potts_tweets.tsv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["label"] == "mixed":
                continue
            out.append(Example(f"potts:{row['id']}", detokenise(row["text"]), row["label"], "de",
                               splits[row["id"]], "PotTS"))
    return out


@dataclass(frozen=True)
class _Target:
    start: int
    end: int
    label: str


def _sentencizer(lang: str) -> Language:
    nlp = spacy.blank(lang)
    nlp.add_pipe("sentencizer")
    return nlp


def judged_texts(nlp: Language, sentence: str, targets: list[_Target]) -> Iterator[tuple[str, str]]:
    """(judged text, label) per target, cut as the enrich stage cuts a brand's clause."""
    doc: Doc = nlp(sentence)
    spans: list[Span] = []
    for n, t in enumerate(targets):
        span = doc.char_span(t.start, t.end, label=f"e{n}", alignment_mode="expand")
        if span is not None and len(span):
            spans.append(span)
    # Each target has its own label, so the "one brand" of the judge is "one target" here.
    whole = judged_whole(doc, spans)
    for span in spans:
        start, end = (0, len(sentence)) if whole else clause_of(span, spans)
        text = sentence[start:end].strip()
        if text:
            yield text, targets[int(span.label_[1:])].label


def _open_rusentne(folder: Path, part: str) -> IO[str]:
    if part == "train":
        return gzip.open(folder / "train_data.csv.gz", "rt", encoding="utf-8")
    return (folder / "validation_data_labeled.csv").open(encoding="utf-8")


def load_rusentne(shared: Path) -> list[Example]:
    """RuSentNE-2023 entity mentions: train file → train, validation → dev / test by sentence."""
    folder = shared / RUSENTNE
    names = {"-1": "negative", "0": "neutral", "1": "positive"}
    nlp = _sentencizer("ru")
    out: list[Example] = []
    for part in ("train", "validation"):
        by_sentence: dict[str, list[_Target]] = {}
        with _open_rusentne(folder, part) as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                by_sentence.setdefault(row["sentence"], []).append(
                    _Target(int(row["entity_pos_start_rel"]), int(row["entity_pos_end_rel"]),
                            names[row["label"].strip()]))
        for n, (sentence, targets) in enumerate(by_sentence.items()):
            split = "train" if part == "train" else _half(sentence)
            for m, (text, label) in enumerate(judged_texts(nlp, sentence, targets)):
                out.append(Example(f"rusentne:{part}:{n}:{m}", text, label, "ru", split,
                                   "RuSentNE-2023"))
    return out


def rusentne_sentences(shared: Path) -> set[str]:
    """Every sentence of RuSentNE-2023 (to leave RuOpinionNE's copies of them out)."""
    out: set[str] = set()
    for part in ("train", "validation"):
        with _open_rusentne(shared / RUSENTNE, part) as fh:
            out.update(row["sentence"] for row in csv.DictReader(fh, delimiter="\t"))
    return out


def load_ruopinionne(shared: Path) -> list[Example]:
    """RuOpinionNE-2024 opinion targets in sentences RuSentNE does not hold."""
    folder, seen = shared / RUOPINIONNE, rusentne_sentences(shared)
    nlp = _sentencizer("ru")
    out: list[Example] = []
    for name, part in (("train.jsonl", "train"), ("validation_labeled.jsonl", "validation")):
        with (folder / name).open(encoding="utf-8") as fh:
            for line in fh:
                item = json.loads(line)
                text = item["text"]
                if text in seen or not item["opinions"]:
                    continue
                targets: dict[tuple[int, int], str] = {}
                for op in item["opinions"]:
                    start, end = (int(x) for x in op["Target"][1][0].split(":"))
                    label = "positive" if op["Polarity"] == "POS" else "negative"
                    # A target judged both ways in one sentence is left out: no single label fits.
                    key = (start, end)
                    targets[key] = label if targets.get(key, label) == label else "conflict"
                kept = [_Target(s, e, lab) for (s, e), lab in targets.items() if lab != "conflict"]
                split = "train" if part == "train" else _half(text)
                for m, (judged, label) in enumerate(judged_texts(nlp, text, kept)):
                    out.append(Example(f"ruopinionne:{part}:{item['sent_id']}:{m}", judged,
                                       label, "ru", split, "RuOpinionNE-2024"))
    return out


_NEGATIVE_EMOTIONS = {"sadness", "fear", "anger"}


def cedr_label(emotions: set[str]) -> str | None:
    """Polarity of a CEDR emotion set by the PROVENANCE mapping (None: dropped)."""
    emotions = emotions - {"surprise"} if len(emotions) > 1 else emotions
    if not emotions:
        return "neutral"
    if emotions == {"surprise"}:
        return None
    joy, negative = "joy" in emotions, bool(emotions & _NEGATIVE_EMOTIONS)
    if joy and negative:
        return None
    return "positive" if joy else "negative"


def load_cedr(shared: Path) -> list[Example]:
    """CEDR training sentences with their mapped polarity (never dev or test: the mapping is
    approximate, so it is not a yardstick)."""
    names = ["joy", "sadness", "surprise", "fear", "anger"]
    out = []
    with (shared / CEDR / "cedr-main-train.csv").open(encoding="utf-8") as fh:
        for n, row in enumerate(csv.DictReader(fh)):
            # Codes in brackets separated by spaces ("[1 4]"), not JSON.
            label = cedr_label({names[int(c)] for c in re.findall(r"\d", row["labels"])})
            if label is not None:
                out.append(Example(f"cedr:{n}", row["text"], label, "ru", "train", "CEDR"))
    return out


def yardstick(e: Example) -> str:
    """The name of the set an example is measured in: RuSentNE and RuOpinionNE (the same news,
    entity-level) are one Russian news set; every other corpus is its own."""
    return "RuSentNE+RuOpinionNE" if e.corpus in ("RuSentNE-2023", "RuOpinionNE-2024") \
        else e.corpus


def load_all(shared: Path) -> list[Example]:
    """Every example of the four corpora that are present under ``shared``."""
    readers = [(POTTS, load_potts), (RUSENTNE, load_rusentne), (RUOPINIONNE, load_ruopinionne),
               (CEDR, load_cedr)]
    out: list[Example] = []
    for folder, reader in readers:
        if (shared / folder).is_dir():
            out.extend(reader(shared))
    return out
