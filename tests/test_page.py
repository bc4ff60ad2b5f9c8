"""The teaching page in a real browser: `rural-abm demo` served here, driven in Debian's headless Chromium.

Checks what a teacher does: the controls and charts appear; the "vicious
circle" preset and Step change the charts and the village panels; a shock on
one village makes that village stand out; Reset starts over with the chosen
controls and seed. Every request the page makes must stay on this machine
(the page has to work in a classroom with no internet).
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
LOCAL = re.compile(r"^((https?|wss?)://(localhost|127\.0\.0\.1)(:\d+)?/|blob:https?://(localhost|127\.0\.0\.1)[:/]|data:)")

playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright missing: pip install -e '.[dev]'")
if not CHROMIUM.exists():
    pytest.skip("Debian's Chromium is missing: install it with `apt-get update && apt-get install -y chromium` "
                "(as root; .ci/run does this). Never `playwright install`.", allow_module_level=True)
expect = playwright_api.expect


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """The real `rural-abm demo` on a free port; its address."""
    port = _free_port()
    command = shutil.which("rural-abm", path=str(Path(sys.executable).parent)) or "rural-abm"
    proc = subprocess.Popen([command, "demo", "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    address = f"http://localhost:{port}"
    try:
        assert address in proc.stdout.readline()  # it prints where the page is
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(address, timeout=5).read()
                break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, "the demo server did not start"
                time.sleep(0.5)
        yield address
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(server, browser):
    """A fresh page on the demo; fails the test if it asked for anything not on this machine."""
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    tab = context.new_page()
    outside = []

    def guard(route):
        if LOCAL.match(route.request.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    tab.route("**/*", guard)
    tab.on("websocket", lambda ws: None if LOCAL.match(ws.url) else outside.append(ws.url))
    tab.goto(server)
    yield tab
    context.close()
    assert not outside, f"the page asked the internet for: {outside}"


def _year(tab) -> str:
    return tab.locator(".run-year").inner_text()


def _step(tab, expected_year: str) -> None:
    tab.get_by_role("button", name="Step", exact=True).click()
    expect(tab.locator(".run-year")).to_have_text(expected_year, timeout=20_000)


def _hollowing(tab) -> list[float]:
    return [float(x) for x in tab.locator(".village-table td.hollowing").all_inner_texts()]


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
    tab.get_by_role("button", name="Reset").click()
    expect(tab.locator(".view-villages")).to_contain_text("shock: 60% of village A in 2020")
    before = {view: _picture(tab, view) for view in ("villages", "hollowing", "residents")}

    # stepping to the shock year changes the charts and the panels; village A stands out
    for year in range(2015, 2021):
        _step(tab, f"Year {year}")
    after = {view: _picture(tab, view) for view in before}
    assert all(after[v] != before[v] for v in before), "stepping did not change the pictures"
    hollow = _hollowing(tab)
    assert len(hollow) == 5 and hollow[0] > max(hollow[1:]) + 0.1, hollow
    away = [int(x) for x in tab.locator(".village-table tr").nth(2).locator("td").all_inner_texts()]
    at_home = [int(x) for x in tab.locator(".village-table tr").nth(1).locator("td").all_inner_texts()]
    shares = [a / (a + h) for a, h in zip(away, at_home)]
    assert shares[0] > max(shares[1:]), shares  # A's panel is the greyest

    # reset starts over and keeps the chosen controls; a new seed takes effect on reset
    seed = tab.get_by_label("Seed")
    seed.fill("7")
    seed.press("Enter")
    tab.get_by_role("button", name="Reset").click()
    expect(tab.locator(".run-year")).to_have_text("Start")
    expect(tab.locator(".run-seed")).to_have_text("7")
    expect(tab.locator(".view-villages")).to_contain_text("shock: 60% of village A in 2020")
    assert _hollowing(tab) == []  # no year run yet
    _step(tab, "Year 2015")
