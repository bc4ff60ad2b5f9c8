"""Phase 7: household incomes, savings, poverty, return to poverty and transfers.

Household income (RMB/year) = farm + casual + local_wages + remittances
+ profit + rent + pension + campaign + dibao + transfers - health_costs,
each component a per-household array kept in ``m.income`` (social
protection: protection.py). Income per capita is over resident members
(registered members living at home), as in the rural household survey;
households with no resident member are left out of rural income statistics.
"""

from __future__ import annotations

import numpy as np

from . import economy, families, land, protection
from .codes import Occupation, Sector, Status

#: Market income components (health costs are deducted from their sum): income before pension and support.
MARKET = ("farm", "casual", "local_wages", "remittances", "profit", "rent")
COMPONENTS = (*MARKET, "pension", "campaign", "dibao", "transfers", "health_costs")
#: Components paid only while the household lives at home (they enter the expected income at home).
SUPPORT_AT_HOME = ("campaign", "dibao", "transfers")


def step(m) -> None:
    """Book this year's incomes, savings, poverty status and fiscal cost of transfers and land reform."""
    p, per, hh, lv, ven = m.p, m.persons, m.households, m.levers, m.ventures
    H = hh.n
    alive = per.alive
    resident = alive & (per.status != Status.AWAY)
    occ = per.occupation
    hid = per.household
    workers, helpers = families.farm_hands(m)
    locked = land.locked_land(p, hh.rented_out, lv["tenure_security"])
    act = np.flatnonzero(ven.active)
    agri = act[ven.sector[act] == Sector.AGRI_PROCESSING]
    farmed, out, into, idle, venture_land = land.allocate(
        p, lv["land_reform"], hh.land, locked, workers, helpers, hh.village, m.n_villages,
        ven.village[agri], np.full(len(agri), p["venture_land_mu"]),
    )
    hh.farmed[:], hh.rented_out[:], hh.rented_in[:] = farmed, out, into
    ven.land[:] = 0.0
    ven.land[agri] = venture_land
    ven.profit[agri] += economy.farm_income(p, venture_land, m.indices["farm"]) - p["land_rent_per_mu"] * venture_land
    m.idle_land = idle

    inc = {}
    inc["farm"] = economy.farm_income(p, farmed, m.indices["farm"]) - p["land_rent_per_mu"] * into
    inc["rent"] = p["land_rent_per_mu"] * out
    inc["casual"] = workers * p["local_casual_income"] * m.indices["casual"] * m.demand[hh.village]
    employees = resident & (occ == Occupation.LOCAL_EMPLOYEE)
    inc["local_wages"] = np.bincount(hid[employees], minlength=H) * p["local_wage"] * m.indices["local_wage"]
    urban = np.flatnonzero(alive & (occ == Occupation.URBAN_EMPLOYED))
    earnings = economy.urban_earnings(p, per.skill[urban], m.growth)
    m.migrant_earnings_mean = float(earnings.mean()) if len(urban) else float("nan")
    inc["remittances"] = np.bincount(hid[urban], families.remittance_shares(m, urban) * earnings, minlength=H)
    per.savings[urban] += p["urban_saving_share"] * earnings
    inc["profit"] = np.bincount(hid[ven.founder[act]], ven.profit[act], minlength=H)
    rng = m.streams.get("shocks", m.year, 1)
    sick = rng.random(H) < p["health_shock_rate"]
    m.household_sick = sick  # read next year by the elder-care pull (families.home_pulls)
    inc["health_costs"] = np.where(sick, rng.exponential(p["health_shock_cost"], H), 0.0)

    residents = np.bincount(hid[resident], minlength=H)
    line = p["poverty_line"] * residents
    market = sum(inc[c] for c in MARKET) - inc["health_costs"]
    inc["pension"] = protection.pensions(m)
    protection.register(m, market + inc["pension"], residents)
    able = protection.able_at_home(m)
    transfer, inc["campaign"] = protection.campaign_support(m, residents, able)
    before_dibao = market + inc["pension"] + transfer + inc["campaign"]
    monitored = protection.monitored(m, before_dibao, residents)
    inc["dibao"] = protection.dibao(m, before_dibao, residents, monitored, able)
    supported = before_dibao + inc["dibao"]
    top_up = np.where(monitored, np.maximum(0.0, line - supported), 0.0)
    inc["transfers"] = transfer + top_up
    income = supported + top_up

    poor = (residents > 0) & (income < line)
    m.flows["return_to_poverty"] += np.bincount(hh.village[poor & hh.ever_poor & ~hh.poor], minlength=m.n_villages)
    hh.poor[:] = poor
    hh.ever_poor[:] |= poor
    hh.savings[:] += np.where(income > 0, p["rural_saving_share"] * income, income)

    m.income = inc
    m.household_income = income
    m.market_income = market
    m.residents_per_household = residents
    m.support_per_resident = np.divide(sum(inc[c] for c in SUPPORT_AT_HOME), residents, out=np.zeros(H), where=residents > 0)
    m.fiscal["poverty_transfers"] += top_up.sum() + p["monitoring_cost"] * np.count_nonzero(monitored)
    placed_by_market = max(0.0, lv["land_reform"] - p["informal_rental_share"]) / max(lv["land_reform"], p["informal_rental_share"], 1e-12)
    m.fiscal["land_reform"] += p["land_reform_cost"] * out.sum() * placed_by_market
