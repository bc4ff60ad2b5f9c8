"""Evaluate points in parameter space on the batch pool, every point over the same seeded replications.

A *point* is ``{parameter name: value}`` on top of a base scenario and one of
its variants. :class:`PointEvaluator` turns a list of points into one batch
(one scenario variant per point, named by the point's content), runs it with
:func:`rural_abm.experiment.batch.run_batch` on the local pool or Dask and
returns each point's outputs. Because every point uses the scenario seed and
replication index r (``SeedSequence(seed, spawn_key=(r,))``), points are
compared under common random numbers, and a point run once is read back from
the store (runs are keyed by content), which is what makes calibration and
sensitivity runs resumable.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pandas as pd

from rural_abm.model import registry

from .batch import run_batch
from .moments import wide_frames
from .scenario import Scenario, canonical_json

NUMERIC_KINDS = ("int", "float", "schedule")


def section_of(name: str) -> str:
    """'policy' for a policy lever, else 'parameters' (the scenario section a parameter lives in)."""
    return "policy" if registry()[name].group == "policy" else "parameters"


def coerce(name: str, value: float):
    """A sampled number as the parameter wants it: rounded for integers, clipped to the declared range."""
    p = registry()[name]
    lo, hi = p.range
    value = min(max(float(value), lo), hi)
    return round(value) if p.kind == "int" else value


def point_name(point: dict) -> str:
    """A variant name from the point's content (equal points share it, so their runs are shared)."""
    text = json.dumps({k: canonical_json(v) for k, v in sorted(point.items())}, sort_keys=True)
    return "p" + hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclasses.dataclass
class PointEvaluator:
    """Runs points of ``base`` (variant ``variant``) in the run store ``store``.

    ``runs_computed`` counts runs simulated by this evaluator; runs already in
    the store are read back instead.
    """

    base: Scenario
    variant: str
    store: Path
    workers: int | None = None
    scheduler: str | None = None
    replications: int | None = None
    seed: int | None = None
    runs_computed: int = 0

    def scenario(self, points: list[dict]) -> tuple[Scenario, list[str]]:
        """The batch scenario of ``points`` (one variant each, the base variant's overrides under them)."""
        names, variants = [], {}
        for point in points:
            over = dict(self.base.variants[self.variant])
            for name, value in point.items():
                over[(section_of(name), name)] = value
            vname = point_name({f"{s}.{n}": v for (s, n), v in over.items()})
            names.append(vname)
            variants[vname] = over
        sc = dataclasses.replace(
            self.base,
            variants=variants,
            variant_docs={},
            baseline=names[0],
            sweep={},
            replications=self.replications or self.base.replications,
            seed=self.base.seed if self.seed is None else self.seed,
        )
        return sc, names

    def frames(self, points: list[dict]) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
        """(county, village) frames of every point, in order (see moments.wide_frames)."""
        sc, names = self.scenario(points)
        res = run_batch(sc, self.store, workers=self.workers, scheduler=self.scheduler, resume=True, progress=False, shared_store=True)
        self.runs_computed += res.ran
        wide = wide_frames(res.table())
        return [wide[n] for n in names]


__all__ = ["NUMERIC_KINDS", "PointEvaluator", "coerce", "point_name", "section_of"]
