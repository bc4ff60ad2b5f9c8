"""The teaching page: Mesa's SolaraViz with lesson controls, village panels, live charts and the mean-field map.

``rural-abm demo`` serves :func:`Page` (see rural_abm.app.server). The page
holds the chosen controls in a per-browser-session :data:`lesson`; Mesa's
Reset builds a new :class:`ClassroomCounty`, which reads them, so Reset keeps
what the class has set. The model is used only through its keywords, its
Person agents and its outputs; it never imports this module.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import NamedTuple

import numpy as np
import pandas as pd
import reacton.ipywidgets as rw
import solara
from mesa.visualization import SolaraViz

from ..mean_field import mean_field_map, tipping_point
from ..model import RuralModel
from . import pictures
from .lesson import ALL_VILLAGES, FIRST_YEAR, LAST_YEAR, LEVERS, PRESET_NOTES, PRESETS, VILLAGE_NAMES, Lesson, shock_label

#: The controls of this browser session (a Solara reactive is per session under solara-server).
lesson = solara.reactive(Lesson())
#: The preset last chosen ("" when none), for its note.
chosen_preset = solara.reactive("")

#: The outputs the page draws (names of metrics.COUNTY_METRICS and metrics.VILLAGE_METRICS).
COUNTY_SHOWN = ("year", "resident", "away", "income_per_capita_mean", "enterprises_active", "enterprise_jobs")
VILLAGE_SHOWN = ("hollowing_index", "service_level")
#: Mean-field maps by behaviour settings: (x, F(x), tipping point). Computed once per settings.
_MAPS: dict = {}
_MAP_LOCK = threading.Lock()
MAP_VILLAGE = dict(n_people=3000)
MAP_SHARES = np.linspace(0.05, 0.75, 12)
MAP_SEEDS = range(8)
SPAN = (FIRST_YEAR, LAST_YEAR)
INCOME_NOTE = ("Why can income per resident rise when people leave? Those who leave (often from poorer farming households) "
               "stop counting as residents, and the money they send home counts as income of those who stay.")


class Snapshot(NamedTuple):
    """The county after ``years_done`` simulated years, as the page draws it."""

    years_done: int
    county: pd.DataFrame  # county_frame()
    villages: pd.DataFrame  # village_frame()
    categories: list  # pictures.person_categories(): per village, the category code of each person


class ClassroomCounty(RuralModel):
    """The county on the page: a RuralModel built from the session's current :data:`lesson`.

    Mesa's Reset button calls the model class with no arguments, so every
    Reset builds the county the controls describe now. Play steps the model
    in a thread while the page may draw from another, so a year and a
    snapshot of what the page shows never overlap (``lock``).
    """

    def __init__(self):
        settings = lesson.peek()
        super().__init__(rng=settings.seed, **settings.model_params())
        self.lesson = settings
        self.years_done = 0
        self.lock = threading.Lock()
        self._snapshot = None
        self._county_rows: list[dict] = []
        self._village_rows: list[dict] = []

    def step(self) -> None:
        """One simulated year (RuralModel.step), never while a snapshot is taken; keeps this year's outputs."""
        with self.lock:
            super().step()
            self._county_rows.append({k: self.county[k] for k in COUNTY_SHOWN})
            self._village_rows.append({k: self.village_metrics[k].copy() for k in VILLAGE_SHOWN})
            self.years_done += 1

    def snapshot(self) -> Snapshot:
        """What the page shows now: the outputs so far and every person's category; taken once per year.

        The outputs are the rows of ``county_frame()`` and ``village_frame()``
        the page draws, kept year by year (rebuilding the frames every year
        would cost more than the year itself).
        """
        with self.lock:
            if self._snapshot is None or self._snapshot.years_done != self.years_done:
                county = pd.DataFrame(self._county_rows, columns=list(COUNTY_SHOWN)).set_index("year")
                index = pd.MultiIndex.from_product([county.index, range(self.n_villages)], names=["year", "village"])
                villages = pd.DataFrame({k: np.concatenate([r[k] for r in self._village_rows]) if self._village_rows else []
                                         for k in VILLAGE_SHOWN}, index=index)
                self._snapshot = Snapshot(self.years_done, county, villages, pictures.person_categories(self))
            return self._snapshot

    def levers_now(self) -> dict:
        """The levers of the coming year and the feedback switches (what the mean-field map is drawn for)."""
        return self.lesson.behaviour_in(FIRST_YEAR + self.years_done)


def map_for(behaviour: dict):
    """(x, F(x), tipping point) of the mean-field map of a stationary village under ``behaviour`` (cached).

    Near the tipping point the map lies within a few thousandths of the
    diagonal, so its estimated place moves by a few hundredths with the seeds.
    """
    key = _map_key(behaviour)
    with _MAP_LOCK:  # one computation at a time; a second page asking for the same map waits for it
        if key not in _MAPS:
            x, fx = mean_field_map(MAP_SHARES, MAP_SEEDS, **MAP_VILLAGE, **behaviour)
            _MAPS[key] = (x, fx, tipping_point(x, fx))
    return _MAPS[key]


def _map_key(behaviour: dict) -> tuple:
    return tuple(sorted(behaviour.items()))


def tipping_point_if_known(behaviour: dict) -> float | None:
    """The tipping point of the map under ``behaviour`` if it has been computed (None otherwise or if it has none)."""
    known = _MAPS.get(_map_key(behaviour))
    return known[2] if known else None


CHART_STYLE = {"style": "height: 330px; width: 100%;"}


def _view(css: str):
    return solara.Column(classes=["teaching-view", css], gap="2px")


# ------------------------------------------------------------------ the views (SolaraViz components)
def VillagesView(model):
    """Each village as a panel of its people, with its numbers and the run's year and seed."""
    snap = model.snapshot()
    cats, villages = snap.categories, snap.villages
    image = solara.use_memo(lambda: pictures.village_panels_png(cats), [id(model), snap.years_done])
    with _view("view-villages") as main:
        _html(f"<b class='run-year'>{f'Year {FIRST_YEAR + snap.years_done - 1}' if snap.years_done else 'Start'}</b> · "
              f"seed <span class='run-seed'>{model.lesson.seed}</span> · shock: {_shock_text(model.lesson)}<br>"
              "Villages " + " · ".join(VILLAGE_NAMES[: len(cats)]) + ", one cell per person:")
        rw.Image(value=image, format="png", layout={"max_width": "100%"})
        _html(pictures.legend_html())
        _html(_village_table(cats, villages))
    return main


def _shock_text(s: Lesson) -> str:
    return f"{s.shock_share:.0%} of {shock_label(s.shock_village)} in {s.shock_year}" if s.shock_share > 0 else "none"


def _village_table(cats, villages) -> str:
    """An HTML table: residents, away and hollowing-out index of each village now."""
    away = [int((c == pictures.CATEGORIES.index("away")).sum()) for c in cats]
    rows = [("", VILLAGE_NAMES[: len(cats)], ""), ("at home", [len(c) - a for c, a in zip(cats, away)], ""),
            ("away", away, "")]
    if len(villages):
        last = villages.xs(villages.index.get_level_values("year").max(), level="year")["hollowing_index"]
        rows.append(("hollowing", [f"{h:.2f}" for h in last], "hollowing"))
    cell = "<td style='padding:0 10px;text-align:right' class='{}'>{}</td>"
    body = "".join(f"<tr><th style='text-align:left'>{head}</th>" + "".join(cell.format(css, x) for x in xs) + "</tr>"
                   for head, xs, css in rows)
    return f"<table class='village-table' style='font-size:13px'>{body}</table>"


def _html(html: str):
    """A block of HTML (plain HTML: solara's Markdown would ask the internet for KaTeX)."""
    return solara.HTML(tag="div", unsafe_innerHTML=html, style="font-size: 13px")


def MapView(model):
    """The mean-field map for this year's levers, with each village's state moving on it."""
    behaviour = model.levers_now()
    result = solara.use_thread(lambda: map_for(behaviour), dependencies=[_map_key(behaviour)])
    x = fx = tip = None
    if result.state == solara.ResultState.FINISHED:
        x, fx, tip = result.value
    villages = model.snapshot().villages
    with _view("view-map") as main:
        _html("<b>Mean-field map of a village</b> (a stationary village under this year's levers)"
              + ("" if x is not None else " · <i>computing the map…</i>"))
        solara.FigureEcharts(option=pictures.mean_field_chart(x, fx, tip, villages), attributes=CHART_STYLE)
        _html(f"Tipping point: share away <b class='tipping-point'>{tip:.2f}</b>; above it a village keeps hollowing out "
              "(the map lies close to the diagonal there, so its place is uncertain by a few hundredths)."
              if tip is not None else ("No tipping point: every village drifts back to one level." if x is not None else ""))
    return main


def HollowingView(model):
    """Hollowing-out index of each village over the years, with the map's tipping point."""
    snap = model.snapshot()
    tip = tipping_point_if_known(model.levers_now())
    return _chart("view-hollowing", snap, pictures.village_chart(
        snap.villages, "hollowing_index", "Hollowing-out index per village", "share of workers away", SPAN, _shock(model),
        tip, "tipping point"))


def ResidentsView(model):
    """Residents and persons away, county."""
    snap = model.snapshot()
    return _chart("view-residents", snap, pictures.county_chart(
        snap.county, {"resident": "residents", "away": "away"}, "Residents and away", "persons", SPAN, _shock(model)))


def IncomeView(model):
    """Income per resident, county, with the note on why it can rise when people leave."""
    snap = model.snapshot()
    return _chart("view-income", snap, pictures.county_chart(
        snap.county, {"income_per_capita_mean": "income per resident"}, "Income per resident", "RMB a year", SPAN,
        _shock(model)), note=INCOME_NOTE)


def EnterprisesView(model):
    """Active ventures and their employees, county."""
    snap = model.snapshot()
    return _chart("view-enterprises", snap, pictures.county_chart(
        snap.county, {"enterprises_active": "enterprises", "enterprise_jobs": "jobs in them"}, "Enterprises and jobs",
        "count", SPAN, _shock(model)))


def ServiceView(model):
    """Public-service level of each village."""
    snap = model.snapshot()
    return _chart("view-service", snap, pictures.village_chart(
        snap.villages, "service_level", "Public-service level per village", "1 = full scale", SPAN, _shock(model)))


def _shock(model) -> int:
    return model.lesson.shock_year if model.lesson.shock_share > 0 else 0


def _chart(css: str, snap: Snapshot, option: dict, note: str = ""):
    with _view(css) as main:
        solara.FigureEcharts(option=option, attributes=CHART_STYLE)
        if note:
            solara.Text(note, style="font-size: 12px")
        elif not snap.years_done:
            solara.Text("Press Step or ▶ to run the county year by year.", style="font-size: 12px")
    return main


COMPONENTS = [(view, 0) for view in (VillagesView, MapView, HollowingView, ResidentsView, IncomeView, EnterprisesView,
                                     ServiceView)]


# ------------------------------------------------------------------ the controls
@solara.component
def LessonControls():
    """Presets, seed, levers, policy years, outflow shock and the two feedback channels (applied on Reset)."""
    s = lesson.value

    def set_(**changes):
        lesson.set(replace(lesson.value, **changes))

    def choose(name):
        lesson.set(replace(PRESETS[name], seed=lesson.value.seed))
        chosen_preset.set(name)

    with solara.Card("Lesson", classes=["lesson-controls"]):
        _html("Settings take effect when you press <b>Reset</b>.")
        with solara.Row(gap="4px", style="flex-wrap: wrap"):
            for name in PRESETS:
                solara.Button(name, on_click=lambda name=name: choose(name), outlined=True, small=True,
                              classes=["preset"])
        if chosen_preset.value:
            solara.Info(PRESET_NOTES[chosen_preset.value], dense=True)
        solara.InputInt("Seed", value=s.seed, on_value=lambda v: set_(seed=int(v)), classes=["seed-input"])
        _html("<b>Levers</b>")
        for lever in LEVERS:
            with solara.Column(gap="0px", classes=[f"lever-{lever.name}"]):
                _html(f"{lever.label}: <b>{s.levers[lever.name]:,.{_decimals(lever.step)}f}</b> <small>{lever.unit}</small>")
                solara.SliderFloat("", value=s.levers[lever.name], min=0.0, max=lever.max, step=lever.step,
                                   on_value=lambda v, n=lever.name: lesson.set(lesson.value.with_lever(n, v)))
        _html(f"Policy years (levers on): <b>{s.policy_from}-{s.policy_until}</b>")
        solara.SliderRangeInt("", value=(s.policy_from, s.policy_until), min=FIRST_YEAR, max=LAST_YEAR,
                              on_value=lambda v: set_(policy_from=v[0], policy_until=v[1]))
        _html("<b>Outflow shock</b> (a recruitment wave)")
        _html(f"Share of workers sent away: <b class='shock-share'>{s.shock_share:.0%}</b>")
        solara.SliderFloat("", value=s.shock_share, min=0.0, max=0.9, step=0.05, on_value=lambda v: set_(shock_share=v))
        _html(f"Shock year: <b>{s.shock_year}</b>")
        solara.SliderInt("", value=s.shock_year, min=FIRST_YEAR + 1, max=LAST_YEAR, on_value=lambda v: set_(shock_year=v))
        targets = [ALL_VILLAGES] + [shock_label(v) for v in range(len(VILLAGE_NAMES))]
        solara.Select("Shock hits", values=targets, value=shock_label(s.shock_village),
                      on_value=lambda v: set_(shock_village=targets.index(v) - 1), classes=["shock-village"])
        _html("<b>Vicious circle channels</b>")
        solara.Switch(label="Local demand (fewer residents, less local income)", value=s.demand_feedback,
                      on_value=lambda v: set_(demand_feedback=v))
        solara.Switch(label="Public services (fewer residents, worse services)", value=s.service_feedback,
                      on_value=lambda v: set_(service_feedback=v))


def _decimals(step: float) -> int:
    """Decimals to show a slider value of this step."""
    return 0 if step >= 1 else len(f"{step:g}".split(".")[1])


@solara.component
def Page():
    """The whole page: the lesson controls in the sidebar beside Mesa's controls, the views in the main area."""
    model = solara.use_memo(ClassroomCounty, [])
    solara.Title("rural_abm teaching page")
    with solara.Sidebar():
        LessonControls()
    SolaraViz(model, components=COMPONENTS, name="Rural labour outflow and return: a county of five villages",
              play_interval=20)
