"""Fault suite: kills, signals, damaged files, changed scenarios, shared folders, hostile input.

Each test says what it guards; each was checked to fail with its guard
removed. Counties are tiny (a few hundred persons, a few years) so the suite
stays fast; what matters is the store's and the command line's behaviour.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest
import yaml

from rural_abm.experiment import run_scenario, simulate
from rural_abm.experiment import store
from rural_abm.experiment.batch import run_batch
from rural_abm.experiment.errors import ArgumentError, BatchError, StoreError
from rural_abm.experiment.scenario import load

DOC = {
    "name": "faults",
    "parameters": {"n_people": 400, "n_years": 4, "n_villages": 2},
    "variants": {"baseline": {}, "transfers": {"policy.poverty_transfer": 1500}},
    "replications": 12,
    "seed": 4,
    "outputs": ["poverty_headcount_ratio"],
}
SMALL = {**DOC, "replications": 2}
CLI = [sys.executable, "-m", "rural_abm.experiment"]


def cli(capsys, *args) -> tuple[int, str]:
    """Exit code and stderr of ``rural-abm ARGS`` (in this process: the same code without the start-up time)."""
    from rural_abm.cli import main

    capsys.readouterr()
    try:
        code = main([str(a) for a in args])
    except SystemExit as stop:
        code = stop.code
    return code, capsys.readouterr().err


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("scen") / "faults.yaml"
    path.write_text(yaml.safe_dump(DOC, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def reference(scenario_file, tmp_path_factory) -> pd.DataFrame:
    """The uninterrupted table of DOC (one worker, in this process)."""
    out = tmp_path_factory.mktemp("reference")
    run_batch(load(scenario_file), out, workers=1, progress=False)
    return store.read_table(out)


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """A finished batch of SMALL (4 runs)."""
    out = tmp_path_factory.mktemp("small")
    run_batch(load(SMALL), out, workers=1, progress=False)
    return out


def start_batch(path: Path, out: Path, *extra) -> subprocess.Popen:
    cmd = [*CLI, "run", str(path), "--out", str(out), "--workers", "2", "--quiet", "--no-report", *map(str, extra)]
    return subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for_runs(proc: subprocess.Popen, out: Path, n: int) -> None:
    deadline = time.monotonic() + 120
    while len(store.stored_keys(out)) < n:
        assert proc.poll() is None, f"the batch ended before it could be interrupted: {proc.stderr.read()}"
        assert time.monotonic() < deadline, "no runs finished"
        time.sleep(0.02)


def one_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


# ------------------------------------------------------------------ interruptions
@pytest.mark.parametrize("how", ["SIGTERM to the batch", "SIGINT to the terminal group"])
def test_interrupted_batch_leaves_no_process_keeps_runs_and_resumes_exactly(how, scenario_file, reference, tmp_path, capsys):
    """Guards: signal handling (stop_on_signals + _stop_pool) stops workers, forkserver and resource tracker,
    keeps every finished run whole, exits 143 / 130; after the stop `report` refuses with the missing runs,
    `report --partial` marks the page, and `--resume` gives the uninterrupted table. (kill -9 of the whole
    group, which leaves a dead holder in .lock, then --resume: tests/test_batch.py.)"""
    out = tmp_path / "out"
    proc = start_batch(scenario_file, out)
    try:
        wait_for_runs(proc, out, 2)
        children = psutil.Process(proc.pid).children(recursive=True)
        assert len(children) >= 3, "workers, forkserver and resource tracker expected"
        if how.startswith("SIGTERM"):
            os.kill(proc.pid, signal.SIGTERM)
        else:
            os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=60)
        _, alive = psutil.wait_procs(children, timeout=15)
        assert not alive, f"processes outlived the batch: {alive}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    err = proc.stderr.read()
    assert proc.returncode == {"SIGTERM": 143, "SIGINT": 130}[how.split()[0]], err
    assert "--resume" in err and "Traceback" not in err
    kept = store.stored_keys(out)
    good, damaged = store.sort_runs(out, kept)
    assert kept and not damaged and len(good) < 24

    code, err = cli(capsys, "report", out)
    assert code == 2 and "runs missing" in one_line(err) and "--partial" in err
    code, err = cli(capsys, "report", out, "--partial")
    assert code == 0, err
    assert "partial report" in (out / "report.html").read_text() and "PARTIAL REPORT" in (out / "report.md").read_text()

    code, err = cli(capsys, "run", scenario_file, "--out", out, "--workers", "1", "--resume", "--quiet", "--no-report")
    assert code == 0, err
    pd.testing.assert_frame_equal(store.read_table(out), reference)


def test_a_killed_worker_ends_the_batch_cleanly_and_resume_finishes_it(scenario_file, reference, tmp_path, capsys):
    """Guards: a worker killed by the OS (OOM killer, kill -9) ends the batch with one clear message and exit 1,
    keeps the finished runs and leaves no process behind; --resume completes the same table."""
    out = tmp_path / "out"
    proc = start_batch(scenario_file, out)
    try:
        wait_for_runs(proc, out, 2)
        children = psutil.Process(proc.pid).children(recursive=True)
        workers = [c for c in children if c.ppid() != proc.pid]  # forked by the forkserver
        assert workers
        workers[0].kill()
        proc.wait(timeout=60)
        _, alive = psutil.wait_procs(children, timeout=15)
        assert not alive
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    err = proc.stderr.read()
    assert proc.returncode == 1 and "worker process died" in err and "--resume" in err and "Traceback" not in err
    code, err = cli(capsys, "run", scenario_file, "--out", out, "--workers", "1", "--resume", "--quiet", "--no-report")
    assert code == 0, err
    pd.testing.assert_frame_equal(store.read_table(out), reference)


# ------------------------------------------------------------------ damaged files
def test_no_flipped_byte_in_a_run_file_silently_changes_its_data(small, tmp_path):
    """Guards: the checksum (and key) each run file carries. Every byte flip is either detected (DamagedRun)
    or leaves the data exactly as written; without the check most flips changed the numbers silently."""
    key = store.stored_keys(small)[0]
    original = store.read_run(small, key)
    data = store.run_path(small, key).read_bytes()
    folder = tmp_path / "flip"
    detected = 0
    for pos in np.linspace(0, len(data) - 1, 150).astype(int):
        damaged = bytearray(data)
        damaged[pos] ^= 0x5A
        store.run_path(folder, key).parent.mkdir(parents=True, exist_ok=True)
        store.run_path(folder, key).write_bytes(bytes(damaged))
        try:
            got = store.read_run(folder, key)
        except store.DamagedRun:
            detected += 1
        else:
            pd.testing.assert_frame_equal(got, original)
    assert detected > 100


def test_damaged_run_is_refused_by_report_and_recomputed_by_resume(small, tmp_path, capsys):
    """Guards: report refuses a damaged run file (exit 2, one line naming it); --resume recomputes it."""
    out = tmp_path / "out"
    run_batch(load(SMALL), out, workers=1, progress=False)
    reference = store.read_table(out)
    (out / store.RESULTS).unlink()
    key = store.stored_keys(out)[1]
    raw = bytearray(store.run_path(out, key).read_bytes())
    raw[len(raw) // 3] ^= 0xFF
    store.run_path(out, key).write_bytes(bytes(raw))
    code, err = cli(capsys, "report", out)
    assert code == 2 and key in one_line(err)
    res = run_batch(load(SMALL), out, workers=1, resume=True, progress=False)
    assert res.ran == 1
    pd.testing.assert_frame_equal(store.read_table(out), reference)


def test_results_and_manifest_that_do_not_belong_together_are_refused(small, tmp_path, capsys):
    """Guards: the scenario hash binding results.parquet to manifest.json, the manifest's own hash, and clear
    messages for a truncated or emptied manifest (no JSONDecodeError/KeyError)."""
    import shutil

    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(small, a)
    run_batch(load({**SMALL, "seed": 5}), b, workers=1, progress=False)
    shutil.copy(b / store.RESULTS, a / store.RESULTS)  # another batch's numbers beside this batch's settings
    code, err = cli(capsys, "report", a)
    assert code == 2 and "belongs to scenario" in one_line(err)
    text = (b / store.MANIFEST).read_text()
    (b / store.MANIFEST).write_text(text.replace('"seed": 5', '"seed": 4'))  # edited by hand
    with pytest.raises(StoreError, match="does not match its scenario hash"):
        store.open_batch(b)
    for damaged in (text[: len(text) // 2], "", "[]", '{"format": 1}'):
        (b / store.MANIFEST).write_text(damaged)
        code, err = cli(capsys, "report", b)
        assert code == 2 and "manifest.json: damaged" in one_line(err), err
    res = run_batch(load({**SMALL, "seed": 5}), b, workers=1, resume=True, progress=False)  # recovery
    assert res.ran == 0 and store.open_batch(b).manifest["scenario"]["seed"] == 5


def test_resume_with_a_changed_scenario_is_refused_naming_the_change(small, tmp_path):
    """Guards: --resume compares the scenario with the folder's manifest and names what changed."""
    with pytest.raises(StoreError, match=r"parameters\.n_people: 400 -> 500"):
        run_batch(load({**SMALL, "parameters": {**SMALL["parameters"], "n_people": 500}}), small, workers=1, resume=True, progress=False)
    assert store.open_batch(small).manifest["scenario"]["parameters"]["n_people"] == 400


def test_two_batches_on_one_folder(small, tmp_path):
    """Guards: the folder lock; a second writer is refused naming the holder's pid, before touching anything."""
    before = (small / store.MANIFEST).read_text()
    with store.folder_lock(small, "test holder"):
        with pytest.raises(StoreError, match=f"in use by another process \\(pid {os.getpid()}"):
            run_batch(load(SMALL), small, workers=1, resume=True, progress=False)
        with pytest.raises(StoreError, match="in use"):
            from rural_abm.experiment.report import write_report

            write_report(small)
    assert (small / store.MANIFEST).read_text() == before
    run_batch(load(SMALL), small, workers=1, resume=True, progress=False)  # released: works again


# ------------------------------------------------------------------ bad arguments
def test_bad_arguments_exit_2_with_one_line_before_any_run(tmp_path, scenario_file, capsys):
    """Guards: argument checks before any run (argparse types, check_writable, scheduler address)."""
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    cases = [
        ("run", scenario_file, "--workers", "0"),
        ("run", scenario_file, "--workers", "two"),
        ("run", scenario_file, "--out", a_file),
        ("run", scenario_file, "--out", a_file / "below"),
        ("run", scenario_file, "--scheduler", "not an address"),
        ("validate", scenario_file, "--max-runs", "-3"),
        ("report", tmp_path / "nothing"),
        ("simulate", "--seed", "-1"),
        ("simulate", "--out", a_file, "--years", "1"),
    ]
    for args in cases:
        code, err = cli(capsys, *args)
        assert code == 2, (args, err)
        one_line(err)
    assert not list(tmp_path.glob("**/runs"))


def test_a_service_that_is_not_dask_is_named_as_such(small, tmp_path):
    """Guards: _dask_client turns garbage from a non-Dask service (once: MemoryError '3.07 EiB') into one line."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def answer():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n" * 4)
            conn.close()

    threading.Thread(target=answer, daemon=True).start()
    try:
        with pytest.raises(ArgumentError, match="running Dask scheduler"):
            run_batch(load(SMALL), tmp_path / "o", scheduler=f"tcp://127.0.0.1:{server.getsockname()[1]}", progress=False)
    finally:
        server.close()
    assert not (tmp_path / "o" / "runs").exists()


def test_api_arguments_raise_the_projects_errors_naming_the_argument(small):
    """Guards: check_count in run_batch/simulate and check_rng in RuralModel."""
    from rural_abm.model import ParameterError, RuralModel

    for call, name in [
        (lambda: run_scenario(SMALL, workers=0), "workers"),
        (lambda: run_scenario(SMALL, workers=1.5), "workers"),
        (lambda: simulate(seed=-1, n_people=100, n_years=1), "seed"),
        (lambda: simulate(replication=-1, n_people=100, n_years=1), "replication"),
        (lambda: load(SMALL, max_runs=0), "max_runs"),
    ]:
        with pytest.raises(ArgumentError, match=f"^{name}: found"):
            call()
    for rng in ("abc", -1, 1.5, True):
        with pytest.raises(ParameterError, match="^rng: found"):
            RuralModel(rng=rng, n_people=100)
    with pytest.raises(BatchError, match="--resume"):
        run_batch(load(SMALL), small, workers=1, progress=False)
