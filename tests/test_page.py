"""The teaching page in a real browser: `rural-abm demo` served here, driven in Debian's headless Chromium.

Checks what a teacher does: the controls and charts appear; the "vicious
circle" preset and Step change the charts and the village panels; a shock on
one village makes that village stand out; Reset starts over with the chosen
controls and seed; Play runs to the end. Every request the page makes must stay on this machine
(the page has to work in a classroom with no internet).
"""

from __future__ import annotations

import pytest

from rural_abm.app.browser import CHROMIUM, MISSING, chromium, demo_server, offline_page

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright missing: pip install -e '.[dev]'")
if not CHROMIUM.exists():
    pytest.skip(MISSING, allow_module_level=True)
expect = playwright_api.expect


@pytest.fixture(scope="module")
def server():
    """The real `rural-abm demo` on a free port; its address."""
    with demo_server() as address:
        yield address


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def page(server, browser):
    """A fresh page on the demo; fails the test if it asked for anything not on this machine."""
    outside = []
    with offline_page(browser, server, outside) as tab:
        yield tab
    assert not outside, f"the page asked the internet for: {outside}"


def _step(tab, expected_year: str) -> None:
    tab.get_by_role("button", name="Step", exact=True).click()
    expect(tab.locator(".run-year")).to_have_text(expected_year, timeout=20_000)


def _reset(tab, shows: str) -> None:
    """Click Reset until the village view shows ``shows`` (a click that lands while a preset re-renders the
    controls can be dropped by the page; three tries, 20 s each)."""
    for attempt in range(3):
        tab.get_by_role("button", name="Reset").click()
        try:
            expect(tab.locator(".view-villages")).to_contain_text(shows, timeout=20_000)
            return
        except AssertionError:
            if attempt == 2:
                raise


def _hollowing(tab, villages: int = 5) -> list[float]:
    """Hollowing per village from the village table, once it shows ``villages`` cells (0: the table is empty).

    The year label and the table are separate widgets that the browser may update one after the other,
    so the table is awaited rather than read at once.
    """
    cells = tab.locator(".village-table td.hollowing")
    expect(cells).to_have_count(villages, timeout=20_000)
    return [float(x) for x in cells.all_inner_texts()]


def _picture(tab, view: str) -> str:
    """What a view shows now: the village image's data, or a chart's canvas as a data URL."""
    if view == "villages":
        return tab.locator(".view-villages img").get_attribute("src")
    return tab.locator(f".view-{view} canvas").first.evaluate("c => c.toDataURL()")


def test_a_lesson_in_the_browser(page):
    tab = page
    # controls and charts render
    expect(tab.get_by_role("button", name="Reset")).to_be_visible(timeout=60_000)
    for label in ("Microloans", "Skills training", "Land reform", "Public-service investment", "Start-up support",
                  "Transfers to poor households", "Share of workers sent away", "Shock year", "Shock hits",
                  "Local demand", "Public services"):
        expect(tab.get_by_text(label).first).to_be_visible()
    for preset in ("vicious circle", "returnee entrepreneurs", "five-year transition"):
        expect(tab.get_by_role("button", name=preset)).to_be_visible()
    for view in ("villages", "map", "hollowing", "residents", "income", "enterprises", "service"):
        expect(tab.locator(f".view-{view}")).to_be_visible()
    expect(tab.locator(".teaching-view canvas")).to_have_count(6, timeout=30_000)  # six ECharts charts drawn
    expect(tab.locator(".run-seed")).to_have_text("1")
    expect(tab.get_by_text("Why can income per resident rise")).to_be_visible()

    # the vicious-circle preset sets the controls; Reset builds that county
    tab.get_by_role("button", name="vicious circle").click()
    expect(tab.locator(".shock-share")).to_have_text("60%")
    _reset(tab, "shock: 60% of village A in 2020")
    before = {view: _picture(tab, view) for view in ("villages", "hollowing", "residents")}

    # stepping to the shock year changes the charts and the panels; village A stands out
    for year in range(2015, 2021):
        _step(tab, f"Year {year}")
    after = {view: _picture(tab, view) for view in before}
    assert all(after[v] != before[v] for v in before), "stepping did not change the pictures"
    hollow = _hollowing(tab)
    # A stands out in the shock year (measured: 0.64 against at most 0.56 in the other villages, seed 0)
    assert len(hollow) == 5 and hollow[0] > max(hollow[1:]) + 0.05, hollow
    away = [int(x) for x in tab.locator(".village-table tr").nth(2).locator("td").all_inner_texts()]
    at_home = [int(x) for x in tab.locator(".village-table tr").nth(1).locator("td").all_inner_texts()]
    shares = [a / (a + h) for a, h in zip(away, at_home)]
    assert shares[0] > max(shares[1:]), shares  # A's panel is the greyest

    # reset starts over and keeps the chosen controls; a new seed takes effect on reset
    seed = tab.get_by_label("Seed")
    seed.fill("7")
    seed.press("Enter")
    _reset(tab, "seed 7 · shock: 60% of village A in 2020")
    expect(tab.locator(".run-year")).to_have_text("Start")
    expect(tab.locator(".run-seed")).to_have_text("7")
    assert _hollowing(tab, villages=0) == []  # no year run yet

    # play runs the county on its own to the last year
    tab.get_by_role("button", name="▶").click()
    expect(tab.locator(".run-year")).to_have_text("Year 2044", timeout=90_000)
    assert len(_hollowing(tab)) == 5


def test_a_request_leaving_the_machine_is_caught(server, browser):
    """Guards the offline check itself: a request to another host is refused and recorded."""
    outside = []
    with offline_page(browser, server, outside) as tab:
        tab.evaluate("fetch('https://cdn.jsdelivr.net/npm/katex@0.16.9/dist/katex.min.css').catch(() => null)")
        tab.wait_for_timeout(500)
    assert outside == ["https://cdn.jsdelivr.net/npm/katex@0.16.9/dist/katex.min.css"]
