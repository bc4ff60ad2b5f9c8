"""What the class can set on the teaching page: levers, an outflow shock, the two feedback channels, presets.

:class:`Lesson` holds every control of the page; :meth:`Lesson.model_params`
turns it into RuralModel keywords. Nothing here imports the page, so the
settings and presets are testable without a browser.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

from rural_abm.model.parameters import registry
from rural_abm.model.schedules import parse_schedule

#: Classroom county: about 2,000 people in five villages, 2015-2044.
COUNTY = dict(n_people=2000, n_villages=5, start_year=2015, n_years=30)
FIRST_YEAR = COUNTY["start_year"]
LAST_YEAR = COUNTY["start_year"] + COUNTY["n_years"] - 1
#: Village names on the page (village index 0 is "A").
VILLAGE_NAMES = tuple("ABCDEFGHIJ"[: COUNTY["n_villages"]])
#: Shown for outflow_shock_village = -1.
ALL_VILLAGES = "all villages"


@dataclass(frozen=True)
class Lever:
    """A policy lever as a slider: RuralModel parameter, label, unit and slider range."""

    name: str
    label: str
    unit: str
    max: float
    step: float


#: The six levers on the page (RuralModel parameters, values per year while the policy window is open).
LEVERS = (
    Lever("microloan_budget", "Microloans", "RMB lent a year (county)", 1_000_000.0, 50_000.0),
    Lever("training_coverage", "Skills training", "share of resident workers trained a year", 0.2, 0.01),
    Lever("land_reform", "Land reform", "share of surplus land the rental market places", 1.0, 0.1),
    Lever("public_service_investment", "Public-service investment", "RMB per resident a year", 3000.0, 100.0),
    Lever("startup_subsidy", "Start-up support", "RMB per new venture", 100_000.0, 5000.0),
    Lever("poverty_transfer", "Transfers to poor households",
          "extra RMB per member of a household in the poverty file a year", 3000.0, 100.0),
)


def default_schedule(name: str):
    """The model's default schedule of lever ``name`` (a Schedule: call it with a calendar year)."""
    return parse_schedule(registry()[name].default)


@dataclass(frozen=True)
class Lesson:
    """Every control of the page. A lever's slider value is added to the model's default for that lever (0 for all
    but ``poverty_transfer``, whose default is the campaign's schedule) from ``policy_from`` to ``policy_until``
    (calendar years); outside that window the lever keeps its default."""

    seed: int = 1
    levers: dict = field(default_factory=lambda: {lever.name: 0.0 for lever in LEVERS})
    policy_from: int = FIRST_YEAR
    policy_until: int = LAST_YEAR
    shock_share: float = 0.0  # share of movable residents sent away in the shock year
    shock_year: int = 2020
    shock_village: int = -1  # village index, -1 = every village
    demand_feedback: bool = True
    service_feedback: bool = True

    def with_lever(self, name: str, value: float) -> Lesson:
        """A copy with lever ``name`` set to ``value``."""
        return replace(self, levers={**self.levers, name: float(value)})

    def model_params(self) -> dict:
        """RuralModel keywords (without ``rng``) for this lesson's county."""
        return {
            **COUNTY,
            **self.behaviour(),
            "outflow_shock_year": self.shock_year if self.shock_share > 0 else 0,
            "outflow_shock_share": self.shock_share,
            "outflow_shock_village": self.shock_village,
        }

    def behaviour(self) -> dict:
        """The keywords that change how people decide (levers and feedback channels): what the mean-field map depends on."""
        return {
            **{name: self._window(name, value) for name, value in self.levers.items()},
            "demand_feedback": self.demand_feedback,
            "service_feedback": self.service_feedback,
        }

    def behaviour_in(self, year: int) -> dict:
        """The same keywords as :meth:`behaviour` with each lever at its value in ``year`` (constants)."""
        return {**{name: self._value_in(name, value, year) for name, value in self.levers.items()},
                "demand_feedback": self.demand_feedback, "service_feedback": self.service_feedback}

    def _value_in(self, name: str, value: float, year: int) -> float:
        """Lever ``name`` in ``year``: its default, plus the slider ``value`` inside the policy window."""
        on = self.policy_from <= year <= self.policy_until
        return float(default_schedule(name)(year)) + (float(value) if on else 0.0)

    def _window(self, name: str, value: float):
        """Lever ``name`` as a schedule over the lesson's years: a constant, or steps where it changes."""
        steps = []
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            v = self._value_in(name, value, year)
            if not steps or steps[-1][1] != v:
                steps.append([year, v])
        return {"piecewise": steps} if len(steps) > 1 else steps[0][1]

    def key(self) -> tuple:
        """A hashable summary (for caches)."""
        d = asdict(self)
        d["levers"] = tuple(sorted(d["levers"].items()))
        return tuple(sorted(d.items()))


def shock_label(village: int) -> str:
    """Name of the shock target shown on the page."""
    return ALL_VILLAGES if village < 0 else f"village {VILLAGE_NAMES[village]}"


#: Presets: what each sets (every control not named keeps its default). Seed is kept by the page.
PRESETS = {
    "vicious circle": Lesson(shock_share=0.6, shock_year=2020, shock_village=0),
    "returnee entrepreneurs": Lesson(
        levers={**Lesson().levers, "microloan_budget": 600_000.0, "training_coverage": 0.08, "startup_subsidy": 30_000.0},
        policy_from=2016,
    ),
    "five-year transition": Lesson(
        levers={**Lesson().levers, "poverty_transfer": 1200.0, "training_coverage": 0.05, "startup_subsidy": 20_000.0,
                "public_service_investment": 500.0},
        policy_until=2025,
    ),
}

#: One line per preset: what the class should watch for.
PRESET_NOTES = {
    "vicious circle": "A recruitment wave in 2020 takes 60% of village A's workers. Watch A jump, then compare where it "
                      "goes with its level before the shock (and with a run without the shock), and watch most of the "
                      "other villages, with no shock, hollow out too over the years; then switch both feedback channels "
                      "off, Reset and compare.",
    "returnee entrepreneurs": "Microloans, training and start-up support from 2016 (Huichuan-style). Watch ventures, "
                              "local jobs and returned (blue) people grow.",
    "five-year transition": "Extra transfers, training, start-up support and services until the end of 2025, then nothing. "
                            "What happens to income and ventures after the support ends?",
}
