"""Page furniture inside extracted text: share bars, "follow us", newsletter boxes, related
headlines, cookie and copyright lines.

Extraction (trafilatura) drops most of a page's furniture, but lines such as "Follow us on
Facebook and Twitter", "Jetzt Newsletter abonnieren" or "Читайте также: …" still reach the text
of many real news pages, and every brand named in them (platforms above all) would count as a
mention. A line is furniture when it is short and says one of these things, or is nothing but a
link; in a longer paragraph, a short sentence that says one of them is ("Follow Metro.co.uk on
Twitter and Facebook for the latest news updates. You can now also get …"). The brand matcher
flags mentions in furniture (``in_boilerplate``), never counts them, and never takes an
ambiguity context word from it. The phrases were revised on a labelled sample of real news
pages (tests/fixtures/mentions/README.md; the result is in docs/quality.md).

Written by hand: trafilatura's own boilerplate rules work on the HTML tree, and once the text is
extracted no library marks the furniture that slipped through, in German, Russian and English.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc

# Furniture lines are short: a headline list entry or a share bar, not a paragraph. A sentence
# that opens with a furniture phrase ("Follow @BGRDeals on Twitter to keep up with the latest and
# greatest deals from around the web.") may run longer.
MAX_WORDS = 16
MAX_WORDS_OPENING = 30
_PHRASES = [
    # en
    r"follow us", r"like us on", r"find us on", r"share (?:this|on|via|the article|the story)",
    r"^share\W*$", r"^tweet$", r"sign up for (?:our|free)\b",
    r"sign up for the [\w ]*(?:newsletter|updates|alerts)", r"^newsletter\b",
    r"subscribe (?:to (?:our|the)|now|for free)", r"(?:we|this (?:site|website)) uses? cookies",
    r"cookie (?:settings|policy|preferences|consent)", r"^privacy policy$",
    r"all rights reserved", r"^related(?: articles| stories| content)?\W*$",
    r"^(?:read|see) (?:more|also)\b", r"^more (?:from|on|stories|news)\b", r"^recommended\W*$",
    r"^advertisement$", r"click here", r"download (?:the|our) app", r"^terms of (?:use|service)$",
    r"^(?:copy )?link$", r"^(?:e-?mail|print|comments?)$", r"^top stories\W*$",
    r"^follow\b.{0,60}\bon\b", r"^be sure to (?:visit|follow)\b", r"\bmay be reached at\b",
    r"^reach (?:the |this )?(?:reporters?|authors?|writers?|editors?)\b",
    r"^\W*see it (?:now|at|on)\b", r"^\W*(?:buy|shop) (?:it )?(?:now|here)\b",
    r"^(?:listen|subscribe) (?:to|on)\b.{0,40}\bpodcast", r"^more ap\b",
    r"^(?:new )?(?:price drop|deal alert|deal of the day|today'?s (?:best )?deals?)\b",
    r"^(?:vote for|cast your vote)\b",
    # de
    r"folgen sie uns", r"folge uns", r"^teilen\W*$", r"jetzt teilen", r"artikel teilen",
    r"(?:newsletter|jetzt|kostenlos) abonnieren", r"newsletter (?:bestellen|anmelden)",
    r"wir (?:verwenden|nutzen) cookies", r"cookie-(?:einstellungen|richtlinie)",
    r"^mehr zum thema\b", r"^lesen sie (?:auch|mehr)\b", r"^auch interessant\W*$",
    r"^weitere artikel\b", r"^anzeige$", r"^datenschutz(?:erklärung)?$", r"^impressum$",
    r"^das könnte sie auch interessieren", r"^zum thema\W*$", r"^meistgelesen\W*$",
    r"^folgst du\b", r"auch (?:bei|auf|in) (?:den )?social media", r"^folgen sie\b.{0,60}\bauf\b",
    r"abonnieren sie (?:den|unseren|diesen) (?:podcast|newsletter|kanal)",
    r"^abonniere (?:den|unseren|diesen|unsere[nm]?) [\w-]*(?:kanal|newsletter|podcast)",
    r"^jetzt (?:als|bei)\b.{0,40}(?:angebot|kaufen|bestellen)",
    r"^(?:deal|angebot) des tages\b", r"^(?:jetzt )?abstimmen\b", r"^stimmen sie (?:ab|mit)\b",
    # ru
    r"подписывайтесь", r"подпишитесь на", r"^поделиться\W*$",
    r"^читайте (?:также|нас|еще|ещё)\b", r"^реклама$", r"новости партн[её]ров",
    r"все права защищены", r"^по теме\W*$", r"^смотрите также\b", r"^самое читаемое\W*$",
    r"(?:используем|использует) (?:файлы )?cookie",
    r"^(?:выбери(?:те)?|проголосуй(?:те)?|голосуй(?:те)?)\b",
]
_FURNITURE = re.compile("|".join(f"(?:{p})" for p in _PHRASES), re.IGNORECASE)
# A share bar names platforms and little else: "Facebook Twitter WhatsApp E-Mail".
_SHARE_WORDS = {
    "facebook", "twitter", "x", "whatsapp", "telegram", "linkedin", "xing", "pinterest",
    "reddit", "flipboard", "instagram", "youtube", "tiktok", "threads", "mastodon", "email",
    "e-mail", "mail", "print", "drucken", "teilen", "share", "tweet", "vk", "вконтакте", "ok",
    "одноклассники", "copy", "link", "kopieren", "messenger", "bluesky", "rss", "feed",
}
_WORDS = re.compile(r"[^\W_]+(?:-[^\W_]+)*")
# A line that is nothing but a link ("twitter.com/paultakahashi" under an article).
_LINK_LINE = re.compile(r"^(?:https?://)?(?:[\w-]+\.)+[a-z]{2,}/\S*$", re.IGNORECASE)
# A row of headlines or menu entries joined by " | " ("… | Senators call for 5G security
# coordinator | Facebook gets questions over location tracking | …"), also inside a paragraph
# (a news site's hover card that reached the text): three or more short entries. A table row
# as trafilatura writes it ("| Apple iPhone 15 | 6.1 inch | … |") is text, not furniture.
_BAR = " | "
_ROW_ENTRY_WORDS = 12
# Furniture sentences also share a paragraph with text ("Follow Metro on Twitter for the latest
# news. You can now also get …"): phrases are looked for per sentence of a line.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
# The brand matcher stores the furniture lines it found here, so that the key-phrase component
# does not look for them again.
if not Doc.has_extension("furniture"):
    Doc.set_extension("furniture", default=None)


@dataclass(frozen=True)
class Furniture:
    """A furniture line: character offsets in the text and what it is."""

    start: int
    end: int
    why: str


def furniture_lines(text: str) -> list[Furniture]:
    """The furniture lines of an extracted text, in order."""
    out: list[Furniture] = []
    pos = 0
    for line in text.splitlines(keepends=True):
        start, body = pos, line.rstrip("\r\n")
        pos += len(line)
        words = _WORDS.findall(body)
        if not words:
            continue
        if _LINK_LINE.match(body.strip()):
            out.append(Furniture(start, start + len(body), "page furniture (a bare link)"))
            continue
        if len(words) <= MAX_WORDS and len(words) >= 2 and \
                sum(w.lower() in _SHARE_WORDS for w in words) / len(words) >= 0.6:
            out.append(Furniture(start, start + len(body), "page furniture (a share bar)"))
            continue
        out.extend(_rows(body, start))
        if len(words) <= MAX_WORDS:
            if (m := _FURNITURE.search(body.strip())) is not None:
                out.append(Furniture(start, start + len(body),
                                     f"page furniture ({m.group().strip()!r})"))
            continue
        at = 0
        for sentence in _SENTENCE_END.split(body):
            offset = body.index(sentence, at)
            at = offset + len(sentence)
            stripped = sentence.strip()
            n = len(_WORDS.findall(stripped))
            if n <= MAX_WORDS_OPENING and (m := _FURNITURE.search(stripped)) is not None and \
                    (n <= MAX_WORDS or m.start() == 0):
                out.append(Furniture(start + offset, start + at,
                                     f"page furniture ({m.group().strip()!r})"))
            elif (call := _after_colon(stripped)) is not None:
                # "Eine Newsübersicht am Morgen …: Abonniere den Whatsapp-Kanal von 20 Minuten
                # und du bekommst …": a box's label, a colon, then the furniture phrase.
                out.append(Furniture(start + offset, start + at,
                                     f"page furniture ({call.group().strip()!r})"))
    return out


def _after_colon(sentence: str) -> re.Match[str] | None:
    """A furniture phrase opening the words after a sentence's first colon: a label of at most
    ``MAX_WORDS`` words before it, the length a sentence opening with the phrase may have
    after it."""
    label, colon, rest = sentence.partition(": ")
    if not colon or len(_WORDS.findall(label)) > MAX_WORDS or \
            len(_WORDS.findall(rest)) > MAX_WORDS_OPENING:
        return None
    return _FURNITURE.match(rest.strip())


def _rows(body: str, start: int) -> list[Furniture]:
    """Rows of " | "-joined short entries in a line: the entries between the bars, and the
    last words before the first bar and after the last (the row's ends are not marked).
    Split by hand, not by a regular expression: one with nested repetition backtracks
    quadratically over a long paragraph."""
    out: list[Furniture] = []
    if body.lstrip().startswith("|") or body.count(_BAR) < 2:
        return out
    parts = body.split(_BAR)
    offsets = [0]
    for part in parts[:-1]:
        offsets.append(offsets[-1] + len(part) + len(_BAR))
    short = [len(_WORDS.findall(part)) <= _ROW_ENTRY_WORDS for part in parts]
    first = 0  # the part before the row's first bar
    while first < len(parts) - 2:
        last = first + 1  # the row's entries between bars are parts first+1 … last-1
        while last < len(parts) - 1 and short[last]:
            last += 1
        if last - first >= 2:
            lo = offsets[first] + len(parts[first]) - _edge(parts[first][::-1])
            hi = offsets[last] + _edge(parts[last])
            out.append(Furniture(start + lo, start + hi, "page furniture (a row of headlines)"))
        first = last
    return out


def _edge(text: str) -> int:
    """Characters of the first ``_ROW_ENTRY_WORDS`` words of ``text``."""
    words = list(_WORDS.finditer(text))
    return words[min(len(words), _ROW_ENTRY_WORDS) - 1].end() if words else 0


def inside(furniture: list[Furniture], char: int) -> Furniture | None:
    """The furniture line that holds a character offset, if any."""
    for f in furniture:
        if f.start <= char < f.end:
            return f
    return None
