"""The believable county: social protection, services on the village's scale, a binding urban labour
market, savings spent on life events, ventures of rural size, and the levers' channels to decisions.

Every mechanism test is off/on over paired seeds (common random numbers); the docstring says what
it guards, and each was checked to fail with its mechanism cut.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import replicate, run
from rural_abm import RuralModel
from rural_abm.model import services
from rural_abm.model.codes import Occupation, Status

SMALL = dict(n_people=3000, n_years=15)
SEEDS = range(5)


def mean_over(col, first, last):
    return lambda df: float(df.loc[first:last, col].mean())


def paired(metric, off: dict, on: dict, base=SMALL, seeds=SEEDS):
    return replicate(metric, seeds=seeds, **base, **off), replicate(metric, seeds=seeds, **base, **on)


# ------------------------------------------------------------------ social protection
def test_pension_is_paid_from_60_and_booked():
    """Guards the pension rule: every living person of pension_age or more is paid 12 x (minimum + top-up)."""
    m = run(0, n_people=1500, n_years=6)  # last year 2020: minimum 93 + top-up 20 RMB a month
    per = m.persons
    recipients = int(np.count_nonzero(per.alive & (per.age >= 60)))
    assert m.county["pension_recipients"] == recipients > 0
    assert m.county["fiscal_pensions"] == recipients * 12 * (93.0 + 20.0)
    assert m.income["pension"].sum() == m.county["fiscal_pensions"]


UNMONITORED = dict(SMALL, monitoring_coverage=0.0)  # monitoring would top up whom the rule under test leaves poor


def test_pension_lowers_poverty_after_the_campaign():
    """Guards the pension's income effect: without it (and without monitoring), poverty in 2022-2029 is
    higher. 12 seeds: at the current defaults the pension lowers it by about 15% on average, and in a
    3,000-person county one pair in twelve goes the other way."""
    off, on = paired(mean_over("poverty_headcount_ratio", 2022, 2029), {"pension_minimum": 0.0, "pension_top_up": 0.0}, {},
                     base=UNMONITORED, seeds=range(12))
    assert (on < off).mean() >= 0.8 and on.mean() < 0.9 * off.mean(), (off, on)


def test_dibao_lowers_poverty_and_its_targeting_errors_are_parameters():
    """Guards the dibao top-up and the two targeting errors."""
    off, on = paired(mean_over("poverty_headcount_ratio", 2022, 2029), {"dibao_standard": 0.0}, {}, base=UNMONITORED)
    assert np.all(on < 0.7 * off), (off, on)
    perfect = run(1, n_people=2000, n_years=10, dibao_exclusion_error=0.0, dibao_inclusion_error=0.0).county_frame()
    assert (perfect["dibao_eligible_missed"] == 0).all() and (perfect["dibao_ineligible_paid"] == 0).all()
    assert (perfect["dibao_households"] > 0).all()
    default = run(1, n_people=2000, n_years=10).county_frame()
    assert default["dibao_eligible_missed"].sum() > 0 and default["dibao_ineligible_paid"].sum() > 0
    # more exclusion error, more poor households left out and more poverty
    missed = run(1, n_people=2000, n_years=10, dibao_exclusion_error=1.0, dibao_file_linkage=0.0, monitoring_coverage=0.0).county_frame()
    assert (missed["dibao_households"] == missed["dibao_ineligible_paid"]).all()  # no eligible household paid
    assert missed.loc[2020:, "poverty_headcount_ratio"].mean() > perfect.loc[2020:, "poverty_headcount_ratio"].mean() + 0.01


def test_cleaning_the_dibao_rolls_removes_most_ineligible_recipients():
    """Guards the falling inclusion error (the rolls cleaned 2015-2020): in 2015 most recipient households are
    not eligible, as Golan, Sicular & Umapathi (2017) found, and in 2021-2024 few are; with the error held at its
    2015 level about five times as many stay. Measured (3,000 persons, 5 seeds, with the asset test): 2015
    0.52-0.61 ineligible (mean 0.56); 2021-2024 0.03-0.06 cleaned, 0.17-0.21 held."""
    def ineligible_share(first, last):
        return lambda df: float(df.loc[first:last, "dibao_ineligible_paid"].sum() / df.loc[first:last, "dibao_households"].sum())

    start = replicate(ineligible_share(2015, 2015), seeds=SEEDS, **SMALL)
    assert start.mean() > 0.5, start
    held, cleaned = paired(ineligible_share(2021, 2024), {"dibao_inclusion_error": 0.3}, {})
    assert np.all(cleaned < 0.12) and np.all(held > 2 * cleaned), (held, cleaned)


def test_the_asset_test_keeps_households_with_savings_off_the_dibao():
    """Guards the dibao's asset test (dibao_asset_limit): households whose savings exceed 24 months of the
    standard per resident member are not paid (unless linked: file or monitored households with no one able to
    work at home, while the linking is in force), so fewer residents get dibao than under an income test alone.
    Measured (3,000 persons, seeds 0-4): dibao recipients per resident 2015-2024 at 0.74-0.83 of the income
    test's (2015-2020 alone 0.72-0.79)."""
    def share(df):
        return float((df.loc[2015:2024, "dibao_recipients"] / df.loc[2015:2024, "resident"]).mean())

    income_only, asset_tested = paired(share, {"dibao_asset_limit": 1e6}, {})
    assert np.all(asset_tested < 0.88 * income_only), (income_only, asset_tested)


def test_the_asset_test_pays_exactly_the_households_under_the_limit():
    """Guards the asset test's rule itself: with no targeting errors and no income, every household with
    residents is paid if and only if its savings (its own and its resident members') are at most the limit,
    unless it is linked (no one able to work at home, in the file) while the linking is in force."""
    from rural_abm.model import protection

    m = RuralModel(rng=3, n_people=2000, dibao_exclusion_error=0.0, dibao_inclusion_error=0.0)
    for _ in range(4):  # to 2018: savings have grown, the file is open and the linking in force
        m.step()
    hh, per = m.households, m.persons
    resident = per.alive & (per.status != Status.AWAY)
    residents = np.bincount(per.household[resident], minlength=hh.n)
    savings = np.maximum(hh.savings, 0.0) + np.bincount(
        per.household[resident], np.maximum(per.savings[resident], 0.0), minlength=hh.n)
    limit = m.p["dibao_asset_limit"] / 12.0 * m.levers["dibao_standard"] * residents
    none = np.zeros(hh.n, bool)
    for able in (np.ones(hh.n, bool), none):
        paid = protection.dibao(m, np.zeros(hh.n), residents, none, able) > 0
        linked = hh.registered_poor & ~able
        home = residents > 0
        assert 0 < np.count_nonzero(home & (savings > limit) & ~linked) and np.count_nonzero(home & (savings <= limit)) > 0
        assert np.array_equal(paid, home & ((savings <= limit) | linked))
    assert np.count_nonzero(hh.registered_poor & (savings > limit)) > 0  # the exemption is exercised


def test_campaign_takes_poverty_to_about_zero_at_the_end_of_2020():
    """Guards the poverty campaign (file, support, dibao linkage): the headcount falls from a poor-county level
    in 2015 to about zero in 2020, like the national series; with the file closed it does not (in 2020 the
    monitoring set up that year hides most of the gap, so 2019 shows it best). "About zero" is read as the
    calibration reads it (scenarios/calibrate_county.yaml: 0 within 1 point) and on average under 0.3%: a
    3,000-person county has only some 600 resident households, so one or two poor households move a seed's
    figure by 0.2-0.4 points."""
    path = replicate(lambda df: df.loc[2015:2020, "poverty_headcount_ratio"].to_numpy(), seeds=SEEDS, **SMALL)
    assert np.all(path[:, 0] > 0.07), path  # 2015: a poor county, several times the national 5.7%
    assert np.all(np.diff(path.mean(axis=0)) < 0), path.mean(axis=0)  # falls every year
    # about zero at the end of 2020, its mean read over 10 seeds: measured 0.32% (0.28% without the dibao's asset
    # test, which leaves households with savings but little income unpaid)
    end = replicate(lambda df: df.loc[2020, "poverty_headcount_ratio"], seeds=range(10), **SMALL)
    assert end.mean() < 0.004 and np.all(end < 0.01), end
    off = replicate(lambda df: df.loc[2019:2020, "poverty_headcount_ratio"].to_numpy(), seeds=SEEDS, **SMALL, poverty_registration=0.0)
    assert np.all(off[:, 0] > 0.05) and np.all(off[:, 1] > 0.005), off


def test_monitoring_keeps_poverty_near_zero_after_2020():
    """Guards dynamic monitoring after the campaign: it watches near-poor households as well as former-poor
    ones, from their first bad year, and tops them up; without it poverty creeps back as the county ages."""
    off, on = paired(mean_over("poverty_headcount_ratio", 2021, 2029), {"monitoring_coverage": 0.0}, {})
    assert np.all(on < 0.4 * off) and on.mean() < 0.008, (off, on)


def test_monitoring_links_at_risk_households_to_the_dibao():
    """Guards the dibao linkage of monitored households without a member able to work: the review misses
    fewer eligible households."""
    off, on = paired(mean_over("dibao_eligible_missed", 2021, 2029), {"monitoring_coverage": 0.0}, {})
    assert np.all(on < 0.85 * off) and on.mean() < 0.8 * off.mean(), (off, on)


def test_campaign_support_reaches_file_households_and_ends_by_schedule():
    """Guards the campaign's schedules: support is paid while the levers are on and stops with them."""
    df = run(2, n_people=2000, n_years=15).county_frame()
    assert df.loc[2019, "registered_poor_households"] > 0 and df.loc[2019, "welfare_posts"] > 0
    assert df.loc[2016:2024, "fiscal_poverty_campaign"].gt(0).all()
    assert df.loc[2025:, "fiscal_poverty_campaign"].eq(0).all() and df.loc[2025:, "welfare_posts"].eq(0).all()
    # at the end of 2020 the file is all but out of poverty: measured 0-2.3% of the file households under the line,
    # 0.9% on average (3,000 persons, seeds 0-9; at most 2% before the running ventures' openings were set at set-up),
    # against 14-30 households in 2019; nationally none
    left = replicate(lambda df: df.loc[2020, "registered_poor_below_line"] / df.loc[2020, "registered_poor_households"],
                     seeds=range(10), n_people=3000, n_years=6)
    assert np.all(left < 0.03) and left.mean() < 0.01, left


def test_welfare_posts_pay_file_households_that_can_work_and_lower_poverty():
    """Guards the campaign's public-welfare posts: there are none before the welfare_jobs schedule starts
    (2015), some every year while it runs, and their wage lowers poverty in the campaign years (measured:
    poverty 2017-2019 at 0.87-0.95 of that without posts, 0.92 on average; 3,000 persons, seeds 0-4)."""
    f = lambda df: np.array([df.loc[2017:2019, "poverty_headcount_ratio"].mean(), df.loc[2015, "welfare_posts"],
                             df.loc[2017:2019, "welfare_posts"].min()])  # fmt: skip
    off, on = paired(f, {"welfare_jobs": 0.0}, {})
    assert np.all(on[:, 1] == 0) and np.all(on[:, 2] > 0) and np.all(off[:, 2] == 0), on
    assert np.all(on[:, 0] < 0.97 * off[:, 0]) and on[:, 0].mean() < 0.95 * off[:, 0].mean(), (off, on)


def test_transfers_paid_at_home_keep_people_home():
    """Guards the transfer channel into decisions: support paid only to members living at home (dibao, campaign,
    poverty transfers) enters the expected home income, so a generous transfer lowers leaving. Only households on
    the poverty file are paid, a small share of the leavers: 6,000 RMB per resident member a year cut leaving in
    2017-2024 by 4.5% over seeds 0-9, in 9 of them (0.90-1.01)."""
    rich = {"poverty_transfer": 6000.0}
    off, on = paired(lambda df: float(df.loc[2017:2024, "migrated"].sum()), {}, rich, seeds=range(10))
    assert (on < off).mean() >= 0.8 and on.mean() < 0.97 * off.mean(), (off, on)


# ------------------------------------------------------------------ services on scale
def _model_after_a_year(seed=0):
    """A county after one year, its services recomputed on the end-of-year residents."""
    m = RuralModel(rng=seed, n_people=3000)
    m.step()
    services.update(m, 0.0)
    return m


def test_ageing_alone_does_not_raise_services():
    """Guards services on scale: migrants dying away (fewer registered) and residents ageing, with the
    same residents, leave the service level as it was (a resident-share rule would raise it)."""
    m = _model_after_a_year()
    before = m.service.copy()
    per = m.persons
    away = np.flatnonzero(per.alive & (per.status == Status.AWAY))
    per.alive[away[: len(away) // 2]] = False
    per.age[per.alive & (per.status != Status.AWAY) & (per.age >= 16)] += 10
    services.update(m, 0.0)
    assert np.all(m.service <= before + 1e-12), (before, m.service)


def test_a_village_losing_residents_loses_services_and_demand():
    """Guards services and demand on scale: a village whose residents leave loses both; others keep theirs."""
    m = _model_after_a_year()
    service, demand = m.service.copy(), m.demand.copy()
    per = m.persons
    leave = np.flatnonzero(per.alive & (per.status != Status.AWAY) & (per.village == 0))[::3]
    per.status[leave] = Status.AWAY
    per.occupation[leave] = Occupation.URBAN_UNEMPLOYED
    services.update(m, 0.0)
    assert m.service[0] < service[0] - 0.05 and m.demand[0] < demand[0] - 0.1
    assert np.allclose(m.service[1:], service[1:]) and np.allclose(m.demand[1:], demand[1:])


def test_schools_close_as_villages_shrink_unless_investment_holds_them():
    """Guards school and clinic consolidation and the investment that holds it off (30 years)."""
    base = dict(n_people=3000, n_years=30)
    off, on = paired(lambda df: float(df["schools_open"].iloc[-1] + df["clinics_open"].iloc[-1]),
                     {}, {"public_service_investment": 1500.0}, base=base)
    assert np.all(off < 20) and np.all(on > off), (off, on)
    never = replicate(lambda df: float(df["schools_open"].min()), seeds=SEEDS, **base, service_feedback=False)
    assert np.all(never == 10)


@pytest.mark.parametrize("investment, kept", [(0.0, False), (100.0, False), (1500.0, True)])
def test_investment_holds_off_consolidation_at_the_threshold(investment, kept):
    """Guards the hold itself (the test above also passes through investment's pull on residents): a village
    with a fifth fewer pupils and residents than its closure thresholds keeps its school and clinic when the
    county invests enough per resident in public services (1,500 RMB divides the thresholds by 2.4), and loses
    both without (100 RMB: by 1.2, too little); the clinic standard is off so that the clinic rule is seen."""
    m = _model_after_a_year()
    m.levers["clinic_standard"] = 0.0
    residents, pupils = services.counts(m)
    m.school_threshold[0], m.clinic_threshold[0] = pupils[0] / 0.8, residents[0] / 0.8
    services.update(m, investment)
    assert m.school_open[0] == kept and m.clinic_open[0] == kept, (m.school_open, m.clinic_open)
    assert m.school_open[1:].all() and m.clinic_open[1:].all()


def test_clinic_standard_keeps_every_village_clinic():
    """Guards the village-clinic standard (three guarantees, from 2016): over 30 years of villages shrunk by
    an outflow shock every clinic stays open every year, while without the standard clinics are merged away."""
    base = dict(n_people=3000, n_years=30, outflow_shock_year=2018, outflow_shock_share=0.8)
    kept, merged = paired(lambda df: float(df["clinics_open"].min()), {}, {"clinic_standard": 0.0}, base=base)
    assert np.all(kept == 10) and np.all(merged <= 5), (kept, merged)


def test_an_emptied_village_keeps_the_township_services():
    """Guards the service floor: a village all of whose residents leave, its school and clinic merged away,
    keeps what the township provides (service_floor, not zero); the other villages keep their services."""
    m = _model_after_a_year()
    service = m.service.copy()
    per = m.persons
    leave = np.flatnonzero(per.alive & (per.status != Status.AWAY) & (per.village == 0))
    per.status[leave] = Status.AWAY
    services.update(m, 0.0)
    p = m.p
    assert not m.school_open[0] and not m.clinic_open[0]  # 2015: the clinic standard starts in 2016
    assert m.service[0] == p["service_floor"] > 0
    assert np.allclose(m.service[1:], service[1:])


# ------------------------------------------------------------------ urban labour market
def test_scarce_urban_jobs_deter_leaving():
    """Guards the expected employment rate in the decision to leave (Harris-Todaro: jobs over job-seekers):
    in the 2020 shock the expected urban income falls and fewer residents leave that year (measured: 4.2%
    fewer leavers, in all 10 paired seeds; expected urban income 6% lower; with the rate held at 1 both sides
    are equal)."""
    f = lambda df: np.array([df.loc[2020, "migrated"], df.loc[2020, "expected_urban_income"]])  # noqa: E731
    shock, none = paired(f, {}, {"urban_job_loss_shock": 0.0}, base=dict(n_people=3000, n_years=6), seeds=range(10))
    assert np.all(shock[:, 1] < 0.97 * none[:, 1]), (shock, none)
    assert shock[:, 0].mean() < 0.98 * none[:, 0].mean() and (shock[:, 0] < none[:, 0]).mean() >= 0.8, (shock, none)


def test_2020_shock_shows_as_unemployment_and_passive_returns_then_recovery():
    """Guards the binding job stock: in a shock year migrants lose work that the shrunken stock cannot give
    back, so unemployment jumps and passive returns rise, then recover; with a loose stock the jump is much
    smaller. Read at a 15% shock, so that the mechanism stands out of the noise of a 3,000-person county; the
    default shock (6%, sized on the NBS 2.7% fall of out-migrants) is checked by the next test."""
    shock = dict(SMALL, urban_job_loss_shock={"piecewise": [[2015, 0.0], [2020, 0.15], [2021, 0.0]]})
    rate = replicate(lambda df: df.loc[[2019, 2020, 2022], "migrant_unemployment_rate"].to_numpy(), seeds=SEEDS, **shock)
    # measured (5 seeds): the rate jumps 4.0-10.3 points in 2020 and falls 7.4-9.5 points by 2022
    assert np.all(rate[:, 1] > rate[:, 0] + 0.03) and np.all(rate[:, 2] < rate[:, 1] - 0.03), rate
    jump = lambda df: df.loc[2020, "migrant_unemployment_rate"] - df.loc[2019, "migrant_unemployment_rate"]  # noqa: E731
    loose, binding = paired(jump, {"urban_jobs_ratio": 3.0}, {}, base=shock)
    # measured on these 5 seeds: the binding stock adds 1.2-8.2 points to the jump, 4.3 on average
    assert np.all(binding > loose) and (binding - loose).mean() > 0.03, (loose, binding)
    passive = replicate(lambda df: df.loc[2020, "returned_passive"] / df.loc[2016:2019, "returned_passive"].mean(), seeds=SEEDS, **shock)
    assert np.all(passive > 1.5), passive


def test_default_2020_shock_cuts_the_migrant_stock_about_as_much_as_nationally():
    """Guards the default shock's size: in the default county (20,000 persons, 4 seeds) migrant workers fall
    in 2020 by about the NBS out-migrants' 2.7% (mean fall between 1% and 5%), passive returns rise above
    their 2016-2019 mean, and migrants grow again from 2020 to 2022. Red at the earlier 15% shock (a 7% fall)
    and with no shock."""
    seeds, base = range(4), dict(n_people=20000, n_years=8)
    fall = replicate(lambda df: 1.0 - df.loc[2020, "migrants"] / df.loc[2019, "migrants"], seeds=seeds, **base)
    assert 0.01 < fall.mean() < 0.05, fall
    passive = replicate(lambda df: df.loc[2020, "returned_passive"] / df.loc[2016:2019, "returned_passive"].mean(), seeds=seeds, **base)
    assert np.all(passive > 1.2), passive
    regrowth = replicate(lambda df: df.loc[2022, "migrants"] / df.loc[2020, "migrants"], seeds=seeds, **base)
    assert regrowth.mean() > 1.0, regrowth


# ------------------------------------------------------------------ savings and ventures
def test_life_events_spend_savings():
    """Guards life events: without them median household savings end far higher."""
    base = dict(n_people=3000, n_years=25)
    off, on = paired(lambda df: float(df["household_savings_median"].iloc[-1]), {"life_events": False}, {}, base=base)
    assert np.all(off > 1.5 * on), (off, on)
    spent = replicate(lambda df: float(df["life_event_spending"].sum()), seeds=range(2), **base)
    assert np.all(spent > 0)


def test_ventures_have_small_firm_margins_and_follow_outside_markets():
    """Guards venture sizing: median profit is a few percent of revenue, and outside-market sales fall in the
    2020 shock. Read on the ventures running before 2020 in both runs of a pair (the runs are the same until
    then). Their sales (revenue) in 2020 are lower with the shock, one by one and in sum, in every pair
    (measured 4-8% lower in sum, every incumbent lower, 3,000 persons, seeds 0-7); with the outside-market
    channel cut they are the same. Their profit falls too, by 10% on average over the pairs (measured 0.85-0.98
    of the calm run's; a pair's mean is led by its one or two largest ventures, which cut staff as demand falls,
    so profit is read over the pairs, not pair by pair). The median over all active ventures, read before, also
    counts the ventures started in 2020, which differ between the runs."""
    base = dict(n_people=3000, n_years=8, venture_start_rate=0.1, initial_ventures_per_1000=5.0)
    margin = replicate(lambda df: float(df["venture_profit_margin_median"].median()), seeds=SEEDS, **base)
    assert np.all((margin > -0.05) & (margin < 0.15)) and 0.0 < margin.mean() < 0.1, margin
    profit = []
    for seed in SEEDS:
        shock, calm = (run(seed, **{**base, "n_years": 6}, **off).ventures for off in ({}, {"urban_job_loss_shock": 0.0}))
        n = min(shock.n, calm.n)
        incumbents = np.flatnonzero((shock.founded[:n] < 2020) & shock.active[:n] & calm.active[:n])
        sales, calm_sales = shock.revenue[incumbents], calm.revenue[incumbents]
        assert sales.sum() < 0.98 * calm_sales.sum() and (sales < calm_sales).mean() > 0.8, seed
        profit.append(shock.profit[incumbents].mean() / calm.profit[incumbents].mean())
    assert np.mean(profit) < 0.95, profit


# ------------------------------------------------------------------ a growing economy
def test_default_county_grows_like_the_national_series():
    """Guards the growth indices: real rural income grows 3-9% a year in 2015-2024 (NBS: 6.4%; a 3,000-person
    county's few ventures make it noisy) and the urban-rural ratio
    falls from 2015 to 2019 (NBS: 2.73 to 2.56 by 2020); without the growth of farm and casual income it grows less."""
    growth = lambda df: (df.loc[2024, "income_per_capita_mean"] / df.loc[2015, "income_per_capita_mean"]) ** (1 / 9) - 1  # noqa: E731
    # a 6,000-person county: in a 3,000-person one a few ventures make it noisy (one seed in eight at 10.2%)
    still, moving = paired(growth, {"casual_income_growth": 0.0, "farm_income_growth": 0.0}, {}, base=dict(SMALL, n_people=6000))
    assert np.all((moving > 0.03) & (moving < 0.09)), moving  # measured 5.1-7.7%, seeds 0-4
    # measured: 1.7-2.8 points a year faster, 2.2 on average (remittances, ventures and local wages grow without them)
    assert np.all(moving > still) and (moving - still).mean() > 0.01, (still, moving)
    # the ratio of a 3,000-person county jumps with its few ventures' incomes: read over 8 seeds (measured: falls
    # 0.21 on average, in 8 of 8)
    ratio = replicate(lambda df: df.loc[2019, "urban_rural_income_ratio"] - df.loc[2015, "urban_rural_income_ratio"], seeds=range(8), **SMALL)
    assert ratio.mean() < -0.05 and (ratio < 0).mean() >= 0.75, ratio



def test_local_wages_move_with_the_urban_wage_not_with_casual_income():
    """Guards the local-wage rule (economy.growth_indices): local firms compete with city jobs, so the local
    wage (and ventures' value added per job) grows with the migrant wage while casual income grows at its own
    rate; were local wages on the casual index, a venture job would gain on a city job year by year whenever
    casual income grows faster (at the earlier fit, 5.8% against 3.3% a year, 24% over 2015-2024) and keep ever
    more people home. Checked on the model too: the local wage income per resident employee does not move with
    casual_income_growth."""
    from rural_abm.model import economy
    from rural_abm.model.parameters import defaults

    p = {**defaults(), "urban_wage_growth": 0.03, "casual_income_growth": 0.07}
    for year in (2015, 2020, 2024, 2030):
        ind = economy.growth_indices(p, year)
        assert ind["local_wage"] == ind["urban_wage"], (year, ind)
    ind = economy.growth_indices(p, 2024)
    assert abs(ind["casual"] - 1.07**9) < 1e-12 and abs(ind["local_wage"] - 1.03**9) < 1e-12, ind

    def wage_per_employee(casual_growth):
        m = run(0, n_people=2000, n_years=10, casual_income_growth=casual_growth)
        per = m.persons
        employees = per.alive & (per.occupation == Occupation.LOCAL_EMPLOYEE) & (per.status != Status.AWAY)
        return m.income["local_wages"].sum() / np.count_nonzero(employees), m.p["local_wage"] * m.indices["urban_wage"]

    (slow, wage), (fast, _) = wage_per_employee(0.0), wage_per_employee(0.1)
    assert abs(slow / wage - 1) < 1e-9 and abs(fast / wage - 1) < 1e-9, (slow, fast, wage)

# ------------------------------------------------------------------ levers reach decisions
def test_land_reform_without_secure_tenure_lowers_voluntary_return():
    """Guards the land-reform channel: the rental market lets out more of absent households' land; without
    secure rights part of it is still let when a migrant would come home (rental_lock), so the expected farm
    income at home and the voluntary return rate fall; with secure rights they do not."""
    rate = lambda df: float(df["returned_voluntary"].sum() / df["away"].sum())  # noqa: E731
    # over 20 seeds: the effect is a few per cent, and five seeds put it at the edge of any bound (0.94-1.02 of the
    # rate without reform at seeds 0-4); measured 4.1% lower on average, lower in 17 of 20 seeds
    off, on = paired(rate, {}, {"land_reform": 1.0}, seeds=range(20))
    assert on.mean() < 0.98 * off.mean() and (on < off).mean() >= 0.7, (off, on)
    secure_off, secure_on = paired(rate, {"tenure_security": 1.0}, {"tenure_security": 1.0, "land_reform": 1.0})
    assert secure_on.mean() > 0.97 * secure_off.mean(), (secure_off, secure_on)


def test_guarantee_replaces_collateral_for_microloans():
    """Guards the guarantee channel: without a guarantee, applicants short of own funds are refused."""
    base = dict(SMALL, microloan_budget=5e6, venture_start_rate=0.05, microloan_eligibility="all")
    none, full = paired(lambda df: float(df["loans_granted"].sum()), {"microloan_guarantee": 0.0}, {}, base=base)
    assert np.all(full > 1.2 * none), (none, full)


def test_interest_subsidy_keeps_indebted_ventures_open():
    """Guards the interest-subsidy channel into closing: the state pays the interest, so indebted ventures make
    fewer losses and fail less often, which shows as fewer loans written off (only failed borrowers' loans are).
    The effect is small, since interest is a small part of a venture's costs, so it is read at a high microcredit
    rate, 20%: measured 5.6% fewer write-offs over 20 paired seeds (2.3 standard errors), lower in 17 of them. At
    12% it was 1.9% fewer, lower in 14 of 20 (0.8 standard errors): too weak to tell from noise. With the subsidy
    cut from profit the two sides are equal."""
    base = dict(SMALL, n_years=16, microloan_budget=5e6, venture_start_rate=0.05, microloan_eligibility="all",
                microloan_interest_rate=0.20)
    off, on = paired(lambda df: float(df["loans_written_off"].sum()), {"microloan_interest_subsidy": 0.0},
                     {"microloan_interest_subsidy": 1.0}, base=base, seeds=range(20))
    assert on.mean() < 0.98 * off.mean() and (on < off).mean() >= 0.7, (off, on)


def test_park_places_raise_starts():
    """Guards the park channel into starts: free places in the village's park raise the start propensity.
    20 seeds: a county of 3,000 starts about 76 ventures in 15 years; at the current defaults the park raises
    starts by about 28%, in 95% of the pairs, and lowers them in none (the paired mean difference is 9.6
    standard errors)."""
    off, on = paired(lambda df: float(df["enterprises_born"].sum()), {}, {"industrial_park": 5}, seeds=range(20))
    diff = on - off
    assert on.mean() > 1.2 * off.mean() and diff.mean() > 3 * diff.std(ddof=1) / np.sqrt(diff.size), (off, on)
    assert (diff < 0).mean() <= 0.1, (off, on)
