"""The demo web's content and its ground truth, generated deterministically from a seed.

Four fictional sites in one market (e-bikes): a German news site, an English blog, a forum with
German and Russian threads, and a review site. Dates are relative to an anchor hour (normally the
current hour), so the demo always covers "the last 60 days". Planted on purpose:

- syndicated copies of some news stories (same story, different URL, a different first line);
- a complaint wave about the own brand (Voltaro) in the last 48 hours;
- an emerging topic ("SunCharge", a solar charging standard) in the last 5 days, on 3+ sites.

The ground truth (which document mentions which brand with which sentiment) is produced alongside
the pages, so tests can compare the pipeline's numbers with it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

BRANDS = ["Voltaro", "Pedalix", "Strombike", "Nordrad", "Kompass"]
WAVE_BRAND = "Voltaro"
TOPIC = "SunCharge"
DAYS = 60
WAVE_START_HOURS_AGO = 30
WAVE_PROFILE = [12, 18, 24, 22, 17, 14, 11, 8]

_SHARE = {"Voltaro": 0.27, "Pedalix": 0.24, "Strombike": 0.2, "Nordrad": 0.17, "Kompass": 0.12}
_MOOD = {  # positive, negative (rest neutral) of background mentions
    "Voltaro": (0.45, 0.2),
    "Pedalix": (0.35, 0.3),
    "Strombike": (0.5, 0.15),
    "Nordrad": (0.3, 0.35),
    "Kompass": (0.4, 0.2),
}
_RU = {  # Russian case forms: nominative, genitive, dative, instrumental, prepositional
    "Voltaro": ("Вольтаро",) * 5,
    "Pedalix": ("Педаликс", "Педаликса", "Педаликсу", "Педаликсом", "Педаликсе"),
    "Strombike": ("Стромбайк", "Стромбайка", "Стромбайку", "Стромбайком", "Стромбайке"),
    "Nordrad": ("Нордрад", "Нордрада", "Нордраду", "Нордрадом", "Нордраде"),
    "Kompass": ("Kompass",) * 5,
}
_MODELS = {
    "Voltaro": ["City 3", "Trek S", "Cargo One", "Urban Lite", "Tour 8"],
    "Pedalix": ["Trail X", "Commuter 2", "Fold", "Mountain Pro", "Kids 20"],
    "Strombike": ["S1", "S2 Sport", "Family", "Speed 45"],
    "Nordrad": ["Fjord", "Polar", "Harbour", "Dune"],
    "Kompass": ["Nord 7", "Süd 5", "Ost 2"],
}

# Mention sentences per language and sentiment. {b} is the brand (nominative); Russian templates
# use the case forms {b0}..{b4} so that inflected brand names appear as in real text.
_SENT: dict[str, dict[str, list[str]]] = {
    "de": {
        "positive": [
            "Mit {b} bin ich sehr zufrieden, der Motor ist leise und kräftig.",
            "Das neue Modell von {b} hat mich wirklich überzeugt.",
            "Der Service bei {b} war schnell und freundlich, großes Lob.",
            "{b} liefert ein hervorragendes Rad zu einem fairen Preis.",
            "Ich empfehle {b} jedem, der zuverlässig pendeln will.",
            "Die Reichweite des Akkus von {b} ist beeindruckend.",
        ],
        "negative": [
            "Mit {b} habe ich nur Ärger, die Schaltung hakt ständig.",
            "Der Kundendienst von {b} ist eine Katastrophe, niemand antwortet.",
            "Nie wieder {b}, nach drei Wochen war das Rad kaputt.",
            "{b} enttäuscht mich schwer, die Bremsen quietschen furchtbar.",
            "Für diesen Preis ist das Rad von {b} eine Frechheit.",
            "Die App von {b} stürzt dauernd ab, das nervt gewaltig.",
        ],
        "neutral": [
            "{b} stellt im Frühjahr ein neues Modell vor.",
            "Laut Hersteller kostet das Rad von {b} rund 2.500 Euro.",
            "{b} hat seinen Sitz in Norddeutschland und beschäftigt 400 Menschen.",
            "Im Test traten Räder von {b} und anderen Herstellern an.",
            "Die Räder von {b} gibt es in drei Rahmengrößen.",
            "{b} verkauft seine Räder online und im Fachhandel.",
        ],
    },
    "en": {
        "positive": [
            "I love my {b}, the motor is quiet and strong.",
            "The new {b} model is excellent and really impressed me.",
            "Support at {b} was quick and friendly, great job.",
            "{b} offers a fantastic bike for a fair price.",
            "I would happily recommend {b} to every commuter.",
            "The battery range of the {b} is amazing.",
        ],
        "negative": [
            "My {b} has been nothing but trouble, the gears keep slipping.",
            "Customer service at {b} is terrible, nobody answers.",
            "Never again {b}, the bike broke after three weeks.",
            "{b} is a huge disappointment, the brakes squeal horribly.",
            "For this price the {b} is a rip-off.",
            "The {b} app crashes all the time, it is awful.",
        ],
        "neutral": [
            "{b} will present a new model in spring.",
            "According to the maker, the {b} costs about 2,500 euros.",
            "{b} is based in northern Germany and employs 400 people.",
            "Bikes from {b} and other makers were part of the test.",
            "The {b} comes in three frame sizes.",
            "{b} sells its bikes online and through dealers.",
        ],
    },
    "ru": {
        "positive": [
            "Очень доволен велосипедом {b1}: мотор тихий и мощный.",
            "Новая модель {b1} меня приятно удивила, отличная работа.",
            "Поддержка {b1} ответила быстро и вежливо, спасибо.",
            "{b0} делает прекрасные велосипеды по честной цене.",
            "Рекомендую {b0} всем, кто ездит на работу, вещь надёжная.",
            "Запас хода у {b1} просто отличный.",
        ],
        "negative": [
            "С {b3} одни проблемы, переключатель постоянно заедает.",
            "Сервис {b1} ужасный, никто не отвечает неделями.",
            "Больше никогда не куплю {b0}, через три недели всё сломалось.",
            "{b0} сильно разочаровал, тормоза ужасно скрипят.",
            "За такие деньги велосипед {b1} — это обман.",
            "Приложение {b1} постоянно падает, это бесит.",
        ],
        "neutral": [
            "{b0} весной представит новую модель.",
            "По данным производителя, велосипед {b1} стоит около двухсот тысяч рублей.",
            "Компания {b0} продаёт велосипеды онлайн и через дилеров.",
            "В тесте участвовали велосипеды {b1} и других производителей.",
            "Велосипеды {b1} выпускаются в трёх размерах рамы.",
            "О {b4} на форуме спрашивают довольно часто.",
        ],
    },
}
_WAVE: dict[str, list[str]] = {
    "de": [
        "Der Akku meines {b} ist heute überhitzt und hat gequalmt, ich bin entsetzt.",
        "Auch bei mir: {b} Akku lädt nicht mehr, die Hotline ist völlig überlastet.",
        "{b} muss endlich einen Rückruf starten, das ist gefährlich.",
        "Unfassbar, wie {b} mit dem Akku-Problem umgeht, ich bin wütend.",
        "Mein {b} bleibt seit dem Update stehen, Akku tot, totaler Mist.",
    ],
    "en": [
        "The battery of my {b} overheated today and started smoking, this is scary.",
        "Same here: my {b} battery will not charge anymore and support is unreachable.",
        "{b} needs to issue a recall now, this is dangerous.",
        "Awful how {b} handles the battery problem, I am furious.",
    ],
    "ru": [
        "У моего {b1} сегодня перегрелся аккумулятор и пошёл дым, это ужасно.",
        "У меня тоже: аккумулятор {b1} не заряжается, поддержка не отвечает.",
        "{b0} должен срочно объявить отзыв, это опасно.",
        "Отвратительно, как {b0} решает проблему с аккумулятором, я в бешенстве.",
    ],
}
_TOPIC_SENT = {
    "de": [
        "Der neue Ladestandard SunCharge soll E-Bikes an Solarstationen laden.",
        "Mehrere Städte testen SunCharge an Bahnhöfen, SunCharge-Säulen stehen schon bereit.",
        "Mit SunCharge lädt der Akku in zwei Stunden per Sonnenenergie.",
    ],
    "en": [
        "SunCharge, the new solar charging standard for e-bikes, is spreading fast.",
        "Several cities are testing SunCharge stations at train stations.",
        "With SunCharge the battery charges from solar power in two hours.",
    ],
    "ru": [
        "Новый стандарт SunCharge позволит заряжать велосипеды от солнечных станций.",
        "Несколько городов тестируют станции СанЧарджа у вокзалов.",
        "Через СанЧардж аккумулятор заряжается от солнца за два часа.",
    ],
}
# Brand-free sentences; the German ones contain the common word "Kompass" on purpose.
_FILLER = {
    "de": [
        "Immer mehr Pendler steigen in der Stadt auf das Fahrrad um.",
        "Der Ausbau der Radwege kommt nur langsam voran.",
        "Im Winter lohnt sich eine gute Beleuchtung besonders.",
        "Diebstahlschutz bleibt für viele Radfahrer ein großes Thema.",
        "Die Preise für E-Bikes sind im letzten Jahr gestiegen.",
        "Ohne Kompass und Karte wäre ich bei der Tour im Wald verloren gewesen.",
        "Die Politik braucht einen moralischen Kompass beim Thema Verkehrswende.",
        "Viele Händler bieten inzwischen Leasing über den Arbeitgeber an.",
        "Ein Helm gehört auch auf kurzen Strecken dazu.",
        "Die Ladeinfrastruktur in den Innenstädten wächst.",
    ],
    "en": [
        "More and more commuters switch to cycling in the city.",
        "Building new bike lanes is still painfully slow.",
        "Good lights matter most in the dark winter months.",
        "Theft protection remains a big topic for many riders.",
        "Prices for e-bikes went up last year.",
        "Many dealers now offer leasing through employers.",
        "A helmet belongs on every ride, even short ones.",
        "Charging infrastructure in city centres keeps growing.",
    ],
    "ru": [
        "Всё больше людей ездят на работу на велосипеде.",
        "Велодорожки в городе строят очень медленно.",
        "Зимой особенно важно хорошее освещение.",
        "Защита от кражи остаётся важной темой для велосипедистов.",
        "Цены на электровелосипеды за год выросли.",
        "Шлем нужен даже на коротких поездках.",
    ],
}
_AUTHORS = {
    "de": ["Radler_HH", "KettenKarl", "Bergziege", "PendlerPaula", "SpeichenSepp", "TourenTina",
           "E-Mobil-Max", "Stadtflitzer", "Gravelgretel", "Lastenrad_Lea", "WaldWolfgang"],
    "ru": ["velo_ivan", "Маша_едет", "kolesov", "Гонщик77", "tihiy_hod", "Саня_вело",
           "baikerша", "DimaCity", "ЛесникПетр", "Оля_СПб"],
    "en": ["commuter_joe", "trailgirl", "spokes", "rainrider", "urbanpedal", "gearhead",
           "hill_climber", "cargo_dad", "nightlights"],
}
_NEWS_AUTHORS = ["Anna Berger", "Jonas Keller", "Miriam Vogt", "Lukas Brandt", "Sabine Roth"]
_BLOG_AUTHORS = ["Emma Clarke", "Oliver Hayes", "Priya Shah"]


@dataclass
class TruthDoc:
    """Ground truth for one document the demo web publishes."""

    site: str
    path: str
    post_id: str | None
    lang: str
    published: datetime
    brands: dict[str, str]
    story: str
    wave: bool = False
    topic: bool = False


@dataclass
class Article:
    """A news article or blog post."""

    path: str
    title: str
    paragraphs: list[str]
    published: datetime
    author: str
    lang: str


@dataclass
class Post:
    """A forum post; ``quote`` is (post id, author, text) of a quoted earlier post."""

    post_id: str
    author: str
    published: datetime
    text: str
    quote: tuple[str, str, str] | None = None


@dataclass
class Thread:
    """A forum thread on a German or Russian board."""

    thread_id: int
    board: str
    title: str
    posts: list[Post] = field(default_factory=list)


@dataclass
class Review:
    """A product review (rendered by JavaScript on the review site)."""

    review_id: str
    author: str
    published: datetime
    rating: int
    text: str
    verified: bool
    lang: str


@dataclass
class Product:
    """A product on the review site."""

    product_id: str
    brand: str
    name: str
    reviews: list[Review] = field(default_factory=list)


@dataclass
class DemoWeb:
    """All demo content plus its ground truth."""

    anchor: datetime
    news: list[Article]
    blog: list[Article]
    threads: list[Thread]
    products: list[Product]
    truth: list[TruthDoc]


class _Writer:
    """Builds sentences with known brand/sentiment labels."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def brand(self) -> str:
        return self.rng.choices(BRANDS, weights=[_SHARE[b] for b in BRANDS])[0]

    def mood(self, brand: str) -> str:
        pos, neg = _MOOD[brand]
        r = self.rng.random()
        return "positive" if r < pos else "negative" if r < pos + neg else "neutral"

    def fill(self, template: str, brand: str) -> str:
        forms = _RU[brand]
        return template.format(b=brand, **{f"b{i}": forms[i] for i in range(5)})

    def mention(self, lang: str, brand: str, mood: str) -> str:
        return self.fill(self.rng.choice(_SENT[lang][mood]), brand)

    def filler(self, lang: str, n: int) -> list[str]:
        return self.rng.sample(_FILLER[lang], n)


def _hours_ago(anchor: datetime, hours: float) -> datetime:
    return (anchor - timedelta(hours=hours)).replace(microsecond=0)


def _background_time(rng: random.Random, anchor: datetime) -> datetime:
    # Background content keeps clear of the wave window so the wave is the only spike.
    while True:
        h = rng.uniform(1, DAYS * 24 - 2)
        if not (WAVE_START_HOURS_AGO - 12 <= h <= WAVE_START_HOURS_AGO + 4):
            return _hours_ago(anchor, h)


def _wave_times(rng: random.Random, anchor: datetime) -> list[datetime]:
    times: list[datetime] = []
    for i, count in enumerate(WAVE_PROFILE):
        start = WAVE_START_HOURS_AGO - i
        times.extend(_hours_ago(anchor, start - rng.uniform(0.02, 0.98)) for _ in range(count))
    return times


def build(anchor: datetime | None = None, seed: int = 7) -> DemoWeb:
    """Generate the demo web for the hour ``anchor`` (default: the current UTC hour)."""
    anchor = (anchor or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    rng = random.Random(seed)
    w = _Writer(rng)
    truth: list[TruthDoc] = []
    wave_times = _wave_times(rng, anchor)
    rng.shuffle(wave_times)
    # Wave channel per mention: forum 60 %, reviews 30 %, news/blog the rest.
    wave_slots = {"forum": wave_times[:76], "reviews": wave_times[76:114],
                  "news": wave_times[114:120], "blog": wave_times[120:]}
    topic_times = [_hours_ago(anchor, rng.uniform(2, 110)) for _ in range(14)]

    news = _news(w, anchor, truth, wave_slots["news"], topic_times[:5])
    blog = _blog(w, anchor, truth, wave_slots["blog"], topic_times[5:10])
    threads = _forum(w, anchor, truth, wave_slots["forum"], topic_times[10:])
    products = _reviews(w, anchor, truth, wave_slots["reviews"])
    return DemoWeb(anchor, news, blog, threads, products, truth)


def _paragraphs(w: _Writer, lang: str, labels: dict[str, str], extra: list[str]) -> list[str]:
    sentences = w.filler(lang, 3) + [w.mention(lang, b, m) for b, m in labels.items()] + extra
    w.rng.shuffle(sentences)
    return [" ".join(sentences[i : i + 2]) for i in range(0, len(sentences), 2)]


def _labels(w: _Writer, n_max: int = 2) -> dict[str, str]:
    labels: dict[str, str] = {}
    for _ in range(w.rng.choice([1, 1, 1, n_max])):
        b = w.brand()
        labels.setdefault(b, w.mood(b))
    return labels


_NEWS_TITLES = ["Neues vom E-Bike-Markt", "Radbranche im Wandel", "Test: Pendlerräder im Alltag",
                "Hersteller melden Zahlen", "Was Käufer jetzt wissen müssen", "Fahrradsaison startet"]


def _news(w: _Writer, anchor: datetime, truth: list[TruthDoc], wave: list[datetime],
          topic: list[datetime]) -> list[Article]:
    out: list[Article] = []
    n = 0

    def add(path_prefix: str, title: str, paras: list[str], when: datetime, labels: dict[str, str],
            story: str, **flags: bool) -> None:
        nonlocal n
        n += 1
        path = f"/{path_prefix}/{n:04d}-{title.lower().replace(' ', '-').replace(':', '')}.html"
        out.append(Article(path, title, paras, when, w.rng.choice(_NEWS_AUTHORS), "de"))
        truth.append(TruthDoc("news", path, None, "de", when, labels, story, **flags))

    for i in range(260):
        labels = _labels(w)
        title = f"{w.rng.choice(_NEWS_TITLES)} {i + 1}"
        paras = _paragraphs(w, "de", labels, [])
        when = _background_time(w.rng, anchor)
        story = f"news-{i}"
        add("artikel", title, paras, when, labels, story)
        if i % 6 == 0:  # agency story: syndicated to the regional section once or twice
            for k in range(1 + (i % 12 == 0)):
                copy = [f"(Agenturmeldung, Ausgabe {k + 1})", *paras]
                add("regional", title, copy, when + timedelta(hours=k + 1), labels, story)
    for j, when in enumerate(wave):
        labels = {WAVE_BRAND: "negative"}
        paras = _paragraphs(w, "de", {}, [w.fill(w.rng.choice(_WAVE["de"]), WAVE_BRAND)])
        add("artikel", f"Akku-Ärger bei {WAVE_BRAND} {j + 1}", paras, when, labels,
            f"news-wave-{j}", wave=True)
    for j, when in enumerate(topic):
        paras = _paragraphs(w, "de", {}, w.rng.sample(_TOPIC_SENT["de"], 2))
        add("artikel", f"Sonne tanken {j + 1}", paras, when, {}, f"news-topic-{j}", topic=True)
    return out


_BLOG_TITLES = ["Weekend ride notes", "Gear I use every day", "Thoughts on e-bike commuting",
                "Lessons from a rainy month", "What I would buy today", "Bike shop visit"]


def _blog(w: _Writer, anchor: datetime, truth: list[TruthDoc], wave: list[datetime],
          topic: list[datetime]) -> list[Article]:
    out: list[Article] = []
    plan: list[tuple[datetime, dict[str, str], list[str], str, dict[str, bool]]] = []
    for _ in range(180):
        plan.append((_background_time(w.rng, anchor), _labels(w), [], "", {}))
    for when in wave:
        plan.append((when, {WAVE_BRAND: "negative"},
                     [w.fill(w.rng.choice(_WAVE["en"]), WAVE_BRAND)], "Battery trouble", {"wave": True}))
    for when in topic:
        plan.append((when, {}, w.rng.sample(_TOPIC_SENT["en"], 2), "Solar charging", {"topic": True}))
    plan.sort(key=lambda p: p[0])
    for i, (when, labels, extra, title, flags) in enumerate(plan):
        mention_labels = {} if extra else labels
        title = f"{title or w.rng.choice(_BLOG_TITLES)} #{i + 1}"
        path = f"/posts/{i + 1:04d}-{title.lower().split(' #')[0].replace(' ', '-')}.html"
        paras = _paragraphs(w, "en", mention_labels, extra)
        out.append(Article(path, title, paras, when, w.rng.choice(_BLOG_AUTHORS), "en"))
        truth.append(TruthDoc("blog", path, None, "en", when, labels, f"blog-{i}", **flags))
    return out


_THREAD_TITLES = {
    "de": ["Erfahrungen mit {b}?", "{b} oder was anderes?", "Kaufberatung: {b}", "{b} im Winter"],
    "ru": ["Кто ездит на {b4}?", "Отзывы о {b4}", "{b0} или что-то другое?", "Вопрос про {b0}"],
}
_CHATTER = {
    "de": ["Danke für den Tipp!", "Sehe ich genauso.", "Hat jemand einen Link dazu?"],
    "ru": ["Спасибо за совет!", "Согласен полностью.", "Есть ссылка на это?"],
}


def _forum(w: _Writer, anchor: datetime, truth: list[TruthDoc], wave: list[datetime],
           topic: list[datetime]) -> list[Thread]:
    threads: list[Thread] = []
    post_no = 0

    def new_thread(board: str, title: str) -> Thread:
        t = Thread(len(threads) + 1, board, title)
        threads.append(t)
        return t

    def add_post(t: Thread, when: datetime, text: str, labels: dict[str, str], **flags: bool) -> None:
        nonlocal post_no
        post_no += 1
        pid = str(post_no)
        quote = None
        if t.posts and w.rng.random() < 0.3:
            q = w.rng.choice(t.posts)
            quote = (q.post_id, q.author, q.text)
        t.posts.append(Post(pid, w.rng.choice(_AUTHORS[t.board]), when, text, quote))
        # The page a post lands on is known once the thread is sorted: see _forum_paths.
        truth.append(TruthDoc("forum", "", pid, t.board, when, labels, f"post-{pid}", **flags))

    for i in range(72):
        board = "de" if i % 2 == 0 else "ru"
        brand = w.brand()
        t = new_thread(board, w.fill(w.rng.choice(_THREAD_TITLES[board]), brand))
        start_h = w.rng.uniform(60, DAYS * 24 - 10)
        span = min(24 * 9, start_h - 2)
        times: list[datetime] = sorted(_hours_ago(anchor, start_h - w.rng.uniform(0, span))
                       for _ in range(w.rng.randint(6, 16)))
        for when in times:
            if not (WAVE_START_HOURS_AGO - 12 <= (anchor - when).total_seconds() / 3600
                    <= WAVE_START_HOURS_AGO + 4):
                r = w.rng.random()
                labels: dict[str, str] = {}
                if r < 0.15:
                    text = w.rng.choice(_CHATTER[board])
                else:
                    labels[brand] = w.mood(brand)
                    other = w.brand()
                    if r > 0.85 and other != brand:
                        labels[other] = w.mood(other)
                    parts = [w.mention(board, b, m) for b, m in labels.items()]
                    text = " ".join([*parts, *w.filler(board, 1)])
                add_post(t, when, text, labels)
    wave_threads = [
        new_thread("de", f"{WAVE_BRAND} Akku überhitzt – wer noch?"),
        new_thread("ru", f"Проблемы с аккумулятором {_RU[WAVE_BRAND][1]}"),
        new_thread("de", f"Rückruf bei {WAVE_BRAND}?"),
        new_thread("ru", f"{_RU[WAVE_BRAND][0]}: перегрев, что делать"),
    ]
    for k, when in enumerate(sorted(wave)):
        t = wave_threads[k % 4]
        text = w.fill(w.rng.choice(_WAVE[t.board]), WAVE_BRAND)
        add_post(t, when, text, {WAVE_BRAND: "negative"}, wave=True)
    # The Russian board writes the standard in Cyrillic too ("СанЧардж"); the demo project's
    # topic aliases merge both spellings into one key phrase.
    topic_threads = [new_thread("de", "SunCharge – taugt das was?"),
                     new_thread("ru", "СанЧардж — кто пробовал?")]
    for k, when in enumerate(sorted(topic)):
        t = topic_threads[k % 2]
        add_post(t, when, " ".join(w.rng.sample(_TOPIC_SENT[t.board], 2)), {}, topic=True)
    for t in threads:  # posts are shown oldest first; truth paths follow that order
        t.posts.sort(key=lambda p: p.published)
    _forum_paths(threads, truth)
    return threads


def _forum_paths(threads: list[Thread], truth: list[TruthDoc]) -> None:
    page_of: dict[str, str] = {}
    for t in threads:
        for idx, p in enumerate(t.posts):
            page = idx // 5 + 1
            page_of[p.post_id] = f"/thread/{t.thread_id}" + (f"?page={page}" if page > 1 else "")
    for td in truth:
        if td.site == "forum" and td.post_id is not None:
            td.path = page_of[td.post_id]


_REVIEW_TEXT = {
    "en": {5: "Five stars.", 4: "Very good overall.", 3: "It is okay.", 2: "Not great.", 1: "Avoid."},
    "de": {5: "Fünf Sterne.", 4: "Insgesamt sehr gut.", 3: "Geht so.", 2: "Eher schwach.",
           1: "Finger weg."},
}


def _reviews(w: _Writer, anchor: datetime, truth: list[TruthDoc],
             wave: list[datetime]) -> list[Product]:
    products: list[Product] = []
    n = 0
    for brand in BRANDS:
        for model in _MODELS[brand]:
            products.append(Product(f"p{len(products) + 1}", brand, f"{brand} {model}"))

    def add(p: Product, when: datetime, rating: int, text: str, lang: str, **flags: bool) -> None:
        nonlocal n
        n += 1
        rid = f"r{n}"
        p.reviews.append(Review(rid, w.rng.choice(_AUTHORS[lang]), when, rating, text,
                                w.rng.random() < 0.6, lang))
        mood = "positive" if rating >= 4 else "negative" if rating <= 2 else "neutral"
        truth.append(TruthDoc("reviews", f"/product/{p.product_id}", rid, lang, when,
                              {p.brand: mood}, f"review-{rid}", **flags))

    by_mood = {"positive": (4, 5), "negative": (1, 2), "neutral": (3, 3)}
    for _ in range(300):
        brand = w.brand()
        p = w.rng.choice([x for x in products if x.brand == brand])
        mood = w.mood(brand)
        rating = w.rng.randint(*by_mood[mood])
        lang = w.rng.choice(["en", "de"])
        text = f"{_REVIEW_TEXT[lang][rating]} {w.mention(lang, brand, mood)} {w.filler(lang, 1)[0]}"
        add(p, _background_time(w.rng, anchor), rating, text, lang)
    own = [x for x in products if x.brand == WAVE_BRAND]
    for when in wave:
        lang = w.rng.choice(["en", "de"])
        text = f"{_REVIEW_TEXT[lang][1]} {w.fill(w.rng.choice(_WAVE[lang]), WAVE_BRAND)}"
        add(w.rng.choice(own), when, 1, text, lang, wave=True)
    for p in products:
        p.reviews.sort(key=lambda r: r.published, reverse=True)
    return products
