"""Phase diagram of the vicious circle: the mean-field map and the tipping point of a village.

A stationary village (no demography, no wage growth, urban jobs not binding,
no policy) is started at a range of away shares and stepped one year: the
mean over seeds of the share away after a year, F(x), is the mean-field map
of the model. Where F(x) - x crosses zero from below is the tipping point
(an unstable fixed point). The same village is then shocked from its low
state by outflow shocks of growing size and run for 50 years: villages pushed
past the tipping point should stay hollow (end above it), the others recover.
(Start shares above about 0.6 cannot be set directly: the age profile of
who is away caps them; the shock runs reach higher.)

    python experiments/phase_diagram.py            # writes output/phase_diagram.png
    python experiments/phase_diagram.py --docs     # also docs/figures/phase_diagram.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from rural_abm import RuralModel  # noqa: E402

#: The stationary village of tests/test_equilibria.py: no growth, no social protection, better off than the default county.
VILLAGE = dict(n_villages=1, n_people=3000, demography=False, urban_wage_growth=0.0, local_wage_growth=0.0,
               farm_income_growth=0.0, urban_jobs_ratio=4.0, local_casual_income=9500.0, pension_minimum=0.0,
               pension_top_up=0.0, dibao_standard=0.0, poverty_registration=0.0, poverty_transfer=0.0,
               welfare_jobs=0.0, industry_support=0.0)
ROOT = Path(__file__).resolve().parent.parent


def mean_field_map(shares, seeds):
    """Share away after one year, F(x), for villages started at away share x (means over seeds)."""
    x, fx = [], []
    for share in shares:
        start, end = [], []
        for seed in seeds:
            m = RuralModel(rng=seed, initial_away_share=share, n_years=1, **VILLAGE)
            start.append(_away_share(m))
            m.step()
            end.append(m.county["hollowing_index"])
        x.append(np.mean(start))
        fx.append(np.mean(end))
    return np.array(x), np.array(fx)


def _away_share(m) -> float:
    per, p = m.persons, m.p
    working = per.alive & (per.age >= p["working_age"]) & (per.age < p["elder_age"])
    return float((working & (per.status == 1)).sum() / working.sum())


def tipping_point(x, fx) -> float | None:
    """Where F(x) - x turns from negative to positive (F crosses the diagonal from below)."""
    d = fx - x
    for i in range(len(d) - 1):
        if d[i] < 0 <= d[i + 1]:
            return float(x[i] - d[i] * (x[i + 1] - x[i]) / (d[i + 1] - d[i]))
    return None


def shock_runs(shocks, seeds, years=50):
    """(hollowing right after the shock, hollowing at the end) for each shock size and seed."""
    rows = []
    for share in shocks:
        for seed in seeds:
            m = RuralModel(rng=seed, initial_away_share=0.3, n_years=years, outflow_shock_year=2020,
                           outflow_shock_share=share, **VILLAGE)
            m.run_model()
            h = m.county_frame()["hollowing_index"]
            rows.append((share, seed, h.loc[2020], h.iloc[-5:].mean()))
    return np.array(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", action="store_true", help="also write docs/figures/phase_diagram.png")
    parser.add_argument("--seeds", type=int, default=6)
    args = parser.parse_args(argv)
    seeds = range(args.seeds)

    x, fx = mean_field_map(np.linspace(0.05, 0.9, 18), seeds)
    tip = tipping_point(x, fx)
    runs = shock_runs([0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.85], range(max(3, args.seeds // 2)))
    after, end = runs[:, 2], runs[:, 3]
    collapsed = end > (tip if tip is not None else 0.5)
    print(f"mean-field tipping point (share away): {tip:.3f}" if tip is not None else "no tipping point found")
    if tip is not None:
        agree = np.mean((after > tip) == collapsed)
        print(f"shocked villages on the side of the tipping point the map predicts: {agree:.0%} of {len(runs)}")

    fig, ax = plt.subplots(1, 2, figsize=(11, 4.5))
    ax[0].plot(x, fx - x, "o-", label="F(x) - x: change in share away over a year")
    ax[0].axhline(0, color="k", lw=1)
    if tip is not None:
        ax[0].axvline(tip, color="r", ls=":", label=f"tipping point {tip:.2f}")
    ax[0].set(xlabel="share of working-age persons away now (x)", ylabel="change over one year", title="Mean-field map of a village")
    ax[0].legend(fontsize=8)
    ax[1].scatter(after[~collapsed], end[~collapsed], label="recovered", marker="o")
    ax[1].scatter(after[collapsed], end[collapsed], label="stayed hollow", marker="x")
    if tip is not None:
        ax[1].axvline(tip, color="r", ls=":", label="mean-field tipping point")
    ax[1].plot([0, 1], [0, 1], "k--", lw=1)
    ax[1].set(xlabel="share away right after the 2020 shock", ylabel="share away 45-50 years later", title="Shocked villages")
    ax[1].legend(fontsize=8)
    for a in ax:
        a.grid(alpha=0.3)
        a.set_xlim(0, 1)
    ax[1].set_ylim(0, 1)
    fig.tight_layout()
    targets = [ROOT / "output" / "phase_diagram.png"] + ([ROOT / "docs" / "figures" / "phase_diagram.png"] if args.docs else [])
    for path in targets:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
