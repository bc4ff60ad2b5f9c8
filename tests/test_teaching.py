"""The teaching page's parts that run without a browser: lesson settings, presets, snapshot, pictures, mean-field map.

The page itself, in Chromium, is tested in test_page.py.
"""

from __future__ import annotations

import io
import socket
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from rural_abm import RuralModel
from rural_abm.app import page, pictures
from rural_abm.app.lesson import COUNTY, LEVERS, PRESETS, Lesson
from rural_abm.mean_field import tipping_point


@pytest.fixture
def lesson():
    """The page's session controls, restored after the test."""
    before = page.lesson.value
    yield page.lesson
    page.lesson.set(before)


def test_every_preset_and_the_default_build_a_valid_classroom_county():
    for settings in [Lesson(), *PRESETS.values()]:
        model = RuralModel(rng=settings.seed, **settings.model_params())
        assert model.n_villages == COUNTY["n_villages"] and model.p["n_people"] == COUNTY["n_people"]
    assert {lever.name for lever in LEVERS} <= set(Lesson().model_params())  # every slider is a model parameter


def test_presets_set_the_controls_they_are_named_for():
    vicious = PRESETS["vicious circle"].model_params()
    assert vicious["outflow_shock_share"] >= 0.5 and vicious["outflow_shock_village"] == 0
    assert vicious["outflow_shock_year"] > 2015
    assert vicious["demand_feedback"] and vicious["service_feedback"]
    entrepreneurs = PRESETS["returnee entrepreneurs"].behaviour_in(2020)
    assert min(entrepreneurs[k] for k in ("microloan_budget", "startup_subsidy", "training_coverage")) > 0
    transition = PRESETS["five-year transition"]
    assert transition.behaviour_in(2025)["poverty_transfer"] > 0 and transition.behaviour_in(2026)["poverty_transfer"] == 0


def test_policy_years_switch_levers_on_and_off():
    settings = replace(Lesson(), policy_from=2018, policy_until=2020).with_lever("training_coverage", 0.1)
    schedule = RuralModel(rng=0, **settings.model_params()).p["training_coverage"]
    assert [schedule(y) for y in (2015, 2017, 2018, 2020, 2021, 2044)] == [0.0, 0.0, 0.1, 0.1, 0.0, 0.0]
    assert Lesson(shock_share=0.0, shock_year=2020).model_params()["outflow_shock_year"] == 0  # no share, no shock


def test_reset_builds_the_county_the_controls_describe(lesson):
    """Mesa's Reset calls ClassroomCounty() with no arguments: it must read the current controls."""
    lesson.set(replace(PRESETS["vicious circle"], seed=7).with_lever("land_reform", 0.5))
    model = page.ClassroomCounty()
    assert model.lesson.seed == 7 and model.p["outflow_shock_village"] == 0 and model.p["land_reform"](2030) == 0.5
    twin = RuralModel(rng=7, **lesson.value.model_params())
    for _ in range(3):
        model.step()
        twin.step()
    pd.testing.assert_frame_equal(model.county_frame(), twin.county_frame())  # same seed, same county


def test_snapshot_is_what_the_model_reports(lesson):
    lesson.set(Lesson(shock_share=0.6, shock_year=2017, shock_village=2))
    model = page.ClassroomCounty()
    assert model.snapshot().years_done == 0 and model.snapshot().county.empty
    for _ in range(4):
        model.step()
    snap = model.snapshot()
    county = model.county_frame()
    pd.testing.assert_frame_equal(snap.county, county[list(page.COUNTY_SHOWN[1:])], check_dtype=False)
    pd.testing.assert_frame_equal(snap.villages, model.village_frame()[list(page.VILLAGE_SHOWN)], check_dtype=False)
    away = [int((c == pictures.CATEGORIES.index("away")).sum()) for c in snap.categories]
    assert sum(away) == county["away"].iloc[-1] and sum(map(len, snap.categories)) == county["registered"].iloc[-1]
    hollow = snap.villages.loc[2017, "hollowing_index"].to_numpy()
    assert hollow[2] > np.delete(hollow, 2).max() + 0.1  # the shocked village stands out


def test_panel_cells_sample_evenly_and_pad():
    cats = np.sort(np.r_[np.zeros(300, np.int8), np.full(700, 4, np.int8)])
    cells = pictures.panel_cells(cats, 400)
    assert cells.shape == (20, pictures.PANEL_COLUMNS) and abs((cells == 0).mean() - 0.3) < 0.01
    small = pictures.panel_cells(cats[:50], 400)
    assert (small == -1).sum() == 350 and (small >= 0).sum() == 50


def test_village_panels_png_has_a_panel_per_village():
    cats = [np.sort(np.random.default_rng(v).integers(0, 5, 380).astype(np.int8)) for v in range(5)]
    image = Image.open(io.BytesIO(pictures.village_panels_png(cats)))
    width = pictures.PANEL_COLUMNS * pictures.CELL_PX
    assert image.size == (5 * width + 4 * pictures.GAP_PX, 19 * pictures.CELL_PX)


def test_charts_have_a_line_per_village_and_every_year():
    villages = pd.DataFrame({"hollowing_index": np.linspace(0.2, 0.6, 15)},
                            index=pd.MultiIndex.from_product([range(2015, 2018), range(5)], names=["year", "village"]))
    option = pictures.village_chart(villages, "hollowing_index", "t", "y", (2015, 2044), 2016, 0.47, "tipping point")
    assert [s["name"] for s in option["series"]] == list("ABCDE")
    assert len(option["xAxis"]["data"]) == 30
    assert option["series"][0]["data"][:3] == [0.2, 0.3429, 0.4857]  # village A: rows 0, 5, 10
    assert option["series"][0]["data"][3] is None  # years not yet run are gaps
    marks = option["series"][0]["markLine"]["data"]
    assert {"xAxis": "2016"}.items() <= marks[0].items() and marks[1]["yAxis"] == 0.47
    mf = pictures.mean_field_chart([0.1, 0.5, 0.9], [0.12, 0.5, 0.88], 0.5, villages)
    assert any(s["name"].startswith("tipping point 0.50") for s in mf["series"])
    assert sum(s["type"] == "scatter" and s["name"] == "A" for s in mf["series"]) == 2  # A's state, on both panels


def test_tipping_point_is_where_the_map_crosses_the_diagonal_from_below():
    x = np.array([0.1, 0.3, 0.5, 0.7])
    assert tipping_point(x, x + np.array([0.02, -0.01, 0.01, 0.02])) == pytest.approx(0.3 + 0.2 / 2)
    assert tipping_point(x, x - 0.01) is None


def test_the_model_never_imports_the_page():
    code = ("import sys, rural_abm, rural_abm.model, rural_abm.mean_field; "
            "print(sorted(m for m in sys.modules if m.startswith(('rural_abm.app', 'solara', 'mesa.visualization'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out


@pytest.mark.parametrize("args, message", [
    (["--port", "70000"], "--port: found 70000; allowed: 0 (any free port) to 65535"),
    (["--host", "10.255.255.1"], "cannot listen on 10.255.255.1:8765"),
])
def test_demo_refuses_where_it_cannot_listen(args, message):
    result = subprocess.run([sys.executable, "-m", "rural_abm.cli", "demo", *args], capture_output=True, text=True)
    assert result.returncode == 2 and message in result.stderr and not result.stdout


def test_demo_says_when_its_port_is_taken():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "rural_abm.cli", "demo", "--port", str(port)], capture_output=True, text=True)
    assert result.returncode == 2 and f"cannot listen on localhost:{port}" in result.stderr
