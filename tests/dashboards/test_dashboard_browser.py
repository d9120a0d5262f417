"""The dashboard opened in headless Chromium as a person would: no console errors, the numbers
shown are the store's, search works, and a screenshot is kept in test-artifacts/."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright

from brandradar.dashboards.web.server import serve
from brandradar.index.analytics import share_of_voice
from brandradar.index.duckdb.store import DuckDBStore
from brandradar.stages import context_from_workdir

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def dashboard(demo_run: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    ctx = context_from_workdir(demo_run["workdir"])
    httpd = serve(ctx.settings, ctx.brands, "127.0.0.1", 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", ctx
    httpd.shutdown()
    httpd.server_close()


def test_dashboard_shows_the_store_numbers(dashboard: tuple[str, Any], artifacts: Path) -> None:
    url, ctx = dashboard
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        page.wait_for_selector("body[data-ready=true]", timeout=20000)
        page.screenshot(path=str(artifacts / "dashboard.png"), full_page=True)
        shown = {r.get_attribute("data-brand"): float(r.get_attribute("data-share") or "nan")
                 for r in page.query_selector_all("#sov tbody tr")}
        alert_brands = [a.get_attribute("data-brand") for a in page.query_selector_all("#alerts .alert")]
        trends = page.inner_text("#trends")
        counts = page.inner_text("#counts")
        health = {r.get_attribute("data-source"): r.query_selector_all("td")[-1].inner_text()
                  for r in page.query_selector_all("#health tbody tr")}
        page.fill("#q", "Akku")
        page.select_option("#brand", "Voltaro")
        page.click("#search button")
        page.wait_for_function("new URLSearchParams(location.search).get('q') === 'Akku'")
        page.wait_for_selector("#mentions tbody tr mark")
        rows = page.query_selector_all("#mentions tbody tr")
        brands_in_results = {r.query_selector_all("td")[1].inner_text() for r in rows}
        page.screenshot(path=str(artifacts / "dashboard-search.png"), full_page=False)
        browser.close()
    assert errors == []
    store = DuckDBStore(Path(ctx.workdir) / "brandradar.duckdb", read_only=True)
    try:
        expected = {r["brand"]: r["share"] for r in share_of_voice(store, ctx.brands)}
        n = store.counts()
    finally:
        store.close()
    assert shown == expected
    assert alert_brands == ["Voltaro"]
    assert "suncharge" in trends
    assert f"{n['documents']} documents" in counts
    assert rows and brands_in_results == {"Voltaro"}
    assert set(health) == {s.name for s in ctx.sources} and set(health.values()) == {"ok"}
