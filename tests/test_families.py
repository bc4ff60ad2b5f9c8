"""Families, settling for good and age without a wall: each mechanism off and on over paired seeds.

Every test runs the same seeds with the mechanism on and off (common random
numbers) and asserts the direction and size of its effect; each was checked to
fail when the mechanism's code is cut. Rates are events per person-year at risk.
"""

from __future__ import annotations

import numpy as np

from conftest import came_home, event_rates, replicate
from rural_abm import RuralModel
from rural_abm.model import families
from rural_abm.model.codes import Occupation, ReturnKind, Status

SMALL = dict(n_people=4000, n_years=12)
SEEDS = range(4)


def rates(at_risk, event, seeds=SEEDS, **params):
    return event_rates(at_risk, event, seeds, **{**SMALL, **params})


def migrant_parents_of_age(ages):
    """Migrants with a child who will be one of ``ages`` after this year's ageing."""
    def at_risk(m):
        per = m.persons
        child = per.alive & (per.parent >= 0) & np.isin(per.age + 1, ages)
        parent = np.zeros(per.n, bool)
        parent[per.parent[child]] = True
        has = per.spouse >= 0
        parent[np.flatnonzero(has)[parent[per.spouse[has]]]] = True
        return parent & families.migrants(per)
    return at_risk


def paired_greater(on, off, ratio):
    """``on`` exceeds ``ratio`` times ``off`` on average and in every paired replication."""
    assert on.mean() > ratio * off.mean(), (off, on)
    assert np.all(on > off), (off, on)


# ---------------------------------------------------------------- families
def test_school_transitions_pull_parents_home():
    """Guards the school-transition pull: a child entering middle school (12) or sitting the senior-high
    entrance exam (15) brings migrant parents home more often than in other years."""
    at_risk = migrant_parents_of_age([12, 15])
    on = rates(at_risk, came_home(ReturnKind.VOLUNTARY))
    off = rates(at_risk, came_home(ReturnKind.VOLUNTARY), school_transition_pull=0.0)
    paired_greater(on, off, 1.5)


def test_old_or_ill_elders_pull_migrants_home():
    """Guards the elder-care pull: migrants of households with a resident elder of elder_care_age or more
    come home more often."""
    def at_risk(m):
        per = m.persons
        old = per.alive & (per.status != Status.AWAY) & (per.age + 1 >= m.p["elder_care_age"])
        household = np.bincount(per.household[old], minlength=m.households.n) > 0
        return families.migrants(per) & household[per.household]
    on = rates(at_risk, came_home(ReturnKind.VOLUNTARY))
    off = rates(at_risk, came_home(ReturnKind.VOLUNTARY), elder_care_pull=0.0)
    paired_greater(on, off, 1.3)


def test_couples_migrate_and_return_together():
    """Guards couples moving together: with couple_together the spouse of a leaver follows, so more couples
    are away with both spouses; and the spouse of a returnee follows home."""
    def both_away(df):
        return float(df["couples_away"].mean())

    on = replicate(both_away, seeds=SEEDS, **SMALL)
    off = replicate(both_away, seeds=SEEDS, **SMALL, couple_together=0.0)
    paired_greater(on, off, 1.15)


def test_young_people_marry_and_form_couples():
    """Guards marriage: persons who were children at the start marry (within the village, into one
    household), so couples keep forming as the set-up couples age; with marriage_rate 0 none do."""
    def young_couples(**params):
        m = RuralModel(rng=2, **{**SMALL, **params})
        spouse0 = m.persons.spouse.copy()
        m.run_model()
        per = m.persons
        wed = np.flatnonzero((per.spouse[: len(spouse0)] >= 0) & (per.spouse[: len(spouse0)] != spouse0))
        wed = wed[per.alive[wed] & per.alive[per.spouse[wed]]]  # a widow(er) may marry again: the dead keep their link
        assert np.all(per.village[per.spouse[wed]] == per.village[wed])
        assert np.all(per.household[per.spouse[wed]] == per.household[wed])
        return len(wed)

    assert young_couples(marriage_rate=0.0) == 0
    assert young_couples() > 150


def test_children_stay_behind_unless_urban_schooling_is_open():
    """Guards the schooling lever: children go with migrant parents only where urban schooling is open to them."""
    def with_parents(df):
        return float(df["children_with_migrants"].mean())

    def behind(df):
        return float(df["left_behind_children"].mean())

    closed = dict(**SMALL, urban_schooling_access=0.0)
    open_ = dict(**SMALL, urban_schooling_access=1.0)
    assert np.all(replicate(with_parents, seeds=SEEDS, **closed) == 0)
    assert np.all(replicate(with_parents, seeds=SEEDS, **open_) > 0)
    paired_greater(replicate(behind, seeds=SEEDS, **closed), replicate(behind, seeds=SEEDS, **open_), 1.1)


def test_children_come_home_for_the_senior_high_entrance_exam():
    """Guards the exam rule: with schooling fully open, no child of senior_high_age or more lives away."""
    m = RuralModel(rng=3, **SMALL, urban_schooling_access=1.0)
    m.run_model()
    per = m.persons
    away_child = per.alive & (per.status == Status.AWAY) & (per.occupation == Occupation.CHILD)
    assert away_child.sum() > 20
    assert per.age[away_child].max() < m.p["senior_high_age"]


def test_households_with_nobody_away_send_a_member():
    """Guards risk spreading (new economics of labour migration): residents of households with no migrant
    leave more often than when the weight is cut."""
    def at_risk(m):
        per = m.persons
        sending = np.bincount(per.household[families.migrants(per)], minlength=m.households.n) > 0
        return m.movable_residents() & ~sending[per.household]

    def left(m, before):
        n = len(before)
        return (before != Status.AWAY) & (m.persons.status[:n] == Status.AWAY)

    on = rates(at_risk, left)
    off = rates(at_risk, left, risk_spreading_weight=0.0)
    paired_greater(on, off, 1.2)


def test_remittances_respond_to_dependants_at_home(default_run):
    """Guards the remittance rule: migrants send a larger share home when children or elders live there."""
    m = default_run
    per = m.persons
    senders = np.flatnonzero(per.alive & (per.occupation == Occupation.URBAN_EMPLOYED))
    share = families.remittance_shares(m, senders)
    resident = per.alive & (per.status != Status.AWAY)
    dependant = resident & np.isin(per.occupation, [Occupation.CHILD, Occupation.ELDER])
    has = (np.bincount(per.household[dependant], minlength=m.households.n) > 0)[per.household[senders]]
    assert has.any() and (~has).any()
    assert np.all(share[has] == m.p["remittance_share"]) and np.all(share[~has] == m.p["remittance_share_no_dependants"])
    assert m.p["remittance_share"] > m.p["remittance_share_no_dependants"]


# ---------------------------------------------------------------- settling for good
def test_migrant_families_settle_for_good_and_leave_the_register():
    """Guards settlement: at defaults some households settle each year (about 0.3-0.5% of registered persons
    a year in 2015-2019, measured on the seeds run here); with settlement_rate 0 nobody does."""
    def first_five(df):
        return float(df.loc[:2019, "settled_out"].sum() / df.loc[:2019, "registered"].sum())

    on = replicate(first_five, seeds=SEEDS, **SMALL)
    off = replicate(first_five, seeds=SEEDS, **SMALL, settlement_rate=0.0)
    assert np.all(off == 0)
    assert np.all((on > 0.002) & (on < 0.015)), on


def test_settlement_levers_raise_settling_and_the_subsidy_is_paid():
    """Guards the settlement levers: hukou reform and a housing subsidy reach the decision to settle, and
    the subsidy is booked on fiscal_settlement (subsidy x settling units)."""
    def settled(df):  # the first five years, before the lever has emptied the pool of eligible families
        return float(df.loc[:2019, "settled_out"].sum())

    base = replicate(settled, seeds=SEEDS, **SMALL)
    paired_greater(replicate(settled, seeds=SEEDS, **SMALL, hukou_reform=1.0), base, 1.3)
    paired_greater(replicate(settled, seeds=SEEDS, **SMALL, settlement_subsidy=200000.0), base, 1.3)
    m = RuralModel(rng=0, **SMALL, settlement_subsidy=200000.0)
    m.run_model()
    df = m.county_frame()
    assert df["fiscal_settlement"].sum() > 0
    assert np.allclose(df["fiscal_settlement"] % 200000.0, 0.0)


def test_land_of_settled_households_is_transferred_or_rented_more_under_land_reform():
    """Guards the land rule: land of households that settled out idles less under land reform (part is
    transferred to farming households, the rest offered on the rental market)."""
    def idle_share(seed, **params):
        m = RuralModel(rng=seed, **{**SMALL, **params})
        land0 = m.households.land.copy()
        m.run_model()
        gone = m.households.settled
        return m.idle_land[gone].sum() / land0[gone].sum()

    off = np.array([idle_share(s, settlement_rate=0.2) for s in SEEDS])
    on = np.array([idle_share(s, settlement_rate=0.2, land_reform=1.0) for s in SEEDS])
    assert np.all(on < 0.5 * off), (off, on)


def test_land_reform_transfers_settled_households_land_to_farmers():
    """Guards the transfer: with land_reform = 1 a settled household's land goes to its village's farming
    households (total land unchanged); without reform it keeps all of it."""
    def kept_share(**params):
        m = RuralModel(rng=1, **{**SMALL, "settlement_rate": 0.2, **params})
        land0 = m.households.land.copy()
        m.run_model()
        gone = m.households.settled
        assert np.isclose(m.households.land.sum(), land0.sum())
        return m.households.land[gone].sum() / land0[gone].sum()

    assert kept_share() == 1.0
    assert kept_share(land_reform=1.0) < 0.05


# ---------------------------------------------------------------- age without a wall
def _migrants_aged(lo, hi):
    def at_risk(m):
        per = m.persons
        return families.migrants(per) & (per.age + 1 >= lo) & (per.age + 1 < hi)
    return at_risk


def test_age_push_rises_smoothly_with_age():
    """Guards the age push: passive returns per migrant-year rise with age (55-59 over 40-44), and without
    the push the gradient is gone."""
    def gradient(**params):
        old = rates(_migrants_aged(55, 60), came_home(ReturnKind.PASSIVE), **params)
        young = rates(_migrants_aged(40, 45), came_home(ReturnKind.PASSIVE), **params)
        return old / np.maximum(young, 1e-9)

    on, off = gradient(), gradient(age_push_rate=0.0)
    assert np.all(on > 2.0), on
    paired_greater(on, off, 1.5)


def test_age_pull_raises_voluntary_return_with_age():
    """Guards the age pull: voluntary returns of migrants aged 50-64 are more frequent with the pull on
    (couples' joint returns are cut on both sides, so only own choices count)."""
    solo = dict(couple_together=0.0, n_people=8000)
    on = rates(_migrants_aged(50, 65), came_home(ReturnKind.VOLUNTARY), **solo)
    off = rates(_migrants_aged(50, 65), came_home(ReturnKind.VOLUNTARY), age_pull_weight=0.0, **solo)
    paired_greater(on, off, 1.5)


def test_no_return_wall_some_migrants_work_past_55_and_60(default_run):
    """Guards the removal of the hard return age: migrants of 56-64 are still away, and passive returns are
    spread over ages rather than piled on one."""
    df = default_run.county_frame()
    assert df["migrants_50_plus"].max() > 100
    assert df["migrants_60_plus"].max() > 5
    per = default_run.persons
    away = families.migrants(per)
    ages = per.age[away]
    assert np.count_nonzero((ages > 55) & (ages < 65)) > 10


def test_residents_by_age_count_the_residents_and_the_county_ages(default_run):
    """Guards the outputs residents_60_plus / residents_65_plus: in the last year they count the residents
    of those ages, and the share of residents aged 60 or more rises over 30 years (ageing without
    replacement: those who stay are older, the young leave or settle out)."""
    df = default_run.county_frame()
    per = default_run.persons
    resident = per.alive & (per.status != Status.AWAY)
    assert df["residents_60_plus"].iloc[-1] == np.count_nonzero(resident & (per.age >= 60))
    assert df["residents_65_plus"].iloc[-1] == np.count_nonzero(resident & (per.age >= 65))
    share = df["residents_60_plus"] / df["resident"]
    assert share.iloc[-1] > share.iloc[0] + 0.05, share
