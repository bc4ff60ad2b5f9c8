"""Integer codes of categorical person and venture states (stored in int8 arrays)."""

from enum import IntEnum


class Status(IntEnum):
    """Where a person lives: HOME (never away), AWAY (away: migrants and children living with them),
    RETURNED (home after being away), SETTLED (settled out for good; no longer registered, ``alive`` False)."""

    HOME = 0
    AWAY = 1
    RETURNED = 2
    SETTLED = 3


class Occupation(IntEnum):
    """What a person does this year."""

    CHILD = 0
    ELDER = 1
    FARMER = 2
    LOCAL_EMPLOYEE = 3
    ENTREPRENEUR = 4
    URBAN_EMPLOYED = 5
    URBAN_UNEMPLOYED = 6


class ReturnKind(IntEnum):
    """Why a returnee came back (kept for the person's life)."""

    NONE = 0
    PASSIVE = 1
    VOLUNTARY = 2


class Sector(IntEnum):
    """Sector of a returnee venture."""

    AGRI_PROCESSING = 0
    ECOMMERCE_SERVICES = 1
    RURAL_TOURISM = 2
    LIGHT_MANUFACTURING = 3


#: Probability of each sector for a new venture (same order as Sector).
SECTOR_SHARES = (0.30, 0.30, 0.15, 0.25)
#: Share of each sector's revenue that depends on local demand.
SECTOR_LOCAL_MARKET = (0.3, 0.8, 0.3, 0.1)
#: Start-up capital of each sector relative to ``venture_capital`` (judgement: a processing plant or a
#: workshop with machines needs more than a shop, a stall or an online store).
SECTOR_CAPITAL = (1.5, 0.5, 1.0, 2.0)
