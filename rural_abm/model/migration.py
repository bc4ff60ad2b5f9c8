"""Urban labour market (phases 3-4) and the leave / return decisions (phase 5)."""

from __future__ import annotations

import numpy as np

from . import ageing, decisions, economy
from .codes import Occupation, Status


def urban_job_losses(m) -> None:
    """Phase 3: employed migrants lose urban jobs (base rate plus shock years)."""
    per, p = m.persons, m.p
    rng = m.streams.get("shocks", m.year, 0)
    employed = per.alive & (per.occupation == Occupation.URBAN_EMPLOYED)
    rate = p["urban_job_loss_rate"] + m.levers["urban_job_loss_shock"]
    lose = employed & (rng.random(per.n) < rate)
    per.occupation[lose] = Occupation.URBAN_UNEMPLOYED


def urban_hiring(m, round_: int) -> None:
    """Urban vacancies (job stock minus employed) go to random unemployed migrants.

    At most ``urban_job_finding`` of the unemployed are hired per round (search friction).
    The market clears twice a year: in phase 4 (round 0, after job losses) and
    in phase 6 (round 1, after this year's moves).
    """
    per = m.persons
    away = per.alive & (per.status == Status.AWAY)
    employed = int(np.count_nonzero(away & (per.occupation == Occupation.URBAN_EMPLOYED)))
    jobs = m.urban_jobs
    seekers = np.flatnonzero(away & (per.occupation == Occupation.URBAN_UNEMPLOYED))
    hires = min(max(0, int(jobs) - employed), int(round(m.p["urban_job_finding"] * len(seekers))))
    if hires:
        key = m.streams.get("market", m.year, round_).random(per.n)[seekers]
        hired = seekers[np.argsort(key)[:hires]]
        per.occupation[hired] = Occupation.URBAN_EMPLOYED


def outflow_shock(m) -> None:
    """Phase 3: in outflow_shock_year, a share of movable residents (of outflow_shock_village, or all) leaves for urban jobs."""
    p, per = m.p, m.persons
    if m.year != p["outflow_shock_year"] or p["outflow_shock_share"] <= 0:
        return
    u = m.streams.get("shocks", m.year, 3).random(per.n)
    hit = m.movable_residents() & (u < p["outflow_shock_share"])
    if p["outflow_shock_village"] >= 0:
        hit &= per.village == p["outflow_shock_village"]
    go = np.flatnonzero(hit)
    m.apply_departures(go, purpose=11)
    per.occupation[go] = Occupation.URBAN_EMPLOYED  # they leave for jobs (a recruitment wave)


def decide_moves(m, home_income: np.ndarray, amenity: np.ndarray):
    """Phase 5: who leaves and who comes back (passively or by choice), all at once.

    ``home_income`` (RMB/year) and ``amenity`` (log units) are per person, from
    the start of the phase. Returns index arrays (leavers, passive, voluntary).
    Probabilities are evaluated only for those who can move: movable residents
    (leave) and migrants (return).
    """
    per, p = m.persons, m.p
    rng = m.streams.get("migration", m.year)
    u_leave, u_return, u_passive, u_age = (rng.random(per.n) for _ in range(4))
    away = per.alive & (per.status == Status.AWAY)
    migrant = away & (per.occupation != Occupation.CHILD)

    def gap_and_urban_income(persons):
        urban_income = m.expected_employment * economy.urban_earnings(p, per.skill[persons], m.growth)
        return decisions.utility_gap(urban_income, home_income[persons], amenity[persons]), urban_income

    movable = np.flatnonzero(m.movable_residents())
    ties_away = m.network.share_of_ties(away, per.alive)[movable] if p["network_effects"] else 0.0
    gap, urban_income = gap_and_urban_income(movable)
    p_leave = decisions.migrate_probability(p, gap, per.age[movable], ties_away, urban_income, home_income[movable])
    leavers = movable[u_leave[movable] < p_leave]

    unemployed = away & (per.occupation == Occupation.URBAN_UNEMPLOYED)
    passive = unemployed & (u_passive < p["passive_return_rate"]) if p["passive_return"] else np.zeros(per.n, bool)
    if p["passive_return"]:  # age push (ageing.py): urban work ends by a hazard rising with age
        passive |= migrant & (u_age < ageing.push_table(p)[per.age])
    deciding = np.flatnonzero(migrant & ~passive)
    ent_ties = m.network.count_tied_to(np.flatnonzero(m.returnee_founders()), per.n)[deciding] if p["entrepreneur_pull"] else 0.0
    gap, urban_income = gap_and_urban_income(deciding)
    p_return = decisions.return_probability(p, gap, ent_ties, urban_income, home_income[deciding])
    voluntary = deciding[u_return[deciding] < p_return]
    return leavers, np.flatnonzero(passive), voluntary


def urban_experience(m) -> None:
    """Phase 6: a year of urban work adds to years away and (returnee human capital) to skill."""
    per, p = m.persons, m.p
    working = per.alive & (per.occupation == Occupation.URBAN_EMPLOYED)
    np.add(per.years_away, working, out=per.years_away)  # in place, in the table's column
    if p["returnee_human_capital"]:
        learning = working & (per.years_away * p["skill_gain_per_year_away"] <= p["max_experience_gain"] + 1e-9)
        per.skill[learning] += p["skill_gain_per_year_away"]
