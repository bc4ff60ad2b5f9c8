"""What an output means to a policy reader: its natural unit, the wanted direction, the words.

* :func:`unit` gives the unit an effect is shown in: percentage points for
  shares, RMB, persons, households, ventures, mu; a cumulative output of a
  stock is in unit-years (``poor_households_cum``: household-years).
* :func:`wanted` is +1 when more is better, -1 when less is better, 0 when
  the output has no good direction (``away``, ``migrated``).
* :func:`gain_phrase` names the cost-effectiveness ratio: "RMB per household
  kept out of poverty", "RMB per percentage point of hollowing avoided".
* :func:`show` writes a value or an effect in that unit with thousands separators.
"""

from __future__ import annotations

import math

from rural_abm.model.metrics import COUNTY_METRICS

from .readings import is_cumulative, metric_of

#: Outputs where less is better; MORE_IS_BETTER the opposite; every other output has no wanted direction.
LESS_IS_BETTER = {
    "poverty_headcount_ratio", "return_to_poverty", "poor_households", "hollowing_index", "hollow_households",
    "left_behind_elders", "left_behind_children", "income_gini", "urban_rural_income_ratio", "land_idle",
    "enterprises_failed", "loans_written_off",
}  # fmt: skip
MORE_IS_BETTER = {
    "income_per_capita_mean", "income_per_capita_median", "income_pure_farming", "income_part_time", "income_exit",
    "enterprises_active", "enterprises_born", "returnee_enterprises_born", "enterprise_jobs", "returnee_enterprises",
    "returned_voluntary", "service_level", "resident",
}  # fmt: skip
#: What one unit of gain is called, for the cost-effectiveness ratio (cumulative outputs take the "_cum" entry).
GAIN_WORDS = {
    "poverty_headcount_ratio": "percentage point of poverty headcount avoided",
    "poor_households": "household kept out of poverty",
    "poor_households_cum": "household-year out of poverty",
    "return_to_poverty": "household kept from falling back into poverty",
    "return_to_poverty_cum": "household kept from falling back into poverty",
    "hollowing_index": "percentage point of hollowing avoided",
    "income_per_capita_mean": "RMB a year more income per resident",
    "income_per_capita_median": "RMB a year more median income per resident",
    "enterprises_active": "venture more",
    "returned_voluntary": "voluntary returnee more",
    "returned_voluntary_cum": "voluntary returnee more",
    "hollow_households": "hollow household avoided",
    "left_behind_children": "left-behind child fewer",
    "land_idle": "mu of idle land avoided",
}
_FLOW = "this year"


def _text(output: str) -> str:
    return COUNTY_METRICS.get(metric_of(output), "")


def unit(output: str) -> str:
    """The natural unit of ``output`` (of an effect on it): 'percentage points', 'RMB', 'households', ..."""
    text = _text(output)
    words = text.split(" (")[0].split()
    first = " ".join(words[:2])
    if text.startswith("share"):
        base = "percentage points"
    elif text.startswith("RMB"):
        base = "RMB"
    elif "(persons)" in text or words[:1] in (["persons"], ["residents"], ["births"], ["deaths"], ["registered"], ["resident"]) and "households" not in first:
        base = "persons"
    elif "households" in first:
        base = "households"
    elif "ventures" in first:
        base = "ventures"
    elif text.startswith("mu"):
        base = "mu"
    elif text.startswith("microloans"):
        base = "loans"
    else:
        base = ""  # an index or a ratio
    if not is_cumulative(output) or _FLOW in text or base == "RMB" or not base:
        return base
    return {"percentage points": "percentage-point-years"}.get(base, base.rstrip("s") + "-years")


def scale(output: str) -> float:
    """Factor from the stored value to the natural unit (100 for shares: percentage points)."""
    return 100.0 if unit(output).startswith("percentage") else 1.0


def wanted(output: str) -> int:
    """+1 more is better, -1 less is better, 0 no wanted direction."""
    m = metric_of(output)
    return -1 if m in LESS_IS_BETTER else 1 if m in MORE_IS_BETTER else 0


def gain_phrase(output: str) -> str:
    """'household kept out of poverty': one unit of gain on ``output`` ('' without a wanted direction)."""
    if not wanted(output):
        return ""
    if output in GAIN_WORDS:
        return GAIN_WORDS[output]
    if metric_of(output) in GAIN_WORDS and not is_cumulative(output):
        return GAIN_WORDS[metric_of(output)]
    u = unit(output) or "unit"
    what = metric_of(output).replace("_", " ")
    single = {"percentage points": "percentage point", "percentage-point-years": "percentage-point-year"}.get(u, u.rstrip("s"))
    return f"{single} ({what}) {'avoided' if wanted(output) < 0 else 'gained'}"


def clear_gain(effect: float, low: float, high: float, output: str) -> bool:
    """True when the whole 95% interval lies on the wanted side of 0."""
    w = wanted(output)
    return bool(w) and all(math.isfinite(v) for v in (low, high)) and (low > 0 if w > 0 else high < 0)


def cost_per_gain(extra_cost: float, effect: float, low: float, high: float, output: str) -> float:
    """RMB of extra cost per unit of gain (positive), only for a clear gain at a positive extra cost; else NaN."""
    if not clear_gain(effect, low, high, output) or not math.isfinite(extra_cost) or extra_cost <= 0:
        return math.nan
    return extra_cost / abs(effect * scale(output))


def number(x: float, digits: int = 3) -> str:
    """A readable number: thousands separators, about ``digits`` significant digits, no e-notation."""
    if x is None or not math.isfinite(x):
        return "n/a"
    x = float(f"{x:.{digits}g}") if abs(x) < 10 ** digits else x  # -7.000000000000001 -> -7
    a = abs(x)
    if a >= 1e9:
        return f"{x / 1e9:,.{max(digits - 1 - int(math.log10(a / 1e9)), 0)}f} billion"
    if a >= 1e6:
        return f"{x / 1e6:,.{max(digits - 1 - int(math.log10(a / 1e6)), 0)}f} million"
    if a >= 10 ** (digits - 1) or x == round(x):
        return f"{x:,.0f}"
    decimals = digits - 1 - math.floor(math.log10(a))
    return f"{x:,.{decimals}f}".rstrip("0").rstrip(".")


def show(output: str, value: float, signed: bool = False, with_unit: bool = True) -> str:
    """``value`` of ``output`` (or an effect on it when ``signed``) in its natural unit: '+1.2 pp', '3,450 RMB'."""
    if value is None or not math.isfinite(value):
        return "n/a"
    u = unit(output)
    x = value * scale(output)
    if not signed and u == "percentage points":
        return f"{number(x)}%"
    text = number(x)
    if signed and x > 0:
        text = "+" + text
    text = text.replace("-", "\u2212")
    short = {"percentage points": "pp", "percentage-point-years": "pp-years"}.get(u, u)
    return f"{text} {short}".rstrip() if with_unit else text


def money(rmb: float) -> str:
    """'2.5 million RMB', '760 RMB', 'n/a'."""
    return "n/a" if rmb is None or not math.isfinite(rmb) else number(rmb).replace("-", "\u2212") + " RMB"
