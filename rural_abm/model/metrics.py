"""The outputs: every metric recorded each year, for the county and each village.

``COUNTY_METRICS`` and ``VILLAGE_METRICS`` name each output with its unit;
:func:`compute` evaluates them all from the state at the end of a year.
"""

from __future__ import annotations

import numpy as np

from . import family_outputs, outputs
from .codes import Occupation, ReturnKind, Status
from .families import migrants
from .policies import FISCAL_HEADS
from .population import tally

#: County outputs: name -> unit and meaning. Flows are counts during the year.
#: Income components that the NBS household survey counts as transfer income (转移性收入): what members working
#: away send home, and pensions and social assistance from the state (the campaign's posts and industry support are
#: earned, so not among them).
TRANSFER_INCOME = ("remittances", "pension", "dibao", "transfers")

COUNTY_METRICS = {
    "year": "calendar year",
    "registered": "persons alive and registered in the county",
    "resident": "registered persons living in the county",
    "away": "registered persons living away: migrants working or seeking work, and children living with them",
    "migrants": "registered persons working or seeking work away (migrant workers; not the children with them)",
    "returned": "residents who have been away (stock)",
    "migrated": "persons who left this year",
    "returned_passive": "persons pushed home this year (job loss, age)",
    "returned_voluntary": "persons who came home by choice this year",
    "births": "births this year",
    "deaths": "deaths this year",
    "hollowing_index": "share of registered working-age persons who are away",
    "hollow_households": "households with living members but no working-age member at home",
    "left_behind_elders": "resident elders in households with a working-age member away",
    "left_behind_children": "resident children in households with a working-age member away",
    "income_per_capita_mean": "RMB per resident per year (households weighted by residents)",
    "income_per_capita_median": "RMB per resident per year",
    "income_gini": "Gini coefficient of income per capita over residents",
    "income_pure_farming": "RMB per resident per year, pure farming households (farm and rent >= 80% of gross income)",
    "income_part_time": "RMB per resident per year, part-time households",
    "income_exit": "RMB per resident per year, exit households (no farm income)",
    "households_pure_farming": "households",
    "households_part_time": "households",
    "households_exit": "households",
    "poverty_headcount_ratio": "share of residents in households below the poverty line",
    "return_to_poverty": "households that fell back below the line this year after having been poor",
    "poor_households": "resident households below the poverty line",
    "urban_rural_income_ratio": "urban disposable income per capita / rural income per capita",
    "urban_employment_rate": "share of migrants in urban work",
    "expected_urban_income": "RMB per year: expected employment rate x urban wage (skill 1)",
    "migrant_wage": "RMB per year: urban wage of an employed migrant of skill 1",
    "expected_home_income": "RMB per year: mean expected income at home of resident working-age farmers and employees",
    "enterprises_active": "ventures active at the end of the year",
    "enterprises_born": "ventures started this year",
    "returnee_enterprises_born": "ventures started this year by returnees",
    "enterprises_failed": "ventures closed this year (failure, founder death or retirement)",
    "enterprise_jobs": "employees of active ventures (persons)",
    "returnee_enterprises": "active ventures founded by returnees",
    "returnee_enterprises_founded": "ventures founded by returnees since the start year, those running at the start included (closed ones too)",
    "land_rented": "mu rented out",
    "land_idle": "mu of contracted land not farmed",
    "land_rented_share": "share of the households' contracted land rented out (land circulation)",
    "transfer_income_share": "share of residents' household income that is transfer income: remittances, pension, dibao and cash transfers",
    "service_level": "public-service level, resident-weighted mean (1 = full scale)",
    "trained": "persons trained this year",
    "trained_last_year": "persons trained last year and still registered (the placement cohort)",
    "trained_last_year_employed": "of trained_last_year: in work at the end of this year (local employee, venture founder or urban employed)",
    "loans_granted": "microloans granted this year (ventures funded)",
    "loans_disbursed": "RMB lent since the start (cumulative)",
    "loans_repaid": "RMB repaid since the start (cumulative)",
    "loans_outstanding": "RMB owed at the end of the year",
    "loans_written_off": "RMB written off since the start (cumulative)",
    **{f"fiscal_{h}": f"RMB spent this year on {h.replace('_', ' ')}" for h in FISCAL_HEADS},
    "fiscal_total": "RMB spent this year on all levers",
    **outputs.COUNTY,
    **family_outputs.COUNTY_METRICS,
}

#: Village outputs (one row per village per year).
VILLAGE_METRICS = {
    "registered": "persons",
    "resident": "persons",
    "away": "persons",
    "returned": "persons (stock)",
    "hollowing_index": "share of registered working-age persons away",
    "income_per_capita_mean": "RMB per resident per year",
    "poverty_headcount_ratio": "share of residents",
    "enterprises_active": "ventures",
    "enterprise_jobs": "persons",
    "land_rented": "mu",
    "land_idle": "mu",
    "service_level": "index (1 = full scale)",
    "demand_index": "index (1 = reference residents)",
    "settled_out": "persons settled out for good this year",
    **outputs.VILLAGE,
}


def _weighted_quantiles(values, weights, q):
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cw = np.cumsum(w)
    if cw[-1] <= 0:
        return np.nan, np.nan
    median = v[np.searchsorted(cw, q * cw[-1])]
    # Gini of a weighted distribution (trapezoid rule on the Lorenz curve)
    share = np.cumsum(v * w)
    total = share[-1]
    if total <= 0:
        return median, np.nan
    lorenz = np.r_[0.0, share / total]
    pop = np.r_[0.0, cw / cw[-1]]
    gini = 1.0 - np.sum((pop[1:] - pop[:-1]) * (lorenz[1:] + lorenz[:-1]))
    return median, gini


def compute(m) -> tuple[dict, dict]:
    """All county metrics (scalars) and village metrics (arrays over villages) for this year."""
    p, per, hh, ven, V = m.p, m.persons, m.households, m.ventures, m.n_villages
    alive = per.alive
    away = alive & (per.status == Status.AWAY)
    resident = alive & ~away
    working = alive & (per.age >= p["working_age"]) & (per.age < p["elder_age"])
    vil = per.village

    # one tally of living persons per village and per household, by state: 1 away, 2 working age, 4 returned
    state = (away + 2 * working + 4 * (per.status == Status.RETURNED))[alive]
    by_v = tally(vil[alive], state, V, 8)
    registered_v = by_v.sum(axis=1)
    away_v = by_v[:, 1::2].sum(axis=1)
    resident_v = registered_v - away_v
    returned_v = by_v[:, 4:].sum(axis=1)  # returned persons live at home
    working_v = by_v[:, [2, 3, 6, 7]].sum(axis=1)
    working_away_v = by_v[:, 3] + by_v[:, 7]
    hollow_v = np.divide(working_away_v, working_v, out=np.zeros(V), where=working_v > 0)

    hid = per.household
    H = hh.n
    res_hh = m.residents_per_household
    by_h = tally(hid[alive], state & 3, H, 4)
    members = by_h.sum(axis=1)
    work_home, work_away = by_h[:, 2], by_h[:, 3]
    split = work_away[hid] > 0
    elder = resident & (per.occupation == Occupation.ELDER)
    child = resident & (per.occupation == Occupation.CHILD)

    inc = m.income
    income = m.household_income
    counted = res_hh > 0
    pc = np.divide(income, res_hh, out=np.zeros(H), where=counted)
    w = res_hh.astype(np.float64)
    gross = sum(np.maximum(inc[c], 0) for c in ("farm", "casual", "local_wages", "remittances", "profit", "rent", "transfers"))
    farm_share = np.divide(np.maximum(inc["farm"], 0) + inc["rent"], gross, out=np.zeros(H), where=gross > 0)
    exit_hh = counted & (hh.farmed <= 0)
    pure = counted & ~exit_hh & (farm_share >= 0.8)
    part = counted & ~exit_hh & ~pure

    def mean_pc(mask):
        weight = w[mask].sum()
        return float(income[mask].sum() / weight) if weight > 0 else np.nan

    median, gini = _weighted_quantiles(pc[counted], w[counted], 0.5) if counted.any() else (np.nan, np.nan)
    resident_income_v = np.bincount(hh.village, income * counted, minlength=V)
    res_hh_v = np.bincount(hh.village, w, minlength=V)
    poor_v = np.bincount(hh.village, w * hh.poor, minlength=V)

    act = ven.active
    staff = per.employer[per.employer >= 0]
    jobs_v = np.bincount(ven.village[staff], minlength=V)
    rented_v = np.bincount(hh.village, hh.rented_out, minlength=V)
    idle_v = np.bincount(hh.village, m.idle_land, minlength=V)
    founders = ven.founder[act]
    trained_last_year = np.flatnonzero(alive & (per.trained_year == m.year - 1))
    working_occupations = (Occupation.LOCAL_EMPLOYEE, Occupation.ENTREPRENEUR, Occupation.URBAN_EMPLOYED)
    in_work = np.isin(per.occupation[trained_last_year], working_occupations)
    mean_income = mean_pc(counted)

    n_migrants = int(migrants(per).sum())
    county = {
        "year": m.year,
        "registered": int(alive.sum()),
        "resident": int(resident.sum()),
        "away": int(away.sum()),
        "migrants": n_migrants,
        "returned": int(returned_v.sum()),
        "migrated": int(m.flows["migrated"].sum()),
        "returned_passive": int(m.flows["returned_passive"].sum()),
        "returned_voluntary": int(m.flows["returned_voluntary"].sum()),
        "births": int(m.flows["births"].sum()),
        "deaths": int(m.flows["deaths"].sum()),
        "hollowing_index": float(working_away_v.sum() / max(working_v.sum(), 1)),
        "hollow_households": int(np.count_nonzero((members > 0) & (work_home == 0))),
        "left_behind_elders": int(np.count_nonzero(elder & split)),
        "left_behind_children": int(np.count_nonzero(child & split)),
        "income_per_capita_mean": mean_income,
        "income_per_capita_median": float(median),
        "income_gini": float(gini),
        "income_pure_farming": mean_pc(pure),
        "income_part_time": mean_pc(part),
        "income_exit": mean_pc(exit_hh),
        "households_pure_farming": int(pure.sum()),
        "households_part_time": int(part.sum()),
        "households_exit": int(exit_hh.sum()),
        "poverty_headcount_ratio": float(poor_v.sum() / max(res_hh_v.sum(), 1)),
        "return_to_poverty": int(m.flows["return_to_poverty"].sum()),
        "poor_households": int(np.count_nonzero(counted & hh.poor)),
        "urban_rural_income_ratio": float(p["urban_income_per_capita"] * m.indices["urban_income"] / mean_income) if mean_income > 0 else np.nan,
        "urban_employment_rate": float((away & (per.occupation == Occupation.URBAN_EMPLOYED)).sum() / max(n_migrants, 1)),
        "expected_urban_income": float(m.expected_employment * p["urban_wage"] * m.growth),
        "migrant_wage": float(p["urban_wage"] * m.growth),
        "expected_home_income": m.mean_home_income,
        "enterprises_active": int(act.sum()),
        "enterprises_born": int(m.flows["ventures_born"].sum()),
        "returnee_enterprises_born": int(m.flows["returnee_ventures_born"].sum()),
        "enterprises_failed": int(m.flows["ventures_failed"].sum()),
        "enterprise_jobs": int(len(staff)),
        "returnee_enterprises": int(np.count_nonzero(per.return_kind[founders] != ReturnKind.NONE)),
        "returnee_enterprises_founded": int(m.returnee_ventures_founded.sum()),
        "land_rented": float(rented_v.sum()),
        "land_idle": float(idle_v.sum()),
        "land_rented_share": float(rented_v.sum() / max(hh.land.sum(), 1e-9)),
        "transfer_income_share": float(sum(inc[c][counted].sum() for c in TRANSFER_INCOME) / max(income[counted].sum(), 1e-9)),
        "service_level": float(np.average(m.service, weights=np.maximum(resident_v, 1e-9))),
        "trained": int(m.flows["trained"].sum()),
        "trained_last_year": len(trained_last_year),
        "trained_last_year_employed": int(np.count_nonzero(in_work)),
        "loans_granted": int(m.flows["loans_granted"].sum()),
        "loans_disbursed": float(m.ledger["loans_disbursed"]),
        "loans_repaid": float(m.ledger["loans_repaid"]),
        "loans_outstanding": float(ven.loan_balance.sum()),
        "loans_written_off": float(m.ledger["loans_written_off"]),
        **{f"fiscal_{h}": float(m.fiscal[h]) for h in FISCAL_HEADS},
        "fiscal_total": float(sum(m.fiscal.values())),
        **family_outputs.compute(m, child & split),
    }
    village = {
        "registered": registered_v,
        "resident": resident_v,
        "away": away_v,
        "returned": returned_v,
        "hollowing_index": hollow_v,
        "income_per_capita_mean": np.divide(resident_income_v, res_hh_v, out=np.full(V, np.nan), where=res_hh_v > 0),
        "poverty_headcount_ratio": np.divide(poor_v, res_hh_v, out=np.zeros(V), where=res_hh_v > 0),
        "enterprises_active": np.bincount(ven.village[act], minlength=V),
        "enterprise_jobs": jobs_v,
        "land_rented": rented_v,
        "land_idle": idle_v,
        "service_level": m.service.copy(),
        "demand_index": m.demand.copy(),
        "settled_out": m.flows["settled_out"].copy(),
    }
    more_county, more_village = outputs.compute(m, county)
    return {**county, **more_county}, {**village, **more_village}
