"""The Harris-Todaro limit of the model (Harris & Todaro 1970), for tests/test_equilibria.py and the validation report.

With every mechanism but the urban labour market off, no policy, a stationary
economy and the Todaro rule, the county should settle where expected rural
income equals the urban employment rate times the urban wage.
"""

from __future__ import annotations

import numpy as np

from rural_abm import RuralModel
from rural_abm.mean_field import NO_PROTECTION

#: Every mechanism but the urban labour market off, no policy, stationary economy.
HARRIS_TODARO = dict(
    **NO_PROTECTION,
    life_events=False,
    decision_rule="harris_todaro",
    demography=False,
    demand_feedback=False,
    service_feedback=False,
    family_pull=False,
    network_effects=False,
    entrepreneur_pull=False,
    passive_return=False,
    returnee_human_capital=False,
    enterprises=False,
    tie_rewiring=False,
    informal_rental_share=0.0,
    urban_wage=41000.0,  # the NBS 2015 mean migrant income (2020 prices), fixed: the docking does not move with the county fit
    urban_wage_growth=0.0,
    casual_income_growth=0.0,
    farm_income_growth=0.0,
    urban_jobs_growth=0.0,
    urban_job_loss_shock=0.0,
    initial_ventures_per_1000=0.0,
    todaro_speed=1.0,
    local_casual_income=9000.0,  # home income high enough for an interior equilibrium (lower: all movable leave, a corner)
    couple_together=0.0,  # families: no one moves because a spouse does
    settlement_rate=0.0,  # nobody leaves the county for good
    marriage_rate=0.0,
)


def harris_todaro(seeds=range(3), jobs_ratio: float = 0.5) -> np.ndarray:
    """Expected rural income / (urban employment rate x urban wage) over the last 10 of 60 years, per seed."""
    gaps = []
    for seed in seeds:
        m = RuralModel(rng=seed, n_people=5000, n_years=60, urban_jobs_ratio=jobs_ratio, **HARRIS_TODARO)
        m.run_model()
        end = m.county_frame().iloc[-10:]
        gaps.append(end["expected_home_income"].mean() / end["expected_urban_income"].mean())
    return np.array(gaps)
