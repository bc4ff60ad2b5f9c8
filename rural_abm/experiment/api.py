"""Python API: run a scenario batch, or call the model as a plain function.

>>> from rural_abm import run_scenario, simulate, simulate_many
>>> res = run_scenario("scenarios/policy_levers.yaml", overrides={"n_people": 2000, "replications": 3})
>>> res.summary            # effects with paired and Welch 95% CIs (DataFrame)
>>> res.table              # tidy results (DataFrame)
>>> simulate(poverty_transfer=1500, n_years=10, rng=3, outputs="poverty_headcount_ratio")
>>> simulate(n_years=12, window="2021-2025", outputs=["return_to_poverty_cum", "fiscal_total_cum"])
>>> simulate_many(X, ["land_reform", "training_coverage"], "income_per_capita_mean", n_years=10)
"""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from rural_abm.model import registry

from . import analysis, plots, store
from .batch import POOL_HINT, _pool_context, run_batch
from .errors import check_count
from .readings import CUM, METRICS, check_outputs, check_reading, is_cumulative, metric_of, read_series
from .report import write_report
from .scenario import Scenario, load


@dataclass
class Results:
    """The outcome of :func:`run_scenario`: tables as DataFrames, figure files, the report page."""

    scenario: Scenario
    out: Path | None  # None: run in a temporary folder, since removed
    table: pd.DataFrame
    summary: pd.DataFrame
    timeseries: pd.DataFrame
    figures: dict = field(default_factory=dict)  # stem -> PNG path
    report: Path | None = None
    manifest: dict = field(default_factory=dict)

    def effects(self, output: str | None = None) -> pd.DataFrame:
        """Summary rows of the non-baseline variants (optionally of one output)."""
        s = self.summary[self.summary["variant"] != self.scenario.baseline]
        return s if output is None else s[s["output"] == output]

    def make_figures(self) -> dict:
        """Fresh matplotlib Figures (time series, forest plot, sweep response) by name."""
        return plots.all_figures(self.summary, self.timeseries, self.manifest)


def run_scenario(
    source,
    out=None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    overrides=None,
    progress: bool = False,
    report: bool = True,
    dask_processes: bool = True,
) -> Results:
    """Run a scenario (a YAML path, or a dict in the same schema) and analyse it.

    ``out``: output folder; with None the runs go to a temporary folder that is
    removed before returning (tables stay in memory; no report page; figures
    from :meth:`Results.make_figures`). ``overrides``: ``{"n_people": 2000,
    "replications": 3}`` or [(key path, value)], as ``--set``. Other arguments
    as ``rural-abm run``. Raises ScenarioError on bad input and BatchError when
    runs fail. Worker processes need the ``if __name__ == "__main__":`` guard
    in a script (as any multiprocessing code).
    """
    scenario = source if isinstance(source, Scenario) else load(source, overrides=overrides)
    if out is None:
        with tempfile.TemporaryDirectory(prefix=f"rural_abm_{scenario.name}_") as tmp:
            res = run_scenario(scenario, tmp, workers=workers, scheduler=scheduler, progress=progress, report=False, dask_processes=dask_processes)
            return Results(scenario, None, res.table, res.summary, res.timeseries, manifest=res.manifest)
    out = Path(out)
    run_batch(scenario, out, workers=workers, scheduler=scheduler, resume=resume, progress=progress, dask_processes=dask_processes, resume_hint="resume=True")
    table = store.read_table(out)
    manifest = store.read_manifest(out)
    if report:
        rep = write_report(out)
        return Results(scenario, out, table, rep.summary, rep.timeseries, rep.figures, rep.paths["html"], manifest)
    return Results(scenario, out, table, analysis.summarise(table, manifest), analysis.timeseries(table, manifest), manifest=manifest)


def simulate(*, rng=None, seed: int | None = None, replication: int = 0, effect_year: int | None = None, window=None,
             outputs=None, series: bool = False, **params):  # fmt: skip
    """Run the model once; return county outputs in a year, over a window, summed, or as a series.

    A plain function of keyword parameters (any model parameter) for EMA
    Workbench, SALib, notebooks and the like:

    * ``rng``: the model's seed exactly as Mesa takes it (int, SeedSequence or
      Generator); or ``seed`` and ``replication``, seeded as a batch run:
      SeedSequence(seed, spawn_key=(replication,)), so ``simulate(seed=s,
      replication=r, **p)`` equals replication r of a scenario with seed s and
      the same parameters. Neither given: seed 0.
    * ``outputs``: county metrics (default: all), or ``<metric>_cum`` for the
      metric summed (``fiscal_total_cum``, ``return_to_poverty_cum``); one
      name or a list.
    * ``effect_year`` (default: the last simulated year) or ``window``
      ("2021-2025" or (2021, 2025)): a metric is read in the year or as its
      mean over the window; a ``_cum`` output is summed up to the year, or
      over the window.
    * ``series=True``: the whole series instead, a DataFrame indexed by year
      (``_cum`` outputs as running sums).

    Returns ``{output: float}`` (or the DataFrame). Bad names or years raise
    ValueError naming what is allowed; bad parameters ParameterError.
    """
    from rural_abm.model import RuralModel

    if rng is not None and seed is not None:
        raise ValueError("simulate: give rng (as Mesa does) or seed/replication, not both")
    names = list(METRICS) if outputs is None else ([outputs] if isinstance(outputs, str) else list(outputs))
    unknown = check_outputs(names)
    if unknown:
        raise ValueError(f"outputs: found {unknown}; allowed: county metrics ({', '.join(METRICS)}) or <metric>{CUM}")
    if rng is None:
        rng = np.random.SeedSequence(check_count("seed", 0 if seed is None else seed), spawn_key=(check_count("replication", replication),))
    model = RuralModel(rng=rng, **params)
    model.run_model()
    county = model.county_frame()
    first, last = int(county.index[0]), int(county.index[-1])
    if series:
        return pd.DataFrame({n: county[metric_of(n)].cumsum() if is_cumulative(n) else county[n] for n in names})
    if window is not None and effect_year is not None:
        raise ValueError("simulate: give effect_year or window, not both")
    try:
        reading = check_reading(window if window is not None else (last if effect_year is None else effect_year), first, last)
    except ValueError as err:
        raise ValueError(f"{'window' if window is not None else 'effect_year'}: {err}") from None
    return {n: read_series(county[metric_of(n)], n, reading, first) for n in names}


def simulate_many(X, names, outputs, *, workers: int | None = None, seed: int = 0, replications: int = 1, **fixed) -> np.ndarray:
    """Evaluate the model at every row of a sample matrix (SALib, a design of experiments).

    ``X``: array (samples x parameters), the columns named by ``names``;
    ``outputs``: one output name (the result is 1-D, as SALib's analyze wants)
    or a list (samples x outputs); ``fixed``: other parameters and the reading
    (``effect_year``, ``window``), as :func:`simulate`. Each row is the mean
    over ``replications`` runs seeded SeedSequence(seed, spawn_key=(r,)), the
    same seeds in every row (common random numbers). Integer parameters are
    rounded and bool parameters read as value >= 0.5, since samplers give
    floats. Rows run on ``workers`` processes (default: all cores; 1 = here);
    in a script, call this under ``if __name__ == "__main__":``.
    """
    X = np.atleast_2d(np.asarray(X, dtype=float))
    names = list(names)
    if X.shape[1] != len(names):
        raise ValueError(f"X: found {X.shape[1]} columns; allowed: one column per name ({len(names)} names)")
    one = isinstance(outputs, str)
    outs = [outputs] if one else list(outputs)
    jobs = [({**fixed, **_typed(names, row)}, outs, seed, replications) for row in X]
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(jobs) == 1:
        rows = [_evaluate(*job) for job in jobs]
    else:
        try:
            with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=_pool_context()) as pool:
                rows = list(pool.map(_evaluate, *zip(*jobs), chunksize=max(1, len(jobs) // (4 * workers))))
        except BrokenProcessPool as err:
            raise RuntimeError(f"simulate_many: worker processes died ({err}); {POOL_HINT}") from None
    Y = np.array(rows, dtype=float)
    return Y[:, 0] if one else Y


def _typed(names: list, row: np.ndarray) -> dict:
    """Sample values as the parameters' kinds (int rounded, bool >= 0.5, else float)."""
    reg = registry()
    out = {}
    for name, v in zip(names, row):
        kind = reg[name].kind if name in reg else "float"
        out[name] = int(round(v)) if kind == "int" else bool(v >= 0.5) if kind == "bool" else float(v)
    return out


def _evaluate(params: dict, outputs: list, seed: int, replications: int) -> list:
    """Mean of each output over replications 0..replications-1 (one row of simulate_many)."""
    runs = [simulate(seed=seed, replication=r, outputs=outputs, **params) for r in range(replications)]
    return [float(np.mean([run[o] for run in runs])) for o in outputs]
