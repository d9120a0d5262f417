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
    r"statements?|stories|story|status|beitrag|beiträgen|post|video|kanal|kanälen|account|profil|"
    r"seite|story|пост|пос?те|канал|канале|аккаунт|аккаунте|страниц[аеуы]|страничк[аеуи]|видео|"
    r"блоге|"
    r"микроблоге|сторис)$")
_ON = {"on", "via", "auf", "bei", "über", "in", "im", "на", "в", "во", "через"}
# "from its Twitter account", "aus seinem Telegram-Kanal": a source, when a channel noun follows.
_FROM = {"from", "von", "vom", "aus", "из", "со", "с"}
# Channel nouns that may follow the name as a word of their own ("on his Facebook page"): only
# where something is hosted; "in a Tesla statement" or "a Microsoft blog post" is the brand
# speaking, and the matcher does not know which brands are platforms.
_HOSTED = re.compile(r"^(?:accounts?|profiles?|pages?|channels?|feeds?|handles?|аккаунте?|"
                     r"канале?|странице)$")
# Possessives and articles that may stand between the preposition and the platform.
_FILLER = {"his", "her", "its", "their", "the", "a", "an", "seinem", "seiner", "ihrem",
           "ihrer", "dem", "der", "einem", "einer", "своей", "своем", "своём", "его", "её",
           "ее", "их", "official", "offiziellen", "официальном", "официальной", "my", "our",
           "your", "sein", "seine", "ihr", "ihre", "mein", "meine", "meinem", "unserem",
           "свой"}
# What kind of platform it is, between the preposition and its name: "on the social media
# platform X", "auf dem Kurznachrichtendienst X", "в мессенджере Telegram". The frame still
# needs a verb of saying: "auf der Plattform X nehmen Hassreden zu" is about the platform.
_KIND = re.compile(
    r"^(?:social|media|messaging|networking|video|short-?message|platform|network|site|"
    r"service|app|messenger|microblog(?:ging)?|kurznachrichtendienst(?:es)?|"
    r"kurznachrichtenplattform|nachrichtendienst(?:es)?|plattform|online-?plattform|netzwerk|"
    r"onlinenetzwerk|online-?dienst(?:es)?|dienst(?:es)?|videoplattform|messenger-?dienst|"
    r"соц(?:иальной)?|сети|соцсети|платформе|мессенджере|сервисе|видеохостинге|"
    r"микроблоге)$")
# Verbs of saying and showing that follow the platform's name: "ließ sie auf X wissen",
# "auf YouTube mitverfolgen".
_SAY_AFTER = re.compile(r"^(?:wissen|mitverfolgen|verfolgen|ansehen|anschauen)$")
# "took to Twitter to air her grievances", "turned to X" — not "took to Tesla dealerships".
_TOOK_TO = {"took", "take", "takes", "taking", "taken", "turned", "turn", "turns", "turning",
            "went"}
_TOOK_TO_END = {"to", "on", "in", "and", "last", "this", "yesterday", "earlier", "again",
                "after", "with", "for", "shortly", "late", "early", "over"}
# The brand speaking, not a platform: "said in a Tesla statement", "ein Tesla-Sprecher".
_OWN_VOICE = {"statement", "statements", "spokesperson", "spokesman", "spokeswoman", "press",
              "release", "sprecher", "sprecherin", "mitteilung", "pressemitteilung",
              "пресс-релизе", "пресс-службе", "заявлении"}
# Forms of the verbs of saying that are nouns after the name ("in a Microsoft blog post"): the
# verb that follows the platform is German ("auf Facebook schrieb") or an English participle.
_NOUN_FORMS = {"post", "posts", "tweet", "tweets", "share", "shares", "comment", "comments",
               "reply", "claim", "claims", "read", "leak", "leaks", "stream", "streams", "react"}


# What is published on a platform, after its name ("an Instagram story", "Link zum
# YouTube-Inhalt", "den Whatsapp-Kanal von 20 Minuten"). Not "account" or "profile": "I changed
# my personal Instagram profile into a professional one" is about the platform's product.
_POSTED = re.compile(
    r"^(?:posts?|stor(?:y|ies)|reels?|videos?|clips?|livestreams?|threads?|channels?|"
    r"inhalte?|beitr[äa]ge?|kanal|kanäle|пост(?:ы|е|ах)?|видео|канал(?:е|ы)?|сторис)$")
# A platform's users: "some Twitter users argued", "dieser User auf X". Not users as a whole
# ("Twitter users will pay for verification") nor people at large ("Islamisten erreichen immer
# mehr Menschen auf Tiktok"): that is news about the platform.
_PEOPLE = re.compile(r"^(?:users?|followers|influencers?|creators?|nutzer(?:innen)?|"
                     r"user(?:innen)?|пользовател\w*|подписчик\w*|блогер\w*|юзер\w*)$")
_SOME = {"some", "many", "several", "other", "few", "numerous", "angry", "einige", "viele",
         "manche", "zahlreiche", "andere", "некоторые", "многие", "другие"}
# A link to a page on the platform ("pic.twitter.com/4p7SXk", "https://x.com/AP_Sports"): the
# platform hosts what is linked, it is not what the text is about. A bare domain ("bahn.de")
# is a mention.
_LINK = re.compile(r"\.[a-z]{2,}/\S", re.IGNORECASE)
# "on X, formerly Twitter": the old name in apposition to a channel.
_FORMERLY = {"formerly", "früher", "ehemals", "vormals", "ранее", "бывший", "бывшем"}


def channel_cue(span: Span, platform: bool = False) -> str | None:
    """The words that frame a mention as the channel of a statement, or None; for a brand that
    is a ``platform``, also the frames of where people publish (:func:`_platform_frame`)."""
    doc, sent = span.doc, span.sent
    if _LINK.search(span.text):
        return span.text
    i = span.start - 1
    if i > sent.start + 2 and doc[i].lower_ in _FORMERLY and doc[i - 1].text == ",":
        # "posted … on X, formerly Twitter": the name before the apposition has the frame.
        return _saying_frame(doc, sent, i - 3, span.end)
    return (_took_to(span) or _saying_frame(doc, sent, i, span.end)
            or _compound_channel(span) or (_platform_frame(span) if platform else None))


def _platform_frame(span: Span) -> str | None:
    """Where people publish on a platform, without a verb of saying: "in an Instagram story",
    "Link zum YouTube-Inhalt", "some Twitter users argued", "dieser User auf X", "ridicule
    across Twitter". A bare "on TikTok" is not enough: "Islamisten erreichen immer mehr
    Menschen auf Tiktok" is news about the platform."""
    doc, sent, text = span.doc, span.sent, span.text
    if "-" in text and _POSTED.match(text.rsplit("-", 1)[1].lower()):
        return text
    after = doc[span.end].lower_ if span.end < sent.end else ""
    if after in ("'s", "’s"):  # "across Facebook's various platforms": the company
        return None
    if after == "-" and span.end + 1 < sent.end:
        after = doc[span.end + 1].lower_
    if _POSTED.match(after):
        return doc[span.start : span.end + 1].text
    if _PEOPLE.match(after) and span.start > sent.start and \
            doc[span.start - 1].lower_ in _SOME:
        return doc[span.start - 1 : span.end + 1].text
    i = _before_fillers(span)
    if i < sent.start:
        return None
    if doc[i].lower_ == "across":
        return doc[i : span.end].text
    if doc[i].lower_ in _ON and i > sent.start and _PEOPLE.match(doc[i - 1].lower_):
        return doc[i - 1 : span.end].text
    return None


def _took_to(span: Span) -> str | None:
    """"took to Twitter to air her grievances", "has taken to her Instagram page to share": a
    verb of turning, "to", possessives, the name and at most a noun of where things are hosted;
    then the sentence goes on with what was said, not with a noun ("took to Tesla
    dealerships")."""
    doc, sent = span.doc, span.sent
    end = span.end
    if end < sent.end and _HOSTED.match(doc[end].lower_):
        end += 1
    if not (end >= sent.end or doc[end].is_punct or doc[end].lower_ in _TOOK_TO_END):
        return None
    i = _before_fillers(span)
    if i <= sent.start or doc[i].lower_ != "to":
        return None
    verb = i - 1
    while verb > sent.start and doc[verb].is_space:  # a line break inside the sentence
        verb -= 1
    if doc[verb].lower_ in _TOOK_TO:
        return doc[verb:end].text
    return None


def _saying_frame(doc: Doc, sent: Span, i: int, end: int) -> str | None:
    """A preposition at token ``i`` (possessives and articles skipped) with a verb of saying
    or a channel noun near it: the words of that frame up to token ``end``."""
    if end < sent.end and doc[end].lower_ in _OWN_VOICE:
        return None
    while i >= sent.start and (doc[i].lower_ in _FILLER or _KIND.match(doc[i].lower_)):
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
        if j >= end and word in _NOUN_FORMS:
            continue
        if (_SAY.match(word) or (j < prep and _CHANNEL_NOUN.match(word))
                or (j >= end and _SAY_AFTER.match(word))):
            lo, hi = min(j, prep), max(j + 1, end)
            return doc[lo:hi].text
    return None


def _compound_channel(span: Span) -> str | None:
    """"Telegram-канале", "Instagram-Post", "from its Twitter account": the platform as the
    first part of a channel noun, after a preposition."""
    doc, text, sent = span.doc, span.text, span.sent
    before = doc[span.start - 1].lower_ if span.start > sent.start else ""
    if "-" in text or (span.end + 1 < len(doc) and doc[span.end].text == "-"):
        # "-" inside the token, or a token of its own (the en and ru tokenizers split it)
        head = text.rsplit("-", 1)[1].lower() if "-" in text else doc[span.end + 1].lower_
        if _CHANNEL_NOUN.match(head) and (before in _ON or before in _FILLER or before in _FROM):
            return doc[span.start - 1 : span.end].text
        return None
    if span.end >= sent.end or not _HOSTED.match(doc[span.end].lower_):
        return None
    i = _before_fillers(span)
    if i >= sent.start and (doc[i].lower_ in _ON or doc[i].lower_ in _FROM):
        return doc[i : span.end + 1].text
    return None


def _before_fillers(span: Span) -> int:
    """The token before ``span`` and the possessives and articles in front of it ("to her
    Instagram", "from its Twitter"); below the sentence's start when there is none."""
    doc, sent = span.doc, span.sent
    i = span.start - 1
    while i >= sent.start and doc[i].lower_ in _FILLER:
        i -= 1
    return i
