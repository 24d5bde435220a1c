"""A week of crime for the whole county at once: offending, victims, reporting, witnesses.

Only the rare events (a reported crime, a stop that finds an offense) are handed to the
police agents; everything that touches every resident is a numpy operation.
"""

import numpy as np

from agents.codes import FELONY_SHARE, WEEKS_PER_YEAR, Custody, Offense, Status

# Offenses found by proactive stops (FBI UCR arrest mix without violent and property crime).
STOP_MIX = {Offense.DRUG: 0.13, Offense.DUI: 0.10, Offense.PUBLIC_ORDER: 0.45, Offense.TRAFFIC: 0.18}
_STOP_TYPES = np.array(list(STOP_MIX), dtype=np.int64)
_STOP_P = np.array(list(STOP_MIX.values())) / sum(STOP_MIX.values())
_FELONY_P = np.array([FELONY_SHARE[Offense(o)] for o in range(len(Offense))])


def reporting_probability(model, offense_weights=None) -> np.ndarray:
    """Each resident's chance of reporting a crime against them, given fear.

    With ``offense_weights`` = None: the violent/property mix of victimizations.
    """
    if offense_weights is None:
        v, p = model.violent_victimization_rate, model.property_victimization_rate
        base = (v * model.reporting_prob_violent + p * model.reporting_prob_property) / max(v + p, 1e-12)
    else:
        base = offense_weights
    base = base * model.baseline_reporting_scale
    return base * (1.0 - model.fear_reporting_effect * model.fear)


def _draw(model, cdf, k) -> np.ndarray:
    return np.searchsorted(cdf, model.rng.random(k) * cdf[-1], side="right")


def _random_tie(model, people) -> np.ndarray:
    """A random tie of each person (or -1 for people with none)."""
    w = model.ties.weights
    deg = np.diff(w.indptr)[people]
    pick = w.indptr[people] + (model.rng.random(len(people)) * deg).astype(np.int64)
    if len(w.indices) == 0:  # a county without any ties (one-person households, no friends)
        return np.full(len(people), -1, dtype=np.int64)
    return np.where(deg > 0, w.indices[np.minimum(pick, len(w.indices) - 1)], -1)


def _random_neighbor_resident(model, people) -> np.ndarray:
    nb = model.neighborhood[people]
    pick = model.nb_offsets[nb] + (model.rng.random(len(people)) * model.nb_counts[nb]).astype(np.int64)
    return model.nb_order[pick]


def choose_victims(model, offenders, report_prob) -> np.ndarray:
    """Victims from the offender's ties or neighborhood; optionally the least likely to report."""
    c = model.victim_candidates if model.offenders_target_nonreporters else 1
    k = len(offenders)
    cand = np.empty((k, c), dtype=np.int64)
    for j in range(c):
        from_ties = model.rng.random(k) < model.victim_from_ties_prob
        tie = _random_tie(model, offenders)
        local = _random_neighbor_resident(model, offenders)
        cand[:, j] = np.where(from_ties & (tie >= 0), tie, local)
    if c == 1:
        return cand[:, 0]
    valid = (model.custody[cand] == Custody.FREE) & (cand != offenders[:, None])
    score = np.where(valid, report_prob[cand], np.inf)
    return cand[np.arange(k), np.argmin(score, axis=1)]


def run_week(model) -> None:
    """Offending, victimization, reporting and the police response for one week."""
    rng = model.rng
    free = model.custody == Custody.FREE
    n_free = int(free.sum())
    weights = model.propensity * free
    cdf = np.cumsum(weights)
    if n_free == 0 or cdf[-1] <= 0:
        return
    report_prob = reporting_probability(model)

    # crimes with victims
    n_violent = rng.poisson(model.violent_victimization_rate * n_free / WEEKS_PER_YEAR)
    n_property = rng.poisson(model.property_victimization_rate * n_free / WEEKS_PER_YEAR)
    offense = np.repeat([Offense.VIOLENT, Offense.PROPERTY], [n_violent, n_property]).astype(np.int64)
    offenders = _draw(model, cdf, len(offense))
    victims = choose_victims(model, offenders, report_prob)
    ok = (model.custody[victims] == Custody.FREE) & (victims != offenders)
    offense, offenders, victims = offense[ok], offenders[ok], victims[ok]
    felony = rng.random(len(offense)) < _FELONY_P[offense]
    base = np.where(offense == Offense.VIOLENT, model.reporting_prob_violent, model.reporting_prob_property)
    p_report = base * model.baseline_reporting_scale[victims] * (
        1.0 - model.fear_reporting_effect * model.fear[victims])
    reported = rng.random(len(offense)) < p_report
    model.record_victimizations(victims, reported)

    # witnesses: the victim's ties cooperate less the more afraid they are
    rv, ro, roff, rfel = victims[reported], offenders[reported], offense[reported], felony[reported]
    if len(rv):
        sub = model.ties.weights[rv]
        strength = np.asarray(sub.sum(axis=1)).ravel()
        witness_fear = np.divide(sub @ model.fear, strength, out=np.zeros(len(rv)), where=strength > 0)
        base_clear = np.where(roff == Offense.VIOLENT, model.clearance_prob_violent,
                              model.clearance_prob_property)
        clearance = base_clear * (1.0 - model.fear_witness_effect * witness_fear)
        for v, o, off, fel, p in zip(rv, ro, roff, rfel, clearance, strict=True):
            model.officer_for(int(v)).investigate(int(o), Offense(int(off)), bool(fel), float(p))

    # proactive stops that find an offense
    n_stops = rng.poisson(model.proactive_arrest_rate * model.policing_intensity * n_free / WEEKS_PER_YEAR)
    stopped = _draw(model, cdf, n_stops)
    stop_offense = _STOP_TYPES[rng.choice(len(_STOP_TYPES), size=n_stops, p=_STOP_P)]
    stop_felony = rng.random(n_stops) < _FELONY_P[stop_offense]
    for o, off, fel in zip(stopped, stop_offense, stop_felony, strict=True):
        model.officer_for(int(o)).stop(int(o), Offense(int(off)), bool(fel))


def baseline_reporting_scale(status: np.ndarray, undocumented_ratio: float) -> np.ndarray:
    """Before any enforcement fear, undocumented victims report less (Comino et al. 2020)."""
    return np.where(status == Status.UNDOCUMENTED, undocumented_ratio, 1.0)
