"""The German and Russian training corpora are read in the shape the classifier meets at run
time: whole short posts, and for entity-level news the clause the enrich stage cuts around each
entity. Real slices of PotTS, RuSentNE-2023, RuOpinionNE-2024 and CEDR (tests/fixtures)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from brandradar.nlp.sentiment_corpora import (
    cedr_label,
    detokenise,
    load_all,
    load_cedr,
    load_potts,
    load_ruopinionne,
    load_rusentne,
    rusentne_sentences,
)

CORPORA = Path(__file__).resolve().parents[1] / "fixtures" / "sentiment_corpora"


def test_potts_tweets_are_untokenised_split_by_the_author_and_mixed_is_dropped() -> None:
    tweets = load_potts(CORPORA)
    assert Counter(e.label for e in tweets) == {"positive": 30, "negative": 30, "neutral": 30}
    assert {e.split for e in tweets} <= {"train", "dev", "test"} and len({e.split for e in tweets}) == 3
    assert all(e.lang == "de" and e.corpus == "PotTS" for e in tweets)
    # the corpus is tokenised ("leben , wir"); what the model reads is not
    assert not any(" ," in e.text or " ." in e.text.rstrip(".") or "&amp;" in e.text
                   for e in tweets)
    assert detokenise("Weiter geht ' s ( heute ) , oder ?") == "Weiter geht's (heute), oder?"


def test_entities_are_judged_on_their_clause_as_in_the_enrich_stage() -> None:
    mentions = load_rusentne(CORPORA)
    sentences = rusentne_sentences(CORPORA)
    # every judged text is a piece of one real sentence
    assert all(any(e.text in s for s in sentences) for e in mentions)
    # a long sentence naming several entities is cut: some judged texts are shorter than any
    # sentence that holds them
    cut = [e for e in mentions if all(len(e.text) < len(s) for s in sentences if e.text in s)]
    assert cut
    # the train file trains; the labelled validation file is halved into dev and test
    assert {e.split for e in mentions if e.key.startswith("rusentne:train")} == {"train"}
    assert {e.split for e in mentions if e.key.startswith("rusentne:validation")} == {"dev", "test"}
    assert {e.label for e in mentions} == {"negative", "neutral", "positive"}


def test_ruopinionne_adds_only_sentences_rusentne_does_not_hold() -> None:
    opinions = load_ruopinionne(CORPORA)
    sentences = rusentne_sentences(CORPORA)
    assert opinions and {e.label for e in opinions} == {"negative", "positive"}
    assert not any(e.text in sentences for e in opinions)
    # 2 of the 10 sentences per file are in RuSentNE: none of their opinions is read
    per_file: dict[str, set[str]] = {}
    for e in opinions:
        per_file.setdefault(e.key.split(":")[1], set()).add(e.key.split(":")[2])
    assert {part: len(ids) for part, ids in per_file.items()} == {"train": 8, "validation": 8}


def test_cedr_emotions_map_to_polarity_as_its_provenance_says() -> None:
    assert cedr_label(set()) == "neutral"
    assert cedr_label({"joy"}) == "positive"
    assert cedr_label({"anger", "sadness"}) == "negative"
    assert cedr_label({"surprise"}) is None
    assert cedr_label({"joy", "fear"}) is None
    assert cedr_label({"joy", "surprise"}) == "positive"
    rows = load_cedr(CORPORA)
    assert {e.split for e in rows} == {"train"}  # the mapping is approximate: never a yardstick
    assert len(rows) < 60 and {e.label for e in rows} == {"negative", "neutral", "positive"}


def test_load_all_reads_what_is_present_and_skips_what_is_not(tmp_path: Path) -> None:
    everything = load_all(CORPORA)
    assert {e.corpus for e in everything} == {"PotTS", "RuSentNE-2023", "RuOpinionNE-2024", "CEDR"}
    assert len({e.key for e in everything}) == len(everything)
    assert load_all(tmp_path) == []
