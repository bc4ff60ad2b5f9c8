"""Leaving for good: migrant families settle in a town or city and leave the registered population.

Phase 5, after the year's moves. The settling unit is a migrant with the
spouse, if the spouse is living and registered (then it must be a migrant
too: couples settle together), and the children of either who are still
children (occupation CHILD). A unit may settle when one of its migrants has
worked away ``settlement_min_years`` or more and one is in urban work; it then
settles with yearly probability

    settlement_rate * logistic(settlement_sensitivity * x),
    x = log(means / (housing_price * growth)) + settlement_hukou_weight * hukou_reform,
    means = savings + settlement_subsidy + settlement_income_years * earnings,

where savings are the unit's personal savings plus its household's savings
(parents help to buy the flat), earnings the yearly urban earnings of its
employed migrants (a mortgage of that many years' earnings),
``settlement_subsidy`` the county-town housing subsidy and ``hukou_reform``
the settlement lever (both schedules). At most one unit of a household settles
in a year (the one with the lowest draw). Its members leave the county: they
are no longer alive in the registered sense (``alive`` False) and get status
SETTLED; the household's savings go into the flat; the subsidy is booked on
fiscal head ``settlement``. Grandparents and others stay registered.

A household left with no registered member has settled out (``settled``).
Its contracted land stays in the village: a share ``land_reform`` (this
year's lever) is transferred to the village's farming households (pro rata to
their resident working-age farmers); the rest stays contracted to the settled
household, which has no labour, so the rental market offers all of it for
rent (``land.allocate``): more of it is rented, less idles, under land reform.
"""

from __future__ import annotations

import numpy as np

from . import decisions, economy
from .codes import Occupation, Status
from .families import migrants
from .population import group_rank


def step(m) -> np.ndarray:
    """Draw this year's settling units, move them out and return the settling persons' indices."""
    p, per, hh, lv = m.p, m.persons, m.households, m.levers
    if p["settlement_rate"] <= 0:
        return np.empty(0, np.int64)
    alive, hid = per.alive, per.household
    away = migrants(per)
    heads = np.flatnonzero(away)
    spouse = per.spouse[heads]
    married = (spouse >= 0) & alive[np.maximum(spouse, 0)]
    partner = np.where(married, spouse, heads)  # a single migrant is its own partner below
    head = ~married | (away[partner] & (heads < partner))  # one head per couple; couples settle together
    heads, partner = heads[head], partner[head]
    veteran = np.maximum(per.years_away[heads], per.years_away[partner]) >= p["settlement_min_years"]
    heads, partner = heads[veteran], partner[veteran]

    def earned(i):
        return np.where(per.occupation[i] == Occupation.URBAN_EMPLOYED, economy.urban_earnings(p, per.skill[i], m.growth), 0.0)

    earnings = earned(heads) + np.where(partner == heads, 0.0, earned(partner))
    ok = earnings > 0
    heads, partner, earnings = heads[ok], partner[ok], earnings[ok]
    savings = per.savings[heads] + np.where(partner == heads, 0.0, per.savings[partner]) + hh.savings[hid[heads]]
    means = np.maximum(savings, 0.0) + lv["settlement_subsidy"] + p["settlement_income_years"] * earnings
    x = np.log(np.maximum(means, 1.0) / (p["housing_price"] * m.growth)) + p["settlement_hukou_weight"] * lv["hukou_reform"]
    prob = p["settlement_rate"] * decisions.logistic(p["settlement_sensitivity"] * x)
    u = m.streams.get("migration", m.year, 7).random(per.n)
    go = u[heads] < prob
    heads, partner = heads[go], partner[go]
    first = group_rank(hid[heads], u[heads]) == 0
    heads, partner = heads[first], partner[first]
    unit = np.zeros(per.n, bool)
    unit[heads] = True
    unit[partner] = True
    children = np.flatnonzero(alive & (per.occupation == Occupation.CHILD) & (per.parent >= 0))
    unit[children[unit[per.parent[children]]]] = True
    members = np.flatnonzero(unit)
    if len(members):
        _leave(m, members, lv["settlement_subsidy"] * len(heads))
    return members


def _leave(m, members: np.ndarray, subsidy: float) -> None:
    """Persons ``members`` leave the registered population; emptied households have settled out."""
    per, hh, V = m.persons, m.households, m.n_villages
    m.flows["settled_out"] += np.bincount(per.village[members], minlength=V)
    households = np.unique(per.household[members])
    hh.savings[households] = np.minimum(hh.savings[households], 0.0)  # spent on the flat
    per.alive[members] = False
    per.status[members] = Status.SETTLED
    per.employer[members] = -1
    m.fiscal["settlement"] += subsidy
    m.on_deaths(members)  # their Mesa handles go, as for persons who died
    empty = households[np.bincount(per.household[per.alive], minlength=hh.n)[households] == 0]
    hh.settled[empty] = True
    _transfer_land(m, empty)


def _transfer_land(m, settling: np.ndarray) -> None:
    """Under land reform, a share of settled households' land goes to the village's farming households."""
    per, hh, lv, V = m.persons, m.households, m.levers, m.n_villages
    share = lv["land_reform"]
    if share <= 0 or not len(settling):
        return
    resident = per.alive & (per.status != Status.AWAY)
    farmers = np.bincount(per.household[resident & (per.occupation == Occupation.FARMER)], minlength=hh.n).astype(np.float64)
    farmers_v = np.bincount(hh.village, farmers, minlength=V)
    moved = np.where(farmers_v[hh.village[settling]] > 0, share * hh.land[settling], 0.0)
    hh.land[settling] -= moved
    hh.rented_out[settling] *= 1.0 - np.where(moved > 0, share, 0.0)
    pool = np.bincount(hh.village[settling], moved, minlength=V)
    hh.land[:] += np.divide(pool, farmers_v, out=np.zeros(V), where=farmers_v > 0)[hh.village] * farmers
