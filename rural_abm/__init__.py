"""rural_abm: an agent-based model of rural labour outflow and return migration."""

from .model import ParameterError, RuralModel

__version__ = "0.1.0"
__all__ = ["ParameterError", "RuralModel", "__version__"]
