"""Public services and local demand on the scale of the village (phase 4).

Both depend on how many people live in a village, not on the share of its
registered persons who are home:

* the local demand index is D_v = (R_v / R*_v)^``demand_elasticity``, with
  R_v the village's residents and R*_v = ``reference_resident_share`` x its
  registered persons at the start (so D_v is as before in the first year);
* the service level is ``service_floor`` (what the township and county
  provide whatever the village's size) plus the village's own part,
  (1 - floor) x min(1, (R_v / R*_v)^``service_scale_elasticity``) less
  ``school_closure_loss`` once the village school has been merged away and
  ``clinic_closure_loss`` once the clinic has (never below 0), plus the
  investment effect. A school closes for good when its pupils (resident
  children of ``school_entry_age`` or more) fall below
  ``school_closure_share`` of its pupils at the start, a clinic when
  residents fall below ``clinic_closure_share`` of the residents at the start
  times 1 - ``clinic_standard`` (the village-clinic standard, on from 2016 by
  default, keeps every clinic open) (thresholds are relative to the
  village's own start, so that a small test county and a large one
  consolidate alike); public-service investment holds consolidation off by
  dividing both thresholds by 1 + ``consolidation_hold`` x log(1 + investment / 500).

Ageing alone changes neither the count of residents nor (before children
are few) the school, so it cannot raise the service level.
"""

from __future__ import annotations

import numpy as np

from . import economy
from .codes import Occupation, Status


def counts(m) -> tuple[np.ndarray, np.ndarray]:
    """Residents and school pupils (resident children of school age) of each village."""
    per, p = m.persons, m.p
    resident = per.alive & (per.status != Status.AWAY)
    pupils = resident & (per.occupation == Occupation.CHILD) & (per.age >= p["school_entry_age"])
    return np.bincount(per.village[resident], minlength=m.n_villages), np.bincount(per.village[pupils], minlength=m.n_villages)


def setup(m) -> None:
    """Reference residents, school and clinic thresholds of each village (schools and clinics open at the start)."""
    p, per = m.p, m.persons
    registered = np.bincount(per.village[per.alive], minlength=m.n_villages)
    m.reference_residents = np.maximum(p["reference_resident_share"] * registered, 1.0)
    residents, pupils = counts(m)
    m.school_threshold = p["school_closure_share"] * pupils
    m.clinic_threshold = p["clinic_closure_share"] * residents
    m.school_open = np.ones(m.n_villages, bool)
    m.clinic_open = np.ones(m.n_villages, bool)


def update(m, investment: float) -> None:
    """Consolidate schools and clinics below their thresholds; set this year's demand and service levels."""
    p = m.p
    residents, pupils = counts(m)
    if p["service_feedback"]:
        hold = 1.0 + p["consolidation_hold"] * np.log1p(investment / 500.0)
        m.school_open &= pupils * hold >= m.school_threshold
        m.clinic_open &= residents * hold >= m.clinic_threshold * (1.0 - m.levers["clinic_standard"])
    scale = residents / m.reference_residents
    m.demand = economy.demand_index(p, scale)
    m.service = economy.service_level(p, scale, investment, m.school_open, m.clinic_open)
