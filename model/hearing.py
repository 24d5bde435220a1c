"""How news of a detention travels: through the people who know the detained, and through the media.

Each ICE event of the week (a detention by any of ICE's doors, a removal) is heard about:

- **first-hand**, by the people who know the detained person: everyone in their household and their
  kin outside it (an immigrant parent's adult child, and the reverse) hear for certain; each friend
  with probability ``friend_hears_prob``; each acquaintance (a co-member of a focus: block, work or
  school, congregation; ``model.acquaintances``) with probability ``acquaintance_hears_prob``, since
  coworkers and congregations notice an absence but a status is private;
- **second-hand**, from them: each first-hand hearer tells each of their own household, kin and
  friends with probability ``retell_prob`` ("my coworker's cousin was taken");
- through the **news media**: local news, community radio, church bulletins and social media carry
  the county's detentions to residents who do not know the detained. Each detention reaches
  ``media_audience`` residents of the detained person's ethnic group (``salience_cross_group`` as
  many of the other group), drawn at random; each keeps what they heard in a memory of the news
  that fades with ``salience_half_life_weeks``. A jail's declared policy damps the news of the jail's
  own transfers to ICE from the week it is declared (never the news already heard, nor the news of
  ICE's own arrests). The announcement of the program at activation reaches everyone.

Someone who knew the detained person hears once, through the closest tie; each telling and each news
item is an exposure of its own. The exposure is the channel's weight times the event's shock
(``detention_shock``, ``removal_shock``). The channels are declared once, in ``CHANNELS``: the fear
process keeps a stock of fear for each (the decomposition), and the reporters, labels and colours are
derived from it.

Scale: a model county may stand for a larger real one (the county panel runs counties at 1:100).
Rates stay those of the real county because nothing here counts model residents as if they were real
ones: households, kin and friends are whole; every resident has ``acquaintances_mean`` acquaintances
(in a county too small for that many, the chance of hearing from the few there are is raised so that
the expected number of hearings stays); and each detention reaches ``media_audience`` residents
whatever the county's size, so a resident hears of the county's detentions at a rate set by the
detentions per resident. In a county sampled at fraction f, each real detention would reach each real
resident with probability a / N; the model's detentions are a sample f of the real ones and reach each
model resident with probability a / (f N): by the thinning of a Poisson stream, what one resident hears
is the same in distribution. This holds while each ethnic group of the model county has at least
``media_audience`` residents and the county has ``acquaintances_mean`` (docs/ODD.md gives the smallest
county tested).

Cost: events are rare; what travels is scattered from each event over its ties, foci and audience,
never a product over the whole population.
"""

from dataclasses import dataclass

import numpy as np

from .network import gather_rows


@dataclass(frozen=True)
class Channel:
    name: str
    label: str
    colour: str
    close: bool = False  # heard from household, kin or friends (the survey's close ties)
    first_hand: bool = False  # knows the detained person (the survey's "personally know")


# The fear channels, in order of closeness. A word-of-mouth channel here needs its exposure in
# ``WordOfMouth.spread``; the fear process, the reporters and the labels read this table.
CHANNELS = (
    Channel("household", "Household", "#D55E00", close=True, first_hand=True),
    Channel("kin", "Family in another household", "#7F0000", close=True, first_hand=True),
    Channel("friends", "Friends", "#F0E442", close=True, first_hand=True),
    Channel("acquaintances", "Acquaintances", "#009E73", first_hand=True),
    Channel("second_hand", "Told by someone who knew", "#56B4E9"),
    Channel("media", "News media", "#332288"),
    Channel("others", "Fear for family members", "#CC79A7"),
    Channel("contagion", "Worry passed on or calmed by close ties", "#555555"),
)
CHANNEL_NAMES = tuple(c.name for c in CHANNELS)
INDEX = {name: i for i, name in enumerate(CHANNEL_NAMES)}
WORD_OF_MOUTH = ("household", "kin", "friends", "acquaintances", "second_hand")


@dataclass
class Heard:
    """This week's hearings: who heard (``people``), of which event (``event``: an index into the week's
    events, or -1 for news from outside the county), through which channel (``channel``, an index into
    CHANNELS) and with what exposure."""

    people: np.ndarray
    event: np.ndarray
    channel: np.ndarray
    exposure: np.ndarray

    @classmethod
    def none(cls) -> "Heard":
        e = np.empty(0, np.int64)
        return cls(e, e, e, np.empty(0))


class WordOfMouth:
    """Who hears of this week's ICE events through people: first-hand, then second-hand."""

    def __init__(self, params, ties, foci):
        self.ties, self.foci = ties, foci
        self.n = ties.weights.shape[0]
        self.p = params
        # a county too small for acquaintances_mean acquaintances each: hear from the few there are more often
        self.acquaintance_shortfall = max(1.0, params.acquaintances_mean / max(foci.distinct_acquaintances(), 1.0))
        per_acquaintance = params.acquaintance_hears_prob * self.acquaintance_shortfall
        self.acquaintance_prob = min(1.0, per_acquaintance)
        self.acquaintance_weight = params.acquaintance_shock_weight * max(1.0, per_acquaintance)
        self.close = ties.weights  # close ties that retell: household, kin and friends

    def first_hand(self, rng, events: np.ndarray, present: np.ndarray):
        """(who, event index, channel, weight) of everyone who knew a detained person and heard: once per
        person and event, through the closest tie (a friend who is also kin hears as kin)."""
        p = self.p
        index = np.arange(len(events))
        parts = []
        for k, w, weight, prob in (("household", self.ties.family_weights, p.family_tie_weight, 1.0),
                                   ("kin", self.ties.kin_weights, p.kin_tie_weight, 1.0),
                                   ("friends", self.ties.friend_weights, p.friend_tie_weight, p.friend_hears_prob)):
            who, _, lengths = gather_rows(w.indptr, w.indices, events)
            source = np.repeat(index, lengths)
            if prob < 1.0 and len(who):
                hit = rng.random(len(who)) < prob
                who, source = who[hit], source[hit]
            parts.append((who, source, INDEX[k], weight))
        if self.acquaintance_prob > 0:
            co, source = self.foci.co_members_of(events, slots=True)  # (the events are distinct residents)
            hit = rng.random(len(co)) < self.acquaintance_prob
            parts.append((co[hit], source[hit], INDEX["acquaintances"], self.acquaintance_weight))
        who, source, channel, weight = _concat(parts)
        keep = present[who] & (who != events[source])
        return _first_per_person(self.n, who[keep], source[keep], channel[keep], weight[keep])

    def told(self, rng, who: np.ndarray, source: np.ndarray):
        """(who, event index) of the tellings: each first-hand hearer tells each of their household, kin and
        friends with probability ``retell_prob``."""
        told, _, lengths = gather_rows(self.close.indptr, self.close.indices, who)
        about = np.repeat(source, lengths)
        hit = rng.random(len(told)) < self.p.retell_prob
        return told[hit], about[hit]

    def spread(self, rng, events, shock, present, media=None) -> Heard:
        """Every hearing of ``events`` (distinct residents detained or removed this week, each with its
        shock): first-hand, second-hand, and through the media (``media``: (who, event index, weight) of
        the media's hearers, from ``NewsMedia.audience``).

        A person who knew the detained hears once, through the closest tie (a friend who is also a
        coworker hears as a friend). Each telling and each news item is an exposure of its own: in a
        county, one person's circle is a small part of the whole, so the hundreds of people who hear of
        one detention are nearly all different people, while a model county smaller than the county it
        stands for has fewer of them to hear it; counting every telling keeps each resident's expected
        exposure that of the real county (and fear, linear in exposure, keeps its mean)."""
        if len(events) == 0:
            return Heard.none()
        p = self.p
        who, source, channel, weight = self.first_hand(rng, events, present)
        parts = [(who, source, channel, weight)]
        if p.retell_prob > 0 and len(who):
            told, about = self.told(rng, who, source)
            parts.append((told, about, INDEX["second_hand"], p.second_hand_weight))
        if media is not None and len(media[0]):
            parts.append((media[0], media[1], INDEX["media"], media[2]))
        who, source, channel, weight = _concat(parts)
        keep = present[who] & (who != events[source])
        return Heard(who[keep], source[keep], channel[keep], weight[keep] * shock[source[keep]])


def _concat(parts):
    who = np.concatenate([np.asarray(part[0], dtype=np.int64) for part in parts])
    source = np.concatenate([np.asarray(part[1], dtype=np.int64) for part in parts])
    channel = np.concatenate([np.full(len(part[0]), part[2], dtype=np.int64) for part in parts])
    weight = np.concatenate([np.asarray(part[3], dtype=np.float64) * np.ones(len(part[0])) for part in parts])
    return who, source, channel, weight


def _first_per_person(n, who, source, channel, weight):
    """Each (person, event) once, through the closest channel."""
    codes = source * n + who
    order = np.lexsort((channel, codes))
    codes = codes[order]
    first = np.ones(len(codes), dtype=bool)
    first[1:] = codes[1:] != codes[:-1]
    pick = order[first]
    return who[pick], source[pick], channel[pick], weight[pick]


class NewsMedia:
    """The news media: each resident's memory of the county's detentions heard through the news.

    Each week every memory fades by the half-life. Each of the week's detentions and removals reaches
    ``media_audience x closeness`` present residents of each ethnic group (closeness: one's own group 1,
    the other ``salience_cross_group``), drawn at random (``audience``); so does each detention heard
    from outside the county (``outside_news``: per 1,000 Hispanic residents, heard as a local Hispanic
    detention; plus ``neighbours``, the same from the simulated detentions of the counties that share
    the county's ICE area, when a coupled panel sets it between periods). Each hearer's memory gains
    ``dose x shock`` (``hear``), where the dose is set so that a detention adds, on average,
    ``salience_per_detention`` per 1,000 residents of the group (the media's weight). From the week a
    jail's detainer policy is declared, the jail's own transfers reach ``1 - policy_salience_damping``
    as many. The program's announcement at activation adds ``salience_activation_shock`` to everyone."""

    def __init__(self, params, declared, group):
        self.p = params
        self.group = group
        self.in_group = (group == 0, group == 1)  # each group's members (ethnicity never changes)
        self.memory = np.zeros(len(group))
        self.keep = 0.5 ** (1.0 / params.salience_half_life_weeks)
        self.transfer_scale = declared.map(lambda flag: 1.0 - params.policy_salience_damping if flag else 1.0)
        cross = params.salience_cross_group
        self.closeness = np.array([[1.0, cross], [cross, 1.0]])  # listener group x event group
        self.dose = params.salience_per_detention * 1000.0 / max(params.media_audience, 1e-12)
        self.neighbours = 0.0  # detentions in neighbouring counties' runs heard about (a coupled panel sets it)

    def fade(self, present: np.ndarray, activation_now: bool) -> None:
        self.memory *= self.keep
        if activation_now and self.p.salience_channel:
            self.memory[present] += self.p.salience_activation_shock

    def audience(self, rng, week, present, events, transfer):
        """(who, event index, weight) of the media's hearers of this week's events, and of the news from
        outside the county (event index -1, the shock already in the weight)."""
        p = self.p
        level = p.outside_news.at(week) + self.neighbours
        if not p.salience_channel or (len(events) == 0 and level <= 0):  # no news this week
            e = np.empty(0, np.int64)
            return (e, e, np.empty(0)), (e, np.empty(0))
        listeners = [np.flatnonzero(present & members) for members in self.in_group]
        local = [[], [], []]
        reach = np.where(transfer, self.transfer_scale.at(week), 1.0)
        for e, (h, r) in enumerate(zip(self.group[events].tolist(), reach.tolist(), strict=True)):
            for g, people in enumerate(listeners):
                who, weight = self._draw(rng, people, p.media_audience * self.closeness[g, h] * r)
                local[0].append(who)
                local[1].append(np.full(len(who), e, dtype=np.int64))
                local[2].append(weight)
        outside_who, outside_weight = [], []
        if level > 0:  # detentions around the county, per 1,000 Hispanic residents: heard as Hispanic ones
            for _ in range(int(rng.poisson(level * len(listeners[1]) / 1000.0))):
                for g, people in enumerate(listeners):
                    who, weight = self._draw(rng, people, p.media_audience * self.closeness[g, 1])
                    outside_who.append(who)
                    outside_weight.append(weight * p.detention_shock)
        def cat(parts, dtype):
            return np.concatenate(parts).astype(dtype) if parts else np.empty(0, dtype)
        return ((cat(local[0], np.int64), cat(local[1], np.int64), cat(local[2], np.float64)),
                (cat(outside_who, np.int64), cat(outside_weight, np.float64)))

    @staticmethod
    def _draw(rng, people, expected):
        """``expected`` of ``people`` at random (all of them, with a proportionally larger weight, when
        there are fewer); returns (who, weight per hearing, as a multiple of the dose)."""
        if expected <= 0 or len(people) == 0:
            return np.empty(0, np.int64), np.empty(0)
        share = expected / len(people)
        k = rng.binomial(len(people), min(share, 1.0))
        who = people if k == len(people) else rng.choice(people, size=k, replace=False)
        return who, np.full(len(who), max(share, 1.0))

    def hear(self, heard: "Heard", outside) -> None:
        """Add this week's media hearings (local, after ``WordOfMouth.spread``; and from outside)."""
        media = heard.channel == INDEX["media"]
        if len(media) and media.any():
            np.add.at(self.memory, heard.people[media], self.dose * heard.exposure[media])
        if len(outside[0]):
            np.add.at(self.memory, outside[0], self.dose * outside[1])
