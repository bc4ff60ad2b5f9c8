"""Land: who farms each household's contracted land, what is rented and what idles.

Each household farms its own land up to its labour capacity. Surplus land is
offered for rent: without land reform only the informal share, with reform the
share the rental market places (``land_reform``). In each village, offers meet
the spare capacity of farming households; both sides are served pro rata.
Whatever is offered but not rented, or not offered, idles. Areas in mu.
"""

from __future__ import annotations

import numpy as np

from . import economy


def allocate(p: dict, land_reform: float, land, workers, elders, village, n_villages):
    """Clear each village's rental market.

    Returns (farmed, rented_out, rented_in, idle) per household, in mu.
    ``land_reform`` is this year's lever value (share of surplus placed).
    """
    capacity = economy.farm_capacity(p, workers, elders)
    own = np.minimum(land, capacity)
    surplus = land - own
    spare = capacity - own
    offer = surplus * max(land_reform, p["informal_rental_share"])
    supply = np.bincount(village, offer, minlength=n_villages)
    demand = np.bincount(village, spare, minlength=n_villages)
    rented = np.minimum(supply, demand)
    out = offer * np.divide(rented, supply, out=np.zeros_like(rented), where=supply > 0)[village]
    into = spare * np.divide(rented, demand, out=np.zeros_like(rented), where=demand > 0)[village]
    return own + into, out, into, surplus - out
