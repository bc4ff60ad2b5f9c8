"""The parameter registry: every RuralModel parameter, its default, unit and allowed values.

Defaults and documentation live in ``parameters.yaml`` beside this module;
:func:`resolve` checks keyword arguments against it and returns the full,
validated parameter set.
"""

from __future__ import annotations

import difflib
import math
import numbers
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

import numpy as np
import yaml

from .schedules import Schedule, ScheduleError, parse_schedule

KINDS = ("int", "float", "bool", "choice", "schedule")


class ParameterError(ValueError):
    """One or more parameters are unknown or out of range; the message lists each."""


@dataclass(frozen=True)
class Parameter:
    """One model parameter as declared in ``parameters.yaml``."""

    name: str
    kind: str
    default: object
    group: str
    doc: str
    unit: str = ""
    range: tuple[float, float] | None = None
    choices: tuple[str, ...] | None = None
    source: str = ""

    def allowed(self) -> str:
        """Human-readable statement of the allowed values."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        lo, hi = self.range
        what = {"int": "an integer", "float": "a number", "schedule": "a number or schedule"}[self.kind]
        return f"{what} in [{lo:g}, {hi:g}]" + (f" ({self.unit})" if self.unit else "")

    def check(self, value):
        """Return ``value`` converted to this parameter's type, or raise ValueError."""
        bad = ValueError(f"{self.name}: found {value!r}; allowed: {self.allowed()}")
        if self.kind == "bool":
            if not isinstance(value, (bool, np.bool_)):
                raise bad
            return bool(value)
        if self.kind == "choice":
            if not isinstance(value, str) or value not in self.choices:
                raise bad
            return str(value)
        if self.kind == "schedule":
            try:
                sched = parse_schedule(value)
            except ScheduleError as err:
                raise ValueError(f"{self.name}: {err}; allowed: {self.allowed()}") from None
            lo, hi = sched.bounds
            if lo < self.range[0] or hi > self.range[1]:
                raise bad
            return sched
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise bad
        if self.kind == "int":
            if int(value) != value:
                raise bad
            value = int(value)
        else:
            value = float(value)
        if not self.range[0] <= value <= self.range[1]:
            raise bad
        return value


@cache
def registry() -> MappingProxyType:
    """All parameters by name, read once from ``parameters.yaml``."""
    text = Path(__file__).with_name("parameters.yaml").read_text()
    raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml's parser where built: 7x faster
    params = {}
    for name, spec in raw.items():
        assert spec["kind"] in KINDS, name
        params[name] = Parameter(
            name=name,
            kind=spec["kind"],
            default=spec["default"],
            group=spec["group"],
            doc=spec["doc"],
            unit=spec.get("unit", ""),
            range=tuple(float(x) for x in spec["range"]) if "range" in spec else None,
            choices=tuple(spec["choices"]) if "choices" in spec else None,
            source=spec.get("source", ""),
        )
    return MappingProxyType(params)


def defaults() -> dict:
    """Default value of every parameter (schedules in their specification form)."""
    return {name: p.default for name, p in registry().items()}


def resolve(**overrides) -> dict:
    """Validated parameters: defaults updated by ``overrides``.

    Raises :class:`ParameterError` naming every unknown parameter (with a
    "did you mean") and every value out of range, with what is allowed.
    Schedule parameters come back as :class:`Schedule` objects.
    """
    reg = registry()
    problems = []
    for name in overrides:
        if name not in reg:
            close = difflib.get_close_matches(name, reg, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"unknown parameter {name!r}{hint}")
    values = {}
    for name, p in reg.items():
        try:
            values[name] = p.check(overrides.get(name, p.default))
        except ValueError as err:
            problems.append(str(err))
    if not problems and values["village_ties"] % 2:
        problems.append(f"village_ties: found {values['village_ties']}; allowed: an even number")
    if not problems and values["outflow_shock_village"] >= values["n_villages"]:
        problems.append(f"outflow_shock_village: found {values['outflow_shock_village']}; "
                        f"allowed: -1 (every village) or a village index below n_villages ({values['n_villages']})")
    if problems:
        raise ParameterError("invalid model parameters:\n  - " + "\n  - ".join(problems))
    return values


__all__ = ["Parameter", "ParameterError", "Schedule", "defaults", "registry", "resolve"]
