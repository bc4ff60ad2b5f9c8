"""The simulation: RuralModel and its parts. Knows nothing of YAML, batches or plots."""

from .model import RuralModel
from .parameters import ParameterError, defaults, registry

__all__ = ["ParameterError", "RuralModel", "defaults", "registry"]
