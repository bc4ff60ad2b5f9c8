"""The experiment package's error types: each says what is wrong in one line.

* :class:`ArgumentError`: a bad argument of the API or the command line
  (``workers=0``, ``seed=-1``, an ``--out`` that is a file); names the argument.
* :class:`BatchError`: a batch cannot start or some runs failed; finished
  runs are kept on disk.
* :class:`StoreError`: an output folder's runs, results.parquet and
  manifest.json do not belong together, a file is damaged, the batch is
  incomplete, or another process holds the folder.
* :class:`BatchInterrupted`: SIGINT or SIGTERM stopped a batch; finished runs
  are kept. ``signum`` gives the conventional exit code ``128 + signum``.

``ScenarioError`` (bad scenario files) lives in :mod:`.scenario`.
"""

from __future__ import annotations

import numbers


class ArgumentError(ValueError):
    """A bad argument: ``name: found <value>; allowed: <what>``."""

    def __init__(self, name: str, found, allowed: str):
        self.name, self.found, self.allowed = name, found, allowed
        super().__init__(f"{name}: found {found!r}; allowed: {allowed}")


class BatchError(RuntimeError):
    """A batch cannot start or some runs failed; finished runs are kept on disk."""


class StoreError(BatchError):
    """An output folder does not hold one consistent batch (or is in use)."""


class BatchInterrupted(BatchError):
    """A batch was stopped by a signal; finished runs are kept."""

    def __init__(self, signum: int, kept: int | None = None):
        self.signum = signum
        self.exit_code = 128 + signum
        kept_text = f"{kept} finished run(s) kept" if kept is not None else "finished runs are kept"
        super().__init__(f"stopped by signal {signum}; {kept_text} (continue with --resume)")


def check_count(name: str, value, lowest: int = 0, allow_none: bool = False):
    """``value`` as an int >= ``lowest`` (None passes when ``allow_none``), else ArgumentError."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < lowest:
        raise ArgumentError(name, value, f"an integer >= {lowest}" + (" (or None)" if allow_none else ""))
    return int(value)


__all__ = ["ArgumentError", "BatchError", "BatchInterrupted", "StoreError", "check_count"]
