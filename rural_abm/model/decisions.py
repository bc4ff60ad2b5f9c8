"""Decision rules, each written once as a vectorised function.

Every function takes arrays (or scalars) of the state at the start of the
decision phase and returns probabilities; the model draws against them.
Nothing here depends on the order in which persons are visited.

Utilities are in log-income units: a gap of 0.1 is worth about 10% of income.
"""

from __future__ import annotations

import numpy as np


def logistic(x):
    """Standard logistic function 1 / (1 + exp(-x))."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))


def expected_home_income(farm_per_worker, casual, local_wage, local_job_chance):
    """Expected income of working at home (RMB/year).

    With chance ``local_job_chance`` a local job at ``local_wage`` (taken only
    if it pays more than farming), else farm income plus casual local work.
    """
    farming = farm_per_worker + casual
    return (1.0 - local_job_chance) * farming + local_job_chance * np.maximum(local_wage, farming)


def home_amenity(p: dict, service, left_behind, tenure_security):
    """Non-income value of home (log-income units): services, family, secure land rights."""
    family = p["family_weight"] * left_behind if p["family_pull"] else 0.0
    return p["service_weight"] * service + family + p["land_security_weight"] * tenure_security


def utility_gap(expected_urban_income, expected_home_income_, amenity):
    """Utility of being away minus utility of being home (log-income units)."""
    return np.log(np.maximum(expected_urban_income, 1.0)) - np.log(np.maximum(expected_home_income_, 1.0)) - amenity


def todaro_probability(income_here, income_there, speed):
    """Todaro (1969) rule: move with probability speed * relative expected-income gain (0 if none)."""
    gain = (income_there - income_here) / np.maximum(income_here, 1.0)
    return np.clip(speed * gain, 0.0, 1.0)


def migrate_probability(p: dict, gap, age, ties_away_share, urban_income, home_income):
    """Yearly probability that a working-age resident of ``age`` (years) leaves to work away."""
    if p["decision_rule"] == "harris_todaro":
        return todaro_probability(home_income, urban_income, p["todaro_speed"])
    network = p["network_weight"] * ties_away_share if p["network_effects"] else 0.0
    cost = p["migration_cost"] + p["migration_age_cost"] * (age - p["working_age"]) / 10.0
    return p["migration_rate"] * logistic(p["choice_sensitivity"] * (gap - cost + network))


def return_probability(p: dict, gap, entrepreneur_ties, urban_income, home_income):
    """Yearly probability that a migrant comes home by choice (voluntary return)."""
    if p["decision_rule"] == "harris_todaro":
        return todaro_probability(urban_income, home_income, p["todaro_speed"])
    pull = p["entrepreneur_pull_weight"] * np.minimum(entrepreneur_ties, 2.0) if p["entrepreneur_pull"] else 0.0
    return p["return_rate"] * logistic(p["choice_sensitivity"] * (-gap - p["return_cost"] + pull))


def start_probability(p: dict, skill, subsidy, entrepreneur_ties, park_place, venture_density):
    """Yearly probability that a capable resident starts a venture (before funding).

    venture_start_rate at the skill threshold, logistic in skill, raised by a
    start-up subsidy, by a free place in the village's industrial park
    (``park_place`` true) and (with network effects) by imitation of entrepreneur ties;
    with ``market_saturation`` on, the capped probability is scaled by the room
    left in the village's market, max(0, 1 - ``venture_density`` /
    ``venture_carrying_capacity``), ``venture_density`` being the village's
    active ventures per 100 residents.
    """
    base = 2.0 * p["venture_start_rate"] * logistic(p["venture_skill_sensitivity"] * (skill - p["venture_skill_threshold"]))
    support = 1.0 + p["startup_subsidy_effect"] * subsidy / max(p["venture_capital"], 1.0)
    support = support * (1.0 + p["park_start_effect"] * np.asarray(park_place, dtype=np.float64))
    imitation = 1.0 + 0.5 * np.minimum(entrepreneur_ties, 2.0) if p["network_effects"] else 1.0
    room = np.maximum(0.0, 1.0 - venture_density / p["venture_carrying_capacity"]) if p["market_saturation"] else 1.0
    return np.minimum(1.0, base * support * imitation) * room


def failure_probability(p: dict, founder_skill, loss, market_shock, in_park):
    """Yearly probability that a venture fails."""
    hazard = p["venture_failure_rate"] * np.exp(-p["failure_skill_effect"] * (founder_skill - p["failure_reference_skill"]))
    hazard = hazard * np.where(loss, p["loss_failure_multiplier"], 1.0) * np.where(market_shock, 3.0, 1.0)
    hazard = hazard * np.where(in_park, 1.0 - p["park_failure_reduction"], 1.0)
    return np.clip(hazard, 0.0, 1.0)
