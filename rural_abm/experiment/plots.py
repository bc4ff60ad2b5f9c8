"""Figures of a batch (matplotlib, Agg backend; readable in print: line styles and markers
as well as colours, 10-pt text or larger).

* :func:`timeseries_figure`: each variant's mean over replications with its
  95% band (t-interval of the mean), one panel per sweep point;
* :func:`forest_figure`: each variant's effect at the effect year, paired 95%
  CI (thick) beside the unpaired Welch 95% CI (thin, grey);
* :func:`response_figure`: outputs at the effect year against a swept value.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402
import pandas as pd  # noqa: E402

from rural_abm.model.metrics import COUNTY_METRICS  # noqa: E402

from .analysis import run_order  # noqa: E402

STYLES = ["-", "--", "-.", ":"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
RC = {"font.size": 10, "axes.titlesize": 11, "axes.labelsize": 10, "legend.fontsize": 9, "figure.dpi": 110}
MAX_PANELS = 6


def _style(i: int) -> dict:
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return {"color": colours[i % len(colours)], "linestyle": STYLES[i % len(STYLES)], "marker": MARKERS[i % len(MARKERS)]}


def _label(output: str) -> str:
    unit = COUNTY_METRICS.get(output, "")
    short = unit.split(":")[0].split("(")[0].strip()
    return f"{output}\n({short})" if short and len(short) < 45 else output


def timeseries_figure(ts: pd.DataFrame, output: str, effect_year: int, variants: list, points: list):
    """Mean and 95% band of ``output`` per variant over the years; one panel per sweep point."""
    shown = points[:MAX_PANELS]
    with plt.rc_context(RC):
        n = len(shown)
        cols = min(n, 3)
        rows = math.ceil(n / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.4 * rows + 0.6), squeeze=False, sharey=True)
        for ax, point in zip(axes.flat, shown):
            sub = ts[(ts["output"] == output) & (ts["point"] == point)]
            for i, v in enumerate(variants):
                d = sub[sub["variant"] == v].sort_values("year")
                if d.empty:
                    continue
                st = _style(i)
                ax.plot(d["year"], d["mean"], label=v, color=st["color"], linestyle=st["linestyle"], marker=st["marker"], markersize=3, markevery=max(1, len(d) // 8))
                ax.fill_between(d["year"], d["ci_low"], d["ci_high"], color=st["color"], alpha=0.18, linewidth=0)
            ax.axvline(effect_year, color="0.3", linewidth=0.8, linestyle=":")
            ax.set_title(point or output)
            ax.set_xlabel("year")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.grid(alpha=0.3)
        for ax in axes.flat[n:]:
            ax.set_visible(False)
        axes[0, 0].set_ylabel(_label(output))
        handles, labels = axes[0, 0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 4), frameon=False)
        note = f"; first {MAX_PANELS} of {len(points)} sweep points" if len(points) > MAX_PANELS else ""
        fig.suptitle(f"{output}\nmean over replications, 95% band;\ndotted line: effect year{note}", fontsize=9)
        fig.tight_layout(rect=(0, 0.08 if rows == 1 else 0.05, 1, 0.9))
    return fig


def forest_figure(summary: pd.DataFrame, baseline: str, outputs: list):
    """Effects versus baseline at the effect year: paired 95% CI (thick) and Welch 95% CI (thin grey)."""
    eff = summary[summary["variant"] != baseline]
    rows_per = max(1, eff.groupby("output").size().max() if not eff.empty else 1)
    with plt.rc_context(RC):
        n = len(outputs)
        cols = min(n, 2)
        nrows = math.ceil(n / cols)
        fig, axes = plt.subplots(nrows, cols, figsize=(5.6 * cols, 0.45 * rows_per * nrows + 1.6 * nrows), squeeze=False)
        for ax, out in zip(axes.flat, outputs):
            d = eff[eff["output"] == out].reset_index(drop=True)
            labels = [v if not p else f"{v} | {p}" for v, p in zip(d["variant"], d["point"])]
            y = list(range(len(d)))[::-1]
            ax.hlines(y, d["welch_ci_low"], d["welch_ci_high"], color="0.6", linewidth=1.2, label="unpaired (Welch) 95% CI")
            ax.hlines([k + 0.0 for k in y], d["effect_ci_low"], d["effect_ci_high"], color="k", linewidth=3.2, label="paired 95% CI")
            ax.plot(d["effect"], y, "o", color="white", markeredgecolor="k", markersize=6, label="effect (paired mean)")
            ax.axvline(0, color="0.2", linewidth=0.8, linestyle="--")
            ax.set_yticks(y, labels)
            ax.set_title(f"{out}")
            ax.set_xlabel(f"difference vs {baseline}")
            ax.grid(axis="x", alpha=0.3)
            ax.set_ylim(-0.8, len(d) - 0.2)
        for ax in axes.flat[n:]:
            ax.set_visible(False)
        handles, labels = axes[0, 0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False)
        year = int(summary["effect_year"].iloc[0]) if not summary.empty else ""
        fig.suptitle(f"Effects in {year} versus {baseline}", fontsize=11)
        fig.tight_layout(rect=(0, 0.06, 1, 0.95))
    return fig


def response_figure(summary: pd.DataFrame, sweep_cols: list, outputs: list, variants: list):
    """Mean at the effect year (95% CI of the mean) against the first numeric swept value."""
    numeric = [c for c in sweep_cols if pd.api.types.is_numeric_dtype(summary[c])]
    x = numeric[0] if numeric else sweep_cols[0]
    others = [c for c in sweep_cols if c != x]
    with plt.rc_context(RC):
        n = len(outputs)
        cols = min(n, 3)
        nrows = math.ceil(n / cols)
        fig, axes = plt.subplots(nrows, cols, figsize=(4.6 * cols, 3.5 * nrows + 0.7), squeeze=False)
        for ax, out in zip(axes.flat, outputs):
            d = summary[summary["output"] == out]
            groups = d.groupby(["variant", *others], sort=False) if others else d.groupby("variant", sort=False)
            i = 0
            for key, g in groups:
                key = key if isinstance(key, tuple) else (key,)
                if key[0] not in variants:
                    continue
                g = g.sort_values(x)
                half = pd.Series(g["sd"].to_numpy() / g["n"].clip(lower=1).pow(0.5).to_numpy()) * 1.96
                st = _style(i)
                label = key[0] if not others else f"{key[0]} ({', '.join(f'{c[6:]}={k}' for c, k in zip(others, key[1:]))})"
                ax.errorbar(g[x].to_numpy(), g["mean"].to_numpy(), yerr=half.to_numpy(), capsize=3, label=label, **st)
                i += 1
            ax.set_xlabel(x.removeprefix("sweep_"))
            ax.set_ylabel(_label(out))
            ax.grid(alpha=0.3)
        for ax in axes.flat[n:]:
            ax.set_visible(False)
        handles, labels = axes[0, 0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 3), frameon=False)
        year = int(summary["effect_year"].iloc[0]) if not summary.empty else ""
        fig.suptitle(f"Response at {year} (mean, about 95% CI) over the sweep", fontsize=11)
        fig.tight_layout(rect=(0, 0.1 if nrows == 1 else 0.06, 1, 0.95))
    return fig


def all_figures(summary: pd.DataFrame, ts: pd.DataFrame, manifest: dict) -> dict:
    """Every figure of a batch by file stem."""
    sc = manifest["scenario"]
    points, variants = run_order(manifest)
    figs = {}
    for out in sc["outputs"]:
        figs[f"timeseries_{out}"] = timeseries_figure(ts, out, sc["effect_year"], variants, points)
    if len(variants) > 1:
        figs["effects_forest"] = forest_figure(summary, sc["baseline"], sc["outputs"])
    if manifest.get("sweep_columns"):
        figs["sweep_response"] = response_figure(summary, manifest["sweep_columns"], sc["outputs"], variants)
    return figs
