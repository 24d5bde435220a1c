"""One vocabulary for people: readable names and colours of presets, groups, doors, levels and
policies, shared by the reports (``experiments``) and the visualizer (``viz``, ``app.py``).

Presets are listed in policy order (from no program, through the county's choices, to the later
federal regimes), never alphabetically. Colours are colour-blind safe (Okabe-Ito, with Paul Tol's
olive, indigo and dark red where a family needs more) and fixed per item, so a preset or a group has the
same colour in every figure and on the page. Colours drawn together in one figure are kept apart
as a projector shows them (washed out, on white): ``tests/test_labels.py`` measures it.
"""

from agents.codes import AGE_GROUPS, CHARGE_NAMES, DOORS, LEVEL_NAMES, OFFENSE_NAMES, RECORD_COLUMNS, Custody, Status
from agents.policies import POLICIES, REGIMES

from .hearing import CHANNELS
from .parameters import PRESETS

# Presets in policy order, with a short label for legends and a long one for the page.
PRESET_ORDER = ("pre_sc", "sc_full", "sc_hennessey", "sc_trust_act", "sc_sanctuary", "pep_2015", "eo_2017")
PRESET_SHORT = {
    "pre_sc": "No program",
    "sc_full": "Full cooperation",
    "sc_hennessey": "Hennessey (SF 2011)",
    "sc_trust_act": "TRUST Act (CA 2014)",
    "sc_sanctuary": "Sanctuary jail",
    "pep_2015": "PEP (2015)",
    "eo_2017": "EO 13768 (2017)",
}
PRESET_LABELS = {
    "pre_sc": "Before Secure Communities (no sharing)",
    "sc_full": "Secure Communities, full cooperation",
    "sc_hennessey": "San Francisco 2011 (Sheriff Hennessey)",
    "sc_trust_act": "California TRUST Act (2014)",
    "sc_sanctuary": "Sanctuary county (no detainer honored)",
    "pep_2015": "Priority Enforcement Program (2015)",
    "eo_2017": "Executive Order 13768 (2017)",
}
PRESET_COLORS = {  # the lesson's pairs (full cooperation, Hennessey, sanctuary) far apart in hue
    "pre_sc": "#777777",
    "sc_full": "#D55E00",
    "sc_hennessey": "#0072B2",
    "sc_trust_act": "#CC79A7",
    "sc_sanctuary": "#009E73",
    "pep_2015": "#999933",
    "eo_2017": "#000000",
}

# Detainer policies, as the county's jail applies them.
POLICY_LABELS = {name: policy.label for name, policy in POLICIES.items()}  # declared with each policy

# Groups of residents, as the reporters name them.
GROUP_LABELS = {
    "all": "Everyone",
    "hispanic": "Hispanic",
    "undocumented": "Undocumented",
    "lpr": "Lawful permanent residents",
    "hispanic_citizen": "Hispanic citizens",
    "hispanic_us_born": "US-born Hispanic",
    "hispanic_adults": "Hispanic adults",
    "hispanic_second_generation": "US-born Hispanic adults with an immigrant parent",
    "hispanic_third_generation": "US-born Hispanic adults with US-born parents",
    "non_hispanic": "Non-Hispanic",
}
GROUP_COLORS = {  # undocumented and lawful permanent residents as the page colours their status
    "all": "#000000",
    "hispanic": "#7F0000",
    "undocumented": "#D55E00",
    "lpr": "#CC79A7",
    "hispanic_citizen": "#0072B2",
    "hispanic_us_born": "#999933",
    "hispanic_adults": "#7F0000",
    "hispanic_second_generation": "#56B4E9",
    "hispanic_third_generation": "#332288",
    "non_hispanic": "#009E73",
}

# Legal status of residents (agents.codes.Status), as the page colours them.
STATUS_LABELS = {"us_born": "US-born citizen", "naturalized": "naturalized citizen",
                 "lpr": "lawful permanent resident", "undocumented": "undocumented"}
STATUS_COLORS = {"us_born": "#0072B2", "naturalized": "#009E73", "lpr": "#CC79A7", "undocumented": "#D55E00"}

# Where a resident is (agents.codes.Custody), as the page rings them: (label, ring colour).
CUSTODY_LABELS = {"free": "free", "jailed": "in the county jail", "held": "held on an ICE detainer",
                  "ice": "in ICE detention", "removed": "removed (deported)"}
CUSTODY_COLORS = {"free": "none", "jailed": "#000000", "held": "#D62728", "ice": "#7F0000", "removed": "none"}

# A resident's record (agents.codes.RECORD_COLUMNS), as the page's resident inspector reads it.
RECORD_LABELS = {"felony": "felony convictions", "misdemeanor": "misdemeanor convictions",
                 "serious_violent": "of them serious or violent", "significant_misdemeanor": "significant misdemeanors "
                 "(DUI, domestic violence)", "wobbler": "misdemeanors chargeable as felonies",
                 "listed_felony": "felonies on the TRUST Act's list", "prior_removal": "removals from the US",
                 "final_order": "outstanding final order of removal"}

# ICE's doors and the SC-era priority levels.
DOOR_LABELS = {"sc": "Through the jail (SC)", "at_large": "At large, after a release",
               "background": "ICE's own operations"}
DOOR_COLORS = {"sc": "#D55E00", "at_large": "#CC79A7", "background": "#0072B2"}
LEVEL_LABELS = {"level1": "Level 1", "level2": "Level 2", "level3": "Level 3", "noncriminal": "No conviction"}
LEVEL_COLORS = {"level1": "#7F0000", "level2": "#D55E00", "level3": "#CC79A7", "noncriminal": "#777777"}

# Age groups (agents.codes.AGE_GROUPS), young to old.
AGE_LABELS = {"under_18": "Under 18", "18_24": "18-24", "25_34": "25-34", "35_44": "35-44", "45_54": "45-54",
              "55_plus": "55 and over"}
AGE_COLORS = {"under_18": "#F0E442", "18_24": "#E69F00", "25_34": "#D55E00", "35_44": "#CC79A7",
              "45_54": "#0072B2", "55_plus": "#999999"}

# Where the case of a person's latest booking stands (agents.codes.CHARGE_NAMES), e.g. at a removal.
CHARGE_LABELS = {"convicted": "Convicted on the charge", "pending": "Charge not yet decided",
                 "not_convicted": "Charge dismissed or acquitted", "no_charge": "No booking (ICE's own operations)"}
CHARGE_COLORS = {"convicted": "#7F0000", "pending": "#E69F00", "not_convicted": "#56B4E9", "no_charge": "#999999"}

# Offenses (agents.codes.Offense), as the reports name the charge of a booking.
OFFENSE_LABELS = {"violent": "a violent offense", "property": "a property offense", "drug": "a drug offense",
                  "dui": "driving under the influence", "public_order": "a public-order offense",
                  "traffic": "a traffic offense"}

# The pathway's stages, from arrest to the family left behind (the funnel). Declined detainers share
# the colour of issued ones (drawn dashed): the lesson compares the two lines.
STAGE_COLORS = {"arrests": "#777777", "ident_matches": "#0072B2", "detainers_issued": "#E69F00",
                "detainers_declined": "#E69F00", "ice_pickups": "#CC79A7", "removals": "#7F0000",
                "separations": "#009E73"}

# The event log's stages (model.metrics.STAGES), as one resident's story reads them.
EVENT_LABELS = {
    "arrest": "arrested",
    "booking": "booked into the county jail; fingerprints sent to the FBI",
    "match": "fingerprints matched a record in DHS's database (IDENT)",
    "detainer": "ICE sent the jail a detainer",
    "honored": "the jail held them for ICE (detainer honored)",
    "declined": "the jail declined the detainer and released them",
    "turned_away": "ICE turned them away for lack of room",
    "lapsed": "the hold lapsed (ICE did not come) and the jail released them",
    "pickup": "picked up by ICE at the jail",
    "at_large_arrest": "arrested by ICE at large (at home, at work or at court)",
    "background_arrest": "arrested in ICE's own operations",
    "removal": "removed (deported)",
    "voluntary_departure": "left the country under voluntary departure (no removal order)",
    "ice_release": "released from ICE custody on bond or recognizance; the immigration case goes on",
    "discretion": "ICE closed the case (prosecutorial discretion)",
    "termination": "the immigration judge terminated the case or the person won it",
    "relief": "granted relief by an immigration judge (now a lawful permanent resident)",
    "citizen_release": "released by ICE: a US citizen",
    "separation": "the removal left family behind in the county",
    "reunification": "back with family from foster care",
    "re_entry": "came back to the county after removal",
}

# The named rules the event log records (why a detainer was held or declined, why ICE took someone),
# in words: the county policies' and ICE regimes' own texts, and the model's other reasons.
RULE_LABELS = {
    **{rule.name: rule.text for policy in POLICIES.values() for rule, _ in policy.rules},
    **{rule.name: rule.text for regime in REGIMES.values() for rule in regime.ranks},
    "background_decline": "declined for a reason outside the county's policy, as jails everywhere decline a few",
    "no_pickup": "ICE did not come for them in time",
    "capacity": "ICE had no room left",
    "detainer": "held on the detainer (no priority of the regime applies)",
    "removal_order": "ordered removed by an immigration judge at the hearing",
}

# Fear channels: declared with their mechanism in model.hearing.CHANNELS.
CHANNEL_LABELS = {c.name: c.label for c in CHANNELS}
CHANNEL_COLORS = {c.name: c.colour for c in CHANNELS}

assert set(PRESET_ORDER) == set(PRESETS) == set(PRESET_SHORT) == set(PRESET_LABELS) == set(PRESET_COLORS)
assert set(DOOR_LABELS) == set(DOORS)
assert set(LEVEL_LABELS) == set(LEVEL_NAMES.values()) == set(LEVEL_COLORS)
assert set(CHARGE_LABELS) == set(CHARGE_NAMES.values()) == set(CHARGE_COLORS)
assert tuple(AGE_LABELS) == AGE_GROUPS and set(AGE_COLORS) == set(AGE_GROUPS)
assert set(DOOR_COLORS) == set(DOORS) and set(CHANNEL_COLORS) == set(CHANNEL_LABELS)
assert set(CUSTODY_LABELS) == set(CUSTODY_COLORS) == {c.name.lower() for c in Custody}
assert set(RECORD_LABELS) == set(RECORD_COLUMNS)
assert set(GROUP_LABELS) == set(GROUP_COLORS)
assert set(OFFENSE_LABELS) == set(OFFENSE_NAMES) and set(STATUS_LABELS) == set(STATUS_COLORS) == {
    s.name.lower() for s in Status}


def preset_order(names) -> list:
    """The given preset names in policy order (unknown names last, as given)."""
    known = [p for p in PRESET_ORDER if p in set(names)]
    return known + [n for n in names if n not in PRESET_ORDER]
