"""Age without a wall: migrants' urban work ends by a hazard that rises smoothly with age.

There is no retirement age for migrant workers (DOMAIN: "Return is a hazard
that rises with age, not a wall at one age"). Two rules replace the former
hard return age:

* **age push** (passive): each year a migrant of age ``a`` loses urban work
  for good (employers' age limits, health) and goes home with probability
  ``min(1, age_push_rate * exp(age_push_slope * (a - 50)))``;
* **age pull** (voluntary): the value of home in a migrant's return choice
  rises by ``age_pull_weight`` log-income units per 10 years of age above
  ``age_pull_onset``.

Both are tabulated once per integer age (``push_table``, ``pull_table``), so
the array engine and the per-agent baseline read the very same floating-point
numbers, and a year's lookup is one gather.
"""

from __future__ import annotations

import numpy as np

#: Ages covered by the push table (persons never live longer).
MAX_AGE = 130


def push_table(p: dict) -> np.ndarray:
    """Yearly probability that a migrant of each integer age 0..MAX_AGE is pushed home by age."""
    ages = np.arange(MAX_AGE + 1, dtype=np.float64)
    return np.minimum(1.0, p["age_push_rate"] * np.exp(p["age_push_slope"] * (ages - 50.0)))


def pull_home(p: dict, age) -> np.ndarray:
    """Home value (log-income units) added to a migrant's return choice by age."""
    return p["age_pull_weight"] * np.maximum(np.asarray(age, dtype=np.float64) - p["age_pull_onset"], 0.0) / 10.0


def pull_table(p: dict) -> np.ndarray:
    """:func:`pull_home` of each integer age 0..MAX_AGE (log-income units)."""
    return pull_home(p, np.arange(MAX_AGE + 1))
