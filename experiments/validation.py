"""Validation harness: the model against the published figures of rural_abm/data/targets.yaml.

One case per published figure the model has an output for, one error score
per case: the relative error |model - target| / target of the mean over
seeded replications. Each case says which run it reads:

* the default county (no policy, 2015-2044): figures a labour-exporting
  county should come near, or lie on a stated side of, without any package;
* the Huichuan package (scenarios/huichuan_package.yaml, variant ``package``,
  from 2016): the Su, Jiao & Liu (2018) figures, which the package should come
  near and the same county without it (variant ``baseline``) should not.

    python experiments/validation.py            # prints the table
    python experiments/validation.py --docs     # also rewrites the table in docs/validation.md
"""

from __future__ import annotations

import argparse
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from rural_abm.experiment import run_scenario

ROOT = Path(__file__).resolve().parent.parent
TARGETS = yaml.safe_load((ROOT / "rural_abm" / "data" / "targets.yaml").read_text())
START, END = "<!-- validation:start -->", "<!-- validation:end -->"
PILOT = (2016, 2018)  # Huichuan pilot from 2016, figures reported in 2018


@dataclass
class Case:
    name: str
    run: str
    target: float
    model: float
    spread: float
    source: str
    reading: str

    @property
    def error(self) -> float:
        return abs(self.model - self.target) / abs(self.target)


def county_runs(replications: int) -> pd.DataFrame:
    """County metrics of the default county, one column per metric, index (replication, year)."""
    doc = {
        "version": 1,
        "name": "validation_default",
        "description": "default county, no policy",
        "parameters": {"n_people": 20000, "n_years": 30},
        "variants": {"baseline": {}},
        "replications": replications,
        "seed": 7,
        "outputs": ["hollowing_index"],
    }
    res = run_scenario(doc, tempfile.mkdtemp(prefix="validation_"), workers=2, report=False)
    return _wide(res.table)


def huichuan_runs(replications: int) -> dict[str, pd.DataFrame]:
    """County metrics of the Huichuan scenario's baseline and package variants."""
    res = run_scenario(
        ROOT / "scenarios" / "huichuan_package.yaml",
        tempfile.mkdtemp(prefix="validation_"),
        workers=2,
        report=False,
        overrides={"replications": replications, "n_people": 20000},
    )
    table = res.table[res.table["variant"].isin(["baseline", "package"])]
    return {v: _wide(t) for v, t in table.groupby("variant")}


def _wide(table: pd.DataFrame) -> pd.DataFrame:
    county = table[table["scope"] == "county"]
    return county.pivot_table(index=["replication", "year"], columns="metric", values="value")


def per_replication(df: pd.DataFrame, f) -> np.ndarray:
    return np.array([f(g.droplevel(0)) for _, g in df.groupby(level=0)])


def cases(default: pd.DataFrame, huichuan: dict[str, pd.DataFrame]) -> list[Case]:
    def mean_sd(values):
        return float(np.mean(values)), float(np.std(values, ddof=1)) if len(values) > 1 else 0.0

    out = []
    jobs = per_replication(default, lambda d: d["enterprise_jobs"].sum() / d["enterprises_active"].sum())
    out.append(Case("jobs per returnee venture", "default county, 2015-2044", TARGETS["jobs_per_returnee_venture"]["value"],
                    *mean_sd(jobs), "MARA (June 2022)", "calibrated: jobs_per_venture is set so the realised mean lands here"))
    ratio = per_replication(default, lambda d: d.loc[2024, "urban_rural_income_ratio"])
    out.append(Case("urban-rural income ratio, 2024", "default county", TARGETS["incomes_2024"]["derived"]["urban_rural_ratio"],
                    *mean_sd(ratio), "NBS 2024 communique", "national ratio; a poor labour-exporting county should lie above it"))
    income = per_replication(default, lambda d: d.loc[2024, "income_per_capita_median"])
    out.append(Case("rural median income per capita, 2024 (RMB)", "default county",
                    TARGETS["incomes_2024"]["figures"]["rural_median_disposable_income_per_capita_rmb"],
                    *mean_sd(income), "NBS 2024 communique", "national median; such a county should lie below it"))
    lo, hi = PILOT

    def returns(g):
        return (g.loc[lo:hi, "returned_passive"] + g.loc[lo:hi, "returned_voluntary"]).sum()

    for variant, label in (("package", "Huichuan package"), ("baseline", "same county, no package")):
        d = huichuan[variant]

        per_migrant = per_replication(d, lambda g: returns(g) / g.loc[hi, "away"])
        out.append(Case("returns per out-migrant", f"{label}, {lo}-{hi}",
                        TARGETS["huichuan_returnee_entrepreneurship"]["derived"]["returns_per_out_migrant"],
                        *mean_sd(per_migrant), "Su, Jiao & Liu (2018)", "returns in the pilot years / persons away at the end"))
        founders = per_replication(d, lambda g: g.loc[lo:hi, "returnee_enterprises_born"].sum() / max(returns(g), 1))
        out.append(Case("share of returnees starting a business", f"{label}, {lo}-{hi}",
                        TARGETS["huichuan_returnee_entrepreneurship"]["derived"]["entrepreneur_share_of_returnees"],
                        *mean_sd(founders), "Su, Jiao & Liu (2018)", "returnee ventures started / returns, pilot years"))
    d = huichuan["package"]
    loan = per_replication(d, lambda g: g.loc[2016, "loans_disbursed"] / max(g.loc[2016, "loans_granted"], 1))
    out.append(Case("mean microloan per firm, 2016 (RMB)", "Huichuan package, 2016",
                    TARGETS["huichuan_microloans_2016"]["derived"]["mean_loan_per_firm_rmb"], *mean_sd(loan),
                    "Su, Jiao & Liu (2018)", "loans cover only what founders lack, up to microloan_max"))
    return out


def markdown(rows: list[Case], replications: int) -> str:
    lines = [
        f"Mean (sd) over {replications} seeded replications; error = |model - target| / target.",
        "",
        "| case | run | target | model mean (sd) | error | source | how to read it |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in rows:
        fmt = (lambda v: f"{v:,.0f}") if abs(c.target) >= 100 else (lambda v: f"{v:.3f}")
        lines.append(f"| {c.name} | {c.run} | {fmt(c.target)} | {fmt(c.model)} ({fmt(c.spread)}) | {c.error:.2f} | {c.source} | {c.reading} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replications", type=int, default=6)
    parser.add_argument("--docs", action="store_true", help="rewrite the table in docs/validation.md")
    args = parser.parse_args(argv)
    table = markdown(cases(county_runs(args.replications), huichuan_runs(args.replications)), args.replications)
    print(table)
    if args.docs:
        path = ROOT / "docs" / "validation.md"
        text = path.read_text()
        block = f"{START}\n{table}\n{END}"
        path.write_text(re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S))
        print(f"rewrote the table in {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
