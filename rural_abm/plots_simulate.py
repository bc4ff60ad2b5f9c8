"""Figure of one run's main outputs (used by ``rural-abm simulate``)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def plot_run(county: pd.DataFrame, path: Path) -> Path:
    """Four panels: residents vs away, returns by kind, income and poverty, ventures and jobs."""
    fig, ax = plt.subplots(2, 2, figsize=(10, 7), sharex=True)
    years = county.index
    ax[0, 0].plot(years, county["resident"], label="resident")
    ax[0, 0].plot(years, county["away"], label="away")
    ax[0, 0].set_title("Registered persons")
    ax2 = ax[0, 0].twinx()
    ax2.plot(years, county["hollowing_index"], "k--", label="hollowing index")
    ax2.set_ylim(0, 1)
    ax2.set_ylabel("hollowing index")
    ax[0, 1].plot(years, county["migrated"], label="left")
    ax[0, 1].plot(years, county["returned_passive"], label="passive return")
    ax[0, 1].plot(years, county["returned_voluntary"], label="voluntary return")
    ax[0, 1].set_title("Moves per year (persons)")
    ax[1, 0].plot(years, county["income_per_capita_mean"], label="mean")
    ax[1, 0].plot(years, county["income_per_capita_median"], label="median")
    ax[1, 0].set_title("Income per resident (RMB/year)")
    ax3 = ax[1, 0].twinx()
    ax3.plot(years, county["poverty_headcount_ratio"], "r:", label="poverty headcount")
    ax3.set_ylabel("poverty headcount ratio")
    ax[1, 1].plot(years, county["enterprises_active"], label="active ventures")
    ax[1, 1].plot(years, county["enterprise_jobs"] / 10, label="jobs / 10")
    ax[1, 1].set_title("Returnee and local ventures")
    for a, twin in ((ax[0, 0], ax2), (ax[1, 0], ax3), (ax[0, 1], None), (ax[1, 1], None)):
        handles, labels = a.get_legend_handles_labels()
        if twin is not None:
            more = twin.get_legend_handles_labels()
            handles, labels = handles + more[0], labels + more[1]
        a.legend(handles, labels, loc="upper left", fontsize=8)
        a.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
