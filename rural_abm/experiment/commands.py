"""Command-line subcommands ``validate``, ``run`` and ``report`` (added to ``rural-abm``).

``add_commands(subparsers)`` registers them on the argparse sub-parsers of
``rural_abm.cli``; each sets ``func`` to a function of the parsed args that
returns the exit code. ``python -m rural_abm.experiment`` runs them alone.
Bad input never ends in a traceback: it prints one line per problem and
exits with code 2 (1 when runs fail, 130 on SIGINT, 143 on SIGTERM).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

VALIDATE_EXAMPLES = """examples:
  rural-abm validate scenarios/policy_levers.yaml
  rural-abm validate scenarios/transition_variants.yaml --set replications=3

Prints the runs the scenario would make, or every problem found (file, key path,
value found, what is allowed) and exits with code 2.
"""

RUN_EXAMPLES = """examples:
  rural-abm run scenarios/baseline.yaml
  rural-abm run scenarios/policy_levers.yaml --workers 2 --out results/levers
  rural-abm run scenarios/policy_levers.yaml --out results/levers --resume     # after an interruption
  rural-abm run scenarios/transition_variants.yaml --set n_people=2000 --set replications=3
  rural-abm run scenarios/huichuan_package.yaml --scheduler local --workers 2  # Dask LocalCluster
  rural-abm run scenarios/huichuan_package.yaml --scheduler tcp://10.0.0.5:8786

--set KEY=VALUE (repeatable) changes the scenario before it is checked: a top-level
key (replications, seed, effect_year), a model parameter (n_people, land_reform or
parameters.n_people / policy.land_reform) or variants.NAME.KEY.PATH. Values are YAML.

Output folder (default results/<scenario name>): results.parquet (tidy: run_key,
variant, point, sweep_*, replication, year, scope, village, metric, value),
summary.csv, timeseries.csv, figures/*.png, report.html and report.md,
manifest.json (the scenario as resolved), runs/ (one file per finished run).
"""

REPORT_EXAMPLES = """examples:
  rural-abm report results/policy_levers
  rural-abm report results/policy_levers --partial     # an interrupted batch, marked as partial
  rural-abm report results/transition_variants --effect-year 2026
  rural-abm report results/transition_variants --window 2021-2025 --window 2026-2030

Rebuilds summary.csv, timeseries.csv, figures/ and report.html/report.md from
the results of a batch folder (for instance after a resumed run). --effect-year
and --window read the effects in another year or over other windows from the
stored runs, without rerunning: a window reads a metric as its mean over the
years and a <metric>_cum output as its sum. Refuses (exit 2) a folder whose
manifest, runs and results.parquet do not belong together, and names the
missing runs of an incomplete batch.
"""


def add_commands(subparsers) -> None:
    """Add ``validate``, ``run``, ``report`` and ``schema`` to an argparse sub-parser set."""
    from rural_abm.cli import _count

    _positive_int = _count(1)
    fmt = argparse.RawDescriptionHelpFormatter
    v = subparsers.add_parser(
        "validate", help="check a scenario file and list its runs", description="Check a scenario file: every problem at once.",
        epilog=VALIDATE_EXAMPLES, formatter_class=fmt,
    )  # fmt: skip
    v.add_argument("file", help="scenario YAML file")
    v.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a scenario key (repeatable)")
    v.add_argument("--max-runs", type=_positive_int, default=None, metavar="N", help="raise the limit on runs per batch (default 100000)")
    v.set_defaults(func=cmd_validate)

    r = subparsers.add_parser(
        "run", help="run a scenario batch: effects, figures, report (the main job)",
        description="Run every variant x sweep point x replication of a scenario, then write the summary, figures and report.",
        epilog=RUN_EXAMPLES, formatter_class=fmt,
    )  # fmt: skip
    r.add_argument("file", help="scenario YAML file")
    r.add_argument("--workers", type=_positive_int, default=None, metavar="N", help="worker processes (default: all cores; 1 = in this process)")
    r.add_argument("--scheduler", default=None, metavar="ADDRESS|local", help="run on Dask: a scheduler address, or 'local' for a LocalCluster")
    r.add_argument("--out", default=None, metavar="DIR", help="output folder (default results/<scenario name>)")
    r.add_argument("--resume", action="store_true", help="keep finished runs in DIR and run only the missing ones")
    r.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a scenario key (repeatable)")
    r.add_argument("--no-report", action="store_true", help="only run and store; no summary, figures or report")
    r.add_argument("--quiet", action="store_true", help="no progress lines")
    r.add_argument("--max-runs", type=_positive_int, default=None, metavar="N", help="raise the limit on runs per batch (default 100000)")
    r.set_defaults(func=cmd_run)

    p = subparsers.add_parser(
        "report", help="rebuild summary, figures and report of a batch folder", description="Rebuild the analysis of a batch folder.",
        epilog=REPORT_EXAMPLES, formatter_class=fmt,
    )  # fmt: skip
    p.add_argument("dir", help="output folder of `rural-abm run`")
    p.add_argument("--partial", action="store_true", help="report an incomplete batch (marked as partial on the page)")
    p.add_argument("--effect-year", type=int, default=None, metavar="YEAR", help="read effects in this year instead of the scenario's effect year")
    p.add_argument("--window", action="append", default=None, metavar="FIRST-LAST", help="read effects over this window (repeatable; replaces the scenario's effect_windows)")
    p.set_defaults(func=cmd_report)

    s = subparsers.add_parser(
        "schema", help="print the JSON Schema of scenario files (for editors)",
        description="Print the JSON Schema of scenario files; see docs/user_guide.md to hook it into a YAML language server.",
    )  # fmt: skip
    s.set_defaults(func=cmd_schema)


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def _guard(fn):
    """Turn expected failures into messages and exit codes; never a traceback for bad input."""

    def wrapped(args) -> int:
        from .errors import ArgumentError, BatchError, BatchInterrupted, StoreError
        from .scenario import ScenarioError

        try:
            return fn(args)
        except ScenarioError as err:
            _err(f"rural-abm {args.command}: {err}")
            return 2
        except ArgumentError as err:
            _err(f"rural-abm {args.command}: --{err.name.replace('_', '-')}: found {err.found!r}; allowed: {err.allowed}")
            return 2
        except BatchInterrupted as err:
            _err(f"\nrural-abm {args.command}: {err}")
            return err.exit_code
        except StoreError as err:
            _err(f"rural-abm {args.command}: {err}")
            return 2
        except BatchError as err:
            _err(f"rural-abm {args.command}: {err}")
            return 1
        except KeyboardInterrupt:
            _err(f"\nrural-abm {args.command}: interrupted; finished runs are kept (continue with --resume)")
            return 130
        except Exception as err:  # noqa: BLE001
            if os.environ.get("RURAL_ABM_DEBUG"):
                raise
            _err(f"rural-abm {args.command}: error: {type(err).__name__}: {err} (set RURAL_ABM_DEBUG=1 for the traceback)")
            return 1

    wrapped.__name__ = fn.__name__
    return wrapped


def _load(args):
    from .scenario import MAX_RUNS, load, parse_set

    return load(args.file, overrides=parse_set(args.set), max_runs=getattr(args, "max_runs", None) or MAX_RUNS)


@_guard
def cmd_validate(args) -> int:
    sc = _load(args)
    points = sc.sweep_points()
    n = len(points) * len(sc.variants) * sc.replications
    print(f"{args.file}: valid scenario {sc.name!r}")
    print(f"  variants: {', '.join(sc.variants)} (baseline: {sc.baseline})")
    if sc.sweep:
        print(f"  sweep: {len(points)} points over {', '.join(sc.sweep)}")
    print(f"  replications: {sc.replications}, seed {sc.seed}; {n} runs of {sc.parameters.get('n_people', 'default')} persons")
    readings = ", ".join([str(sc.effect_year), *sc.effect_windows])
    print(f"  years {sc.start_year}-{sc.start_year + sc.n_years - 1}, effects read in {readings}: {', '.join(sc.outputs)}")
    return 0


@_guard
def cmd_run(args) -> int:
    from .batch import run_batch
    from .report import write_report
    from .store import read_manifest

    sc = _load(args)
    out = Path(args.out) if args.out else Path("results") / sc.name
    res = run_batch(sc, out, workers=args.workers, scheduler=args.scheduler, resume=args.resume, progress=not args.quiet)
    _err(f"rural-abm run: {res.ran} run(s) done, {res.skipped} already finished, in {res.seconds:.1f} s -> {out / 'results.parquet'}")
    if args.no_report:
        return 0
    rep = write_report(out)
    _print_effects(rep.summary, read_manifest(out)["scenario"])
    _err(f"rural-abm run: wrote {rep.paths['summary']}, {rep.paths['timeseries']}, {len(rep.figures)} figures and {rep.paths['html']}")
    return 0


@_guard
def cmd_report(args) -> int:
    from .report import with_readings, write_report
    from .store import MANIFEST, read_manifest

    out = Path(args.dir)
    if not (out / MANIFEST).is_file():
        _err(f"rural-abm report: {out}: found no {MANIFEST}; allowed: an output folder of `rural-abm run`")
        return 2
    rep = write_report(out, effect_year=args.effect_year, windows=args.window, partial=args.partial)
    _print_effects(rep.summary, with_readings(read_manifest(out), args.effect_year, args.window)["scenario"])
    _err(f"rural-abm report: wrote {rep.paths['summary']}, {rep.paths['timeseries']}, {len(rep.figures)} figures and {rep.paths['html']}")
    return 0


@_guard
def cmd_schema(args) -> int:
    import json

    from .scenario_schema import json_schema

    print(json.dumps(json_schema(), indent=2))
    return 0


def _print_effects(summary, scenario: dict) -> None:
    """The report's findings on stdout: per output, one line per reading (the full table is in summary.csv)."""
    from .findings import findings

    for f in findings(summary, scenario):
        print(f"{f.title} ({f.meaning})")
        for lead in f.leads:
            print(f"  - {lead}")


def main(argv=None) -> int:
    """Standalone entry (``python -m rural_abm.experiment``)."""
    from rural_abm.cli import OneLineParser

    parser = OneLineParser(prog="rural-abm", description="Scenario batches of the rural ABM.")
    sub = parser.add_subparsers(dest="command", required=True)
    add_commands(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
