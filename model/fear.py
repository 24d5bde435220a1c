"""Fear of immigration enforcement, and the chilled state it puts people in.

Each week, a resident still in the county is exposed to this week's ICE events (detentions by any
door, removals) through the channels of ``model.hearing``: the people who knew the detained
(household, kin, friends, acquaintances), the people they told (second hand), and the news media
(each resident's memory of the detentions the news brought them).

Exposure ``e`` raises fear by ``s_eff x fear_sensitivity x e``, where ``s_eff`` is the resident's
susceptibility (Pew worry ratios) or, with fear on behalf of others, the larger of it and
``fear_for_others_weight`` times the susceptibility of the most vulnerable person they live with or
their kin in another household (an immigrant parent). Fear also moves toward the fear of close ties
(contagion: household, kin, friends) and decays by ``fear_decay`` a week; it is capped at 1. Fear is
linear in what one heard, up to the cap: a county sampled at any fraction, whose residents hear the
same number of detentions a year but bunched differently in time, has the same mean fear (a saturating
response would make the bunched hearings of a small sample count for less). A stock for each channel
of ``model.hearing.CHANNELS`` keeps that channel's share of every resident's fear, so the
decomposition is exact: the stocks sum to fear, and the news media's share is a measured outcome.

Fear is the probability of being chilled: each resident has a fixed threshold drawn uniformly at
build, and is chilled while fear exceeds it. A chilled victim reports less and a chilled witness
cooperates less (``model.crime``); how much less is a separate assumption.

What residents know: who heard of a detention or removal in the past year (first-hand: they knew the
detained person; through close ties only; or at all, second hand included), tracked as the week each
resident last heard; and who knows someone undocumented (a status is private: close ties know it,
each acquaintance's with ``acquaintance_knowing_prob``).

Cost: events are rare, so what travels along ties is scattered from each event over its ties and
co-members (``model.hearing``, ``model.network.TieCounts``), never a product over the population.
The dense work each week is one sparse product for contagion and a few passes over the fear arrays.
"""

import numpy as np
import scipy.sparse as sp

from agents.codes import KNOWING_WINDOW_WEEKS, Custody, Status

from .hearing import CHANNEL_NAMES, CHANNELS, INDEX, Heard, NewsMedia, WordOfMouth
from .kernels import fear_week
from .network import TieCounts, gather_rows

CLOSE = np.array([c.close for c in CHANNELS])
FIRST_HAND = np.array([c.first_hand for c in CHANNELS])
NEVER_HEARD = -(10**6)


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
    """Fear, its channels, the chilled state and what residents know, for every resident; stepped once
    a week.

    Built with what it needs: the parameter object, the ties and foci, the residents' fixed traits and
    whether the county's detainer policy is declared in public (``declared``, a ``Timeline`` of
    booleans: more than one step if the county changed its policy). ``channels``: whether to keep the
    channels' stocks (``channels``, ``decomposition``), which nothing else reads: a model asked for no
    ``fear_channel_*`` reporter does without them (``channels`` is None), with the same fear to the last digit."""

    def __init__(self, params, rng, ties, foci, status, hispanic, household_start, declared, channels=True):
        n = len(status)
        self.p = params
        self.ties, self.foci = ties, foci
        self.hispanic = hispanic
        self.group = hispanic.astype(np.int64)  # media listener group: 0 non-Hispanic, 1 Hispanic
        self.household_start = household_start
        self.household_of = np.repeat(np.arange(len(household_start) - 1), np.diff(household_start))
        self.word_of_mouth = WordOfMouth(params, ties, foci)
        self.media = NewsMedia(params, declared, self.group)
        self.fear = np.zeros(n)
        self.channels = np.zeros((len(CHANNELS), n)) if channels else None
        self.threshold = rng.random(n)  # chilled while fear exceeds it
        self.chilled = np.zeros(n, dtype=bool)
        # how well connected to what acquaintances say each resident is: they know the status of at
        # least one of c undocumented acquaintances when this draw is below 1 - (1 - k)^(c / f)
        self.knowing_draw = rng.random(n)
        # who hears of what (word of mouth, the news) draws from a stream of its own, spawned from the
        # model's: switching a channel or the news from outside changes who hears, not the rest of the run
        self.rng = rng.spawn(1)[0]
        self.log_not_knowing = np.log1p(-min(params.acquaintance_knowing_prob, 1.0 - 1e-12))
        # a county too small for acquaintances_mean co-members each: each of the few there are counts for more
        self.acquaintance_shortfall = max(1.0, params.acquaintances_mean / max(float(foci.acquaintances.mean()), 1.0)
                                          if len(foci.acquaintances) and foci.membership.shape[1] else 1.0)
        self.last_heard = np.full((3, n), NEVER_HEARD, dtype=np.int64)  # any, first-hand, close ties
        strength = np.asarray(ties.weights.sum(axis=1)).ravel()
        self.untied = np.flatnonzero(strength <= 0)  # no close tie: contagion pulls towards their own fear
        # what the tie sums are divided by: the tie strength, 1 for the untied (whose mean ``update_fear`` sets
        # to their own fear), so the division needs no mask
        self.tie_divisor = np.where(strength > 0, strength, 1.0)
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
        self._knows_undocumented = None  # (the counts' change number, who knows someone undocumented)
        self.heard_this_week = None  # the last week's hearings (model.hearing.Heard), for the page

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
        counts and, for the households and kin concerned, susceptibility on behalf of others."""
        present = custody != Custody.REMOVED
        changed = np.flatnonzero((present != self.present) | (status != self.status))
        if len(changed) == 0:
            return
        first = not self._synced
        self._synced = True
        self.present[changed] = present[changed]
        self.keep[changed] = np.where(present[changed], 1.0 - self.p.fear_decay, 1.0)
        self.status[changed] = status[changed]
        if first:
            undocumented = self.present & (self.status == Status.UNDOCUMENTED)
            self.undocumented.reset(undocumented)
            self.in_undocumented[:] = undocumented
        now = self.present[changed] & (self.status[changed] == Status.UNDOCUMENTED)  # only the changed: O(changes)
        joined = changed[now & ~self.in_undocumented[changed]]
        left = changed[~now & self.in_undocumented[changed]]
        self.undocumented.add(joined)
        self.undocumented.remove(left)
        self.in_undocumented[joined] = True
        self.in_undocumented[left] = False
        if first:
            self.own_susceptibility = self.own(status, self.hispanic)
            self._set_susceptibility(np.arange(len(status)))
            return
        self.own_susceptibility[changed] = self.own(status[changed], self.hispanic[changed])
        kin = self.ties.kin_weights
        touched = np.concatenate([changed, gather_rows(kin.indptr, kin.indices, changed)[0]])
        households = np.unique(self.household_of[touched])
        starts, ends = self.household_start[households], self.household_start[households + 1]
        members = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends, strict=True)])
        self._set_susceptibility(members)

    def _set_susceptibility(self, rows: np.ndarray) -> None:
        """Effective susceptibility of ``rows``: whole households, in order (contiguous ranges)."""
        own = self.own_susceptibility
        if self.p.fear_for_others:
            households = np.unique(self.household_of[rows])
            sizes = self.household_start[households + 1] - self.household_start[households]
            bounds = np.concatenate([[0], np.cumsum(sizes)])
            others = household_max_excluding_self(np.where(self.present[rows], own[rows], 0.0), bounds)
            kin = self.ties.kin_weights
            if kin.nnz:  # the most vulnerable kin in the county (0 for none): costs the rows' kin, not a slice
                kin_of, _, lengths = gather_rows(kin.indptr, kin.indices, rows)
                most_vulnerable = np.zeros(len(rows))
                np.maximum.at(most_vulnerable, np.repeat(np.arange(len(rows)), lengths),
                              own[kin_of] * self.present[kin_of])
                others = np.maximum(others, most_vulnerable)
            eff = np.maximum(own[rows], self.p.fear_for_others_weight * others)
        else:
            eff = own[rows]
        self.susceptibility[rows] = eff
        self.own_share[rows] = np.divide(own[rows], eff, out=np.ones_like(eff), where=eff > 0)
        self.s_present[rows] = np.where(self.present[rows], eff, 0.0)

    # --- the week ---
    joint = None  # a JointFear that updates this county's fear with other counties' (model.batch)

    def step(self, model, events: np.ndarray, shock: np.ndarray, transfer: np.ndarray) -> None:
        """Advance fear one week. ``events``: distinct residents detained or removed this week; ``shock``
        their exposure weight (detention_shock, removal_shock); ``transfer``: the event is the jail's own
        transfer to ICE (which a declared policy damps in the news)."""
        heard = self.hear(model, events, shock, transfer)
        if self.joint is not None:
            self.joint.wait(self, heard)  # updated with the batch's other counties (JointFear.update)
        else:
            update_fear(self, self.ties.product(), self.media.memory, heard, self.p)

    def hear(self, model, events, shock, transfer) -> Heard:
        """Who hears of this week's events, and through which channel: the news media's hearings go into
        each hearer's memory (``NewsMedia``); the others are returned, for ``update_fear``."""
        p = self.p
        week = model.week
        self.sync(model.status, model.custody)
        activation_now = p.sharing_active and week == model.activation
        rng, present = self.rng, self.present
        self.media.fade(present, activation_now)
        local, outside = self.media.audience(rng, week, present, events, transfer)
        heard = self.word_of_mouth.spread(rng, events, shock, present, local)
        self.media.hear(heard, outside)
        self.heard_this_week = heard
        if len(heard.people) == 0:  # most weeks of a small county
            return heard
        people = heard.channel != INDEX["media"]  # the media's hearings act through each memory
        heard = Heard(heard.people[people], heard.event[people], heard.channel[people], heard.exposure[people])
        self._remember(week, heard)
        return heard

    def _remember(self, week: int, heard) -> None:
        if len(heard.people) == 0:
            return
        self.last_heard[0, heard.people] = week
        first = FIRST_HAND[heard.channel]
        self.last_heard[1, heard.people[first]] = week
        close = CLOSE[heard.channel]
        self.last_heard[2, heard.people[close]] = week

    # --- a safe copy of the state (plain data), for snapshots of the model ---
    ARRAYS = ("fear", "channels", "chilled", "threshold", "knowing_draw", "last_heard", "in_undocumented", "present",
              "status", "own_susceptibility", "susceptibility", "own_share", "keep", "s_present")

    def state(self) -> dict:
        return {"arrays": {name: getattr(self, name).copy() for name in self.ARRAYS if getattr(self, name) is not None},
                "rng": self.rng.bit_generator.state,
                "undocumented": (self.undocumented.close.copy(), self.undocumented.acquaintances.copy()),
                "media": self.media.memory.copy(), "neighbours": float(self.media.neighbours), "synced": self._synced}

    def set_state(self, state: dict) -> None:
        if self.channels is not None and "channels" not in state["arrays"]:
            raise ValueError("the snapshot keeps no channel stocks, which this model keeps: take it from a model "
                             "asked for the same reporters")
        for name, values in state["arrays"].items():
            if getattr(self, name) is not None:  # (a model without the channels' stocks ignores them)
                getattr(self, name)[...] = values  # in place: the model holds views of some of them
        self.undocumented.close, self.undocumented.acquaintances = (a.copy() for a in state["undocumented"])
        self.media.memory[...] = state["media"]
        self.media.neighbours = state["neighbours"]
        self._synced = state["synced"]
        self._knows_undocumented = None
        self.rng.bit_generator.state = state["rng"]
        self.heard_this_week = None

    # --- what residents know ---
    def knows_among_acquaintances(self, count: np.ndarray) -> np.ndarray:
        """Whether a resident knows the status of at least one of ``count`` acquaintances, each known with
        probability ``acquaintance_knowing_prob`` (in a county too small for ``acquaintances_mean``
        acquaintances each, each of the few there are counts for several); monotone and persistent."""
        return self.knowing_draw < -np.expm1(self.log_not_knowing * count * self.acquaintance_shortfall)

    KNOWING = ("heard_detained", "knows_detained", "knows_detained_close", "knows_undocumented")

    def knows(self, week: int, kind: str, rows=None) -> np.ndarray:
        """One of ``KNOWING`` for every resident (or the residents ``rows``): who heard of a detention or removal
        in the past year (``heard_detained``: at all; ``knows_detained``: first-hand, they knew the detained
        person; ``knows_detained_close``: through household, kin and friends) or who knows someone undocumented."""
        if kind == "knows_undocumented":  # changes only when an undocumented resident leaves or comes back
            if self._knows_undocumented is None or self._knows_undocumented[0] != self.undocumented.changes:
                known = (self.undocumented.close > 0) | self.knows_among_acquaintances(self.undocumented.acquaintances)
                self._knows_undocumented = (self.undocumented.changes, known)
            known = self._knows_undocumented[1]
            return known if rows is None else known[rows]
        last = self.last_heard[self.KNOWING.index(kind)]
        return (last if rows is None else last[rows]) > week - KNOWING_WINDOW_WEEKS

    def knowing(self, week: int) -> dict:
        """Every kind of ``KNOWING``, by name."""
        return {kind: self.knows(week, kind) for kind in self.KNOWING}

    def decomposition(self) -> dict:
        """The channels' stocks by name (they sum to ``fear``)."""
        if self.channels is None:
            raise ValueError("this model keeps no channel stocks: it was asked for no fear_channel_* reporter")
        return dict(zip(CHANNEL_NAMES, self.channels, strict=True))


def update_fear(st, weights, e_media, heard: Heard, p) -> None:
    """One week of fear for the residents of ``st`` (a ``FearProcess``, or a ``JointFear`` of several
    counties' residents one after another): decay, the exposure of what they heard (``heard``, and the
    news in each one's memory, ``e_media``), contagion along the ties (``weights``), the cap at 1, the
    channels' stocks (unless ``st.channels`` is None) and the chilled state. Every operation is per resident
    (or per row of ``weights``), so a county's residents get the same numbers updated alone or with other
    counties; the channels' stocks are written, never read, so fear is the same with or without them. Without
    them, everything after the tie sums is one compiled pass (``model.kernels.fear_week``), the same operations
    in the same order as the numpy passes below (``tests/test_kernels.py``)."""
    fear, ch, present = st.fear, st.channels, st.present
    ties_fear = weights @ (fear * present)
    keep, s_eff = st.keep, st.s_present
    if ch is None:  # the same operations in one pass (model.kernels), each hearing added in the week's order
        order = np.argsort(heard.people, kind="stable")
        fear_week(ties_fear, fear, keep, s_eff, st.tie_divisor, st.untied, st.threshold, st.chilled, e_media,
                  heard.people[order], heard.exposure[order], p.fear_sensitivity, p.fear_contagion)
        return
    e_total = e_media.copy()
    if len(heard.people):
        np.add.at(e_total, heard.people, heard.exposure)
    f = np.multiply(fear, keep, out=fear)  # decayed, in place (nothing below reads last week's fear)
    gain = s_eff * p.fear_sensitivity
    gain *= e_total
    ties_mean = np.divide(ties_fear, st.tie_divisor, out=ties_fear)
    ties_mean[st.untied] = f[st.untied]
    contagion = s_eff * p.fear_contagion  # worried ties worry one, calm ones calm one
    ties_mean -= f
    contagion *= ties_mean
    _update_channels(ch, keep, gain, contagion, e_total, e_media, heard, st.own_share)
    gain += contagion
    f += gain
    over = np.flatnonzero(f > 1.0)
    if len(over):
        f_over = f[over]
        for stock in ch:  # row by row: a third of the time of ch[:, over] /= f[over], the same numbers
            stock[over] /= f_over
        f[over] = 1.0
    np.greater(f, st.threshold, out=st.chilled)


def _update_channels(ch, keep, gain, contagion, e_total, e_media, heard: Heard, own_share) -> None:
    """The week's decay and gains of each channel's stock (before the cap): each exposure's share of the
    resident's own gain, the gain on behalf of others and contagion."""
    own_gain = gain * own_share
    ch *= keep
    per_exposure = np.divide(own_gain, e_total, out=np.zeros_like(e_total), where=e_total > 0)
    ch[INDEX["media"]] += per_exposure * e_media
    if len(heard.people):
        np.add.at(ch, (heard.channel, heard.people), per_exposure[heard.people] * heard.exposure)
    ch[INDEX["others"]] += gain - own_gain
    ch[INDEX["contagion"]] += contagion


# What ``update_fear`` reads and writes of a county, held by a JointFear as one array for its counties.
JOINT_ARRAYS = ("fear", "channels", "chilled", "threshold", "keep", "s_present", "own_share", "tie_divisor",
                "present")
_JOINT_PARAMS = ("fear_sensitivity", "fear_contagion")  # the parameters ``update_fear`` reads


class JointFear:
    """Several counties' fear processes updated as one (``model.batch``): each county's arrays that
    ``update_fear`` touches become views of one array for all (its residents one county after another), the
    ties one block-diagonal matrix, and the week's update is one pass for all. Each county hears on its
    own (``FearProcess.hear``, its own generator) and waits (``wait``) for ``update``. Counties whose
    fear parameters differ, or that do not all keep (or all skip) the channels' stocks, cannot share an update
    (``can_join``)."""

    def __init__(self, processes):
        self.processes = list(processes)
        if not self.can_join(self.processes):
            raise ValueError(f"the counties' {_JOINT_PARAMS} differ: their fear cannot be updated as one")
        self.p = self.processes[0].p
        sizes = [len(fp.fear) for fp in self.processes]
        self.starts = dict(zip(map(id, self.processes), np.cumsum([0, *sizes[:-1]]).tolist(), strict=True))
        bounds = np.cumsum([0, *sizes])
        for name in JOINT_ARRAYS:
            if self.processes[0].channels is None and name == "channels":
                self.channels = None  # (none of them keeps the channels' stocks: can_join)
                continue
            joint = np.concatenate([getattr(fp, name) for fp in self.processes], axis=-1)
            setattr(self, name, joint)
            for fp, a, b in zip(self.processes, bounds[:-1], bounds[1:], strict=True):
                setattr(fp, name, joint[..., a:b])
        self.untied = np.concatenate([fp.untied + a for fp, a in zip(self.processes, bounds[:-1], strict=True)])
        self.memory = np.concatenate([fp.media.memory for fp in self.processes])
        for fp, a, b in zip(self.processes, bounds[:-1], bounds[1:], strict=True):
            fp.media.memory = self.memory[a:b]
            fp.joint = self
        self.weights = _block_diagonal([fp.ties.weights for fp in self.processes])
        self._waiting = []

    @staticmethod
    def can_join(processes) -> bool:
        first = processes[0].p
        keeps = processes[0].channels is not None
        return all(getattr(fp.p, name) == getattr(first, name) for fp in processes for name in _JOINT_PARAMS) and all(
            (fp.channels is not None) == keeps for fp in processes)

    def wait(self, process, heard: Heard) -> None:
        self._waiting.append((process, heard))

    def update(self) -> None:
        """The week's update for every county that has heard (all of them, once each, in the batch's order)."""
        if not self._waiting:
            return
        parts = [(h.people + self.starts[id(fp)], h.event, h.channel, h.exposure) for fp, h in self._waiting]
        heard = Heard(*(np.concatenate(column) for column in zip(*parts, strict=True)))
        self._waiting = []
        update_fear(self, self.weights, self.memory, heard, self.p)

    def detach(self) -> None:
        """Every county gets its own arrays back (copies of its part), updating alone from now on."""
        if self._waiting:
            raise RuntimeError("counties are waiting for their fear to be updated")
        for fp in self.processes:
            for name in JOINT_ARRAYS:
                if getattr(fp, name) is not None:
                    setattr(fp, name, getattr(fp, name).copy())
            fp.media.memory = fp.media.memory.copy()
            fp.joint = None
        self.processes = []


def _block_diagonal(matrices):
    """Square CSR matrices as the blocks of one, each row's entries in their order (so a product's row sums
    are added as in the block alone)."""
    sizes = [m.shape[0] for m in matrices]
    offsets = np.cumsum([0, *sizes[:-1]])
    nnz = np.cumsum([0, *(m.indptr[-1] for m in matrices[:-1])])
    indptr = np.concatenate([[0], *(m.indptr[1:] + z for m, z in zip(matrices, nnz, strict=True))])
    indices = np.concatenate([m.indices[:m.indptr[-1]] + o for m, o in zip(matrices, offsets, strict=True)])
    data = np.concatenate([m.data[:m.indptr[-1]] for m in matrices])
    n = int(sum(sizes))
    return sp.csr_matrix((data, indices, indptr), shape=(n, n))
