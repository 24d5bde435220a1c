"""The synthetic county: residents in households, with status, ethnicity, sex and record.

Households are drawn by the legal status of their head so that the county's shares of
residents by status match the parameters, with household types, mixed-status couples and
citizen children of undocumented parents taken from the calibration inputs.
"""

from dataclasses import dataclass

import numpy as np

from agents.codes import FELONY_SHARE, Offense, Status, conviction_columns

COUPLE_KIDS, SINGLE_PARENT, COUPLE, SINGLE = range(4)
# Offense mix of arrests (FBI UCR 2010/2012): violent 4%, property 10%, DUI 10%, drugs 13%,
# the rest minor (public order, traffic-related).
ARREST_MIX = {Offense.VIOLENT: 0.04, Offense.PROPERTY: 0.10, Offense.DRUG: 0.13,
              Offense.DUI: 0.10, Offense.PUBLIC_ORDER: 0.45, Offense.TRAFFIC: 0.18}


@dataclass
class County:
    """Per-resident arrays (index = resident id = graph node) and household membership."""

    status: np.ndarray
    hispanic: np.ndarray
    female: np.ndarray
    adult: np.ndarray
    household_of: np.ndarray
    household_start: np.ndarray  # members of household h are household_start[h]:household_start[h+1]
    neighborhood: np.ndarray
    propensity: np.ndarray
    in_ident: np.ndarray
    record: np.ndarray  # (n, 4) convictions by severity, see agents.codes.RECORD_COLUMNS
    parent_of_citizen_child: np.ndarray


def _type_probs(params: dict) -> np.ndarray:
    """Household type probabilities, rows by head status (US-born, naturalized, LPR, undocumented)."""
    rows = []
    for group in ("us_born", "legal_immigrant", "legal_immigrant", "undocumented"):
        ck = params[f"couples_with_children_share_{group}"]
        sp, sa = params["single_parent_share"], params["single_adult_share"]
        rows.append([ck, sp, max(0.0, 1.0 - ck - sp - sa), sa])
    return np.array(rows)


def household_head_rates(params: dict) -> np.ndarray:
    """Households per resident by head status, solved so residents' status shares match.

    Raises ValueError when no mix of households reaches the requested composition.
    """
    types = _type_probs(params)
    partners = types[:, COUPLE_KIDS] + types[:, COUPLE]
    kids = params["mean_children"] * (types[:, COUPLE_KIDS] + types[:, SINGLE_PARENT])
    adults = 1.0 + partners
    q = params["undocumented_partner_citizen_prob"]
    c = params["citizen_child_share_undocumented_parents"]
    u = Status.UNDOCUMENTED
    # expected residents of each status (rows) per household of each head status (columns)
    m = np.zeros((4, 4))
    m[Status.US_BORN] = [adults[0] + kids[0], kids[1], kids[2], partners[u] * q + kids[u] * c]
    m[Status.NATURALIZED, Status.NATURALIZED] = adults[1]
    m[Status.LPR, Status.LPR] = adults[2]
    m[u, u] = 1.0 + partners[u] * (1 - q) + kids[u] * (1 - c)
    target = np.array([0.0, params["share_naturalized"], params["share_lpr"], params["share_undocumented"]])
    target[0] = 1.0 - target[1:].sum()
    rates = np.linalg.solve(m, target)
    if np.any(rates < -1e-12):
        raise ValueError("share_undocumented, share_lpr and share_naturalized cannot be reached: the "
                         "citizen children of immigrant households alone exceed the US-born share "
                         f"(US-born share {target[0]:.3f}); lower the immigrant shares")
    return np.clip(rates, 0.0, None)


def build_county(params: dict, rng: np.random.Generator) -> County:
    """Draw the county's residents and households from the parameters."""
    n = params["n_residents"]
    rates = household_head_rates(params)
    n_draw = int(np.ceil(n * rates.sum() * 1.2)) + 10
    head = rng.choice(4, size=n_draw, p=rates / rates.sum())
    cumulative = np.cumsum(_type_probs(params)[head], axis=1)
    htype = np.minimum((rng.random(n_draw)[:, None] > cumulative).sum(axis=1), 3)
    has_partner = (htype == COUPLE_KIDS) | (htype == COUPLE)
    has_kids = (htype == COUPLE_KIDS) | (htype == SINGLE_PARENT)
    n_kids = np.where(has_kids, 1 + rng.poisson(params["mean_children"] - 1.0, n_draw), 0)
    size = 1 + has_partner + n_kids
    # keep households until the county is full; the last one is cut to fit
    cum = np.cumsum(size)
    n_households = int(np.searchsorted(cum, n) + 1)
    size = size[:n_households].copy()
    size[-1] -= cum[n_households - 1] - n
    head, htype, has_partner = head[:n_households], htype[:n_households], has_partner[:n_households]

    household_of = np.repeat(np.arange(n_households), size)
    household_start = np.concatenate([[0], np.cumsum(size)])
    pos = np.arange(n) - household_start[household_of]
    hhead = head[household_of]
    is_partner = (pos == 1) & has_partner[household_of]
    adult = (pos == 0) | is_partner

    undoc_head = hhead == Status.UNDOCUMENTED
    status = hhead.astype(np.int8)
    draw = rng.random(n)
    partner_citizen = is_partner & undoc_head & (draw < params["undocumented_partner_citizen_prob"])
    status[partner_citizen] = Status.US_BORN
    child = ~adult
    child_citizen = child & (~undoc_head | (draw < params["citizen_child_share_undocumented_parents"]))
    status[child & child_citizen] = Status.US_BORN
    status[child & ~child_citizen] = Status.UNDOCUMENTED

    hisp_share = np.where(head == Status.UNDOCUMENTED, params["hispanic_share_undocumented"],
                          params["hispanic_share_others"])
    hispanic = (rng.random(n_households) < hisp_share)[household_of]

    female_share = np.where(status == Status.UNDOCUMENTED, params["female_share_undocumented_adults"], 0.5)
    female = rng.random(n) < female_share
    head_female = female[household_start[:-1]][household_of]
    female[is_partner] = ~head_female[is_partner]  # couples: one man, one woman
    female[child] = rng.random(int(child.sum())) < 0.5

    citizen_child = child & (status != Status.UNDOCUMENTED)
    has_citizen_child = np.bincount(household_of, weights=citizen_child, minlength=n_households) > 0
    parent_of_citizen_child = adult & has_citizen_child[household_of]

    neighborhood = _assign_neighborhoods(params, rng, head, hispanic[household_start[:-1]], size)[household_of]

    sigma = params["offending_concentration"]
    propensity = rng.lognormal(-sigma**2 / 2, sigma, n)
    propensity *= np.where(female, 1.0, params["male_offending_ratio"])
    propensity[~adult] = 0.0
    if propensity.sum() > 0:
        propensity *= adult.sum() / propensity.sum()  # mean 1 over adults

    ident_share = np.select([status == Status.UNDOCUMENTED, status == Status.US_BORN],
                            [params["ident_share_undocumented"], 0.0], params["ident_share_legal_immigrants"])
    in_ident = rng.random(n) < ident_share

    record = _prior_records(params, rng, propensity)
    return County(status, hispanic, female, adult, household_of.astype(np.int32), household_start,
                  neighborhood.astype(np.int32), propensity, in_ident, record, parent_of_citizen_child)


def _assign_neighborhoods(params, rng, head, hispanic, size):
    """Sort households along a segregation score, then cut into neighborhoods of equal size."""
    seg = params["segregation"]
    immigrant = head != Status.US_BORN
    score = seg * (0.7 * hispanic + 0.3 * immigrant) + (1 - seg) * rng.random(len(head))
    order = np.argsort(score, kind="stable")
    residents_before = np.concatenate([[0], np.cumsum(size[order])[:-1]])
    nb = np.empty(len(head), dtype=np.int64)
    nb[order] = residents_before // params["neighborhood_size"]
    return nb


def _prior_records(params, rng, propensity):
    """Convictions from years of offending before the run starts."""
    n = len(propensity)
    record = np.zeros((n, 4), dtype=np.int16)
    annual = (params["violent_victimization_rate"] * params["reporting_prob_violent"]
              * params["clearance_prob_violent"] + params["property_victimization_rate"]
              * params["reporting_prob_property"] * params["clearance_prob_property"]
              + params["proactive_arrest_rate"])
    expected = annual * params["prior_record_years"] * params["conviction_prob"] * propensity
    counts = rng.poisson(expected)
    people = np.repeat(np.arange(n), counts)
    offenses = rng.choice(len(ARREST_MIX), size=len(people), p=list(ARREST_MIX.values()))
    felony = rng.random(len(people)) < np.array([FELONY_SHARE[Offense(o)] for o in range(6)])[offenses]
    for off in range(6):
        for fel in (False, True):
            mask = (offenses == off) & (felony == fel)
            for column in conviction_columns(off, fel):
                np.add.at(record[:, column], people[mask], 1)
    return record
