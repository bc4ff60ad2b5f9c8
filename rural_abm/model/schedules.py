"""Schedules: a lever's value over calendar years.

Four forms are accepted, in Python or YAML:

* constant: ``0.5`` or ``{"constant": 0.5}``
* step: ``{"step": {"year": 2021, "before": 1.0, "after": 0.0}}``
* ramp (linear between two years, constant outside):
  ``{"ramp": {"start": 2021, "end": 2025, "from": 1.0, "to": 0.0}}``
* piecewise (each value holds from its year until the next; the first value
  also holds before its year): ``{"piecewise": [[2015, 0.0], [2020, 0.15], [2021, 0.0]]}``
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

FORMS = ("constant", "step", "ramp", "piecewise")


class ScheduleError(ValueError):
    """A schedule specification is malformed; the message says what is allowed."""


@dataclass(frozen=True)
class Schedule:
    """Piecewise-linear value over calendar years.

    ``years`` and ``values`` are the knots; ``linear`` says whether values are
    interpolated between knots (ramp) or held (step, piecewise, constant).
    """

    years: tuple[float, ...]
    values: tuple[float, ...]
    linear: bool = False

    def __call__(self, year: float) -> float:
        """Value in calendar ``year``."""
        if self.linear:
            return float(np.interp(year, self.years, self.values))
        idx = int(np.searchsorted(self.years, year, side="right")) - 1
        return float(self.values[max(idx, 0)])

    @property
    def bounds(self) -> tuple[float, float]:
        """Smallest and largest value the schedule ever takes."""
        return min(self.values), max(self.values)


def _number(x, where: str) -> float:
    """``x`` as a float: any finite real number (Python or NumPy), never a bool, NaN or infinity."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise ScheduleError(f"{where}: expected a number, found {x!r}")
    if not math.isfinite(x):
        raise ScheduleError(f"{where}: expected a finite number, found {x!r}")
    return float(x)


def parse_schedule(spec) -> Schedule:
    """Turn a schedule specification (see module doc) into a :class:`Schedule`."""
    if isinstance(spec, Schedule):
        return spec
    if not isinstance(spec, dict):
        return Schedule((0.0,), (_number(spec, "constant"),))
    if len(spec) != 1 or next(iter(spec)) not in FORMS:
        raise ScheduleError(
            f"expected a number or a mapping with one key of {', '.join(FORMS)}; found {spec!r}"
        )
    form, body = next(iter(spec.items()))
    if form == "constant":
        return Schedule((0.0,), (_number(body, "constant"),))
    if form == "step":
        keys = {"year", "before", "after"}
        if not isinstance(body, dict) or set(body) != keys:
            raise ScheduleError(f"step: expected keys {sorted(keys)}, found {body!r}")
        year = _number(body["year"], "step.year")
        return Schedule(
            (year - 1.0, year), (_number(body["before"], "step.before"), _number(body["after"], "step.after"))
        )
    if form == "ramp":
        keys = {"start", "end", "from", "to"}
        if not isinstance(body, dict) or set(body) != keys:
            raise ScheduleError(f"ramp: expected keys {sorted(keys)}, found {body!r}")
        start, end = _number(body["start"], "ramp.start"), _number(body["end"], "ramp.end")
        if end <= start:
            raise ScheduleError(f"ramp: end ({end:g}) must be after start ({start:g})")
        return Schedule((start, end), (_number(body["from"], "ramp.from"), _number(body["to"], "ramp.to")), linear=True)
    # piecewise
    if not isinstance(body, (list, tuple)) or not body:
        raise ScheduleError(f"piecewise: expected a list of [year, value] pairs, found {body!r}")
    pairs = []
    for i, item in enumerate(body):
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise ScheduleError(f"piecewise[{i}]: expected [year, value], found {item!r}")
        pairs.append((_number(item[0], f"piecewise[{i}].year"), _number(item[1], f"piecewise[{i}].value")))
    years = [p[0] for p in pairs]
    if any(b <= a for a, b in zip(years, years[1:])):
        raise ScheduleError(f"piecewise: years must increase, found {years}")
    return Schedule(tuple(years), tuple(p[1] for p in pairs))
