"""The quality harness of the enrich stage: relevance and sentiment per language, with baselines.

Data sets (see ../shared/data/INVENTORY.md):
- en: VADER ground truth (MIT; a copy ships in tests/fixtures/sentiment_en), 3 classes from the
  mean human score: ≥ 0.5 positive, ≤ -0.5 negative, else neutral; only its test split (20 %,
  fixed by a hash of each text's id, see :mod:`brandradar.nlp.train_sentiment`) — the shipped
  classifier was trained on the train split;
- de: GermEval 2017 synchronic test (CC BY-NC; measuring only): relevance to Deutsche Bahn and
  document sentiment (micro-F1, the shared task's metric);
- ru: SentiRuEval-2016 banks test (research use; measuring only): sentiment per bank mention,
  macro-F1 over positive and negative (the official metric);
- de: PotTS (MIT) test part of the corpus author's split; ru: the test half of the RuSentNE-2023
  and RuOpinionNE-2024 validation files (MIT), each entity judged on the clause the enrich stage
  cuts for it (:mod:`brandradar.nlp.sentiment_corpora`) — their train parts trained the heads;
- de, en, ru: the dev split of the project's own sentences (``nlp/training``, CC0) — small and
  used to choose the classifier's settings, so an optimistic check that runs on a fresh clone.

``python -m brandradar.nlp.evaluation SHARED_DATA EN_DIR DOC.md`` rewrites the table in DOC.md;
sets that are absent are reported as such. Written by hand because no library evaluates brand
relevance and per-brand sentiment on these sets.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from brandradar.config import Brand
from brandradar.doctables import write_between
from brandradar.nlp.components import label, score_text
from brandradar.nlp.pipeline import Annotator
from brandradar.nlp.scores import LABELS, sentiment_scores
from brandradar.nlp.sentiment_corpora import load_all
from brandradar.nlp.sentiment_model import model
from brandradar.nlp.train_sentiment import authored_split, load_authored, load_vader, split_of

__all__ = ["LABELS", "evaluate", "sentiment_scores"]
BEGIN, END = "<!-- quality: written by `make eval` -->", "<!-- end of quality -->"

DB = [Brand(name="Deutsche Bahn", role="own",
            aliases=["Deutsche Bahn", "DB", "Bahn", "@DB_Bahn", "@DB_Info", "DB Regio", "S-Bahn",
                     "ICE", "Bahnhof", "Zugbegleiter", "Lokführer", "GDL"])]
BANKS = {
    "sberbank": Brand(name="sberbank", aliases=["Сбербанк", "Сбер", "Sberbank", "сбербанк"]),
    "vtb": Brand(name="vtb", aliases=["ВТБ", "VTB", "ВТБ24"]),
    "gazprom": Brand(name="gazprom", aliases=["Газпромбанк", "Газпром", "Gazprombank"]),
    "alfabank": Brand(name="alfabank", aliases=["Альфа-Банк", "Альфабанк", "Альфа банк",
                                                "Alfa-Bank", "Alfabank"]),
    "bankmoskvy": Brand(name="bankmoskvy", aliases=["Банк Москвы", "Bank of Moscow"]),
    "raiffeisen": Brand(name="raiffeisen", aliases=["Райффайзен", "Райффайзенбанк", "Raiffeisen"]),
    "uralsib": Brand(name="uralsib", aliases=["Уралсиб", "Uralsib"]),
    "rshb": Brand(name="rshb", aliases=["Россельхозбанк", "РСХБ", "Rosselkhozbank"]),
}


@dataclass
class Row:
    """One line of the quality table."""

    lang: str
    task: str
    dataset: str
    system: str
    n: int
    scores: dict[str, float]


def _majority(gold: list[str]) -> list[str]:
    return [Counter(gold).most_common(1)[0][0]] * len(gold)


def _sentiment_rows(lang: str, dataset: str, gold: list[str], ours: list[str],
                    lexicon: list[str], lexicon_name: str) -> list[Row]:
    return [Row(lang, "sentiment", dataset, "brandradar (e5 classifier)", len(gold),
                sentiment_scores(gold, ours)),
            Row(lang, "sentiment", dataset, lexicon_name, len(gold),
                sentiment_scores(gold, lexicon)),
            Row(lang, "sentiment", dataset, "majority class", len(gold),
                sentiment_scores(gold, _majority(gold)))]


def _judged_where(texts: list[str], needed: list[bool], lang: str) -> list[str]:
    """The classifier's label for the texts that need one ("" elsewhere): embedding costs
    about 25 ms a text, and most documents are answered by their mentions."""
    subset = [t for t, n in zip(texts, needed, strict=True) if n]
    labels = iter(v for v, _ in model().judge(subset, lang))
    return [next(labels) if n else "" for n in needed]


def _document_label(mentions: list[str], fallback: str) -> str:
    """A document's answer from its mentions' labels (the most frequent), else the fallback."""
    labels = Counter(m for m in mentions if m != "unscored")
    return labels.most_common(1)[0][0] if labels else fallback


def eval_english(folder: Path) -> list[Row]:
    """VADER ground truth, test split: document sentiment, 3 classes."""
    test = [e for e in load_vader(folder) if split_of(e.key) == "test"]
    gold, texts = [e.label for e in test], [e.text for e in test]
    ours = [verdict for verdict, _ in model().judge(texts, "en")]
    lexicon = [label(score_text(t, "en")) for t in texts]
    return _sentiment_rows("en", "VADER ground truth (4 sets), test split", gold, ours, lexicon,
                           "VADER (lexicon)")


def eval_authored() -> list[Row]:
    """The project's own sentences, dev split, per language (classifier and lexicon)."""
    rows = []
    dev = [e for e in load_authored() if authored_split(e.key) == "dev"]
    for lang in ("de", "en", "ru"):
        part = [e for e in dev if e.key.startswith(f"{lang}:")]
        gold = [e.label for e in part]
        ours = [verdict for verdict, _ in model().judge([e.text for e in part], lang)]
        lexicon = [label(score_text(e.text, lang)) for e in part]
        rows.append(Row(lang, "sentiment", "brandradar authored sentences, dev split",
                        "brandradar (e5 classifier)", len(part), sentiment_scores(gold, ours)))
        rows.append(Row(lang, "sentiment", "brandradar authored sentences, dev split",
                        "lexicon", len(part), sentiment_scores(gold, lexicon)))
    return rows


def eval_corpora(shared: Path) -> list[Row]:
    """The test parts of the shippable German and Russian corpora (PotTS tweets; RuSentNE and
    RuOpinionNE entity mentions, each judged on the text the enrich stage would cut for it)."""
    rows = []
    examples = [e for e in load_all(shared) if e.split == "test"]
    for lang, name in (("de", "PotTS test (CGSA split)"),
                       ("ru", "RuSentNE-2023 + RuOpinionNE-2024 validation, test half")):
        part = [e for e in examples if e.lang == lang]
        if not part:
            continue
        texts, gold = [e.text for e in part], [e.label for e in part]
        ours = [verdict for verdict, _ in model().judge(texts, lang)]
        lexicon = [label(score_text(t, lang)) for t in texts]
        rows.extend(_sentiment_rows(lang, name, gold, ours, lexicon, "project lexicon"))
    return rows


def eval_german(folder: Path) -> list[Row]:
    """GermEval 2017 synchronic test: relevance to Deutsche Bahn and document sentiment."""
    csv.field_size_limit(10_000_000)
    with (folder / "test_syn-2017-09-15.tsv").open(encoding="utf-8") as fh:
        data = list(csv.DictReader(fh, delimiter="\t"))
    texts = [d["text"] for d in data]
    notes = Annotator(DB, keyphrases=False).annotate((t, "de") for t in texts)
    lex_notes = Annotator(DB, keyphrases=False, sentiment="lexicon").annotate(
        (t, "de") for t in texts)
    gold_rel = [d["relevance"] == "true" for d in data]
    pred_rel = [bool(a.mentions) for a in notes]
    tp = sum(g and p for g, p in zip(gold_rel, pred_rel, strict=True))
    prec = tp / sum(pred_rel) if any(pred_rel) else 0.0
    rec = tp / sum(gold_rel)
    rel = Row("de", "relevance", "GermEval 2017 test_syn", "brandradar (brand matcher)", len(data),
              {"precision": prec, "recall": rec,
               "f1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0})
    gold = [d["sentiment"] for d in data]
    # A document without a mention is judged as a whole by the same method.
    whole = _judged_where(texts, [not a.mentions for a in notes], "de")
    whole_lex = [label(score_text(t, "de")) for t in texts]
    ours = [_document_label([m.sentiment for m in a.mentions], w)
            for a, w in zip(notes, whole, strict=True)]
    lexicon = [_document_label([m.sentiment for m in a.mentions], w)
               for a, w in zip(lex_notes, whole_lex, strict=True)]
    return [rel, *_sentiment_rows("de", "GermEval 2017 test_syn", gold, ours, lexicon,
                                  "project lexicon (per mention)")]


def eval_russian(folder: Path) -> list[Row]:
    """SentiRuEval-2016 banks: sentiment per bank target (official: macro-F1 over pos/neg)."""
    with (folder / "banks_test_etalon.tsv").open(encoding="utf-8") as fh:
        data = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    banks = list(BANKS.values())
    texts = [d["text"] for d in data]
    notes = Annotator(banks, keyphrases=False).annotate((t, "ru") for t in texts)
    lex_notes = Annotator(banks, keyphrases=False, sentiment="lexicon").annotate(
        (t, "ru") for t in texts)
    wholes = _judged_where(texts, [
        any((d.get(b) or "NULL").strip() in ("-1", "0", "1") and
            not any(m.brand == b for m in a.mentions) for b in BANKS)
        for d, a in zip(data, notes, strict=True)], "ru")
    names = {"-1": "negative", "0": "neutral", "1": "positive"}
    gold, ours, lexicon, found = [], [], [], 0
    for d, a, la, whole in zip(data, notes, lex_notes, wholes, strict=True):
        whole_lex = label(score_text(d["text"], "ru"))
        for bank in BANKS:
            value = (d.get(bank) or "NULL").strip()
            if value not in names:
                continue
            gold.append(names[value])
            mine = [m.sentiment for m in a.mentions if m.brand == bank]
            found += bool(mine)
            ours.append(_document_label(mine, whole))
            lexicon.append(_document_label([m.sentiment for m in la.mentions if m.brand == bank],
                                           whole_lex))
    rows = _sentiment_rows("ru", "SentiRuEval-2016 banks", gold, ours, lexicon,
                           "project lexicon (per mention)")
    rows.append(Row("ru", "relevance", "SentiRuEval-2016 banks", "brandradar (brand matcher)",
                    len(gold), {"recall": found / len(gold)}))
    return rows


def evaluate(shared_data: Path, english: Path) -> tuple[list[Row], list[str]]:
    """All rows that the available data allows, and the names of sets that were missing."""
    rows, missing = [*eval_english(english), *eval_authored(), *eval_corpora(shared_data)], []
    sets = [(shared_data / "eval_only_noncommercial" / "germeval_2017_test_syn", eval_german),
            (shared_data / "eval_only_noncommercial" / "sentirueval_2016_banks", eval_russian)]
    for folder, fn in sets:
        if folder.is_dir():
            rows.extend(fn(folder))
        else:
            missing.append(folder.name)
    return rows, missing


def render(rows: list[Row], missing: list[str]) -> str:
    """The Markdown table of docs/quality.md."""
    keys = ["accuracy", "macro_f1", "macro_f1_pos_neg", "f1_positive", "f1_negative", "f1_neutral",
            "precision", "recall", "f1"]
    out = ["| lang | task | data set | system | n | " + " | ".join(keys) + " |",
           "|---|---|---|---|---:|" + "---:|" * len(keys)]
    for r in rows:
        cells = [f"{r.scores[k]:.3f}" if k in r.scores else "" for k in keys]
        out.append(f"| {r.lang} | {r.task} | {r.dataset} | {r.system} | {r.n} | " + " | ".join(cells) + " |")
    if missing:
        out.append("")
        out.append("Not measured (data folder absent): " + ", ".join(missing))
    return "\n".join(out) + "\n"


def main() -> None:
    """Rewrite the table between the markers of a docs file."""
    shared, english, doc = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    rows, missing = evaluate(shared, english)
    write_between(doc, BEGIN, END, render(rows, missing))


if __name__ == "__main__":
    main()
