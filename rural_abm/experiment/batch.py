"""Runs a scenario's run specs: seeds from content keys, local pool or Dask, resumable store, progress.

Results never depend on execution order, worker count or backend: every run's
seed comes from its spec (scenario seed and replication index), each run is
computed by the same pure function :func:`execute`, and the table is put
together in the manifest's fixed order, not in order of completion.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from rural_abm.model import RuralModel
from rural_abm.runtime import keep_heap

from . import store
from .errors import ArgumentError, BatchError, BatchInterrupted, StoreError, check_count
from .scenario import RunSpec, Scenario, canonical_json, sweep_column

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
    """Run one model to the end and return its tidy table (a pure function of ``spec``).

    Sets the process's heap thresholds first (rural_abm/runtime.py): this runs in the worker processes.
    """
    keep_heap()
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
    """The manifest of a batch (store.write_manifest adds its scenario hash)."""
    from .scenario import _package_version

    return {
        "format": store.FORMAT,
        "package_version": _package_version(),
        "scenario": scenario.resolved(),
        "sweep_columns": scenario.sweep_columns(),
        "seeds": "SeedSequence(seed, spawn_key=(replication,)): same in every variant and sweep point",
        "runs": [
            {"key": s.key, "variant": s.variant, "point": point_label(s.point), "sweep": {p: canonical_json(v) for p, v in s.point}, "replication": s.replication}
            for s in specs
        ],
    }


def scenario_changes(old: dict, new: dict) -> list[str]:
    """What differs between two manifests' scenarios: 'parameters.n_people: 600 -> 700', ..."""
    a, b = old.get("scenario", {}), new["scenario"]
    changes = []
    for key in [k for k in {**a, **b} if k != "source"]:
        x, y = a.get(key), b.get(key)
        if x == y:
            continue
        if isinstance(x, dict) and isinstance(y, dict):
            changes += [f"{key}.{k}: {json.dumps(x.get(k))} -> {json.dumps(y.get(k))}" for k in {**x, **y} if x.get(k) != y.get(k)]
        else:
            changes.append(f"{key}: {json.dumps(x)} -> {json.dumps(y)}")
    if not changes and [r["key"] for r in old.get("runs", [])] != [r["key"] for r in new["runs"]]:
        changes.append("the run keys (model defaults or package version changed)")
    return changes


def _check_resumable(out: Path, manifest: dict, note) -> None:
    """Refuse to resume a batch of another scenario (StoreError naming what changed)."""
    if not (out / store.MANIFEST).exists():
        return
    try:
        old = store.read_manifest(out)
    except StoreError as err:
        note(f"note: {err}; finished runs are matched by their content keys instead")
        return
    if old["scenario_hash"] == store.scenario_hash(manifest["scenario"], manifest["runs"]):
        return
    changes = scenario_changes(old, manifest)
    shown = "; ".join(changes[:6]) + (f"; and {len(changes) - 6} more" if len(changes) > 6 else "")
    raise StoreError(f"{out}: --resume with a changed scenario ({shown}); resume with the same scenario and --set, or choose another --out")


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


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def stop_on_signals():
    """While inside: SIGINT and SIGTERM raise BatchInterrupted (main thread only), so clean-up runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise BatchInterrupted(signum)

    old = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


SCHEDULER_ADDRESS = re.compile(r"^(local|(tcp|tls|ucx|ws|wss|inproc)://\S+|[\w.\-]+:\d{1,5})$")


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
    shared_store: bool = False,
) -> BatchResult:
    """Run every spec of ``scenario`` not yet in ``out`` and write results.parquet.

    ``workers``: local processes (default: all cores; 1 runs in this process),
    or Dask workers for ``scheduler='local'``. ``scheduler``: None for the
    local pool, 'local' for a Dask LocalCluster, or a scheduler address
    ('tcp://host:8786'). Without ``resume`` an output folder that already
    holds finished runs is refused (nothing is overwritten); with it, a folder
    of another scenario is refused (StoreError naming what changed).
    ``resume_hint``: how messages name the resume switch ('--resume' on the
    command line, 'resume=True' from Python). ``shared_store``: ``out`` is a
    content-keyed run store that successive batches of different scenarios
    share (calibration): resuming another scenario there is allowed, and the
    manifest and results.parquet then describe the latest batch.

    Everything is checked before the first run: the arguments (ArgumentError),
    that ``out`` can be written, that no other process writes it (StoreError),
    and the Dask scheduler. SIGINT and SIGTERM stop the workers and raise
    BatchInterrupted; finished runs are kept.
    """
    workers = check_count("workers", workers, lowest=1, allow_none=True)
    if scheduler is not None and (not isinstance(scheduler, str) or not SCHEDULER_ADDRESS.match(scheduler)):
        raise ArgumentError("scheduler", scheduler, "'local' or a Dask scheduler address such as tcp://host:8786")
    if not isinstance(scenario, Scenario):
        raise ArgumentError("scenario", type(scenario).__name__, "a Scenario (rural_abm.experiment.load)")
    out = store.check_writable(out)
    note = (lambda text: print(text, file=stream if stream is not None else sys.stderr)) if progress else (lambda text: None)
    specs = scenario.runs()
    manifest = manifest_for(scenario, specs)
    with store.folder_lock(out, "rural-abm run"), stop_on_signals(), contextlib.ExitStack() as stack:
        present = store.stored_keys(out)
        if present and not resume:
            raise BatchError(
                f"{out}: holds {len(present)} finished run(s) already; use {resume_hint} to continue that batch, "
                f"or choose another {'--out' if resume_hint.startswith('--') else 'out folder'}"
            )
        if resume and not shared_store:
            _check_resumable(out, manifest, note)
        wanted = set(present)
        done, damaged = store.sort_runs(out, [s.key for s in specs if s.key in wanted])
        for key, why in list(damaged.items())[:5]:
            note(f"note: {why}; it will be run again")
        if len(damaged) > 5:
            note(f"note: {len(damaged) - 5} more damaged run file(s) will be run again")
        _remove_leftovers(out)
        client = stack.enter_context(_dask_client(scheduler, workers, dask_processes)) if scheduler else None
        store.write_manifest(out, manifest)
        todo = [s for s in specs if s.key not in done]
        skipped = len(specs) - len(todo)
        kinds = sweep_kinds(scenario)
        bar = Progress(len(specs), skipped, stream=stream, enabled=progress)
        workers = workers or os.cpu_count() or 1
        started = time.monotonic()
        failures: list[tuple[RunSpec, str]] = []
        kept = [skipped]

        def finish(spec, df=None, err=None, stored=False):
            if err is not None:
                failures.append((spec, f"{type(err).__name__}: {err}"))
            else:
                if not stored:
                    store.write_run(out, spec.key, df)
                kept[0] += 1
            bar.update()

        try:
            if not todo:
                pass
            elif client is not None:
                _run_dask(client, todo, kinds, finish)
            elif workers == 1:
                for spec in todo:
                    try:
                        df = execute(spec, kinds)
                    except Exception as err:  # noqa: BLE001 - keep going, report at the end
                        finish(spec, err=err)
                    else:
                        finish(spec, df)
            else:
                _run_pool(todo, kinds, workers, out, finish, resume_hint)
        except BatchInterrupted as err:
            raise BatchInterrupted(err.signum, kept[0]) from None
        if failures:
            lines = "\n  - ".join(f"{s.variant} {point_label(s.point)} replication {s.replication} ({s.key}): {e}" for s, e in failures[:20])
            raise BatchError(f"{len(failures)} run(s) failed (finished runs are kept; rerun with {resume_hint}):\n  - {lines}")
        store.write_results(out, [s.key for s in specs], store.scenario_hash(manifest["scenario"], manifest["runs"]))
    return BatchResult(out, scenario, specs, len(todo), skipped, time.monotonic() - started, failures)


def _remove_leftovers(out: Path) -> None:
    """Temporary files of writers that were killed (only while holding the folder's lock)."""
    for tmp in [*(out / store.RUNS).glob(".*.tmp"), *out.glob(".*.tmp")]:
        with contextlib.suppress(OSError):
            tmp.unlink()


def execute_and_store(spec: RunSpec, kinds: dict, out: Path) -> None:
    """Run one model and write its file (atomically) from the worker: local pools share the disk."""
    store.write_run(out, spec.key, execute(spec, kinds))


def _worker_init() -> None:
    """Pool workers leave Ctrl-C to the main process, which stops them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_pool(todo, kinds, workers, out, finish, resume_hint: str = "--resume") -> None:
    pool = ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=_pool_context(), initializer=_worker_init)
    try:
        pending = {pool.submit(execute_and_store, spec, kinds, out): spec for spec in todo}
        lost = 0
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                spec = pending.pop(fut)
                if isinstance(fut.exception(), BrokenProcessPool):
                    lost += 1
                else:
                    finish(spec, err=fut.exception(), stored=True)
    except BaseException:
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)
    if lost:
        raise BatchError(
            f"a worker process died (killed, or out of memory): {lost} run(s) not finished; finished runs are kept, "
            f"rerun with {resume_hint} (if workers die at start: {POOL_HINT})"
        )


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: its workers, the forkserver and the resource tracker (none outlives the batch).

    A second Ctrl-C or SIGTERM while stopping is ignored, so the stop always completes.
    """
    if threading.current_thread() is threading.main_thread():
        for s in STOP_SIGNALS:
            signal.signal(s, signal.SIG_IGN)  # stop_on_signals restores the handlers on the way out
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        with contextlib.suppress(Exception):
            p.terminate()
    for p in procs:
        with contextlib.suppress(Exception):
            p.join(timeout=5)
            if p.is_alive():
                p.kill()
                p.join(timeout=5)
    from multiprocessing import forkserver, resource_tracker

    for helper in (forkserver._forkserver, resource_tracker._resource_tracker):
        with contextlib.suppress(Exception):
            helper._stop()


@contextlib.contextmanager
def _dask_client(scheduler, workers, processes):
    """A connected Dask client ('local': on a new LocalCluster); ArgumentError when nothing answers."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as err:  # pragma: no cover - dask is a declared dependency
        raise BatchError(f"--scheduler needs dask[distributed] installed ({err})") from None
    if scheduler == "local":
        with LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=processes,
                          dashboard_address=None, silence_logs=40) as cluster, Client(cluster) as client:  # fmt: skip
            yield client
        return
    try:
        client = Client(scheduler, timeout=20)
    except BaseException as err:  # noqa: BLE001 - a non-Dask service answers with garbage (even MemoryError)
        if isinstance(err, (KeyboardInterrupt, BatchInterrupted)):
            raise
        why = "the service there does not speak the Dask protocol" if isinstance(err, MemoryError) else f"{type(err).__name__}: {str(err)[:200]}"
        raise ArgumentError("scheduler", scheduler, f"the address of a running Dask scheduler (`dask scheduler`), or 'local' ({why})") from None
    try:
        yield client
    finally:
        client.close()


def _run_dask(client, todo, kinds, finish) -> None:
    from dask.distributed import as_completed

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
