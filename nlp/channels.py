"""A platform named as the channel of a statement: "CAAN said on Twitter", "via @handle",
"auf Facebook schrieb sie", "написал в Telegram".

Such a mention says where something was said, not what is said about the platform: it is of
kind ``channel``, not scored, and not counted in share of voice unless the brand asks for it
(``count_channel``). Written by hand: recognising the frame needs a verb of saying or a channel
noun next to a preposition before the name, which no library offers for de, ru and en without a
trained parser (none is installable here for German and Russian).
"""

from __future__ import annotations

import re

from spacy.tokens import Doc, Span

# Verbs of saying and publishing (lower-case prefixes, so inflected forms count).
_SAY = re.compile(
    r"^(?:said|says|say|wrote|writes|write|written|post(?:s|ed|ing)?|tweet(?:s|ed|ing)?|"
    r"announc|shar(?:e|es|ed|ing)$|told|tell|comment|repl(?:y|ied)|claim|stat(?:ed|es)$|"
    r"publish|add(?:ed|s)$|respond|react|live-?stream|stream(?:ed|s)?$|read$|saw$|seen$|"
    r"leak|reveal|gelesen|gesehen|verrat|verraten|wies$|weist$|hingewiesen|teilte|mitgeteilt|"
    r"sag|schrieb|schreib|postet|gepostet|twittert|getwittert|teilt|geteilt|erklärt|verkündet|"
    r"kündigt|veröffentlicht|kommentiert|meldet|gemeldet|äußert|reagiert|"
    r"написал|пишет|пишут|сообщ|заявил|опубликовал|рассказал|поделил|отметил|ответил|"
    r"прокомментировал|высказал|объявил|прочитал|прочла|увидел)")
# Nouns that name a channel: "in a post on X", "auf seinem Kanal", "в своём Telegram-канале".
_CHANNEL_NOUN = re.compile(
    r"^(?:posts?|tweets?|videos?|streams?|accounts?|pages?|profiles?|channels?|feeds?|threads?|"
    r"statements?|stories|story|beitrag|beiträgen|post|video|kanal|kanälen|account|profil|"
    r"seite|story|пост|пос?те|канал|канале|аккаунт|аккаунте|странице|страничке|видео|блоге|"
    r"микроблоге|сторис)$")
_ON = {"on", "via", "auf", "bei", "über", "in", "im", "на", "в", "во", "через"}
# Possessives and articles that may stand between the preposition and the platform.
_FILLER = {"his", "her", "its", "their", "the", "a", "an", "seinem", "seiner", "ihrem",
           "ihrer", "dem", "der", "einem", "einer", "своей", "своем", "своём", "его", "её",
           "ее", "их", "official", "offiziellen", "официальном", "официальной"}


# A link to a page on the platform ("pic.twitter.com/4p7SXk", "https://x.com/AP_Sports"): the
# platform hosts what is linked, it is not what the text is about. A bare domain ("bahn.de")
# is a mention.
_LINK = re.compile(r"\.[a-z]{2,}/\S", re.IGNORECASE)
# "on X, formerly Twitter": the old name in apposition to a channel.
_FORMERLY = {"formerly", "früher", "ehemals", "vormals", "ранее", "бывший", "бывшем"}


def channel_cue(span: Span) -> str | None:
    """The words that frame a mention as the channel of a statement, or None."""
    doc, sent = span.doc, span.sent
    if _LINK.search(span.text):
        return span.text
    i = span.start - 1
    if i > sent.start + 2 and doc[i].lower_ in _FORMERLY and doc[i - 1].text == ",":
        # "posted … on X, formerly Twitter": the name before the apposition has the frame.
        return _saying_frame(doc, sent, i - 3, span.end)
    return _saying_frame(doc, sent, i, span.end) or _compound_channel(span)


def _saying_frame(doc: Doc, sent: Span, i: int, end: int) -> str | None:
    """A preposition at token ``i`` (possessives and articles skipped) with a verb of saying
    or a channel noun near it: the words of that frame up to token ``end``."""
    while i >= sent.start and doc[i].lower_ in _FILLER:
        i -= 1
    if i < sent.start or doc[i].lower_ not in _ON:
        return None
    prep = i
    if doc[prep].lower_ == "via":
        return doc[prep:end].text
    before = range(max(sent.start, prep - 5), prep)
    after = range(end, min(sent.end, end + 3))
    for j in (*before, *after):
        word = doc[j].lower_
        if _SAY.match(word) or (j < prep and _CHANNEL_NOUN.match(word)):
            lo, hi = min(j, prep), max(j + 1, end)
            return doc[lo:hi].text
    return None


def _compound_channel(span: Span) -> str | None:
    """"Telegram-канале", "Instagram-Post": the platform as the first part of a channel noun,
    after a preposition."""
    doc, text = span.doc, span.text
    if "-" in text:
        head = text.rsplit("-", 1)[1].lower()
    elif span.end + 1 < len(doc) and doc[span.end].text == "-":
        head = doc[span.end + 1].lower_  # tokenizers that split hyphens (en, ru)
    else:
        return None
    before = span.doc[span.start - 1].lower_ if span.start > span.sent.start else ""
    if _CHANNEL_NOUN.match(head) and (before in _ON or before in _FILLER):
        return span.doc[span.start - 1 : span.end].text
    return None
