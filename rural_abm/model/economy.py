"""Markets and incomes: urban jobs and wages, farm income, local demand and public services.

All money is RMB per year at constant 2020 prices. Real growth indices (1 in
the start year) move the economy: the migrant (urban) wage, which local wages
and ventures' value added and capital follow, farmers' casual income, farm
income per mu (productivity and prices) and urban income per capita (see
:func:`growth_indices`).
"""

from __future__ import annotations

import numpy as np


def growth_index(p: dict, year: int) -> float:
    """Real urban (migrant) wage index of ``year`` (1 in the start year)."""
    return (1.0 + p["urban_wage_growth"]) ** (year - p["start_year"])


def growth_indices(p: dict, year: int) -> dict[str, float]:
    """Real indices of ``year`` (1 in the start year): urban_wage, local_wage, casual, farm and urban_income.

    Local wages (and with them ventures' value added per job and start-up
    capital) move with the urban wage, for which local firms compete. Casual
    income, farm income and urban income grow at their own rates up to
    ``rural_catch_up_end`` (the years of the NBS series) and at the urban
    wage's rate afterwards.
    """
    t = year - p["start_year"]
    catch_up = min(max(p["rural_catch_up_end"] - p["start_year"], 0), max(t, 0))  # years of rural catch-up growth
    urban = growth_index(p, year)
    after = urban / growth_index(p, p["start_year"] + catch_up)  # rural incomes then grow with urban wages
    return {
        "urban_wage": urban,
        "local_wage": urban,
        "casual": (1.0 + p["casual_income_growth"]) ** catch_up * after,
        "farm": (1.0 + p["farm_income_growth"]) ** catch_up * after,
        "urban_income": (1.0 + p["urban_income_growth"]) ** catch_up * after,
    }


def urban_jobs(p: dict, initial_migrants: int, year: int, shock: float) -> float:
    """Urban jobs open to the county's migrants in ``year`` (Harris-Todaro job stock).

    A job-loss ``shock`` (share) removes that share of the stock for the year.
    """
    trend = (1.0 + p["urban_jobs_growth"]) ** (year - p["start_year"])
    return p["urban_jobs_ratio"] * initial_migrants * trend * (1.0 - shock)


def employment_rate(jobs: float, urban_labour: int) -> float:
    """Expected urban employment rate: jobs / urban labour, capped at 1."""
    return 1.0 if urban_labour <= 0 else min(1.0, jobs / urban_labour)


def urban_earnings(p: dict, skill: np.ndarray, growth: float) -> np.ndarray:
    """Urban wage of each person if employed (RMB/year): wage * skill^premium."""
    premium = p["skill_wage_premium"] if p["returnee_human_capital"] else 0.0
    return p["urban_wage"] * growth * np.power(np.maximum(skill, 0.05), premium)


def demand_index(p: dict, scale: np.ndarray) -> np.ndarray:
    """Local demand index of each village: (residents / reference residents)^elasticity (1 when off)."""
    if not p["demand_feedback"]:
        return np.ones_like(scale)
    return np.power(scale, p["demand_elasticity"])


def service_level(p: dict, scale: np.ndarray, investment: float, school_open: np.ndarray, clinic_open: np.ndarray) -> np.ndarray:
    """Public-service level of each village (1 = full scale, no investment, school and clinic open).

    The township and county provide ``service_floor`` whatever the village's
    size and whatever it has lost; the village's own part has economies of
    scale and loses a merged school and a merged clinic: floor +
    max(0, (1 - floor) x min(1, (residents / reference residents)^elasticity)
    - losses). Investment (RMB per resident) adds effect * log(1 + investment / 500).
    """
    level = np.ones_like(scale)
    if p["service_feedback"]:
        floor = p["service_floor"]
        own = (1.0 - floor) * np.minimum(1.0, np.power(scale, p["service_scale_elasticity"]))
        level = floor + np.maximum(0.0, own - p["school_closure_loss"] * ~school_open - p["clinic_closure_loss"] * ~clinic_open)
    return level + p["service_investment_effect"] * np.log1p(investment / 500.0)


def farm_capacity(p: dict, workers: np.ndarray, elders: np.ndarray) -> np.ndarray:
    """Land (mu) a household can farm: mu_per_farm_worker per working-age farmer, half per elder."""
    return p["mu_per_farm_worker"] * (workers + 0.5 * elders)


def farm_income(p: dict, farmed_mu: np.ndarray, farm_index: float) -> np.ndarray:
    """Net farm income (RMB/year) of farming ``farmed_mu``, with scale economies, at farm growth index ``farm_index``."""
    ref = max(p["land_per_household_mu"], 1e-9)
    scale = np.power(np.maximum(farmed_mu, 0.0) / ref, p["farm_scale_elasticity"])
    return p["farm_income_per_mu"] * farm_index * farmed_mu * scale


def farm_income_per_worker(p: dict, land: np.ndarray, workers: np.ndarray, elders: np.ndarray, farm_index: float) -> np.ndarray:
    """Farm income a working-age farmer earns on household land shared with ``workers`` and ``elders``."""
    labour = workers + 0.5 * elders
    farmed = np.minimum(land, farm_capacity(p, workers, elders))
    return np.divide(farm_income(p, farmed, farm_index), labour, out=np.zeros_like(farmed), where=labour > 0)
