"""Global sensitivity analysis with SALib: ``rural-abm sensitivity FILE``.

A sensitivity file (YAML) names uncertain parameters with ranges, the
outputs to explain (moments, see rural_abm/experiment/moments.py) and the
county they run on::

    version: 1
    name: sensitivity_default
    description: which parameters drive hollowing-out, income and poverty?
    extends: baseline.yaml            # optional base scenario; parameters:/policy: on top
    variant: baseline                 # which of its variants (default: its baseline)
    parameters: {n_people: 2000}
    uncertain:                        # parameter: [low, high] (uniform)
      choice_sensitivity: [0.5, 2.0]
      urban_wage_growth: [0.0, 0.06]
    outputs:                          # name: moment (a bare name: county value in the last year)
      hollowing: {output: hollowing_index, year: 2030}
      income: income_per_capita_mean
    method: [morris, sobol]           # one or both
    morris: {trajectories: 10, levels: 4}
    sobol: {samples: 32}              # base samples N (a power of 2); N x (parameters + 2) points
    replications: 2                   # per sample point, averaged; every point uses the same seeds
    seed: 1                           # also seeds SALib's sampling and bootstrap

Every sample point is run over the same seeded replications (common random
numbers), so differences between points come from the parameters, not from
the seeds. Points are run on the local process pool or Dask (``--scheduler``)
through the batch runner, in chunks with a progress line each; runs are
stored by content in ``OUT/runs`` so ``--resume`` continues an interrupted
analysis. Writes to ``OUT`` (default ``results/<name>``):
``sensitivity.csv`` (one row per method, output and parameter: Morris mu*,
its 95% interval half-width, sigma, mu; Sobol S1 and ST with interval
half-widths), ``sensitivity.md`` (the same as tables, ranked),
``sensitivity.png`` (bar charts) and ``samples.csv`` (every point and its
outputs).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .evaluate import PointEvaluator, coerce
from .moments import parse_moment
from .scenario import Problem, ScenarioError, _did_you_mean
from .study import StudyError, check_int, check_not_scheduled, is_int, open_study, parse_ranges, read_study

METHODS = ("morris", "sobol")
KEYS = {
    "uncertain": "a mapping of model parameter -> [low, high]",
    "outputs": "a list of county outputs, or a mapping of name -> moment",
    "method": "morris, sobol, or a list of both",
    "morris": "a mapping {trajectories: integer >= 2, levels: even integer >= 2}",
    "sobol": "a mapping {samples: a power of 2 >= 4}",
    "chunk": "points per batch, an integer >= 1 (progress is reported per batch)",
}


@dataclass
class Sensitivity:
    """A validated sensitivity file."""

    name: str
    description: str
    source: str
    scenario: object
    variant: str
    uncertain: dict  # name -> (low, high)
    outputs: dict  # name -> Moment
    methods: list
    trajectories: int = 10
    levels: int = 4
    samples: int = 32
    chunk: int = 64
    document: dict = field(default_factory=dict)

    def problem(self) -> dict:
        """The SALib problem definition."""
        return {"num_vars": len(self.uncertain), "names": list(self.uncertain), "bounds": [list(b) for b in self.uncertain.values()]}


def _mapping(doc: dict, key: str, allowed: set, label: str, problems: list[Problem]) -> dict:
    body = doc.get(key) or {}
    if not isinstance(body, dict):
        problems.append(Problem(label, key, body, KEYS[key]))
        return {}
    for k in body:
        if k not in allowed:
            problems.append(Problem(label, f"{key}.{k}", body[k], KEYS[key], _did_you_mean(k, allowed)))
    return body


def load_sensitivity(source, overrides=None) -> Sensitivity:
    """A validated :class:`Sensitivity` from a file path or a dict; raises ScenarioError naming every problem."""
    problems: list[Problem] = []
    head = read_study(source, overrides, KEYS, problems, default_replications=2)
    doc, label = head.doc, head.label
    uncertain = parse_ranges(doc.get("uncertain"), "uncertain", label, problems)
    check_not_scheduled(head, uncertain, "uncertain", problems)
    if len(uncertain) == 1:
        problems.append(Problem(label, "uncertain", list(uncertain), "at least two parameters (a sensitivity analysis ranks them)"))
    outputs = {}
    raw = doc.get("outputs")
    if isinstance(raw, list) and raw:
        raw = {o if isinstance(o, str) else f"output {i}": o for i, o in enumerate(raw)}
    if not isinstance(raw, dict) or not raw:
        problems.append(Problem(label, "outputs", raw, KEYS["outputs"]))
        raw = {}
    if head.scenario is not None:
        for name, spec in raw.items():
            moment = parse_moment(spec, label, f"outputs.{name}", head.years, head.years[1], problems)
            if moment is not None:
                outputs[str(name)] = moment
    methods = doc.get("method", ["morris"])
    methods = [methods] if isinstance(methods, str) else methods
    if not isinstance(methods, list) or not methods or any(m not in METHODS for m in methods):
        problems.append(Problem(label, "method", doc.get("method"), KEYS["method"]))
        methods = ["morris"]
    morris = _mapping(doc, "morris", {"trajectories", "levels"}, label, problems)
    sobol = _mapping(doc, "sobol", {"samples"}, label, problems)
    trajectories = check_int(morris, "trajectories", 2, 100000, 10, f"{KEYS['morris']}", label, problems)
    levels = check_int(morris, "levels", 2, 1000, 4, KEYS["morris"], label, problems)
    if levels % 2:
        problems.append(Problem(label, "morris.levels", levels, "an even integer >= 2"))
    samples = sobol.get("samples", 32)
    if not is_int(samples) or samples < 4 or samples & (samples - 1):
        problems.append(Problem(label, "sobol.samples", samples, "a power of 2 >= 4 (Sobol' sequences are balanced at powers of 2)"))
        samples = 32
    chunk = check_int(doc, "chunk", 1, 1000000, 64, KEYS["chunk"], label, problems)
    if problems:
        raise ScenarioError(problems)
    return Sensitivity(head.name, head.description, label, head.scenario, head.variant, uncertain, outputs,
                       list(dict.fromkeys(methods)), trajectories, levels, int(samples), chunk, doc)  # fmt: skip


# ---------------------------------------------------------------- running
def samples(sa: Sensitivity, method: str, seed: int) -> np.ndarray:
    """SALib's sample matrix (points x parameters) for ``method``."""
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    if method == "morris":
        return morris_sample.sample(sa.problem(), sa.trajectories, num_levels=sa.levels, seed=seed)
    return sobol_sample.sample(sa.problem(), sa.samples, calc_second_order=False, seed=seed)


def evaluate(sa: Sensitivity, evaluator: PointEvaluator, X: np.ndarray, stream=None, label: str = "") -> np.ndarray:
    """Output means over replications at every row of ``X`` (rows x outputs), in chunks with progress."""
    Y = np.full((len(X), len(sa.outputs)), np.nan)
    started = time.monotonic()
    for lo in range(0, len(X), sa.chunk):
        rows = X[lo : lo + sa.chunk]
        points = [{n: coerce(n, v) for n, v in zip(sa.uncertain, row)} for row in rows]
        for i, (county, village) in enumerate(evaluator.frames(points)):
            for j, moment in enumerate(sa.outputs.values()):
                v = moment.values(county, village)
                v = v[np.isfinite(v)]
                Y[lo + i, j] = v.mean() if len(v) else np.nan
        if stream is not None:
            done = min(lo + sa.chunk, len(X))
            elapsed = time.monotonic() - started
            left = elapsed / done * (len(X) - done)
            stream.write(f"sensitivity: {label}: points {done}/{len(X)} ({evaluator.runs_computed} runs simulated so far), "
                         f"{elapsed:.0f} s, about {left:.0f} s left\n")  # fmt: skip
            stream.flush()
    return Y


def analyse(sa: Sensitivity, method: str, X: np.ndarray, Y: np.ndarray, seed: int) -> pd.DataFrame:
    """One row per output and parameter with the method's indices."""
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    rows = []
    for j, output in enumerate(sa.outputs):
        y = Y[:, j]
        if not np.all(np.isfinite(y)):
            raise StudyError(f"output {output!r} is undefined (NaN) at {int((~np.isfinite(y)).sum())} sample point(s); choose a moment defined everywhere")
        if method == "morris":
            res = morris_analyze.analyze(sa.problem(), X, y, num_levels=sa.levels, seed=seed)
            for i, name in enumerate(sa.uncertain):
                rows.append({"method": "morris", "output": output, "parameter": name, "mu_star": res["mu_star"][i],
                             "mu_star_conf": res["mu_star_conf"][i], "sigma": res["sigma"][i], "mu": res["mu"][i]})  # fmt: skip
        else:
            res = sobol_analyze.analyze(sa.problem(), y, calc_second_order=False, seed=seed)
            for i, name in enumerate(sa.uncertain):
                rows.append({"method": "sobol", "output": output, "parameter": name, "S1": res["S1"][i],
                             "S1_conf": res["S1_conf"][i], "ST": res["ST"][i], "ST_conf": res["ST_conf"][i]})  # fmt: skip
    return pd.DataFrame(rows)


def markdown(sa: Sensitivity, table: pd.DataFrame, seconds: float) -> str:
    """Ranked tables per method and output, and a one-line reading of each."""
    lines = [f"Sensitivity of `{sa.source}` ({', '.join(sa.methods)}; {sa.scenario.replications} replication(s) a point, "
             f"{seconds:.0f} s). Ranges: " + ", ".join(f"`{k}` [{lo:g}, {hi:g}]" for k, (lo, hi) in sa.uncertain.items()), ""]  # fmt: skip
    for (method, output), g in table.groupby(["method", "output"], sort=False):
        col = "ST" if method == "sobol" else "mu_star"
        g = g.sort_values(col, ascending=False)
        lines += [f"**{output}** ({sa.outputs[output].label()}), {method}:", ""]
        if method == "morris":
            lines += ["| parameter | mu* | 95% +/- | sigma | mu |", "|---|---|---|---|---|"]
            lines += [f"| {r.parameter} | {r.mu_star:.4g} | {r.mu_star_conf:.3g} | {r.sigma:.4g} | {r.mu:+.4g} |" for r in g.itertuples()]
        else:
            lines += ["| parameter | ST | 95% +/- | S1 | 95% +/- |", "|---|---|---|---|---|"]
            lines += [f"| {r.parameter} | {r.ST:.3f} | {r.ST_conf:.3f} | {r.S1:.3f} | {r.S1_conf:.3f} |" for r in g.itertuples()]
        lines.append("")
    return "\n".join(lines)


def bar_chart(sa: Sensitivity, table: pd.DataFrame, path: Path) -> Path:
    """One panel per method and output: the index of each parameter with its 95% interval, largest first."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = list(table.groupby(["method", "output"], sort=False))
    cols = len(sa.outputs)
    rows = len(sa.methods)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 0.45 * len(sa.uncertain) * rows + 1.6 * rows), squeeze=False)
    for (method, output), g in groups:
        ax = axes[sa.methods.index(method), list(sa.outputs).index(output)]
        col, conf = ("ST", "ST_conf") if method == "sobol" else ("mu_star", "mu_star_conf")
        g = g.sort_values(col)
        y = np.arange(len(g))
        ax.barh(y, g[col], xerr=g[conf], color="tab:blue" if method == "morris" else "tab:orange", alpha=0.85, capsize=2, label=col)
        if method == "sobol":
            ax.barh(y, g["S1"], height=0.35, color="tab:red", alpha=0.9, label="S1")
            ax.legend(fontsize=7, loc="lower right")
        ax.set_yticks(y, g["parameter"], fontsize=8)
        ax.set_title(f"{output}: {'Morris mu*' if method == 'morris' else 'Sobol ST (S1 inside)'}", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
        ax.tick_params(axis="x", labelsize=8)
        ax.xaxis.set_major_locator(plt.MaxNLocator(4))  # few ticks: large mu* values must not run together
        ax.set_xlabel("mean |elementary effect| (output's unit)" if method == "morris" else "share of output variance", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


@dataclass
class SensitivityResult:
    out: Path
    table: pd.DataFrame
    samples: pd.DataFrame
    figure: Path
    seconds: float
    runs_computed: int


def run_sensitivity(sa: Sensitivity, out, *, resume: bool = False, workers: int | None = None, scheduler: str | None = None,
                    progress: bool = True, stream=None) -> SensitivityResult:  # fmt: skip
    """Sample, run, analyse; write sensitivity.csv/.md/.png and samples.csv to ``out``."""
    out, evaluator, stream = open_study(sa.scenario, sa.variant, out, "runs", "sensitivity", resume, workers, scheduler, progress, stream)
    seed = sa.scenario.seed % 2**32
    started = time.monotonic()
    tables, sample_frames = [], []
    for method in sa.methods:
        X = samples(sa, method, seed)
        if stream is not None:
            stream.write(f"sensitivity: {method}: {len(X)} points x {sa.scenario.replications} replication(s) over {len(sa.uncertain)} parameters\n")
        Y = evaluate(sa, evaluator, X, stream, method)
        tables.append(analyse(sa, method, X, Y, seed))
        frame = pd.DataFrame(X, columns=list(sa.uncertain))
        frame.insert(0, "method", method)
        sample_frames.append(pd.concat([frame, pd.DataFrame(Y, columns=list(sa.outputs))], axis=1))
    seconds = time.monotonic() - started
    table = pd.concat(tables, ignore_index=True)
    sample_table = pd.concat(sample_frames, ignore_index=True)
    table.to_csv(out / "sensitivity.csv", index=False)
    sample_table.to_csv(out / "samples.csv", index=False)
    (out / "sensitivity.md").write_text(markdown(sa, table, seconds), encoding="utf-8")
    figure = bar_chart(sa, table, out / "sensitivity.png")
    if stream is not None:
        stream.write(f"sensitivity: done in {seconds:.0f} s ({evaluator.runs_computed} runs simulated) -> {out / 'sensitivity.md'}, {figure}\n")
    return SensitivityResult(out, table, sample_table, figure, seconds, evaluator.runs_computed)


__all__ = ["Sensitivity", "SensitivityResult", "analyse", "load_sensitivity", "run_sensitivity", "samples"]
