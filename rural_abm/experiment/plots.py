"""Figures of a batch (matplotlib, Agg backend; readable in print: line styles and markers
as well as colours, 9-pt text or larger; legends outside the plot area, on as many rows as fit).

* :func:`timeseries_figure`: each variant's mean over replications with a light
  95% band (t-interval of the mean), the baseline in black and on top, the
  readings shaded; one panel per sweep point;
* :func:`forest_figure`: each variant's effect in one reading with its paired
  95% interval, in natural units (percentage points for shares);
* :func:`response_figure`: outputs in the effect year against a swept value;
* :func:`caption`: what to look at in each figure (the report prints it below).
"""

from __future__ import annotations

import math
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter  # noqa: E402
import pandas as pd  # noqa: E402

from rural_abm.model import registry  # noqa: E402
from rural_abm.model.metrics import COUNTY_METRICS  # noqa: E402

from .analysis import readings_of, run_order, yearly_metrics  # noqa: E402
from .outcomes import scale, unit, wanted  # noqa: E402
from .readings import parse_reading  # noqa: E402

STYLES = ["--", "-.", ":", (0, (5, 1, 1, 1))]
MARKERS = ["s", "^", "D", "v", "P", "X", "*", "o"]
RC = {"font.size": 10, "axes.titlesize": 10, "axes.labelsize": 10, "legend.fontsize": 9, "figure.dpi": 110}
MAX_PANELS = 6
BASELINE = {"color": "black", "linestyle": "-", "marker": "o", "linewidth": 2.2, "zorder": 5}
BAND_ALPHA = 0.08


def _style(i: int) -> dict:
    colours = [c for c in plt.rcParams["axes.prop_cycle"].by_key()["color"]]
    return {"color": colours[i % len(colours)], "linestyle": STYLES[i % len(STYLES)], "marker": MARKERS[i % len(MARKERS)], "linewidth": 1.4, "zorder": 3}


def variant_styles(variants: list, baseline: str) -> dict:
    """Line style per variant: the baseline black, solid and thick; the others in turn."""
    others = [v for v in variants if v != baseline]
    return {v: (BASELINE if v == baseline else _style(others.index(v))) for v in variants}


def axis_label(metric: str, width: int = 34) -> str:
    """The metric's unit as an axis label, wrapped ('share ...' in %)."""
    text = COUNTY_METRICS.get(metric, metric).split(" (households weighted")[0]
    if text.startswith("share"):
        text += " (%)"
    return textwrap.fill(text, width)


def _tick(x: float, _pos=None) -> str:
    """Tick label without e-notation: thousands separators, at most 3 decimals; a true minus sign."""
    text = f"{x:,.0f}" if abs(x) >= 100 or x == round(x) else f"{x:,.3f}".rstrip("0").rstrip(".")
    return text.replace("-", "\u2212")


def _legend_columns(labels: list, fig_width_in: float) -> int:
    """As many legend columns as fit the figure width (about 7 pt per character plus the line sample)."""
    longest = max((len(x) for x in labels), default=1)
    per = (longest * 6.5 + 45) / 72
    return max(1, min(len(labels), int(fig_width_in / per)))


def legend_below(fig, handles, labels) -> None:
    """A figure legend below the plot area, on as many rows as the labels need."""
    if labels:
        fig.legend(handles, labels, loc="outside lower center", ncol=_legend_columns(labels, fig.get_figwidth()), frameon=False)


def _mark_readings(ax, readings) -> None:
    """Reading windows as shaded spans (alternating shades, labelled at the top), reading years as dotted lines."""
    windows = [r for r in readings if r.is_window]
    for i, r in enumerate(windows):
        ax.axvspan(r.first - 0.5, r.last + 0.5, color=("0.55", "0.8")[i % 2], alpha=0.18, linewidth=0, zorder=0)
        ax.text((r.first + r.last) / 2, 0.98, r.label, transform=ax.get_xaxis_transform(), ha="center", va="top", fontsize=8, color="0.25")
    for r in readings:
        if not r.is_window:
            ax.axvline(r.last, color="0.35", linewidth=0.9, linestyle=":", zorder=1)


def timeseries_figure(ts: pd.DataFrame, metric: str, readings: list, variants: list, points: list, baseline: str):
    """Mean and light 95% band of ``metric`` per variant over the years; one panel per sweep point."""
    shown = points[:MAX_PANELS]
    styles = variant_styles(variants, baseline)
    share = COUNTY_METRICS.get(metric, "").startswith("share")
    with plt.rc_context(RC):
        n = len(shown)
        cols = min(n, 3)
        rows = math.ceil(n / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(max(7.0, 4.6 * cols), 3.6 * rows + 1.2), squeeze=False, sharey=True, layout="constrained")
        for ax, point in zip(axes.flat, shown):
            sub = ts[(ts["output"] == metric) & (ts["point"] == point)]
            for v in [x for x in variants if x != baseline] + [baseline]:
                d = sub[sub["variant"] == v].sort_values("year")
                if d.empty:
                    continue
                st = styles[v]
                ax.plot(d["year"], d["mean"], label=v, markersize=3.5, markevery=max(1, len(d) // 8), **st)
                ax.fill_between(d["year"], d["ci_low"], d["ci_high"], color=st["color"], alpha=BAND_ALPHA, linewidth=0, zorder=st["zorder"] - 1)
            _mark_readings(ax, readings)
            if point:
                ax.set_title(textwrap.fill(point, 45))
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=None) if share else FuncFormatter(_tick))
            ax.grid(alpha=0.3)
        for ax in axes.flat[n:]:
            ax.set_visible(False)
        for ax in axes[-1, :]:
            ax.set_xlabel("year")
        for ax in axes[:, 0]:
            ax.set_ylabel(axis_label(metric))
        handles, labels = axes[0, 0].get_legend_handles_labels()
        order = [labels.index(v) for v in variants if v in labels]
        legend_below(fig, [handles[i] for i in order], [labels[i] for i in order])
        note = f" (first {MAX_PANELS} of {len(points)} sweep points)" if len(points) > MAX_PANELS else ""
        fig.suptitle(f"{metric}: mean over replications with 95% band{note}", fontsize=11)
    return fig


def forest_figure(summary: pd.DataFrame, baseline: str, outputs: list, reading: str):
    """Effects versus the baseline in one reading: paired 95% CI in natural units; grey where it includes 0."""
    eff = summary[(summary["variant"] != baseline) & (summary["reading"] == reading)]
    rows_per = max(1, eff.groupby("output").size().max() if not eff.empty else 1)
    labels_all = [v if not p else f"{v} | {p}" for v, p in zip(eff["variant"], eff["point"])]
    label_in = max(1.2, 0.075 * max((len(x) for x in labels_all), default=10))
    with plt.rc_context(RC):
        n = len(outputs)
        cols = min(n, 2)
        nrows = math.ceil(n / cols)
        fig, axes = plt.subplots(nrows, cols, figsize=(cols * (3.6 + label_in), (0.32 * rows_per + 1.3) * nrows + 0.6), squeeze=False, layout="constrained")
        for ax, out in zip(axes.flat, outputs):
            d = eff[eff["output"] == out].reset_index(drop=True)
            k = scale(out)
            labels = [v if not p else f"{v} | {p}" for v, p in zip(d["variant"], d["point"])]
            y = list(range(len(d)))[::-1]
            clear = (d["effect_ci_low"] > 0) | (d["effect_ci_high"] < 0)
            colours = ["black" if c else "0.6" for c in clear]
            ax.hlines(y, d["effect_ci_low"] * k, d["effect_ci_high"] * k, colors=colours, linewidth=3.0)
            ax.scatter(d["effect"] * k, y, s=30, c="white", edgecolors=colours, zorder=3)
            ax.axvline(0, color="0.2", linewidth=0.8, linestyle="--")
            ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
            ax.xaxis.set_major_formatter(FuncFormatter(_tick))
            ax.set_yticks(y, labels)
            better = {1: "right is better", -1: "left is better"}.get(wanted(out), "")
            ax.set_title(textwrap.fill(out + (f" ({better})" if better else ""), 48))
            ax.set_xlabel(f"effect vs {baseline} ({unit(out) or 'index'})")
            ax.grid(axis="x", alpha=0.3)
            ax.set_ylim(-0.8, max(len(d), 1) - 0.2)
        for ax in axes.flat[n:]:
            ax.set_visible(False)
        r = parse_reading(reading)
        when = f"in {r.label}" if not r.is_window else f"over {r.label}"
        fig.suptitle(f"Effects {when} versus {baseline}: paired 95% CI (grey: includes 0)", fontsize=11)
    return fig


def response_figure(summary: pd.DataFrame, sweep_cols: list, outputs: list, variants: list, baseline: str):
    """Mean in the effect year (95% CI of the mean) against the first numeric swept value."""
    numeric = [c for c in sweep_cols if pd.api.types.is_numeric_dtype(summary[c])]
    x = numeric[0] if numeric else sweep_cols[0]
    others = [c for c in sweep_cols if c != x]
    first = summary["reading"].iloc[0] if not summary.empty else ""
    summary = summary[summary["reading"] == first]
    styles = variant_styles(variants, baseline)
    name = x.removeprefix("sweep_")
    reg = registry()
    xunit = reg[name].unit if name in reg else ""
    with plt.rc_context(RC):
        n = len(outputs)
        cols = min(n, 3)
        nrows = math.ceil(n / cols)
        fig, axes = plt.subplots(nrows, cols, figsize=(4.6 * cols, 3.6 * nrows + 1.2), squeeze=False, layout="constrained")
        for ax, out in zip(axes.flat, outputs):
            d = summary[summary["output"] == out]
            groups = d.groupby(["variant", *others], sort=False) if others else d.groupby("variant", sort=False)
            k = scale(out)
            i = 0
            for key, g in groups:
                key = key if isinstance(key, tuple) else (key,)
                if key[0] not in variants:
                    continue
                g = g.sort_values(x)
                half = pd.Series(g["sd"].to_numpy() / g["n"].clip(lower=1).pow(0.5).to_numpy()) * 1.96
                st = dict(styles[key[0]]) if not others else _style(i)
                st.pop("zorder", None)
                label = key[0] if not others else f"{key[0]} ({', '.join(f'{c[6:]}={k2}' for c, k2 in zip(others, key[1:]))})"
                ax.errorbar(g[x].to_numpy(), g["mean"].to_numpy() * k, yerr=half.to_numpy() * k, capsize=3, label=label, **st)
                i += 1
            ax.set_xlabel(textwrap.fill(f"{name} ({xunit})" if xunit else name, 40))
            ax.set_ylabel(axis_label(out) if out in COUNTY_METRICS else f"{out} ({unit(out)})")
            share = COUNTY_METRICS.get(out, "").startswith("share")
            ax.yaxis.set_major_formatter(PercentFormatter(xmax=100, decimals=None) if share else FuncFormatter(_tick))
            ax.grid(alpha=0.3)
        for ax in axes.flat[n:]:
            ax.set_visible(False)
        handles, labels = axes[0, 0].get_legend_handles_labels()
        legend_below(fig, handles, labels)
        fig.suptitle(f"Response {_when(first)} over the sweep: mean and about 95% CI of the mean", fontsize=11)
    return fig


def _when(label: str) -> str:
    if not label:
        return ""
    r = parse_reading(label)
    return f"in {r.label}" if not r.is_window else f"over {r.label}"


def forest_stem(reading: str, first: bool) -> str:
    return "effects_forest" if first else f"effects_forest_{reading}"


def all_figures(summary: pd.DataFrame, ts: pd.DataFrame, manifest: dict) -> dict:
    """Every figure of a batch by file stem."""
    sc = manifest["scenario"]
    points, variants = run_order(manifest)
    readings = readings_of(sc)
    figs = {}
    for metric in yearly_metrics(sc["outputs"]):
        figs[f"timeseries_{metric}"] = timeseries_figure(ts, metric, readings, variants, points, sc["baseline"])
    if len(variants) > 1:
        for i, r in enumerate(readings):
            figs[forest_stem(r.label, i == 0)] = forest_figure(summary, sc["baseline"], sc["outputs"], r.label)
    if manifest.get("sweep_columns"):
        figs["sweep_response"] = response_figure(summary, manifest["sweep_columns"], sc["outputs"], variants, sc["baseline"])
    return figs


def caption(stem: str, sc: dict) -> str:
    """What to look at in figure ``stem`` (printed below it in the report)."""
    base = sc["baseline"]
    labels = [r.label for r in readings_of(sc)]
    shade = "Grey shading marks the reading windows, dotted lines the reading years" if any("-" in x for x in labels) else "The dotted line marks the effect year"
    if stem.startswith("timeseries_"):
        metric = stem.removeprefix("timeseries_")
        return (
            f"{metric} per year: mean over {sc['replications']} replications with a light 95% band; {base} (the baseline) in black. "
            f"Look at when and how far each variant's line leaves the black one: a gap wider than the bands is a real effect. "
            f"{shade} ({', '.join(labels)})."
        )
    if stem.startswith("effects_forest"):
        reading = stem.removeprefix("effects_forest").lstrip("_") or labels[0]
        return (
            f"Effect of each variant against {base} ({'in' if '-' not in reading else 'over'} {reading}) with its paired 95% interval, "
            "shares in percentage points. A black bar lies wholly on one side of the dashed zero line: a clear effect; "
            "a grey bar includes 0: not distinguishable from 0. Each panel title says which side is better."
        )
    if stem == "sweep_response":
        return (
            f"Each output {_when(labels[0])} against the swept value, one line per variant, {base} in black. "
            "Look for steep steps: a small change of the swept value that moves the output a lot is a tipping point."
        )
    return ""
