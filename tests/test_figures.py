"""Every figure the CLI makes has all its text inside the figure and no labels on top of each other;
legends sit outside the plot area; every axis says its unit. (The catalogue's report figures are
checked in tests/test_analysis.py::test_catalogue_scenario_runs_reduced.)"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from figure_text import text_problems

from rural_abm.cli import main
from rural_abm.plots_simulate import run_figure


def test_the_checker_finds_clipped_and_overlapping_text():
    """The old time-series layout: a 4-column legend wider than the figure, the x label under it."""
    fig, ax = plt.subplots(figsize=(4, 3))
    for i in range(9):
        ax.plot([0, 1], [i, i], label=f"variant_number_{i}")
    fig.legend(loc="lower center", ncol=4)
    ax.set_xlabel("year")
    problems = text_problems(fig)
    plt.close(fig)
    assert any(p.startswith("outside: 'variant_number_0'") for p in problems)
    assert any("'year'" in p for p in problems)


def test_simulate_figure_has_settings_title_units_and_clean_text(tmp_path, capsys):
    assert main(["simulate", "--years", "6", "--set", "n_people=800", "--set", "land_reform=1", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr()
    rows = [line for line in printed.out.splitlines() if line.strip()]
    assert rows[0].split()[:3] == ["year", "resident", "away"] and [r.split()[0] for r in rows[1:]] == [str(y) for y in range(2015, 2021)]
    assert "\r" not in printed.out + printed.err, "a clean line per year when stdout is not a terminal"
    county = pd.read_csv(tmp_path / "county.csv", index_col="year")
    settings = printed.err.splitlines()[0].removeprefix("rural-abm simulate: ")
    assert settings == "800 persons in 10 villages, 2015-2020, seed 1; land_reform=1"
    fig = run_figure(county, settings)
    assert text_problems(fig) == []
    assert settings in fig.get_suptitle()
    for ax in fig.axes:
        assert ax.get_ylabel(), f"axis without unit: {ax.get_title()}"
    assert [ax.get_xlabel() for ax in fig.axes[:4]].count("year") == 2
    plt.close(fig)
