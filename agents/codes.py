"""Shared vocabularies: legal status, custody state, offenses and priority levels.

Small integer codes so the model can keep per-resident state in numpy arrays.
"""

from enum import IntEnum

WEEKS_PER_YEAR = 52  # one step is one week; annual rates are divided by this, once, here
KNOWING_WINDOW_WEEKS = WEEKS_PER_YEAR  # "knows someone detained or removed in the past year"


class Status(IntEnum):
    """Legal status of a resident."""

    US_BORN = 0
    NATURALIZED = 1
    LPR = 2
    UNDOCUMENTED = 3


class Custody(IntEnum):
    """Where a resident is this week. Every resident is in exactly one state."""

    FREE = 0
    JAILED = 1  # booked, in the county jail
    HELD = 2  # in jail, held for ICE on a detainer the jail honors
    ICE = 3  # in ICE detention
    REMOVED = 4  # deported; never returns


class Offense(IntEnum):
    """Crime types. Violent and property crimes have victims; the rest are found by patrol."""

    VIOLENT = 0
    PROPERTY = 1
    DRUG = 2
    DUI = 3
    PUBLIC_ORDER = 4
    TRAFFIC = 5


OFFENSE_NAMES = [o.name.lower() for o in Offense]

# Convictions by severity: columns of the per-resident record array.
FELONY, MISDEMEANOR, SERIOUS_VIOLENT, SIGNIFICANT_MISDEMEANOR = range(4)
RECORD_COLUMNS = ("felony", "misdemeanor", "serious_violent", "significant_misdemeanor")

# ICE priority levels of the Secure Communities era (Morton memo, ICE policy 10072.1).
NONCRIMINAL, LEVEL1, LEVEL2, LEVEL3 = 0, 1, 2, 3
LEVEL_NAMES = {LEVEL1: "level1", LEVEL2: "level2", LEVEL3: "level3", NONCRIMINAL: "noncriminal"}


def sc_level(felonies: int, misdemeanors: int, serious_violent: int) -> int:
    """SC-era priority level from convictions: 1 aggravated felony or 2+ felonies,
    2 one felony or 3+ misdemeanors, 3 misdemeanors, 0 no conviction."""
    if serious_violent > 0 or felonies >= 2:
        return LEVEL1
    if felonies == 1 or misdemeanors >= 3:
        return LEVEL2
    if misdemeanors > 0:
        return LEVEL3
    return NONCRIMINAL


# Share of charges of each offense that are felonies (violent felonies count as serious or
# violent; the rest of violent charges are misdemeanor assaults).
FELONY_SHARE = {Offense.VIOLENT: 0.5, Offense.PROPERTY: 0.25, Offense.DRUG: 0.3,
                Offense.DUI: 0.0, Offense.PUBLIC_ORDER: 0.0, Offense.TRAFFIC: 0.0}


def conviction_columns(offense: int, felony: bool) -> tuple:
    """Record columns a conviction for this charge adds to."""
    if felony:
        return (FELONY, SERIOUS_VIOLENT) if offense == Offense.VIOLENT else (FELONY,)
    if offense in (Offense.VIOLENT, Offense.DUI):  # assault (domestic violence), DUI: PEP's
        return (MISDEMEANOR, SIGNIFICANT_MISDEMEANOR)  # "significant misdemeanors"
    return (MISDEMEANOR,)
