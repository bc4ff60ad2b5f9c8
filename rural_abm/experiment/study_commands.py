"""Command-line subcommands ``calibrate`` and ``sensitivity`` (added to ``rural-abm``).

``add_study_commands(subparsers)`` registers them on the sub-parsers of
``rural_abm.cli``. Bad input prints one line per problem (file, key path,
value found, what is allowed) and exits with code 2; a run that cannot go on
exits with 1, an interrupted one with 130 (finished runs are kept: rerun
with ``--resume``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .commands import _err, _guard

CALIBRATE_EXAMPLES = """examples:
  rural-abm calibrate scenarios/calibrate_county.yaml
  rural-abm calibrate scenarios/calibrate_county.yaml --budget 300 --workers 2
  rural-abm calibrate scenarios/calibrate_county.yaml --resume        # go on after a budget stop or an interruption
  rural-abm calibrate scenarios/calibrate_huichuan.yaml --set n_people=2000 --set max_generations=3

Writes to DIR (default results/<name>): fitted.yaml (a scenario file with the fitted
values; other scenarios use them with `extends:`), fit_table.csv and fit_table.md
(each target: simulated mean with 95% interval, error, pass/fail), identification.csv,
evaluations.csv, and evaluations/ (the stored runs that --resume reads back).
"""

SENSITIVITY_EXAMPLES = """examples:
  rural-abm sensitivity scenarios/sensitivity_default.yaml
  rural-abm sensitivity scenarios/sensitivity_default.yaml --workers 2 --out results/sens
  rural-abm sensitivity scenarios/sensitivity_default.yaml --scheduler local   # Dask LocalCluster
  rural-abm sensitivity scenarios/sensitivity_default.yaml --set method=morris --set replications=1

Writes to DIR (default results/<name>): sensitivity.csv, sensitivity.md (ranked tables),
sensitivity.png (bar charts), samples.csv, and runs/ (the stored runs that --resume reads back).
"""


def _common(parser) -> None:
    parser.add_argument("file", help="calibration or sensitivity YAML file")
    parser.add_argument("--out", default=None, metavar="DIR", help="output folder (default results/<name>)")
    parser.add_argument("--workers", type=int, default=None, metavar="N", help="worker processes (default: all cores; 1 = in this process)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS|local", help="run on Dask: a scheduler address, or 'local'")
    parser.add_argument("--resume", action="store_true", help="read back the runs stored in DIR and go on")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a top-level key or a model parameter (repeatable)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")


def add_study_commands(subparsers) -> None:
    """Add ``calibrate`` and ``sensitivity`` to an argparse sub-parser set."""
    commands = {
        "calibrate": ("fit parameters to published targets (simulated method of moments)",
                      "Fit the parameters a calibration file names to its targets; write the fitted scenario and the fit table.",
                      CALIBRATE_EXAMPLES, cmd_calibrate),
        "sensitivity": ("Morris screening and Sobol indices (SALib) over uncertain parameters",
                        "Rank the parameters of a sensitivity file's `uncertain:` block by their effect on its outputs.",
                        SENSITIVITY_EXAMPLES, cmd_sensitivity),
    }  # fmt: skip
    for name, (short, description, epilog, func) in commands.items():
        parser = subparsers.add_parser(name, help=short, description=description, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
        _common(parser)
        if name == "calibrate":
            parser.add_argument("--budget", type=float, default=None, metavar="SECONDS", help="stop the search after this long (overrides the file's budget)")
            parser.add_argument("--fitted", default=None, metavar="PATH", help="also write the fitted scenario file here")
        parser.set_defaults(func=func)


def _study(args, load, run, table: str, **options) -> int:
    """Load the file (with --set), run it into --out (default results/<name>), print the markdown table."""
    from .batch import BatchError
    from .scenario import parse_set
    from .study import StudyError

    if args.workers is not None and args.workers < 1:
        raise BatchError(f"--workers: found {args.workers}; allowed: an integer >= 1")
    study = load(args.file, overrides=parse_set(args.set))
    out = Path(args.out) if args.out else Path("results") / study.name
    try:
        run(study, out, resume=args.resume, workers=args.workers, scheduler=args.scheduler, progress=not args.quiet, **options)
    except StudyError as err:
        _err(f"rural-abm {args.command}: {err}")
        return 1
    print((out / table).read_text(encoding="utf-8"))
    _err(f"rural-abm {args.command}: wrote {out}/ ({table}, and the files listed in rural-abm {args.command} --help)")
    return 0


@_guard
def cmd_calibrate(args) -> int:
    from .calibrate import calibrate, load_calibration

    if args.budget is not None and args.budget <= 0:
        _err(f"rural-abm calibrate: --budget: found {args.budget}; allowed: seconds > 0")
        return 2
    return _study(args, load_calibration, calibrate, "fit_table.md", budget=args.budget, fitted_path=args.fitted)


@_guard
def cmd_sensitivity(args) -> int:
    from .sensitivity import load_sensitivity, run_sensitivity

    return _study(args, load_sensitivity, run_sensitivity, "sensitivity.md")
