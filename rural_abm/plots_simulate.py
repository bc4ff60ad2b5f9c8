"""Figure of one run's main outputs (used by ``rural-abm simulate``)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator, PercentFormatter  # noqa: E402


def run_figure(county: pd.DataFrame, settings: str = ""):
    """Four panels: residents vs away, moves by kind, income and poverty, ventures and jobs.

    ``settings`` (persons, villages, years, seed, changed parameters) is printed in the title.
    Each panel's legend sits below it; twin axes carry their own unit.
    """
    with plt.rc_context({"font.size": 9, "axes.titlesize": 10, "legend.fontsize": 8.5}):
        fig, ax = plt.subplots(2, 2, figsize=(11, 8), sharex=True, layout="constrained")
        years = county.index
        panels = []
        a = ax[0, 0]
        a.plot(years, county["resident"], label="resident")
        a.plot(years, county["away"], "--", label="away")
        a.set_title("Registered persons by where they live")
        a.set_ylabel("persons")
        twin = a.twinx()
        twin.plot(years, county["hollowing_index"], "k:", label="hollowing index (right axis)")
        twin.set_ylim(0, 1)
        twin.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
        twin.set_ylabel("working-age persons away (%)")
        panels.append((a, twin))
        a = ax[0, 1]
        a.plot(years, county["migrated"], label="left")
        a.plot(years, county["returned_passive"], "--", label="passive return (job loss, age)")
        a.plot(years, county["returned_voluntary"], "-.", label="voluntary return")
        a.set_title("Moves per year")
        a.set_ylabel("persons per year")
        panels.append((a, None))
        a = ax[1, 0]
        a.plot(years, county["income_per_capita_mean"], label="mean income")
        a.plot(years, county["income_per_capita_median"], "--", label="median income")
        a.set_title("Income and poverty")
        a.set_ylabel("RMB per resident per year")
        twin2 = a.twinx()
        twin2.plot(years, county["poverty_headcount_ratio"], "r:", label="poverty headcount (right axis)")
        twin2.set_ylim(bottom=0)
        twin2.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=0))
        twin2.set_ylabel("residents in poor households (%)")
        panels.append((a, twin2))
        a = ax[1, 1]
        a.plot(years, county["enterprises_active"], label="active ventures")
        a.plot(years, county["enterprise_jobs"] / 10, "--", label="their employees / 10")
        a.set_title("Returnee and local ventures")
        a.set_ylabel("ventures; employees / 10")
        panels.append((a, None))
        for a, twin in panels:
            handles, labels = a.get_legend_handles_labels()
            if twin is not None:
                more = twin.get_legend_handles_labels()
                handles, labels = handles + more[0], labels + more[1]
            a.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.1 if a in ax[0] else -0.2), ncol=2, frameon=False)
            a.grid(alpha=0.3)
            a.xaxis.set_major_locator(MaxNLocator(integer=True))
        for a in ax[1]:
            a.set_xlabel("year")
        fig.suptitle("One run of the county" + (f": {settings}" if settings else ""), fontsize=11)
    return fig


def plot_run(county: pd.DataFrame, path: Path, settings: str = "") -> Path:
    """Write :func:`run_figure` to ``path`` (PNG)."""
    fig = run_figure(county, settings)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
