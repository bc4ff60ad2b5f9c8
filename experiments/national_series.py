"""The default county against the national series 2015-2024 (NBS, rural_abm/data/targets.yaml).

Four panels: rural income per capita, the urban-rural income ratio, the
mean earnings of employed migrants (all in constant 2020 RMB: nominal NBS figures deflated with the
NBS CPI) and the poverty headcount under the official line (national
incidence to 2020, when the series ends). The county is run at defaults
(20,000 persons, seeds 1-3); lines are the mean over seeds, the band their
range.

    python experiments/national_series.py                    # writes docs/figures/national_series.png
    python experiments/national_series.py --out output/x.png --seeds 5
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402

from rural_abm import RuralModel  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TARGETS = yaml.safe_load((ROOT / "rural_abm" / "data" / "targets.yaml").read_text())
YEARS = list(range(2015, 2025))
BASE_YEAR = 2020


def price_index() -> pd.Series:
    """CPI of each year relative to 2020 (2020 = 1), from the NBS changes on the year before."""
    change = TARGETS["consumer_prices"]["cpi_change"]
    level = {2015: 1.0}
    for year in YEARS[1:]:
        level[year] = level[year - 1] * (1.0 + change[year])
    return pd.Series(level) / level[BASE_YEAR]


def national() -> pd.DataFrame:
    """National series in 2020 prices: rural and urban income, their ratio, mean migrant income a year, poverty incidence."""
    cpi = price_index()
    rural = pd.Series(TARGETS["rural_income_series"]["nominal"])
    urban = pd.Series(TARGETS["urban_income_series"]["nominal"])
    wage = pd.Series(TARGETS["migrant_monthly_income_series"]["nominal"]) * 12
    return pd.DataFrame({
        "rural_income": rural / cpi,
        "ratio": urban / rural,
        "migrant_earnings": wage / cpi,
        "poverty": pd.Series(TARGETS["rural_poverty_series"]["incidence"]),
    })


def county(seeds, n_people: int) -> dict[str, pd.DataFrame]:
    """County outputs 2015-2024 per seed (columns: seeds)."""
    out = {k: {} for k in ("rural_income", "ratio", "migrant_earnings", "poverty")}
    for seed in seeds:
        m = RuralModel(rng=seed, n_people=n_people, n_years=len(YEARS))
        m.run_model()
        df = m.county_frame()
        out["rural_income"][seed] = df["income_per_capita_mean"]
        out["ratio"][seed] = df["urban_rural_income_ratio"]
        out["migrant_earnings"][seed] = df["migrant_earnings_mean"]
        out["poverty"][seed] = df["poverty_headcount_ratio"]
    return {k: pd.DataFrame(v) for k, v in out.items()}


PANELS = [
    ("rural_income", "Rural income per capita", "RMB per person a year (2020 prices)"),
    ("ratio", "Urban-rural income ratio", "urban / rural income per capita"),
    ("migrant_earnings", "Mean earnings of employed migrants", "RMB per employed migrant a year (2020 prices)"),
    ("poverty", "Poverty headcount (official line)", "share of rural residents"),
]


def plot(nat: pd.DataFrame, sim: dict[str, pd.DataFrame], out: Path) -> None:
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5))
    for ax, (key, title, unit) in zip(axes.flat, PANELS):
        s = sim[key]
        ax.fill_between(s.index, s.min(axis=1), s.max(axis=1), color="tab:blue", alpha=0.2)
        ax.plot(s.index, s.mean(axis=1), color="tab:blue", lw=2, label="default county (model)")
        n = nat[key].dropna()
        ax.plot(n.index, n.to_numpy(), color="black", lw=2, ls="--", marker="o", ms=3, label="national (NBS)")
        ax.set_title(title)
        ax.set_ylabel(unit)
        ax.set_xticks(YEARS[::2])
        ax.grid(alpha=0.3)
    axes[0, 0].legend(loc="upper left")
    fig.suptitle("Default county (20,000 persons, mean and range of seeds) against the national series, 2015-2024")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "figures" / "national_series.png")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--people", type=int, default=20000)
    a = ap.parse_args(argv)
    nat = national()
    sim = county(range(1, a.seeds + 1), a.people)
    plot(nat, sim, a.out)
    table = pd.DataFrame({f"{k}_model": sim[k].mean(axis=1) for k, *_ in PANELS} | {f"{k}_nbs": nat[k] for k, *_ in PANELS})
    print(table.round(3).to_string())
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
