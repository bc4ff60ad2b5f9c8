"""Calibration by simulated method of moments: ``rural-abm calibrate FILE``.

A calibration file (YAML) names the parameters to fit with their ranges, the
targets (moments of the model's outputs with published values and
tolerances), and the county they are fitted on::

    version: 1
    name: calibrate_county
    description: the default county to the NBS 2015-2024 series
    extends: baseline.yaml            # optional base scenario (relative to this file)
    variant: baseline                 # which of its variants the fit runs (default: its baseline)
    contrast: null                    # optional variant that should NOT reach the targets (checked)
    parameters: {n_people: 2000}      # fixed model parameters on top of the base (and policy:)
    fit:                              # parameter: [low, high]
      urban_wage_growth: [0.0, 0.08]
    targets:
      - name: real rural income growth 2015-2024
        output: income_per_capita_mean          # any moment, see rural_abm/experiment/moments.py
        statistic: growth
        years: [2015, 2024]
        value: 0.064                            # the published figure
        tolerance: 0.01                         # pass if |simulated mean - value| <= tolerance
        side: both                              # or at_least / at_most (one-sided targets)
        source: NBS statistical communiques
    replications: 4                   # seeded replications per evaluated point (common random numbers)
    seed: 1
    method: differential_evolution    # or nelder_mead
    max_generations: 20               # differential evolution (max_evaluations for Nelder-Mead)
    population: 6                     # differential evolution: points per generation = population x parameters
    budget: 600                       # seconds of optimisation at most (--budget)
    check_replications: 10            # the fit table's runs (fresh seeds: check_seed, default seed + 1)
    fitted: null                      # optional path (relative to this file) for the fitted scenario file

The objective is the sum over targets of ((simulated mean - value) /
tolerance)^2 (for one-sided targets only the wrong side counts): each target
weighs by the inverse square of its tolerance. Every point is run over the
same seeded replications, so differences between points are not noise
between seeds. Runs are stored by content in ``OUT/evaluations``; the
optimisers are seeded, so a rerun with ``--resume`` replays the path already
taken from the store (no model runs) and goes on from where it stopped.

Writes to ``OUT`` (default ``results/<name>``): ``fitted.yaml`` (a scenario
file with the fitted values that other scenarios can ``extends:``),
``fit_table.csv`` / ``fit_table.md`` (each target: the simulated mean over
fresh seeded replications with its 95% interval, error, pass or fail against
the tolerance, and the contrast variant's numbers), ``identification.csv``
(how far each target moves when a fitted parameter moves by 10% of its range:
parameters that move no target are not pinned down by these targets) and
``evaluations.csv`` (every evaluated point, in order).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import optimize, stats

from rural_abm.model import registry

from . import store
from .evaluate import PointEvaluator, coerce, section_of
from .moments import Moment, parse_moment
from .scenario import Problem, Scenario, ScenarioError, _did_you_mean, canonical_json
from .study import StudyError, check_int, check_not_scheduled, is_num, open_study, parse_ranges, read_study

METHODS = ("differential_evolution", "nelder_mead")
SIDES = ("both", "at_least", "at_most")
KEYS = {
    "contrast": "the name of another variant of the base scenario (or null)",
    "fit": "a mapping of model parameter -> [low, high]",
    "targets": "a non-empty list of targets",
    "method": "one of " + ", ".join(METHODS),
    "max_generations": "an integer >= 1 (differential evolution)",
    "max_evaluations": "an integer >= 1 (Nelder-Mead)",
    "population": "an integer >= 2 (differential evolution)",
    "budget": "seconds, a number > 0 (or null: no limit)",
    "check_replications": "an integer in [2, 10000]",
    "check_seed": "an integer in [0, 2**63)",
    "fitted": "a path for the fitted scenario file, relative to this file (or null)",
}
TARGET_KEYS = {"name", "value", "tolerance", "side", "source", "note"}
NAN_PENALTY = 1.0e3  # error (in tolerances) of a target whose moment is undefined at a point


class BudgetReached(Exception):
    """The time budget is spent; the best point so far is the result."""


# ---------------------------------------------------------------- the file
@dataclass(frozen=True)
class Target:
    """A published figure the model should reproduce: a moment, a value and a tolerance."""

    name: str
    moment: Moment
    value: float
    tolerance: float
    side: str = "both"
    source: str = ""
    note: str = ""

    def error(self, mean: float) -> float:
        """Signed error in tolerances; 0 on the right side of a one-sided target."""
        if not np.isfinite(mean):
            return NAN_PENALTY
        e = (mean - self.value) / self.tolerance
        if self.side == "at_least":
            return min(e, 0.0)
        if self.side == "at_most":
            return max(e, 0.0)
        return e

    def passes(self, mean: float) -> bool:
        return bool(np.isfinite(mean)) and abs(self.error(mean)) <= 1.0


@dataclass
class Calibration:
    """A validated calibration file."""

    name: str
    description: str
    source: str
    scenario: Scenario  # the base: fixed parameters, policy, variants, replications, seed
    variant: str
    contrast: str | None
    fit: dict  # name -> (low, high)
    targets: list
    method: str = "differential_evolution"
    max_generations: int = 20
    max_evaluations: int = 100
    population: int = 6
    budget: float | None = None
    check_replications: int = 10
    check_seed: int = 0
    fitted_path: Path | None = None
    document: dict = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return list(self.fit)

    def start_point(self) -> np.ndarray:
        """The base value of each fitted parameter (variant, then scenario, then default), clipped into its range."""
        kw = self.scenario.params_for(self.variant, ())
        reg = registry()
        out = []
        for name, (lo, hi) in self.fit.items():
            value = kw.get(name, reg[name].default)
            value = value if isinstance(value, (int, float)) and not isinstance(value, bool) else (lo + hi) / 2
            out.append(min(max(float(value), lo), hi))
        return np.array(out)

    def point(self, x) -> dict:
        return {name: coerce(name, v) for name, v in zip(self.fit, x)}


def _parse_targets(body, label: str, years: tuple[int, int], problems: list[Problem]) -> list[Target]:
    targets = []
    if not isinstance(body, list) or not body:
        problems.append(Problem(label, "targets", body, KEYS["targets"]))
        return targets
    seen = set()
    for i, spec in enumerate(body):
        where = f"targets[{i}]"
        if not isinstance(spec, dict):
            problems.append(Problem(label, where, spec, "a mapping with name, value, tolerance and a moment (output, year(s), ...)"))
            continue
        n_before = len(problems)
        name = spec.get("name")
        if not isinstance(name, str) or not name.strip() or name in seen:
            problems.append(Problem(label, f"{where}.name", name, "a non-empty name, unique among the targets"))
        seen.add(name)
        value, tol, side = spec.get("value"), spec.get("tolerance"), spec.get("side", "both")
        if not is_num(value):
            problems.append(Problem(label, f"{where}.value", value, "a number: the published figure"))
        if not is_num(tol) or tol <= 0:
            problems.append(Problem(label, f"{where}.tolerance", tol, "a number > 0, in the target's unit"))
        if side not in SIDES:
            problems.append(Problem(label, f"{where}.side", side, "one of " + ", ".join(SIDES), _did_you_mean(side, SIDES)))
        for key in ("source", "note"):
            if key in spec and not isinstance(spec[key], str):
                problems.append(Problem(label, f"{where}.{key}", spec[key], "a string"))
        moment_spec = {k: v for k, v in spec.items() if k not in TARGET_KEYS}
        moment = parse_moment(moment_spec, label, where, years, years[1], problems)
        if len(problems) == n_before and moment is not None:
            targets.append(Target(name.strip(), moment, float(value), float(tol), side, spec.get("source", ""), spec.get("note", "")))
    return targets


def load_calibration(source, overrides=None) -> Calibration:
    """A validated :class:`Calibration` from a file path or a dict; raises ScenarioError naming every problem.

    ``overrides``: [(key, value)] applied to the document first: a top-level
    key (``budget``, ``replications``, ...) or a model parameter name.
    """
    problems: list[Problem] = []
    head = read_study(source, overrides, KEYS, problems, default_replications=4)
    doc, label = head.doc, head.label
    fit = parse_ranges(doc.get("fit"), "fit", label, problems)
    check_not_scheduled(head, fit, "fit", problems)
    targets, contrast = [], doc.get("contrast")
    if head.scenario is not None:
        if contrast is not None and (contrast not in head.scenario.variants or contrast == head.variant):
            others = ", ".join(v for v in head.scenario.variants if v != head.variant) or "(none)"
            problems.append(Problem(label, "contrast", contrast, "another variant of the base scenario: " + others))
        targets = _parse_targets(doc.get("targets"), label, head.years, problems)
    method = doc.get("method", "differential_evolution")
    if method not in METHODS:
        problems.append(Problem(label, "method", method, KEYS["method"], _did_you_mean(method, METHODS)))
    budget = doc.get("budget")
    if budget is not None and (not is_num(budget) or budget <= 0):
        problems.append(Problem(label, "budget", budget, KEYS["budget"]))
        budget = None
    fitted = doc.get("fitted")
    if fitted is not None and (not isinstance(fitted, str) or not fitted.strip()):
        problems.append(Problem(label, "fitted", fitted, KEYS["fitted"]))
        fitted = None

    def count(key, lo, hi, default):
        return check_int(doc, key, lo, hi, default, KEYS[key], label, problems)

    check_reps, check_seed = count("check_replications", 2, 10000, 10), count("check_seed", 0, 2**63 - 1, doc["seed"] + 1)
    max_gen, max_eval, population = count("max_generations", 1, 100000, 20), count("max_evaluations", 1, 1000000, 100), count("population", 2, 1000, 6)
    if problems:
        raise ScenarioError(problems)
    return Calibration(
        name=head.name, description=head.description, source=label, scenario=head.scenario, variant=head.variant,
        contrast=contrast, fit=fit, targets=targets, method=method, max_generations=max_gen, max_evaluations=max_eval,
        population=population, budget=None if budget is None else float(budget), check_replications=check_reps,
        check_seed=check_seed, fitted_path=None if fitted is None or head.path is None else head.path.parent / fitted, document=doc,
    )  # fmt: skip


# ---------------------------------------------------------------- the objective
def target_means(targets: list[Target], frames) -> np.ndarray:
    """Mean over replications of every target's moment (NaN where undefined in every replication)."""
    county, village = frames
    out = []
    for t in targets:
        v = t.moment.values(county, village)
        v = v[np.isfinite(v)]
        out.append(float(v.mean()) if len(v) else np.nan)
    return np.array(out)


def objective(targets: list[Target], means: np.ndarray) -> float:
    """Sum of squared errors in tolerances (the simulated-method-of-moments distance, diagonal weights)."""
    return float(sum(t.error(m) ** 2 for t, m in zip(targets, means)))


@dataclass
class Search:
    """The optimiser's side: evaluates points in batches, logs them, keeps the best, watches the budget."""

    cal: Calibration
    evaluator: PointEvaluator
    budget: float | None
    stream: object = None
    log: list = field(default_factory=list)
    batches: int = 0
    started: float = field(default_factory=time.monotonic)

    def objectives(self, xs) -> list[float]:
        xs = [np.asarray(x, float) for x in xs]
        if self.batches and self.budget is not None and time.monotonic() - self.started > self.budget:
            raise BudgetReached
        points = [self.cal.point(x) for x in xs]
        before = self.evaluator.runs_computed
        frames = self.evaluator.frames(points)
        self.batches += 1
        values = []
        for point, fr in zip(points, frames):
            means = target_means(self.cal.targets, fr)
            value = objective(self.cal.targets, means)
            self.log.append({"evaluation": len(self.log) + 1, "batch": self.batches, **point, "objective": value,
                             **{f"mean: {t.name}": m for t, m in zip(self.cal.targets, means)}})  # fmt: skip
            values.append(value)
        self._progress(len(points), self.evaluator.runs_computed - before)
        return values

    def map(self, _func, xs) -> list[float]:
        """Map-like callable for differential evolution's ``workers``: one batch per generation."""
        return self.objectives(list(xs))

    @property
    def best(self) -> dict:
        return min(self.log, key=lambda row: row["objective"])

    def _progress(self, n_points: int, new_runs: int) -> None:
        if self.stream is None:
            return
        best = self.best
        values = ", ".join(f"{k}={_fmt(best[k])}" for k in self.cal.fit)
        spent = time.monotonic() - self.started
        budget = f" of budget {self.budget:.0f} s" if self.budget is not None else ""
        self.stream.write(
            f"calibrate: batch {self.batches}: {n_points} point(s), {new_runs} new run(s); evaluations {len(self.log)}; "
            f"best objective {best['objective']:.4g} at {values}; {spent:.0f} s{budget}\n"
        )
        self.stream.flush()


def _fmt(v) -> str:
    return f"{v:.4g}" if isinstance(v, float) else str(v)


def optimise(cal: Calibration, search: Search) -> str:
    """Run the file's optimiser through ``search``; return how it stopped."""
    bounds = list(cal.fit.values())
    x0 = cal.start_point()
    try:
        if cal.method == "differential_evolution":
            ints = np.array([registry()[n].kind == "int" for n in cal.fit])
            res = optimize.differential_evolution(
                lambda x: search.objectives([x])[0], bounds, maxiter=cal.max_generations, popsize=cal.population,
                seed=cal.scenario.seed, polish=False, updating="deferred", workers=search.map, x0=x0,
                integrality=ints if ints.any() else None,
            )  # fmt: skip
        else:
            lo, hi = np.array(bounds).T
            step = 0.25 * (hi - lo)
            simplex = [x0]
            for i in range(len(x0)):
                vertex = x0.copy()
                vertex[i] = x0[i] + step[i] if x0[i] + step[i] <= hi[i] else x0[i] - step[i]
                simplex.append(vertex)
            res = optimize.minimize(
                lambda x: search.objectives([x])[0], x0, method="Nelder-Mead", bounds=bounds,
                options={"maxfev": cal.max_evaluations, "initial_simplex": np.array(simplex), "xatol": 1e-4, "fatol": 1e-3},
            )  # fmt: skip
    except BudgetReached:
        return "budget spent (rerun with --resume to continue)"
    return "converged" if res.success else f"stopped ({str(res.message).rstrip('.').lower()})"


# ---------------------------------------------------------------- the fit table
def fit_table(cal: Calibration, evaluator: PointEvaluator, point: dict) -> pd.DataFrame:
    """Each target at ``point`` over the check replications: mean, 95% interval, error, pass; and the contrast's."""
    ev = PointEvaluator(cal.scenario, cal.variant, evaluator.store, evaluator.workers, evaluator.scheduler,
                        cal.check_replications, cal.check_seed)  # fmt: skip
    frames = {"fit": ev.frames([point])[0]}
    if cal.contrast:
        frames["contrast"] = PointEvaluator(cal.scenario, cal.contrast, evaluator.store, evaluator.workers, evaluator.scheduler,
                                            cal.check_replications, cal.check_seed).frames([point])[0]  # fmt: skip
    evaluator.runs_computed += ev.runs_computed
    rows = []
    for t in cal.targets:
        row = {"target": t.name, "moment": t.moment.label(), "value": t.value, "side": t.side, "tolerance": t.tolerance}
        for tag, fr in frames.items():
            prefix = "" if tag == "fit" else "contrast_"
            v = t.moment.values(*fr)
            mean, low, high, n = interval(v)
            row.update({f"{prefix}mean": mean, f"{prefix}ci_low": low, f"{prefix}ci_high": high, f"{prefix}n": n})
            if tag == "fit":
                row.update({"error": mean - t.value, "relative_error": (mean - t.value) / t.value if t.value else np.nan, "pass": t.passes(mean)})
            else:
                row["contrast_pass"] = t.passes(mean)
        row["source"] = t.source
        rows.append(row)
    return pd.DataFrame(rows)


def interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of the finite values: a t-interval of the mean."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    n = len(v)
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    mean = float(v.mean())
    if n < 2:
        return mean, np.nan, np.nan, n
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * v.std(ddof=1) / np.sqrt(n))
    return mean, mean - half, mean + half, n


def identification(cal: Calibration, evaluator: PointEvaluator, point: dict, base_means: np.ndarray) -> pd.DataFrame:
    """Change of each target, in tolerances, when one fitted parameter moves by 10% of its range (fitting seeds).

    A parameter whose largest change is well under 1 is not pinned down by the
    targets: moving it across a tenth of its range leaves every target within
    its tolerance.
    """
    moved = []
    for name, (lo, hi) in cal.fit.items():
        step = 0.1 * (hi - lo)
        value = point[name] + step if point[name] + step <= hi else point[name] - step
        moved.append({**point, name: coerce(name, value)})
    frames = evaluator.frames(moved)
    rows = []
    for (name, (lo, hi)), p, fr in zip(cal.fit.items(), moved, frames):
        means = target_means(cal.targets, fr)
        sign = 1.0 if p[name] >= point[name] else -1.0
        change = {t.name: sign * (m - b) / t.tolerance for t, m, b in zip(cal.targets, means, base_means)}
        rows.append({"parameter": name, "step": abs(p[name] - point[name]), **change,
                     "largest_change": float(np.nanmax(np.abs(list(change.values()))))})  # fmt: skip
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- outputs
def fitted_document(cal: Calibration, point: dict, status: str, best: float) -> tuple[str, dict]:
    """The fitted scenario file: a header comment and a scenario holding only the fitted values."""
    doc = {"version": 1, "name": f"{cal.name}_fitted",
           "description": f"Parameters fitted by rural-abm calibrate {cal.source} ({cal.method}; {status}; objective {best:.4g})"}
    for name, value in point.items():
        doc.setdefault(section_of(name), {})[name] = canonical_json(value)
    head = [
        f"# Question: which values of {', '.join(point)} make the model meet the targets of {Path(cal.source).name}?",
        f"# Fitted by rural-abm calibrate {cal.source}: {cal.method}, {status}.",
        f"# Fitted on: {cal.scenario.source}, variant {cal.variant!r}, {cal.scenario.replications} replications, seed {cal.scenario.seed}.",
        "# Targets: " + "; ".join(f"{t.name} = {t.value:g} +/- {t.tolerance:g}" for t in cal.targets),
        "# Other scenarios use these values with  extends: <path to this file>",
    ]
    return "\n".join(head) + "\n" + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), doc


def markdown_table(cal: Calibration, table: pd.DataFrame, point: dict, status: str, ident: pd.DataFrame | None) -> str:
    """The fit table as markdown (with the fitted values and the identification check)."""
    lines = [
        (f"Fit of `{cal.source}` ({cal.method}; {status}). Simulated means over {cal.check_replications} replications "
        f"(seed {cal.check_seed}, not the fitting seeds) with 95% intervals; error = mean - target; "
        "pass: within the tolerance (one-sided targets: on the right side or within it)."),
        "",
        "Fitted: " + ", ".join(f"`{k}` = {_fmt(v)}" for k, v in point.items()),
        "",
    ]
    head = "| target | target value | tolerance | simulated mean [95% CI] | error | pass |"
    sep = "|---|---|---|---|---|---|"
    if cal.contrast:
        head += f" without ({cal.contrast}) [95% CI] | reached without? |"
        sep += "---|---|"
    lines += [head, sep]
    for _, r in table.iterrows():
        side = {"both": "", "at_least": ">= ", "at_most": "<= "}[r["side"]]
        cells = [r["target"], f"{side}{r['value']:.4g}", f"{r['tolerance']:.3g}", f"{r['mean']:.4g} [{r['ci_low']:.4g}, {r['ci_high']:.4g}]",
                 f"{r['error']:+.3g}", "pass" if r["pass"] else "**fail**"]  # fmt: skip
        if cal.contrast:
            cells += [f"{r['contrast_mean']:.4g} [{r['contrast_ci_low']:.4g}, {r['contrast_ci_high']:.4g}]", "**yes**" if r["contrast_pass"] else "no"]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    if ident is not None and len(ident):
        lines += ["", ("Identification: the largest change of any target, in tolerances, when a parameter moves by 10% of its range "
                  "(under 1: no target leaves its tolerance; these targets do not pin the parameter down)."), "",
                  "| parameter | largest change | pinned down? |", "|---|---|---|"]  # fmt: skip
        for _, r in ident.iterrows():
            lines.append(f"| {r['parameter']} | {r['largest_change']:.3g} | {'yes' if r['largest_change'] >= 1 else '**no**'} |")
    return "\n".join(lines) + "\n"


@dataclass
class CalibrationResult:
    out: Path
    point: dict
    objective: float
    status: str
    evaluations: int
    runs_computed: int
    table: pd.DataFrame
    identification: pd.DataFrame
    fitted: list = field(default_factory=list)  # paths of the fitted scenario file


def calibrate(cal: Calibration, out, *, resume: bool = False, budget: float | None = None, workers: int | None = None,
              scheduler: str | None = None, progress: bool = True, stream=None, fitted_path=None) -> CalibrationResult:  # fmt: skip
    """Fit ``cal`` and write fitted.yaml, fit_table.csv/.md, identification.csv and evaluations.csv to ``out``."""
    out, evaluator, stream = open_study(cal.scenario, cal.variant, out, "evaluations", "calibration", resume, workers, scheduler, progress, stream)
    search = Search(cal, evaluator, budget if budget is not None else cal.budget, stream)
    if stream is not None:
        n = max(5, cal.population * len(cal.fit)) if cal.method == "differential_evolution" else 1  # scipy keeps >= 5
        stream.write(f"calibrate: {cal.name}: {len(cal.fit)} parameter(s), {len(cal.targets)} target(s), {cal.method}, "
                     f"{n} point(s) a batch x {cal.scenario.replications} replication(s)\n")  # fmt: skip
    status = optimise(cal, search)
    if not search.log:
        raise StudyError("no point was evaluated")
    best = search.best
    point = {k: best[k] for k in cal.fit}
    pd.DataFrame(search.log).to_csv(out / "evaluations.csv", index=False)
    table = fit_table(cal, evaluator, point)
    base_means = np.array([best[f"mean: {t.name}"] for t in cal.targets])
    ident = identification(cal, evaluator, point, base_means)
    table.to_csv(out / "fit_table.csv", index=False)
    ident.to_csv(out / "identification.csv", index=False)
    (out / "fit_table.md").write_text(markdown_table(cal, table, point, status, ident), encoding="utf-8")
    text, _ = fitted_document(cal, point, status, best["objective"])
    paths = [out / "fitted.yaml"]
    extra = Path(fitted_path) if fitted_path is not None else cal.fitted_path
    if extra is not None:
        paths.append(extra)
    for path in paths:
        store.atomic_write_text(path, text)
    if stream is not None:
        stream.write(f"calibrate: {status}; best objective {best['objective']:.4g} after {len(search.log)} evaluations "
                     f"({evaluator.runs_computed} runs simulated, the rest read back); {int(table['pass'].sum())}/{len(table)} targets pass\n")  # fmt: skip
    return CalibrationResult(out, point, best["objective"], status, len(search.log), evaluator.runs_computed, table, ident, paths)


__all__ = [
    "Calibration",
    "CalibrationResult",
    "Target",
    "calibrate",
    "fit_table",
    "load_calibration",
    "objective",
    "target_means",
]
