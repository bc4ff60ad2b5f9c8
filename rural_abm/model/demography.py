"""Phase 2 of a year: ageing, deaths, births, leaving school and retiring."""

from __future__ import annotations

import numpy as np

from .codes import Occupation, Status
from .network import HOUSEHOLD


def step(m) -> None:
    """Age everyone by a year, draw deaths and births, move persons between life stages."""
    if not m.p["demography"]:
        return
    per, p, flows = m.persons, m.p, m.flows
    rng = m.streams.get("demography", m.year)
    alive = per.alive
    np.add(per.age, 1, out=per.age, where=alive)

    u = rng.random(per.n)
    q = np.minimum(1.0, p["mortality_base"] * np.exp(p["mortality_slope"] * per.age))
    dead = alive & (u < q)
    flows["deaths"] += np.bincount(per.village[dead], minlength=m.n_villages)
    per.alive[dead] = False
    per.employer[dead] = -1

    alive = per.alive
    parents = np.flatnonzero(alive & (per.age >= 20) & (per.age < 40))
    born_to = parents[rng.random(len(parents)) < p["birth_rate"]]
    if len(born_to):
        hh = per.household[born_to]
        kids = per.append(
            len(born_to),
            household=hh,
            village=per.village[born_to],
            skill=np.maximum(0.05, 1.0 + p["initial_skill_sd"] * rng.standard_normal(len(born_to))),
            parent=born_to,
            kin_draw=rng.random(len(born_to)),
        )
        flows["births"] += np.bincount(per.village[kids], minlength=m.n_villages)
        _tie_newborns(m, kids)
        m.on_births(kids)

    # life stages
    alive, age = per.alive, per.age
    resident = per.status != Status.AWAY
    per.occupation[alive & (age >= p["working_age"]) & (per.occupation == Occupation.CHILD) & resident] = Occupation.FARMER
    retiring = alive & (age >= p["elder_age"]) & (per.occupation != Occupation.ELDER) & resident  # migrants retire on return
    per.occupation[retiring] = Occupation.ELDER
    per.employer[retiring] = -1
    m.on_deaths(np.flatnonzero(dead))


def _tie_newborns(m, kids: np.ndarray) -> None:
    """Tie each newborn to the living members of its household."""
    per = m.persons
    with_kid = np.zeros(m.households.n, bool)
    with_kid[per.household[kids]] = True
    members = np.flatnonzero(per.alive[: kids[0]] & with_kid[per.household[: kids[0]]])
    # pair every kid with every member of its household: sort both by household and join
    hh_members = per.household[members]
    order = np.argsort(hh_members, kind="stable")
    members, hh_members = members[order], hh_members[order]
    lo = np.searchsorted(hh_members, per.household[kids], side="left")
    hi = np.searchsorted(hh_members, per.household[kids], side="right")
    counts = hi - lo
    src = np.repeat(kids, counts)
    dst = members[np.repeat(lo - np.r_[0, np.cumsum(counts)[:-1]], counts) + np.arange(counts.sum())]
    m.network.add_ties(src, dst, HOUSEHOLD)

