"""Phase diagram of the vicious circle: the mean-field map and the tipping point of a village.

A stationary village (no demography, no wage growth, urban jobs not binding,
no policy; with ages frozen, the age and family-event rules are off:
``families.FROZEN_AGE_OFF``, part of ``mean_field.STATIONARY_VILLAGE``) is started at a range of away shares and stepped one year: the
mean over seeds of the share away after a year, F(x), is the mean-field map
of the model. Where F(x) - x crosses zero from below is the tipping point
(an unstable fixed point). Both come from rural_abm.mean_field, which the
teaching page shares. The same village is then shocked from its low
state by outflow shocks of growing size and run for 50 years: villages pushed
past the tipping point should stay hollow (end above it), the others recover.
(Start shares above about 0.6 cannot be set directly: the age profile of
who is away caps them; the shock runs reach higher.)

    python experiments/phase_diagram.py            # writes output/phase_diagram.png
    python experiments/phase_diagram.py --docs     # also docs/figures/phase_diagram.png
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from rural_abm import RuralModel  # noqa: E402
from rural_abm.mean_field import STATIONARY_VILLAGE, tipping_point  # noqa: E402, F401 - tipping_point: part of this script's API
from rural_abm.mean_field import mean_field_map as village_map  # noqa: E402

VILLAGE = dict(STATIONARY_VILLAGE, n_people=3000)
ROOT = Path(__file__).resolve().parent.parent


def mean_field_map(shares, seeds):
    """Share away after one year, F(x), for this village started at away share x (means over seeds)."""
    return village_map(shares, seeds, n_people=VILLAGE["n_people"])


def shock_tipping_point(runs, spread: float = 0.2) -> float | None:
    """The tipping point the shocked villages show: between the largest post-shock share of a village
    that ended in the low state and the smallest post-shock share of one that ended in the high state.

    ``runs``: rows (shock, seed, share right after the shock, share at the end), as :func:`shock_runs`.
    The end states split at the middle of their range; if they span less than ``spread`` (one state
    only: no bistability) there is no tipping point (None). Where the two groups overlap (noise near
    the tipping point), the middle of the overlap.
    """
    after, end = runs[:, 2], runs[:, 3]
    if end.max() - end.min() < spread:
        return None
    high = end > (end.min() + end.max()) / 2
    return float((after[~high].max() + after[high].min()) / 2)


def shock_runs(shocks, seeds, years=50, **params):
    """(hollowing right after the shock, hollowing at the end) for each shock size and seed; ``params`` are laid
    over the village's settings."""
    rows = []
    for share in shocks:
        for seed in seeds:
            m = RuralModel(rng=seed, initial_away_share=0.3, n_years=years, outflow_shock_year=2020,
                           outflow_shock_share=share, **{**VILLAGE, **params})
            m.run_model()
            h = m.county_frame()["hollowing_index"]
            rows.append((share, seed, h.loc[2020], h.iloc[-5:].mean()))
    return np.array(rows)


@dataclass
class PhaseDiagram:
    """The mean-field map, its tipping point, the shocked villages and the tipping point they show."""

    x: np.ndarray
    fx: np.ndarray
    tip: float | None
    runs: np.ndarray  # rows (shock, seed, share after the shock, share at the end)
    shocked_tip: float | None

    @property
    def agreement(self) -> float:
        """Share of shocked villages on the side of the mean-field tipping point that the map predicts."""
        after, end = self.runs[:, 2], self.runs[:, 3]
        return float(np.mean((after > self.tip) == (end > self.tip))) if self.tip is not None else float("nan")


def phase_diagram(seeds: int = 6) -> PhaseDiagram:
    """Map over ``seeds`` seeds (18 start shares); shocks of 10 sizes over max(3, seeds // 2) seeds."""
    x, fx = mean_field_map(np.linspace(0.05, 0.9, 18), range(seeds))
    runs = shock_runs([0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.85], range(max(3, seeds // 2)))
    return PhaseDiagram(x, fx, tipping_point(x, fx), runs, shock_tipping_point(runs))


def draw(pd_: PhaseDiagram, paths) -> None:
    """The two-panel figure (map; shocked villages), saved to every path in ``paths``."""
    x, fx, tip = pd_.x, pd_.fx, pd_.tip
    after, end = pd_.runs[:, 2], pd_.runs[:, 3]
    collapsed = end > (tip if tip is not None else 0.5)
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
    if pd_.shocked_tip is not None:
        ax[1].axvline(pd_.shocked_tip, color="g", ls="--", lw=1, label=f"shocked villages' tipping point {pd_.shocked_tip:.2f}")
    ax[1].plot([0, 1], [0, 1], "k--", lw=1)
    ax[1].set(xlabel="share away right after the 2020 shock", ylabel="share away 45-50 years later", title="Shocked villages")
    ax[1].legend(fontsize=8)
    for a in ax:
        a.grid(alpha=0.3)
        a.set_xlim(0, 1)
    ax[1].set_ylim(0, 1)
    fig.tight_layout()
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
        print(f"wrote {path}")
    plt.close(fig)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", action="store_true", help="also write docs/figures/phase_diagram.png")
    parser.add_argument("--seeds", type=int, default=6)
    args = parser.parse_args(argv)
    result = phase_diagram(args.seeds)
    tip, shocked = result.tip, result.shocked_tip
    print(f"mean-field tipping point (share away): {tip:.3f}" if tip is not None else "no tipping point found")
    print(f"tipping point shown by the shocked villages: {shocked:.3f}" if shocked is not None else "shocked villages show no tipping point")
    if tip is not None:
        print(f"shocked villages on the side of the tipping point the map predicts: {result.agreement:.0%} of {len(result.runs)}")
    draw(result, [ROOT / "output" / "phase_diagram.png"] + ([ROOT / "docs" / "figures" / "phase_diagram.png"] if args.docs else []))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
