"""One topic for one concept across languages and spellings (nlp/topic_groups.py), with the
real multilingual encoder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from brandradar.config import TrendRules
from brandradar.index.analytics import trending_topics
from brandradar.index.duckdb.store import DuckDBStore
from brandradar.nlp.topic_groups import group_phrases, is_name, topics_of


def test_a_concept_in_three_languages_is_one_topic_and_concepts_stay_apart() -> None:
    phrases = ["Akku", "Preis", "battery", "цена", "аккумулятор", "price", "Lieferung",
               "доставка", "delivery", "Rahmen", "frame"]
    groups = group_phrases(phrases)
    assert groups["battery"] == groups["аккумулятор"] == "Akku"
    assert groups["цена"] == groups["price"] == "Preis"
    assert groups["доставка"] == groups["delivery"] == "Lieferung"
    assert groups["frame"] == "Rahmen"
    assert len(set(groups.values())) == 4
    # the most frequent spelling names a topic; a tie does not depend on the order of the rows
    counts = {"battery": 3, "аккумулятор": 3, "Akku": 2}
    assert topics_of(counts)[0]["Akku"] == "battery"
    assert topics_of(dict(reversed(counts.items())))[0] == topics_of(counts)[0]


def test_names_and_model_numbers_only_stand_for_themselves() -> None:
    assert is_name("iPhone 15") and is_name("SunCharge") and is_name("ADAC")
    assert not is_name("Akku") and not is_name("battery life")
    groups = group_phrases(["iPhone 14", "iPhone 15", "SunCharge", "Suncharger"])
    assert groups["iPhone 15"] == "iPhone 15" and groups["SunCharge"] == "SunCharge"


def test_real_news_neighbours_and_acronyms_stay_apart_translations_group() -> None:
    """Phrases the fundus news pages (tests/dashboards/test_dashboard_real_news.py) gave as one
    topic before: "usa" with "user", the news agency "afp" with the party "afd", "team" with
    "company", "school" with "office". Their translations still group."""
    languages = {"usa": "en", "user": "en", "afp": "de", "afd": "de", "team": "en",
                 "company": "en", "school": "en", "office": "en", "city": "en", "stadt": "de",
                 "state": "en", "staat": "de", "e-bike": "de", "ebike": "de"}
    groups = group_phrases(list(languages), languages=languages)
    for a, b in (("usa", "user"), ("afp", "afd"), ("team", "company"), ("school", "office")):
        assert groups[a] != groups[b], (a, b)
    assert groups["stadt"] == "city" and groups["staat"] == "state"
    assert groups["ebike"] == "e-bike"
    assert is_name("spd") and is_name("usa") and not is_name("akku")


def _doc(n: int, phrase: str, when: datetime, domain: str,
         language: str = "de") -> dict[str, object]:
    return {"doc_id": f"d{n}", "source": "s", "source_kind": "forum", "url": f"https://{domain}/{n}",
            "domain": domain, "title": "t", "text": phrase, "published": when, "fetched": when,
            "language": language, "author_pseudonym": None, "rating": None, "product": None,
            "key_phrases": [phrase], "story_id": f"d{n}", "versions": "", "post_id": None,
            "reply_to": None}


def test_a_trend_counts_every_language_of_its_topic(tmp_path: Path) -> None:
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    words = ["Akku", "battery", "аккумулятор", "Akku", "battery", "аккумулятор"]
    language = {"Akku": "de", "battery": "en", "аккумулятор": "ru"}
    docs = [_doc(i, w, now - timedelta(hours=i + 1), f"site{i}.example", language[w])
            for i, w in enumerate(words)]
    store = DuckDBStore(tmp_path / "t.duckdb")
    try:
        from brandradar.model import ENRICHED_FIELDS

        store.upsert([{f: d.get(f) for f in ENRICHED_FIELDS} for d in docs], [])
        trends = trending_topics(store, TrendRules(), now, windows_hours=[24])
    finally:
        store.close()
    assert len(trends) == 1
    assert trends[0].phrase == "Akku" and trends[0].documents == 6
    assert trends[0].variants == ["battery", "аккумулятор"]
