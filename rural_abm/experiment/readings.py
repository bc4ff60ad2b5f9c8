"""When and how an output is read: in one year, over a window of years, or summed (cumulative).

A *reading* is a year (``2030``) or a window of years (``"2021-2025"``).
A county metric read over a window is its mean over the window's years; a
*cumulative output* ``<metric>_cum`` (for instance ``return_to_poverty_cum``,
``poor_households_cum``, ``fiscal_total_cum``) is the metric summed: over the
window's years, or, read in one year, over every simulated year up to and
including it. The extra fiscal cost beside an effect is always
``fiscal_total`` summed from the first simulated year to the reading's last.

Used by the scenario check (which outputs and readings are allowed), the
analysis (effects per reading) and :func:`rural_abm.simulate`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rural_abm.model.metrics import COUNTY_METRICS

CUM = "_cum"
METRICS = tuple(k for k in COUNTY_METRICS if k != "year")
#: Every output a scenario or simulate() may name: county metrics and their sums.
OUTPUT_NAMES = METRICS + tuple(m + CUM for m in METRICS)
READING_HELP = "a calendar year (2030) or a window 'FIRST-LAST' (2021-2025) within the simulated years"
_WINDOW = re.compile(r"^\s*(\d{4})\s*-\s*(\d{4})\s*$")


@dataclass(frozen=True, order=True)
class Reading:
    """Years ``first``..``last`` (inclusive); one year when they are equal."""

    first: int
    last: int

    @property
    def label(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"

    @property
    def is_window(self) -> bool:
        return self.first != self.last

    def span(self, output: str, start_year: int) -> tuple[int, int]:
        """Years summed (cumulative output) or averaged (metric) for ``output``."""
        if is_cumulative(output) and not self.is_window:
            return start_year, self.last
        return self.first, self.last

    def describe(self, output: str, start_year: int) -> str:
        """'in 2030', 'mean over 2021-2025', 'summed over 2015-2030'."""
        lo, hi = self.span(output, start_year)
        if is_cumulative(output):
            return f"summed over {lo}-{hi}"
        return f"in {lo}" if lo == hi else f"mean over {lo}-{hi}"


def parse_reading(value) -> Reading:
    """A Reading from 2030, "2030", "2021-2025" or [2021, 2025]; ValueError naming what is allowed."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return Reading(int(value), int(value))
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return Reading(int(text), int(text))
        m = _WINDOW.match(text)
        if m:
            value = [int(m.group(1)), int(m.group(2))]
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value):
        first, last = int(value[0]), int(value[1])
        if first <= last:
            return Reading(first, last)
        raise ValueError(f"found {first}-{last}; allowed: a window FIRST-LAST with FIRST <= LAST")
    raise ValueError(f"found {value!r}; allowed: {READING_HELP}")


def check_reading(value, first_year: int, last_year: int) -> Reading:
    """parse_reading, then inside the simulated years [first_year, last_year]."""
    r = parse_reading(value)
    if r.first < first_year or r.last > last_year:
        raise ValueError(f"found {r.label}; allowed: years within the simulated years {first_year}-{last_year}")
    return r


def is_cumulative(output: str) -> bool:
    return output.endswith(CUM) and output[: -len(CUM)] in METRICS


def metric_of(output: str) -> str:
    """The county metric an output is read from (``return_to_poverty_cum`` -> ``return_to_poverty``)."""
    return output[: -len(CUM)] if is_cumulative(output) else output


def check_outputs(names) -> list[str]:
    """Names that are not outputs (empty when all are)."""
    return [n for n in names if n not in OUTPUT_NAMES]


def read_series(series: pd.Series, output: str, reading: Reading, start_year: int) -> float:
    """One run's value of ``output`` in ``reading`` from its yearly series of the metric (index: year)."""
    lo, hi = reading.span(output, start_year)
    part = series.loc[lo:hi]
    return float(part.sum() if is_cumulative(output) else part.mean())


def read_table(county: pd.DataFrame, output: str, reading: Reading, start_year: int, by: list) -> pd.Series:
    """Values of ``output`` in ``reading`` per group ``by`` from tidy county rows (year, metric, value)."""
    lo, hi = reading.span(output, start_year)
    rows = county[(county["metric"] == metric_of(output)) & (county["year"] >= lo) & (county["year"] <= hi)]
    grouped = rows.groupby(by, sort=False)["value"]
    return grouped.sum() if is_cumulative(output) else grouped.mean()


def cost_to(county: pd.DataFrame, reading: Reading, by: list) -> pd.Series:
    """fiscal_total summed from the first simulated year to the reading's last year (RMB), per group."""
    rows = county[(county["metric"] == "fiscal_total") & (county["year"] <= reading.last)]
    return rows.groupby(by, sort=False)["value"].sum()
