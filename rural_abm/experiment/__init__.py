"""Experiments: scenario files -> batches of runs -> effects with confidence intervals, figures, report.

Knows the model only through ``RuralModel(rng=..., **params)``, its metrics
and its parameter registry. See docs/user_guide.md.
"""

from .api import Results, run_scenario, simulate, simulate_many
from .batch import BatchError, run_batch
from .scenario import Scenario, ScenarioError, load, loads

__all__ = ["BatchError", "Results", "Scenario", "ScenarioError", "load", "loads", "run_batch", "run_scenario", "simulate", "simulate_many"]
