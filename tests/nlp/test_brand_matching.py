"""Brand matching on real text: compounds, handles, hashtags, domains, lower-case Cyrillic,
acronyms, channels and page furniture (nlp/brand_matcher.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from brandradar.config import Brand, load_brands
from brandradar.errors import ConfigError
from brandradar.nlp.furniture import furniture_lines
from brandradar.nlp.pipeline import Annotator

FIXTURES = Path(__file__).parent.parent / "fixtures" / "mentions"


@pytest.fixture(scope="module")
def annotator() -> Annotator:
    return Annotator(load_brands(FIXTURES / "brands.yaml"), keyphrases=False, sentiment="lexicon")


def test_real_posts_find_every_written_form(annotator: Annotator) -> None:
    items = [json.loads(line) for line in (FIXTURES / "real_forms.jsonl").read_text("utf-8").splitlines()]
    notes = annotator.annotate((i["text"], i["lang"]) for i in items)
    for item, note in zip(items, notes, strict=True):
        got = {m.brand if m.counted else f"{m.brand}:channel" for m in note.mentions}
        assert got == set(item["expected"]), (item["text"], [m.why for m in note.mentions])
        for m in note.mentions:
            assert (m.kind == "channel") == (not m.counted)
            assert (m.sentiment == "unscored") == (m.kind == "channel")


def test_written_forms_and_their_reasons(annotator: Annotator) -> None:
    text = ("Mein DB-Ticket gilt nicht, die Bahn-App stürzt ab und auf www.bahn.de steht nichts. "
            "Bahnchaos wie immer. Was für eine bahnbrechende Idee.")
    note = annotator.annotate([(text, "de")])[0]
    assert [m.matched for m in note.mentions] == ["DB-Ticket", "Bahn-App", "www.bahn.de", "Bahnchaos"]
    assert [m.why for m in note.mentions] == [
        "alias 'DB' in compound 'DB-Ticket'", "alias 'Bahn' in compound 'Bahn-App'",
        "alias 'Bahn' in domain 'bahn'", "alias 'Bahn' in compound 'Bahnchaos'"]


def test_compounds_switch_per_alias() -> None:
    brands = [Brand(name="Deutsche Bahn", aliases=["DB", "Bahn"], compounds=["DB"])]
    note = Annotator(brands, keyphrases=False, sentiment="lexicon").annotate(
        [("Das DB-Ticket und die Bahn-App und #DeutscheBahn und bahn.de.", "de")])[0]
    # Parts of compounds only for "DB"; whole hashtags and domain names always.
    assert [m.matched for m in note.mentions] == ["DB-Ticket", "#DeutscheBahn", "bahn.de"]


def test_acronyms_match_letter_by_letter_only() -> None:
    brands = [Brand(name="Amazon", aliases=["Amazon", "AWS"])]
    notes = Annotator(brands, keyphrases=False, sentiment="lexicon").annotate(
        [("It was an awful week for AWS customers.", "en"), ("An awful, awesome day.", "en")])
    assert [m.matched for m in notes[0].mentions] == ["AWS"]
    assert notes[1].mentions == []


def test_case_sensitive_cyrillic_name_in_a_lower_case_post(annotator: Annotator) -> None:
    notes = annotator.annotate([("у меня опять мтс не ловит. билайн лучше", "ru"),
                                ("Сегодня мтс не работает. Завтра тоже.", "ru")])
    assert [m.brand for m in notes[0].mentions] == ["MTS"]
    # A text written with capitals keeps the case-sensitive alias case-sensitive.
    assert notes[1].mentions == []


def test_furniture_and_channels_are_kept_but_not_counted(annotator: Annotator) -> None:
    text = ("Die Telekom erhöht die Preise, schrieb ein Sprecher auf Twitter.\n"
            "Folgen Sie uns auf Facebook und YouTube\n"
            "Facebook Twitter WhatsApp E-Mail")
    note = annotator.annotate([(text, "de")])[0]
    counted = [m.brand for m in note.mentions if m.counted]
    assert counted == ["Telekom"]
    by_brand = {(m.brand, m.in_boilerplate, m.kind) for m in note.mentions if not m.counted}
    assert ("Twitter", False, "channel") in by_brand
    assert ("Facebook", True, "channel") in by_brand or ("Facebook", True, "brand") in by_brand
    assert ("YouTube", True, "brand") in by_brand or ("YouTube", True, "channel") in by_brand
    assert all(m.sentiment == "unscored" for m in note.mentions if not m.counted)


def test_count_channel_counts_the_platform() -> None:
    brands = [Brand(name="Twitter", aliases=["Twitter"], count_channel=True)]
    note = Annotator(brands, keyphrases=False, sentiment="lexicon").annotate(
        [("CAAN said on Twitter that flights resume.", "en")])[0]
    assert [(m.kind, m.counted, m.sentiment) for m in note.mentions] == [("channel", True, "unscored")]


def test_ambiguous_alias_is_not_confirmed_by_furniture() -> None:
    brands = [Brand(name="Twitter", aliases=["Twitter", "X"], ambiguous=["X"],
                    case_sensitive=["X"], context=["tweet", "Musk"])]
    annot = Annotator(brands, keyphrases=False, sentiment="lexicon")
    far = annot.annotate([("The new X model is fast and cheap.\nFollow us on Twitter", "en")])[0]
    assert [m.matched for m in far.mentions if m.counted] == []
    near = annot.annotate([("Musk says X will charge for every tweet.", "en")])[0]
    assert [m.matched for m in near.mentions if m.counted] == ["X"]


def test_furniture_lines_of_real_pages() -> None:
    # Lines as the extractor gives them for the Zyte and fundus gold pages (MIT): article
    # lines, furniture lines, a bare link, and a furniture sentence inside a paragraph.
    text = ("Alibaba shares rose 5 per cent on Tuesday.\n"
            "Read more: Tencent profit falls as Alibaba threat and economic woes weigh\n"
            "Subscribe to the 9to5Toys YouTube Channel for all of the latest videos, reviews, and more!\n"
            "- Sign up for the Disney+ bundle using the same email as your Hulu account\n"
            "© 2019 Associated Press. All Rights Reserved.\n"
            "Deforestation in the Amazon surged under former president Jair Bolsonaro.\n"
            "Follow NBC Latino on Facebook, Twitter and Instagram.\n"
            "twitter.com/paultakahashi\n"
            "Follow Metro.co.uk on Twitter and Facebook for the latest news updates. You can now "
            "also get Metro.co.uk articles sent straight to your device.\n"
            "- See it now: Amazon\n"
            "Folgst du schon 20 Minuten auf Whatsapp?\n"
            "Eine Newsübersicht am Morgen und zum Feierabend, überraschende Storys und Breaking "
            "News: Abonniere den Whatsapp-Kanal von 20 Minuten und du bekommst regelmässige "
            "Updates mit unseren besten Storys direkt auf dein Handy.\n"
            "Der Konzern teilte mit: Abonnenten des Kanals erhalten keine Werbung.\n"
            "Abonnieren Sie den Podcast bei Spotify, Apple Podcast, Amazon Music und Deezer. Oder "
            "direkt per RSS-Feed.\n"
            "Follow @BGRDeals on Twitter to keep up with the latest and greatest deals from around "
            "the web. Quantities may be limited.\n"
            "Amazon's Echo Buds have been well received and cost far less than Apple's AirPods.")
    lines = [text[f.start:f.end] for f in furniture_lines(text)]
    assert lines == [
        "Read more: Tencent profit falls as Alibaba threat and economic woes weigh",
        "Subscribe to the 9to5Toys YouTube Channel for all of the latest videos, reviews, and more!",
        "© 2019 Associated Press. All Rights Reserved.",
        "Follow NBC Latino on Facebook, Twitter and Instagram.",
        "twitter.com/paultakahashi",
        "Follow Metro.co.uk on Twitter and Facebook for the latest news updates.",
        "- See it now: Amazon",
        "Folgst du schon 20 Minuten auf Whatsapp?",
        "Eine Newsübersicht am Morgen und zum Feierabend, überraschende Storys und Breaking "
        "News: Abonniere den Whatsapp-Kanal von 20 Minuten und du bekommst regelmässige "
        "Updates mit unseren besten Storys direkt auf dein Handy.",
        "Abonnieren Sie den Podcast bei Spotify, Apple Podcast, Amazon Music und Deezer. Oder "
        "direkt per RSS-Feed.",
        "Follow @BGRDeals on Twitter to keep up with the latest and greatest deals from around "
        "the web."]


def test_headline_rows_polls_and_deal_boxes_of_real_pages_are_furniture() -> None:
    # Lines of gold pages (The Hill's hover card inside a sentence, a reader poll on Wday.ru, a
    # deal box inside a 9to5Toys article), and a table row as trafilatura writes tables.
    hover = ("A New York man pleaded guilty to charges he threatened to kill Rep. Ilhan OmarIlhan "
             "OmarHillicon Valley: Progressives oppose funding bill over surveillance authority | "
             "Senators call for 5G security coordinator | Facebook gets questions over location "
             "tracking | Louisiana hit by ransomware attack Progressives oppose spending stopgap "
             "measure over surveillance authority extension Omar asks court to apply 'system of "
             "compassion' in sentencing man convicted of threatening her MORE (D-Minn.), the U.S. "
             "Attorney’s Office for the Western District of New York announced Monday.")
    text = (hover + "\n"
            "Выбери самого крутого фудблогера Instagram по версии Wday.ru!\n"
            "New Price Drop: Apple Watch Series 3 38mm Smart Watch for $169.99 (Originally $200)\n"
            "| Apple iPhone 15 Pro Max | very good camera here | long battery life today |\n"
            "Amazon's Echo Buds cost far less than Apple's AirPods.")
    found = furniture_lines(text)
    spans = [text[f.start:f.end] for f in found]
    assert "Facebook gets questions over location tracking" in spans[0]
    assert spans[0].startswith("Rep. Ilhan") and "pleaded guilty" not in spans[0]
    assert "Western District" not in spans[0] and found[0].why.endswith("(a row of headlines)")
    assert spans[1:] == [
        "Выбери самого крутого фудблогера Instagram по версии Wday.ru!",
        "New Price Drop: Apple Watch Series 3 38mm Smart Watch for $169.99 (Originally $200)"]


def test_links_to_posts_and_renamed_platforms_are_channels() -> None:
    brands = [Brand(name="Twitter", aliases=["Twitter", "X"], case_sensitive=["X"],
                    ambiguous=["X"], context=["post", "Musk"])]
    notes = Annotator(brands, keyphrases=False, sentiment="lexicon").annotate([
        ("The fps captures are indeed 30fps. pic.twitter.com/4p7SXk7JPW", "en"),
        ("She wrote on X, formerly Twitter, that the rules were followed.", "en"),
        ("Twitter pledged to take decisive corrective action against such posts.", "en"),
    ])
    assert [(m.matched, m.kind, m.counted) for m in notes[0].mentions] == \
        [("pic.twitter.com/4p7SXk7JPW", "channel", False)]
    assert ("Twitter", "channel", False) in [(m.matched, m.kind, m.counted)
                                             for m in notes[1].mentions]
    assert [(m.kind, m.counted) for m in notes[2].mentions] == [("brand", True)]


@pytest.mark.parametrize(("entry", "message"), [
    ("{name: Foo, aliases: [und]}", "alias 'und' of 'Foo' is a common word"),
    ("{name: Y, aliases: ['-']}", "alias 'Y' of 'Y' is a single character"),
    ("{name: Foo, aliases: ['...']}", "alias '...' of 'Foo' has no letters or digits"),
    ("{name: Foo, query: 'akku AND NOT akku'}", "is false for every text"),
    ("{name: Foo, aliases: [Kompass], ambiguous: [Kompass]}", "has ambiguous aliases but no context"),
])
def test_definitions_that_cannot_work_are_refused(tmp_path: Path, entry: str, message: str) -> None:
    path = tmp_path / "brands.yaml"
    path.write_text(f"brands:\n  - {entry}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_brands(path)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_saved_pipeline_loads_in_a_fresh_process(tmp_path: Path) -> None:
    from brandradar.nlp.pipeline import build

    brands = load_brands(FIXTURES / "brands.yaml")
    build("de", brands, keyphrases=True, sentiment="lexicon").to_disk(tmp_path / "pipe")
    code = ("import json, sys, spacy\n"
            "nlp = spacy.load(sys.argv[1])\n"
            "doc = nlp('Mein DB-Ticket gilt nicht, die Telekom ist super.')\n"
            "print(json.dumps([[s.label_, s.text, s._.sentiment] for s in doc.spans['brands']]))\n")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "pipe")],
                          capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    spans = json.loads(proc.stdout.strip().splitlines()[-1])
    assert [s[:2] for s in spans] == [["Deutsche Bahn", "DB-Ticket"], ["Telekom", "Telekom"]]
    assert all(s[2] in ("positive", "negative", "neutral") for s in spans)


def test_channel_frames_of_real_news_sentences() -> None:
    brands = [Brand(name="Twitter", aliases=["Twitter", "X"], case_sensitive=["X"],
                    ambiguous=["X"], context=["Kurznachrichtendienst", "Musk"]),
              Brand(name="YouTube", aliases=["YouTube"]), Brand(name="WhatsApp", aliases=["WhatsApp"]),
              Brand(name="Instagram", aliases=["Instagram"]),
              Brand(name="Tesla", aliases=["Tesla"]), Brand(name="Microsoft", aliases=["Microsoft"])]
    # Sentences of the fundus and Zyte gold pages that the mention sample labels `channel`.
    channels = [
        ("Delhi’s Chief Minister Arvind Kejriwal turned to Twitter last month to describe his "
         "city as a “gas chamber.”", "en"),
        ("T-Swift took to Twitter to air her grievances with Big Machine, Braun and The Carlyle "
         "Group (what a time to be alive).", "en"),
        ("Tottenham posted an image of Mourinho holding up a Tottenham shirt from its Twitter "
         "account on Wednesday, with the caption: \"Welcome Jose\".", "en"),
        ("„Das ist in dieser Tonalität nicht nachvollziehbar“, ließ sie auf dem "
         "Kurznachrichtendienst X wissen.", "de"),
        ("Wir gehen davon aus, dass ihr das Event auf der offiziellen Samsung-Webseite und auf "
         "YouTube mitverfolgen könnt.", "de"),
        ("Sein WhatsApp-Status lautete: ‚Besser ausbrennen als rosten.‘", "de"),
        # Draw 5 (a line break inside the sentence, as the extracted page has it).
        ("Nollywood actress Genevieve Nnaji has taken \n to her Instagram page to share some "
         "stunning photos of herself.", "en"),
        ("Все началось четыре года назад, когда создала страницу в Instagram.", "ru"),
    ]
    # The same words where the brand is what the sentence is about, or the one speaking.
    brand = [
        ("In a Microsoft blog post, the company announced layoffs.", "en"),
        ("The carmaker said in a Tesla statement that sales fell.", "en"),
        ("Twitter turned to advertisers for help.", "en"),
        ("He took to Tesla dealerships across the country.", "en"),
        ("Owners have taken to their Tesla Model 3 quickly.", "en"),
    ]
    notes = Annotator(brands, keyphrases=False, sentiment="lexicon").annotate(channels + brand)
    kinds = [[(m.kind, m.counted) for m in note.mentions] for note in notes]
    assert kinds[: len(channels)] == [[("channel", False)]] * len(channels), \
        [[m.why for m in n.mentions] for n in notes]
    assert kinds[len(channels):] == [[("brand", True)]] * len(brand)
    # "on the platform X" is the platform itself unless a verb of saying or showing frames it
    note = Annotator(brands, keyphrases=False, sentiment="lexicon").annotate(
        [("Auf dem Kurznachrichtendienst X nehmen Hassreden zu, sagt Musk nicht.", "de")])[0]
    assert [(m.kind, m.counted) for m in note.mentions] == [("brand", True)]


def test_platform_frames_apply_to_brands_that_are_platforms() -> None:
    # Sentences of the fundus and Zyte gold pages labelled `channel` by the mention sample
    # (draws 4 and 6) that have no verb of saying next to the platform.
    channels = [
        ("Zendaya's longtime stylist, Law Roach, pointed out in an Instagram story that she wore "
         "the ensemble before it hit the runway.", "en"),
        ("The video, as well as photos of people with the tagline, prompted some Twitter users "
         "to argue that the promotional material made it look bad.", "en"),
        ("The slogan drew a mix of criticism and ridicule across Twitter on Monday.", "en"),
        ("Diesen Plan nahm dieser User auf X aufs Korn.", "de"),
        ("Sammobile konnten den Galaxy Ring schon beim MWC ausprobieren:\nLink zum "
         "YouTube-Inhalt\nGalaxy Z Flip 6: Das Event wird von Samsung genutzt.", "de"),
    ]
    # The platform as the subject of the news, in the same words (draws 3 and 4 label these
    # `brand`), and a company that is no platform.
    brand = [
        ("Die Behörden warnen, dass Islamisten immer mehr Menschen auf Tiktok erreichen.", "de"),
        ("There are 140 million monthly active businesses across Facebook's various platforms.",
         "en"),
        ("I changed my personal Instagram profile into a professional one several weeks ago.",
         "en"),
        ("Twitter users will have to pay for verification.", "en"),
        ("The EU's ban on TikTok was debated in Brussels.", "en"),
        ("The Tesla video shows the crash.", "en"),
    ]
    platforms = [Brand(name=n, aliases=[n], platform=True)
                 for n in ("Instagram", "Twitter", "TikTok", "Facebook", "YouTube")]
    platforms[1] = Brand(name="Twitter", aliases=["Twitter", "X"], case_sensitive=["X"],
                         ambiguous=["X"], context=["User", "Plan"], platform=True)
    annot = Annotator([*platforms, Brand(name="Tesla")], keyphrases=False, sentiment="lexicon")
    notes = annot.annotate(channels + brand)
    kinds = [[(m.kind, m.counted) for m in note.mentions] for note in notes]
    assert kinds[: len(channels)] == [[("channel", False)]] * len(channels), \
        [[m.why for m in n.mentions] for n in notes]
    assert kinds[len(channels):] == [[("brand", True)]] * len(brand), \
        [[m.why for m in n.mentions] for n in notes]
    # Without the flag these frames say nothing: an "Instagram story" may be news about it.
    plain = Annotator([Brand(name="Instagram")], keyphrases=False, sentiment="lexicon")
    assert [m.kind for m in plain.annotate(channels[:1])[0].mentions] == ["brand"]
