"""One vocabulary for people: readable names and colours of presets, groups, doors, levels and
policies, shared by the reports (``experiments``) and the visualizer (``viz``, ``app.py``).

Presets are listed in policy order (from no program, through the county's choices, to the later
federal regimes), never alphabetically. Colours are colour-blind safe (Okabe-Ito) and fixed per
item, so a preset or a group has the same colour in every figure and on the page.
"""

from agents.codes import AGE_GROUPS, CHARGE_NAMES, DOORS, LEVEL_NAMES, OFFENSE_NAMES, Status
from agents.policies import POLICIES

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
PRESET_COLORS = {
    "pre_sc": "#999999",
    "sc_full": "#D55E00",
    "sc_hennessey": "#E69F00",
    "sc_trust_act": "#F0E442",
    "sc_sanctuary": "#009E73",
    "pep_2015": "#56B4E9",
    "eo_2017": "#0072B2",
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
GROUP_COLORS = {
    "all": "#000000",
    "hispanic": "#CC79A7",
    "undocumented": "#D55E00",
    "lpr": "#E69F00",
    "hispanic_citizen": "#0072B2",
    "hispanic_us_born": "#56B4E9",
    "hispanic_adults": "#CC79A7",
    "hispanic_second_generation": "#0072B2",
    "hispanic_third_generation": "#56B4E9",
    "non_hispanic": "#009E73",
}

# Legal status of residents (agents.codes.Status), as the page colours them.
STATUS_LABELS = {"us_born": "US-born citizen", "naturalized": "naturalized citizen",
                 "lpr": "lawful permanent resident", "undocumented": "undocumented"}
STATUS_COLORS = {"us_born": "#0072B2", "naturalized": "#009E73", "lpr": "#E69F00", "undocumented": "#D55E00"}

# ICE's doors and the SC-era priority levels.
DOOR_LABELS = {"sc": "Through the jail (SC)", "at_large": "At large, after a release",
               "background": "ICE's own operations"}
DOOR_COLORS = {"sc": "#D55E00", "at_large": "#CC79A7", "background": "#0072B2"}
LEVEL_LABELS = {"level1": "Level 1", "level2": "Level 2", "level3": "Level 3", "noncriminal": "No conviction"}
LEVEL_COLORS = {"level1": "#7F0000", "level2": "#D55E00", "level3": "#E69F00", "noncriminal": "#999999"}

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

# The pathway's stages, from arrest to the family left behind (the funnel).
STAGE_COLORS = {"arrests": "#555555", "ident_matches": "#0072B2", "detainers_issued": "#E69F00",
                "detainers_declined": "#56B4E9", "ice_pickups": "#D55E00", "removals": "#7F0000",
                "separations": "#CC79A7"}

# Fear channels: declared with their mechanism in model.hearing.CHANNELS.
CHANNEL_LABELS = {c.name: c.label for c in CHANNELS}
CHANNEL_COLORS = {c.name: c.colour for c in CHANNELS}

assert set(PRESET_ORDER) == set(PRESETS) == set(PRESET_SHORT) == set(PRESET_LABELS) == set(PRESET_COLORS)
assert set(DOOR_LABELS) == set(DOORS)
assert set(LEVEL_LABELS) == set(LEVEL_NAMES.values()) == set(LEVEL_COLORS)
assert set(CHARGE_LABELS) == set(CHARGE_NAMES.values()) == set(CHARGE_COLORS)
assert tuple(AGE_LABELS) == AGE_GROUPS and set(AGE_COLORS) == set(AGE_GROUPS)
assert set(DOOR_COLORS) == set(DOORS) and set(GROUP_LABELS) == set(GROUP_COLORS)
assert set(OFFENSE_LABELS) == set(OFFENSE_NAMES) and set(STATUS_LABELS) == set(STATUS_COLORS) == {
    s.name.lower() for s in Status}


def preset_order(names) -> list:
    """The given preset names in policy order (unknown names last, as given)."""
    known = [p for p in PRESET_ORDER if p in set(names)]
    return known + [n for n in names if n not in PRESET_ORDER]
