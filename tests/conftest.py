"""Shared helpers for the model tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rural_abm import RuralModel


def run(seed: int = 0, **params) -> RuralModel:
    """Build and run a model to the end; return it."""
    model = RuralModel(rng=seed, **params)
    model.run_model()
    return model


def replicate(metric, seeds=range(6), **params) -> np.ndarray:
    """``metric(county_frame)`` over seeded replications."""
    return np.array([metric(run(seed, **params).county_frame()) for seed in seeds])


def event_rate(seed, at_risk, event, **params) -> float:
    """Events per person-year at risk: ``at_risk(m)`` is read before each step, ``event(m, before)`` after it."""
    m = RuralModel(rng=seed, **params)
    exposed = events = 0
    while m.running:
        risk = at_risk(m)
        before = m.persons.status[: len(risk)].copy()
        m.step()
        exposed += int(risk.sum())
        events += int((risk & event(m, before)[: len(risk)]).sum())
    return events / max(exposed, 1)


def event_rates(at_risk, event, seeds, **params) -> np.ndarray:
    """:func:`event_rate` over seeded replications."""
    return np.array([event_rate(s, at_risk, event, **params) for s in seeds])


def came_home(kind):
    """Event: a person away before the step has come home, with return kind ``kind`` (codes.ReturnKind)."""
    from rural_abm.model.codes import Status

    def event(m, before):
        per = m.persons
        n = len(before)
        return (before == Status.AWAY) & (per.status[:n] == Status.RETURNED) & (per.return_kind[:n] == kind)
    return event


@pytest.fixture(scope="session")
def default_run() -> RuralModel:
    """One default-parameter run of a 4,000-person county for 30 years."""
    return run(0, n_people=4000)


__all__ = ["came_home", "event_rate", "event_rates", "pd", "replicate", "run"]
