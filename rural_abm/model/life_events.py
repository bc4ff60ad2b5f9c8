"""Life events that spend savings (phase 7, after incomes): house building, weddings, education.

Illness is the health shock of accounting.py (its cost comes out of the
year's income). Each event costs the household a sum (RMB, 2020 prices),
paid from household savings first and then from its members' personal
savings pro rata; a household pays at most what it has (the rest of the
event is forgone or financed outside the model).

* education: ``education_cost`` a year per registered child of school age;
* weddings: a person who turns ``wedding_age`` marries with probability
  ``wedding_rate`` (one family of the couple pays ``wedding_cost``: bride
  price and banquet);
* house building: a household whose savings cover ``house_cost`` builds with
  yearly probability ``house_build_rate``.

Switch: ``life_events``.
"""

from __future__ import annotations

import numpy as np

from .codes import Occupation


def spend(m) -> None:
    """Charge this year's life events to household and personal savings; record the total spent."""
    p, per, hh = m.p, m.persons, m.households
    if not p["life_events"]:
        return
    H = hh.n
    alive = per.alive
    rng = m.streams.get("demography", m.year, 5)
    u_house = rng.random(H)
    pupils = alive & (per.occupation == Occupation.CHILD) & (per.age >= p["school_entry_age"])
    cost = np.bincount(per.household[pupils], minlength=H) * p["education_cost"]
    turning = np.flatnonzero(alive & (per.age == p["wedding_age"]))
    weds = turning[rng.random(len(turning)) < p["wedding_rate"]]
    cost += np.bincount(per.household[weds], minlength=H) * p["wedding_cost"]
    own = np.maximum(per.savings, 0.0) * alive
    members = np.bincount(per.household, own, minlength=H)
    wealth = np.maximum(hh.savings, 0.0) + members
    cost += np.where((wealth - cost >= p["house_cost"]) & (u_house < p["house_build_rate"]), p["house_cost"], 0.0)
    paid = np.minimum(cost, wealth)
    from_household = np.minimum(paid, np.maximum(hh.savings, 0.0))
    hh.savings[:] -= from_household
    share = np.divide(paid - from_household, members, out=np.zeros(H), where=members > 0)
    payers = np.flatnonzero((share > 0)[per.household] & alive)  # members of households that draw on personal savings
    per.savings[payers] -= own[payers] * share[per.household[payers]]
    m.life_event_spending = float(paid.sum())
