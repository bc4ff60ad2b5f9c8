"""Command line: ``rural-abm <command>``; ``rural-abm <command> --help`` for each."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

SIMULATE_EXAMPLES = """examples:
  rural-abm simulate                              default county, 30 years
  rural-abm simulate --years 10 --seed 7
  rural-abm simulate --set n_people=100000 --set land_reform=1
  rural-abm simulate --set 'poverty_transfer={ramp: {start: 2021, end: 2025, from: 2000, to: 0}}'
"""

TABLE_COLUMNS = {
    "resident": "resident",
    "away": "away",
    "migrated": "left",
    "returned_passive": "ret.pass",
    "returned_voluntary": "ret.vol",
    "hollowing_index": "hollow",
    "income_per_capita_mean": "income",
    "poverty_headcount_ratio": "poor",
    "enterprises_active": "firms",
    "enterprise_jobs": "jobs",
    "land_idle": "idle mu",
    "service_level": "service",
    "fiscal_total": "fiscal",
}


def _refuse(message: str) -> int:
    """Print a bad ``--set`` in one line; the exit code for bad input (2)."""
    print(f"rural-abm: {message}", file=sys.stderr)
    return 2


def parse_assignments(items: list[str]) -> dict:
    """Turn ``name=value`` strings into parameters (values parsed as YAML)."""
    from .experiment.scenario_input import InputRefused, parse_text

    params = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise SystemExit(_refuse(f"--set {item!r}: expected NAME=VALUE, e.g. --set n_people=5000"))
        try:
            params[name.strip()] = parse_text(value) if value.strip() else None  # YAML within the scenario limits
        except InputRefused as err:
            raise SystemExit(_refuse(f"--set {item!r}: found {err.found}; allowed: {err.allowed}")) from None
        except yaml.YAMLError as err:
            raise SystemExit(_refuse(f"--set {item!r}: value is not valid YAML ({getattr(err, 'problem', err)})")) from None
    return params


def year_row(county: dict, tty: bool) -> str:
    """One year of the table: aligned with thousands separators on a terminal, plain numbers otherwise."""
    cells = [f"{int(county['year']):>4}"]
    for name, head in TABLE_COLUMNS.items():
        x = float(county[name])
        x = 0.0 if abs(x) < 5e-4 else x  # no "-0.000" from rounding noise
        text = f"{x:.3f}" if abs(x) < 10 and x != round(x) else (f"{x:,.0f}" if tty else f"{x:.0f}")
        cells.append(f"{text:>{max(len(head), 9)}}" if tty else text)
    return ("  " if tty else " ").join(cells)


def year_header(tty: bool) -> str:
    heads = [f"{'year':>4}", *(f"{h:>{max(len(h), 9)}}" if tty else h.replace(" ", "_").replace(".", "_") for h in TABLE_COLUMNS.values())]
    return ("  " if tty else " ").join(heads)


def simulate(args) -> int:
    """One run of the county; print a row per year as it is simulated, then write tables and a figure."""
    from .experiment.errors import ArgumentError
    from .experiment.store import check_writable
    from .model import ParameterError, RuralModel
    from .plots_simulate import plot_run

    params = parse_assignments(args.set)
    if args.years is not None:
        params["n_years"] = args.years
    try:
        model = RuralModel(rng=args.seed, **params)
    except ParameterError as err:
        print(f"rural-abm simulate: {err}", file=sys.stderr)
        return 2
    try:
        check_writable(args.out)  # before the run, not after it
    except ArgumentError as err:
        print(f"rural-abm simulate: --out: found {err.found!r}; allowed: {err.allowed}", file=sys.stderr)
        return 2
    p = model.p
    changed = ", ".join(f"{k}={v}" for k, v in params.items() if k not in ("n_people", "n_years"))
    settings = (f"{p['n_people']:,} persons in {model.n_villages} villages, {p['start_year']}-{p['start_year'] + p['n_years'] - 1}, "
                f"seed {args.seed}" + (f"; {changed}" if changed else ""))  # fmt: skip
    print(f"rural-abm simulate: {settings}", file=sys.stderr)
    tty = sys.stdout.isatty()
    print(year_header(tty), flush=True)
    while model.running:
        model.step()
        print(year_row(model.county, tty), flush=True)
    county = model.county_frame()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    county.to_csv(out / "county.csv")
    model.village_frame().to_csv(out / "villages.csv")
    figure = plot_run(county, out / "simulate.png", settings)
    print(f"\nwrote {out / 'county.csv'}, {out / 'villages.csv'} and {figure}", file=sys.stderr)
    return 0


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad argument in one line (exit code 2)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _count(lowest: int):
    """argparse type: an integer >= ``lowest``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"found {text!r}; allowed: an integer >= {lowest}") from None
        if value < lowest:
            raise argparse.ArgumentTypeError(f"found {value}; allowed: an integer >= {lowest}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="rural-abm", description="Rural labour outflow and return migration ABM.")
    sub = parser.add_subparsers(dest="command", required=True)
    sim = sub.add_parser(
        "simulate",
        help="one run of a county on built-in defaults",
        description="Run the county once and print the main outputs per year.",
        epilog=SIMULATE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sim.add_argument("--seed", type=_count(0), default=1, help="random seed, an integer >= 0 (default 1)")
    sim.add_argument("--years", type=_count(1), help="number of years (default: n_years parameter, 30)")
    sim.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="set a model parameter (repeatable)")
    sim.add_argument("--out", default="output/simulate", help="folder for the table and figure (default output/simulate)")
    sim.set_defaults(func=simulate)
    from .experiment.commands import add_commands; add_commands(sub)  # noqa: E702 - validate, run, report
    from .experiment.study_commands import add_study_commands; add_study_commands(sub)  # noqa: E702 - calibrate, sensitivity
    from .app.server import add_command; add_command(sub)  # noqa: E702 - demo (the teaching page)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .runtime import keep_heap

    parser = build_parser()
    args = parser.parse_args(argv)
    keep_heap()  # the command's own process: freed arrays stay on the heap (rural_abm/runtime.py)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
