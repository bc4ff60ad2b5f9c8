"""The validation report: writes docs/validation.md (and its figures) from fresh runs, in one go.

Parts, in the page's order:

1. **Fit**: the calibrations scenarios/calibrate_county.yaml and
   scenarios/calibrate_huichuan.yaml: read back from OUT/<name> where
   `rural-abm calibrate FILE --out OUT/<name>` finished, else run through
   rural_abm.experiment.calibrate within ``--budget`` seconds (runs are
   stored in OUT/<name>; a rerun reads them back and goes on): fit tables,
   fitted values, which parameters the targets cannot pin down.
2. **Out of sample**: published figures the fit did not use, on the county
   with the fitted values (rural_abm/data/targets.yaml).
3. **Harris-Todaro docking**: every mechanism but the urban labour market off
   and the Todaro rule on; the gap between expected rural and urban income.
4. **Phase diagram**: the mean-field map of a village, its tipping point, and
   villages shocked past it (experiments/phase_diagram.py).
5. **Stylized facts** from the literature, each with its source and the
   model's number over paired seeded replications.
6. **Sensitivity**: Morris screening over scenarios/sensitivity_default.yaml
   (reads OUT/sensitivity_default if `rural-abm sensitivity` already ran
   there; else a smaller Morris run, ``--trajectories``).

    python experiments/validation.py                 # writes output/validation/validation.md
    python experiments/validation.py --docs          # writes docs/validation.md and docs/figures/
    python experiments/validation.py --budget 600 --replications 10 --n-people 5000 --docs   # the long version

About 5 minutes on 2 cores at the defaults.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from rural_abm import RuralModel
from rural_abm.experiment import load, run_scenario
from rural_abm.experiment.analysis import paired_ci
from rural_abm.experiment.calibrate import CalibrationResult, calibrate, load_calibration
from rural_abm.experiment.sensitivity import load_sensitivity, run_sensitivity
from rural_abm.model.codes import Occupation, Status
from rural_abm.mean_field import EARLIER_VENTURES, STATIONARY_VILLAGE, mean_field_map, tipping_point
from rural_abm.model.parameters import registry
from harris_todaro import harris_todaro  # experiments/ is on the path when this script runs
from national_series import price_index
from phase_diagram import draw, phase_diagram, shock_runs

ROOT = Path(__file__).resolve().parent.parent
TARGETS = yaml.safe_load((ROOT / "rural_abm" / "data" / "targets.yaml").read_text())
CALIBRATIONS = ("calibrate_county", "calibrate_huichuan")
#: Rural dibao recipients over rural residents, remembered figures (approximate): Ministry of Civil Affairs
#: statistical bulletins, 49.0 million (2015) and 36.2 million (2020) recipients; NBS rural residents 603.5 and
#: 509.8 million.
DIBAO_SHARE = {2015: 0.081, 2020: 0.071}


# ---------------------------------------------------------------- 1. fit
def fits(out: Path, budget: float, workers: int) -> dict:
    """Each catalogue calibration: read back from OUT/<name> where `rural-abm calibrate` finished there
    (its fit table and fitted file), else run (or continued) for ``budget`` seconds."""
    results = {}
    for name in CALIBRATIONS:
        cal = load_calibration(os.path.relpath(ROOT / "scenarios" / f"{name}.yaml"))
        folder = out / name
        done = all((folder / f).is_file() for f in ("fitted.yaml", "fit_table.csv", "identification.csv", "evaluations.csv"))
        results[name] = (cal, read_fit(folder) if done else calibrate(cal, folder, resume=True, budget=budget, workers=workers))
    return results


def read_fit(folder: Path) -> CalibrationResult:
    """The result of a finished `rural-abm calibrate` run in ``folder`` (no model runs)."""
    fitted = yaml.safe_load((folder / "fitted.yaml").read_text())
    point = {k: v for section in ("parameters", "policy") for k, v in (fitted.get(section) or {}).items()}
    log = pd.read_csv(folder / "evaluations.csv")
    return CalibrationResult(folder, point, float(log["objective"].min()), "read back", len(log), 0,
                             pd.read_csv(folder / "fit_table.csv"), pd.read_csv(folder / "identification.csv"))  # fmt: skip


def unpinned(result) -> list[str]:
    ident = result.identification
    return list(ident.loc[ident["largest_change"] < 1, "parameter"])


PROVENANCE = ("fitted", "from sources", "judgement")


def provenance() -> pd.DataFrame:
    """Every parameter's group and where its default comes from (parameters.yaml ``source``):
    fitted (``fitted (FILE)``), judgement (``judgement...``) or from sources (anything else)."""
    rows = []
    for name, prm in registry().items():
        text = prm.source.strip().lower()
        kind = "fitted" if text.startswith("fitted") else "judgement" if text.startswith("judgement") else "from sources"
        rows.append({"parameter": name, "group": prm.group, "provenance": kind, "source": prm.source})
    return pd.DataFrame(rows)


def provenance_table(prov: pd.DataFrame) -> list[str]:
    """Markdown: per provenance, the number of defaults and which (judgement: counted by group)."""
    lines = ["| default | parameters | which |", "|---|---|---|"]
    for kind in PROVENANCE:
        rows = prov[prov["provenance"] == kind]
        if kind == "judgement":
            which = ", ".join(f"{g} {n}" for g, n in rows["group"].value_counts().sort_index().items())
            which = f"by group: {which} (docs/odd.md, section 7.0, gives each with its reason)" if len(rows) else "none"
        else:
            which = ", ".join(f"`{p}`" for p in rows["parameter"]) or "none"
        lines.append(f"| {kind} | {len(rows)} | {which} |")
    return lines


# ---------------------------------------------------------------- 2. out of sample
@dataclass
class Case:
    name: str
    target: float
    model: np.ndarray  # per replication
    source: str
    reading: str

    def row(self) -> str:
        mean, sd = float(np.mean(self.model)), float(np.std(self.model, ddof=1))
        fmt = (lambda v: f"{v:,.0f}") if abs(self.target) >= 100 else (lambda v: f"{v:.3f}")
        miss = (mean - self.target) / self.target if self.target else float("nan")
        return f"| {self.name} | {fmt(self.target)} | {fmt(mean)} ({fmt(sd)}) | {miss:+.0%} | {self.source} | {self.reading} |"


def county_table(params: dict, replications: int, workers: int, variants=None) -> pd.DataFrame:
    """County metrics, index (variant, replication, year), of a 2015-2030 county with ``params``."""
    doc = {"name": "validation", "parameters": {"n_years": 16, **params}, "variants": variants or {"baseline": {}},
           "replications": replications, "seed": 7}  # fmt: skip
    res = run_scenario(doc, workers=workers, report=False)
    county = res.table[res.table["scope"] == "county"]
    return county.pivot_table(index=["variant", "replication", "year"], columns="metric", values="value")


def out_of_sample(county: pd.DataFrame) -> list[Case]:
    by_rep = county.loc["baseline"]
    reps = by_rep.index.get_level_values(0).unique()

    def per_rep(f):
        return np.array([f(by_rep.loc[r]) for r in reps])

    growth = TARGETS["rural_income_series"]["real_growth"]
    poverty = TARGETS["rural_poverty_series"]["incidence"]
    out = [
        Case("rural median income per capita, 2024 (RMB)", TARGETS["incomes_2024"]["figures"]["rural_median_disposable_income_per_capita_rmb"],
             per_rep(lambda d: d.loc[2024, "income_per_capita_median"]), "NBS 2024 communique",
             "national median (current prices); a poor labour-exporting county should lie below it"),
        Case("real rural income growth 2016-2020, per year", float(np.prod([1 + growth[y] for y in range(2016, 2021)]) ** 0.2 - 1),
             per_rep(lambda d: (d.loc[2020, "income_per_capita_mean"] / d.loc[2015, "income_per_capita_mean"]) ** 0.2 - 1),
             "NBS communiques", "the fit used 2015-2024 as a whole; this splits it"),
        Case("real rural income growth 2021-2024, per year", float(np.prod([1 + growth[y] for y in range(2021, 2025)]) ** 0.25 - 1),
             per_rep(lambda d: (d.loc[2024, "income_per_capita_mean"] / d.loc[2020, "income_per_capita_mean"]) ** 0.25 - 1),
             "NBS communiques", "as above"),
    ]  # fmt: skip
    cpi = price_index()  # 2020 = 1
    poor = {year: value / cpi[year] for year, value in TARGETS["poor_area_rural_income"]["nominal"].items()}  # 2020 RMB
    out += [
        Case("rural income per capita of the poor areas, 2015 (2020 RMB)", poor[2015],
             per_rep(lambda d: d.loc[2015, "income_per_capita_mean"]), "NBS rural poverty monitoring (approximate)",
             "the poor areas' mean; a poor county's mean should lie near it, not near the national 12,700"),
        Case("real rural income growth of the poor areas 2016-2020, per year", (poor[2020] / poor[2015]) ** 0.2 - 1,
             per_rep(lambda d: (d.loc[2020, "income_per_capita_mean"] / d.loc[2015, "income_per_capita_mean"]) ** 0.2 - 1),
             "NBS rural poverty monitoring (approximate)",
             "the poor areas grew faster than the nation in the campaign years (national 0.060); the fit used the national series"),
    ]  # fmt: skip
    ratio = TARGETS["urban_income_series"]["derived"]["urban_rural_ratio"]
    for year in (2015, 2024):
        out.append(Case(f"urban-rural income ratio {year}", ratio[year], per_rep(lambda d, y=year: d.loc[y, "urban_rural_income_ratio"]),
                        "NBS communiques", "national level; the fit used the path relative to 2015; a poor county lies above"))  # fmt: skip
    for year in (2016, 2017, 2018):
        out.append(Case(f"poverty incidence {year}", poverty[year], per_rep(lambda d, y=year: d.loc[y, "poverty_headcount_ratio"]),
                        "NBS communiques", "national; a poor county started several times higher, so should lie above"))  # fmt: skip
    for year, share in DIBAO_SHARE.items():
        out.append(Case(f"rural dibao recipients per resident, {year}", share, per_rep(lambda d, y=year: d.loc[y, "dibao_recipients"] / d.loc[y, "resident"]),
                        "MCA statistical bulletins over NBS rural residents (approximate)",
                        "national; a poor county has more eligible households, so should lie above, but not far; not fitted, "
                        "but the cleaning of the rolls (dibao_inclusion_error) was set by judgement with this path in view; "
                        "the asset test's level (dibao_asset_limit) follows provincial rules, not this path"))  # fmt: skip
    age = TARGETS["rural_residents_age_2020"]["figures"]
    for years, key in ((60, "share_60_plus"), (65, "share_65_plus")):
        out.append(Case(f"residents aged {years} or more, share, 2020", age[key],
                        per_rep(lambda d, c=f"residents_{years}_plus": d.loc[2020, c] / d.loc[2020, "resident"]),
                        "NBS 7th population census, rural residents (approximate)",
                        "national; a labour-exporting county's residents are older (those away are young), so should lie "
                        "above, but not far (docs/odd.md 7.19)"))  # fmt: skip
    land = TARGETS["land_circulation_2015"]["figures"]["share_of_household_contracted_land"]
    out.append(Case("contracted land rented out, share, 2015", land, per_rep(lambda d: d.loc[2015, "land_rented_share"]),
                    "Ministry of Agriculture, circulation of household contracted land (approximate)",
                    "national; lower in the centre and west, but a labour-exporting county has much surplus land; the "
                    "baseline has no land reform (land_reform 0: only the informal share of surplus land is let)"))  # fmt: skip
    transfer = TARGETS["rural_transfer_income_2015"]["derived"]["share"]
    out.append(Case("transfer income, share of rural income, 2015", transfer, per_rep(lambda d: d.loc[2015, "transfer_income_share"]),
                    "NBS rural income by source, net transfer income (approximate)",
                    "national, net of transfers paid out; poor areas' share is larger, but the county's remittances "
                    "(remittance_share, judgement) should not exceed it far"))  # fmt: skip
    # the fall in 2020 (2.7%) set the shock's size (urban_job_loss_shock), so only the year after is out of sample
    out_migrants = TARGETS["migrant_workers_2019_2021"]["figures"]["out_migrant_millions"]
    out.append(Case("migrant workers 2021 relative to 2020", out_migrants[2021] / out_migrants[2020],
                    per_rep(lambda d: d.loc[2021, "migrants"] / d.loc[2020, "migrants"]),
                    "NBS Migrant Worker Monitoring Survey, out-migrants (approximate)",
                    "national; the recovery after the 2020 job-loss shock, whose size was set on the 2020 fall"))  # fmt: skip
    return out


# ---------------------------------------------------------------- 5. stylized facts
def start_rates(params: dict, seeds) -> tuple[np.ndarray, np.ndarray]:
    """Yearly venture start rate of working-age residents who have been away vs who never left, per seed."""
    returnee, never = [], []
    for seed in seeds:
        m = RuralModel(rng=seed, **{"n_years": 16, **params})
        starts = {"returned": [0, 0], "never": [0, 0]}
        while m.running:
            per, p = m.persons, m.p
            working = per.alive & (per.age >= p["working_age"]) & (per.age < p["elder_age"]) & (per.occupation != Occupation.ENTREPRENEUR)
            groups = {"returned": working & (per.status == Status.RETURNED), "never": working & (per.status == Status.HOME)}
            born_before = m.ventures.n
            m.step()
            founders = m.ventures.founder[born_before:]
            for g, mask in groups.items():
                starts[g][0] += int(mask[founders].sum())
                starts[g][1] += int(mask.sum())
        returnee.append(starts["returned"][0] / max(starts["returned"][1], 1))
        never.append(starts["never"][0] / max(starts["never"][1], 1))
    return np.array(returnee), np.array(never)


def paired(county: pd.DataFrame, variant: str, baseline: str, f) -> tuple[float, float, float, float]:
    """(baseline mean, effect, CI low, CI high) of ``f(frame of one replication)``, variant minus baseline, paired."""
    reps = county.loc[baseline].index.get_level_values(0).unique()
    base = np.array([f(county.loc[baseline].loc[r]) for r in reps])
    var = np.array([f(county.loc[variant].loc[r]) for r in reps])
    mean, _, low, high = paired_ci(var - base)
    return float(base.mean()), mean, low, high


def effect_text(t) -> str:
    base, eff, low, high = t
    return f"{eff:+,.3g} [{low:+,.3g}, {high:+,.3g}] (baseline {base:,.3g})"


def stylized_facts(params: dict, replications: int, workers: int) -> list[tuple[str, str, str, str, bool]]:
    """(fact, source, model's numbers, verdict text, holds) for each fact."""
    facts = []
    ret, never = start_rates(params, range(replications))
    holds = bool(np.mean(ret) > np.mean(never))
    facts.append((
        "Returnees start businesses more often than villagers who never left",
        "Démurger & Xu (2011); Su, Jiao & Liu (2018); domain brief (docs/domain.md)",
        f"yearly start rate of working-age residents 2015-2030: returnees {np.mean(ret):.4f}, never left {np.mean(never):.4f} "
        f"({f'ratio {np.mean(ret) / np.mean(never):.1f}' if np.mean(never) > 0 else 'no start by those who never left'}; "
        f"{replications} seeds)",
        "holds" if holds else "**does not hold**", holds,
    ))  # fmt: skip
    shock = county_table(params, replications, workers, {"baseline": {}, "no_shock": {"parameters.urban_job_loss_shock": 0.0}})

    def flow(name, years):
        return lambda d: d.loc[years[0] : years[1], name].sum()

    passive = paired(shock, "baseline", "no_shock", flow("returned_passive", (2020, 2020)))
    dip = paired(shock, "baseline", "no_shock", lambda d: d.loc[2020, "migrants"])
    market = paired(shock, "baseline", "no_shock", lambda d: d.loc[2020, "market_poverty_ratio"])
    poor = paired(shock, "baseline", "no_shock", lambda d: d.loc[2020, "poverty_headcount_ratio"])
    migrants = shock.loc["baseline", "migrants"].unstack()  # replication x year, with the shock
    regrowth = paired_ci((migrants[2021] / migrants[2020] - 1.0).to_numpy())
    holds = passive[2] > 0 and dip[3] < 0 and regrowth[2] > 0 and poor[3] < 0.005  # poverty: at most half a point
    facts.append((
        "An urban job-loss shock (2020) raises passive returns and cuts the migrant stock, which grows again the next "
        "year; support keeps the households hit above the poverty line",
        "NBS Migrant Worker Monitoring Surveys 2020 and 2021 (out-migrants fell 2.7% in 2020 and rose 1.3% in 2021, "
        "approximate); State Council Information Office white paper *Poverty Alleviation: China's Experience and "
        "Contribution* (2021): no large-scale return to poverty in 2020 (approximate)",
        f"2020 shock vs none, paired: passive returns 2020 {effect_text(passive)}; migrant workers 2020 {effect_text(dip)}; "
        f"share of residents poor on market income 2020 {effect_text(market)}; poverty headcount ratio after support 2020 "
        f"{effect_text(poor)}. With the shock, migrant workers 2021 over 2020: {regrowth[0]:+.1%} "
        f"[{regrowth[2]:+.1%}, {regrowth[3]:+.1%}]",
        "holds" if holds else "**does not hold** (see the numbers)", holds,
    ))  # fmt: skip
    share_50_plus = shock.loc["baseline", "migrants_50_plus"].unstack() / migrants
    older = paired_ci((share_50_plus[2024] - share_50_plus[2015]).to_numpy())
    share_50 = {y: float(share_50_plus[y].mean()) for y in (2015, 2020, 2024)}
    holds = older[2] > 0
    age_50 = TARGETS["migrant_workers_age"]["figures"]["share_over_50"]
    facts.append((
        "The migrant workforce ages: the share of migrant workers aged 50 or more grows over the decade",
        "NBS Migrant Worker Monitoring Surveys 2015 and 2020: share of all migrant workers over 50, "
        f"{age_50[2015]:.1%} and {age_50[2020]:.1%} (approximate; targets.yaml migrant_workers_age)",
        f"share of the county's migrant workers aged 50 or more (outputs migrants_50_plus / migrants): "
        f"{share_50[2015]:.3f} (2015), {share_50[2020]:.3f} (2020), {share_50[2024]:.3f} (2024); change 2015-2024 "
        f"{older[0]:+.3f} [{older[2]:+.3f}, {older[3]:+.3f}]. The national shares are higher, though they count those over 50 "
        "where the model counts 50 and over: they include local migrant workers, who are older. The fact checked is "
        "the rise",
        "holds" if holds else "**does not hold**", holds,
    ))  # fmt: skip
    land = county_table(params, replications, workers,
                        {"baseline": {}, "land_reform": {"policy.land_reform": 1.0, "policy.tenure_security": 1.0}})  # fmt: skip
    voluntary = paired(land, "land_reform", "baseline", flow("returned_voluntary", (2015, 2030)))
    passive_l = paired(land, "land_reform", "baseline", flow("returned_passive", (2015, 2030)))
    holds = voluntary[2] > 0 and passive_l[3] < 0
    facts.append((
        "Land reform (secure, transferable rights and a rental market) raises voluntary and lowers passive return",
        "the Chinese policy literature as summarised in the project's domain brief (docs/domain.md, policy levers)",
        f"land_reform = tenure_security = 1 vs none, paired, 2015-2030 totals: voluntary returns {effect_text(voluntary)}; "
        f"passive returns {effect_text(passive_l)}",
        "holds" if holds else "**partly or not** (see the numbers)", holds,
    ))  # fmt: skip
    return facts


# ---------------------------------------------------------------- 6. sensitivity
def sensitivity(out: Path, trajectories: int, workers: int) -> tuple[pd.DataFrame, Path, str]:
    """The Morris table of scenarios/sensitivity_default.yaml (read back if already run in ``out``)."""
    folder = out / "sensitivity_default"
    if (folder / "sensitivity.csv").is_file():
        return pd.read_csv(folder / "sensitivity.csv"), folder / "sensitivity.png", f"read from {folder} (`rural-abm sensitivity` run there)"
    folder = out / "sensitivity_morris"
    sa = load_sensitivity(ROOT / "scenarios" / "sensitivity_default.yaml",
                          overrides=[("method", "morris"), ("morris", {"trajectories": trajectories, "levels": 4})])  # fmt: skip
    res = run_sensitivity(sa, folder, resume=True, workers=workers)
    return res.table, res.figure, f"Morris only, {trajectories} trajectories (python experiments/validation.py)"


def sensitivity_summary(table: pd.DataFrame) -> list[str]:
    lines = []
    morris = table[table["method"] == "morris"]
    for output, g in morris.groupby("output", sort=False):
        g = g.sort_values("mu_star", ascending=False)
        top = g["mu_star"].iloc[0]
        strong = [f"`{r.parameter}` ({r.mu_star / top:.2f})" for r in g.itertuples() if r.mu_star >= 0.25 * top]
        weak = [f"`{r.parameter}`" for r in g.itertuples() if r.mu_star < 0.1 * top]
        lines.append(f"- **{output}**: matter most (mu* relative to the largest): {', '.join(strong)}; "
                     f"barely matter (under a tenth of the largest): {', '.join(weak) or 'none'}.")  # fmt: skip
    return lines


# ---------------------------------------------------------------- the page
def _names(table: pd.DataFrame, passing: bool, column: str = "pass") -> str:
    names = [t for t, ok in zip(table["target"], table[column]) if bool(ok) == passing]
    return ", ".join(names) if names else "none"


def county_defaults_fitted(res_c, prov: pd.DataFrame) -> bool:
    """Whether every parameter the county fit names is a default marked fitted in parameters.yaml, at the fitted value."""
    fitted = set(prov.loc[prov["provenance"] == "fitted", "parameter"])
    reg = registry()
    return all(k in fitted and np.isclose(reg[k].default, v, rtol=1e-3) for k, v in res_c.point.items())


def package_holds_fit(res_h) -> bool:
    """Whether scenarios/huichuan_package.yaml (variant package) sets the Huichuan fit's values."""
    kw = load(ROOT / "scenarios" / "huichuan_package.yaml").params_for("package", ())
    return all(k in kw and np.isclose(kw[k], v, rtol=1e-3) for k, v in res_h.point.items())


def status_text(res_c, res_h, prov: pd.DataFrame) -> str:
    county = ("the county's defaults in `parameters.yaml` are the values fitted in section 1 (marked \"fitted: "
              "scenarios/calibrate_county.yaml\")" if county_defaults_fitted(res_c, prov) else
              "the county's fitted values of section 1 are **not** the defaults in `parameters.yaml` "
              "(`scenarios/calibrate_county.yaml` says why)")  # fmt: skip
    package = ("`scenarios/huichuan_package.yaml` holds the Huichuan fit's values" if package_holds_fit(res_h) else
               "`scenarios/huichuan_package.yaml` does **not** hold the Huichuan fit's values")  # fmt: skip
    return f"**Status.** On the model as it is now: {county}; {package}."


def fit_origin(res) -> str:
    if res.status == "read back":
        return (f"{res.evaluations} points evaluated; read back from `{res.out}`, where `rural-abm calibrate` left its fit table "
                "(the line below says how its search ended; this script runs the calibration only where none is found).")  # fmt: skip
    return (f"{res.evaluations} points evaluated in all (this run: {res.runs_computed} new model runs; the rest read back "
            f"from `{res.out}`, where earlier runs of this script left them).")  # fmt: skip


def tipping_text(pdg) -> str:
    if pdg.tip is None or pdg.shocked_tip is None:
        def found(t):
            return f"{t:.3f}" if t is not None else "none found"

        return (f"Mean-field tipping point: {found(pdg.tip)}; shocked villages' tipping point: {found(pdg.shocked_tip)} "
                f"({len(pdg.runs)} shocked villages; `tests/test_phase_diagram.py` checks the two on its own set of runs).")  # fmt: skip
    gap = abs(pdg.tip - pdg.shocked_tip)
    return (f"Mean-field tipping point {pdg.tip:.3f}; shocked villages' tipping point {pdg.shocked_tip:.3f} (difference "
            f"{gap:.3f}, {'within' if gap <= 0.1 else '**outside**'} the 0.1 that `tests/test_phase_diagram.py` allows on its "
            "own smaller set of runs; with the feedback channels cut neither shows a tipping point). "
            f"{pdg.agreement:.0%} of {len(pdg.runs)} shocked villages end on the side of the mean-field tipping point that "
            "the map predicts.")  # fmt: skip


def county_cost_map_text(seeds: int) -> str:
    """The theory village's one-year map at the default county's own cost of leaving: where, if anywhere, it
    crosses the diagonal from below (the tipping point)."""
    cost = registry()["migration_cost"].default
    shares = np.round(np.arange(0.1, 0.75, 0.1), 2)
    x, fx = mean_field_map(shares, range(seeds), n_people=2000, migration_cost=cost)
    gap = np.asarray(fx) - np.asarray(x)
    tip = tipping_point(x, fx)
    where = f"it crosses the diagonal from below near {tip:.2f}" if tip is not None else "it has no tipping point"
    ventures = {k: registry()[k].default for k in EARLIER_VENTURES}  # the default county's venture settings
    vx, vfx = mean_field_map(shares, range(seeds), n_people=2000, **ventures)
    vgap = np.asarray(vfx) - np.asarray(vx)
    vtip = tipping_point(vx, vfx)
    vwhere = f"it crosses the diagonal from below near {vtip:.2f}" if vtip is not None else "it has no tipping point"
    # the phase diagram's village shocked to 0.85 away in 2020, with the county's ventures
    runs = shock_runs([0.85], range(seeds), **ventures)
    peak, end = runs[:, 2], runs[:, 3]
    return (f"The stationary village is the theory village of docs/odd.md 7.6 (`rural_abm/mean_field.py`): the earlier "
            f"county's levels and its few ventures, with a cost of leaving of {STATIONARY_VILLAGE['migration_cost']:g}. "
            f"At the default county's own cost of leaving ({cost:g}), its map's F(x) - x runs from {gap.min():+.3f} to "
            f"{gap.max():+.3f} over shares {shares[0]:.1f}-{shares[-1]:.1f} ({seeds} seeds, 2,000 persons): {where}. With "
            f"the default county's ventures instead ({', '.join(f'`{k}` {str(v).lower() if isinstance(v, bool) else format(v, "g")}' for k, v in ventures.items())}), its map's "
            f"F(x) - x runs from {vgap.min():+.3f} to {vgap.max():+.3f}: {vwhere}, though the map stays within about 0.01 "
            f"of the diagonal, within the noise of {seeds} seeds; a village shocked to about {np.mean(peak):.2f} away "
            f"in 2020 is back at {min(end):.2f}-{max(end):.2f} over its last five of 50 years (3,000 persons, the shocked "
            "villages of `experiments/phase_diagram.py`): the ventures' jobs pull it back, so no hollow trap holds it. So this section checks the "
            "mechanism; the default county's villages need not have a low-outflow state to return to.")  # fmt: skip


def page(fit: dict, cases, ht, pdg, county_map, facts, sens_table, sens_note, args, seconds) -> str:
    cal_c, res_c = fit["calibrate_county"]
    cal_h, res_h = fit["calibrate_huichuan"]
    prov = provenance()
    defaults_fitted = county_defaults_fitted(res_c, prov)
    L = [
        "# Validation report",
        "",
        "<!-- Generated by experiments/validation.py; edit that script, not this page. -->",
        "",
        f"Made by `python experiments/validation.py --docs --budget {args.budget:g} --replications {args.replications} "
        f"--n-people {args.n_people}` (about {max(1, round(seconds / 60))} min on the shared 2-core machine). Every number on this page "
        "comes from that run; targets and their sources are in `rural_abm/data/targets.yaml`.",
        "",
        status_text(res_c, res_h, prov),
        "",
        "## 1. Fit to published figures (`rural-abm calibrate`)",
        "",
        "Simulated method of moments (differential evolution over seeded replications with common random numbers); "
        "the fit table is computed on fresh seeds. See the user guide for the file format.",
        "",
    ]
    for title, cal, res in (("The county and the national 2015-2024 series", cal_c, res_c), ("The Huichuan package", cal_h, res_h)):
        misses = res.table[~res.table["pass"]]
        L += [f"### {title} (`scenarios/{Path(cal.source).name}`)", "",
              fit_origin(res), "",
              Path(res.out / "fit_table.md").read_text().strip(), ""]  # fmt: skip
        if len(misses):
            L.append("Misses, by how much: " + "; ".join(
                f"{r.target}: {r.mean:.4g} against {r.value:.4g} ({r.error:+.3g}, {abs(r.error) / r.tolerance:.1f} tolerances)"
                for r in misses.itertuples()) + ".")  # fmt: skip
            L.append("")
        free = unpinned(res)
        L += [f"Parameters these targets cannot pin down at the fitted point: {', '.join(f'`{p}`' for p in free) or 'none'}.", ""]
    L += [
        "Reading the fit:",
        "",
        f"- County: the fit meets {_names(res_c.table, True)}; it misses {_names(res_c.table, False)}. The urban-rural "
        "income ratio is fitted as its path relative to 2015 (the national ratio fell from 2.73 to 2.34); its level "
        "is not a target, because the default county is a poor one, poorer than the national average (section 2 "
        "shows the level against the national figure); docs/odd.md 7.22.4 discusses its path.",
        f"- Huichuan: with the package the fitted county meets {_names(res_h.table, True)} and misses "
        f"{_names(res_h.table, False)}. The county without the package reaches "
        f"{_names(res_h.table[res_h.table['contrast_pass']], True, 'contrast_pass') if res_h.table['contrast_pass'].any() else 'none of the figures'}"
        " (last columns). Training placement is read as the share of trainees in work a year after training "
        "(outputs `trained_last_year_employed` / `trained_last_year`); `training_placement` (0.92, from the same source) "
        "is only the trainees' priority in the local hiring queue, so the realised share is bounded by local vacancies "
        "and by the trainees who leave and find urban work. The package's placement services keep trainees first in "
        "line through the year after training (`placement_years`), and staff of ventures that close are hired the same "
        "year where vacancies are open (`rehire_after_closure`); without the second rule a placement read at the end of "
        "a year counts everyone whose venture closed that year as out of work. Ventures are planned with a size (sector, "
        "founder skill, lognormal spread; `venture_finance`), and a loan is the part of the planned capital that the "
        "founder's own funds leave open, up to the small-firm cap: the mean loan per borrowing firm follows the size of "
        "the ventures that borrow, while smaller plans are funded by own funds and kin lending.",
        "",
        "### Where the defaults come from",
        "",
        "Every default in `rural_abm/model/parameters.yaml` names its source (docs/odd.md, section 7.0, shows them): "
        "fitted by a calibration file, set from a published figure, or set by judgement.",
        "",
        *provenance_table(prov),
        "",
        "The targets cannot pin down the parameters that the identification tables above mark **no** (county: "
        f"{', '.join(f'`{p}`' for p in unpinned(res_c)) or 'none'}; Huichuan: {', '.join(f'`{p}`' for p in unpinned(res_h)) or 'none'}), "
        "nor any judgement parameter: none of them was fitted, and section 6 shows which of them move the outputs.",
        "",
        "## 2. Out of sample: published figures the fit did not use",
        "",
        f"The county with the fitted values of section 1 ({args.n_people:,} persons, 2015-2030, no policy), mean (sd) over "
        f"{args.replications} seeded replications; miss = (model - figure) / figure.",
        "",
        "| figure | published | model mean (sd) | miss | source | how to read it |",
        "|---|---|---|---|---|---|",
        *[c.row() for c in cases],
        "",
        "## 3. Harris-Todaro docking",
        "",
        "With every mechanism but the urban labour market off, no policy, a stationary economy and the Todaro rule "
        "(`decision_rule: harris_todaro`), the county should settle where expected rural income equals the urban "
        "employment rate times the urban wage (Harris & Todaro 1970). Ratio of the two over the last 10 of 60 years "
        f"(5,000 persons, urban jobs for half the labour force): {', '.join(f'{g:.4f}' for g in ht)} for seeds "
        f"{', '.join(str(i) for i in range(len(ht)))}; largest gap {np.max(np.abs(ht - 1)):.1%} "
        "(`tests/test_equilibria.py` checks it stays under 2%). The array engine and the agent-by-agent Mesa engine give "
        "the same outputs (`tests/test_docking.py`; [performance.md](performance.md)).",
        "",
        "## 4. The vicious circle: mean-field map and tipping point",
        "",
        "Following Brock & Durlauf (2001), a binary choice with a feedback term has several equilibria once the "
        "feedback times the choice sensitivity passes a threshold. The one-year mean-field map F(x) of a stationary "
        "village (share away next year against the share away now) has a tipping point where F(x) - x crosses zero "
        "from below; villages shocked from their low state and run for 50 years show theirs between the largest "
        "post-shock share that came back down and the smallest that went on up (`experiments/phase_diagram.py`).",
        "",
        "![Mean-field map and shocked villages](figures/phase_diagram.png)",
        "",
        tipping_text(pdg),
        "",
        county_map,
        "",
        "## 5. Stylized facts",
        "",
        f"The county with the fitted values, {args.replications} paired seeded replications; effects with 95% intervals.",
        "",
        "| fact | source | model | verdict |",
        "|---|---|---|---|",
        *[f"| {f} | {s} | {m} | {v} |" for f, s, m, v, _ in facts],
        "",
        "Reading: the returnees' start rate is far above the never-migrants' mostly because the start propensity "
        "rises steeply with skill above `venture_skill_threshold`, which returnees' urban experience raises; the "
        "literature reports a higher rate for returnees but not its ratio, so the size of the gap is not "
        "validated. Where a fact does not hold, the numbers in its row say by how much.",
        "",
        "## 6. Sensitivity (`rural-abm sensitivity scenarios/sensitivity_default.yaml`)",
        "",
        f"Morris elementary effects ({sens_note}) over ten behavioural and economic parameters, on the default county "
        f"({'its defaults are the fitted values of section 1' if defaults_fitted else 'not the fitted values of section 1'}), "
        "outputs read in 2030. The Sobol' indices in the figure's lower row come from a small sample (the file's "
        "`sobol: samples`, 32 base samples): where a first-order index exceeds its total index or falls below "
        "zero, it is sampling noise, so the summary below reads the Morris ranking.",
        "",
        "![Sensitivity](figures/sensitivity.png)",
        "",
        *sensitivity_summary(sens_table),
        "",
        "## References",
        "",
        "- Brock, W. A. & Durlauf, S. N. (2001). Discrete choice with social interactions. *Review of Economic Studies* 68(2), 235-260.",
        "- Démurger, S. & Xu, H. (2011). Return migrants: the rise of new entrepreneurs in rural China. *World Development* 39(10), 1847-1861.",
        "- Harris, J. R. & Todaro, M. P. (1970). Migration, unemployment and development: a two-sector analysis. *American Economic Review* 60(1), 126-142.",
        "- Ministry of Agriculture and Rural Affairs (June 2022), 6.5 farmers employed per returnee venture, as quoted in the Chinese journal literature.",
        "- National Bureau of Statistics: statistical communiques 2015-2024; Migrant Worker Monitoring Survey Reports 2015-2024.",
        "- Su Hongwen, Jiao Xudong & Liu Zheng (2018). Migrant Workers Contribute to Rural Revitalization through Entrepreneurship "
        "and Innovation in Hometown. *Research Report* 20(1).",
    ]  # fmt: skip
    return "\n".join(L) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", action="store_true", help="write docs/validation.md and docs/figures/ (else output/validation/)")
    parser.add_argument("--budget", type=float, default=60, help="seconds of search per calibration (default 60; continued on rerun)")
    parser.add_argument("--replications", type=int, default=20, help="seeded replications for sections 2 and 5 (default 20: at 12 the 2021 regrowth of migrants was not told apart from zero once ventures made incomes noisier)")
    parser.add_argument("--n-people", type=int, default=5000, help="county size for sections 2 and 5 (default 5000)")
    parser.add_argument("--seeds", type=int, default=6, help="seeds of the phase diagram's mean-field map (default 6)")
    parser.add_argument("--trajectories", type=int, default=6, help="Morris trajectories when no sensitivity run is found (default 6)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="results", help="folder of the calibration and sensitivity runs (default results/)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    out = Path(args.out)
    fit = fits(out, args.budget, args.workers)
    params = {"n_people": args.n_people, **fit["calibrate_county"][1].point}
    cases = out_of_sample(county_table(params, args.replications, args.workers))
    ht = harris_todaro()
    pdg = phase_diagram(args.seeds)
    facts = stylized_facts(params, args.replications, args.workers)
    sens_table, sens_png, sens_note = sensitivity(out, args.trajectories, args.workers)
    docs = ROOT / "docs" if args.docs else ROOT / "output" / "validation"
    (docs / "figures").mkdir(parents=True, exist_ok=True)
    draw(pdg, [docs / "figures" / "phase_diagram.png"])
    shutil.copyfile(sens_png, docs / "figures" / "sensitivity.png")
    text = page(fit, cases, ht, pdg, county_cost_map_text(3), facts, sens_table, sens_note, args, time.monotonic() - started)
    (docs / "validation.md").write_text(text, encoding="utf-8")
    print(f"wrote {docs / 'validation.md'} in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
