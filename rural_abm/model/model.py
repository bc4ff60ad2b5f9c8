"""RuralModel: builds the county and orders the phases of a simulated year.

A year (one ``step``) runs, in this order (docs/odd.md, "Process overview"):

1. policy: every lever's schedule gives this year's value;
2. demography: ageing, deaths, births, leaving school, retiring, marriages; ventures
   whose founder died or retired close;
3. shocks: urban job losses (base rate, shock years), outflow shock;
4. markets: urban employment rate expected from jobs / urban labour, and
   urban vacancies filled from unemployed migrants; village resident shares
   give the local demand index and public-service level;
5. decisions, simultaneous (every rule reads the state at the start of the
   phase, so nothing depends on the order persons are visited): leave, return
   (passive: job loss or age push; voluntary), start a venture, join training;
   spouses follow (families.couples); then children go with or stay behind
   their parents (families.place_children) and migrant households may settle
   for good (settlement.step);
6. employers: urban vacancies (again, for this year's arrivals) and venture
   vacancies are filled; ventures
   produce, repay loans and may fail;
7. accounting: land rental, household incomes, social protection, savings,
   poverty, transfers; life events spend savings;
8. metrics are computed and recorded by the DataCollector.
"""

from __future__ import annotations

from pathlib import Path

import mesa
import numpy as np
import pandas as pd

from . import accounting, demography, economy, enterprises, families, land, life_events, metrics, migration, services, settlement
from .agents import Enterprise, Person, Village
from .codes import Occupation, ReturnKind, Status
from .decisions import expected_home_income, home_amenity
from .network import HOUSEHOLD, URBAN, VILLAGE, SocialNetwork, household_ties, village_small_world
from .parameters import resolve
from .policies import FISCAL_HEADS, levers
from .population import Households, Persons, Ventures
from .streams import Streams, check_rng, root_sequence

AGE_PYRAMID = Path(__file__).resolve().parent.parent / "data" / "age_pyramid.csv"


class RuralModel(mesa.Model):
    """A rural county of villages, households, persons and ventures, stepped yearly.

    Every parameter is a keyword (see ``rural_abm.model.parameters.yaml`` and
    docs/odd.md); seeding is only through ``rng`` (an int, SeedSequence or
    Generator). Unknown or out-of-range parameters raise ParameterError before
    anything is built.
    """

    def __init__(self, rng=None, **params):
        p = resolve(**params)
        check_rng(rng)
        super().__init__(rng=rng)
        self.p = p
        self.streams = Streams(root_sequence(rng if rng is not None else self.rng))
        self.n_villages = p["n_villages"]
        self.year = p["start_year"] - 1
        self.levers = levers(p, p["start_year"])
        self.growth = 1.0
        self.indices = economy.growth_indices(p, p["start_year"])
        self.ledger = {"loans_disbursed": 0.0, "loans_repaid": 0.0, "loans_written_off": 0.0}
        self._reset_flows()
        self.returnee_ventures_founded = np.zeros(self.n_villages, np.int64)  # since the start, those running then included
        self._person_handles: dict[int, Person] = {}
        self._venture_handles: dict[int, Enterprise] = {}
        self._build_county()
        self.villages = [Village(self, v) for v in range(self.n_villages)]
        self.on_births(np.arange(self.persons.n))
        self.county: dict = {}
        self.village_metrics: dict = {}
        self.datacollector = mesa.DataCollector(
            model_reporters={name: _county_reporter(name) for name in metrics.COUNTY_METRICS},
            # "village": the village index, so batch_run rows name their village (AgentIDs count ventures too)
            agenttype_reporters={Village: {"village": "index", **{f"village_{name}": _village_reporter(name) for name in metrics.VILLAGE_METRICS}}},
        )

    # ------------------------------------------------------------------ set-up
    def _build_county(self) -> None:
        p = self.p
        rng = self.streams.get("setup", p["start_year"])
        n = p["n_people"]
        bands = np.loadtxt(AGE_PYRAMID, delimiter=",", comments="#")
        household, ages, spouse, parent, n_hh = families.compose(rng, n, bands)
        hh = Households(n_hh)
        hh.village[:] = rng.integers(0, self.n_villages, n_hh)
        hh.land[:] = rng.gamma(4.0, p["land_per_household_mu"] / 4.0, n_hh)
        hh.savings[:] = 8000.0 * rng.lognormal(0.0, 1.0, n_hh)
        hh.monitor_draw[:] = rng.random(n_hh)

        per = Persons(n, capacity=int(n * 1.5))
        per.household[:], per.age[:], per.spouse[:], per.parent[:] = household, ages, spouse, parent
        per.kin_draw[:] = rng.random(n)
        per.village[:] = hh.village[per.household]
        per.skill[:] = np.maximum(0.05, 1.0 + p["initial_skill_sd"] * rng.standard_normal(n))
        age = per.age
        working = (age >= p["working_age"]) & (age < p["elder_age"])
        per.occupation[:] = np.where(age < p["working_age"], Occupation.CHILD, np.where(working, Occupation.FARMER, Occupation.ELDER))

        # who is away at the start: younger working-age persons more likely
        weight = np.where(working, np.exp(-(((age - 30.0) / 12.0) ** 2)), 0.0)
        away = families.initial_migrants(rng, weight, working, per.spouse, p["initial_away_share"], p["couple_together"])
        max_years = np.clip(age - p["working_age"], 1, 15)
        per.status[away] = Status.AWAY
        per.years_away[away] = rng.integers(1, max_years[away] + 1)
        per.occupation[away] = np.where(rng.random(away.sum()) < 0.95, Occupation.URBAN_EMPLOYED, Occupation.URBAN_UNEMPLOYED)
        # residents who have been away before
        was_away = working & ~away & (age >= 25) & (rng.random(n) < 0.15)
        per.status[was_away] = Status.RETURNED
        per.years_away[was_away] = rng.integers(1, max_years[was_away] + 1)
        per.return_kind[was_away] = np.where(rng.random(was_away.sum()) < 0.5, ReturnKind.PASSIVE, ReturnKind.VOLUNTARY)
        been = away | was_away
        if p["returnee_human_capital"]:
            per.skill[been] += np.minimum(p["skill_gain_per_year_away"] * per.years_away[been], p["max_experience_gain"])
        per.savings[been] = 0.5 * p["urban_saving_share"] * p["urban_wage"] * per.years_away[been]
        self.persons, self.households, self.ventures = per, hh, Ventures(0)
        self.initial_migrants = int(away.sum())
        self.household_sick = np.zeros(n_hh, bool)
        families.place_children(self)

        net_rng = self.streams.get("network", p["start_year"])
        hs, hd = household_ties(per.household)
        vs, vd = village_small_world(per.village, p["village_ties"], p["village_tie_rewiring"], net_rng)
        kind = np.r_[np.full(len(hs), HOUSEHOLD, np.int8), np.full(len(vs), VILLAGE, np.int8)]
        self.network = SocialNetwork(n, np.concatenate([hs, vs]), np.concatenate([hd, vd]), kind)
        migrants = np.flatnonzero(away)
        self._tie_to_random(migrants, migrants, URBAN, p["urban_ties_per_move"], net_rng)
        self.network.prune(per.alive)

        # ventures already running, founded by the most skilled returnees
        k = int(round(n * p["initial_ventures_per_1000"] / 1000.0)) if p["enterprises"] else 0
        cand = np.flatnonzero(was_away)
        founders = cand[np.argsort(-per.skill[cand], kind="stable")[:k]]
        if p["venture_finance"]:
            sector, capital = enterprises.plan_ventures(self, founders, self.streams.get("business", p["start_year"] - 1, 6))
        else:
            sector, capital = None, np.full(len(founders), float(p["venture_capital"]))
        enterprises._found(self, founders, np.zeros(len(founders)), sector, capital)
        services.setup(self)
        self._update_villages()
        enterprises.set_targets(self)  # the running ventures' openings, seen by the first year's decisions
        self.income = {c: np.zeros(n_hh) for c in accounting.COMPONENTS}
        self.support_per_resident = np.zeros(n_hh)

    # ------------------------------------------------------------------ the year
    def step(self) -> None:
        """Simulate one calendar year (phases 1-8, see the module docstring)."""
        p = self.p
        self.year = p["start_year"] + self.steps - 1
        self.indices = economy.growth_indices(p, self.year)
        self.growth = self.indices["urban_wage"]
        self.levers = levers(p, self.year)  # 1. policy
        self._reset_flows()
        demography.step(self)  # 2. demography
        families.marry(self)
        enterprises.close_orphans(self)
        migration.urban_job_losses(self)  # 3. shocks
        migration.outflow_shock(self)
        self.network.prune(self.persons.alive)
        away = families.migrants(self.persons)  # 4. markets
        self.urban_jobs = economy.urban_jobs(p, self.initial_migrants, self.year, self.levers["urban_job_loss_shock"])
        self.expected_employment = economy.employment_rate(self.urban_jobs, int(away.sum()))
        migration.urban_hiring(self, 0)
        self._update_villages()
        home_income, amenity = self._home_values()  # 5. decisions
        leavers, passive, voluntary = families.couples(self, *self.decide_moves(home_income, amenity))
        moving = np.zeros(self.persons.n, bool)
        moving[leavers] = True
        trainable = self.movable_residents() & ~moving
        self.decide_starts(moving)
        self._train(trainable)
        self.apply_departures(leavers, purpose=1)
        self.apply_returns(passive, ReturnKind.PASSIVE, purpose=2)
        self.apply_returns(voluntary, ReturnKind.VOLUNTARY, purpose=3)
        families.place_children(self)
        settlement.step(self)
        migration.urban_hiring(self, 1)  # 6. employers
        migration.urban_experience(self)
        enterprises.operate(self)
        accounting.step(self)  # 7. accounting
        life_events.spend(self)
        self.fiscal["public_services"] += self.levers["public_service_investment"] * self._residents()
        self.county, self.village_metrics = metrics.compute(self)  # 8. metrics
        self.datacollector.collect(self)
        if self.steps >= p["n_years"]:
            self.running = False

    def _reset_flows(self) -> None:
        names = ("births", "deaths", "migrated", "returned_passive", "returned_voluntary", "ventures_born",
                 "returnee_ventures_born", "ventures_failed", "return_to_poverty", "trained", "loans_granted", "settled_out")
        self.flows = {k: np.zeros(self.n_villages, np.int64) for k in names}
        self.fiscal = dict.fromkeys(FISCAL_HEADS, 0.0)
        self.protection: dict[str, int] = {}
        self.life_event_spending = 0.0  # RMB of savings spent on life events this year

    def _residents(self) -> int:
        per = self.persons
        return int(np.count_nonzero(per.alive & (per.status != Status.AWAY)))

    def _update_villages(self) -> None:
        """Residents of each village -> local demand index, schools and clinics, public-service level."""
        services.update(self, self.levers["public_service_investment"])

    def _home_values(self) -> tuple[np.ndarray, np.ndarray]:
        """Expected income at home (RMB/year) and home amenity (log units) of every person who may move.

        Evaluated for resident farmers and employees (job-seekers at home) and
        migrants (persons away who are not children); NaN for everyone else,
        who decides nothing in phase 5. Sets ``mean_home_income`` (mean over job-seekers).
        """
        p, per, hh = self.p, self.persons, self.households
        H, V = hh.n, self.n_villages
        alive, occ, hid, vil = per.alive, per.occupation, per.household, per.village
        away = alive & (per.status == Status.AWAY)
        resident = alive & ~away
        farmer = resident & (occ == Occupation.FARMER)
        employee = resident & (occ == Occupation.LOCAL_EMPLOYEE)
        deciders = np.flatnonzero(farmer | employee | (away & (occ != Occupation.CHILD)))
        h, v = hid[deciders], vil[deciders]
        workers, helpers = families.farm_hands(self)
        usable = hh.land - land.locked_land(p, hh.rented_out, self.levers["tenure_security"])
        # per household: a farmer shares the land with its farmers; anyone else would be one more farmer
        farm_index = self.indices["farm"]
        as_farmer, as_newcomer = (economy.farm_income_per_worker(p, usable, workers + k, helpers, farm_index) for k in (0, 1))
        is_farmer, is_employee = farmer[deciders], employee[deciders]
        farm_pw = np.where(is_farmer, as_farmer[h], as_newcomer[h])
        casual = p["local_casual_income"] * self.indices["casual"] * self.demand[v]
        wage = p["local_wage"] * self.indices["local_wage"]
        income = expected_home_income(farm_pw, casual, wage, self._local_job_chance(resident)[v])
        income = np.where(is_employee, np.maximum(wage, income), income)
        income = income + self.support_per_resident[h]  # support paid only to members living at home
        seekers = is_farmer | is_employee
        if p["decision_rule"] == "harris_todaro":  # everyone expects the village mean of its job-seekers
            seekers_v = np.maximum(np.bincount(v[seekers], minlength=V), 1)
            village_mean = np.bincount(v[seekers], income[seekers], minlength=V) / seekers_v
            income = village_mean[v]
        self.mean_home_income = float(income[seekers].mean()) if seekers.any() else float("nan")

        child = np.bincount(hid[resident & (occ == Occupation.CHILD)], minlength=H) > 0
        elder = np.bincount(hid[resident & (occ == Occupation.ELDER)], minlength=H) > 0
        left_behind = (child.astype(float) + elder)[h]
        amenity = home_amenity(p, self.service[v], left_behind, self.levers["tenure_security"])
        amenity = amenity + families.home_pulls(self)[deciders]
        out = np.full((2, per.n), np.nan)
        out[0, deciders], out[1, deciders] = income, amenity
        return out[0], out[1]

    def _local_job_chance(self, resident: np.ndarray) -> np.ndarray:
        """Chance of a local job in each village: max(venture staff, openings) / resident working-age persons (<= 1)."""
        p, per, ven, V = self.p, self.persons, self.ventures, self.n_villages
        staff = np.bincount(ven.village[per.employer[per.employer >= 0]], minlength=V)
        openings = np.bincount(ven.village[ven.active], np.maximum(ven.target_jobs[ven.active], 0), minlength=V)
        working_res = np.bincount(per.village[resident & (per.age >= p["working_age"]) & (per.age < p["elder_age"])], minlength=V)
        return np.minimum(1.0, np.maximum(staff, openings) / np.maximum(working_res, 1))

    def decide_moves(self, home_income: np.ndarray, amenity: np.ndarray):
        """Phase 5: who leaves and who returns (index arrays); a subclass may decide differently."""
        return migration.decide_moves(self, home_income, amenity)

    def decide_starts(self, excluded: np.ndarray) -> np.ndarray:
        """Phase 5: who starts (and funds) a venture; a subclass may decide differently."""
        return enterprises.decide_starts(self, excluded)

    def _train(self, trainable: np.ndarray) -> None:
        """Phase 5: a share ``training_coverage`` of the untrained among ``trainable`` residents is trained.

        ``trainable`` is read at the start of the phase (staying working-age
        farmers and employees), so the year's founders may train too.
        """
        per, p = self.persons, self.p
        # placement services follow a trainee through the training year and the next (first in line for local vacancies)
        per.placed[per.trained_year < self.year - p["placement_years"] + 1] = False
        cover = self.levers["training_coverage"]
        if cover <= 0:
            return
        rng = self.streams.get("policy", self.year, 0)
        u, u_place = rng.random(per.n), rng.random(per.n)
        trainees = trainable & ~per.trained & (u < cover)
        per.skill[trainees] += p["training_skill_gain"]
        per.trained[trainees] = True
        per.trained_year[trainees] = self.year
        per.placed[trainees & (u_place < p["training_placement"])] = True
        self.flows["trained"] += np.bincount(per.village[trainees], minlength=self.n_villages)
        self.fiscal["training"] += p["training_cost"] * np.count_nonzero(trainees)

    # ------------------------------------------------------------------ moves
    def movable_residents(self) -> np.ndarray:
        """Mask of residents who may leave, start a venture or train: working age, farming or employed."""
        per, p = self.persons, self.p
        occ = per.occupation
        return (
            per.alive
            & (per.status != Status.AWAY)
            & (per.age >= p["working_age"])
            & (per.age < p["elder_age"])
            & ((occ == Occupation.FARMER) | (occ == Occupation.LOCAL_EMPLOYEE))
        )

    def founders(self) -> np.ndarray:
        """Mask of persons running an active venture."""
        mask = np.zeros(self.persons.n, bool)
        mask[self.ventures.founder[self.ventures.active]] = True
        return mask

    def returnee_founders(self) -> np.ndarray:
        """Mask of returnees running an active venture."""
        return self.founders() & (self.persons.status == Status.RETURNED)

    def apply_departures(self, leavers: np.ndarray, purpose: int) -> None:
        """Leavers go away (unemployed until hired), lose some village ties, gain urban ties.

        ``purpose`` keys the network draws (a distinct number per caller and year).
        """
        if not len(leavers):
            return
        per = self.persons
        per.status[leavers] = Status.AWAY
        per.occupation[leavers] = Occupation.URBAN_UNEMPLOYED
        per.employer[leavers] = -1
        self.flows["migrated"] += np.bincount(per.village[leavers], minlength=self.n_villages)
        if self.p["tie_rewiring"]:
            rng = self.streams.get("network", self.year, purpose)
            self.network.cut_village_ties(leavers, self.p["village_tie_loss"], rng)
            away = np.flatnonzero(per.alive & (per.status == Status.AWAY))
            self._tie_to_random(leavers, away, URBAN, self.p["urban_ties_per_move"], rng)

    def apply_returns(self, returnees: np.ndarray, kind: ReturnKind, purpose: int) -> None:
        """Migrants come home as returnees of ``kind``; urban ties weaken, new village ties form.

        ``purpose`` keys the network draws (a distinct number per caller and year).
        """
        if not len(returnees):
            return
        per = self.persons
        per.status[returnees] = Status.RETURNED
        per.occupation[returnees] = np.where(per.age[returnees] >= self.p["elder_age"], Occupation.ELDER, Occupation.FARMER)
        per.return_kind[returnees] = kind
        key = "returned_passive" if kind == ReturnKind.PASSIVE else "returned_voluntary"
        self.flows[key] += np.bincount(per.village[returnees], minlength=self.n_villages)
        if self.p["tie_rewiring"]:
            rng = self.streams.get("network", self.year, purpose)
            flagged = np.zeros(per.n, bool)
            flagged[returnees] = True
            self.network.drop_extra_ties(flagged, URBAN, self.p["urban_tie_loss"], rng)
            home = np.flatnonzero(per.alive & (per.status != Status.AWAY))
            self._tie_to_random(returnees, home, VILLAGE, self.p["village_ties_on_return"], rng, same_village=True)

    def _tie_to_random(self, persons, pool, kind: int, k: int, rng, same_village: bool = False) -> None:
        """Tie each of ``persons`` to ``k`` random members of ``pool`` (of its own village if asked)."""
        if k == 0 or len(pool) < 2 or not len(persons):
            return
        src = np.repeat(persons, k)
        if not same_village:
            dst = pool[rng.integers(0, len(pool), len(src))]
        else:
            vil = self.persons.village
            # stable radix sort (villages fit in 16 bits: n_villages <= 5000): O(n), same order as before
            pool = pool[np.argsort(vil[pool].astype(np.uint16), kind="stable")]
            start = np.searchsorted(vil[pool], vil[src], side="left")
            size = np.searchsorted(vil[pool], vil[src], side="right") - start
            ok = size > 0
            src = src[ok]
            dst = pool[start[ok] + (rng.random(ok.sum()) * size[ok]).astype(np.int64)]
        self.network.add_ties(src, dst, kind)

    # ------------------------------------------------------------------ handles
    def on_births(self, persons: np.ndarray) -> None:
        """Create Person handles for new rows (when handles are kept for all persons)."""
        if self.p["person_handles"] == "all":
            for i in persons.tolist():
                self._person_handles[i] = Person(self, i)

    def on_deaths(self, persons: np.ndarray) -> None:
        """Remove the handles of persons who died (or left the county for good)."""
        if not self._person_handles:  # handles on demand, none asked for
            return
        for i in persons.tolist():
            handle = self._person_handles.pop(i, None)
            if handle is not None:
                handle.remove()

    def on_new_ventures(self, ventures: np.ndarray) -> None:
        """Create an Enterprise handle for each new venture (rare events)."""
        for i in ventures.tolist():
            self._venture_handles[i] = Enterprise(self, i)

    def on_closed_ventures(self, ventures: np.ndarray) -> None:
        """Remove the handles of closed ventures."""
        for i in ventures.tolist():
            handle = self._venture_handles.pop(i, None)
            if handle is not None:
                handle.remove()

    def person(self, index: int) -> Person:
        """The Person handle of row ``index`` (created on demand if needed)."""
        if index not in self._person_handles:
            if not 0 <= index < self.persons.n or not self.persons.alive[index]:
                raise KeyError(f"no living person {index}")
            self._person_handles[index] = Person(self, index)
        return self._person_handles[index]

    def network_graph(self):
        """The live social network as a networkx Graph (node = person index)."""
        return self.network.to_networkx(self.persons.alive)

    # ------------------------------------------------------------------ results
    def county_frame(self) -> pd.DataFrame:
        """County outputs, one row per year (columns: metrics.COUNTY_METRICS)."""
        df = self.datacollector.get_model_vars_dataframe().set_index("year")
        df.attrs["units"] = dict(metrics.COUNTY_METRICS)
        return df

    def village_frame(self) -> pd.DataFrame:
        """Village outputs, one row per village per year (columns: metrics.VILLAGE_METRICS)."""
        df = self.datacollector.get_agenttype_vars_dataframe(Village).reset_index()
        years = self.county_frame().index.to_numpy()
        df["year"] = years[df["Step"].to_numpy().astype(int) - 1]
        df = df.drop(columns=["Step", "AgentID"]).rename(columns=lambda c: c.removeprefix("village_"))
        df = df.set_index(["year", "village"]).sort_index()
        df.attrs["units"] = dict(metrics.VILLAGE_METRICS)
        return df


def _county_reporter(name):
    def report(model):
        return model.county[name]

    report.__name__ = name
    return report


def _village_reporter(name):
    def report(agent):
        return agent.metric(name)

    report.__name__ = name
    return report
