"""Analysis and report: the summary recomputed independently from the raw table, common random
numbers narrow the CI, figures and report page, the Python API, and the catalogue runs as is."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import matplotlib.pyplot as plt
from figure_text import text_problems

from rural_abm.experiment import run_scenario
from rural_abm.experiment.store import read_manifest

ROOT = Path(__file__).resolve().parents[1]

DOC = {
    "name": "transfers_check",
    "description": "Do poverty transfers from 2018 lower poverty by 2022?",
    # no dibao and no monitoring, so that the transfers' effect on poverty is not absorbed by their top-ups
    "parameters": {"n_people": 2000, "n_years": 10, "dibao_standard": 0.0, "monitoring_coverage": 0.0},
    "variants": {
        "baseline": {},
        "transfers": {"policy.poverty_transfer": {"step": {"year": 2018, "before": 0, "after": 1500}}},
        "services": {"policy.public_service_investment": {"step": {"year": 2018, "before": 0, "after": 300}}},
    },
    "replications": 10,
    "seed": 5,
    "effect_year": 2022,
    "outputs": ["income_per_capita_mean", "poverty_headcount_ratio", "hollowing_index"],
}
WINDOWED = {**DOC, "effect_windows": ["2018-2021"], "outputs": ["poverty_headcount_ratio", "return_to_poverty_cum", "poor_households_cum"]}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return run_scenario(DOC, tmp_path_factory.mktemp("analysis"), workers=2)


def test_summary_recomputed_independently_from_the_raw_table(results):
    table, summary = results.table, results.summary
    county = table[table["scope"] == "county"]
    at = county[county["year"] == 2022].pivot_table(index=["metric", "replication"], columns="variant", values="value")
    cost = county[(county["metric"] == "fiscal_total") & (county["year"] <= 2022)].pivot_table(
        index="replication", columns="variant", values="value", aggfunc="sum"
    )
    assert len(summary) == 3 * 3 and set(summary["reading"]) == {"2022"}
    for _, row in summary.iterrows():
        x = at.loc[row["output"]][row["variant"]]
        b = at.loc[row["output"]]["baseline"]
        assert row["n"] == 10
        assert row["mean"] == pytest.approx(x.mean(), rel=1e-12)
        assert row["sd"] == pytest.approx(x.std(), rel=1e-9)
        assert row["effect"] == pytest.approx((x - b).mean(), rel=1e-9, abs=1e-12)
        extra = (cost[row["variant"]] - cost["baseline"]).mean()
        assert row["extra_cost_cum"] == pytest.approx(extra, rel=1e-12, abs=1e-6)
        assert row["cost_cum"] == pytest.approx(cost[row["variant"]].mean(), rel=1e-12, abs=1e-6)
        if row["variant"] == "baseline":
            assert row["effect"] == 0 and row["effect_ci_low"] == 0 and row["effect_ci_high"] == 0
            assert np.isnan(row["welch_ci_low"]), "never the baseline's unpaired interval against itself"
            continue
        if (x - b).std() > 0:
            paired = stats.ttest_rel(x, b).confidence_interval(0.95)
            assert (row["effect_ci_low"], row["effect_ci_high"]) == pytest.approx((paired.low, paired.high), rel=1e-9)
        welch = stats.ttest_ind(x, b, equal_var=False).confidence_interval(0.95)
        assert (row["welch_ci_low"], row["welch_ci_high"]) == pytest.approx((welch.low, welch.high), rel=1e-9)
        assert row["relative_change"] == pytest.approx((x - b).mean() / b.mean(), rel=1e-9, abs=1e-12)
        lo, hi = row["effect_ci_low"], row["effect_ci_high"]
        clear = {"income_per_capita_mean": lo > 0, "poverty_headcount_ratio": hi < 0, "hollowing_index": hi < 0}[row["output"]]
        if clear and extra > 0:
            per_unit = 100 * abs((x - b).mean()) if row["output"] != "income_per_capita_mean" else abs((x - b).mean())
            assert row["cost_per_gain"] == pytest.approx(extra / per_unit, rel=1e-9) and row["cost_per_gain"] > 0
        else:
            assert np.isnan(row["cost_per_gain"]), "no cost-effectiveness unless the gain is clear"


def test_timeseries_has_means_and_bands_for_every_year(results):
    ts = results.timeseries
    assert set(ts["year"]) == set(range(2015, 2025))
    assert len(ts) == 3 * 3 * 10
    assert (ts["ci_low"] <= ts["mean"] + 1e-12).all() and (ts["mean"] <= ts["ci_high"] + 1e-12).all()
    row = ts[(ts["variant"] == "transfers") & (ts["output"] == "income_per_capita_mean") & (ts["year"] == 2020)].iloc[0]
    raw = results.table.query("scope == 'county' and variant == 'transfers' and metric == 'income_per_capita_mean' and year == 2020")["value"]
    assert row["mean"] == pytest.approx(raw.mean(), rel=1e-12)
    assert row["p025"] == pytest.approx(np.quantile(raw, 0.025)) and row["p975"] == pytest.approx(np.quantile(raw, 0.975))


def test_transfers_have_a_real_effect_and_paired_ci_is_narrower(results):
    """Common random numbers: the paired CI of a real effect (transfers lower the poverty headcount) is at least
    1.5x narrower than Welch's (1.7x measured: 0.0116 against 0.0198; 2.5x before the running ventures' openings
    were set at set-up, so that paired runs now part ways from the first year's hiring; it was over 3x on mean
    income before the default county had ventures at the national density). Without common random numbers the
    two widths are alike (ratio about 1). Read on poverty, not on
    mean income: a 2,000-person county has some 18 ventures, whose jobs and profits move its mean income by
    hundreds of RMB between paired runs (the transfers' income effect, +136 RMB per resident in 2022, had a
    standard error of 258 over 10 seeds)."""
    row = results.effects("poverty_headcount_ratio").set_index("variant").loc["transfers"]
    assert row["effect_ci_high"] < 0, "transfers lower the poverty headcount (a real effect)"
    paired = row["effect_ci_high"] - row["effect_ci_low"]
    unpaired = row["welch_ci_high"] - row["welch_ci_low"]
    assert unpaired >= 1.5 * paired, (paired, unpaired)
    assert row["extra_cost_cum"] > 0


def test_report_page_and_figures(results):
    out = results.out
    for name in ("summary.csv", "timeseries.csv", "results.parquet", "manifest.json", "report.html", "report.md"):
        assert (out / name).is_file(), name
    assert set(results.figures) == {
        "timeseries_income_per_capita_mean", "timeseries_poverty_headcount_ratio", "timeseries_hollowing_index", "effects_forest",
    }  # fmt: skip
    for path in results.figures.values():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    page = (out / "report.html").read_text()
    assert DOC["description"] in page and "figures/effects_forest.png" in page and "transfers" in page
    assert "poverty_transfer" in page and "Settings" in page
    manifest = read_manifest(out)
    assert manifest["scenario"]["effect_year"] == 2022 and len(manifest["runs"]) == 30
    figs = results.make_figures()
    assert "effects_forest" in figs


@pytest.mark.parametrize("name", ["baseline", "vicious_circle", "policy_levers", "transition_variants", "epidemic_shock", "huichuan_package"])
def test_catalogue_scenario_runs_reduced(name, tmp_path):
    res = run_scenario(ROOT / "scenarios" / f"{name}.yaml", tmp_path, workers=1, overrides={"n_people": 300, "replications": 2})
    sc = res.scenario
    n_points = len(sc.sweep_points())
    assert len(res.summary) == n_points * len(sc.variants) * len(sc.outputs) * (1 + len(sc.effect_windows))
    assert res.summary["mean"].notna().all()
    assert (tmp_path / "report.html").is_file()
    if sc.sweep:
        assert "sweep_response" in res.figures
    for stem, fig in res.make_figures().items():
        assert text_problems(fig) == [], stem
        legends = fig.legends
        for legend in legends:  # below the plot area, never over a panel
            box = legend.get_window_extent()
            assert all(box.y1 <= ax.get_window_extent().y0 for ax in fig.axes if ax.get_visible()), stem
        shown = [ax for ax in fig.axes if ax.get_visible()]
        assert all(ax.get_xlabel() for ax in shown if ax.get_subplotspec().is_last_row()), f"{stem}: x axis without label"
        categorical = stem.startswith("effects_forest")  # variant names on the y axis
        assert categorical or all(ax.get_ylabel() for ax in shown if ax.get_subplotspec().is_first_col()), f"{stem}: y axis without unit"
        plt.close(fig)


def test_policy_levers_costs_are_roughly_equal(tmp_path):
    """The equal-cost design of policy_levers.yaml holds within a factor 1.6 (land reform and monitoring are
    capped by nature and excluded); reduced replications, so only a rough check."""
    res = run_scenario(ROOT / "scenarios" / "policy_levers.yaml", tmp_path, workers=2, overrides={"replications": 3}, report=False)
    cost = res.summary.drop_duplicates("variant").set_index("variant")["extra_cost_cum"]
    equal = cost.drop(["baseline", "land_reform", "monitoring"])
    assert equal.max() / equal.min() < 1.6, equal.to_dict()
    assert max(cost["land_reform"], cost["monitoring"]) < equal.min()


@pytest.fixture(scope="module")
def windowed(tmp_path_factory):
    return run_scenario(WINDOWED, tmp_path_factory.mktemp("windowed"), workers=2)


def test_window_and_cumulative_readings_recomputed_from_the_raw_table(windowed):
    """A window reads a metric as its mean over the years, a _cum output as its sum (over the window, or up to a year)."""
    county = windowed.table[windowed.table["scope"] == "county"]

    def per_run(metric, lo, hi, how):
        rows = county[(county["metric"] == metric) & county["year"].between(lo, hi)]
        return rows.groupby(["variant", "replication"])["value"].agg(how)

    expect = {
        ("poverty_headcount_ratio", "2018-2021"): per_run("poverty_headcount_ratio", 2018, 2021, "mean"),
        ("return_to_poverty_cum", "2018-2021"): per_run("return_to_poverty", 2018, 2021, "sum"),
        ("poor_households_cum", "2022"): per_run("poor_households", 2015, 2022, "sum"),
        ("poverty_headcount_ratio", "2022"): per_run("poverty_headcount_ratio", 2022, 2022, "mean"),
    }
    cost = per_run("fiscal_total", 2015, 2021, "sum")
    s = windowed.summary.set_index(["variant", "output", "reading"])
    for (output, reading), values in expect.items():
        for variant in ("transfers", "services"):
            row = s.loc[(variant, output, reading)]
            diff = values[variant] - values["baseline"]
            assert row["effect"] == pytest.approx(diff.mean(), abs=1e-12)
            assert row["mean"] == pytest.approx(values[variant].mean())
            if reading == "2018-2021":
                assert row["extra_cost_cum"] == pytest.approx((cost[variant] - cost["baseline"]).mean())
    assert s.loc[("transfers", "poor_households_cum", "2018-2021"), "unit"] == "household-years"


def test_report_rereads_effects_without_rerunning(windowed, tmp_path):
    """`rural-abm report DIR --effect-year Y --window A-B` recomputes from the stored runs; nothing is rerun."""
    from rural_abm.cli import main

    out = windowed.out
    runs = {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()}
    assert main(["report", str(out), "--effect-year", "2019", "--window", "2020-2024", "--window", "2016-2017"]) == 0
    summary = pd.read_csv(out / "summary.csv", dtype={"reading": str})
    assert list(dict.fromkeys(summary["reading"])) == ["2019", "2020-2024", "2016-2017"]
    assert {p.name: p.stat().st_mtime_ns for p in (out / "runs").iterdir()} == runs
    assert "figures/effects_forest_2020-2024.png" in (out / "report.html").read_text()
    assert main(["report", str(out), "--window", "2010-2012"]) == 2
    assert main(["report", str(out)]) == 0  # back to the scenario's own readings
    assert list(dict.fromkeys(pd.read_csv(out / "summary.csv", dtype={"reading": str})["reading"])) == ["2022", "2018-2021"]


def test_report_opens_with_findings_in_natural_units(results):
    page = (results.out / "report.html").read_text()
    md = (results.out / "report.md").read_text()
    for text in (page, md):
        assert text.index("Findings") < text.index("Settings") < text.index("Full table") < text.index("Appendix")
        assert not re.search(r"\d\.\d+e[+-]\d", text), "no e-notation"
        assert re.search(r"income_per_capita_mean.*?[+−][\d,.]+ RMB[ (;]+95% CI", text, re.S)  # clear or not, in RMB with its CI
        assert " pp" in text and "extra cost" in text
        assert "0 until 2017, then 1,500" in text, "schedules in words, not JSON"
        assert '{"step"' not in text and "Warning" not in text
    appendix = md[md.index("## Appendix"):]
    assert "| 2022 | baseline |" not in appendix and "| 2022 | transfers |" in appendix


def test_findings_rank_mark_unclear_and_price_only_clear_gains():
    from rural_abm.experiment.findings import NOT_DISTINGUISHABLE, findings

    def row(variant, effect, lo, hi, extra, per):
        return {"variant": variant, "point": "", "output": "hollowing_index", "reading": "2030", "mean": 0.5 + effect, "effect": effect,
                "effect_ci_low": lo, "effect_ci_high": hi, "relative_change": effect / 0.5, "extra_cost_cum": extra,
                "cost_per_gain": per, "gain_unit": "percentage point of hollowing avoided" if per == per else ""}  # fmt: skip

    summary = pd.DataFrame([
        row("base", 0.0, 0.0, 0.0, 0.0, np.nan), row("noise", -0.001, -0.004, 0.002, 2e6, np.nan),
        row("strong", -0.05, -0.07, -0.03, 2e6, 2e6 / 5), row("harm", 0.02, 0.01, 0.03, 1e6, np.nan),
    ])  # fmt: skip
    sc = {"baseline": "base", "outputs": ["hollowing_index"], "start_year": 2015}
    (f,) = findings(summary, sc)
    assert [r[2] for r in f.rows] == ["strong", "noise", "harm"], "ranked by effect in the wanted direction (less hollowing first)"
    assert f.rows[0][3].startswith("−5 pp (95% CI −7 to −3 pp)") and f.rows[0][6] == "400,000 RMB per percentage point of hollowing avoided"
    assert f.rows[1][3].startswith(NOT_DISTINGUISHABLE) and f.rows[1][6] == ""
    assert f.rows[2][6] == "" and "Clearly worse than base: harm" in f.leads[0]
    assert "The largest gain: strong, −5 pp" in f.leads[0] and "1 of 3 variants is not distinguishable from 0" in f.leads[0]


def test_shrunk_run_warns_at_the_top(tmp_path):
    res = run_scenario(ROOT / "scenarios" / "baseline.yaml", tmp_path, workers=1, overrides={"n_people": 300, "replications": 2, "seed": 4})
    for name in ("report.html", "report.md"):
        text = (tmp_path / name).read_text()
        warning = text.index("This run was shrunk from the scenario")
        assert warning < text.index("Findings")
        assert "n_people = 300 (scenario file: 5,000)" in text and "replications = 2 (scenario file: 10)" in text
    assert res.scenario.overrides["seed"] == {"stated": 20240101, "used": 4}
