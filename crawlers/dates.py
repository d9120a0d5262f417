"""The date shapes forums print most, read without dateparser's full machinery.

dateparser reads almost anything ("05 Sep 2018 10:44", "14 novembre 2018", "вчера в 10:15"), at
about 3 ms a date: 60 ms for a 20-post thread, most of the time it takes to extract. The three
shapes below cover what the forum engines print by default — numeric dates ("05.09.2018,
10:44", "09-05-2018, 10:44 AM"), day-month-year with a month name ("05 Sep 2018 10:44", "5.
September 2018, 14:20", "5 сентября 2018 10:44") and month-day-year ("June 05, 2018, 10:44:12
AM") — and are read here with dateparser's own month names and day/month order per language, so
the answer is the one dateparser gives (tests/crawlers/test_dates_and_charsets.py compares them).
So are "Today, 10:44" and "Вчера в 12:30" (against the fetch time). Anything else — other
relative dates, weekdays, time zones, two-digit years — returns None and goes to dateparser.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import cache

_TIME = r"(?:[,\s]+(?:um|at|в|à|alle|o|kl\.?)?\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?\s?m\.?)?)?"
_NUMERIC = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4})" + _TIME + r"\s*$", re.I)


@cache
def _months(language: str) -> tuple[dict[str, int], str] | None:
    """Month names → number, and the day/month order, from dateparser's data for a language."""
    from dateparser.languages.loader import default_loader

    try:
        info = default_loader.get_locale(language).info
    except (KeyError, ValueError):
        return None
    names = ["january", "february", "march", "april", "may", "june", "july", "august",
             "september", "october", "november", "december"]
    months = {str(alias).lower().rstrip("."): n for n, key in enumerate(names, 1)
              for alias in info.get(key, [])}
    return months, str(info.get("date_order", "DMY"))


@cache
def _relative_days(language: str) -> tuple[re.Pattern[str], dict[str, int]] | None:
    """"Today, 10:44" / "Вчера в 12:30": the words for today and yesterday, from dateparser."""
    from dateparser.languages.loader import default_loader

    try:
        kinds = default_loader.get_locale(language).info.get("relative-type", {})
    except (KeyError, ValueError):
        return None
    words = {str(w).lower(): days for days, key in ((0, "0 day ago"), (1, "1 day ago"))
             for w in kinds.get(key, []) if " " not in str(w)}
    if not words:
        return None
    alternatives = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    return re.compile(r"^(" + alternatives + r")\s*" + _TIME + r"\s*$", re.I), words


@cache
def _named(language: str) -> tuple[re.Pattern[str], re.Pattern[str], dict[str, int]] | None:
    found = _months(language)
    if found is None:
        return None
    months = found[0]
    alternatives = "|".join(sorted((re.escape(m) for m in months), key=len, reverse=True))
    day_first = re.compile(r"^(\d{1,2})\.?\s+(" + alternatives + r")\.?,?\s+(\d{4})" + _TIME
                           + r"\s*$", re.I)
    month_first = re.compile(r"^(" + alternatives + r")\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})"
                             + _TIME + r"\s*$", re.I)
    return day_first, month_first, months


def _clock(hour: str | None, minute: str | None, second: str | None,
           half: str | None) -> tuple[int, int, int] | None:
    if hour is None:
        return 0, 0, 0
    h = int(hour)
    if half:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if half.lower().startswith("p") else 0)
    return h, int(minute or 0), int(second or 0)


def _build(year: int, month: int, day: int, clock: tuple[int, int, int] | None) -> datetime | None:
    if clock is None:
        return None
    try:
        return datetime(year, month, day, *clock)
    except ValueError:
        return None


def common_date(text: str, language: str | None,
                relative_to: datetime | None = None) -> datetime | None:
    """``text`` as a naive datetime when it has one of the common forum shapes and the
    ``language`` (its month names, its day/month order) is known; else None. "Today" and
    "yesterday" with a time are read against ``relative_to`` (the fetch time)."""
    if language is None:
        return None
    value = " ".join(text.split())
    relative = _relative_days(language) if relative_to is not None else None
    if relative is not None and relative_to is not None:
        m = relative[0].match(value)
        if m and m.group(2) is not None:
            when = (relative_to - timedelta(days=relative[1][m.group(1).lower()])).date()
            return _build(when.year, when.month, when.day, _clock(*m.group(2, 3, 4, 5)))
    m = _NUMERIC.match(value)
    if m:
        found = _months(language)
        if found is None:
            return None
        a, b = int(m.group(1)), int(m.group(3))
        first, second = (b, a) if found[1].startswith("M") else (a, b)
        return _build(int(m.group(4)), second, first, _clock(*m.group(5, 6, 7, 8)))
    named = _named(language)
    if named is None:
        return None
    day_first, month_first, months = named
    m = day_first.match(value)
    if m:
        named_month = months.get(m.group(2).lower().rstrip("."))
        return _build(int(m.group(3)), named_month, int(m.group(1)),
                      _clock(*m.group(4, 5, 6, 7))) if named_month else None
    m = month_first.match(value)
    if m:
        named_month = months.get(m.group(1).lower().rstrip("."))
        return _build(int(m.group(3)), named_month, int(m.group(2)),
                      _clock(*m.group(4, 5, 6, 7))) if named_month else None
    return None
