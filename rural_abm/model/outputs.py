"""Outputs of social protection, services, the urban labour market, savings and ventures.

Kept apart from metrics.py (which merges them into ``COUNTY_METRICS`` and
``VILLAGE_METRICS``); :func:`compute` evaluates them from the state at the
end of a year.
"""

from __future__ import annotations

import numpy as np

#: County outputs: name -> unit and meaning.
COUNTY = {
    "pension_recipients": "persons receiving the residents' basic pension this year",
    "dibao_recipients": "resident members of households paid dibao this year (persons)",
    "dibao_households": "households paid dibao this year",
    "dibao_eligible_missed": "households eligible for dibao but not paid this year (exclusion errors)",
    "dibao_ineligible_paid": "households paid dibao this year although above the standard (inclusion errors)",
    "registered_poor_households": "households in the poverty file (with resident members)",
    "registered_poor_below_line": "households in the poverty file still below the poverty line after all support",
    "market_poverty_ratio": "share of residents in households whose market income (before pension, campaign support, dibao and monitoring) is below the poverty line",
    "welfare_posts": "public-welfare posts held by file households this year",
    "schools_open": "villages whose school is still open",
    "clinics_open": "villages whose clinic is still open",
    "urban_jobs": "urban jobs open to the county's migrants this year (job stock)",
    "migrant_unemployment_rate": "share of migrants away without urban work at the end of the year",
    "household_savings_median": "RMB per household (median over households with resident members; household savings)",
    "life_event_spending": "RMB of savings spent this year on house building, weddings and education",
    "migrant_earnings_mean": "RMB per employed migrant per year (mean urban earnings of the county's migrants in work; nan when none)",
    "venture_profit_median": "RMB per active venture per year (median profit after debt service)",
    "venture_profit_margin_median": "share of revenue (median over active ventures of profit / revenue)",
}

#: Village outputs.
VILLAGE = {
    "school_open": "1 if the village school is open, else 0",
    "clinic_open": "1 if the village clinic is open, else 0",
    "registered_poor_households": "households in the poverty file (with resident members)",
}


def compute(m, county: dict) -> tuple[dict, dict]:
    """County and village values of the outputs above for this year (``county``: the other county outputs)."""
    hh, ven, V = m.households, m.ventures, m.n_villages
    residents = m.residents_per_household
    filed = hh.registered_poor & (residents > 0)
    below = filed & (m.household_income < m.p["poverty_line"] * residents)
    home = residents > 0
    act = ven.active
    county = {
        "pension_recipients": m.protection.get("pension_recipients", 0),
        "dibao_recipients": m.protection.get("dibao_recipients", 0),
        "dibao_households": m.protection.get("dibao_households", 0),
        "dibao_eligible_missed": m.protection.get("dibao_eligible_missed", 0),
        "dibao_ineligible_paid": m.protection.get("dibao_ineligible_paid", 0),
        "registered_poor_households": int(filed.sum()),
        "registered_poor_below_line": int(below.sum()),
        "market_poverty_ratio": float(residents[home & (m.market_income < m.p["poverty_line"] * residents)].sum() / max(residents.sum(), 1)),
        "welfare_posts": m.protection.get("welfare_posts", 0),
        "schools_open": int(m.school_open.sum()),
        "clinics_open": int(m.clinic_open.sum()),
        "urban_jobs": float(m.urban_jobs),
        "migrant_unemployment_rate": 1.0 - county["urban_employment_rate"] if county["away"] else 0.0,
        "household_savings_median": float(np.median(hh.savings[home])) if home.any() else 0.0,
        "life_event_spending": float(m.life_event_spending),
        "migrant_earnings_mean": m.migrant_earnings_mean,
        "venture_profit_median": float(np.median(ven.profit[act])) if act.any() else float("nan"),
        "venture_profit_margin_median": float(np.median(ven.profit[act] / np.maximum(ven.revenue[act], 1.0))) if act.any() else float("nan"),
    }
    village = {
        "school_open": m.school_open.astype(np.int64),
        "clinic_open": m.clinic_open.astype(np.int64),
        "registered_poor_households": np.bincount(hh.village[filed], minlength=V),
    }
    return county, village
