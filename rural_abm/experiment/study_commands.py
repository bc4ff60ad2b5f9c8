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
    fmt = argparse.RawDescriptionHelpFormatter
    c = subparsers.add_parser(
        "calibrate", help="fit parameters to published targets (simulated method of moments)",
        description="Fit the parameters a calibration file names to its targets; write the fitted scenario and the fit table.",
        epilog=CALIBRATE_EXAMPLES, formatter_class=fmt,
    )  # fmt: skip
    _common(c)
    c.add_argument("--budget", type=float, default=None, metavar="SECONDS", help="stop the search after this long (overrides the file's budget)")
    c.add_argument("--fitted", default=None, metavar="PATH", help="also write the fitted scenario file here")
    c.set_defaults(func=cmd_calibrate)
    s = subparsers.add_parser(
        "sensitivity", help="Morris screening and Sobol indices (SALib) over uncertain parameters",
        description="Rank the parameters of a sensitivity file's `uncertain:` block by their effect on its outputs.",
        epilog=SENSITIVITY_EXAMPLES, formatter_class=fmt,
    )  # fmt: skip
    _common(s)
    s.set_defaults(func=cmd_sensitivity)


def _checked(args):
    from .batch import BatchError
    from .scenario import parse_set

    if args.workers is not None and args.workers < 1:
        raise BatchError(f"--workers: found {args.workers}; allowed: an integer >= 1")
    return parse_set(args.set)


@_guard
def cmd_calibrate(args) -> int:
    from .calibrate import calibrate, load_calibration
    from .study import StudyError

    cal = load_calibration(args.file, overrides=_checked(args))
    if args.budget is not None and args.budget <= 0:
        _err(f"rural-abm calibrate: --budget: found {args.budget}; allowed: seconds > 0")
        return 2
    out = Path(args.out) if args.out else Path("results") / cal.name
    try:
        res = calibrate(cal, out, resume=args.resume, budget=args.budget, workers=args.workers, scheduler=args.scheduler,
                        progress=not args.quiet, fitted_path=args.fitted)  # fmt: skip
    except StudyError as err:
        _err(f"rural-abm calibrate: {err}")
        return 1
    print((out / "fit_table.md").read_text(encoding="utf-8"))
    _err(f"rural-abm calibrate: wrote {', '.join(str(p) for p in res.fitted)}, {out / 'fit_table.csv'} and {out / 'fit_table.md'}")
    return 0


@_guard
def cmd_sensitivity(args) -> int:
    from .sensitivity import load_sensitivity, run_sensitivity
    from .study import StudyError

    sa = load_sensitivity(args.file, overrides=_checked(args))
    out = Path(args.out) if args.out else Path("results") / sa.name
    try:
        res = run_sensitivity(sa, out, resume=args.resume, workers=args.workers, scheduler=args.scheduler, progress=not args.quiet)
    except StudyError as err:
        _err(f"rural-abm sensitivity: {err}")
        return 1
    print((out / "sensitivity.md").read_text(encoding="utf-8"))
    _err(f"rural-abm sensitivity: wrote {out / 'sensitivity.csv'}, {out / 'sensitivity.md'} and {res.figure}")
    return 0
