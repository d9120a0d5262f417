"""Dates as forums and review sites write them, and pages decoded with a wrong charset."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from brandradar.crawlers.parsers import decode_html, garbled_share, parse_time
from brandradar.sources import Source

FETCHED = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
GOLD = Path(__file__).resolve().parents[1] / "fixtures" / "extraction" / "fundus" / "gold.jsonl"


def _source(**extra: object) -> Source:
    return Source.model_validate({"name": "forum", "kind": "forum", "languages": ["de", "en"],
                                  "feeds": ["https://example.org/feed"], **extra})


@pytest.mark.parametrize(("written", "source", "expected"), [
    ("2018-09-05T10:44:00Z", None, datetime(2018, 9, 5, 10, 44, tzinfo=UTC)),
    ("05 Sep 2018 10:44", None, datetime(2018, 9, 5, 10, 44, tzinfo=UTC)),           # phpBB
    ("14 novembre 2018", {"locale": "it"}, datetime(2018, 11, 14, tzinfo=UTC)),     # a review page
    ("3. März 2024, 14:05", None, datetime(2024, 3, 3, 14, 5, tzinfo=UTC)),
    ("12 марта 2023 в 10:15", {"languages": ["ru"]}, datetime(2023, 3, 12, 10, 15, tzinfo=UTC)),
    ("gestern, 09:30", None, datetime(2026, 11, 29, 9, 30, tzinfo=UTC)),           # relative
    ("30.11.26 07:45", {"date_format": "%d.%m.%y %H:%M"}, datetime(2026, 11, 30, 7, 45, tzinfo=UTC)),
])
def test_dates_as_sites_write_them(written: str, source: dict[str, object] | None,
                                   expected: datetime) -> None:
    src = _source(**source) if source is not None else _source()
    assert parse_time(written, src, FETCHED) == expected


@pytest.mark.parametrize("written", ["", "   ", "kein Datum", "32.13.2020 99:99"])
def test_unreadable_dates_are_none(written: str) -> None:
    assert parse_time(written, _source(), FETCHED) is None


def test_a_page_mislabelled_as_utf8_is_decoded_by_its_bytes() -> None:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]
    text = next(r["plain_text"] for r in rows if r["lang"] == "ru")[:3000]
    page = (f'<html><head><meta charset="utf-8"><title>t</title></head>'
            f"<body><p>{text}</p></body></html>").encode("cp1251", errors="ignore")
    decoded = decode_html(page, "text/html; charset=utf-8")
    assert garbled_share(decoded) == 0.0
    assert text[:200] in decoded


# What forum engines and review sites print by default, per language (engine templates in
# tests/fixtures/engines/README.md, plus the German, Russian, Italian and French month forms).
COMMON_SHAPES = {
    "en": ["05 Sep 2018 10:44", "09-05-2018, 10:44 AM", "09/05/2018 01:17 PM", "June 05, 2018, "
           "10:44:12 AM", "Sept 5, 2018", "December 24th, 2023, 6:45 pm", "05.09.2018",
           "March 2, 2026, 7:41am", "Yesterday, 12:30 PM", "Today at 10:44:12 AM"],
    "de": ["05.09.2018, 10:44", "5. September 2018, 14:20", "05 Sep 2018 10:44", "3. März 2024",
           "1. Jänner 2020 um 08:15", "12/03/2023 10:15", "gestern, 09:30", "Heute, 10:00"],
    "ru": ["05.09.2018, 10:44", "5 сентября 2018 10:44", "12 марта 2023 в 10:15", "1 янв 2020",
           "31.12.2018 23:59:59", "Вчера , 12:30", "сегодня в 08:05"],
    "it": ["14 novembre 2018", "05/09/2018 10:44", "3 set 2018, 9:05"],
    "fr": ["5 septembre 2018 à 10:44", "05/09/2018 10:44"],
}


@pytest.mark.parametrize("language", sorted(COMMON_SHAPES))
def test_the_quick_reading_of_common_shapes_agrees_with_dateparser(language: str) -> None:
    """Every common shape is read without dateparser, and to the date dateparser gives."""
    import dateparser

    from brandradar.crawlers.dates import common_date

    for written in COMMON_SHAPES[language]:
        quick = common_date(written, language, FETCHED.replace(tzinfo=None))
        slow = dateparser.parse(written, languages=[language],
                                settings={"PREFER_DATES_FROM": "past",
                                          "RELATIVE_BASE": FETCHED.replace(tzinfo=None)})
        assert quick is not None, written
        assert quick == slow, written


@pytest.mark.parametrize("written", ["gestern", "Mon, 5 Sep 2018 10:44 +0200",
                                     "05.09.18 10:44", "vor 3 Stunden", "5 сентября 2018 г."])
def test_other_shapes_are_left_to_dateparser(written: str) -> None:
    from brandradar.crawlers.dates import common_date

    assert common_date(written, "de" if written[0].isascii() else "ru") is None
