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


@pytest.fixture(scope="session")
def default_run() -> RuralModel:
    """One default-parameter run of a 4,000-person county for 30 years."""
    return run(0, n_people=4000)


__all__ = ["pd", "replicate", "run"]
