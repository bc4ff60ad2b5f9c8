"""The numbers docs/teaching.md quotes for the teaching page's presets (seed 1; a few at seeds 2-4), printed for checking.

Runs each preset's county (rural_abm.app.lesson: 2,000 persons, 5 villages)
as the page does and the page's mean-field map for the levers of a given
year. Rerun after any change to the defaults and compare with the text.

    python experiments/teaching_numbers.py
"""

from __future__ import annotations

from dataclasses import replace

from rural_abm import RuralModel
from rural_abm.app.lesson import PRESETS, Lesson
from rural_abm.app.page import MAP_SEEDS, MAP_SHARES, MAP_VILLAGE
from rural_abm.mean_field import mean_field_map, tipping_point
from rural_abm.model.parameters import defaults


def run(lesson: Lesson, **params):
    """(county frame, village frame) of ``lesson``'s county played to the last year (``params`` override the model's)."""
    m = RuralModel(rng=lesson.seed, **{**lesson.model_params(), **params})
    m.run_model()
    return m.county_frame(), m.village_frame()


def page_map(lesson: Lesson, year: int, **params):
    """(x, F(x)) of the page's mean-field map for the levers of ``year`` (``params`` override the theory village's)."""
    return mean_field_map(MAP_SHARES, MAP_SEEDS, **MAP_VILLAGE, **lesson.behaviour_in(year), **params)


def tip(lesson: Lesson, year: int) -> str:
    """The page's tipping point for the levers of ``year`` ('none' if the map has none)."""
    t = tipping_point(*page_map(lesson, year))
    return "none" if t is None else f"{t:.2f}"


def county_cost_map(lesson: Lesson, year: int) -> str:
    """The same map at the county's own cost of leaving: its tipping point and its least F(x) - x."""
    cost = defaults()["migration_cost"]
    x, fx = page_map(lesson, year, migration_cost=cost)
    t = tipping_point(x, fx)
    return f"at the county's cost of leaving {cost}: tipping point {'none' if t is None else f'{t:.2f}'}, " \
           f"least F(x) - x {min(fx - x):+.3f}"


def by_village(villages, column: str, years) -> str:
    return "; ".join(f"{y}: {villages.xs(y, level=0)[column].round(2).tolist()}" for y in years)


def ventures(county, years) -> str:
    return "; ".join(f"{y}: {int(county.loc[y, 'enterprises_active'])} employing {int(county.loc[y, 'enterprise_jobs'])}"
                     for y in years)


def main() -> None:
    circle = PRESETS["vicious circle"]
    _, villages = run(circle)
    print("1. vicious circle, hollowing A-E:", by_village(villages, "hollowing_index", (2015, 2019, 2020, 2025, 2029, 2030, 2044)),
          "| away A-E:", by_village(villages, "away", (2019, 2020)), "| resident A-E:", by_village(villages, "resident", (2019, 2020)),
          "| tipping point", tip(circle, 2030))
    print("   ventures A-E:", by_village(villages, "enterprises_active", (2020, 2022, 2024, 2025, 2026, 2028, 2030)),
          "| clinics open:", by_village(villages, "clinic_open", (2030,)),
          "| income per resident A:", by_village(villages.xs(0, level=1, drop_level=False), "income_per_capita_mean", (2019, 2020)))
    print("   map", county_cost_map(circle, 2030))
    _, villages = run(Lesson())
    print("   without the shock, hollowing A-E:", by_village(villages, "hollowing_index", (2025, 2030, 2044)),
          "| ventures A-E:", by_village(villages, "enterprises_active", (2025,)))
    _, villages = run(circle, service_floor=0.0, clinic_standard=0.0)
    print("   without service floor and clinic standard, hollowing A-E:", by_village(villages, "hollowing_index", (2030,)))
    off = replace(circle, demand_feedback=False, service_feedback=False)
    _, villages = run(off)
    print("2. circle off, hollowing A-E:", by_village(villages, "hollowing_index", (2020, 2030, 2044)), "| tipping point", tip(off, 2030))
    for channel in ("demand_feedback", "service_feedback"):
        _, villages = run(replace(off, **{channel: True}))
        print(f"   {channel} alone, hollowing A-E:", by_village(villages, "hollowing_index", (2030, 2044)))
    returnees = PRESETS["returnee entrepreneurs"]
    county, villages = run(returnees)
    print("3. returnee entrepreneurs, hollowing A-E:", by_village(villages, "hollowing_index", (2020, 2035)),
          "| ventures A-E:", by_village(villages, "enterprises_active", (2035,)), "| county:", ventures(county, (2030, 2035)),
          "| tipping point", tip(returnees, 2030), "| peak:", ventures(county, (int(county["enterprises_active"].idxmax()),)))
    county, villages = run(Lesson())
    print("   no policy, county:", ventures(county, (2030, 2035, 2044)),
          "| hollowing A-E:", by_village(villages, "hollowing_index", (2030, 2035, 2044)))
    transition = PRESETS["five-year transition"]
    county, villages = run(transition)
    print("4. five-year transition, hollowing A-E:", by_village(villages, "hollowing_index", (2020, 2025, 2035, 2044)),
          "| county:", ventures(county, (2025, 2044)), "| tipping point 2021", tip(transition, 2021), "2030", tip(transition, 2030))
    for seed in (2, 3, 4):
        _, shocked = run(replace(circle, seed=seed))
        _, supported = run(replace(transition, seed=seed))
        _, none = run(replace(Lesson(), seed=seed))
        print(f"   seed {seed}: vicious circle, hollowing A-E:", by_village(shocked, "hollowing_index", (2019, 2030)),
              "| without the shock:", by_village(none, "hollowing_index", (2030,)),
              "| five-year transition:", by_village(supported, "hollowing_index", (2044,)),
              "| no policy:", by_village(none, "hollowing_index", (2044,)))


if __name__ == "__main__":
    main()
