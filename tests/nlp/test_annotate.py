"""Brand matching and mention-level sentiment on real sentences in de, ru and en."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
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


def test_two_brands_in_one_sentence_are_judged_apart() -> None:
    annotator = Annotator(load_brands(BRANDS))
    (a,) = annotator.annotate([("Mit Voltaro bin ich sehr zufrieden, Pedalix ist eine Katastrophe.",
                                "de")])
    assert [(m.brand, m.sentiment) for m in a.mentions] == [("Voltaro", "positive"),
                                                            ("Pedalix", "negative")]
    assert "Pedalix" not in a.mentions[0].span_text and "Voltaro" not in a.mentions[1].span_text


def test_quoted_lines_are_not_the_authors_mentions() -> None:
    (a,) = Annotator(load_brands(BRANDS)).annotate(
        [("Zitat:\n> Pedalix ist der letzte Mist\nKann ich nicht bestätigen.", "de")])
    assert a.mentions == []
    assert [r.reason for r in a.rejected] == [
        "inside a quote of another post (a line starting with '>')"]


def test_ambiguous_alias_needs_context_and_query_filters() -> None:
    from brandradar.config import Brand

    brands = [Brand(name="Kompass", aliases=["Kompass Bikes", "Kompass"], ambiguous=["Kompass"],
                    context=["E-Bike", "Akku", "Motor"]),
              Brand(name="Sberbank", aliases=["Сбербанк"], query="Сбербанк NOT (спорт* OR футбол)")]
    annotator = Annotator(brands, keyphrases=False)
    lost, battery, both, sport, bank = annotator.annotate([
        ("Ich habe meinen Kompass im Wald verloren.", "de"),
        ("Der Akku vom Kompass hält ewig.", "de"),
        ("Kompass Bikes baut gut. Der Kompass fährt leise.", "de"),
        ("Сбербанк спонсирует футбол.", "ru"),
        ("В Сбербанке опять очередь.", "ru"),
    ])
    assert lost.mentions == [] and "no context word within 30 words" in lost.rejected[0].reason
    assert [m.why for m in battery.mentions] == ["alias 'Kompass', context 'Akku'"]
    assert len(both.mentions) == 2 and "another alias" in both.mentions[1].why
    assert sport.mentions == [] and sport.rejected[0].reason.startswith("query is false")
    assert [m.matched for m in bank.mentions] == ["Сбербанке"]


def test_brands_test_cli_explains(tmp_path: Path) -> None:
    brands = tmp_path / "brands.yaml"
    brands.write_text("brands:\n  - name: Kompass\n    aliases: [Kompass]\n"
                      "    ambiguous: [Kompass]\n    context: [Akku]\n", encoding="utf-8")
    texts = tmp_path / "texts.txt"
    texts.write_text("Mein Kompass zeigt nach Norden.\nDer Akku vom Kompass ist super.\n"
                     "Kein Treffer hier.\n", encoding="utf-8")
    proc = run_cli("brands", "test", str(brands), str(texts))
    assert proc.returncode == 0, proc.stderr
    assert "- Kompass 'Kompass': ambiguous alias" in proc.stdout
    assert "+ Kompass: alias 'Kompass', context 'Akku'; positive" in proc.stdout
    assert "Kompass: 1 texts, 1 mentions, 0 kept but not counted (channel, furniture), 1 matches rejected" \
        in proc.stdout
    assert "Kein Treffer" not in proc.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("brands:\n  - name: X\n    query: '(a OR'\n", encoding="utf-8")
    proc = run_cli("brands", "test", str(bad), str(texts))
    assert proc.returncode == 2 and "missing at the end" in proc.stderr


def test_sentiment_cache_never_evicts_what_it_returns() -> None:
    from importlib import resources

    from brandradar.nlp.sentiment_model import MODEL_FILE, SentimentModel

    data = resources.files("brandradar.nlp").joinpath(MODEL_FILE).read_bytes()
    tiny = SentimentModel(data, cache_size=2)
    first = tiny.probabilities(["Der Zug ist pünktlich.", "Der Zug fällt aus."])
    # More new texts than the cache holds, mixed with cached ones, in one call.
    texts = ["Der Zug fällt aus.", "Toller Service!", "Schlechter Service.", "Der Zug ist pünktlich."]
    probs = tiny.probabilities(texts)
    assert probs.shape == (4, 3)
    # the same rows (matrix products of other shapes may differ in the last bit)
    assert np.allclose(probs[0], first[1], atol=1e-6) and np.allclose(probs[3], first[0], atol=1e-6)
    assert len(tiny._cache) == 2
