"""Docking: the array engine against the same rules stepped agent by agent (benchmarks/per_agent.py).

Both engines call the same rule functions on the same start-of-phase state
and draw against the same keyed uniforms, so a run of one seed is expected to
be *identical* in both (checked bit for bit below, under several switches).
Independently of that, county outputs of independent seeded replications of
the two engines must be statistically indistinguishable (Welch t-tests):
that check still holds if bitwise identity is ever lost to floating-point
detail (say a NumPy change in a vectorised transcendental), while a logic
difference between the engines would fail both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from benchmarks.per_agent import DecidingPerson, PerAgentModel
from rural_abm.model import RuralModel

SMALL = dict(n_people=1500, n_years=12)
METRICS = ("hollowing_index", "away", "migrated", "returned_voluntary", "income_per_capita_mean", "enterprises_active")


def _run(cls, seed, **params):
    model = cls(rng=seed, **{**SMALL, **params})
    model.run_model()
    return model


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"decision_rule": "harris_todaro"},
        {"network_effects": False, "entrepreneur_pull": False, "family_pull": False},
        {"passive_return": False, "training_coverage": 0.2, "tenure_security": 0.5, "land_reform": 0.8},
        {"startup_subsidy": 20000.0, "microloan_budget": 200000.0, "venture_start_rate": 0.05, "microloan_eligibility": "all",
         "industrial_park": 2.0, "microloan_guarantee": 0.3, "venture_carrying_capacity": 1.0},
    ],
    ids=["default", "harris_todaro", "no_network_family", "no_passive_training", "ventures_loans"],
)
def test_per_agent_engine_is_identical_to_array_engine(params):
    array = _run(RuralModel, 11, **params)
    agent = _run(PerAgentModel, 11, **params)
    assert agent.decision_seconds > 0  # the per-agent decision phase really ran
    pd.testing.assert_frame_equal(agent.county_frame(), array.county_frame(), check_exact=True)
    pd.testing.assert_frame_equal(agent.village_frame(), array.village_frame(), check_exact=True)


def test_per_agent_model_steps_its_agents_via_the_agentset():
    model = PerAgentModel(rng=1, n_people=300, n_years=2)
    people = model.agents_by_type[DecidingPerson]
    assert len(people) == int(model.persons.alive.sum())
    model.run_model()
    assert len(model.agents_by_type[DecidingPerson]) == int(model.persons.alive.sum())


def test_engines_are_statistically_indistinguishable_over_independent_replications():
    """Ten replications each, on disjoint seeds; Welch t-test per metric at alpha 0.01 (Bonferroni)."""
    reps = 10
    final = {
        "array": pd.DataFrame([_run(RuralModel, s).county_frame().iloc[-1] for s in range(reps)]),
        "agent": pd.DataFrame([_run(PerAgentModel, 1000 + s).county_frame().iloc[-1] for s in range(reps)]),
    }
    alpha = 0.01 / len(METRICS)
    for metric in METRICS:
        a, b = final["array"][metric].to_numpy(float), final["agent"][metric].to_numpy(float)
        if np.ptp(a) == 0 and np.ptp(b) == 0:
            assert a[0] == b[0], metric
            continue
        p = stats.ttest_ind(a, b, equal_var=False).pvalue
        assert p > alpha, f"{metric}: array mean {a.mean():.4g}, per-agent mean {b.mean():.4g}, Welch p={p:.2g}"
