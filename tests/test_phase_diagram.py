"""The vicious circle's tipping point: the mean-field map of a village and villages shocked past it agree."""

from __future__ import annotations

import numpy as np

from experiments.phase_diagram import mean_field_map, shock_runs, shock_tipping_point, tipping_point

TOLERANCE = 0.1  # share of working-age persons away


def test_mean_field_and_shocked_villages_agree_on_the_tipping_point():
    """The tipping point where the one-year mean-field map F(x) crosses the diagonal from below
    (a stationary village, 6 seeds) and the one shown by villages shocked from their low state and
    run for 50 years (between the largest post-shock share of a village that ended low and the smallest
    of one that ended hollow) agree within 0.1. With the feedback channels cut there is no tipping point
    at all (F(x) - x never turns from negative to positive, and every shocked village ends low), so the
    test guards the bistability itself."""
    x, fx = mean_field_map(np.linspace(0.05, 0.9, 18), range(6))
    predicted = tipping_point(x, fx)
    shocked = shock_tipping_point(shock_runs([0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8], range(2)))
    assert predicted is not None and shocked is not None
    assert abs(predicted - shocked) <= TOLERANCE, (predicted, shocked)
    assert 0.3 < shocked < 0.7
