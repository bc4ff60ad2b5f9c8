"""Regenerate the parameter and output tables of docs/odd.md from the code.

The tables are never edited by hand. Run

    python experiments/odd_tables.py

to rewrite the block between ``<!-- parameters:start -->`` and
``<!-- parameters:end -->`` (every RuralModel parameter, grouped as in
``rural_abm/model/parameters.yaml``) and the block between
``<!-- outputs:start -->`` and ``<!-- outputs:end -->`` (every county and
village metric with its unit, from ``rural_abm.model.metrics``).
tests/test_docs.py fails when docs/odd.md differs from what this script
would write now.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from rural_abm.model.metrics import COUNTY_METRICS, VILLAGE_METRICS
from rural_abm.model.parameters import Parameter, registry

DOC = Path(__file__).resolve().parent.parent / "docs" / "odd.md"

#: Headings of the parameter groups (groups not listed here use their own name).
GROUP_TITLES = {
    "county": "County set-up and model size",
    "switches": "Mechanism switches",
    "demography": "Demography",
    "urban": "Urban labour market",
    "shocks": "Shocks and experiment hooks",
    "rural": "Rural economy, land and poverty",
    "circle": "Vicious circle (local demand and public services)",
    "decisions": "Decisions (leave, return)",
    "returns": "Returns and human capital",
    "network": "Social network",
    "enterprise": "Enterprises (ventures)",
    "policy": "Policy levers",
    "protection": "Social protection (pension, dibao, poverty campaign)",
    "families": "Families (generations, couples, children)",
    "settlement": "Settling for good",
}


def _cell(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _number(x) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    short = f"{x:g}"
    return short if float(short) == x else repr(x)


def format_default(prm: Parameter) -> str:
    """The default as a user would write it in a scenario file."""
    value = prm.default
    if isinstance(value, (dict, list)):
        return "`" + yaml.safe_dump(value, default_flow_style=True, sort_keys=False).strip() + "`"
    if isinstance(value, str):
        return f"`{value}`"
    return f"`{_number(value)}`"


def allowed_values(prm: Parameter) -> str:
    """Allowed values without the unit (the unit has its own column)."""
    text = prm.allowed()
    suffix = f" ({prm.unit})"
    return text[: -len(suffix)] if prm.unit and text.endswith(suffix) else text


def parameter_tables() -> str:
    """Markdown tables of every parameter, one table per group, in registry order."""
    groups: dict[str, list[Parameter]] = {}
    for prm in registry().values():
        groups.setdefault(prm.group, []).append(prm)
    out = []
    for group, prms in groups.items():
        out.append(f"#### {GROUP_TITLES.get(group, group)} (`{group}`)")
        out.append("")
        out.append("| Parameter | Default | Unit | Allowed values | Meaning | Source |")
        out.append("|---|---|---|---|---|---|")
        for prm in prms:
            out.append(
                f"| `{prm.name}` | {format_default(prm)} | {_cell(prm.unit) or '-'} | {_cell(allowed_values(prm))} "
                f"| {_cell(prm.doc)} | {_cell(prm.source)} |"
            )
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def output_tables() -> str:
    """Markdown tables of the county and village metrics with their units."""
    out = ["#### County outputs (`metrics.COUNTY_METRICS`, one row per year)", ""]
    out += ["| Output | Unit and meaning |", "|---|---|"]
    out += [f"| `{name}` | {_cell(unit)} |" for name, unit in COUNTY_METRICS.items()]
    out += ["", "#### Village outputs (`metrics.VILLAGE_METRICS`, one row per village per year)", ""]
    out += ["| Output | Unit and meaning |", "|---|---|"]
    out += [f"| `{name}` | {_cell(unit)} |" for name, unit in VILLAGE_METRICS.items()]
    return "\n".join(out) + "\n"


BLOCKS = {"parameters": parameter_tables, "outputs": output_tables}


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def generated_block(name: str) -> str:
    """What the script writes between the markers of block ``name`` (markers excluded)."""
    return "\n" + BLOCKS[name]() + "\n"


def current_block(text: str, name: str) -> str:
    """What ``text`` holds between the markers of block ``name``; ValueError if they are missing."""
    start, end = _markers(name)
    i, j = text.find(start), text.find(end)
    if i < 0 or j < i or text.count(start) != 1 or text.count(end) != 1:
        raise ValueError(f"docs/odd.md: expected one {start!r} followed by one {end!r}")
    return text[i + len(start) : j]


def render(text: str) -> str:
    """``text`` with every generated block rewritten from the code."""
    for name in BLOCKS:
        old = current_block(text, name)
        start, _ = _markers(name)
        i = text.find(start) + len(start)
        text = text[:i] + generated_block(name) + text[i + len(old) :]
    return text


def main(path: Path = DOC) -> int:
    text = path.read_text(encoding="utf-8")
    new = render(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
        print(f"rewrote the generated tables in {path}")
    else:
        print(f"{path} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else DOC))
