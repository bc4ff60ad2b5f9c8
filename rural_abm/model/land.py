"""Land: who farms each household's contracted land, what is rented and what idles.

Each household farms its own land up to its labour capacity, except land
still under a rental contract from last year: without secure tenure a share
``rental_lock * (1 - tenure_security)`` of last year's rented-out land cannot
be taken back this year (it is offered for rent again). Surplus land is
offered for rent: without land reform only the informal share, with reform
the share the rental market places (``land_reform``). In each village,
offers meet the spare capacity of farming households and the land wanted by
agri-processing ventures; both sides are served pro rata. Whatever is
offered but not rented, or not offered, idles. Areas in mu.
"""

from __future__ import annotations

import numpy as np

from . import economy


def locked_land(p: dict, rented_out_last_year: np.ndarray, tenure_security: float) -> np.ndarray:
    """Land (mu) each household cannot take back this year because it is still let."""
    return rented_out_last_year * p["rental_lock"] * (1.0 - tenure_security)


def allocate(p: dict, land_reform: float, land, locked, workers, elders, village, n_villages, venture_village, venture_demand):
    """Clear each village's rental market.

    Returns (farmed, rented_out, rented_in, idle) per household and the land
    rented in by each venture, all in mu. ``land_reform`` is this year's lever
    value (share of surplus placed by the market).
    """
    capacity = economy.farm_capacity(p, workers, elders)
    free = land - locked
    own = np.minimum(free, capacity)
    spare = capacity - own
    offer = locked + (free - own) * max(land_reform, p["informal_rental_share"])
    supply = np.bincount(village, offer, minlength=n_villages)
    demand = np.bincount(village, spare, minlength=n_villages) + np.bincount(venture_village, venture_demand, minlength=n_villages)
    rented = np.minimum(supply, demand)
    out = offer * np.divide(rented, supply, out=np.zeros_like(rented), where=supply > 0)[village]
    fill = np.divide(rented, demand, out=np.zeros_like(rented), where=demand > 0)
    into = spare * fill[village]
    return own + into, out, into, land - own - out, venture_demand * fill[venture_village]
