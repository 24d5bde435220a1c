"""A week of crime for the whole county at once: offending, victims, reporting, witnesses.

Only the rare events (a reported crime, a stop that finds an offense) are handed to the
police agents; everything that touches every resident is a numpy operation.
"""

import numpy as np

from agents.codes import FELONY_SHARE, WEEKS_PER_YEAR, Custody, Offense, Status
from agents.police import STOP_MIX

from .kernels import offending_sums
from .network import gather_rows

_STOP_TYPES = np.array(list(STOP_MIX), dtype=np.int64)
_STOP_P = np.array(list(STOP_MIX.values())) / sum(STOP_MIX.values())
# The stop mix's cumulative shares, normalized as numpy's ``Generator.choice(p=...)`` normalizes them: a
# uniform draw's place in it picks an offense with the same draws and the same result as ``choice``,
# without re-checking ``p`` on every call
_STOP_CDF = _STOP_P.cumsum()
_STOP_CDF /= _STOP_CDF[-1]
_FELONY_P = np.array([FELONY_SHARE[Offense(o)] for o in range(len(Offense))])


def reporting_probability(model) -> np.ndarray:
    """Each resident's chance of reporting a crime against them this week (the violent/property mix).

    Undocumented victims report less at baseline (Comino et al. 2020); a chilled victim cuts
    reporting by ``chill_reporting_effect``. Removed residents keep their last value, so a cohort
    can be followed without its composition changing.
    """
    p = model.params
    code = (model.status == Status.UNDOCUMENTED).view(np.uint8) * np.uint8(2)
    code += model.fear_process.chilled.view(np.uint8)
    return reporting_table(base_reporting(p), p.undocumented_reporting_ratio, p.chill_reporting_effect).take(code)


def reporting_table(base, undocumented_ratio, chill_effect) -> np.ndarray:
    """``base x reporting_scale`` for the four kinds of resident (undocumented or not, times chilled or not,
    at ``2 x undocumented + chilled``): the same operations, so the same numbers, as ``reporting_scale``
    resident by resident, for one gather instead of five passes over the county."""
    undocumented = np.array([False, False, True, True])
    chilled = np.array([False, True, False, True])
    return base * reporting_scale(np.where(undocumented, Status.UNDOCUMENTED, Status.US_BORN), chilled,
                                  undocumented_ratio, chill_effect)


def base_reporting(p) -> float:
    """The chance of reporting a crime of the county's violent/property mix, before status and fear."""
    violent, prop = p.violent_victimization_rate, p.property_victimization_rate
    return (violent * p.reporting_prob_violent + prop * p.reporting_prob_property) / max(violent + prop, 1e-12)


def victim_scale(model, who=slice(None)) -> np.ndarray:
    """The factor on a victim's baseline reporting: undocumented status and the chilled state."""
    p = model.params
    return reporting_scale(model.status[who], model.fear_process.chilled[who], p.undocumented_reporting_ratio,
                           p.chill_reporting_effect)


def reporting_scale(status, chilled, undocumented_ratio, chill_effect) -> np.ndarray:
    """``victim_scale`` of residents with these statuses and chilled states (the two parameters as numbers,
    or as one value per resident for several counties at once: the same result per resident)."""
    scale = np.where(status == Status.UNDOCUMENTED, undocumented_ratio, 1.0)
    return scale * (1.0 - chill_effect * chilled)


def _draw(model, cdf, k, who) -> np.ndarray:
    """``k`` residents drawn in proportion to the weights whose running sums are ``cdf`` (over the residents
    ``who``)."""
    return who[np.searchsorted(cdf, model.rng.random(k) * cdf[-1], side="right")]


class _Offending:
    """The residents who can offend (offending propensity above 0: adults, ``model.propensity``), with their
    propensity, neighborhood and weight in stops, kept until the propensities change (at birthdays, or a
    restored snapshot: ``model.propensity`` is then another array). A running sum over them alone has the
    values of the running sum over every resident at their places (the others add 0), so the same uniform
    picks the same resident, for two thirds of the work."""

    def __init__(self, model):
        self.source = model.propensity
        self.who = np.flatnonzero(model.propensity > 0)
        self.propensity = model.propensity[self.who]
        self.neighborhood = model.neighborhood[self.who]
        self.stop_weight = model.stop_weight[self.who]
        self.ones, self.no_pull = np.ones(len(self.who)), np.ones(len(model.nb_counts))  # a factor of 1: none

    @staticmethod
    def of(model) -> "_Offending":
        kept = getattr(model, "_offending", None)
        if kept is None or kept.source is not model.propensity:
            kept = model._offending = _Offending(model)
        return kept


class _Offenders:
    """What a victim draw needs to know of each offender, looked up once a week: where their household
    members' and friends' row starts in ``model.victim_pool`` and how many there are (``tie_count``, 0 for
    none), and where their neighborhood's residents start there and how many there are."""

    def __init__(self, model, offenders):
        w = model.ties.local_weights
        self.tie_start = w.indptr[offenders]
        self.tie_count = w.indptr[offenders + 1] - self.tie_start  # O(offenders), not a pass over every resident
        self.has_ties = self.tie_count > 0
        nb = model.neighborhood[offenders]
        self.nb_start, self.nb_count = model.nb_offsets[nb] + len(w.indices), model.nb_counts[nb]


def victim_pool(ties, nb_order) -> np.ndarray:
    """Whom a victim is drawn among, as one array: every resident's household members and friends (their
    rows of ``ties.local_weights``), then the residents of each neighborhood in turn (``nb_order``)."""
    return np.concatenate([ties.local_weights.indices, nb_order])


def _candidates(model, who: _Offenders, rows) -> tuple:
    """A candidate victim for each offender in ``rows`` (an index array, or a slice for all): one of their
    ties (with probability ``victim_from_ties_prob``, if they have any) or, else, a resident of their
    neighborhood; and whether the draw that keeps a candidate for their age (``victim_weight``) turns them
    down. Four uniform draws per offender, taken from the generator in one call (the same numbers as four
    calls of the same size)."""
    has_ties = who.has_ties[rows]
    first, second, third, fourth = model.rng.random(4 * len(has_ties)).reshape(4, -1)
    from_ties = (first < model.params.victim_from_ties_prob) & has_ties
    tie = who.tie_start[rows] + (second * who.tie_count[rows]).astype(np.int64)
    local = who.nb_start[rows] + (third * who.nb_count[rows]).astype(np.int64)
    cand = model.victim_pool[np.where(from_ties, tie, local)]
    return cand, fourth >= model.victim_weight[cand]


VICTIM_DRAW_PASSES = 8  # redraws of a candidate victim turned down for their age (then the last one stands)
FEW_OFFENDERS = 20  # up to this many offenders in a week, their candidates are drawn one by one (``_few``)
FEW_REDRAWS = 16  # a pass of ``_passes`` with this many offenders or fewer left is drawn one by one (``_redraw``)


def _few(model, who: _Offenders, k: int, c: int) -> np.ndarray:
    """``choose_victims``'s candidates for a few offenders, in plain Python (``_redraw``): the same uniform
    draws, taken from the generator in the same calls, and the same candidates as the passes of
    ``_candidates`` (a small county's week has a handful of offenders, for whom a pass of numpy calls costs
    more than the arithmetic). tests/test_reach.py checks the two against each other."""
    cand = [[0] * c for _ in range(k)]
    for j in range(c):
        _redraw(model, who, cand, j, range(k), 1 + VICTIM_DRAW_PASSES)
    return np.array(cand, dtype=np.int64).reshape(k, c)


def _redraw(model, who: _Offenders, cand, j: int, redo, passes: int) -> None:
    """Up to ``passes`` passes of the candidate draw for column ``j`` of ``cand``, first over the offenders
    ``redo``, then over those turned down, each pass one offender at a time in plain Python: the uniforms
    and candidates of ``_candidates``'s passes."""
    rng, p_ties = model.rng, model.params.victim_from_ties_prob
    pool, weight = model.victim_pool.item, model.victim_weight.item  # one element as a Python number
    has_ties, tie_start, tie_count = who.has_ties.item, who.tie_start.item, who.tie_count.item
    nb_start, nb_count = who.nb_start.item, who.nb_count.item
    for _ in range(passes):
        r = len(redo)
        if r == 0:
            break
        u = rng.random(4 * r).tolist()  # as _candidates: four rows of r, one column per offender
        turned_down = []
        for q, i in enumerate(redo):
            if u[q] < p_ties and has_ties(i):
                at = tie_start(i) + int(u[r + q] * tie_count(i))
            else:
                at = nb_start(i) + int(u[2 * r + q] * nb_count(i))
            v = pool(at)
            cand[i][j] = v
            if u[3 * r + q] >= weight(v):
                turned_down.append(i)
        redo = turned_down


def choose_victims(model, offenders, report_prob) -> np.ndarray:
    """Victims from the offender's ties or neighborhood, as often as their age is victimized (NCVS: each
    candidate kept with probability ``model.victim_weight``). With the offender response on, an offender
    weighs ``victim_candidates`` candidates and, with probability ``offender_response_strength``,
    picks the one least likely to report (Comino et al. 2020); otherwise the first at hand."""
    p = model.params
    c = p.victim_candidates if p.offenders_target_nonreporters else 1
    k = len(offenders)
    who = _Offenders(model, offenders)
    if k <= FEW_OFFENDERS:
        cand = _few(model, who, k, c)
    else:
        cand = _passes(model, who, k, c)
    if c == 1:
        return cand[:, 0]
    valid = (model.custody[cand] == Custody.FREE) & (cand != offenders[:, None])
    score = np.where(valid, report_prob[cand], np.inf)
    targeted = model.rng.random(k) < p.offender_response_strength
    pick = np.where(targeted, np.argmin(score, axis=1), 0)
    return cand[np.arange(k), pick]


def _passes(model, who: _Offenders, k: int, c: int) -> np.ndarray:
    """``choose_victims``'s candidates, column by column, each in passes over the offenders left."""
    cand = np.empty((k, c), dtype=np.int64)
    for j in range(c):
        # victimization follows age (NCVS): a candidate is kept in proportion to the victimization rate of
        # their age, else drawn again (a few passes over the candidates left, never over residents)
        cand[:, j], turned_down = _candidates(model, who, slice(None))
        redo = np.flatnonzero(turned_down)
        for done in range(VICTIM_DRAW_PASSES):
            if len(redo) <= FEW_REDRAWS:  # the few left: one by one, the same draws
                _redraw(model, who, cand, j, redo.tolist(), VICTIM_DRAW_PASSES - done)
                break
            cand[redo, j], turned_down = _candidates(model, who, redo)
            redo = redo[turned_down]
    return cand


def deters(p) -> bool:
    """Whether offenders respond to silence in the county's neighborhoods (``deterrence`` is not None)."""
    return bool(p.offenders_target_nonreporters and p.offending_deterrence_elasticity != 0)


def deterrence(model, free, report_prob):
    """The pull of silence on offending in each neighborhood, ``(q / q0) ** -offending_deterrence_elasticity``
    where q is the neighborhood's mean chance of reporting now and q0 before the program; None when
    offenders do not respond."""
    p = model.params
    if not deters(p):
        return None
    return pull(neighborhood_reporting(model, free, report_prob), model.baseline_neighborhood_reporting,
                p.offending_deterrence_elasticity)


def pull(q, q0, elasticity) -> np.ndarray:
    """``(q / q0) ** -elasticity`` per neighborhood (1 where either is 0); ``elasticity`` a number, or one
    per neighborhood for several counties at once (the same result per neighborhood)."""
    ratio = np.divide(q, q0, out=np.ones_like(q), where=(q0 > 0) & (q > 0))
    return ratio ** -elasticity


def neighborhood_reporting(model, present, report_prob) -> np.ndarray:
    """Mean chance of reporting among the given residents of each neighborhood."""
    return neighborhood_means(model.neighborhood, len(model.nb_counts), present, report_prob, model.nb_counts)


def neighborhood_means(neighborhood, n_neighborhoods: int, present, values, counts=None) -> np.ndarray:
    """Mean of ``values`` among the ``present`` residents of each neighborhood (0 for none); for several
    counties at once, their neighborhoods numbered one county after another (the same means per county).
    ``counts``: the residents of each neighborhood, when ``present`` is boolean (then those present are the
    residents less the few absent: the same whole numbers as the sum of ``present``, for less work)."""
    total = np.bincount(neighborhood, weights=values * present, minlength=n_neighborhoods)
    if counts is not None and present.dtype == bool:
        absent = np.bincount(neighborhood[~present], minlength=n_neighborhoods)
        people = (counts - absent).astype(np.float64)
    else:
        people = np.bincount(neighborhood, weights=present, minlength=n_neighborhoods)
    return np.divide(total, people, out=np.zeros(n_neighborhoods), where=people > 0)


def witness_chill(model, victims) -> np.ndarray:
    """Chilled share of each victim's witnesses: strong ties by strength, acquaintances each weighing
    ``acquaintance_shock_weight`` (residents still in the county only). Costs the victims' ties and
    foci, not the population."""
    present = model.custody != Custody.REMOVED
    chilled = model.fear_process.chilled & present
    w = model.ties.local_weights
    neighbors, offsets, lengths = gather_rows(w.indptr, w.indices, victims)
    owner = np.repeat(np.arange(len(victims)), lengths)
    k = len(victims)
    chilled_sum = np.bincount(owner, weights=w.data[offsets] * chilled[neighbors], minlength=k)
    weight_sum = np.bincount(owner, weights=w.data[offsets] * present[neighbors], minlength=k)
    if model.foci.membership.shape[1]:
        index = np.unique(victims)
        co, slot = model.foci.co_members_of(index, slots=True)
        # each victim's co-members absent (0), present (1) and chilled (2, always present), in one count:
        # whole numbers, so the same sums as adding up the traits
        kind = present[co].view(np.uint8) + chilled[co].view(np.uint8)
        counts = np.bincount(slot * 3 + kind, minlength=3 * len(index)).reshape(-1, 3)
        per_victim_chilled = counts[:, 2].astype(np.float64)
        per_victim_present = (counts[:, 1] + counts[:, 2]).astype(np.float64)
        at = np.searchsorted(index, victims)
        omega = model.params.acquaintance_shock_weight
        chilled_sum = chilled_sum + omega * per_victim_chilled[at]
        weight_sum = weight_sum + omega * per_victim_present[at]
    return np.divide(chilled_sum, weight_sum, out=np.zeros(k), where=weight_sum > 0)


def _victims_and_police(model, offense, offenders, report_prob) -> None:
    """The week's crimes with victims: whom each offender victimizes, which crimes are reported, and the
    police's investigation of those (witnesses cooperate less when chilled)."""
    p, rng = model.params, model.rng
    victims = choose_victims(model, offenders, report_prob)
    ok = (model.custody[victims] == Custody.FREE) & (victims != offenders)
    offense, offenders, victims = offense[ok], offenders[ok], victims[ok]
    felony = rng.random(len(offense)) < _FELONY_P[offense]
    base = np.where(offense == Offense.VIOLENT, p.reporting_prob_violent, p.reporting_prob_property)
    p_report = base * victim_scale(model, victims)
    reported = rng.random(len(offense)) < p_report
    model.record_victimizations(victims, offense, reported)

    # police: witnesses among the victim's ties and acquaintances cooperate less when chilled
    rv, ro, roff, rfel = victims[reported], offenders[reported], offense[reported], felony[reported]
    if len(rv):
        base_clear = np.where(roff == Offense.VIOLENT, p.clearance_prob_violent,
                              p.clearance_prob_property)
        if p.witness_channel:
            base_clear = base_clear * (1.0 - p.chill_witness_effect * witness_chill(model, rv))
        cleared = [model.officer_for(int(v)).investigate(int(o), Offense(int(off)), bool(fel), float(chance))
                   for v, o, off, fel, chance in zip(rv, ro, roff, rfel, base_clear, strict=True)]
        cleared = np.array(cleared, dtype=bool)
        model.record_clearances(rv[cleared], roff[cleared])


def run_week(model, pull_by_neighborhood=None) -> None:
    """Offending, victimization, reporting and the police response for one week. ``pull_by_neighborhood``:
    ``deterrence`` this week, when already computed (``model.batch`` does it for its counties at once)."""
    p = model.params
    rng = model.rng
    free = model.custody == Custody.FREE
    n_free = np.count_nonzero(free)
    report_prob = model.report_prob  # this week's, computed when last week was observed
    can = _Offending.of(model)  # the running sums below are over them alone (the same draws)
    if n_free == 0 or len(can.who) == 0:
        return
    if pull_by_neighborhood is None:
        pull_by_neighborhood = deterrence(model, free, report_prob)
    deters_now = pull_by_neighborhood is not None  # offenders respond to silence: who offends, and how much
    # the running sums over the free among them (model.kernels): offending, weighted by the pull of silence in
    # each one's neighborhood; the police's stops, by who is stopped (ethnic profiling), not how many
    cdf, stop_cdf = np.empty(len(can.who)), np.empty(len(can.who))
    total = offending_sums(can.propensity, free, can.who, pull_by_neighborhood if deters_now else can.no_pull,
                           can.neighborhood, can.stop_weight if p.ethnic_profiling else can.ones, cdf, stop_cdf)
    pull = cdf[-1] / total if deters_now and total > 0 else 1.0
    if cdf[-1] <= 0:
        return

    # crimes with victims
    n_violent = rng.poisson(p.violent_victimization_rate * n_free * pull / WEEKS_PER_YEAR)
    n_property = rng.poisson(p.property_victimization_rate * n_free * pull / WEEKS_PER_YEAR)
    offense = np.repeat([Offense.VIOLENT, Offense.PROPERTY], [n_violent, n_property]).astype(np.int64)
    offenders = _draw(model, cdf, len(offense), can.who)
    if len(offense):  # a small county's week often has none: then nothing below draws or counts
        _victims_and_police(model, offense, offenders, report_prob)

    # proactive stops that find an offense (by propensity alone: the police do not see silence)
    n_stops = rng.poisson(p.proactive_arrest_rate * p.policing_intensity * n_free / WEEKS_PER_YEAR)
    stopped = _draw(model, stop_cdf, n_stops, can.who)
    stop_offense = _STOP_TYPES[_STOP_CDF.searchsorted(rng.random(n_stops), side="right")]
    stop_felony = rng.random(n_stops) < _FELONY_P[stop_offense]
    for o, off, fel in zip(stopped, stop_offense, stop_felony, strict=True):
        model.officer_for(int(o)).stop(int(o), Offense(int(off)), bool(fel))
