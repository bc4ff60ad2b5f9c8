"""Outputs of families, settlement and ageing migrants (merged into the county metrics)."""

from __future__ import annotations

import numpy as np

from .codes import Occupation, ReturnKind, Status
from .families import migrants

#: School stages of left-behind children: name -> ages [from, to).
SCHOOL_STAGES = {"preschool": (0, 6), "primary": (6, 12), "middle": (12, 15), "senior": (15, 200)}

#: County outputs of this module: name -> unit and meaning.
COUNTY_METRICS = {
    "settled_out": "persons whose household settled for good outside the county this year (leave the registered population)",
    "settled_out_stock": "persons who have settled out since the start (stock)",
    "settled_households": "households that have settled out since the start (stock)",
    **{f"left_behind_children_{s}": f"left-behind children aged {a}-{b - 1 if b < 200 else 'up'} (persons)"
       for s, (a, b) in SCHOOL_STAGES.items()},
    "children_with_migrants": "children living away with their migrant parents (persons)",
    "couples_away": "married couples with both spouses working away",
    "migrants_50_plus": "migrants (working or seeking work away) aged 50 or more (persons)",
    "migrants_60_plus": "migrants aged 60 or more (persons)",
    "residents_60_plus": "residents aged 60 or more (persons)",
    "residents_65_plus": "residents aged 65 or more (persons)",
    "returned_passive_stock": "residents who came home passively (stock, persons)",
    "returned_voluntary_stock": "residents who came home by choice (stock, persons)",
}


def compute(m, left_behind_child: np.ndarray) -> dict:
    """This year's values of COUNTY_METRICS; ``left_behind_child`` masks the left-behind children."""
    per = m.persons
    alive = per.alive
    migrant = migrants(per)
    age = per.age
    returned = alive & (per.status == Status.RETURNED)
    resident = alive & (per.status != Status.AWAY)
    s = per.spouse
    both = migrant & (s >= 0) & migrant[np.maximum(s, 0)]
    stages = {f"left_behind_children_{k}": int(np.count_nonzero(left_behind_child & (age >= a) & (age < b)))
              for k, (a, b) in SCHOOL_STAGES.items()}
    return {
        "settled_out": int(m.flows["settled_out"].sum()),
        "settled_out_stock": int(np.count_nonzero(per.status == Status.SETTLED)),
        "settled_households": int(np.count_nonzero(m.households.settled)),
        **stages,
        "children_with_migrants": int(np.count_nonzero(alive & (per.status == Status.AWAY) & (per.occupation == Occupation.CHILD))),
        "couples_away": int(np.count_nonzero(both)) // 2,
        "migrants_50_plus": int(np.count_nonzero(migrant & (age >= 50))),
        "migrants_60_plus": int(np.count_nonzero(migrant & (age >= 60))),
        "residents_60_plus": int(np.count_nonzero(resident & (age >= 60))),
        "residents_65_plus": int(np.count_nonzero(resident & (age >= 65))),
        "returned_passive_stock": int(np.count_nonzero(returned & (per.return_kind == ReturnKind.PASSIVE))),
        "returned_voluntary_stock": int(np.count_nonzero(returned & (per.return_kind == ReturnKind.VOLUNTARY))),
    }
