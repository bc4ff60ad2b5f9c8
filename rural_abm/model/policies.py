"""Policy levers: this year's values of every scheduled parameter, and fiscal cost heads.

Each lever is a model parameter of kind ``schedule`` (see schedules.py); the
model reads all of them in phase 1 of a year. Fiscal costs are booked, per
lever, by the phase that spends the money (RMB per year).
"""

from __future__ import annotations

from .parameters import registry

#: Fiscal cost heads, one per lever family (RMB per year each).
FISCAL_HEADS = ("microloans", "training", "land_reform", "public_services", "entrepreneurship", "poverty_transfers",
                "pensions", "dibao", "poverty_campaign", "settlement")


def schedule_names() -> tuple[str, ...]:
    """Names of all parameters that are schedules over calendar years."""
    return tuple(name for name, prm in registry().items() if prm.kind == "schedule")


def levers(p: dict, year: int) -> dict[str, float]:
    """Value of every scheduled parameter in calendar ``year``."""
    return {name: p[name](year) for name in schedule_names()}
