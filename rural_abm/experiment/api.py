"""Python API: run a scenario batch, or call the model as a plain function.

>>> from rural_abm.experiment import run_scenario, simulate
>>> res = run_scenario("scenarios/policy_levers.yaml", overrides={"n_people": 2000, "replications": 3})
>>> res.summary            # effects with paired and Welch 95% CIs (DataFrame)
>>> res.table              # tidy results (DataFrame)
>>> simulate(poverty_transfer=1500, n_years=10, seed=3)["poverty_headcount_ratio"]
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import analysis, plots, store
from .batch import run_batch
from .errors import check_count
from .report import write_report
from .scenario import OUTPUTS, Scenario, load


@dataclass
class Results:
    """The outcome of :func:`run_scenario`: tables as DataFrames, figure files, the report page."""

    scenario: Scenario
    out: Path
    table: pd.DataFrame
    summary: pd.DataFrame
    timeseries: pd.DataFrame
    figures: dict = field(default_factory=dict)  # stem -> PNG path
    report: Path | None = None

    def effects(self, output: str | None = None) -> pd.DataFrame:
        """Summary rows of the non-baseline variants (optionally of one output)."""
        s = self.summary[self.summary["variant"] != self.scenario.baseline]
        return s if output is None else s[s["output"] == output]

    def make_figures(self) -> dict:
        """Fresh matplotlib Figures (time series, forest plot, sweep response) by name."""
        return plots.all_figures(self.summary, self.timeseries, store.read_manifest(self.out))


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

    ``out``: output folder (default: a new temporary folder). ``overrides``:
    ``{"n_people": 2000, "replications": 3}`` or [(key path, value)], as
    ``--set``. Other arguments as ``rural-abm run``. Raises ScenarioError on
    bad input and BatchError when runs fail.
    """
    scenario = source if isinstance(source, Scenario) else load(source, overrides=overrides)
    out = Path(out) if out is not None else Path(tempfile.mkdtemp(prefix=f"rural_abm_{scenario.name}_"))
    run_batch(scenario, out, workers=workers, scheduler=scheduler, resume=resume, progress=progress, dask_processes=dask_processes)
    table = store.read_table(out)
    if report:
        rep = write_report(out)
        return Results(scenario, out, table, rep.summary, rep.timeseries, rep.figures, rep.paths["html"])
    manifest = store.read_manifest(out)
    return Results(scenario, out, table, analysis.summarise(table, manifest), analysis.timeseries(table, manifest))


def simulate(seed: int = 0, effect_year: int | None = None, outputs=None, replication: int = 0, **params) -> dict:
    """Run the model once; return ``{output: value}`` of county metrics in ``effect_year``.

    A plain function of keyword parameters (any model parameter, plus
    ``seed``, ``replication``, ``effect_year`` (default: the last simulated
    year) and ``outputs`` (default: every county metric)), for EMA Workbench,
    SALib and the like. Seeds follow the batch rule: SeedSequence(seed,
    spawn_key=(replication,)), so ``simulate(seed=s, replication=r, **p)``
    equals replication r of a scenario with seed s and the same parameters.
    Fiscal outputs ``fiscal_*`` are summed up to the effect year under the name
    ``<metric>_cum`` as well.
    """
    from rural_abm.model import RuralModel

    seed, replication = check_count("seed", seed), check_count("replication", replication)
    model = RuralModel(rng=np.random.SeedSequence(seed, spawn_key=(replication,)), **params)
    model.run_model()
    county = model.county_frame()
    year = int(county.index[-1]) if effect_year is None else int(effect_year)
    if year not in county.index:
        raise ValueError(f"effect_year: found {year}; allowed: a simulated year in [{county.index[0]}, {county.index[-1]}]")
    names = list(OUTPUTS) if outputs is None else ([outputs] if isinstance(outputs, str) else list(outputs))
    unknown = [n for n in names if n not in county.columns]
    if unknown:
        raise ValueError(f"outputs: found {unknown}; allowed: county metrics {', '.join(OUTPUTS)}")
    row = county.loc[year]
    result = {n: float(row[n]) for n in names}
    upto = county.loc[:year]
    for n in names:
        if n.startswith("fiscal_"):
            result[f"{n}_cum"] = float(upto[n].sum())
    return result
