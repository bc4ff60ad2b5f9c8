"""The model's public face: Mesa batch_run, agents, DataCollector frames, networkx export, CLI."""

from __future__ import annotations

import mesa
import networkx as nx
import numpy as np
import pandas as pd

from rural_abm import RuralModel
from rural_abm.model.agents import Enterprise, Person, Village
from rural_abm.model.metrics import COUNTY_METRICS, VILLAGE_METRICS


def test_mesa_batch_run_over_two_values_and_two_seeds():
    rows = mesa.batch_run(
        RuralModel,
        parameters={"n_people": 600, "n_years": 4, "land_reform": [0.0, 1.0]},
        rng=[1, 2],
        data_collection_period=1,
        display_progress=False,
    )
    df = pd.DataFrame(rows)
    assert len(df) == 2 * 2 * 4 * 10  # one row per run, year and village (village reporters)
    assert set(df["land_reform"]) == {0.0, 1.0} and df["RunId"].nunique() == 4
    assert set(COUNTY_METRICS) <= set(df.columns)
    assert {f"village_{name}" for name in VILLAGE_METRICS} <= set(df.columns)  # no clash with county names
    county = df.drop_duplicates(["RunId", "Step"])
    idle = county[county["Step"] == 4].groupby("land_reform")["land_idle"].mean()
    assert idle[1.0] < idle[0.0]


def test_frames_have_every_metric_every_year_and_village():
    m = RuralModel(rng=0, n_people=800, n_villages=4, n_years=5)
    m.run_model()
    county = m.county_frame()
    assert list(county.index) == list(range(2015, 2020))
    assert set(COUNTY_METRICS) - {"year"} <= set(county.columns)
    villages = m.village_frame()
    assert villages.index.names == ["year", "village"]
    assert len(villages) == 5 * 4 and set(VILLAGE_METRICS) <= set(villages.columns)
    # villages add up to the county
    sums = villages.groupby("year")[["registered", "resident", "away", "enterprise_jobs"]].sum()
    pd.testing.assert_frame_equal(sums, county[["registered", "resident", "away", "enterprise_jobs"]], check_dtype=False)


def test_agents_are_handles_onto_the_arrays():
    m = RuralModel(rng=0, n_people=500, n_years=3)
    m.run_model()
    people = m.agents_by_type[Person]
    a = next(iter(people))
    assert a.age == m.persons.age[a.index] and a.status == m.persons.status[a.index]
    assert len(m.agents_by_type[Village]) == m.n_villages
    assert all(isinstance(t, int) for t in a.ties)
    lazy = RuralModel(rng=0, n_people=500, n_years=3, person_handles="on_demand")
    assert Person not in lazy.agents_by_type
    h = lazy.person(10)
    assert h.age == lazy.persons.age[10] and lazy.person(10) is h
    lazy.run_model()
    pd.testing.assert_frame_equal(m.county_frame(), lazy.county_frame())


def test_network_exports_to_networkx():
    m = RuralModel(rng=0, n_people=400, n_years=2)
    m.run_model()
    g = m.network_graph()
    assert isinstance(g, nx.Graph)
    assert g.number_of_nodes() == int(m.persons.alive.sum())
    a = next(iter(m.agents_by_type[Person]))
    assert set(g.neighbors(a.index)) == {t for t in a.ties if m.persons.alive[t]} - {a.index}
    # household members are tied
    hh = np.flatnonzero(m.persons.alive & (m.persons.household == m.persons.household[a.index]))
    assert all(g.has_edge(a.index, j) for j in hh if j != a.index)


def test_ventures_are_enterprise_agents():
    m = RuralModel(rng=0, n_people=3000, n_years=8, microloan_budget=3e6)
    m.run_model()
    firms = list(m.agents_by_type[Enterprise])
    assert len(firms) == m.county["enterprises_active"] > 0
    f = firms[0]
    assert f.active and f.founder >= 0 and f.capital > 0 and f.employees >= 0


def test_simulate_command_prints_a_table_and_writes_a_figure(tmp_path, capsys):
    from rural_abm.cli import main

    assert main(["simulate", "--years", "3", "--set", "n_people=500", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "hollow" in out and "2017" in out
    assert (tmp_path / "simulate.png").stat().st_size > 10_000
    assert len(pd.read_csv(tmp_path / "county.csv")) == 3
