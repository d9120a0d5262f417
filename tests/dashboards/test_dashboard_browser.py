"""The dashboard opened in headless Chromium as a person would: every page without console errors,
the numbers shown are the store's, the view state lives in the URL, crawled markup never runs,
and screenshots are kept in test-artifacts/."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from brandradar.dashboards.web.server import serve
from brandradar.errors import ConfigError
from brandradar.index.analytics import author_segments, share_of_voice
from brandradar.index.duckdb.store import DuckDBStore
from brandradar.stages import context_from_workdir, load_context, run_pipeline
from tests.webserver import feed_project, one_article_site
from tests.webserver import serve as serve_routes

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
PAGES = ["overview", "brand", "topics", "alerts", "mentions", "authors", "sources"]


@contextmanager
def _served(workdir: Path) -> Iterator[tuple[str, Any]]:
    """`brandradar serve` of a work directory on a free loopback port: its URL and context."""
    ctx = context_from_workdir(workdir)
    httpd = serve(ctx, "127.0.0.1", 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/", ctx
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def dashboard(demo_run: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    with _served(demo_run["workdir"]) as served:
        yield served


def _open(page: Page, url: str, errors: list[str]) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=30000)
    assert page.query_selector("#error") is None, page.inner_text("#error")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


def _page(browser: Browser, width: int, errors: list[str]) -> Page:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (errors.append("dialog: " + d.message), d.dismiss()))
    return page


@pytest.fixture(scope="module")
def browser_page(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    errors: list[str] = []
    page = _page(browser, 1280, errors)
    yield page, errors
    page.close()


def _store(ctx: Any) -> DuckDBStore:
    return DuckDBStore(Path(ctx.workdir) / "brandradar.duckdb", read_only=True)


def test_every_page_loads_and_shows_the_store_numbers(
        dashboard: tuple[str, Any], browser_page: tuple[Page, list[str]], artifacts: Path) -> None:
    url, ctx = dashboard
    page, errors = browser_page
    seen: dict[str, Any] = {}
    for name in PAGES:
        _open(page, f"{url}?page={name}", errors)
        page.screenshot(path=str(artifacts / f"dashboard-{name}.png"), full_page=True)
        assert page.get_attribute(f"#nav-{name}", "class") == "current"
        if name == "overview":
            seen["sov"] = {r.get_attribute("data-brand"): float(r.get_attribute("data-share") or "nan")
                           for r in page.query_selector_all("#sov tbody tr")}
            seen["markers"] = len(page.query_selector_all(".alert-marker"))
            seen["counts"] = page.inner_text("#counts")
        elif name == "brand":
            seen["compare_head"] = [th.inner_text() for th in page.query_selector_all("#compare th")]
            seen["compare_mentions"] = [td.inner_text() for td in
                                        page.query_selector_all("#compare tr[data-metric=Mentions] td")]
        elif name == "topics":
            seen["trends"] = page.inner_text("#trends")
        elif name == "alerts":
            seen["alerts"] = [a.get_attribute("data-brand")
                              for a in page.query_selector_all("#alerts .alert")]
            seen["alert_docs"] = len(page.query_selector_all("#alerts .alert a"))
        elif name == "mentions":
            seen["newest"] = int(page.get_attribute("body", "data-results") or "0")
        elif name == "authors":
            seen["segments"] = {r.get_attribute("data-segment") for r in
                                page.query_selector_all("#authors tbody tr")}
            seen["segment_line"] = page.inner_text("#segments")
        elif name == "sources":
            seen["health"] = {r.get_attribute("data-source"): r.query_selector_all("td")[-1].inner_text()
                              for r in page.query_selector_all("#health tbody tr")}
    assert errors == []
    store = _store(ctx)
    try:
        sov = share_of_voice(store, ctx.brands)
        n = store.counts()
        segments = author_segments(store)
    finally:
        store.close()
    assert seen["sov"] == {r["brand"]: r["share"] for r in sov}
    assert seen["markers"] == 1 and seen["alerts"] == ["Voltaro"] and seen["alert_docs"] >= 3
    assert f"{n['documents']:,} documents" in seen["counts"]
    assert seen["compare_head"][1:] == [b.name for b in ctx.brands]  # own brand first
    assert seen["compare_mentions"][1:] == [str(r["mentions"]) for r in sov]
    assert "suncharge" in seen["trends"]
    assert seen["newest"] == 50
    assert seen["segments"] == {a["segment"] for a in segments[:200]}
    for segment in {a["segment"] for a in segments}:
        count = sum(a["segment"] == segment for a in segments)
        assert f"{count} {segment}" in seen["segment_line"]
    assert set(seen["health"]) == {s.name for s in ctx.sources} and set(seen["health"].values()) == {"ok"}


def test_view_state_lives_in_the_url(dashboard: tuple[str, Any],
                                     browser_page: tuple[Page, list[str]], artifacts: Path) -> None:
    url, ctx = dashboard
    page, errors = browser_page
    last = datetime.now(UTC).date()
    first = last - timedelta(days=6)
    view = f"from={first}&to={last}&brands=Voltaro,Pedalix"
    _open(page, f"{url}?page=brand&{view}", errors)
    page.screenshot(path=str(artifacts / "dashboard-brand-last-week.png"), full_page=True)
    head = [th.inner_text() for th in page.query_selector_all("#compare th")]
    mentions = [td.inner_text() for td in page.query_selector_all("#compare tr[data-metric=Mentions] td")]
    checked = [i.get_attribute("value") for i in page.query_selector_all("#brand-picks input")
               if i.is_checked()]
    assert page.input_value("#from") == str(first) and page.input_value("#to") == str(last)
    # Links to the other pages keep the view.
    assert view.replace(",", "%2C") in (page.get_attribute("#nav-overview", "href") or "")
    page.click("#nav-mentions")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#q", "Akku")
    page.select_option("#brand", "Voltaro")
    page.click("#search button")
    page.wait_for_function("new URLSearchParams(location.search).get('q') === 'Akku'")
    page.wait_for_selector("body[data-query=Akku] #mentions tbody tr mark")
    rows = page.query_selector_all("#mentions tbody tr")
    brands_in_results = {r.query_selector_all("td")[1].inner_text() for r in rows}
    marked = {m.inner_text().lower() for m in page.query_selector_all("#mentions mark")}
    shared = page.url
    page.screenshot(path=str(artifacts / "dashboard-search.png"), full_page=False)
    _open(page, shared, errors)  # the shared link shows the same search
    again = len(page.query_selector_all("#mentions tbody tr"))
    assert errors == []
    assert head[1:] == ["Voltaro", "Pedalix"] and checked == ["Voltaro", "Pedalix"]
    store = _store(ctx)
    try:
        brands = [b for b in ctx.brands if b.name in ("Voltaro", "Pedalix")]
        since = datetime.combine(first, datetime.min.time(), UTC)
        expected = share_of_voice(store, brands, since, since + timedelta(days=7))
    finally:
        store.close()
    assert mentions[1:] == [str(r["mentions"]) for r in expected]
    assert rows and brands_in_results == {"Voltaro"} and again == len(rows)
    assert {"akku", "voltaro"} <= marked or "akku" in marked


def test_crawled_markup_never_runs(tmp_path: Path, artifacts: Path,
                                   browser_page: tuple[Page, list[str]]) -> None:
    hostile = ("&lt;script&gt;window.__pwned=1&lt;/script&gt; &lt;img src=x "
               "onerror=\"window.__pwned=2\"&gt; Voltaro hat einen tollen Akku, sagt "
               "&lt;b onmouseover=alert(3)&gt;Tester&lt;/b&gt;. ") * 4
    stamp = f"{datetime.now(UTC):%Y-%m-%dT%H:00:00Z}"
    page_html = (f"<html><head><meta charset='utf-8'><title>Voltaro &lt;script&gt;alert(4)&lt;/script&gt;"
                 f"</title><meta property='article:published_time' content='{stamp}'>"
                 f"</head><body><article><h1>Voltaro &lt;svg onload=alert(5)&gt;</h1><p>{hostile}</p>"
                 "</article></body></html>").encode()
    with serve_routes(one_article_site(page_html)) as (base, _):
        project = feed_project(tmp_path / "p.yaml", base, "[{name: Voltaro, role: own}]", "evil")
        ctx = load_context(project, tmp_path / "w")
        run_pipeline(ctx)
    httpd = serve(ctx, "127.0.0.1", 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    page, errors = browser_page
    errors.clear()
    try:
        for name in PAGES:
            page.goto(f"{url}?page={name}&q=Akku")
            page.wait_for_selector("body[data-ready=true]", timeout=30000)
            for el in page.query_selector_all("td, p, h3"):
                if el.is_visible():
                    el.hover(timeout=2000)
            assert page.evaluate("window.__pwned") is None, name
        page.goto(f"{url}?page=mentions&fold=none")  # every mention: title and body
        page.wait_for_selector("body[data-ready=true]")
        shown = page.inner_text("#mentions")
        injected = page.evaluate("document.querySelectorAll('#page script, #page img, #page svg b, "
                                 "#page [onerror], #page [onmouseover]').length")
        page.screenshot(path=str(artifacts / "dashboard-injection.png"), full_page=True)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert errors == []
    assert "<script>window.__pwned=1</script>" in shown  # shown as text, not run
    assert injected == 0


def test_binding_beyond_loopback_needs_a_token(demo_run: dict[str, Any]) -> None:
    ctx = context_from_workdir(demo_run["workdir"])
    with pytest.raises(ConfigError, match="needs --token"):
        serve(ctx, "127.0.0.2", 0)
    httpd = serve(ctx, "127.0.0.2", 0, token="s3cret-token")
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.2:{httpd.server_address[1]}"

    def status(path: str, header: str | None = None) -> int:
        req = urllib.request.Request(base + path, headers={"Authorization": header} if header else {})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return int(resp.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)

    try:
        # The page itself holds no data; every data call needs the token.
        assert status("/") == 200 and status("/api/overview") == 401
        assert status("/api/overview?token=wrong") == 401
        assert status("/api/overview", "Bearer wrong") == 401
        assert status("/?token=s3cret-token") == 200
        assert status("/api/overview", "Bearer s3cret-token") == 200
        assert status("/api/overview?token=s3cret-token&from=yesterday") == 400
        assert status("/api/overview?token=s3cret-token&brands=Nobody") == 400
        assert status("/api/overview?token=s3cret-token&to=9999-12-31") == 400
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("width", [1440, 390])
def test_every_page_fits_the_screen(dashboard: tuple[str, Any], artifacts: Path, browser: Browser,
                                    width: int) -> None:
    url, _ = dashboard
    errors: list[str] = []
    page = _page(browser, width, errors)
    measured = {}
    for name in PAGES:
        _open(page, f"{url}?page={name}&period=30d", errors)
        page.screenshot(path=str(artifacts / f"dashboard-{name}-{width}.png"), full_page=True)
        measured[name] = page.evaluate("""() => ({
            wide: document.documentElement.scrollWidth,
            text: Math.min(99, ...[...document.querySelectorAll('svg text')]
                .map(t => t.getBoundingClientRect().height).filter(h => h > 0))})""")
    page.close()
    assert errors == []
    for name, m in measured.items():
        assert m["wide"] <= width, f"{name} scrolls sideways at {width} px ({m['wide']} px)"
        assert m["text"] >= 10, f"{name}: chart text {m['text']:.1f} px at {width} px"


def test_every_number_opens_as_many_rows(dashboard: tuple[str, Any],
                                         browser_page: tuple[Page, list[str]],
                                         artifacts: Path) -> None:
    url, _ = dashboard
    page, errors = browser_page
    clicks = {"share of voice, documents": "#sov tbody tr:nth-child(2) td:nth-child(2) a",
              "negative mentions": "#sentiment tbody tr:nth-child(1) td:nth-child(3) a",
              "positive mentions": "#sentiment tbody tr:nth-child(3) td:nth-child(2) a"}
    for what, selector in clicks.items():
        _open(page, f"{url}?page=overview&period=30d", errors)
        number = int(page.inner_text(selector).replace(",", ""))
        page.click(selector)
        page.wait_for_selector("body[data-ready=true][data-total]")
        page.screenshot(path=str(artifacts / "dashboard-drilldown.png"), full_page=False)
        assert int(page.get_attribute("body", "data-total") or "-1") == number > 0, what
        assert "period=30d" in page.url  # the view travels with the click
    _open(page, f"{url}?page=mentions&brand=Voltaro&fold=none", errors)
    total = int(page.get_attribute("body", "data-total") or "0")
    page.click("#next")
    page.wait_for_selector("body[data-ready=true]")
    assert "offset=50" in page.url and page.query_selector("#prev") is not None
    assert page.get_attribute("body", "data-total") == str(total) and total > 50
    assert errors == []


def test_the_token_stays_out_of_links_and_the_alert_workflow_round_trips(
        demo_run: dict[str, Any], tmp_path: Path, artifacts: Path, browser: Browser) -> None:
    import shutil

    from brandradar.labels import corrections
    from brandradar.teamstate import engine_for
    from brandradar.teamstate.alerts import current

    workdir = tmp_path / "w"
    shutil.copytree(demo_run["workdir"], workdir)
    ctx = context_from_workdir(workdir)
    httpd = serve(ctx, "127.0.0.1", 0, token="t0ken-for-test")
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    errors: list[str] = []
    page = _page(browser, 390, errors)
    try:
        _open(page, f"{url}?token=t0ken-for-test&page=alerts", errors)
        shared = page.get_attribute("#share-link", "href") or ""
        links = [a.get_attribute("href") or "" for a in page.query_selector_all("a")]
        form = "#alerts .alert .workflow-form"
        page.select_option(f"{form} select[name=status]", "acknowledged")
        page.fill(f"{form} input[name=assignee]", "Mara (community)")
        page.fill(f"{form} input[name=note]", "Hotline informed, statement at 14:00")
        page.fill(f"{form} input[name=by]", "Jonas")
        page.click(f"{form} button")
        page.wait_for_selector(f"{form}[data-saved=acknowledged]")
        page.reload()
        page.wait_for_selector("body[data-ready=true]")
        status = page.inner_text("#alerts .alert .workflow")
        final_url = page.url
        page.screenshot(path=str(artifacts / "dashboard-alert-workflow-390.png"), full_page=True)
        # A label corrected from the explorer lands in the project's label store.
        page.click("#nav-mentions")
        page.wait_for_selector("body[data-ready=true]")
        first = page.query_selector("#mentions tbody tr:has(select.correct)")
        assert first is not None
        mention = first.get_attribute("data-mention")
        page.fill("#by", "Jonas")
        page.dispatch_event("#by", "change")
        choice = first.query_selector_all("select.correct option")[1].get_attribute("value")
        first.query_selector("select.correct").select_option(choice)
        page.wait_for_selector(f"tr[data-mention='{mention}'] td[data-corrected={choice}]")
    finally:
        page.close()
        httpd.shutdown()
        httpd.server_close()
    assert errors == []
    assert "t0ken" not in final_url and "t0ken" not in shared
    assert not any("t0ken" in link for link in links)
    assert "acknowledged" in status and "Mara (community)" in status and "Jonas" in status
    store = _store(ctx)
    try:
        alert_id = store.alerts()[0]["alert_id"]
    finally:
        store.close()
    saved = current(engine_for(workdir), [alert_id])[alert_id]
    assert saved.status == "acknowledged" and saved.assignee == "Mara (community)"
    label = corrections(workdir, mention)
    assert [(c.new, c.by) for c in label] == [(choice, "Jonas")]


@pytest.mark.parametrize("width", [1440, 390])
def test_forty_eight_real_brands_stay_readable(real_news_run: Path, artifacts: Path,
                                              browser: Browser, width: int) -> None:
    """Real news with the 48 companies of the news sample: the brand choice folds away, each
    chart draws at most one line per colour (the brands with the most documents), the brand
    page compares five competitors, and nothing scrolls sideways."""
    errors: list[str] = []
    with _served(real_news_run) as (url, ctx):
        page = _page(browser, width, errors)
        try:
            _open(page, f"{url}?page=overview", errors)
            page.screenshot(path=str(artifacts / f"dashboard-real-news-overview-{width}.png"),
                            full_page=True)
            assert page.is_visible("#brand-fold summary")
            assert not page.is_visible("#brand-picks input")
            colours = page.eval_on_selector_all(
                "#volume .legend i", "els => els.map(e => e.style.background)")
            names = page.eval_on_selector_all("#volume .legend span", "els => els.map(e => e.textContent)")
            assert 0 < len(colours) <= 6 and len(set(colours)) == len(colours)
            store = _store(ctx)
            try:
                most = sorted(share_of_voice(store, ctx.brands), key=lambda r: -r["mentions"])
            finally:
                store.close()
            assert most[len(names) - 1]["mentions"] >= max(
                r["mentions"] for r in most if r["brand"] not in names)
            rows = page.eval_on_selector_all("#sov tbody tr", "els => els.map(e => e.dataset.brand)")
            assert len(rows) == 48 and rows[:len(names)] == names
            wide = [page.evaluate("document.documentElement.scrollWidth")]
            _open(page, f"{url}?page=brand", errors)
            page.screenshot(path=str(artifacts / f"dashboard-real-news-brand-{width}.png"),
                            full_page=True)
            assert len(page.query_selector_all("#compare thead th")) == 1 + 6
            wide.append(page.evaluate("document.documentElement.scrollWidth"))
        finally:
            page.close()
    assert errors == []
    assert max(wide) <= width
