"""Returnee and resident ventures: starting (phase 5), hiring, producing, repaying, failing (phase 6).

Per-venture Python appears only for new ventures' Mesa handles; every rule
is an array operation over all ventures or all persons.
"""

from __future__ import annotations

import numpy as np

from . import decisions, services
from .codes import SECTOR_CAPITAL, SECTOR_LOCAL_MARKET, SECTOR_SHARES, Occupation, Status
from .population import group_rank


def decide_starts(m, excluded: np.ndarray) -> np.ndarray:
    """Phase 5: residents who start a venture this year (intention, then funding).

    Own funds are personal savings, half the household's savings and the
    start-up subsidy; the rest may come from a microloan if the person is
    eligible and the year's budget (rationed in random order) allows.
    Returns the founders' indices; capital is paid and loans booked here.
    """
    p, per, lv = m.p, m.persons, m.levers
    if not p["enterprises"]:
        return np.empty(0, np.int64)
    rng = m.streams.get("business", m.year, 0)
    u_start, u_queue = rng.random(per.n), rng.random(per.n)
    able = m.movable_residents() & ~excluded
    cand = np.flatnonzero(able)
    ties = m.network.count_tied_to(np.flatnonzero(m.founders()), per.n)[cand] if p["network_effects"] else 0.0
    village = per.village[cand]
    prob = decisions.start_probability(
        p, per.skill[cand], lv["startup_subsidy"], ties, park_places(m)[village], venture_density(m)[village]
    )
    return fund_starts(m, cand[u_start[cand] < prob], u_queue)


def venture_density(m) -> np.ndarray:
    """Active ventures per 100 residents of each village (float per village; a village with no residents counts as one)."""
    active = np.bincount(m.ventures.village[m.ventures.active], minlength=m.n_villages)
    residents, _ = services.counts(m)
    return 100.0 * active / np.maximum(residents, 1)


def park_places(m) -> np.ndarray:
    """Whether each village's industrial park has a free place (bool per village)."""
    ven = m.ventures
    used = np.bincount(ven.village[ven.active & ven.in_park], minlength=m.n_villages)
    return used < int(m.levers["industrial_park"])


def fund_starts(m, cand: np.ndarray, u_queue: np.ndarray) -> np.ndarray:
    """Phase 5, second half: fund the start intentions ``cand`` (ascending indices) and found the ventures.

    With ``venture_finance`` on, each intention comes with a planned venture
    (sector and start-up capital, :func:`plan_ventures`); off, every venture
    needs ``venture_capital``. The founder puts in own funds first (personal
    savings, half the household's savings, the start-up subsidy); an eligible
    founder borrows the rest from the microloan scheme, up to the loan cap
    and within the year's budget (rationed in random order); with
    ``venture_finance`` on, relatives and friends lend what is still missing,
    up to ``kin_finance_multiple`` times the founder's own funds. A plan that
    these sources cannot fund in full is not started. ``u_queue`` (one uniform per person) orders households'
    picks and the loan queue. Returns the founders' indices.
    """
    p, per, hh, lv = m.p, m.persons, m.households, m.levers
    # at most one new venture per household a year (they share the household's savings)
    cand = cand[group_rank(per.household[cand], u_queue[cand]) == 0]
    if p["venture_finance"]:
        sector, capital = plan_ventures(m, cand, m.streams.get("business", m.year, 6))
    else:  # every venture needs venture_capital, its sector drawn at founding
        sector, capital = None, np.full(len(cand), float(p["venture_capital"]))

    household_part = 0.5 * np.maximum(hh.savings[per.household[cand]], 0.0)
    own = np.minimum(np.maximum(per.savings[cand], 0.0) + household_part + lv["startup_subsidy"], capital)
    gap = capital - own
    kin = p["kin_finance_multiple"] * own if p["venture_finance"] else 0.0  # the most relatives and friends lend (RMB)
    request = np.minimum(gap, lv["microloan_max"])
    eligible = _loan_eligible(m, cand)
    # the lender asks own funds against the share of the loan the guarantee does not cover
    secured = own >= p["loan_collateral_share"] * (1.0 - lv["microloan_guarantee"]) * request
    wants_loan = (gap > 0) & eligible & secured & (gap - request <= kin)
    loan = np.zeros(len(cand))
    q = np.flatnonzero(wants_loan)
    q = q[np.argsort(u_queue[cand[q]])]
    granted = q[np.cumsum(request[q]) <= lv["microloan_budget"]]
    loan[granted] = request[granted]
    funded = gap - loan <= kin
    founders, loan, own = cand[funded], loan[funded], own[funded]

    # pay in own funds: subsidy, then personal savings, then household savings
    pay = np.maximum(own - lv["startup_subsidy"], 0.0)
    from_person = np.minimum(pay, np.maximum(per.savings[founders], 0.0))
    per.savings[founders] -= from_person
    np.subtract.at(hh.savings, per.household[founders], pay - from_person)
    m.ledger["loans_disbursed"] += loan.sum()
    m.flows["loans_granted"] += np.bincount(per.village[founders[loan > 0]], minlength=m.n_villages)
    m.fiscal["entrepreneurship"] += lv["startup_subsidy"] * len(founders)
    _found(m, founders, loan, None if sector is None else sector[funded], capital[funded])
    return founders


def plan_ventures(m, persons: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    """Sector and planned start-up capital (RMB) of a venture for each of ``persons``.

    Capital = ``venture_capital`` x the local-wage index (the migrant wage's
    index g_t: ventures grow as their value added per job and wages do) x the
    sector's factor (``SECTOR_CAPITAL``) x skill **
    ``venture_capital_skill_elasticity`` x a lognormal draw of median 1 and
    log-sd ``venture_capital_sd`` (firm sizes are about lognormal; abler
    founders plan larger ventures).
    """
    p = m.p
    k = len(persons)
    sector = rng.choice(len(SECTOR_SHARES), size=k, p=SECTOR_SHARES)
    size = np.exp(p["venture_capital_sd"] * rng.standard_normal(k))
    skill = np.maximum(m.persons.skill[persons].astype(np.float64), 0.1)
    capital = p["venture_capital"] * m.indices["local_wage"] * np.asarray(SECTOR_CAPITAL)[sector] * skill ** p["venture_capital_skill_elasticity"] * size
    return sector, capital


def _loan_eligible(m, persons: np.ndarray) -> np.ndarray:
    per = m.persons
    rule = m.p["microloan_eligibility"]
    if rule == "all":
        return np.ones(len(persons), bool)
    returnee = per.status[persons] == Status.RETURNED
    if rule == "returnees":
        return returnee
    return returnee | m.households.registered_poor[per.household[persons]]


def _found(m, founders: np.ndarray, loan: np.ndarray, sector: np.ndarray | None, capital: np.ndarray) -> None:
    """Create ventures for ``founders`` with their loans, sectors (None: drawn here) and capital (RMB); founders become entrepreneurs."""
    if not len(founders):
        return
    per, ven = m.persons, m.ventures
    rng = m.streams.get("business", m.year, 1)
    k = len(founders)
    village = per.village[founders]
    active_park = np.bincount(ven.village[ven.active & ven.in_park], minlength=m.n_villages)
    free = np.maximum(0, int(m.levers["industrial_park"]) - active_park)
    in_park = group_rank(village, rng.random(k)) < free[village]
    if sector is None:
        sector = rng.choice(len(SECTOR_SHARES), size=k, p=SECTOR_SHARES)
    productivity = rng.lognormal(-0.125, 0.5, size=k)  # mean 1
    idx = ven.append(
        k,
        founder=founders,
        village=village,
        sector=sector,
        capital=capital,
        productivity=productivity,
        loan_principal=loan,
        loan_balance=loan,
        founded=m.year,
        in_park=in_park,
    )
    per.occupation[founders] = Occupation.ENTREPRENEUR
    per.employer[founders] = -1
    m.flows["ventures_born"] += np.bincount(village, minlength=m.n_villages)
    returnee = per.status[founders] == Status.RETURNED
    m.flows["returnee_ventures_born"] += np.bincount(village[returnee], minlength=m.n_villages)
    m.returnee_ventures_founded += np.bincount(village[returnee], minlength=m.n_villages)
    m.on_new_ventures(idx)


def set_targets(m) -> np.ndarray:
    """Each active venture's wanted employment (persons) from its market's demand this year; returns that demand.

    Local-market sectors sell at the village's demand index, the others outside,
    where markets shrink in an urban shock year. Also run at set-up, so that the
    first year's decisions see the running ventures' openings (section 7.7).
    """
    p, ven = m.p, m.ventures
    act = np.flatnonzero(ven.active)
    sector_local = np.asarray(SECTOR_LOCAL_MARKET)[ven.sector[act]]
    outside = 1.0 - m.levers["urban_job_loss_shock"]  # outside markets shrink in an urban shock year
    demand = (1.0 - sector_local) * outside + sector_local * m.demand[ven.village[act]]
    ven.target_jobs[act] = np.rint(p["jobs_per_venture"] * ven.productivity[act] * demand).astype(np.int32)
    return demand


def operate(m) -> None:
    """Phase 6: ventures set their employment, hire, produce, repay loans, and some fail."""
    p, per, ven, lv = m.p, m.persons, m.ventures, m.levers
    _fit_park(m)
    act = np.flatnonzero(ven.active)
    demand = set_targets(m)
    _layoffs(m)
    _hire(m, 4)

    employees = np.bincount(per.employer[per.employer >= 0], minlength=ven.n)[act]
    value_added = p["value_added_per_job"] * m.indices["local_wage"] * ven.productivity[act] * demand
    wage = p["local_wage"] * m.indices["local_wage"]
    interest = p["microloan_interest_rate"] * ven.loan_balance[act]
    instalment = np.minimum(ven.loan_balance[act], ven.loan_principal[act] / p["microloan_term"])
    subsidy = lv["microloan_interest_subsidy"] * interest
    profit = value_added * (employees + 1) - wage * employees - 0.05 * ven.capital[act] - (interest - subsidy) - instalment
    ven.revenue[act] = value_added * (employees + 1) / p["venture_value_added_share"]
    ven.profit[act] = profit
    ven.loan_balance[act] -= instalment
    m.ledger["loans_repaid"] += instalment.sum()
    m.fiscal["microloans"] += subsidy.sum()
    m.fiscal["entrepreneurship"] += p["park_cost"] * np.count_nonzero(ven.in_park[act])

    rng = m.streams.get("business", m.year, 2)
    shock = rng.random(len(SECTOR_SHARES)) < p["market_shock_rate"]
    u = rng.random(ven.n)[act]
    fail = u < decisions.failure_probability(
        p, per.skill[ven.founder[act]], profit < 0, shock[ven.sector[act]], ven.in_park[act]
    )
    close(m, act[fail])
    if p["rehire_after_closure"]:
        _rehire(m, act, value_added, wage)


def _rehire(m, act: np.ndarray, value_added: np.ndarray, wage: float) -> None:
    """Staff and founders of this year's closed ventures look for work at once: a second hiring round
    fills the vacancies still open in their village; the hiring ventures (``act``: those active at the
    start of phase 6) book the hires' value added less their wage (RMB)."""
    per, ven = m.persons, m.ventures
    before = np.bincount(per.employer[per.employer >= 0], minlength=ven.n)
    _hire(m, 7)
    added = (np.bincount(per.employer[per.employer >= 0], minlength=ven.n) - before)[act]
    ven.profit[act] += added * (value_added - wage)
    ven.revenue[act] += added * value_added / m.p["venture_value_added_share"]


def _fit_park(m) -> None:
    """If the park has shrunk, ventures beyond its places (chosen at random) leave it."""
    ven = m.ventures
    inside = np.flatnonzero(ven.active & ven.in_park)
    if not len(inside):
        return
    key = m.streams.get("business", m.year, 5).random(ven.n)[inside]
    ven.in_park[inside[group_rank(ven.village[inside], key) >= int(m.levers["industrial_park"])]] = False


def close_orphans(m) -> None:
    """Close ventures whose founder died or retired (run right after demography)."""
    ven, per = m.ventures, m.persons
    act = np.flatnonzero(ven.active)
    f = ven.founder[act]
    gone = ~per.alive[f] | (per.occupation[f] != Occupation.ENTREPRENEUR)
    close(m, act[gone])


def close(m, ventures: np.ndarray) -> None:
    """Close ``ventures``: staff and founder go back to farming, the loan balance defaults."""
    if not len(ventures):
        return
    per, ven = m.persons, m.ventures
    ven.active[ventures] = False
    written = ven.loan_balance[ventures].sum()
    m.ledger["loans_written_off"] += written
    m.fiscal["microloans"] += m.levers["microloan_guarantee"] * written
    ven.loan_balance[ventures] = 0.0
    closing = np.zeros(ven.n, bool)
    closing[ventures] = True
    staff = (per.employer >= 0) & closing[np.maximum(per.employer, 0)]
    per.employer[staff] = -1
    per.occupation[staff & per.alive & (per.occupation == Occupation.LOCAL_EMPLOYEE)] = Occupation.FARMER
    founders = ven.founder[ventures]
    still = per.alive[founders] & (per.occupation[founders] == Occupation.ENTREPRENEUR)
    per.occupation[founders[still]] = Occupation.FARMER
    m.flows["ventures_failed"] += np.bincount(ven.village[ventures], minlength=m.n_villages)
    m.on_closed_ventures(ventures)


def _layoffs(m) -> None:
    per, ven = m.persons, m.ventures
    staff = np.flatnonzero(per.employer >= 0)
    if not len(staff):
        return
    key = m.streams.get("business", m.year, 3).random(per.n)[staff]
    rank = group_rank(per.employer[staff], key)
    fired = staff[rank >= ven.target_jobs[per.employer[staff]]]
    per.employer[fired] = -1
    per.occupation[fired] = Occupation.FARMER


def _hire(m, purpose: int) -> None:
    """Fill vacancies with resident farmers of the same village, placed trainees first (``purpose`` keys the draws).

    Vacancy slots and available workers are each ranked within their village
    (slots at random, workers placed-first then at random) and the r-th slot
    of a village goes to its r-th worker.
    """
    per, ven = m.persons, m.ventures
    employees = np.bincount(per.employer[per.employer >= 0], minlength=ven.n)
    vac = np.where(ven.active, np.maximum(ven.target_jobs - employees, 0), 0)
    if not vac.any():
        return
    rng = m.streams.get("business", m.year, purpose)
    slots = np.repeat(np.arange(ven.n), vac)
    slot_village = ven.village[slots]
    slot_rank = group_rank(slot_village, rng.random(len(slots)))
    workers = np.flatnonzero(per.alive & (per.occupation == Occupation.FARMER) & (per.status != Status.AWAY))
    worker_village = per.village[workers]
    worker_rank = group_rank(worker_village, rng.random(per.n)[workers] - per.placed[workers])
    n_match = np.minimum(np.bincount(slot_village, minlength=m.n_villages), np.bincount(worker_village, minlength=m.n_villages))
    s_ok = slot_rank < n_match[slot_village]
    w_ok = worker_rank < n_match[worker_village]
    s_sel = slots[s_ok][np.lexsort((slot_rank[s_ok], slot_village[s_ok]))]
    w_sel = workers[w_ok][np.lexsort((worker_rank[w_ok], worker_village[w_ok]))]
    per.employer[w_sel] = s_sel
    per.occupation[w_sel] = Occupation.LOCAL_EMPLOYEE
