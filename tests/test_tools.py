"""Other tools drive the model in a few lines: rural_abm.simulate (rng as in Mesa, readings),
simulate_many with SALib, EMA Workbench, mesa.batch_run with village indices, run_scenario
as a library call, and the user guide's examples run as scripts as written."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest

import rural_abm
from rural_abm import RuralModel, run_scenario, simulate, simulate_many
from rural_abm.experiment import BatchError

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"n_people": 600, "n_years": 8}


def test_simulate_takes_rng_as_mesa_does():
    """simulate(rng=...) seeds the model exactly as RuralModel(rng=...) (it used to raise 'multiple values for rng')."""
    got = simulate(rng=3, outputs=["income_per_capita_mean", "away"], **SMALL)
    model = RuralModel(rng=3, **SMALL)
    model.run_model()
    last = model.county_frame().iloc[-1]
    assert got == {"income_per_capita_mean": last["income_per_capita_mean"], "away": last["away"]}
    with pytest.raises(ValueError, match="rng"):
        simulate(rng=3, seed=1, **SMALL)


def test_simulate_reads_a_year_a_window_a_sum_and_the_series():
    series = simulate(rng=1, series=True, outputs=["poverty_headcount_ratio", "return_to_poverty", "fiscal_total_cum"], poverty_transfer=800, **SMALL)
    assert list(series.index) == list(range(2015, 2023))
    window = simulate(rng=1, window="2017-2020", outputs=["poverty_headcount_ratio", "return_to_poverty_cum", "fiscal_total_cum"], poverty_transfer=800, **SMALL)
    yearly = series.loc[2017:2020]
    assert window["poverty_headcount_ratio"] == pytest.approx(yearly["poverty_headcount_ratio"].mean())
    assert window["return_to_poverty_cum"] == yearly["return_to_poverty"].sum()
    fiscal = series["fiscal_total_cum"].diff().fillna(series["fiscal_total_cum"])
    assert window["fiscal_total_cum"] == pytest.approx(fiscal.loc[2017:2020].sum()) and window["fiscal_total_cum"] > 0
    at = simulate(rng=1, effect_year=2019, outputs=["fiscal_total_cum", "poverty_headcount_ratio"], poverty_transfer=800, **SMALL)
    assert at["fiscal_total_cum"] == pytest.approx(series.loc[2019, "fiscal_total_cum"])
    assert at["poverty_headcount_ratio"] == series.loc[2019, "poverty_headcount_ratio"]
    with pytest.raises(ValueError, match="2015-2022"):
        simulate(rng=1, window="2010-2012", **SMALL)
    with pytest.raises(ValueError, match="_cum"):
        simulate(rng=1, outputs=["fiscal_totl_cum"], **SMALL)


def test_numpy_numbers_and_bools_are_parameters_like_python_ones():
    a = simulate(rng=2, outputs="land_idle", n_people=np.int64(600), n_years=np.int64(8), land_reform=np.float64(0.5), demography=np.bool_(True))
    b = simulate(rng=2, outputs="land_idle", n_people=600, n_years=8, land_reform=0.5, demography=True)
    assert a == b
    with pytest.raises(rural_abm.ParameterError):
        simulate(rng=2, n_people=600, n_years=8, land_reform=np.float64("nan"))


def test_api_is_importable_from_the_package():
    from rural_abm.experiment import api

    assert rural_abm.simulate is api.simulate and rural_abm.simulate_many is api.simulate_many
    assert rural_abm.run_scenario is api.run_scenario


def test_mesa_batch_run_village_rows_carry_the_village_index():
    """AgentIDs count the starting ventures too; the 'village' column is the village index itself."""
    rows = mesa.batch_run(RuralModel, parameters={"n_people": 3000, "n_years": 3, "n_villages": 4}, rng=[5], data_collection_period=1, display_progress=False)
    df = pd.DataFrame(rows)
    assert sorted(df["village"].unique()) == [0, 1, 2, 3]
    model = RuralModel(rng=5, n_people=3000, n_years=3, n_villages=4)
    model.run_model()
    assert len(model.ventures.active) == 0 or df["AgentID"].min() > 0
    frame = model.village_frame()["resident"]
    got = df.assign(year=df["Step"].astype(int) + 2014).set_index(["year", "village"])["village_resident"].sort_index()
    pd.testing.assert_series_equal(got, frame, check_names=False, check_dtype=False)


def test_salib_morris_on_three_parameters_finds_the_lever_that_matters():
    """Morris screening through simulate_many: land reform dominates idle land, transfers do not touch it."""
    from SALib.analyze import morris
    from SALib.sample import morris as morris_sample

    problem = {"num_vars": 3, "names": ["land_reform", "poverty_transfer", "n_villages"], "bounds": [[0, 1], [0, 2000], [4, 12]]}
    X = morris_sample.sample(problem, 4, seed=1)
    Y = simulate_many(X, problem["names"], "land_idle", workers=2, n_people=1500, n_years=6)
    assert Y.shape == (len(X),) and np.isfinite(Y).all()
    mu = dict(zip(problem["names"], morris.analyze(problem, X, Y, seed=1)["mu_star"]))
    assert mu["land_reform"] > 3 * max(mu["poverty_transfer"], mu["n_villages"]), mu
    both = simulate_many(X[:2], problem["names"], ["land_idle", "hollowing_index"], workers=1, n_people=1500, n_years=6)
    assert both.shape == (2, 2) and both[:, 0] == pytest.approx(Y[:2])


def test_ema_workbench_drives_simulate_with_integer_real_and_boolean_parameters():
    """EMA passes NumPy integers, floats and bools; each experiment equals a direct simulate() call."""
    ema = pytest.importorskip("ema_workbench")

    model = ema.Model("county", function=simulate)
    model.uncertainties = [ema.IntegerParameter("n_villages", 4, 12), ema.RealParameter("land_reform", 0, 1), ema.BooleanParameter("service_feedback")]
    model.constants = [ema.Constant("n_people", 800), ema.Constant("n_years", 5), ema.Constant("outputs", ["land_idle"])]
    model.outcomes = [ema.ScalarOutcome("land_idle")]
    with ema.SequentialEvaluator(model) as evaluator:
        experiments, outcomes = ema.perform_experiments(model, 4, evaluator=evaluator)
    assert len(outcomes["land_idle"]) == 4
    for (_, row), value in zip(experiments.iterrows(), outcomes["land_idle"]):
        direct = simulate(n_people=800, n_years=5, outputs="land_idle", n_villages=int(row["n_villages"]),
                          land_reform=float(row["land_reform"]), service_feedback=bool(row["service_feedback"]))  # fmt: skip
        assert value == direct["land_idle"]


def _temp_folders() -> set:
    return set(Path(tempfile.gettempdir()).glob("rural_abm_*"))


def test_run_scenario_without_out_leaves_no_folder_behind():
    before = _temp_folders()
    doc = {"parameters": {"n_people": 400, "n_years": 5}, "variants": {"baseline": {}, "loans": {"policy.microloan_budget": 1e6}}, "replications": 2}
    res = run_scenario(doc, workers=1)
    assert _temp_folders() == before
    assert res.out is None and len(res.summary) == 2 * 5 and "effects_forest" in res.make_figures()


def test_api_callers_are_told_resume_true(tmp_path):
    doc = {"parameters": {"n_people": 300, "n_years": 3}, "replications": 1}
    run_scenario(doc, tmp_path, workers=1, report=False)
    with pytest.raises(BatchError, match=r"resume=True") as err:
        run_scenario(doc, tmp_path, workers=1, report=False)
    assert "--resume" not in str(err.value)


def _guide_scripts() -> list[str]:
    text = (ROOT / "docs" / "user_guide.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text[text.index("## 5. Python API"):], re.S)


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(_guide_scripts())))
def test_user_guide_examples_run_as_scripts(index, tmp_path):
    """Each Python example of the guide, saved as a file and run with python, as a reader would."""
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    script = tmp_path / f"example_{index}.py"
    script.write_text(_guide_scripts()[index], encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
