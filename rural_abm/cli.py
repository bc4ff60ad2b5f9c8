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


def simulate(args) -> int:
    """One run of the county; print a yearly table and write a figure."""
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
    print(f"rural-abm simulate: {model.p['n_people']:,} persons in {model.n_villages} villages, "
          f"{model.p['start_year']}-{model.p['start_year'] + model.p['n_years'] - 1}, seed {args.seed}", file=sys.stderr)
    while model.running:
        model.step()
        print(f"  year {model.year} done", file=sys.stderr, end="\r")
    print(file=sys.stderr)
    county = model.county_frame()
    table = county[list(TABLE_COLUMNS)].rename(columns=TABLE_COLUMNS)
    print(table.to_string(float_format=lambda x: f"{x:,.3f}" if abs(x) < 10 else f"{x:,.0f}"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    county.to_csv(out / "county.csv")
    model.village_frame().to_csv(out / "villages.csv")
    figure = plot_run(county, out / "simulate.png")
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
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
