"""Effects with confidence intervals: summary.csv and the time-series file.

Everything here reads only the tidy results table and the manifest (the
scenario as resolved), so ``rural-abm report DIR`` can redo it at any time,
also for other readings (``--effect-year``, ``--window``).

For each reading (the effect year, then each of ``effect_windows``; see
readings.py: a year, the mean over a window, or a ``<metric>_cum`` sum),
variant, sweep point and output:

* ``mean``, ``sd``: over replications;
* ``effect`` = mean of the per-replication differences variant - baseline
  (replication r of both shares its seeds: common random numbers), with a
  95% t-interval on those differences (``effect_ci_low``/``high``);
* ``welch_ci_low``/``high``: the unpaired (Welch) 95% interval of the
  difference of means, on the same runs, for comparison (not for the
  baseline against itself), and ``ci_width_ratio`` = Welch width / paired width;
* ``relative_change`` = effect / baseline mean;
* ``cost_cum``: fiscal_total summed from the first simulated year to the
  reading's last year (mean over replications, RMB);
  ``extra_cost_cum``: the same minus the baseline's (paired);
* ``unit``: the natural unit of the effect (outcomes.py; shares are stored as
  shares and shown in percentage points);
  ``cost_per_gain``: extra_cost_cum per unit of gain in that unit (RMB per
  ``gain_unit``, for instance per "household kept out of poverty"), only where
  the whole 95% interval of the effect lies on the wanted side of 0 and the
  extra cost is positive; empty otherwise.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from .outcomes import cost_per_gain, gain_phrase, unit
from .readings import Reading, cost_to, metric_of, parse_reading, read_table

SUMMARY_COLUMNS = (
    "n", "mean", "sd", "baseline_mean", "effect", "effect_se", "effect_ci_low", "effect_ci_high",
    "welch_ci_low", "welch_ci_high", "ci_width_ratio", "relative_change", "cost_cum", "extra_cost_cum",
    "unit", "cost_per_gain", "gain_unit",
)  # fmt: skip


def _t_half(sd: float, n: int, level: float = 0.95) -> float:
    if n < 2 or not np.isfinite(sd):
        return math.nan
    return float(stats.t.ppf(0.5 + level / 2, n - 1) * sd / math.sqrt(n))


def paired_ci(diffs: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float]:
    """(mean, se, low, high) of the mean of paired differences (t-interval)."""
    d = np.asarray(diffs, float)
    n = len(d)
    m = float(d.mean()) if n else math.nan
    sd = float(d.std(ddof=1)) if n > 1 else math.nan
    half = _t_half(sd, n, level)
    return m, (sd / math.sqrt(n) if n > 1 else math.nan), m - half, m + half


def welch_ci(x: np.ndarray, y: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Welch (unequal variances) interval of mean(x) - mean(y)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    nx, ny = len(x), len(y)
    if nx < 2 or ny < 2:
        return math.nan, math.nan
    vx, vy = x.var(ddof=1) / nx, y.var(ddof=1) / ny
    diff = x.mean() - y.mean()
    se = math.sqrt(vx + vy)
    if se == 0:
        return float(diff), float(diff)
    df = (vx + vy) ** 2 / (vx**2 / (nx - 1) + vy**2 / (ny - 1))
    half = stats.t.ppf(0.5 + level / 2, df) * se
    return float(diff - half), float(diff + half)


def _meta(manifest: dict) -> tuple:
    sc = manifest["scenario"]
    return sc, sc["baseline"], list(sc["outputs"]), list(manifest.get("sweep_columns", []))


def readings_of(sc: dict) -> list[Reading]:
    """The scenario's readings: the effect year, then its effect windows (resolved scenario dict)."""
    found = [parse_reading(sc["effect_year"]), *(parse_reading(w) for w in sc.get("effect_windows", []))]
    return list(dict.fromkeys(found))


def yearly_metrics(outputs: list) -> list:
    """The county metrics behind outputs, once each, in order."""
    return list(dict.fromkeys(metric_of(o) for o in outputs))


def run_order(manifest: dict) -> tuple[list, list]:
    """Sweep points and variants in scenario order."""
    points, variants = [], []
    for r in manifest["runs"]:
        if r["point"] not in points:
            points.append(r["point"])
        if r["variant"] not in variants:
            variants.append(r["variant"])
    return points, variants


def _county(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["scope"] == "county"]


def _point_values(table: pd.DataFrame, sweep_cols: list) -> dict:
    if not sweep_cols:
        return {}
    first = table.drop_duplicates("point").set_index("point")
    return {p: {c: first.at[p, c] for c in sweep_cols} for p in first.index}


def summarise(table: pd.DataFrame, manifest: dict) -> pd.DataFrame:
    """summary.csv: one row per reading x sweep point x variant x output (see module doc)."""
    sc, base, outputs, sweep_cols = _meta(manifest)
    points, variants = run_order(manifest)
    county = _county(table)
    by = ["variant", "point", "replication"]
    pvals = _point_values(table, sweep_cols)
    rows = []
    for reading in readings_of(sc):
        cost = cost_to(county, reading, by).sort_index()
        for out in outputs:
            vals = read_table(county, out, reading, sc["start_year"], by).sort_index()
            for point in points:
                for variant in variants:
                    row = _row(vals, cost, variant, base, point, out)
                    if row is not None:
                        rows.append({"variant": variant, "point": point, **pvals.get(point, {}), "output": out, "reading": reading.label,
                                     "first_year": reading.first, "last_year": reading.last, **row})  # fmt: skip
    cols = ["variant", "point", *sweep_cols, "output", "reading", "first_year", "last_year", *SUMMARY_COLUMNS]
    return pd.DataFrame(rows, columns=cols)


def _row(vals: pd.Series, cost: pd.Series, variant: str, base: str, point: str, out: str) -> dict | None:
    """The summary columns of one variant, sweep point and output in one reading (None without runs)."""
    try:
        x, b = vals.loc[(variant, point)], vals.loc[(base, point)]
    except KeyError:
        return None
    pair = pd.concat([x, b], axis=1, join="inner").to_numpy()
    eff, se, lo, hi = paired_ci(pair[:, 0] - pair[:, 1])
    wlo, whi = welch_ci(x.to_numpy(), b.to_numpy()) if variant != base else (math.nan, math.nan)
    try:
        cv, cb = cost.loc[(variant, point)], cost.loc[(base, point)]
        both = pd.concat([cv, cb], axis=1, join="inner").to_numpy()
        cost_cum, extra = float(cv.mean()), float((both[:, 0] - both[:, 1]).mean())
    except KeyError:
        cost_cum = extra = math.nan
    bmean = float(b.mean())
    width = hi - lo
    per_gain = cost_per_gain(extra, eff, lo, hi, out) if variant != base else math.nan
    return {
        "n": len(x),
        "mean": float(x.mean()),
        "sd": float(x.std(ddof=1)) if len(x) > 1 else math.nan,
        "baseline_mean": bmean,
        "effect": eff,
        "effect_se": se,
        "effect_ci_low": lo,
        "effect_ci_high": hi,
        "welch_ci_low": wlo,
        "welch_ci_high": whi,
        "ci_width_ratio": (whi - wlo) / width if width > 0 else math.nan,
        "relative_change": eff / bmean if bmean != 0 else math.nan,
        "cost_cum": cost_cum,
        "extra_cost_cum": extra,
        "unit": unit(out),
        "cost_per_gain": per_gain,
        "gain_unit": gain_phrase(out) if per_gain == per_gain else "",
    }


def timeseries(table: pd.DataFrame, manifest: dict) -> pd.DataFrame:
    """Means over replications per year with 95% bands (CI of the mean, and 2.5-97.5% of runs),
    and the paired effect versus baseline with its 95% CI, for the yearly metric of every reported
    output (``return_to_poverty`` for ``return_to_poverty_cum``)."""
    sc, base, outputs, sweep_cols = _meta(manifest)
    outputs = yearly_metrics(outputs)
    points, variants = run_order(manifest)
    county = _county(table)
    county = county[county["metric"].isin(outputs)]
    wide = county.pivot_table(index=["point", "metric", "year", "replication"], columns="variant", values="value", aggfunc="first")
    pvals = _point_values(table, sweep_cols)
    rows = []
    for (point, metric, year), grp in wide.groupby(level=["point", "metric", "year"], sort=False):
        for variant in variants:
            if variant not in grp:
                continue
            x = grp[variant].dropna().to_numpy()
            n = len(x)
            if n == 0:
                continue
            mean = float(x.mean())
            sd = float(x.std(ddof=1)) if n > 1 else math.nan
            half = _t_half(sd, n)
            d = (grp[variant] - grp[base]).dropna().to_numpy() if base in grp else np.array([])
            eff, _, elo, ehi = paired_ci(d) if len(d) else (math.nan,) * 4
            rows.append(
                {
                    "variant": variant, "point": point, **pvals.get(point, {}), "output": metric, "year": int(year),
                    "n": n, "mean": mean, "sd": sd, "ci_low": mean - half, "ci_high": mean + half,
                    "p025": float(np.quantile(x, 0.025)), "p975": float(np.quantile(x, 0.975)),
                    "effect": eff, "effect_ci_low": elo, "effect_ci_high": ehi,
                }
            )  # fmt: skip
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    order_p = {p: i for i, p in enumerate(points)}
    order_v = {v: i for i, v in enumerate(variants)}
    order_o = {o: i for i, o in enumerate(outputs)}
    df = df.sort_values(
        ["point", "variant", "output", "year"],
        key=lambda s: s.map({"point": order_p, "variant": order_v, "output": order_o}.get(s.name, {})) if s.name != "year" else s,
    )
    return df.reset_index(drop=True)
