"""Key phrases on real news articles (fundus gold, MIT): brand names are no topics, and topic
aliases merge one entity's spellings across languages, scripts and inflections."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from brandradar.config import Brand, load_project
from brandradar.errors import ConfigError
from brandradar.nlp.components import TopicAliases
from brandradar.nlp.phrases import russian_phrase
from brandradar.nlp.pipeline import Annotator

GOLD = Path(__file__).resolve().parents[1] / "fixtures" / "extraction" / "fundus" / "gold.jsonl"
TOPICS = {"Istanbul": ["Стамбул"]}


def _article(article_id: str) -> tuple[str, str]:
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["id"] == article_id:
            return row["plain_text"], row["lang"]
    raise LookupError(article_id)


def _russian() -> tuple[str, str]:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]
    row = next(r for r in rows if r["lang"] == "ru")
    return row["plain_text"], "ru"


def test_one_entity_in_two_scripts_is_one_key_phrase() -> None:
    ru_text, _ = _russian()
    de_text, _ = _article("TOnline_2026_01_07")
    assert "Стамбул" in ru_text and "Istanbul" not in ru_text
    merged = Annotator([], topics=TOPICS).annotate([(ru_text, "ru"), (de_text, "de")])
    assert all("istanbul" in a.key_phrases for a in merged)
    # "в Стамбул", "в Стамбуле": every inflected form is the topic, and no longer phrase
    # around it ("переговоры в стамбуле") repeats it.
    assert not [p for a in merged for p in a.key_phrases if "стамбул" in p]
    plain = Annotator([]).annotate([(ru_text, "ru")])[0].key_phrases
    assert "istanbul" not in plain


def test_brand_names_are_not_key_phrases() -> None:
    text, lang = _article("TOnline_2026_01_07")
    phrases = Annotator([]).annotate([(text, lang)])[0].key_phrases
    assert phrases
    top_word = phrases[0].split()[-1]
    brand = Brand(name=top_word.capitalize(), aliases=[top_word])
    with_brand = Annotator([brand]).annotate([(text, lang)])[0]
    assert with_brand.mentions, "the brand must be found for the test to mean anything"
    assert not [p for p in with_brand.key_phrases if top_word in p.split()]


def test_topics_in_the_project_config(tmp_path: Path) -> None:
    cfg = tmp_path / "project.yaml"
    cfg.write_text("brands: [{name: Voltaro}]\ntopics: {SunCharge: [СанЧардж]}\n", encoding="utf-8")
    assert load_project(cfg).topics == {"SunCharge": ["СанЧардж"]}
    cfg.write_text("brands: [{name: Voltaro}]\ntopics: [SunCharge]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="topics"):
        load_project(cfg)


def test_german_sentence_initial_adjectives_are_no_topics() -> None:
    # The demo's complaint wave: "Unfassbar" is capitalised only because it starts sentences.
    text = ("Unfassbar, wie Voltaro mit dem Akku-Problem umgeht, ich bin wütend. "
            "Unfassbar, der Akku ist nach einer Woche wieder leer. Ein Akku kostet 600 Euro.")
    phrases = Annotator([]).annotate([(text, "de")])[0].key_phrases
    assert "akku" in phrases
    assert "unfassbar" not in phrases


def test_a_phrase_is_dropped_only_around_a_whole_alias() -> None:
    topics = TopicAliases({"SunCharge": ["Sun Charge", "СанЧардж"]}, "de")
    assert topics.canonical("Sun Charge") == "suncharge"
    assert topics.part_of("Sun Charge Säulen") and topics.part_of("testen SunCharge")
    assert not topics.part_of("Sun Schutz")  # one word of a two-word alias is not the topic


@pytest.mark.parametrize(("words", "lemma"), [
    ("честной цене", "честная цена"),          # the adjective agrees with the noun's lemma
    ("новых велодорожек", "новая велодорожка"),
    ("зимних шинах", "зимняя шина"),
    ("новые ножницы", "новые ножницы"),        # plural-only noun: the adjective stays plural
    ("запас хода", "запас хода"),              # a genitive attribute is kept as written
    ("городе Москве", "город москва"),
    ("сервис SunCharge", "сервис suncharge"),
    ("аккумулятора", "аккумулятор"),
    ("человек ездить", None),                  # ends in a verb
    ("ответить быстро", None),
    ("отличный", None),                        # a lone adjective
    ("одна проблема", None),                   # a pronominal adjective
    ("шлем нужен", None),                      # a short adjective: a statement, not a topic
    ("Малайзии Анваром", None),                # two nouns from two parts of a sentence
])
def test_russian_key_phrases_are_noun_phrases_with_agreeing_lemmas(
        words: str, lemma: str | None) -> None:
    assert russian_phrase(words.split()) == lemma


def test_russian_news_article_key_phrases() -> None:
    text, lang = _russian()
    phrases = Annotator([]).annotate([(text, lang)])[0].key_phrases
    # Names come out in the nominative ("Анваром Ибрагимом", "Владимира Путина") and no phrase
    # ends in a verb ("Колесников выяснял").
    assert "владимир путин" in phrases and "анвар ибрагим" in phrases
    assert not [p for p in phrases if "выясн" in p or "анваром" in p]


def test_german_plural_nouns_are_lemmatised_as_nouns() -> None:
    # In lower case "Angriffe"/"Angaben" read as the verbs "angreifen"/"angeben".
    text, lang = _article("BR_2024_08_27")
    phrases = Annotator([]).annotate([(text, lang)])[0].key_phrases
    words = {w for p in phrases for w in p.split()}
    assert {"angabe", "siedler"} <= words
    assert not words & {"angreifen", "angeben"}


def test_english_topics_are_no_verbs_handles_or_generic_words() -> None:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]
    english = [r["plain_text"] for r in rows if r["lang"] == "en"]
    notes = Annotator([], sentiment="lexicon").annotate((t, "en") for t in english)
    phrases = [p for a in notes for p in a.key_phrases]
    assert len(phrases) >= 5 * len(english)
    junk = {"more", "big", "say", "said", "look", "wear", "today", "people", "year", "time"}
    assert not [p for p in phrases if set(p.split()) & junk]
    assert not [p for p in phrases if p.startswith(("@", "#"))]


def test_names_stay_names_and_handles_are_no_topics() -> None:
    text = ("Google shut down Stadia last year. Players of Stadia got refunds, says @verge. "
            "#gaming #cloud Stadia was a cloud gaming service.")
    phrases = Annotator([], sentiment="lexicon").annotate([(text, "en")])[0].key_phrases
    assert "stadia" in phrases and "stadium" not in phrases
    assert not [p for p in phrases if "verge" in p or p in ("gaming", "cloud")]


def test_no_copyleft_keyword_library() -> None:
    import importlib.util

    assert importlib.util.find_spec("yake") is None
