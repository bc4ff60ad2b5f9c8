"""Invariants: no person, mu of land or yuan appears or vanishes (hypothesis property tests)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rural_abm import RuralModel
from rural_abm.model.accounting import COMPONENTS, SUPPORT_AT_HOME
from rural_abm.model.codes import Occupation, Status

switches = ["demography", "demand_feedback", "service_feedback", "family_pull", "network_effects", "entrepreneur_pull",
            "passive_return", "returnee_human_capital", "tie_rewiring", "enterprises", "life_events"]

params = st.fixed_dictionaries(
    {
        "n_people": st.integers(60, 900),
        "n_villages": st.integers(1, 6),
        "n_years": st.integers(2, 8),
        "start_year": st.integers(2014, 2022),
        "decision_rule": st.sampled_from(["random_utility", "harris_todaro"]),
        "land_reform": st.floats(0, 1),
        "tenure_security": st.floats(0, 1),
        "microloan_budget": st.sampled_from([0.0, 2e5, 5e6]),
        "microloan_eligibility": st.sampled_from(["returnees", "returnees_and_poor", "all"]),
        "training_coverage": st.floats(0, 0.5),
        "poverty_transfer": st.sampled_from([0.0, 1500.0]),
        "monitoring_coverage": st.floats(0, 1),
        "startup_subsidy": st.sampled_from([0.0, 30000.0]),
        "industrial_park": st.integers(0, 3),
        "public_service_investment": st.sampled_from([0.0, 800.0]),
        "venture_start_rate": st.floats(0, 0.2),
        "outflow_shock_share": st.floats(0, 0.9),
        "outflow_shock_year": st.integers(2014, 2024),
        "initial_away_share": st.floats(0, 0.9),
        "pension_top_up": st.sampled_from([0.0, 20.0, 300.0]),
        "dibao_standard": st.sampled_from([0.0, 5962.0, 12000.0]),
        "dibao_exclusion_error": st.floats(0, 1),
        "dibao_inclusion_error": st.floats(0, 1),
        "dibao_asset_limit": st.sampled_from([0.0, 24.0, 1e6]),
        "poverty_registration": st.sampled_from([0.0, 1.0]),
        "welfare_jobs": st.floats(0, 1),
        "industry_support": st.sampled_from([0.0, 1500.0]),
        "microloan_guarantee": st.floats(0, 1),
        "urban_jobs_ratio": st.floats(0.2, 2.0),
        "urban_schooling_access": st.floats(0, 1),
        "hukou_reform": st.floats(0, 1),
        "settlement_subsidy": st.sampled_from([0.0, 2e5]),
        "settlement_rate": st.sampled_from([0.0, 0.04, 0.5]),
        "couple_together": st.floats(0, 1),
        "marriage_rate": st.floats(0, 0.5),
        **{name: st.booleans() for name in switches},
    }
)


def check_state(m: RuralModel, before_registered: int, land_total: float) -> None:
    per, hh, ven, c = m.persons, m.households, m.ventures, m.county
    alive = per.alive
    # persons: residents + away = registered; births, deaths and settling out reconcile
    assert c["resident"] + c["away"] == c["registered"] == int(alive.sum())
    assert c["registered"] == before_registered + c["births"] - c["deaths"] - c["settled_out"]
    assert np.all(per.status[~alive] >= 0)
    # settled persons are neither resident nor away, and their households (if emptied) have no registered member
    settled = per.status == Status.SETTLED
    assert not np.any(alive & settled)
    assert c["settled_out_stock"] == int(settled.sum())
    assert np.all(np.bincount(per.household[alive], minlength=hh.n)[hh.settled] == 0)
    # status and occupation agree: away are the migrants and the children living with them
    away = alive & (per.status == Status.AWAY)
    urban = (per.occupation == Occupation.URBAN_EMPLOYED) | (per.occupation == Occupation.URBAN_UNEMPLOYED)
    child_away = away & (per.occupation == Occupation.CHILD)
    assert np.array_equal(away & ~child_away, alive & urban)
    assert np.all(per.age[child_away] < min(m.p["senior_high_age"], m.p["working_age"]))
    assert c["children_with_migrants"] == int(child_away.sum())
    # kin links: spouses are mutual, live in one household and are tied; parents are older
    i = np.flatnonzero(alive & (per.spouse >= 0))
    i = i[alive[per.spouse[i]]]
    assert np.array_equal(per.spouse[per.spouse[i]], i)
    assert np.array_equal(per.household[per.spouse[i]], per.household[i])
    if per.n <= 2000:
        graph = m.network_graph()
        assert all(graph.has_edge(a, b) for a, b in zip(i.tolist(), per.spouse[i].tolist()))
    k = np.flatnonzero(alive & (per.parent >= 0))
    k = k[alive[per.parent[k]]]
    assert np.all(per.age[per.parent[k]] >= per.age[k] + 15)
    # contracted land is conserved when households settle (some of it transferred under land reform)
    assert abs(hh.land.sum() - land_total) < 1e-6 * max(1.0, land_total)
    # every employee's firm exists and is active, in the employee's village
    staff = np.flatnonzero(alive & (per.employer >= 0))
    assert np.all(per.employer[staff] < ven.n)
    assert np.all(ven.active[per.employer[staff]])
    assert np.all(ven.village[per.employer[staff]] == per.village[staff])
    assert np.array_equal(alive & (per.occupation == Occupation.LOCAL_EMPLOYEE), alive & (per.employer >= 0))
    assert np.all(per.status[staff] != Status.AWAY)
    assert not np.any(per.employer[~alive] >= 0)
    # every active venture has a living resident founder who is an entrepreneur
    f = ven.founder[ven.active]
    assert np.all(alive[f]) and np.all(per.occupation[f] == Occupation.ENTREPRENEUR)
    assert len(np.unique(f)) == len(f)
    # no negative counts or land; land is conserved and rentals balance
    for key, value in c.items():
        if isinstance(value, (int, np.integer)):
            assert value >= 0, key
    tol = 1e-6 * max(1.0, hh.land.sum())
    for arr in (hh.land, hh.farmed, hh.rented_out, hh.rented_in, m.idle_land):
        assert np.all(arr >= -1e-9)
    assert np.allclose(hh.land, hh.farmed - hh.rented_in + hh.rented_out + m.idle_land)
    assert abs(hh.rented_out.sum() - hh.rented_in.sum() - ven.land.sum()) < tol  # farmers and ventures rent in
    assert np.all(ven.land[~ven.active] == 0) and np.all(ven.land <= m.p["venture_land_mu"] + 1e-9)
    assert abs(c["land_rented_share"] * hh.land.sum() - c["land_rented"]) < tol and 0 <= c["land_rented_share"] <= 1
    # loans: disbursed = repaid + outstanding + written off
    assert c["loans_disbursed"] == np.float64(c["loans_disbursed"])
    assert abs(c["loans_disbursed"] - (c["loans_repaid"] + c["loans_outstanding"] + c["loans_written_off"])) < 1e-6 * max(1, c["loans_disbursed"])
    assert np.all(ven.loan_balance >= -1e-9)
    # income components add up to income
    inc = m.income
    total = sum(inc[k] for k in COMPONENTS if k != "health_costs") - inc["health_costs"]
    assert np.allclose(total, m.household_income)
    counted = m.residents_per_household > 0
    transfer = sum(inc[k][counted].sum() for k in ("remittances", "pension", "dibao", "transfers"))
    assert abs(c["transfer_income_share"] * m.household_income[counted].sum() - transfer) < 1e-6 * max(1.0, transfer)
    assert np.all(inc["transfers"] >= 0) and np.all(inc["health_costs"] >= 0)
    # support only adds: market income plus pension and support is income, so the poor after support are
    # poor on market income too
    assert np.allclose(m.market_income + sum(inc[k] for k in ("pension", *SUPPORT_AT_HOME)), m.household_income)
    assert c["market_poverty_ratio"] >= c["poverty_headcount_ratio"] - 1e-12
    # money paid out as social protection is exactly what its fiscal heads spent
    tol = 1e-6 * max(1.0, c["fiscal_total"])
    assert abs(inc["pension"].sum() - c["fiscal_pensions"]) < tol
    assert abs(inc["dibao"].sum() - c["fiscal_dibao"]) < tol
    assert abs(inc["campaign"].sum() - c["fiscal_poverty_campaign"]) < tol
    admin = c["fiscal_poverty_transfers"] - inc["transfers"].sum()  # monitoring administration, whole households
    assert admin > -tol and abs(admin / m.p["monitoring_cost"] - round(admin / m.p["monitoring_cost"])) < 1e-6
    for k in ("pension", "dibao", "campaign"):
        assert np.all(inc[k] >= 0), k
    assert c["pension_recipients"] == int(np.count_nonzero(alive & (per.age >= m.p["pension_age"]))) or m.levers["pension_minimum"] + m.levers["pension_top_up"] == 0
    # savings spent on life events are money the households had
    assert c["life_event_spending"] >= 0
    # fiscal costs are non-negative and add up
    fiscal = [v for k, v in c.items() if k.startswith("fiscal_") and k != "fiscal_total"]
    assert all(v >= 0 for v in fiscal) and abs(sum(fiscal) - c["fiscal_total"]) < 1e-6 * max(1, c["fiscal_total"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(params=params, seed=st.integers(0, 2**32 - 1))
def test_invariants_hold_every_year(params, seed):
    m = RuralModel(rng=seed, **params)
    registered, land_total = int(m.persons.alive.sum()), float(m.households.land.sum())
    while m.running:
        m.step()
        check_state(m, registered, land_total)
        registered = m.county["registered"]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(60, 600))
def test_mesa_agents_mirror_the_arrays(seed, n):
    from rural_abm.model.agents import Enterprise, Person

    m = RuralModel(rng=seed, n_people=n, n_years=4)
    m.run_model()
    people = m.agents_by_type[Person]
    assert len(people) == int(m.persons.alive.sum())
    assert all(p.alive for p in people)
    firms = m.agents_by_type.get(Enterprise, [])
    assert len(firms) == int(m.ventures.active.sum())
    assert sum(f.employees for f in firms) == m.county["enterprise_jobs"]
