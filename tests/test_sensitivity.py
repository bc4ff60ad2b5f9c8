"""Sensitivity analysis: real SALib on the real batch pool (and Dask), on small fast problems."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from rural_abm.experiment.scenario import ScenarioError
from rural_abm.experiment.sensitivity import load_sensitivity, run_sensitivity
from rural_abm.experiment.study import StudyError

ROOT = Path(__file__).resolve().parents[1]
#: urban jobs do not bind (urban_jobs_ratio 4), so expected urban income is the wage alone: only
#: urban_wage_growth drives its growth (with a binding job stock, migration moves the employment rate too)
COUNTY = {"n_people": 600, "n_years": 6, "n_villages": 3, "urban_jobs_ratio": 4.0}


def study(**extra) -> dict:
    return {
        "name": "s",
        "parameters": dict(COUNTY),
        "uncertain": {"urban_wage_growth": [0.0, 0.06], "choice_sensitivity": [1.0, 4.0], "training_cost": [1000, 5000]},
        "outputs": {"hollowing": "hollowing_index",
                    "wage growth": {"output": "expected_urban_income", "statistic": "growth", "years": [2015, 2020]}},  # fmt: skip
        "replications": 1,
        "seed": 5,
        **extra,
    }


def indices(res, method: str, output: str, column: str) -> dict:
    t = res.table[(res.table["method"] == method) & (res.table["output"] == output)]
    return dict(zip(t["parameter"], t[column]))


def test_morris_ranks_a_parameter_that_moves_the_output_above_one_that_cannot(tmp_path):
    """Morris on the real pool: training_cost enters no decision (no training in this county), so its
    mu* is exactly 0; choice_sensitivity scales every migration decision, so it moves hollowing-out;
    urban_wage_growth alone drives the growth of expected urban income. If sampled values did not
    reach the model, every mu* would be 0 and this fails."""
    res = run_sensitivity(load_sensitivity(study(morris={"trajectories": 4})), tmp_path, workers=2, progress=False)
    hollow = indices(res, "morris", "hollowing", "mu_star")
    growth = indices(res, "morris", "wage growth", "mu_star")
    assert hollow["training_cost"] == 0.0 and growth["training_cost"] == 0.0
    assert hollow["choice_sensitivity"] > 0.02
    assert growth["urban_wage_growth"] > 10 * max(growth["choice_sensitivity"], 1e-6)
    assert len(res.samples) == 4 * (3 + 1) and res.runs_computed <= len(res.samples)
    for name in ("sensitivity.csv", "sensitivity.md", "sensitivity.png", "samples.csv"):
        assert (tmp_path / name).stat().st_size > 0
    assert (tmp_path / "sensitivity.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (tmp_path / "sensitivity.md").read_text()
    assert md.index("| choice_sensitivity |") < md.index("| training_cost |")  # ranked: largest first


def test_sobol_total_index_goes_to_the_only_driver_and_resume_reads_runs_back(tmp_path):
    """Sobol': the growth of expected urban income over 2015-2020 is driven by urban_wage_growth;
    its total index dominates, training_cost's is 0. A rerun with --resume simulates nothing and
    gives the same table; without --resume the used folder is refused."""
    sa = load_sensitivity(study(method="sobol", sobol={"samples": 8}))
    res = run_sensitivity(sa, tmp_path, workers=1, progress=False)
    st = indices(res, "sobol", "wage growth", "ST")
    assert st["urban_wage_growth"] > 0.5 and st["training_cost"] == 0.0
    assert len(res.samples) == 8 * (3 + 2)
    with pytest.raises(StudyError, match="--resume"):
        run_sensitivity(sa, tmp_path, workers=1, progress=False)
    again = run_sensitivity(sa, tmp_path, workers=1, progress=False, resume=True)
    assert again.runs_computed == 0
    pd.testing.assert_frame_equal(again.table, res.table)


def test_dask_gives_the_same_indices_as_the_local_pool(tmp_path):
    sa = load_sensitivity(study(morris={"trajectories": 2}))
    local = run_sensitivity(sa, tmp_path / "local", workers=1, progress=False)
    dask = run_sensitivity(sa, tmp_path / "dask", workers=2, scheduler="local", progress=False)
    pd.testing.assert_frame_equal(local.samples, dask.samples)
    pd.testing.assert_frame_equal(local.table, dask.table)


def test_catalogue_sensitivity_file_is_valid():
    sa = load_sensitivity(ROOT / "scenarios" / "sensitivity_default.yaml")
    assert set(sa.outputs) == {"hollowing", "income", "poverty"} and sa.methods == ["morris", "sobol"]
    assert len(sa.uncertain) >= 8 and sa.scenario.parameters["n_people"] <= 5000


def test_bad_sensitivity_files_name_every_problem():
    bad = study(uncertain={"choice_sensitivity": [1, 2]}, outputs=["hollowing_idx"], method="fast", sobol={"samples": 10},
                morris={"trajectories": 1, "levels": 3})  # fmt: skip
    with pytest.raises(ScenarioError) as info:
        load_sensitivity(bad)
    text = str(info.value)
    for needle in ["uncertain", "at least two", "hollowing_index", "method", "sobol.samples", "power of 2", "morris", "levels"]:
        assert needle in text, (needle, text)


def test_cli_sensitivity_runs_a_file_and_prints_the_ranking(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(study(morris={"trajectories": 2})))
    proc = subprocess.run([sys.executable, "-m", "rural_abm.cli", "sensitivity", str(path), "--out", str(tmp_path / "o"), "--workers", "1",
                           "--set", "replications=1"], capture_output=True, text=True)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "| parameter | mu* |" in proc.stdout and "sensitivity: morris: points 8/8" in proc.stderr
