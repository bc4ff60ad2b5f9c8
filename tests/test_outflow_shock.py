"""The outflow shock hits the village it is aimed at (outflow_shock_village), or every village (-1)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import run
from rural_abm import ParameterError

#: Urban jobs do not bind here (a binding job stock would couple the villages through the urban market).
COUNTY = dict(n_people=3000, n_villages=3, n_years=3, outflow_shock_year=2017, urban_jobs_ratio=4.0)
SEEDS = range(3)


def _away_added(seed, **shock):
    """Away per village in the shock year, shocked run minus the same seed unshocked (persons)."""
    shocked = run(seed, outflow_shock_share=0.6, **shock, **COUNTY).village_frame().loc[2017, "away"]
    calm = run(seed, outflow_shock_share=0.0, **COUNTY).village_frame().loc[2017, "away"]
    return (shocked - calm).to_numpy()


@pytest.mark.parametrize("seed", SEEDS)
def test_one_village_shock_empties_that_village_only(seed):
    """Guards the targeting: aimed at village 1, the shock sends many of its people away and
    leaves the other villages as they were (same seed, common random numbers). Without the
    village filter every village would lose people."""
    added = _away_added(seed, outflow_shock_village=1)
    assert added[1] > 100, added  # about 0.6 of some 250 movable residents
    assert np.all(np.abs(added[[0, 2]]) < 0.05 * added[1]), added


@pytest.mark.parametrize("seed", SEEDS)
def test_shock_on_every_village_by_default(seed):
    """-1 (the default) sends people away from every village alike."""
    added = _away_added(seed)
    assert np.all(added > 100), added
    assert added.max() < 1.5 * added.min(), added


def test_shock_village_must_exist():
    with pytest.raises(ParameterError, match=r"outflow_shock_village: found 3; allowed: -1 .*below n_villages \(3\)"):
        run(0, outflow_shock_village=3, **COUNTY)
