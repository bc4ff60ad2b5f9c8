"""Batches: backend equivalence (1 worker, 2 workers, Dask LocalCluster), resume after SIGKILL,
common random numbers, the store layout and progress."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from rural_abm.experiment import simulate
from rural_abm.experiment.batch import BatchError, run_batch
from rural_abm.experiment.scenario import load
from rural_abm.experiment.store import ID_COLUMNS, VALUE_COLUMNS, read_table

DOC = {
    "name": "batch_test",
    "parameters": {"n_people": 600, "n_years": 5, "n_villages": 3},
    "variants": {"baseline": {}, "transfers": {"policy.poverty_transfer": 2000}, "same": {}},
    "sweep": {"parameters.urban_wage": [40000, 50000]},
    "replications": 2,
    "seed": 11,
    "outputs": ["income_per_capita_mean", "poverty_headcount_ratio"],
}


@pytest.fixture(scope="module")
def scenario():
    return load(DOC)


@pytest.fixture(scope="module")
def serial(scenario, tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    run_batch(scenario, out, workers=1, progress=False)
    return read_table(out)


def test_table_is_tidy(serial, scenario):
    assert list(serial.columns) == [*ID_COLUMNS[:3], "sweep_urban_wage", "replication", *VALUE_COLUMNS]
    assert serial["run_key"].nunique() == len(scenario.runs()) == 12
    assert set(serial["scope"]) == {"county", "village"}
    assert set(serial.loc[serial["scope"] == "village", "village"]) == {0, 1, 2}
    assert (serial.loc[serial["scope"] == "county", "village"] == -1).all()
    assert set(serial["year"]) == set(range(2015, 2020))
    assert not serial.duplicated(["run_key", "year", "scope", "village", "metric"]).any()
    assert serial["value"].dtype == np.float64


def test_common_random_numbers_identical_variant_gives_identical_runs(serial):
    county = serial[serial["scope"] == "county"]
    a = county[county["variant"] == "baseline"].drop(columns=["run_key", "variant"]).reset_index(drop=True)
    b = county[county["variant"] == "same"].drop(columns=["run_key", "variant"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_simulate_matches_batch_replication(serial, scenario):
    got = simulate(seed=scenario.seed, replication=1, n_people=600, n_years=5, n_villages=3, urban_wage=50000, poverty_transfer=2000,
                   outputs=["income_per_capita_mean", "fiscal_total", "fiscal_total_cum"])  # fmt: skip
    rows = serial[(serial["variant"] == "transfers") & (serial["replication"] == 1) & (serial["sweep_urban_wage"] == 50000)
                  & (serial["scope"] == "county") & (serial["year"] == 2019)].set_index("metric")["value"]  # fmt: skip
    assert got["income_per_capita_mean"] == rows["income_per_capita_mean"]
    assert got["fiscal_total"] == rows["fiscal_total"] and got["fiscal_total_cum"] >= got["fiscal_total"]


def test_two_workers_and_dask_give_the_same_table(serial, scenario, tmp_path):
    run_batch(scenario, tmp_path / "pool", workers=2, progress=False)
    pd.testing.assert_frame_equal(read_table(tmp_path / "pool"), serial)
    run_batch(scenario, tmp_path / "dask", workers=2, scheduler="local", dask_processes=False, progress=False)
    pd.testing.assert_frame_equal(read_table(tmp_path / "dask"), serial)


def test_existing_results_are_never_overwritten_without_resume(scenario, tmp_path):
    run_batch(scenario, tmp_path, workers=1, progress=False)
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "runs").iterdir()}
    with pytest.raises(BatchError, match="--resume"):
        run_batch(scenario, tmp_path, workers=1, progress=False)
    stream = io.StringIO()
    res = run_batch(scenario, tmp_path, workers=1, resume=True, stream=stream)
    assert res.ran == 0 and res.skipped == 12
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "runs").iterdir()} == before
    assert "12 already finished" in stream.getvalue()


def test_progress_reports_done_left_and_time_left(scenario, tmp_path):
    stream = io.StringIO()
    run_batch(scenario, tmp_path, workers=1, stream=stream)
    last = stream.getvalue().strip().splitlines()[-1]
    assert "runs done 12/12" in last and "left 0" in last and "time left" in last


def test_resume_after_sigkill_gives_the_uninterrupted_table(tmp_path):
    doc = dict(DOC, parameters={"n_people": 2500, "n_years": 12, "n_villages": 4}, sweep={}, replications=8,
               variants={"baseline": {}, "transfers": {"policy.poverty_transfer": 2000}})  # fmt: skip
    path = tmp_path / "kill.yaml"
    path.write_text(yaml.safe_dump(doc))
    killed = tmp_path / "killed"
    cmd = [sys.executable, "-m", "rural_abm.experiment", "run", str(path), "--out", str(killed), "--workers", "2", "--quiet", "--no-report"]
    proc = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    runs = killed / "runs"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if runs.is_dir() and len(list(runs.glob("*.parquet"))) >= 3:
            break
        assert proc.poll() is None, proc.stderr.read().decode()
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the batch and its worker processes, all at once
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    finished = list(runs.glob("*.parquet"))
    assert 3 <= len(finished) < 16, "the kill should land in the middle of the batch"
    for f in finished:  # every file that exists is a whole run
        assert pq.read_metadata(f).num_rows > 0
    assert not (killed / "results.parquet").exists()

    done = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    resumed = read_table(killed)
    reference = tmp_path / "reference"
    run_batch(load(path), reference, workers=1, progress=False)
    pd.testing.assert_frame_equal(resumed, read_table(reference))
    assert resumed["run_key"].nunique() == 16
