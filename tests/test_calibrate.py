"""Calibration: moments read from real runs, the search loop, resume and budget, the fit table,
the fitted scenario file, identifiability, the catalogue files, and bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from rural_abm import RuralModel
from rural_abm.model.parameters import registry
from rural_abm.experiment import load
from rural_abm.experiment.calibrate import Target, calibrate, load_calibration
from rural_abm.experiment.evaluate import PointEvaluator
from rural_abm.experiment.scenario import ScenarioError
from rural_abm.experiment.study import StudyError

ROOT = Path(__file__).resolve().parents[1]
TARGETS = yaml.safe_load((ROOT / "rural_abm" / "data" / "targets.yaml").read_text())
WINDOW = [2015, 2022]
JOBS = {"ratio": {"numerator": {"output": "enterprise_jobs", "statistic": "sum", "years": WINDOW},
                  "denominator": {"output": "enterprises_active", "statistic": "sum", "years": WINDOW}}}  # fmt: skip
WAGE_GROWTH = {"output": "expected_urban_income", "statistic": "growth", "years": WINDOW}
#: urban jobs do not bind (urban_jobs_ratio 4): expected urban income then grows with the wage alone
SMALL = {"n_people": 600, "n_years": 8, "n_villages": 3, "urban_jobs_ratio": 4.0}


def study(fit, targets, **extra) -> dict:
    return {"name": "t", "parameters": dict(SMALL), "fit": fit, "targets": targets, "replications": 2, "seed": 3,
            "population": 4, "max_generations": 3, "check_replications": 3, **extra}  # fmt: skip


def problems_of(source) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_calibration(source)
    return [str(p) for p in info.value.problems]


# ------------------------------------------------------------------ moments
def test_moments_read_the_runs_outputs(tmp_path):
    """Moments are computed from the same numbers the model records (county_frame), replication by replication."""
    cal = load_calibration(study({"urban_wage_growth": [0.0, 0.1]}, [
        {"name": "growth", **WAGE_GROWTH, "value": 0.03, "tolerance": 0.01},
        {"name": "jobs", **JOBS, "value": 6.5, "tolerance": 0.5},
        {"name": "returns", "output": ["returned_passive", "returned_voluntary"], "statistic": "sum", "years": [2016, 2018],
         "value": 10, "tolerance": 1, "scale": 0.5},
        {"name": "village hollowing", "output": "hollowing_index", "village": 1, "year": 2020, "value": 0.3, "tolerance": 0.1},
    ]))  # fmt: skip
    ev = PointEvaluator(cal.scenario, cal.variant, tmp_path, workers=1)
    county, village = ev.frames([{"urban_wage_growth": 0.04}])[0]
    model = RuralModel(rng=np.random.SeedSequence(3, spawn_key=(1,)), urban_wage_growth=0.04, **SMALL)
    model.run_model()
    c, v = model.county_frame(), model.village_frame()
    got = [t.moment.values(county, village)[1] for t in cal.targets]
    e = c["expected_urban_income"]
    want = [
        (e.loc[2022] / e.loc[2015]) ** (1 / 7) - 1,
        c.loc[2015:2022, "enterprise_jobs"].sum() / c.loc[2015:2022, "enterprises_active"].sum(),
        0.5 * (c.loc[2016:2018, "returned_passive"] + c.loc[2016:2018, "returned_voluntary"]).sum(),
        v.loc[(2020, 1), "hollowing_index"],
    ]
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_one_sided_and_two_sided_targets_score_and_pass():
    """Errors are in tolerances; a one-sided target counts only the wrong side."""
    cal = load_calibration(study({"urban_wage_growth": [0.0, 0.1]}, [{"name": "g", **WAGE_GROWTH, "value": 0.03, "tolerance": 0.01}]))
    m = cal.targets[0].moment
    both, low = Target("b", m, 0.9, 0.02), Target("l", m, 0.9, 0.02, side="at_least")
    assert both.error(0.95) == pytest.approx(2.5) and not both.passes(0.95) and both.passes(0.91)
    assert low.error(0.95) == 0.0 and low.passes(0.95) and low.error(0.86) == pytest.approx(-2.0) and not low.passes(0.86)
    assert not both.passes(np.nan) and both.error(np.nan) > 100


# ------------------------------------------------------------------ identifiability
def test_calibration_recovers_known_parameters_and_flags_the_ones_targets_cannot_pin_down(tmp_path):
    """Identifiability: targets made by the model at known values, over other seeds, are fitted back.

    Targets: growth of the expected urban income 2015-2022 and the hollowing
    index in 2022, made at urban_wage_growth = 0.05 and migration_cost = 0.2
    (4 replications, seed 99); the fit uses 2 replications of seed 3, so it
    sees other noise. urban_wage_growth must come back within 0.005 (5% of
    its range), migration_cost within 0.3 (15% of its range: the hollowing
    index of a 1,000-person county differs by about 0.03 between seed sets,
    and moves about 0.15 per unit of migration_cost). training_cost moves no
    target (no training in this county): the identification check must
    report it as not pinned down, and the other two as pinned down.
    """
    truth = {"urban_wage_growth": 0.05, "migration_cost": 0.2}
    county = {"parameters": {**SMALL, "n_people": 1000}}
    specs = {"growth": WAGE_GROWTH, "hollowing": {"output": "hollowing_index", "year": 2022}}
    maker = load_calibration(study({"urban_wage_growth": [0.0, 0.1]}, [{"name": n, **m, "value": 0, "tolerance": 1} for n, m in specs.items()],
                                   replications=4, seed=99, **county))  # fmt: skip
    frames = PointEvaluator(maker.scenario, maker.variant, tmp_path / "truth", workers=1).frames([truth])[0]
    made = {t.name: float(np.mean(t.moment.values(*frames))) for t in maker.targets}
    cal = load_calibration(study(
        {"urban_wage_growth": [0.0, 0.1], "migration_cost": [-1.0, 1.0], "training_cost": [1000, 5000]},
        [{"name": "growth", **WAGE_GROWTH, "value": made["growth"], "tolerance": 0.002},
         {"name": "hollowing", **specs["hollowing"], "value": made["hollowing"], "tolerance": 0.01}],
        replications=2, max_generations=6, population=4, **county,
    ))  # fmt: skip
    res = calibrate(cal, tmp_path / "fit", workers=2, progress=False)
    assert abs(res.point["urban_wage_growth"] - truth["urban_wage_growth"]) <= 0.005, res.point
    assert abs(res.point["migration_cost"] - truth["migration_cost"]) <= 0.3, res.point
    pinned = dict(zip(res.identification["parameter"], res.identification["largest_change"] >= 1))
    assert pinned == {"urban_wage_growth": True, "migration_cost": True, "training_cost": False}


# ------------------------------------------------------------------ the loop, resume and budget
def test_resume_replays_the_stored_path_and_goes_on(tmp_path):
    """A search stopped after one generation and resumed ends where an uninterrupted search ends,
    simulating only the runs it had not stored; without --resume a used folder is refused."""
    fit = {"urban_wage_growth": [0.0, 0.1], "migration_cost": [-1.0, 1.0]}
    targets = [{"name": "growth", **WAGE_GROWTH, "value": 0.05, "tolerance": 0.0005}]
    small = {"population": 3, "replications": 1, "check_replications": 2}
    whole = calibrate(load_calibration(study(fit, targets, max_generations=3, **small)), tmp_path / "whole", workers=1, progress=False)
    first = calibrate(load_calibration(study(fit, targets, max_generations=1, **small)), tmp_path / "part", workers=1, progress=False)
    with pytest.raises(StudyError, match="--resume"):
        calibrate(load_calibration(study(fit, targets, max_generations=3, **small)), tmp_path / "part", workers=1, progress=False)
    rest = calibrate(load_calibration(study(fit, targets, max_generations=3, **small)), tmp_path / "part", workers=1, progress=False, resume=True)
    assert first.evaluations < whole.evaluations, "the short search must stop before the long one"
    assert rest.point == whole.point and rest.objective == whole.objective and rest.evaluations == whole.evaluations
    assert 0 < rest.runs_computed < whole.runs_computed


def test_budget_stops_after_a_batch_and_resume_continues(tmp_path):
    """With the budget spent the search stops after its first batch and says how to go on; the
    fitted file and the fit table are still written from the best point so far."""
    fit = {"urban_wage_growth": [0.0, 0.1], "jobs_per_venture": [3.0, 12.0]}
    targets = [{"name": "growth", **WAGE_GROWTH, "value": 0.05, "tolerance": 0.002}]
    cal = load_calibration(study(fit, targets, max_generations=2, population=2, replications=1, check_replications=2))
    res = calibrate(cal, tmp_path, workers=1, progress=False, budget=1e-9)
    assert res.evaluations == 5 and "budget" in res.status  # one batch: differential evolution keeps at least 5 points and "--resume" in res.status
    assert (tmp_path / "fitted.yaml").is_file() and (tmp_path / "fit_table.md").is_file()
    more = calibrate(cal, tmp_path, workers=1, progress=False, resume=True)
    assert more.evaluations > res.evaluations and more.objective <= res.objective


def test_nelder_mead_improves_on_the_start_point(tmp_path):
    fit = {"urban_wage_growth": [0.0, 0.1]}
    targets = [{"name": "growth", **WAGE_GROWTH, "value": 0.06, "tolerance": 0.002}]
    cal = load_calibration(study(fit, targets, method="nelder_mead", max_evaluations=15, replications=1))
    res = calibrate(cal, tmp_path, workers=1, progress=False)
    log = pd.read_csv(tmp_path / "evaluations.csv")
    assert log["urban_wage_growth"].iloc[0] == pytest.approx(registry()["urban_wage_growth"].default)  # starts at the model default
    assert res.objective < log["objective"].iloc[0] / 10
    assert abs(res.point["urban_wage_growth"] - 0.06) < 0.005


# ------------------------------------------------------------------ fit table and fitted file
def test_fit_table_and_fitted_file_that_scenarios_can_extend(tmp_path):
    """The fit table reports each target's mean inside its 95% interval, the error and pass/fail;
    the contrast variant's numbers beside it; the fitted file is a scenario that `extends:` can use."""
    scen = tmp_path / "base.yaml"
    scen.write_text(yaml.safe_dump({"name": "base", "parameters": SMALL, "variants": {
        "baseline": {}, "fast": {"parameters.urban_wage_growth": 0.08}}}))  # fmt: skip
    doc = study({"jobs_per_venture": [3.0, 12.0]}, [
        {"name": "growth", **WAGE_GROWTH, "value": 0.08, "tolerance": 0.01, "source": "made up"},
        {"name": "jobs", **JOBS, "value": 500, "tolerance": 1},
    ], extends="base.yaml", variant="fast", contrast="baseline", fitted="fitted/county.yaml")  # fmt: skip
    del doc["parameters"]
    (tmp_path / "cal.yaml").write_text(yaml.safe_dump(doc))
    res = calibrate(load_calibration(tmp_path / "cal.yaml"), tmp_path / "out", workers=1, progress=False)
    t = res.table.set_index("target")
    assert (t["ci_low"] <= t["mean"]).all() and (t["mean"] <= t["ci_high"]).all() and (t["n"] == 3).all()
    assert bool(t.loc["growth", "pass"]) and not bool(t.loc["jobs", "pass"])
    assert t.loc["growth", "error"] == pytest.approx(t.loc["growth", "mean"] - 0.08)
    assert t.loc["growth", "contrast_mean"] == pytest.approx(0.03, abs=0.01) and not bool(t.loc["growth", "contrast_pass"])
    md = (tmp_path / "out" / "fit_table.md").read_text()
    assert "| growth | 0.08 |" in md and "**fail**" in md and "reached without?" in md
    fitted = tmp_path / "fitted" / "county.yaml"
    assert fitted.read_text() == (tmp_path / "out" / "fitted.yaml").read_text()
    (tmp_path / "child.yaml").write_text("extends: fitted/county.yaml\nparameters: {n_people: 600}\n")
    child = load(tmp_path / "child.yaml")
    assert child.parameters["jobs_per_venture"] == pytest.approx(res.point["jobs_per_venture"]) and child.parameters["n_people"] == 600


# ------------------------------------------------------------------ the catalogue
def _deflated_wage(year: int) -> float:
    cpi, wage = TARGETS["consumer_prices"]["cpi_change"], TARGETS["migrant_monthly_income_series"]["nominal"]
    if year <= 2020:
        return wage[year] * np.prod([1 + cpi[y] for y in range(year + 1, 2021)])
    return wage[year] / np.prod([1 + cpi[y] for y in range(2021, year + 1)])


def test_catalogue_calibrations_are_valid_and_their_targets_are_the_published_figures():
    county_targets = load_calibration(ROOT / "scenarios" / "calibrate_county.yaml").targets
    county = {t.name: t.value for t in county_targets}
    growth = np.prod([1 + g for g in TARGETS["rural_income_series"]["real_growth"].values()]) ** (1 / 9) - 1
    assert county["real rural income growth 2015-2024"] == pytest.approx(growth, abs=1e-4)
    ratio = TARGETS["urban_income_series"]["derived"]["urban_rural_ratio"]
    for year in (2020, 2024):
        assert county[f"urban-rural income ratio {year} relative to 2015"] == pytest.approx(ratio[year] / ratio[2015], abs=1e-4)
    for year in (2015, 2020, 2024):
        assert county[f"migrant mean monthly earnings {year} (2020 RMB)"] == pytest.approx(_deflated_wage(year), abs=1)
    # the NBS figure is the mean over all migrant workers: it is read on the county's employed migrants' mean earnings,
    # not on the wage of a migrant of skill 1 (migrant_wage), which their skill and experience raise them above
    assert {t.moment.numerator.outputs for t in county_targets if t.name.startswith("migrant mean")} == {("migrant_earnings_mean",)}
    # the stock's path is the NBS out-migrant count 2024 over 2015, read on migrant workers (not the children with them)
    out_migrants = TARGETS["migrant_workers_2024"]["figures"]["out_migrant_millions"] / TARGETS["migrant_workers_2015"]["figures"]["out_migrant_millions"]
    stock = next(t for t in county_targets if t.name == "migrant workers 2024 relative to 2015")
    assert stock.value == pytest.approx(out_migrants, abs=1e-4)
    assert (stock.moment.numerator.outputs, stock.moment.denominator.outputs) == (("migrants",), ("migrants",))
    assert county["poverty headcount ratio 2020"] == TARGETS["rural_poverty_series"]["incidence"][2020]
    assert county["jobs per returnee venture"] == TARGETS["jobs_per_returnee_venture"]["value"]
    # the MARA count is cumulative: read on the returnee ventures founded since the start (those running then included)
    density = next(t for t in county_targets if t.name.startswith("returnee ventures founded"))
    assert density.value == TARGETS["returnee_ventures_2022"]["derived"]["per_100_rural_residents"]
    assert (density.moment.numerator.outputs, density.moment.denominator.outputs) == (("returnee_enterprises_founded",), ("resident",))
    hui = load_calibration(ROOT / "scenarios" / "calibrate_huichuan.yaml")
    values = {t.name: t.value for t in hui.targets}
    derived = TARGETS["huichuan_returnee_entrepreneurship"]["derived"]
    assert values["returns per out-migrant, 2016-2018"] == pytest.approx(derived["returns_per_out_migrant"], abs=1e-3)
    assert values["share of returnees starting a business, 2016-2018"] == pytest.approx(derived["entrepreneur_share_of_returnees"], abs=1e-3)
    assert values["mean microloan per firm, 2016 (RMB)"] == TARGETS["huichuan_microloans_2016"]["derived"]["mean_loan_per_firm_rmb"]
    placement = next(t for t in hui.targets if t.name.startswith("training placement"))
    assert (placement.value, placement.side) == (TARGETS["returnee_training_2016"]["figures"]["found_jobs_share_min"], "at_least")
    assert hui.variant == "package" and hui.contrast == "baseline"


# ------------------------------------------------------------------ bad input
def test_bad_calibration_files_name_every_problem(tmp_path):
    got = problems_of(study({"urban_wage_growht": [0, 0.1], "jobs_per_venture": [5, 3], "decision_rule": [0, 1]}, [
        {"name": "a", "output": "income_per_capita_maen", "year": 2015, "value": 1, "tolerance": 1},
        {"name": "b", "output": "away", "years": [2010, 2030], "value": 1, "tolerance": 0},
        {"name": "c", "ratio": {"numerator": "away"}, "value": "x", "tolerance": 1, "side": "above"},
    ], methd="nelder_mead", budget=-1))  # fmt: skip
    text = "\n".join(got)
    for needle in ["fit.urban_wage_growht", "'urban_wage_growth'", "fit.jobs_per_venture", "fit.decision_rule", "income_per_capita_mean",
                   "targets[1].years", "targets[1].tolerance", "targets[2].ratio", "targets[2].value", "targets[2].side",
                   "methd", "'method'", "budget"]:  # fmt: skip
        assert needle in text, (needle, text)


def test_cli_calibrate_bad_file_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("fit: {urban_wage_growth: [0, 0.1]}\ntargets: []\n")
    proc = subprocess.run([sys.executable, "-m", "rural_abm.cli", "calibrate", str(bad), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "targets" in proc.stderr
