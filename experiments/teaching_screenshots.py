"""Screenshots of the teaching page for docs/teaching.md, and how fast it plays.

Starts the real ``rural-abm demo``, opens it in Debian's headless Chromium
(``apt-get install chromium``; Playwright from the dev extra) and uses it as
a teacher would: the "vicious circle" preset played to 2030, the same with
both feedback channels off, and the "returnee entrepreneurs" preset. It also
times Play from Reset to the last year (drawing included) and reports years
per second. Fails if the page asks for anything not on this machine.

    python experiments/teaching_screenshots.py           # writes output/teaching/*.png
    python experiments/teaching_screenshots.py --docs    # also docs/figures/teaching_*.png
"""

from __future__ import annotations

import argparse
import re
import shutil
import time
from pathlib import Path

from PIL import Image

from rural_abm.app.browser import chromium, demo_server, offline_page
from rural_abm.app.lesson import FIRST_YEAR, LAST_YEAR

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "output" / "teaching"


def reset(tab, preset: str | None = None, switches_off: bool = False) -> None:
    """Choose a preset (and switch the two feedback channels off if asked), then Reset."""
    print(f"reset: {preset or 'no preset'}{', feedback channels off' if switches_off else ''}")
    if preset:
        tab.get_by_role("button", name=preset).click()
    if switches_off:
        for label in ("Local demand", "Public services"):
            tab.locator(".lesson-controls").get_by_text(label).click()
    tab.get_by_role("button", name="Reset").click()
    tab.locator(".run-year", has_text="Start").wait_for(timeout=30_000)


def play_to_the_end(tab) -> float:
    """Press Play and wait for the last year; seconds it took (model steps and drawing included)."""
    start = time.monotonic()
    tab.get_by_role("button", name="▶").click()
    tab.locator(".run-year", has_text=f"Year {LAST_YEAR}").wait_for(timeout=300_000)
    return time.monotonic() - start


def step_to(tab, year: int) -> None:
    """Press Step until ``year`` is shown (Play would run past it)."""
    for y in range(FIRST_YEAR, year + 1):
        tab.get_by_role("button", name="Step", exact=True).click()
        tab.locator(".run-year", has_text=f"Year {y}").wait_for(timeout=30_000)


def wait_for_map(tab) -> None:
    """Wait until the mean-field map for the current levers is drawn."""
    tab.locator(".view-map").get_by_text(re.compile("ipping point")).wait_for(timeout=180_000)
    tab.wait_for_timeout(500)


def shoot(tab, name: str, views: tuple[str, ...] | None = None) -> Path:
    """Screenshot of the whole page, or of the given views side by side (their bounding box)."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    if views is None:
        tab.screenshot(path=path, full_page=True)
    else:
        boxes = [tab.locator(f".view-{v}").bounding_box() for v in views]
        x0, y0 = min(b["x"] for b in boxes), min(b["y"] for b in boxes)
        x1, y1 = max(b["x"] + b["width"] for b in boxes), max(b["y"] + b["height"] for b in boxes)
        tab.screenshot(path=path, clip={"x": x0 - 8, "y": y0 - 8, "width": x1 - x0 + 16, "height": y1 - y0 + 16}, full_page=True)
    Image.open(path).convert("RGB").quantize(colors=256).save(path, optimize=True)  # a few times smaller, same look
    print(f"wrote {path}")
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", action="store_true", help="also copy the screenshots to docs/figures/")
    args = parser.parse_args(argv)
    outside: list[str] = []
    shots = []
    with demo_server() as address, chromium() as browser, offline_page(browser, address, outside, 1400, 1750) as tab:
        tab.get_by_role("button", name="Reset").wait_for(timeout=60_000)
        wait_for_map(tab)

        reset(tab)
        seconds = play_to_the_end(tab)
        years = LAST_YEAR - FIRST_YEAR + 1
        print(f"Play from Reset to {LAST_YEAR}: {years} years in {seconds:.1f} s = {years / seconds:.1f} simulated years "
              "a second, drawing included (2,000 people, 5 villages)")

        reset(tab, "vicious circle")
        step_to(tab, 2030)
        wait_for_map(tab)
        shots.append(shoot(tab, "teaching_page"))
        shots.append(shoot(tab, "teaching_vicious_circle", ("villages", "map", "hollowing", "residents")))

        reset(tab, "vicious circle", switches_off=True)
        step_to(tab, 2030)
        wait_for_map(tab)
        shots.append(shoot(tab, "teaching_circle_off", ("villages", "map", "hollowing", "residents")))

        reset(tab, "returnee entrepreneurs")
        step_to(tab, 2035)
        wait_for_map(tab)
        shots.append(shoot(tab, "teaching_entrepreneurs", ("villages", "map", "income", "enterprises")))
    if outside:
        raise SystemExit(f"the page asked the internet for: {outside}")
    if args.docs:
        for path in shots:
            target = ROOT / "docs" / "figures" / path.name
            shutil.copyfile(path, target)
            print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
