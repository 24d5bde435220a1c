"""Fear of immigration enforcement, and the chilled state it puts people in.

Each week a resident still in the county is exposed to enforcement through four channels:

- **household** and **friends** (strong ties): a detention or removal of a tie, weighted by
  tie strength (``model.network``);
- **acquaintances** (weak ties through shared foci, ``model.acquaintances``): the same events,
  ``acquaintance_shock_weight`` per acquaintance;
- **salience**: the news of enforcement. A one-time signal when the federal program reaches the
  county, and a running signal from detentions and removals in the community, remembered with a
  half-life and weighted by how close the group is (own ethnic group 1, the other
  ``salience_cross_group``). News of detentions outside the county (``outside_news``, detentions
  per 1,000 Hispanic residents a week, a schedule over weeks) enters the same stock as detentions
  of Hispanic residents of the county would. A detainer policy declared in public damps it all
  (``policy_salience_damping``).

Exposure ``e`` raises fear by ``s_eff (1 - f)(1 - exp(-fear_sensitivity e))``, where ``s_eff`` is
the resident's susceptibility (Pew worry ratios) or, with fear on behalf of others, the larger of
it and ``fear_for_others_weight`` times the susceptibility of the most vulnerable person they live
with. Fear also moves toward the fear of strong ties (contagion) and decays. Six stocks keep
each channel's share of every resident's fear (household, friends, acquaintances, salience,
others, contagion), so the decomposition is exact: the stocks sum to fear.

Fear is the probability of being chilled: each resident has a fixed threshold drawn uniformly at
build, and is chilled while fear exceeds it. A chilled victim reports less and a chilled witness
cooperates less (``model.crime``); how much less is a separate assumption.

Cost: detentions and removals are rare, so what travels along ties (exposure, who knows someone
detained, who knows someone undocumented) is scattered from each event over its ties and
co-members (``TieCounts``), never a product over the whole population. The dense work each week
is one sparse product for contagion and a few passes over the fear arrays.
"""

import numpy as np

from agents.codes import KNOWING_WINDOW_WEEKS, Custody, Status

from .network import TieCounts, gather_rows

CHANNELS = ("household", "friends", "acquaintances", "salience", "others", "contagion")
HOUSEHOLD, FRIENDS, ACQUAINTANCES, SALIENCE, OTHERS, CONTAGION = range(len(CHANNELS))


def household_max_excluding_self(values: np.ndarray, household_start: np.ndarray) -> np.ndarray:
    """For each resident, the largest value among the other members of their household (0 if alone)."""
    n = len(values)
    starts = household_start[:-1]
    sizes = np.diff(household_start)
    household_of = np.repeat(np.arange(len(starts)), sizes)
    top = np.maximum.reduceat(values, starts)[household_of]
    idx = np.flatnonzero(values == top)
    keep = np.ones(len(idx), dtype=bool)
    keep[1:] = household_of[idx[1:]] != household_of[idx[:-1]]
    first_top = np.zeros(n, dtype=bool)
    first_top[idx[keep]] = True  # the first member holding the maximum sees the second largest
    second = np.maximum.reduceat(np.where(first_top, -np.inf, values), starts)[household_of]
    out = np.where(first_top, second, top)
    out[sizes[household_of] == 1] = 0.0
    return np.maximum(out, 0.0)


class FearProcess:
    """Fear, its channels and the chilled state for every resident; stepped once a week.

    Built with what it needs: the parameter object (among them ``outside_news``, the news of
    detentions outside the county, a schedule of levels), the ties, the foci, the residents' fixed
    traits and whether the county's detainer policy is declared in public: ``declared`` is a
    ``Timeline`` of booleans (more than one step if the county changed its policy)."""

    def __init__(self, params, rng, ties, foci, status, hispanic, household_start, declared):
        n = len(status)
        self.p = params
        self.ties, self.foci = ties, foci
        self.hispanic = hispanic
        self.group = hispanic.astype(np.int64)  # salience listener group: 0 non-Hispanic, 1 Hispanic
        self.household_start = household_start
        self.household_of = np.repeat(np.arange(len(household_start) - 1), np.diff(household_start))
        self.fear = np.zeros(n)
        self.channels = np.zeros((len(CHANNELS), n))
        self.threshold = rng.random(n)  # chilled while fear exceeds it
        self.chilled = np.zeros(n, dtype=bool)
        # how well connected to gossip each resident is: they know of at least one of c acquaintances
        # (their status, their detention) when this draw is below 1 - (1 - k)^c
        self.hearing = rng.random(n)
        self.log_not_knowing = np.log1p(-min(params.acquaintance_knowing_prob, 1.0 - 1e-12))
        self.salience = np.zeros(2)  # news stock heard by non-Hispanic (0) and Hispanic (1) residents
        self.salience_keep = 0.5 ** (1.0 / params.salience_half_life_weeks)
        damped = 1.0 - params.policy_salience_damping
        self.salience_scales = declared.map(lambda flag: damped if flag else 1.0)
        self.salience_scale = self.salience_scales.at(0)
        # news from outside (detentions per 1,000 Hispanic residents a week, a schedule), and the
        # exposure one such detention adds to each listener group's stock (as a local Hispanic detention)
        self.outside_news = params.outside_news
        cross = params.salience_cross_group
        self.outside_weight = params.salience_per_detention * params.detention_shock * np.array([cross, 1.0])
        self.tie_strength = np.asarray(ties.weights.sum(axis=1)).ravel()
        self.recent = TieCounts(ties, foci, n)  # detained or removed in the knowing window
        self.in_recent = np.zeros(n, dtype=bool)
        self.expiry = {}  # week -> residents whose knowing window may close
        self.undocumented = TieCounts(ties, foci, n)  # undocumented residents still in the county
        self.in_undocumented = np.zeros(n, dtype=bool)
        self.present = np.zeros(n, dtype=bool)
        self.status = np.full(n, -1, dtype=np.int8)
        self.own_susceptibility = np.zeros(n)
        self.susceptibility = np.zeros(n)
        self.own_share = np.ones(n)
        self.keep = np.ones(n)  # weekly decay factor: 1 - fear_decay in the county, 1 (frozen) once removed
        self.s_present = np.zeros(n)  # effective susceptibility of residents in the county, 0 once removed
        self._synced = False

    # --- who is here, and how susceptible ---
    def own(self, status, hispanic) -> np.ndarray:
        """How much a unit of exposure moves each resident's fear (Pew 2021/22 worry ratios)."""
        p = self.p
        by_status = np.array([0.0, p.fear_susceptibility_naturalized, p.fear_susceptibility_lpr,
                              p.fear_susceptibility_undocumented])
        s = by_status[status]
        us_born = status == Status.US_BORN
        s[us_born] = np.where(hispanic[us_born], p.fear_susceptibility_hispanic_us_born,
                              p.fear_susceptibility_non_hispanic)
        return s

    def sync(self, status, custody) -> None:
        """Catch up with removals, returns and changes of status since last week: the undocumented
        counts and, in the households concerned, susceptibility on behalf of others."""
        present = custody != Custody.REMOVED
        changed = np.flatnonzero((present != self.present) | (status != self.status))
        if len(changed) == 0:
            return
        first = not self._synced
        self._synced = True
        self.present[changed] = present[changed]
        self.keep[changed] = np.where(present[changed], 1.0 - self.p.fear_decay, 1.0)
        self.status[changed] = status[changed]
        undocumented = self.present & (self.status == Status.UNDOCUMENTED)
        if first:
            self.undocumented.reset(undocumented)
            self.in_undocumented[:] = undocumented
        joined = changed[undocumented[changed] & ~self.in_undocumented[changed]]
        left = changed[~undocumented[changed] & self.in_undocumented[changed]]
        self.undocumented.add(joined)
        self.undocumented.remove(left)
        self.in_undocumented[joined] = True
        self.in_undocumented[left] = False
        if first:
            self.own_susceptibility = self.own(status, self.hispanic)
            self._set_susceptibility(np.arange(len(status)))
            return
        self.own_susceptibility[changed] = self.own(status[changed], self.hispanic[changed])
        households = np.unique(self.household_of[changed])
        starts, ends = self.household_start[households], self.household_start[households + 1]
        members = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends, strict=True)])
        self._set_susceptibility(members)

    def _set_susceptibility(self, rows: np.ndarray) -> None:
        """Effective susceptibility of ``rows``: whole households, in order (contiguous ranges)."""
        own = self.own_susceptibility
        if self.p.fear_for_others:
            households = np.unique(self.household_of[rows])
            bounds = np.concatenate([[0], np.cumsum(np.diff(self.household_start)[households])])
            others = household_max_excluding_self(np.where(self.present[rows], own[rows], 0.0), bounds)
            eff = np.maximum(own[rows], self.p.fear_for_others_weight * others)
        else:
            eff = own[rows]
        self.susceptibility[rows] = eff
        self.own_share[rows] = np.divide(own[rows], eff, out=np.ones_like(eff), where=eff > 0)
        self.s_present[rows] = np.where(self.present[rows], eff, 0.0)

    # --- the week ---
    def salience_signal(self, shock, events, activation_now: bool, outside: float = 0.0) -> np.ndarray:
        """Advance the news stock one week; return the salience exposure of each listener group.

        ``outside``: detentions per 1,000 Hispanic residents heard about from outside the county this
        week; each adds to the stock what a detention of a Hispanic resident of the county adds."""
        p = self.p
        self.salience *= self.salience_keep
        if not p.salience_channel:
            return np.zeros(2)
        if activation_now:
            self.salience += p.salience_activation_shock
        if outside > 0:
            self.salience += outside * self.outside_weight
        if len(events):
            heard = np.bincount(self.group[events], weights=shock[events], minlength=2)
            residents = np.bincount(self.group[self.present], minlength=2)
            per_1000 = np.divide(heard * 1000.0, residents, out=np.zeros(2), where=residents > 0)
            cross = p.salience_cross_group
            closeness = np.array([[1.0, cross], [cross, 1.0]])  # listener group x event group
            self.salience += p.salience_per_detention * closeness @ per_1000
        return self.salience * self.salience_scale

    def _update_recent(self, week, last_ice_week, events) -> None:
        """Who was detained or removed within the knowing window: joins now, leaves when it closes."""
        joined = events[~self.in_recent[events]]
        self.recent.add(joined)
        self.in_recent[joined] = True
        for resident in events:
            self.expiry.setdefault(int(last_ice_week[resident]) + KNOWING_WINDOW_WEEKS, []).append(int(resident))
        due = np.array(self.expiry.pop(week, []), dtype=np.int64)
        if len(due):
            due = np.unique(due)
            left = due[self.in_recent[due] & (week - last_ice_week[due] >= KNOWING_WINDOW_WEEKS)]
            self.recent.remove(left)
            self.in_recent[left] = False

    def _tie_exposure(self, shock, events):
        """This week's exposure through household, friends and acquaintances, on the residents it touches."""
        p = self.p
        touched, parts = [], []
        for k, w in ((HOUSEHOLD, self.ties.family_weights), (FRIENDS, self.ties.friend_weights)):
            neighbors, offsets, lengths = gather_rows(w.indptr, w.indices, events)
            touched.append(neighbors)
            parts.append((k, w.data[offsets] * np.repeat(shock[events], lengths)))
        if p.acquaintance_shock_weight > 0:
            co, source = self.foci.co_members_of(events)
            touched.append(co)
            parts.append((ACQUAINTANCES, p.acquaintance_shock_weight * shock[source]))
        idx = np.unique(np.concatenate(touched)) if touched else np.empty(0, dtype=np.int64)
        exposure = np.zeros((3, len(idx)))
        row = {HOUSEHOLD: 0, FRIENDS: 1, ACQUAINTANCES: 2}
        for (k, values), where in zip(parts, touched, strict=True):
            np.add.at(exposure[row[k]], np.searchsorted(idx, where), values)
        return idx, exposure

    def step(self, model) -> None:
        """Advance fear one week."""
        p = self.p
        self.sync(model.status, model.custody)
        shock = model.fear_shock
        events = np.flatnonzero(model.last_ice_week == model.week)
        self._update_recent(model.week, model.last_ice_week, events)
        activation_now = p.sharing_active and model.week == p.activation_week
        self.salience_scale = self.salience_scales.at(model.week)  # a declared policy damps the news from its week
        salience = self.salience_signal(shock, events, activation_now, self.outside_news.at(model.week))
        idx, tie_exposure = self._tie_exposure(shock, events) if len(events) else (np.empty(0, np.int64), None)

        fear, ch, present = self.fear, self.channels, self.present
        ties_fear = self.ties.weights @ (fear * present)
        keep, s_eff = self.keep, self.s_present
        e_total = np.where(self.hispanic, salience[1], salience[0])
        if len(idx):
            e_total[idx] += tie_exposure.sum(axis=0)
        f = fear * keep
        gain = s_eff * (1.0 - f) * -np.expm1(-p.fear_sensitivity * e_total)
        own_gain = gain * self.own_share
        contagion = s_eff * p.fear_contagion * np.maximum(
            np.divide(ties_fear, self.tie_strength, out=np.zeros_like(ties_fear), where=self.tie_strength > 0) - f, 0.0)
        ch *= keep
        sal_part = np.divide(salience[self.group], e_total, out=np.zeros_like(e_total), where=e_total > 0)
        ch[SALIENCE] += own_gain * sal_part
        if len(idx):
            for row, k in enumerate((HOUSEHOLD, FRIENDS, ACQUAINTANCES)):
                ch[k, idx] += own_gain[idx] * tie_exposure[row] / e_total[idx]
        ch[OTHERS] += gain - own_gain
        ch[CONTAGION] += contagion
        f += gain + contagion
        over = np.flatnonzero(f > 1.0)
        if len(over):
            ch[:, over] /= f[over]
            f[over] = 1.0
        fear[:] = f
        np.greater(fear, self.threshold, out=self.chilled)
        shock[:] = 0.0

    # --- what residents know ---
    def knows_among_acquaintances(self, count: np.ndarray) -> np.ndarray:
        """Whether a resident knows of at least one of ``count`` acquaintances (status or detention),
        each known with probability ``acquaintance_knowing_prob``; monotone and persistent in the count."""
        return self.hearing < -np.expm1(self.log_not_knowing * count)

    def knowing(self) -> dict:
        """Who knows someone detained or removed in the past year (through any tie, or through
        household and friends alone) and who knows someone undocumented."""
        close = self.recent.close > 0
        return {"knows_detained_close": close,
                "knows_detained": close | self.knows_among_acquaintances(self.recent.acquaintances),
                "knows_undocumented": (self.undocumented.close > 0)
                | self.knows_among_acquaintances(self.undocumented.acquaintances)}
