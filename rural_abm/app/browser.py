"""Open the teaching page in Debian's headless Chromium (for the browser test and the documentation screenshots).

Uses Playwright's Python package (the ``dev`` extra) with the system browser
``/usr/bin/chromium`` (``apt-get install chromium``); never a browser that
Playwright downloads. :func:`demo_server` runs the real ``rural-abm demo``;
:func:`offline_page` opens it and refuses every request that would leave
this machine, recording it.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .server import free_port

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
#: Addresses on this machine (the page's server, its websocket, blobs and data URLs it makes itself).
LOCAL = re.compile(r"^((https?|wss?)://(localhost|127\.0\.0\.1)(:\d+)?/|blob:https?://(localhost|127\.0\.0\.1)[:/]|data:)")
MISSING = ("Debian's Chromium is missing: install it with `apt-get update && apt-get install -y chromium` "
           "(as root; .ci/run does this). Never `playwright install`.")


@contextlib.contextmanager
def demo_server(start_timeout: float = 90.0):
    """Run ``rural-abm demo`` on a free port until the block ends; yields the page's address."""
    port = free_port("127.0.0.1")
    command = shutil.which("rural-abm", path=str(Path(sys.executable).parent)) or "rural-abm"
    proc = subprocess.Popen([command, "demo", "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    address = f"http://localhost:{port}"
    try:
        first = proc.stdout.readline()
        if address not in first:
            raise RuntimeError(f"rural-abm demo did not print its address {address}: {first!r}")
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                urllib.request.urlopen(address, timeout=5).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the demo server did not start") from None
                time.sleep(0.5)
        yield address
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@contextlib.contextmanager
def chromium():
    """Headless Chromium (the system one) under Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def offline_page(browser, address: str, outside: list, width: int = 1400, height: int = 1600):
    """A tab on ``address``; every request not on this machine is refused and its URL appended to ``outside``."""
    context = browser.new_context(viewport={"width": width, "height": height})
    tab = context.new_page()

    def guard(route):
        if LOCAL.match(route.request.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    tab.route("**/*", guard)
    tab.on("websocket", lambda ws: None if LOCAL.match(ws.url) else outside.append(ws.url))
    tab.goto(address)
    try:
        yield tab
    finally:
        context.close()
