"""The findings of a batch in words and readable tables (used by report.py for report.md and report.html).

* :func:`findings`: per main output and reading, the variants ranked by their
  effect in the wanted direction, each with its 95% interval in natural units
  ("not distinguishable from 0" where the interval includes 0), the extra
  fiscal cost beside it and, for clear gains only, the cost per unit of gain;
* :func:`full_table`: every summary row with thousands separators and percentages;
* :func:`interval_appendix`: paired against unpaired (Welch) intervals, variants only;
* :func:`schedule_text`: "0 until 2020, then 760" for a schedule specification;
* :func:`size_warning`: a warning when ``--set`` changed the scenario file's settings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from rural_abm.model.metrics import COUNTY_METRICS

from .outcomes import clear_gain, money, number, show, wanted
from .readings import metric_of, parse_reading

NOT_DISTINGUISHABLE = "not distinguishable from 0"
IDENTICAL = "no difference: identical to the baseline in every replication"
SIZE_KEYS = ("n_people", "replications", "n_years", "n_villages")
PLAIN_KEYS = ("seed", "start_year", "effect_year")  # shown without thousands separators


@dataclass
class Finding:
    """One output: what it is, a lead sentence per reading, and the variants ranked within each reading."""

    output: str
    title: str
    meaning: str
    leads: list = field(default_factory=list)
    header: list = field(default_factory=list)
    rows: list = field(default_factory=list)


def _interval(output: str, r) -> str:
    """'−24.6 to −11.4 households' (the unit once)."""
    lo = show(output, r["effect_ci_low"], signed=True, with_unit=False)
    return f"{lo} to {show(output, r['effect_ci_high'], signed=True)}"


def effect_text(output: str, r) -> str:
    """'+1.2 pp (95% CI +0.6 to +1.8 pp)' or 'not distinguishable from 0 (+0.1 pp; 95% CI −0.3 to +0.5 pp)'."""
    lo, hi = r["effect_ci_low"], r["effect_ci_high"]
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return f"{show(output, r['effect'], signed=True)} (no interval: fewer than 2 replications)"
    if lo == hi == 0:
        return IDENTICAL
    if lo <= 0 <= hi:
        return f"{NOT_DISTINGUISHABLE} ({show(output, r['effect'], signed=True)}; 95% CI {_interval(output, r)})"
    return f"{show(output, r['effect'], signed=True)} (95% CI {_interval(output, r)})"


def _verdict(output: str, r) -> str:
    lo, hi = r["effect_ci_low"], r["effect_ci_high"]
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo <= 0 <= hi:
        return "unclear"
    if not wanted(output):
        return "changed"
    return "better" if clear_gain(r["effect"], lo, hi, output) else "worse"


def _per_gain(r) -> str:
    c = r["cost_per_gain"]
    return f"{money(c)} per {r['gain_unit']}" if isinstance(c, float) and math.isfinite(c) else ""


def output_meaning(output: str) -> str:
    """What the output measures, from the metric's unit text ('summed over the years' for <metric>_cum)."""
    what = COUNTY_METRICS.get(metric_of(output), "")
    return f"{what}, summed over the years" if output != metric_of(output) else what


def findings(summary: pd.DataFrame, sc: dict) -> list[Finding]:
    """Per output: ranked variants in every reading (the first sweep point only when there is a sweep)."""
    base = sc["baseline"]
    out = []
    if summary.empty:
        return out
    first_point = summary["point"].iloc[0]
    s = summary[summary["point"] == first_point]
    header = ["reading", "rank", "variant", f"effect vs {base}", "relative", "extra cost to end of reading", "cost per unit of gain"]
    for output in sc["outputs"]:
        f = Finding(output, output, output_meaning(output), header=header)
        for label in dict.fromkeys(s["reading"]):
            d = s[(s["output"] == output) & (s["reading"] == label)]
            if d.empty:
                continue
            where = parse_reading(label).describe(output, sc["start_year"])
            b = d[d["variant"] == base]
            level = show(output, float(b["mean"].iloc[0])) if len(b) else "n/a"
            var = d[d["variant"] != base].copy()
            var["_rank"] = -(wanted(output) or 1) * var["effect"]
            var = var.sort_values("_rank", kind="stable")
            f.leads.append(_lead(output, var, base, level, where))
            f.rows += [
                [where, str(i + 1), r["variant"], effect_text(output, r), _pct(r["relative_change"]), money(r["extra_cost_cum"]), _per_gain(r)]
                for i, (_, r) in enumerate(var.iterrows())
            ]
        out.append(f)
    return out


def _lead(output: str, var: pd.DataFrame, base: str, level: str, where: str) -> str:
    """One sentence per reading: the baseline's level, the largest clear gain (or change), what is unclear or worse."""
    name = base if base == "baseline" else f"{base} (baseline)"
    head = f"{where[0].upper()}{where[1:]}: {name} {level}."
    if var.empty:
        return head
    verdicts = [_verdict(output, r) for _, r in var.iterrows()]
    direction = wanted(output)
    best = next(((r, v) for (_, r), v in zip(var.iterrows(), verdicts) if v in ("better", "changed")), None)
    if best is not None:
        r, v = best
        what = "largest gain" if v == "better" else "largest change"
        text = f"{head} The {what}: {r['variant']}, {show(output, r['effect'], signed=True)} (95% CI {_interval(output, r)}), extra cost {money(r['extra_cost_cum'])}"
        per = _per_gain(r)
        text += f", {per}." if per else "."
    elif direction:
        text = f"{head} No variant is clearly better than {base}."
    else:
        text = f"{head} No variant differs from {base} distinguishably from 0."
    unclear = sum(v == "unclear" for v in verdicts)
    if unclear and (best is not None or direction):
        text += f" {unclear} of {len(var)} variants {'is' if unclear == 1 else 'are'} {NOT_DISTINGUISHABLE}."
    worse = [f"{r2['variant']} ({show(output, r2['effect'], signed=True)}, 95% CI {_interval(output, r2)})" for (_, r2), v2 in zip(var.iterrows(), verdicts) if v2 == "worse"]
    if worse:
        text += f" Clearly worse than {base}: {', '.join(worse)}."
    return text


def _pct(x: float) -> str:
    return "n/a" if x is None or not math.isfinite(x) else f"{x * 100:+.1f}%".replace("-", "\u2212")


def full_table(summary: pd.DataFrame) -> tuple[list, list]:
    """Every summary row in natural units: header, rows."""
    sweep = bool(summary["point"].astype(bool).any()) if not summary.empty else False
    header = ["reading", "variant", *(["sweep point"] if sweep else []), "output", "n", "mean", "effect", "95% CI of effect", "relative", "cost to reading end", "extra cost", "cost per unit of gain"]
    rows = []
    for _, r in summary.iterrows():
        o = r["output"]
        rows.append([
            r["reading"], r["variant"], *([r["point"]] if sweep else []), o, str(int(r["n"])), show(o, r["mean"]),
            show(o, r["effect"], signed=True), _interval(o, r), _pct(r["relative_change"]), money(r["cost_cum"]),
            money(r["extra_cost_cum"]), _per_gain(r),
        ])  # fmt: skip
    return header, rows


def interval_appendix(summary: pd.DataFrame, baseline: str) -> tuple[list, list]:
    """Paired and unpaired (Welch) 95% intervals side by side, and their width ratio; variants only."""
    header = ["reading", "variant", "output", "paired 95% CI", "unpaired (Welch) 95% CI", "width ratio (Welch / paired)"]
    rows = []
    for _, r in summary[summary["variant"] != baseline].iterrows():
        o = r["output"]
        welch = f"{show(o, r['welch_ci_low'], signed=True)} to {show(o, r['welch_ci_high'], signed=True)}"
        ratio = r["ci_width_ratio"]
        rows.append([r["reading"], r["variant"] + (f" | {r['point']}" if r["point"] else ""), o, _interval(o, r), welch, number(ratio) if math.isfinite(ratio) else "n/a"])
    return header, rows


def schedule_text(spec) -> str:
    """A schedule specification in words: '0 until 2020, then 760'."""
    if isinstance(spec, bool) or not isinstance(spec, dict):
        return _value(spec)
    form, body = next(iter(spec.items()))
    if form == "constant":
        return _value(body)
    if form == "step":
        return f"{_value(body['before'])} until {int(body['year']) - 1}, then {_value(body['after'])}"
    if form == "ramp":
        return f"{_value(body['from'])} until {int(body['start'])}, linearly to {_value(body['to'])} in {int(body['end'])}, then {_value(body['to'])}"
    if form == "piecewise":
        return ", ".join(f"{_value(v)} from {int(y)}" for y, v in body)
    return str(spec)


def _value(v, plain: bool = False) -> str:
    """A setting's value: thousands separators unless ``plain`` (years, seeds)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)) or plain:
        return str(v)
    return number(float(v), digits=4)


def size_warning(sc: dict) -> str:
    """'' when the run used the scenario file as written; else what --set changed, file value against used value."""
    changed = sc.get("overrides") or {}
    if not changed:
        return ""
    parts = []
    smaller = False
    for key, v in changed.items():
        stated, used = v.get("stated"), v.get("used")
        plain = key.split(".")[-1] in PLAIN_KEYS
        parts.append(f"{key} = {_shown(used, plain)} (scenario file: {_shown(stated, plain)})")
        if key.split(".")[-1] in SIZE_KEYS and isinstance(stated, (int, float)) and isinstance(used, (int, float)) and used < stated:
            smaller = True
    head = "This run was shrunk from the scenario's stated size" if smaller else "This run changed the scenario file's settings"
    tail = (
        " Figures the description quotes for the stated size (county size, budgets, costs) do not apply to this run,"
        " and with fewer persons or replications the intervals are wider."
    )
    return f"{head}: {'; '.join(parts)}.{tail}"


def _shown(v, plain: bool = False) -> str:
    return schedule_text(v) if isinstance(v, dict) else _value(v, plain)
