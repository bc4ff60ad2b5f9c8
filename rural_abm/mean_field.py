"""Mean-field map of a village: share away next year against share away now, and its tipping point.

A stationary village (one village, no demography, no wage growth, urban jobs
not binding) is started at a range of away shares x and stepped one year; the
mean over seeds of the share away after the year is F(x), the model's
mean-field map (docs/odd.md, section 7.6). Where F(x) - x crosses zero from
below is the tipping point: an unstable fixed point, above which a village
keeps hollowing out. Used by experiments/phase_diagram.py and by the teaching
page (rural_abm.app), which draws the map for the levers the class has set.
Knows the model only through its keywords, its Person agents and its metrics.
"""

from __future__ import annotations

import numpy as np

from .model import RuralModel
from .model.agents import Person
from .model.codes import Status
from .model.families import FROZEN_AGE_OFF

#: No social protection (pension, dibao, poverty campaign and its village-clinic standard): "no policy" in the theory checks.
NO_PROTECTION = dict(pension_minimum=0.0, pension_top_up=0.0, dibao_standard=0.0, poverty_registration=0.0,
                     poverty_transfer=0.0, welfare_jobs=0.0, industry_support=0.0, clinic_standard=0.0)

#: A village on its own in a stationary economy whose urban jobs do not bind and are never shocked (no named
#: job-loss years; only its own feedbacks act);
#: ages are frozen, so the age and family-event rules are off (families.FROZEN_AGE_OFF). No growth, no
#: social protection, no life events, at the income levels of the earlier default county (better off than
#: today's default county: casual income, farm income and urban wage) and with the few ventures of the
#: earlier county (one size of venture that few can fund, 1 per 1,000 registered at the start, start rate 0.01,
#: EARLIER_VENTURES): its low-outflow and hollow states both exist there. Its cost of leaving, -0.05 log-income
#: units (the county fits about -1.1 with its lower urban wage), places it where they do: it was -0.15 with the
#: older household table; the younger one (2026-11, more young couples) leaves more, and at -0.15 the one-year map
#: lay 0.001-0.015 above the diagonal everywhere (no crossing) while shocked villages still tipped at 0.48. The map
#: stays within about 0.015 of the diagonal, so where it crosses turns on a few thousandths (docs/validation.md,
#: section 4). With the county's own ventures the ventures' jobs pull a hollowed village back and the one-year map
#: is almost flat.
EARLIER_VENTURES = dict(venture_finance=False, initial_ventures_per_1000=1.0, venture_start_rate=0.01, jobs_per_venture=6.8)
STATIONARY_VILLAGE = dict(n_villages=1, demography=False, urban_wage_growth=0.0, casual_income_growth=0.0,
                          farm_income_growth=0.0, urban_jobs_ratio=4.0, local_casual_income=9000.0,
                          farm_income_per_mu=1100.0, urban_wage=45000.0, migration_cost=-0.05, life_events=False,
                          urban_job_loss_shock=0.0,
                          **EARLIER_VENTURES,
                          **NO_PROTECTION,
                          **FROZEN_AGE_OFF)


def away_share(model: RuralModel) -> float:
    """Share of living working-age persons who are away (the hollowing-out index), from the Person agents."""
    lo, hi = model.p["working_age"], model.p["elder_age"]
    working = [p.status for p in model.agents_by_type[Person] if lo <= p.age < hi]
    return sum(s == Status.AWAY for s in working) / max(len(working), 1)


def mean_field_map(shares, seeds, **params) -> tuple[np.ndarray, np.ndarray]:
    """(x, F(x)): share away at the start and after one year, means over ``seeds``, per start share.

    ``params`` are RuralModel keywords (levers, switches, size) laid over :data:`STATIONARY_VILLAGE`.
    """
    x, fx = [], []
    for share in shares:
        start, end = [], []
        for seed in seeds:
            m = RuralModel(rng=seed, **{**STATIONARY_VILLAGE, **params, "initial_away_share": share, "n_years": 1})
            start.append(away_share(m))
            m.step()
            end.append(m.county["hollowing_index"])
        x.append(np.mean(start))
        fx.append(np.mean(end))
    return np.array(x), np.array(fx)


def tipping_point(x, fx) -> float | None:
    """Where F(x) - x turns from negative to positive (F crosses the diagonal from below); None if never."""
    d = np.asarray(fx) - np.asarray(x)
    for i in range(len(d) - 1):
        if d[i] < 0 <= d[i + 1]:
            return float(x[i] - d[i] * (x[i + 1] - x[i]) / (d[i + 1] - d[i]))
    return None
