"""Baseline for the benchmarks: the decision phase stepped agent by agent, the idiomatic Mesa way.

``PerAgentModel`` is a :class:`~rural_abm.model.RuralModel` whose phase 5
(leave; passive and voluntary return; the venture start intention) is decided
by each person's own ``step()``, driven by
``model.agents_by_type[DecidingPerson].shuffle_do("step")``. Every agent

* computes its own inputs from the start-of-phase state: its household's
  farm income per worker (from its household's member tallies), its village's
  local job chance, its amenity, the share of its ties who are away and its
  ties to (returnee) entrepreneurs by iterating over ``self.ties``;
* calls the very rule functions the array engine uses
  (:mod:`rural_abm.model.decisions`, :mod:`rural_abm.model.economy`) with
  scalar arguments;
* draws against the same per-year keyed uniforms (``m.streams.get(...)``),
  indexed by its row, so its draw does not depend on visiting order.

Families, settling and age (rural_abm.model.families, settlement, ageing):
each agent adds its own family and age pulls (school transitions, old or ill
elders, risk spreading, age; read from the snapshot, where they are tallied
over kin as the household tallies are) to its amenity, and draws its age push
against the same per-person uniform and age table as the array engine.
Couples following each other, children going along or staying behind, and
households settling are model-level steps after the decisions, shared by
both engines.

Decisions are simultaneous, as in the array engine (the standard synchronous
Mesa pattern): agents read a snapshot of the start-of-phase state and record
intentions; the model applies the moves afterwards with the same
``apply_departures`` / ``apply_returns`` / venture funding code, in index
order. Every other phase (demography, markets, employers, accounting,
metrics) is the array engine's own code, so the two engines differ only in
how the decisions are driven.

How the decision phase is replaced: ``RuralModel.step`` calls its methods
``decide_moves`` and ``decide_starts``; ``PerAgentModel`` overrides both and
checks each year that they were called, so a refactor of ``RuralModel.step``
cannot silently turn the baseline into the array engine. Funding the start
intentions is a market-level step and uses the model's own
``enterprises.fund_starts``.
"""

from __future__ import annotations

import time

import numpy as np

from rural_abm.model import RuralModel, ageing, decisions, economy, enterprises, families, land
from rural_abm.model.agents import Person
from rural_abm.model.codes import Occupation, Status

_AWAY = int(Status.AWAY)
_RETURNED = int(Status.RETURNED)
_FARMER = int(Occupation.FARMER)
_EMPLOYEE = int(Occupation.LOCAL_EMPLOYEE)
_ELDER = int(Occupation.ELDER)
_CHILD = int(Occupation.CHILD)
_UNEMPLOYED = int(Occupation.URBAN_UNEMPLOYED)


class _Snapshot:
    """Start-of-phase state as Python lists (what plain Mesa agents would hold as attributes)."""


class DecidingPerson(Person):
    """A Person handle that makes its own phase-5 decisions in ``step()``."""

    def assess(self) -> None:
        """Own expected income at home (RMB/year) and home amenity (log units), from the snapshot."""
        m = self.model
        s = m._snap
        p = m.p
        i = self.index
        h = s.household[i]
        v = s.village[i]
        occ = s.occupation[i]
        farmer = s.resident[i] and occ == _FARMER
        employee = s.resident[i] and occ == _EMPLOYEE
        own_workers = s.hh_workers[h] + (0 if farmer else 1)
        usable = s.land[h] - land.locked_land(p, s.rented_out[h], m.levers["tenure_security"])
        farm_pw = economy.farm_income_per_worker(p, usable, own_workers, s.hh_helpers[h], m.indices["farm"])
        casual = p["local_casual_income"] * m.indices["casual"] * s.demand[v]
        wage = p["local_wage"] * m.indices["local_wage"]
        income = decisions.expected_home_income(farm_pw, casual, wage, s.job_chance[v])
        if employee:
            income = np.maximum(wage, income)
        income = income + m.support_per_resident[h]
        left_behind = float(s.hh_child[h]) + s.hh_elder[h]
        amenity = decisions.home_amenity(p, s.service[v], left_behind, m.levers["tenure_security"]) + s.home_pulls[i]
        self.home_income, self.amenity = income, amenity
        if farmer or employee:  # reported to the village (mean expected home income, Harris-Todaro rule)
            m._seeker_income[i] = income

    def step(self) -> None:
        """Decide this year's move (leave, return passively or voluntarily) and venture start intention."""
        m = self.model
        s = m._snap
        i = self.index
        away = s.status[i] == _AWAY and s.occupation[i] != _CHILD  # children living away do not decide
        seeker = s.resident[i] and s.occupation[i] in (_FARMER, _EMPLOYEE)
        movable = seeker and s.working_age <= s.age[i] < s.movable_age
        if not (away or movable or seeker):
            return  # children, elders, entrepreneurs: nothing to decide this phase
        if not m._two_stage:
            self.assess()
        if not (away or movable):
            return  # a seeker past urban age: only reports its home income
        p = m.p
        home_income = m._village_mean[s.village[i]] if m._two_stage else self.home_income
        urban_income = m.expected_employment * economy.urban_earnings(p, s.skill[i], m.growth)
        gap = decisions.utility_gap(urban_income, home_income, self.amenity)
        ties = self.ties
        if movable:
            ties_away = 0.0
            if p["network_effects"]:
                alive_ties = away_ties = 0
                for j in ties:
                    if s.alive[j]:
                        alive_ties += 1
                        away_ties += s.status[j] == _AWAY
                ties_away = away_ties / alive_ties if alive_ties > 0 else 0.0
            p_leave = decisions.migrate_probability(p, gap, s.age[i], ties_away, urban_income, home_income)
            if s.u_leave[i] < p_leave:
                m._leavers.append(i)
                return
            if p["enterprises"]:
                founder_ties = sum(s.founder[j] for j in ties) if p["network_effects"] else 0.0
                v = s.village[i]
                p_start = decisions.start_probability(
                    p, s.skill[i], m.levers["startup_subsidy"], founder_ties, s.park_place[v], s.venture_density[v]
                )
                if s.u_start[i] < p_start:
                    m._starters.append(i)
        else:  # away
            passive = False
            if p["passive_return"]:
                passive = (s.occupation[i] == _UNEMPLOYED and s.u_passive[i] < p["passive_return_rate"]) or s.u_age[i] < s.age_push[s.age[i]]
            if passive:
                m._passive.append(i)
                return
            ent_ties = sum(s.returnee_founder[j] for j in ties) if p["entrepreneur_pull"] else 0.0
            p_return = decisions.return_probability(p, gap, ent_ties, urban_income, home_income)
            if s.u_return[i] < p_return:
                m._voluntary.append(i)


class PerAgentModel(RuralModel):
    """RuralModel with the decision phase stepped agent by agent (see the module docstring).

    Keeps a Person handle for every living person (``person_handles`` is forced
    to "all"). ``decision_seconds`` accumulates the wall time of the per-agent
    decision phase (snapshot, agent steps, funding of ventures).
    """

    def __init__(self, rng=None, **params):
        params["person_handles"] = "all"
        self.decision_seconds = 0.0
        super().__init__(rng=rng, **params)

    # ------------------------------------------------------------ handles
    def on_births(self, persons: np.ndarray) -> None:
        for i in persons.tolist():
            self._person_handles[i] = DecidingPerson(self, i)

    def person(self, index: int) -> Person:
        return super().person(index)

    # ------------------------------------------------------------ the year
    def step(self) -> None:
        self._decided = 0
        super().step()
        if self._decided != 2:
            raise RuntimeError("RuralModel.step no longer calls decide_moves/decide_starts: update benchmarks/per_agent.py")

    def _home_values(self):
        return None, None  # computed by each agent in its own step

    def decide_moves(self, home_income=None, amenity=None):
        """Phase 5: every person decides in its own ``step()``; returns (leavers, passive, voluntary)."""
        t0 = time.perf_counter()
        self._decided += 1
        self._take_snapshot()
        people = self.agents_by_type[DecidingPerson]
        if self._two_stage:  # Harris-Todaro rule: village mean of home incomes first
            people.do("assess")
            self._village_means()
        people.shuffle_do("step")
        if not self._two_stage:
            self._village_means()
        out = tuple(np.array(sorted(x), dtype=np.int64) for x in (self._leavers, self._passive, self._voluntary))
        self.decision_seconds += time.perf_counter() - t0
        return out

    def decide_starts(self, excluded=None):
        """Phase 5: fund the start intentions recorded by the agents (loan budget rationed in random order)."""
        t0 = time.perf_counter()
        self._decided += 1
        if not self.p["enterprises"]:
            return np.empty(0, np.int64)
        starters = np.array(sorted(self._starters), dtype=np.int64)
        starters = starters[~excluded[starters]]  # spouses who follow a leaver (families.couples) do not start
        founders = enterprises.fund_starts(self, starters, self._snap.u_queue_array)
        self.decision_seconds += time.perf_counter() - t0
        return founders

    def _take_snapshot(self) -> None:
        """Start-of-phase state; household and village tallies made by a pass over the persons."""
        p, per, hh, ven = self.p, self.persons, self.households, self.ventures
        s = _Snapshot()
        s.alive = per.alive.tolist()
        s.status = per.status.tolist()
        s.occupation = per.occupation.tolist()
        s.age = per.age.tolist()
        s.household = per.household.tolist()
        s.village = per.village.tolist()
        s.skill = per.skill  # float32 scalars, as the array engine computes with
        s.land = hh.land.tolist()
        s.rented_out = hh.rented_out.tolist()
        s.demand = self.demand.tolist()
        s.service = self.service.tolist()
        n, H, V = per.n, hh.n, self.n_villages
        s.resident = [a and st != _AWAY for a, st in zip(s.alive, s.status)]
        s.working_age, s.movable_age = p["working_age"], p["elder_age"]
        s.age_push = ageing.push_table(p).tolist()
        # family and age pulls (school transitions, old or ill elders, risk spreading, age): kin
        # tallies over the whole county, taken from the model as the household tallies below
        s.home_pulls = families.home_pulls(self).tolist()

        # household and village tallies (what Household / Village agents would keep)
        workers, helpers, child, elder = [0] * H, [0] * H, [False] * H, [False] * H
        working_res, staff = [0] * V, [0] * V
        ven_village = ven.village.tolist()
        lo, hi = p["working_age"], p["elder_age"]
        for i, emp in enumerate(per.employer.tolist()):
            if emp >= 0:
                staff[ven_village[emp]] += 1
            if not s.resident[i]:
                continue
            h, occ, age = s.household[i], s.occupation[i], s.age[i]
            if occ == _FARMER:
                workers[h] += 1
            elif occ == _EMPLOYEE or (occ == _ELDER and age < 75):
                helpers[h] += 1
            if occ == _CHILD:
                child[h] = True
            elif occ == _ELDER:
                elder[h] = True
            if lo <= age < hi:
                working_res[s.village[i]] += 1
        openings = [0] * V
        founder = [0] * n
        for k in np.flatnonzero(ven.active).tolist():
            openings[ven_village[k]] += max(int(ven.target_jobs[k]), 0)
            founder[int(ven.founder[k])] = 1
        s.hh_workers, s.hh_helpers, s.hh_child, s.hh_elder = workers, helpers, child, elder
        s.job_chance = [min(1.0, max(staff[v], openings[v]) / max(working_res[v], 1)) for v in range(V)]
        s.park_place = enterprises.park_places(self).tolist()
        s.venture_density = enterprises.venture_density(self).tolist()
        s.founder = founder
        s.returnee_founder = [f and st == _RETURNED for f, st in zip(founder, s.status)]

        # the same keyed uniforms as migration.decide_moves and enterprises.decide_starts
        rng = self.streams.get("migration", self.year)
        s.u_leave, s.u_return, s.u_passive, s.u_age = (rng.random(n).tolist() for _ in range(4))
        rng = self.streams.get("business", self.year, 0)
        s.u_start = rng.random(n).tolist()
        s.u_queue_array = rng.random(n)

        self._snap = s
        self._two_stage = p["decision_rule"] == "harris_todaro"
        self._seeker_income = np.full(n, np.nan)
        self._village_mean = None
        self._leavers, self._passive, self._voluntary, self._starters = [], [], [], []

    def _village_means(self) -> None:
        """Villages aggregate their seekers' reported home incomes (mean, and the county mean metric)."""
        inc = self._seeker_income
        seekers = ~np.isnan(inc)
        vil = self.persons.village
        V = self.n_villages
        self._village_mean = (
            np.bincount(vil[seekers], inc[seekers], minlength=V) / np.maximum(np.bincount(vil[seekers], minlength=V), 1)
        ).tolist()
        if self._two_stage:
            inc = np.where(seekers, np.asarray(self._village_mean)[vil], np.nan)
        self.mean_home_income = float(inc[seekers].mean()) if seekers.any() else float("nan")

