"""Figure of one run's main outputs (used by ``rural-abm simulate``)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator, PercentFormatter  # noqa: E402


#: Panels: title, y label, lines (column, style, label, divisor), and a share on a right axis
#: (column, style, label, unit, top of the axis or None), or None.
PANELS = (
    ("Registered persons by where they live", "persons",
     [("resident", "-", "resident", 1), ("away", "--", "away", 1)],
     ("hollowing_index", "k:", "hollowing index (right axis)", "working-age persons away (%)", 1.0)),
    ("Moves per year", "persons per year",
     [("migrated", "-", "left", 1), ("returned_passive", "--", "passive return (job loss, age)", 1),
      ("returned_voluntary", "-.", "voluntary return", 1)], None),
    ("Income and poverty", "RMB per resident per year",
     [("income_per_capita_mean", "-", "mean income", 1), ("income_per_capita_median", "--", "median income", 1)],
     ("poverty_headcount_ratio", "r:", "poverty headcount (right axis)", "residents in poor households (%)", None)),
    ("Returnee and local ventures", "ventures; employees / 10",
     [("enterprises_active", "-", "active ventures", 1), ("enterprise_jobs", "--", "their employees / 10", 10)], None),
)  # fmt: skip


def run_figure(county: pd.DataFrame, settings: str = ""):
    """Four panels: residents vs away, moves by kind, income and poverty, ventures and jobs.

    ``settings`` (persons, villages, years, seed, changed parameters) is printed in the title.
    Each panel's legend sits below it; a share on a right axis carries its own unit (%).
    """
    with plt.rc_context({"font.size": 9, "axes.titlesize": 10, "legend.fontsize": 8.5}):
        fig, axes = plt.subplots(2, 2, figsize=(11, 8), sharex=True, layout="constrained")
        years = county.index
        for a, (title, ylabel, lines, share) in zip(axes.flat, PANELS):
            for column, style, label, divisor in lines:
                a.plot(years, county[column] / divisor, style, label=label)
            a.set_title(title)
            a.set_ylabel(ylabel)
            handles, labels = a.get_legend_handles_labels()
            if share is not None:
                column, style, label, unit, top = share
                twin = a.twinx()
                twin.plot(years, county[column], style, label=label)
                twin.set_ylim(0, top)
                twin.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=None))
                twin.set_ylabel(unit)
                more = twin.get_legend_handles_labels()
                handles, labels = handles + more[0], labels + more[1]
            a.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.1 if a in axes[0] else -0.2), ncol=2, frameon=False)
            a.grid(alpha=0.3)
            a.xaxis.set_major_locator(MaxNLocator(integer=True))
        for a in axes[1]:
            a.set_xlabel("year")
        fig.suptitle("One run of the county" + (f": {settings}" if settings else ""), fontsize=11)
    return fig


def plot_run(county: pd.DataFrame, path: Path, settings: str = "") -> Path:
    """Write :func:`run_figure` to ``path`` (PNG)."""
    fig = run_figure(county, settings)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
