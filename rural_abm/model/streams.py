"""Seeded random streams: one per process of the model, one draw set per year.

A run has one root :class:`numpy.random.SeedSequence`. Every draw the model
makes comes from a generator keyed by (stream, year, purpose), so

* changing one process (a policy that moves more people) never shifts the
  draws of another (common random numbers across variants), and
* draws of year t do not depend on how many draws earlier years made.

Draws are made for whole arrays (one uniform per person, say) and indexed by
person, so a person's draw does not depend on who else is eligible.
"""

from __future__ import annotations

import numpy as np

STREAMS = ("setup", "demography", "migration", "business", "shocks", "network", "policy", "market")


RNG_ALLOWED = "None, an integer >= 0, a list of such integers, or a numpy SeedSequence, Generator or BitGenerator"


def check_rng(rng) -> None:
    """Refuse an ``rng`` that numpy would reject (or silently misread), naming the argument."""
    from .parameters import ParameterError

    seeds = rng if isinstance(rng, (list, tuple)) and rng else [rng]
    plain = all(isinstance(s, (int, np.integer)) and not isinstance(s, (bool, np.bool_)) and s >= 0 for s in seeds)
    if not (rng is None or isinstance(rng, (np.random.SeedSequence, np.random.Generator, np.random.BitGenerator)) or plain):
        raise ParameterError(f"rng: found {rng!r}; allowed: {RNG_ALLOWED}")


def root_sequence(rng) -> np.random.SeedSequence:
    """Root seed sequence from anything Mesa accepts as ``rng``."""
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int(rng.integers(2**63)))
    if rng is None:
        return np.random.SeedSequence()
    if isinstance(rng, (int, np.integer)):
        return np.random.SeedSequence(int(rng))
    if isinstance(rng, np.random.BitGenerator):
        return root_sequence(np.random.Generator(rng))
    return np.random.SeedSequence(rng)


class Streams:
    """Factory of keyed generators for one model run."""

    def __init__(self, root: np.random.SeedSequence):
        self.root = root

    def get(self, stream: str, year: int, purpose: int = 0) -> np.random.Generator:
        """Generator for ``stream`` in calendar ``year`` for draw ``purpose`` (a small int)."""
        key = (*self.root.spawn_key, STREAMS.index(stream), int(year), int(purpose))
        seq = np.random.SeedSequence(self.root.entropy, spawn_key=key)
        return np.random.Generator(np.random.PCG64(seq))
