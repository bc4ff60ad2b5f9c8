"""Runs a scenario's run specs: seeds from content keys, local pool or Dask, resumable store, progress.

Results never depend on execution order, worker count or backend: every run's
seed comes from its spec (scenario seed and replication index), each run is
computed by the same pure function :func:`execute`, and the table is put
together in the manifest's fixed order, not in order of completion.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from rural_abm.model import RuralModel

from . import store
from .scenario import RunSpec, Scenario, canonical_json, sweep_column


class BatchError(RuntimeError):
    """A batch cannot start or some runs failed; finished runs are kept on disk."""


#: Said when worker processes die at start: the usual cause is a script without the main guard.
POOL_HINT = (
    "in a script, call it under `if __name__ == \"__main__\":` (worker processes import the script again), "
    "or use workers=1"
)


# ---------------------------------------------------------------- one run
def sweep_kinds(scenario: Scenario) -> dict[str, str]:
    """Column type of each sweep column: 'float' when every value is a number, else 'str' (JSON)."""
    kinds = {}
    for path, values in scenario.sweep.items():
        numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        kinds[sweep_column(path)] = "float" if numeric else "str"
    return kinds


def point_label(point: tuple) -> str:
    """'' without a sweep, else 'urban_jobs_growth=0.01, training_coverage=0.2'."""
    return ", ".join(f"{path.split('.')[-1]}={json.dumps(canonical_json(v), sort_keys=True)}" for path, v in point)


def point_columns(point: tuple, kinds: dict) -> dict:
    out = {}
    for path, v in point:
        col = sweep_column(path)
        out[col] = float(v) if kinds[col] == "float" else json.dumps(canonical_json(v), sort_keys=True)
    return out


def tidy_run(spec: RunSpec, county: pd.DataFrame, village: pd.DataFrame, kinds: dict) -> pd.DataFrame:
    """One run's outputs as tidy rows (county rows first, then village rows)."""
    c = county.reset_index().melt(id_vars="year", var_name="metric", value_name="value")
    c.insert(1, "scope", "county")
    c.insert(2, "village", -1)
    v = village.reset_index().melt(id_vars=["year", "village"], var_name="metric", value_name="value")
    v.insert(1, "scope", "village")
    rows = pd.concat([c, v[c.columns]], ignore_index=True)
    rows["year"] = rows["year"].astype(np.int64)
    rows["village"] = rows["village"].astype(np.int64)
    rows["value"] = rows["value"].astype(np.float64)
    head = {"run_key": spec.key, "variant": spec.variant, "point": point_label(spec.point), **point_columns(spec.point, kinds)}
    for i, (col, val) in enumerate(head.items()):
        rows.insert(i, col, val)
    rows.insert(len(head), "replication", np.int64(spec.replication))
    return rows


def execute(spec: RunSpec, kinds: dict) -> pd.DataFrame:
    """Run one model to the end and return its tidy table (a pure function of ``spec``)."""
    # Person handles are not read by a batch; outputs do not depend on them (tests/test_api.py)
    model = RuralModel(rng=spec.seed_sequence, **{**spec.params, "person_handles": "on_demand"})
    model.run_model()
    return tidy_run(spec, model.county_frame(), model.village_frame(), kinds)


# ---------------------------------------------------------------- progress
class Progress:
    """Runs done, runs left and time left, on stderr (at most once a second, and at the end)."""

    def __init__(self, total: int, skipped: int, stream=None, enabled: bool = True):
        self.total, self.skipped, self.done = total, skipped, 0
        self.todo = total - skipped
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.start = time.monotonic()
        self.last = 0.0
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        if enabled:
            extra = f" ({skipped} already finished, skipped)" if skipped else ""
            self._write(f"runs: {self.todo} to do of {self.total}{extra}\n")

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass

    @staticmethod
    def _clock(seconds: float) -> str:
        seconds = int(round(seconds))
        h, rem = divmod(seconds, 3600)
        m, s = divmod(rem, 60)
        return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"

    def update(self, n: int = 1) -> None:
        self.done += n
        if not self.enabled:
            return
        now = time.monotonic()
        final = self.done >= self.todo
        if not final and now - self.last < 1.0:
            return
        self.last = now
        elapsed = now - self.start
        left = self.todo - self.done
        eta = elapsed / self.done * left if self.done else float("nan")
        line = (
            f"runs done {self.skipped + self.done}/{self.total}, left {left}, "
            f"elapsed {self._clock(elapsed)}, time left ~{self._clock(eta) if eta == eta else '?'}"
        )
        self._write(("\r" + line + ("\n" if final else "")) if self.tty else line + "\n")


# ---------------------------------------------------------------- the batch
@dataclass
class BatchResult:
    out: Path
    scenario: Scenario
    specs: list
    ran: int
    skipped: int
    seconds: float
    failures: list = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        return store.read_table(self.out)


def manifest_for(scenario: Scenario, specs: list[RunSpec]) -> dict:
    from .scenario import _package_version

    return {
        "format": "rural_abm results, version 1",
        "package_version": _package_version(),
        "scenario": scenario.resolved(),
        "sweep_columns": scenario.sweep_columns(),
        "seeds": "SeedSequence(seed, spawn_key=(replication,)): same in every variant and sweep point",
        "runs": [
            {"key": s.key, "variant": s.variant, "point": point_label(s.point), "sweep": {p: canonical_json(v) for p, v in s.point}, "replication": s.replication}
            for s in specs
        ],
    }


def _pool_context():
    """forkserver (workers fork from a clean server that has imported the model), else spawn.

    Plain fork is avoided: pyarrow and BLAS start native threads, and forking a
    multi-threaded process can deadlock the child.
    """
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["rural_abm.experiment.batch"])
        return ctx
    return multiprocessing.get_context("spawn")


def run_batch(
    scenario: Scenario,
    out,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    progress: bool = True,
    dask_processes: bool = True,
    stream=None,
    resume_hint: str = "--resume",
) -> BatchResult:
    """Run every spec of ``scenario`` not yet in ``out`` and write results.parquet.

    ``workers``: local processes (default: all cores; 1 runs in this process),
    or Dask workers for ``scheduler='local'``. ``scheduler``: None for the
    local pool, 'local' for a Dask LocalCluster, or a scheduler address
    ('tcp://host:8786'). Without ``resume`` an output folder that already
    holds finished runs is refused (nothing is overwritten). ``resume_hint``:
    how messages name the resume switch ('--resume' on the command line,
    'resume=True' from Python).
    """
    out = Path(out)
    specs = scenario.runs()
    done = store.finished_keys(out)
    if done and not resume:
        raise BatchError(
            f"{out}: holds {len(done)} finished run(s) already; use {resume_hint} to continue that batch, "
            f"or choose another {'--out' if resume_hint.startswith('--') else 'out folder'}"
        )
    out.mkdir(parents=True, exist_ok=True)
    store.write_manifest(out, manifest_for(scenario, specs))
    todo = [s for s in specs if s.key not in done]
    skipped = len(specs) - len(todo)
    kinds = sweep_kinds(scenario)
    bar = Progress(len(specs), skipped, stream=stream, enabled=progress)
    workers = workers or os.cpu_count() or 1
    started = time.monotonic()
    failures: list[tuple[RunSpec, str]] = []

    def finish(spec, df=None, err=None, stored=False):
        if err is not None:
            failures.append((spec, f"{type(err).__name__}: {err}"))
        elif not stored:
            store.write_run(out, spec.key, df)
        bar.update()

    if todo:
        if scheduler:
            _run_dask(todo, kinds, scheduler, workers, dask_processes, finish)
        elif workers == 1:
            for spec in todo:
                try:
                    df = execute(spec, kinds)
                except Exception as err:  # noqa: BLE001 - keep going, report at the end
                    finish(spec, err=err)
                else:
                    finish(spec, df)
        else:
            _run_pool(todo, kinds, workers, out, finish)
    if failures:
        broken = any("BrokenProcessPool" in e for _, e in failures)
        lines = "\n  - ".join(f"{s.variant} {point_label(s.point)} replication {s.replication} ({s.key}): {e}" for s, e in failures[:20])
        hint = f"\nworker processes died: {POOL_HINT}" if broken else ""
        raise BatchError(f"{len(failures)} run(s) failed (finished runs are kept; rerun with {resume_hint}):\n  - {lines}{hint}")
    store.write_results(out, [s.key for s in specs])
    return BatchResult(out, scenario, specs, len(todo), skipped, time.monotonic() - started, failures)


def execute_and_store(spec: RunSpec, kinds: dict, out: Path) -> None:
    """Run one model and write its file (atomically) from the worker: local pools share the disk."""
    store.write_run(out, spec.key, execute(spec, kinds))


def _run_pool(todo, kinds, workers, out, finish) -> None:
    with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=_pool_context()) as pool:
        pending = {pool.submit(execute_and_store, spec, kinds, out): spec for spec in todo}
        try:
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in finished:
                    spec = pending.pop(fut)
                    finish(spec, err=fut.exception(), stored=True)
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise


def _run_dask(todo, kinds, scheduler, workers, processes, finish) -> None:
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as err:  # pragma: no cover - dask is a declared dependency
        raise BatchError(f"--scheduler needs dask[distributed] installed ({err})") from None
    cluster = None
    try:
        if scheduler == "local":
            cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=processes, dashboard_address=None, silence_logs=40
            )
            client = Client(cluster)
        else:
            try:
                client = Client(scheduler, timeout=30)
            except Exception as err:  # noqa: BLE001
                raise BatchError(f"cannot reach the Dask scheduler at {scheduler!r}: {err}") from None
        try:
            by_key = {}
            futures = []
            for spec in todo:
                fut = client.submit(execute, spec, kinds, key=f"rural-abm-run-{spec.key}", pure=False)
                by_key[fut.key] = spec
                futures.append(fut)
            for fut in as_completed(futures):
                spec = by_key[fut.key]
                if fut.status == "error":
                    finish(spec, err=fut.exception())
                else:
                    finish(spec, fut.result())
                fut.release()
        finally:
            client.close()
    finally:
        if cluster is not None:
            cluster.close()
