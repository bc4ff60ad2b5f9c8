"""Per-person, per-household and per-venture state as NumPy arrays (struct of arrays).

Persons and ventures only ever get appended (births, new ventures); dead
persons keep their slot with ``alive = False`` and closed ventures keep theirs
with ``active = False``, so an index is a stable identity for a run.
"""

from __future__ import annotations

import numpy as np

from .codes import Occupation, ReturnKind, Status


class Table:
    """A growable struct of arrays with a fixed schema.

    ``schema`` maps field name to (dtype, fill value). Column arrays have a
    capacity that doubles when full; ``self.<field>`` is a view of the used part.
    """

    schema: dict[str, tuple[type, object]] = {}

    def __init__(self, n: int = 0, capacity: int | None = None):
        self.n = 0
        self._cap = max(int(capacity or n), 16)
        self._cols = {k: np.full(self._cap, fill, dtype=dt) for k, (dt, fill) in self.schema.items()}
        self.append(n)

    def __getattr__(self, name):
        cols = self.__dict__.get("_cols")
        if cols is not None and name in cols:
            return cols[name][: self.n]
        raise AttributeError(name)

    def append(self, k: int, **values) -> np.ndarray:
        """Add ``k`` rows (fill values unless given) and return their indices."""
        if self.n + k > self._cap:
            new_cap = max(2 * self._cap, self.n + k)
            for key, col in self._cols.items():
                grown = np.full(new_cap, self.schema[key][1], dtype=col.dtype)
                grown[: self.n] = col[: self.n]
                self._cols[key] = grown
            self._cap = new_cap
        idx = np.arange(self.n, self.n + k)
        self.n += k
        for key, val in values.items():
            self._cols[key][idx] = val
        return idx

    @property
    def nbytes(self) -> int:
        """Memory held by the columns (bytes)."""
        return sum(c.nbytes for c in self._cols.values())


class Persons(Table):
    """Every person ever registered in the county.

    age (years), skill (units; never-migrant mean 1), savings (RMB, personal,
    mostly urban savings), years_away (years of urban work), employer
    (venture index or -1), household and village (indices). ``alive`` means
    alive and registered in the county (False after death or settling out).
    trained_year is the calendar year of training (0: never trained).
    Kin links (families.py): spouse and parent (row index or -1); kin_draw is a
    fixed uniform that decides urban schooling at a given access share.
    """

    schema = {
        "alive": (np.bool_, True),
        "age": (np.int16, 0),
        "household": (np.int32, -1),
        "village": (np.int32, -1),
        "skill": (np.float32, 1.0),
        "status": (np.int8, Status.HOME),
        "occupation": (np.int8, Occupation.CHILD),
        "years_away": (np.int16, 0),
        "return_kind": (np.int8, ReturnKind.NONE),
        "employer": (np.int32, -1),
        "savings": (np.float64, 0.0),
        "trained": (np.bool_, False),
        "placed": (np.bool_, False),
        "trained_year": (np.int16, 0),
        "spouse": (np.int32, -1),
        "parent": (np.int32, -1),
        "kin_draw": (np.float32, 1.0),
    }


class Households(Table):
    """Registered households: contracted land (mu), savings (RMB), poverty flags.

    ``poor`` is this year's status, ``registered_poor`` the transfer list
    (households whose own income was below the line at the latest means test),
    ``ever_poor`` whether it has ever been poor,
    ``monitor_draw`` a fixed uniform that decides monitoring at a coverage,
    ``settled`` whether the household has settled out of the county for good.
    """

    schema = {
        "village": (np.int32, -1),
        "land": (np.float64, 0.0),
        "savings": (np.float64, 0.0),
        "poor": (np.bool_, False),
        "registered_poor": (np.bool_, False),
        "ever_poor": (np.bool_, False),
        "monitor_draw": (np.float64, 1.0),
        "rented_out": (np.float64, 0.0),
        "rented_in": (np.float64, 0.0),
        "farmed": (np.float64, 0.0),
        "settled": (np.bool_, False),
    }


class Ventures(Table):
    """Enterprises founded by residents and returnees.

    capital, loans and profit in RMB; productivity is a lognormal multiplier
    (mean 1); target_jobs is this year's wanted employment (persons); land is
    the area rented in this year (mu, agri-processing ventures only).
    """

    schema = {
        "active": (np.bool_, True),
        "founder": (np.int32, -1),
        "village": (np.int32, -1),
        "sector": (np.int8, 0),
        "capital": (np.float64, 0.0),
        "productivity": (np.float64, 1.0),
        "target_jobs": (np.int32, 0),
        "loan_principal": (np.float64, 0.0),
        "loan_balance": (np.float64, 0.0),
        "founded": (np.int16, 0),
        "in_park": (np.bool_, False),
        "land": (np.float64, 0.0),
        "revenue": (np.float64, 0.0),
        "profit": (np.float64, 0.0),
    }


def radix_argsort(keys: np.ndarray, n: int) -> np.ndarray:
    """Stable argsort of integer ``keys`` in [0, n), by 16-bit digits (least significant first).

    NumPy's stable sort of 16-bit keys is a radix sort, so each pass is O(len(keys));
    two passes cover n < 2**32. Equal keys keep their input order, on every machine.
    """
    order = np.argsort(keys.astype(np.uint16), kind="stable")
    shift = 16
    while (n - 1) >> shift:
        order = order[np.argsort((keys[order] >> shift).astype(np.uint16), kind="stable")]
        shift += 16
    return order


def tally(groups: np.ndarray, codes: np.ndarray, n_groups: int, n_codes: int) -> np.ndarray:
    """Count of elements per (group, code) as an (n_groups, n_codes) array: one ``np.bincount`` for many masks."""
    return np.bincount(groups * n_codes + codes, minlength=n_groups * n_codes).reshape(n_groups, n_codes)


def group_order(groups: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """The order ``np.lexsort((keys, groups))``: by (integer) group, then key, ties in input order.

    Built as a sort by key and then a stable radix sort by group. Keys are
    mostly distinct random draws: NumPy's default sort, faster than its
    stable one, then gives the one order there is; only when two keys are
    equal is the stable sort run.
    """
    if not len(groups):
        return np.empty(0, dtype=np.int64)
    by_key = np.argsort(keys)
    ordered = keys[by_key]
    if not (ordered[1:] > ordered[:-1]).all():  # equal keys (or NaN): keep their input order
        by_key = np.argsort(keys, kind="stable")
    low = groups.min()
    return by_key[radix_argsort(groups[by_key] - low, int(groups.max() - low) + 1)]


def group_rank(groups: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Rank (0, 1, ...) of each element within its (integer) group, ordered by ``keys`` (:func:`group_order`).

    Used to match vacancies to workers and to pick the first k of a group.
    """
    order = group_order(groups, keys)
    g = groups[order]
    starts = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    run_start = np.repeat(starts, np.diff(np.r_[starts, len(g)]))
    rank = np.empty(len(groups), dtype=np.int64)
    rank[order] = np.arange(len(groups)) - run_start
    return rank
