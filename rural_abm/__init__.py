"""rural_abm: an agent-based model of rural labour outflow and return migration.

``RuralModel`` is the Mesa model; ``simulate`` (one run as a function of its
parameters), ``simulate_many`` (a sample matrix, for SALib) and
``run_scenario`` (a scenario batch) come from rural_abm.experiment, imported
on first use.
"""

from .model import ParameterError, RuralModel

__version__ = "0.1.0"
__all__ = ["ParameterError", "RuralModel", "__version__", "run_scenario", "simulate", "simulate_many"]
_API = ("run_scenario", "simulate", "simulate_many")


def __getattr__(name: str):
    if name in _API:
        from .experiment import api

        return getattr(api, name)
    raise AttributeError(f"module 'rural_abm' has no attribute {name!r}")
