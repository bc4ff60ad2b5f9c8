"""Moments: one number read from a run's outputs, per replication.

A moment is a statistic of a model output (county, or one village) in a year
or over a window of years, or the ratio of two such statistics. Calibration
targets and sensitivity outputs are moments; both are written the same way::

    income_per_capita_mean                          # county value in the default year
    {output: urban_rural_income_ratio, year: 2024}
    {output: income_per_capita_mean, statistic: growth, years: [2015, 2024]}
    {output: hollowing_index, village: 0, year: 2030}
    {output: [returned_passive, returned_voluntary], statistic: sum, years: [2016, 2018]}
    {ratio: {numerator: {output: enterprise_jobs, statistic: sum, years: [2015, 2024]},
             denominator: {output: enterprises_active, statistic: sum, years: [2015, 2024]}}}
    {output: expected_urban_income, year: 2024, scale: 0.0833}   # times 1/12: per month

Statistics over ``years: [first, last]`` (both included): ``mean`` (the
default), ``sum``, ``growth`` (compound growth per year from the first to
the last year, (x_last / x_first)^(1/(last - first)) - 1), ``change``
(x_last - x_first). A single ``year`` reads the value of that year. A list
of outputs is summed year by year before the statistic. ``scale`` multiplies
the result (default 1). Moments use only the model's recorded outputs
(rural_abm/model/metrics.py), never its internals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rural_abm.model.metrics import COUNTY_METRICS, VILLAGE_METRICS

from .scenario import Problem, _did_you_mean

STATISTICS = ("value", "mean", "sum", "growth", "change")
COUNTY_OUTPUTS = tuple(k for k in COUNTY_METRICS if k != "year")
SIMPLE_KEYS = {"output", "statistic", "year", "years", "village", "scale"}
ALLOWED = (
    "a county output name, or a mapping {output, year | years: [first, last], statistic: "
    + "|".join(STATISTICS) + ", village, scale}, or {ratio: {numerator: ..., denominator: ...}}"
)


@dataclass(frozen=True)
class Statistic:
    """A statistic of one output (or the year-by-year sum of several) over years, for the county or a village."""

    outputs: tuple[str, ...]
    statistic: str
    first: int
    last: int
    village: int | None = None

    def values(self, county: pd.DataFrame, village: pd.DataFrame) -> np.ndarray:
        """Per replication. ``county``: index (replication, year), one column per metric;
        ``village``: index (replication, year, village)."""
        if self.village is None:
            frame = county
        else:
            frame = village.xs(self.village, level="village")
        series = frame[list(self.outputs)].sum(axis=1).unstack("year")
        window = series.loc[:, self.first : self.last]
        a, b = window.iloc[:, 0].to_numpy(float), window.iloc[:, -1].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.statistic == "value":
                return b
            if self.statistic == "mean":
                return window.mean(axis=1).to_numpy(float)
            if self.statistic == "sum":
                return window.sum(axis=1).to_numpy(float)
            if self.statistic == "change":
                return b - a
            return np.where((a > 0) & (b > 0), (b / a) ** (1.0 / max(self.last - self.first, 1)) - 1.0, np.nan)

    def label(self) -> str:
        out = "+".join(self.outputs)
        where = f"village {self.village} " if self.village is not None else ""
        when = f"{self.first}" if self.statistic == "value" else f"{self.statistic} {self.first}-{self.last}"
        return f"{where}{out}, {when}"


@dataclass(frozen=True)
class Moment:
    """numerator (/ denominator) x scale, per replication."""

    numerator: Statistic
    denominator: Statistic | None = None
    scale: float = 1.0

    def values(self, county: pd.DataFrame, village: pd.DataFrame) -> np.ndarray:
        top = self.numerator.values(county, village)
        if self.denominator is None:
            return top * self.scale
        bottom = self.denominator.values(county, village)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(bottom != 0, top / bottom, np.nan) * self.scale

    def label(self) -> str:
        text = self.numerator.label() if self.denominator is None else f"({self.numerator.label()}) / ({self.denominator.label()})"
        return text if self.scale == 1.0 else f"{text} x {self.scale:g}"

    @property
    def years(self) -> tuple[int, int]:
        parts = [self.numerator] + ([self.denominator] if self.denominator else [])
        return min(s.first for s in parts), max(s.last for s in parts)


def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def parse_statistic(spec, file: str, where: str, years: tuple[int, int], default_year: int, problems: list[Problem]):
    """A :class:`Statistic` from a name or mapping, or None after recording problems."""
    if isinstance(spec, str):
        spec = {"output": spec}
    if not isinstance(spec, dict):
        problems.append(Problem(file, where, spec, ALLOWED))
        return None
    n_before = len(problems)
    for key in spec:
        if key not in SIMPLE_KEYS:
            problems.append(Problem(file, f"{where}.{key}", spec[key], "one of the keys " + ", ".join(sorted(SIMPLE_KEYS)), _did_you_mean(key, SIMPLE_KEYS)))
    village = spec.get("village")
    if village is not None and not (_is_int(village) and village >= 0):
        problems.append(Problem(file, f"{where}.village", village, "a village index (integer >= 0), or no key for the county"))
        village = None
    names = spec.get("output")
    names = [names] if isinstance(names, str) else names
    known = VILLAGE_METRICS if village is not None else COUNTY_OUTPUTS
    if not isinstance(names, list) or not names:
        problems.append(Problem(file, f"{where}.output", spec.get("output", None), "an output name or a list of output names"))
        names = []
    for i, name in enumerate(names):
        if name not in known:
            kind = "a village output (VILLAGE_METRICS)" if village is not None else "a county output (COUNTY_METRICS)"
            problems.append(Problem(file, f"{where}.output" + (f"[{i}]" if len(names) > 1 else ""), name, kind, _did_you_mean(name, known)))
    lo, hi = years
    if "year" in spec and "years" in spec:
        problems.append(Problem(file, f"{where}", {"year": spec["year"], "years": spec["years"]}, "either year or years, not both"))
    statistic = spec.get("statistic", "value" if "years" not in spec else "mean")
    if statistic not in STATISTICS:
        problems.append(Problem(file, f"{where}.statistic", statistic, "one of " + ", ".join(STATISTICS), _did_you_mean(statistic, STATISTICS)))
    if "years" in spec:
        span = spec["years"]
        if not (isinstance(span, list) and len(span) == 2 and all(_is_int(y) for y in span) and lo <= span[0] <= span[1] <= hi):
            problems.append(Problem(file, f"{where}.years", span, f"[first, last], calendar years with {lo} <= first <= last <= {hi}"))
            span = [lo, hi]
        first, last = span
        if statistic == "value":
            first = last
    else:
        year = spec.get("year", default_year)
        if not (_is_int(year) and lo <= year <= hi):
            problems.append(Problem(file, f"{where}.year", year, f"a simulated calendar year in [{lo}, {hi}]"))
            year = hi
        first = last = year
        if statistic in ("growth", "change"):
            problems.append(Problem(file, f"{where}.statistic", statistic, "value, mean or sum for one year (growth and change need years: [first, last])"))
    if len(problems) > n_before:
        return None
    return Statistic(tuple(names), statistic, int(first), int(last), None if village is None else int(village))


def parse_moment(spec, file: str, where: str, years: tuple[int, int], default_year: int, problems: list[Problem]):
    """A :class:`Moment` from its YAML form (see the module doc), or None after recording problems."""
    if isinstance(spec, dict) and "ratio" in spec:
        extra = [k for k in spec if k not in ("ratio", "scale")]
        for key in extra:
            problems.append(Problem(file, f"{where}.{key}", spec[key], "ratio and scale only, beside ratio"))
        body = spec["ratio"]
        if not isinstance(body, dict) or set(body) != {"numerator", "denominator"}:
            problems.append(Problem(file, f"{where}.ratio", body, "a mapping {numerator: <statistic>, denominator: <statistic>}"))
            return None
        top = parse_statistic(body["numerator"], file, f"{where}.ratio.numerator", years, default_year, problems)
        bottom = parse_statistic(body["denominator"], file, f"{where}.ratio.denominator", years, default_year, problems)
        scale = _scale(spec, file, where, problems)
        return Moment(top, bottom, scale) if top and bottom and not extra and scale is not None else None
    stat = parse_statistic({k: v for k, v in spec.items() if k != "scale"} if isinstance(spec, dict) else spec,
                           file, where, years, default_year, problems)  # fmt: skip
    scale = _scale(spec, file, where, problems) if isinstance(spec, dict) else 1.0
    return Moment(stat, None, scale) if stat and scale is not None else None


def _scale(spec: dict, file: str, where: str, problems: list[Problem]):
    scale = spec.get("scale", 1.0)
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not np.isfinite(scale) or scale == 0:
        problems.append(Problem(file, f"{where}.scale", scale, "a non-zero finite number"))
        return None
    return float(scale)


def wide_frames(table: pd.DataFrame) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Per variant: (county frame indexed (replication, year), village frame indexed (replication, year, village))."""
    out = {}
    for variant, rows in table.groupby("variant", sort=False):
        county = rows[rows["scope"] == "county"].pivot_table(index=["replication", "year"], columns="metric", values="value", dropna=False)
        village = rows[rows["scope"] == "village"].pivot_table(index=["replication", "year", "village"], columns="metric", values="value", dropna=False)
        out[variant] = (county, village)
    return out


__all__ = ["COUNTY_OUTPUTS", "STATISTICS", "Moment", "Statistic", "parse_moment", "parse_statistic", "wide_frames"]
