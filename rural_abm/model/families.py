"""Three-generation families: who lives with whom, and how the family shapes moves.

* **Composition** (set-up): households are drawn by type from
  ``rural_abm/data/household_types.csv`` (grandparents, a couple, children;
  census-based, see the file); ages follow the generations.
* **Kin links**: ``Persons.spouse`` and ``Persons.parent`` (row index or -1).
  A child's parent is the first member of the couple; that member's parent is
  the first grandparent. Kin are members of one household, so kin ties are the
  household ties of the network.
* **Couples move together** (:func:`couples`): the spouse of a leaver who could
  leave too follows with probability ``couple_together``; the spouse of a
  returnee who is away comes home with the same probability (a voluntary,
  family return).
* **Children** (:func:`place_children`) live away with their parents only
  while both parents (or a lone parent) are away, the child is younger than
  the senior-high entrance age and urban public schooling is open to the
  child (its fixed ``kin_draw`` below the ``urban_schooling_access`` lever);
  otherwise they are left behind at home.
* **Pulls home** (:func:`home_pulls`, log-income units, in the value of home):
  a child at middle-school or senior-high entrance age pulls both parents;
  an old (``elder_care_age``) or ill (household health shock last year)
  resident elder pulls every working member of the household; with no member
  away, a household values sending one (risk spreading, new economics of
  labour migration, Stark & Bloom 1985); and age pulls migrants home
  (:func:`rural_abm.model.ageing.pull_home`).
* **Remittances** (:func:`remittance_shares`) are larger when the migrant's
  household has dependants at home (children or elders).
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import numpy as np

from . import ageing
from .codes import Occupation, Status
from .network import HOUSEHOLD
from .population import group_order, group_rank

#: Parameter overrides for stationary experiments with frozen ages (``demography`` off): the rules
#: tied to ageing and family events (age push and pull, school transitions, elder care, couples
#: following each other, marriage, settling out) would act there as permanent flows, so they are
#: off, and ``return_cost`` is the value calibrated before those pulls existed.
FROZEN_AGE_OFF = MappingProxyType(dict(
    age_push_rate=0.0, age_pull_weight=0.0, school_transition_pull=0.0, elder_care_pull=0.0,
    risk_spreading_weight=0.0, couple_together=0.0, marriage_rate=0.0, settlement_rate=0.0, return_cost=1.25,
))

HOUSEHOLD_TYPES = Path(__file__).resolve().parent.parent / "data" / "household_types.csv"
#: Slots of a household: two grandparents, two parents, three children.
_SLOTS = 7
_GP, _PA, _CH = (0, 1), (2, 3), (4, 5, 6)


def _band_ages(rng, bands: np.ndarray, lo: int, hi: int, k: int) -> np.ndarray:
    """``k`` ages in [lo, hi) drawn from the age pyramid restricted to those ages."""
    share = np.where((bands[:, 0] + 5 > lo) & (bands[:, 0] < hi), bands[:, 1], 0.0)
    age = bands[rng.choice(len(share), k, p=share / share.sum()), 0] + rng.integers(0, 5, k)
    return np.clip(age, lo, hi - 1).astype(np.int64)


def compose(rng, n: int, bands: np.ndarray):
    """Households of generations for ``n`` persons.

    ``bands`` is the age pyramid (band start, share). Returns per person the
    household index, age, spouse and parent (row index or -1), and the number
    of households. The last household is trimmed so that there are exactly
    ``n`` persons; links to trimmed persons are dropped.
    """
    types = np.loadtxt(HOUSEHOLD_TYPES, delimiter=",", comments="#", usecols=(1, 2, 3, 4))
    share = types[:, 0] / types[:, 0].sum()
    mean_size = float(share @ types[:, 1:].sum(axis=1))
    k = int(1.2 * n / mean_size) + 50
    t = rng.choice(len(share), k, p=share)
    while types[t, 1:].sum() < n:  # rare: draw more households
        t = np.concatenate([t, rng.choice(len(share), k, p=share)])
    k = len(t)
    gp, pa, ch = (types[t, c].astype(np.int64) for c in (1, 2, 3))
    exists = np.zeros((k, _SLOTS), bool)
    exists[:, 0], exists[:, 1] = gp >= 1, gp >= 2
    exists[:, 2], exists[:, 3] = pa >= 1, pa >= 2
    for j, slot in enumerate(_CH):
        exists[:, slot] = ch > j

    age = np.zeros((k, _SLOTS), np.int64)
    # anchor on the eldest child (under 20 where grandparents live with them), the couple 22-35 years older
    eldest = np.where(gp > 0, _band_ages(rng, bands, 0, 20, k), _band_ages(rng, bands, 0, 30, k))
    parent_age = np.where(ch > 0, eldest + rng.integers(22, 36, k), _band_ages(rng, bands, 18, 60, k))
    elder_age = np.where(pa > 0, parent_age + rng.integers(24, 35, k), _band_ages(rng, bands, 60, 100, k))
    age[:, 0], age[:, 1] = elder_age, np.maximum(elder_age + rng.integers(-3, 4, k), 18)
    age[:, 2], age[:, 3] = parent_age, np.maximum(parent_age + rng.integers(-3, 4, k), 18)
    age[:, _CH[0]] = eldest
    for slot in _CH[1:]:
        age[:, slot] = np.maximum(eldest - rng.integers(1, 7, k), 0)

    index = np.cumsum(exists.ravel()).reshape(k, _SLOTS) - 1  # person row of each slot
    spouse = np.full((k, _SLOTS), -1, np.int64)
    couple = exists[:, 0] & exists[:, 1]
    spouse[couple, 0], spouse[couple, 1] = index[couple, 1], index[couple, 0]
    couple = exists[:, 2] & exists[:, 3]
    spouse[couple, 2], spouse[couple, 3] = index[couple, 3], index[couple, 2]
    parent = np.full((k, _SLOTS), -1, np.int64)
    for slot in _CH:
        parent[:, slot] = np.where(exists[:, 2], index[:, 2], -1)
    parent[:, 2] = np.where(exists[:, 0], index[:, 0], -1)

    flat = exists.ravel()
    household = np.repeat(np.arange(k), _SLOTS)[flat][:n]
    ages = age.ravel()[flat][:n]
    spouse, parent = spouse.ravel()[flat][:n], parent.ravel()[flat][:n]
    spouse[spouse >= n] = -1
    parent[parent >= n] = -1
    return household, ages, spouse, parent, int(household[-1]) + 1


def initial_migrants(rng, weight: np.ndarray, working: np.ndarray, spouse: np.ndarray, target: float, together: float) -> np.ndarray:
    """Who is away at set-up: about ``target`` of the ``working`` persons, couples often together.

    Each working person is drawn away with probability min(1, scale * weight);
    the working spouse of one drawn away joins with probability ``together``.
    ``scale`` is set (fixed point) so that the expected share away is ``target``.
    """
    s = np.where(working & (spouse >= 0), spouse, 0)
    paired = working & (spouse >= 0) & working[s]
    n_working = max(int(working.sum()), 1)
    scale = target * n_working / max(weight.sum(), 1e-12)
    for _ in range(20):
        q = np.minimum(1.0, scale * weight)
        expected = q + (1.0 - q) * together * np.where(paired, q[s], 0.0)
        scale *= target * n_working / max(expected[working].sum(), 1e-12)
    q = np.minimum(1.0, scale * weight)
    away = rng.random(len(weight)) < q
    join = s[away & paired]
    away[join[rng.random(len(join)) < together]] = True
    return away


def marry(m) -> None:
    """Phase 2, after demography: unmarried persons marry within their village.

    Each living registered person aged ``marriage_age`` to 39 without a living
    spouse is a candidate with probability ``marriage_rate``; the candidates of
    a village are paired in random order. The second of a pair joins the first
    one's household (virilocal residence; gender is not modelled); the spouses
    are tied (a HOUSEHOLD tie); its own parents stay its kin.
    """
    per, p = m.persons, m.p
    if p["marriage_rate"] <= 0:
        return
    rng = m.streams.get("demography", m.year, 1)
    u = rng.random(per.n)
    alive = per.alive
    cand = np.flatnonzero(alive & (per.age >= p["marriage_age"]) & (per.age < 40) & (u < p["marriage_rate"]))
    spouse = per.spouse[cand]
    cand = cand[(spouse < 0) | ~alive[np.maximum(spouse, 0)]]
    key = rng.random(len(cand))
    order = group_order(per.village[cand], key)
    cand, key = cand[order], key[order]
    rank = group_rank(per.village[cand], key)
    size = np.bincount(per.village[cand], minlength=m.n_villages)[per.village[cand]]
    first = (rank % 2 == 0) & (rank + 1 < size)
    a, b = cand[first], cand[np.flatnonzero(first) + 1]
    a, b = a[per.household[a] != per.household[b]], b[per.household[a] != per.household[b]]
    per.spouse[a], per.spouse[b] = b, a
    per.household[b] = per.household[a]
    m.network.add_ties(a, b, HOUSEHOLD)


def migrants(per) -> np.ndarray:
    """Mask of persons working or seeking work away (not the children living with them)."""
    occ = per.occupation
    return per.alive & ((occ == Occupation.URBAN_EMPLOYED) | (occ == Occupation.URBAN_UNEMPLOYED))


def couples(m, leavers: np.ndarray, passive: np.ndarray, voluntary: np.ndarray):
    """Phase 5: spouses follow leavers and returnees with probability ``couple_together``.

    The spouse of a leaver follows if it could leave itself (a movable
    resident); the spouse of a returnee follows if it is a migrant and not
    already coming home, and is counted as a voluntary returnee. Returns the
    (leavers, passive, voluntary) index arrays with the followers added.
    """
    per, p = m.persons, m.p
    if p["couple_together"] <= 0:
        return leavers, passive, voluntary
    u = m.streams.get("migration", m.year, 6).random(per.n)
    spouse = per.spouse

    def followers(movers, can_follow):
        s = spouse[movers]
        s = s[s >= 0]
        moving = np.zeros(per.n, bool)
        moving[movers] = True
        return s[can_follow[s] & ~moving[s] & (u[s] < p["couple_together"])]

    joining = followers(leavers, m.movable_residents())
    returnees = np.concatenate([passive, voluntary])
    coming = followers(returnees, migrants(per))
    return np.union1d(leavers, joining), passive, np.union1d(voluntary, coming)


def place_children(m) -> None:
    """Children live away with their parents where urban schooling is open to them, else at home.

    A child (occupation CHILD) lives away when its parent is a migrant, the
    parent's spouse (if living and registered) is a migrant too, the child is
    younger than min(``senior_high_age``, ``working_age``) (no senior-high
    entrance exam away from the hukou place) and its fixed ``kin_draw`` is
    below this year's ``urban_schooling_access``. Children who no longer meet
    these conditions come home (status HOME).
    """
    per, p = m.persons, m.p
    child = np.flatnonzero(per.alive & (per.occupation == Occupation.CHILD))
    follow = _carers_away(per, per.parent[child]) & (per.age[child] < min(p["senior_high_age"], p["working_age"]))
    follow &= per.kin_draw[child] < m.levers["urban_schooling_access"]
    per.status[child] = np.where(follow, Status.AWAY, Status.HOME)


def _carers_away(per, parent: np.ndarray) -> np.ndarray:
    """For each parent index (-1 none): the parent is a migrant and so is its living registered spouse."""
    migrant = migrants(per)
    has = parent >= 0
    p = np.where(has, parent, 0)
    s = per.spouse[p]
    s_home = (s >= 0) & per.alive[np.maximum(s, 0)] & ~migrant[np.maximum(s, 0)]
    return has & migrant[p] & ~s_home


#: Elders younger than this (years) help on the family farm, as local employees do (half a worker each).
FARM_HELPER_AGE = 75


def farm_hands(m) -> tuple[np.ndarray, np.ndarray]:
    """Farm labour of each household: (resident farmers, helpers: resident local employees and elders under 75)."""
    per, H = m.persons, m.households.n
    resident = per.alive & (per.status != Status.AWAY)
    occ = per.occupation
    farmers = resident & (occ == Occupation.FARMER)
    helpers = resident & (((occ == Occupation.ELDER) & (per.age < FARM_HELPER_AGE)) | (occ == Occupation.LOCAL_EMPLOYEE))
    return np.bincount(per.household[farmers], minlength=H), np.bincount(per.household[helpers], minlength=H)


def home_pulls(m) -> np.ndarray:
    """Value of home (log-income units) added by the family and by age, per person.

    School transitions and old or ill elders (switch ``family_pull``), risk
    spreading of a household with nobody away, and the age pull of migrants.
    """
    per, p, hh = m.persons, m.p, m.households
    alive, hid, age = per.alive, per.household, per.age
    migrant = migrants(per)
    pull = np.where(migrant, ageing.pull_table(p)[age], 0.0)
    sending = np.bincount(hid[migrant], minlength=hh.n) > 0
    household = -p["risk_spreading_weight"] * ~sending
    if p["family_pull"]:
        child = np.flatnonzero((age == p["middle_school_age"]) | (age == p["senior_high_age"]))
        parent = per.parent[child[alive[child] & (per.parent[child] >= 0)]]
        spouse = per.spouse[parent]
        parents = np.zeros(per.n, bool)  # each parent counted once, however many children are at a transition
        parents[parent] = True
        parents[spouse[spouse >= 0]] = True
        pull[parents] += p["school_transition_pull"]
        elder = np.flatnonzero(age >= p["elder_age"])
        elder = elder[alive[elder] & (per.status[elder] != Status.AWAY)]
        needy = elder[(age[elder] >= p["elder_care_age"]) | m.household_sick[hid[elder]]]
        household = household + p["elder_care_pull"] * (np.bincount(hid[needy], minlength=hh.n) > 0)
    return pull + household[hid]


def remittance_shares(m, senders: np.ndarray) -> np.ndarray:
    """Share of earnings each of ``senders`` (indices) sends home: more with dependants at home."""
    per, p = m.persons, m.p
    resident = per.alive & (per.status != Status.AWAY)
    dependant = resident & ((per.occupation == Occupation.CHILD) | (per.occupation == Occupation.ELDER))
    has = np.bincount(per.household[dependant], minlength=m.households.n) > 0
    return np.where(has[per.household[senders]], p["remittance_share"], p["remittance_share_no_dependants"])
