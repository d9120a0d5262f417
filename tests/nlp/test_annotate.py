"""Brand matching and mention-level sentiment on real sentences in de, ru and en."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from brandradar.config import load_brands
from brandradar.nlp.pipeline import Annotator, build
from tests.conftest import run_cli

BRANDS = Path(__file__).resolve().parents[2] / "brandradar" / "demo" / "brands.yaml"


@pytest.fixture(scope="module")
def annotator() -> Annotator:
    return Annotator(load_brands(BRANDS))


def _mentions(annotator: Annotator, text: str, lang: str | None = None) -> list[tuple[str, str, str]]:
    (a,) = annotator.annotate([(text, lang)])
    return [(m.brand, m.matched, m.sentiment) for m in a.mentions]


def test_each_brand_gets_its_own_sentiment(annotator: Annotator) -> None:
    got = _mentions(annotator, "Mit Voltaro bin ich sehr zufrieden, aber Pedalix ist eine Katastrophe.")
    assert got == [("Voltaro", "Voltaro", "positive"), ("Pedalix", "Pedalix", "negative")]
    got = _mentions(annotator, "I love my Strombike, but the Nordrad was a huge disappointment.")
    assert got == [("Strombike", "Strombike", "positive"), ("Nordrad", "Nordrad", "negative")]


@pytest.mark.parametrize("text,form", [
    ("С Педаликсом одни проблемы, переключатель постоянно заедает.", "Педаликсом"),
    ("Отзывы о Стромбайке на форуме самые разные.", "Стромбайке"),
    ("Voltaros Kundendienst ist eine Katastrophe.", "Voltaros"),
])
def test_inflected_brand_names_match(annotator: Annotator, text: str, form: str) -> None:
    assert [m[1] for m in _mentions(annotator, text)] == [form]


def test_negation_flips_german_and_russian(annotator: Annotator) -> None:
    assert _mentions(annotator, "Mit Nordrad bin ich nicht zufrieden.")[0][2] == "negative"
    assert _mentions(annotator, "Нордрад мне не нравится.")[0][2] == "negative"


def test_exclusions_and_case_keep_common_words_out(annotator: Annotator) -> None:
    assert _mentions(annotator, "Die Politik braucht einen moralischen Kompass.") == []
    assert _mentions(annotator, "Ohne Kompass und Karte wäre ich verloren.") == []
    assert _mentions(annotator, "ein kompass zeigt nach norden", "de") == []
    assert _mentions(annotator, "Kompass liefert ein hervorragendes Rad.")[0][0] == "Kompass"


def test_other_languages_are_unscored_not_misjudged(annotator: Annotator) -> None:
    (a,) = annotator.annotate([("Le vélo Voltaro est vraiment magnifique et très rapide.", None)])
    assert a.lang == "fr"
    assert [(m.brand, m.sentiment, m.score) for m in a.mentions] == [("Voltaro", "unscored", 0.0)]


def test_pipeline_round_trips_through_disk(tmp_path: Path) -> None:
    nlp = build("de", load_brands(BRANDS))
    nlp.to_disk(tmp_path / "de")
    loaded = spacy.load(tmp_path / "de")
    doc = loaded("Mit Voltaro bin ich sehr zufrieden.")
    assert [(s.label_, s._.sentiment) for s in doc.spans["brands"]] == [("Voltaro", "positive")]


def test_annotate_cli_batch_keeps_order(tmp_path: Path) -> None:
    lines = []
    texts = ["Mit Voltaro bin ich sehr zufrieden.", "Сервис Педаликса ужасный.",
             "Nothing to see here.", "The Nordrad app crashes all the time, it is awful."]
    for i in range(2000):
        lines.append(json.dumps({"id": f"d{i}", "text": texts[i % 4]}, ensure_ascii=False))
    proc = run_cli("annotate", "--brands", str(BRANDS), input_text="\n".join(lines) + "\n")
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["id"] for o in out] == [f"d{i}" for i in range(2000)]
    assert out[0]["lang"] == "de" and out[1]["lang"] == "ru" and out[3]["lang"] == "en"
    assert [m["sentiment"] for m in out[0]["mentions"]] == ["positive"]
    assert [m["brand"] for m in out[1]["mentions"]] == ["Pedalix"]
    assert out[1]["mentions"][0]["sentiment"] == "negative"
    assert out[2]["mentions"] == []
    for o in out:
        for m in o["mentions"]:
            assert -1 <= m["score"] <= 1
            assert texts[int(o["id"][1:]) % 4][m["start"]:m["end"]]


def test_annotate_cli_names_the_bad_line() -> None:
    proc = run_cli("annotate", "--brands", str(BRANDS), input_text='{"id": 1, "text": "ok"}\nnot json\n')
    assert proc.returncode == 2
    assert "stdin line 2" in proc.stderr
