"""The synthetic county: residents in households, with status, ethnicity, sex, record and
immigration history.

Households are drawn by the legal status of their head so that the county's shares of
residents by status match the parameters, with household types, mixed-status couples and
citizen children of undocumented parents taken from the calibration inputs. Prior records come
from the same offending, reporting, clearance and stop processes as the run's arrests, so the
record at week 0 looks like what the years before would have produced.
"""

from dataclasses import dataclass

import numpy as np

from agents.codes import (
    AGE_DTYPE,
    FELONY_SHARE,
    FINAL_ORDER,
    NEVER,
    PRIOR_REMOVAL,
    RECORD_COLUMNS,
    RECORD_DTYPE,
    RECORD_MAX,
    WEEK_DTYPE,
    WEEKS_PER_YEAR,
    WOBBLER_OFFENSES,
    Offense,
    Status,
    conviction_columns,
    offending_by_age,
)
from agents.police import CITABLE, STOP_MIX

COUPLE_KIDS, SINGLE_PARENT, COUPLE, SINGLE = range(4)


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
    record: np.ndarray  # (n, columns) counts, see agents.codes.RECORD_COLUMNS
    record_week: np.ndarray  # (n, columns) week of the latest entry in each column (NEVER if none)
    parent_of_citizen_child: np.ndarray
    second_generation: np.ndarray  # US-born adults with an immigrant parent (Pew's second generation)
    age: np.ndarray  # years (agents.codes.AGE_DTYPE)
    base_propensity: np.ndarray  # propensity before the age-crime curve (``propensity`` at each age)


def _type_probs(params) -> np.ndarray:
    """Household type probabilities, rows by head status (US-born, naturalized, LPR, undocumented)."""
    rows = []
    for group in ("us_born", "legal_immigrant", "legal_immigrant", "undocumented"):
        ck = getattr(params, f"couples_with_children_share_{group}")
        sp, sa = params.single_parent_share, params.single_adult_share
        rows.append([ck, sp, max(0.0, 1.0 - ck - sp - sa), sa])
    return np.array(rows)


def household_head_rates(params) -> np.ndarray:
    """Households per resident by head status, solved so residents' status shares match.

    Raises ValueError when no mix of households reaches the requested composition.
    """
    types = _type_probs(params)
    partners = types[:, COUPLE_KIDS] + types[:, COUPLE]
    kids = params.mean_children * (types[:, COUPLE_KIDS] + types[:, SINGLE_PARENT])
    adults = 1.0 + partners
    q = params.undocumented_partner_citizen_prob
    c = params.citizen_child_share_undocumented_parents
    u = Status.UNDOCUMENTED
    # expected residents of each status (rows) per household of each head status (columns)
    m = np.zeros((4, 4))
    m[Status.US_BORN] = [adults[0] + kids[0], kids[1], kids[2], partners[u] * q + kids[u] * c]
    m[Status.NATURALIZED, Status.NATURALIZED] = adults[1]
    m[Status.LPR, Status.LPR] = adults[2]
    m[u, u] = 1.0 + partners[u] * (1 - q) + kids[u] * (1 - c)
    target = np.array([0.0, params.share_naturalized, params.share_lpr, params.share_undocumented])
    target[0] = 1.0 - target[1:].sum()
    rates = np.linalg.solve(m, target)
    if np.any(rates < -1e-12):
        raise ValueError("share_undocumented, share_lpr and share_naturalized cannot be reached: the "
                         "citizen children of immigrant households alone exceed the US-born share "
                         f"(US-born share {target[0]:.3f}); lower the immigrant shares")
    return np.clip(rates, 0.0, None)


def build_county(params, rng: np.random.Generator) -> County:
    """Draw the county's residents and households from the parameters."""
    n = params.n_residents
    rates = household_head_rates(params)
    n_draw = int(np.ceil(n * rates.sum() * 1.2)) + 10
    head = rng.choice(4, size=n_draw, p=rates / rates.sum())
    cumulative = np.cumsum(_type_probs(params)[head], axis=1)
    htype = np.minimum((rng.random(n_draw)[:, None] > cumulative).sum(axis=1), 3)
    has_partner = (htype == COUPLE_KIDS) | (htype == COUPLE)
    has_kids = (htype == COUPLE_KIDS) | (htype == SINGLE_PARENT)
    n_kids = np.where(has_kids, 1 + rng.poisson(params.mean_children - 1.0, n_draw), 0)
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
    partner_citizen = is_partner & undoc_head & (draw < params.undocumented_partner_citizen_prob)
    status[partner_citizen] = Status.US_BORN
    child = ~adult
    child_citizen = child & (~undoc_head | (draw < params.citizen_child_share_undocumented_parents))
    status[child & child_citizen] = Status.US_BORN
    status[child & ~child_citizen] = Status.UNDOCUMENTED

    hisp_share = np.where(head == Status.UNDOCUMENTED, params.hispanic_share_undocumented,
                          params.hispanic_share_others)
    hispanic = (rng.random(n_households) < hisp_share)[household_of]

    female = _draw_sex(params, rng, status, adult, is_partner, household_start, household_of)
    age = _draw_ages(params, rng, head, has_kids[:n_households], household_of, household_start, is_partner, female)

    citizen_child = child & (status != Status.UNDOCUMENTED)
    has_citizen_child = np.bincount(household_of, weights=citizen_child, minlength=n_households) > 0
    parent_of_citizen_child = adult & has_citizen_child[household_of]

    neighborhood = _assign_neighborhoods(params, rng, head, hispanic[household_start[:-1]], size)[household_of]

    sigma = params.offending_concentration
    base = rng.lognormal(-sigma**2 / 2, sigma, n) * np.where(female, 1.0, params.male_offending_ratio)
    propensity = base * offending_by_age(age)  # the age-crime curve; children do not offend
    offenders = propensity > 0
    if propensity.sum() > 0:
        scale = offenders.sum() / propensity.sum()  # mean 1 over residents of offending age
        propensity *= scale
        base *= scale

    ident_share = np.select([status == Status.UNDOCUMENTED, status == Status.US_BORN],
                            [params.ident_share_undocumented, 0.0], params.ident_share_legal_immigrants)
    in_ident = rng.random(n) < ident_share

    record, record_week = _prior_records(params, rng, propensity, adult, status)
    history = _immigration_history(params, rng, record, record_week, adult & (status == Status.UNDOCUMENTED))
    in_ident |= history  # a removal or a removal order enrolled the person's biometrics
    share = np.where(hispanic, params.second_generation_share_hispanic, params.second_generation_share_others)
    second_generation = adult & (status == Status.US_BORN) & (rng.random(n) < share)
    return County(status, hispanic, female, adult, household_of.astype(np.int32), household_start,
                  neighborhood.astype(np.int32), propensity, in_ident, record, record_week,
                  parent_of_citizen_child, second_generation, age, base)


PARENT_AGES = (20, 55)  # assumption: the ages at which a household head has children at home
PARTNER_GAP_YEARS = 2  # assumption: a man is this much older than his partner on average (spread 3)


def _draw_ages(params, rng, head, has_kids, household_of, household_start, is_partner, female):
    """Ages in years. Household heads by legal status (normal around the status's median adult age,
    clipped to 18-90, which keeps the median): a head with children at home is 20-55 (redrawn until
    so); a partner is close in age (the man older by ``PARTNER_GAP_YEARS`` on average); children are
    0-17 and at least 18 years younger than the head, at most 45."""
    median = np.select([head == Status.UNDOCUMENTED, head == Status.US_BORN],
                       [params.median_age_undocumented_adults, params.median_age_us_born_adults],
                       params.median_age_legal_immigrant_adults)
    spread = np.where(head == Status.UNDOCUMENTED, params.age_spread_undocumented, params.age_spread_others)
    head_age = np.clip(np.rint(rng.normal(median, spread)), 18, 90)
    low, high = PARENT_AGES
    redraw = has_kids & ((head_age < low) | (head_age > high))
    for _ in range(20):  # a few passes over the households still out of range, never over residents
        if not redraw.any():
            break
        head_age[redraw] = np.clip(np.rint(rng.normal(median[redraw], spread[redraw])), 18, 90)
        redraw = has_kids & ((head_age < low) | (head_age > high))
    head_age[redraw] = np.clip(head_age[redraw], low, high)
    n = len(household_of)
    parent = head_age[household_of]
    first = household_start[:-1][household_of]
    is_head = np.arange(n) == first
    age = parent.copy()
    gap = np.where(female[first], PARTNER_GAP_YEARS, -PARTNER_GAP_YEARS)  # the partner is the other sex
    age[is_partner] = np.maximum(18, parent[is_partner] + np.rint(rng.normal(gap[is_partner], 3.0)))
    child = ~is_head & ~is_partner
    youngest, oldest = np.maximum(0, parent[child] - 45), np.minimum(17, parent[child] - 18)
    age[child] = youngest + np.floor(rng.random(int(child.sum())) * (oldest - youngest + 1))
    return age.astype(AGE_DTYPE)


def _draw_sex(params, rng, status, adult, is_partner, household_start, household_of):
    """Sex of each resident. Couples are one man and one woman. Undocumented adults outside an
    all-undocumented couple (single adults, single parents, partners of citizens) are women with
    the share that brings all undocumented adults to ``female_share_undocumented_adults``
    (Passel, Pew 2013: 40%); everyone else is a woman with probability 0.5."""
    n = len(status)
    undocumented = status == Status.UNDOCUMENTED
    head = household_start[:-1][household_of]  # each resident's household head
    partner_undocumented = np.zeros(n, dtype=bool)
    partner_undocumented[head[is_partner]] = undocumented[is_partner]
    is_head = np.arange(n) == head
    in_undocumented_couple = is_head & undocumented & partner_undocumented  # heads of such couples
    paired = int(in_undocumented_couple.sum()) * 2  # undocumented adults in all-undocumented couples
    others = is_head & undocumented & ~in_undocumented_couple  # the rest of the undocumented adults
    n_others = int(others.sum())
    target = params.female_share_undocumented_adults * (paired + n_others)
    share_others = float(np.clip((target - 0.5 * paired) / n_others, 0.0, 1.0)) if n_others else 0.5
    female = rng.random(n) < np.where(others, share_others, 0.5)
    female[is_partner] = ~female[head[is_partner]]  # couples: one man, one woman
    return female


def victim_reporting_scale(params, undocumented_share: float) -> float:
    """The mean factor on victims' baseline reporting before the program: undocumented victims
    report ``undocumented_reporting_ratio`` as often, and offenders who respond to silence pick,
    with probability ``offender_response_strength``, the least likely to report of
    ``victim_candidates`` candidates (so an undocumented one whenever there is one)."""
    u, r = undocumented_share, params.undocumented_reporting_ratio
    at_random = 1.0 - u * (1.0 - r)
    if not params.offenders_target_nonreporters:
        return at_random
    none_undocumented = (1.0 - u) ** params.victim_candidates
    targeted = r * (1.0 - none_undocumented) + none_undocumented
    s = params.offender_response_strength
    return (1.0 - s) * at_random + s * targeted


def _rates_per_adult_year(params, status, adult):
    """Expected arrests per adult a year by (offense, felony), as the run makes them: reported and
    cleared violent and property crimes, and proactive stops less citations. Victimization and
    stop rates are per resident; offending is by adults, hence the factor residents / adults."""
    n, n_adults = len(status), max(int(adult.sum()), 1)
    per_adult = n / n_adults
    reporting_scale = victim_reporting_scale(params, float(np.mean(status == Status.UNDOCUMENTED)))
    by_offense = {
        Offense.VIOLENT: params.violent_victimization_rate * params.reporting_prob_violent
        * params.clearance_prob_violent * reporting_scale,
        Offense.PROPERTY: params.property_victimization_rate * params.reporting_prob_property
        * params.clearance_prob_property * reporting_scale,
    }
    stops = params.proactive_arrest_rate * params.policing_intensity
    stop_total = sum(STOP_MIX.values())
    for offense, share in STOP_MIX.items():
        booked = 1.0 - (params.cite_release_prob if offense in CITABLE else 0.0)
        by_offense[offense] = stops * share / stop_total * booked
    rates = np.zeros((len(Offense), 2))
    for offense, rate in by_offense.items():
        f = FELONY_SHARE[offense]
        rates[offense] = [rate * (1 - f) * per_adult, rate * f * per_adult]
    return rates


SPIN_UP_CRIME_WEEKS = 26  # the last weeks of the spin-up run crime, arrests and the jail (model.spin_up)


def simulated_record_weeks(params) -> int:
    """The weeks before week 0 whose convictions the spin-up simulates (the rest are drawn at build)."""
    return min(params.spin_up_weeks, SPIN_UP_CRIME_WEEKS, params.prior_record_years * WEEKS_PER_YEAR)


def _prior_records(params, rng, propensity, adult, status):
    """Convictions from ``prior_record_years`` of offending before week 0, less the weeks the spin-up
    simulates, per adult in proportion to propensity, with the run's offense mix, felony shares,
    conviction and wobbler chances; each dated uniformly over those weeks."""
    n, k = len(propensity), len(RECORD_COLUMNS)
    record = np.zeros((n, k), dtype=RECORD_DTYPE)
    record_week = np.full((n, k), NEVER, dtype=WEEK_DTYPE)
    rates = _rates_per_adult_year(params, status, adult)
    simulated = simulated_record_weeks(params)
    weeks = params.prior_record_years * WEEKS_PER_YEAR - simulated
    expected = rates.sum() * weeks / WEEKS_PER_YEAR * params.conviction_prob * propensity
    counts = np.minimum(rng.poisson(expected), RECORD_MAX)
    people = np.repeat(np.arange(n), counts)
    kinds = rng.choice(rates.size, size=len(people), p=(rates / rates.sum()).ravel())
    offenses, felony = kinds // 2, (kinds % 2).astype(bool)
    wobbler_possible = ~felony & np.isin(offenses, list(WOBBLER_OFFENSES))
    wobbler = wobbler_possible & (rng.random(len(people)) < params.wobbler_share)
    when = 1 - simulated - rng.integers(1, weeks + 1, size=len(people)) if weeks else np.full(len(people), -1)
    for off in range(len(Offense)):
        for fel in (False, True):
            for wob in (False, True):
                mask = (offenses == off) & (felony == fel) & (wobbler == wob)
                if not mask.any():
                    continue
                for column in conviction_columns(off, fel, wob):
                    np.add.at(record[:, column], people[mask], 1)
                    np.maximum.at(record_week[:, column], people[mask], when[mask])
    return record, record_week


def _immigration_history(params, rng, record, record_week, eligible):
    """Prior removals and outstanding final orders among undocumented adults, dated uniformly over the
    years of history before the spin-up. Returns who has either."""
    start = params.spin_up_weeks - 1  # the spin-up's first week is 1 - spin_up_weeks
    weeks = max(params.prior_record_years * WEEKS_PER_YEAR - start, WEEKS_PER_YEAR)
    n = len(eligible)
    history = np.zeros(n, dtype=bool)
    for column, share in ((PRIOR_REMOVAL, params.prior_removal_share_undocumented),
                          (FINAL_ORDER, params.final_order_share_undocumented)):
        has = eligible & (rng.random(n) < share)
        record[has, column] = 1
        record_week[has, column] = -start - rng.integers(1, weeks + 1, size=int(has.sum()))
        history |= has
    return history


def _assign_neighborhoods(params, rng, head, hispanic, size):
    """Sort households along a segregation score, then cut into neighborhoods of equal size."""
    seg = params.segregation
    immigrant = head != Status.US_BORN
    score = seg * (0.7 * hispanic + 0.3 * immigrant) + (1 - seg) * rng.random(len(head))
    order = np.argsort(score, kind="stable")
    residents_before = np.concatenate([[0], np.cumsum(size[order])[:-1]])
    nb = np.empty(len(head), dtype=np.int64)
    nb[order] = residents_before // params.neighborhood_size
    return nb
