"""ICE: turns IDENT matches into detainers under a priority regime, takes people into custody
through three doors within its places, and hands each detention to the immigration court.

The doors (``agents.codes.DOORS``): ``sc``, a pickup from this county's jail on an honored
detainer; ``at_large``, an arrest after the jail released a person despite a detainer;
``background``, interior enforcement that does not run through this jail (fugitive operations,
worksite, jail interviews outside SC), at a weekly rate on undocumented adults. The county's
policy changes which door and how often; it cannot close the other doors.

ICE's places come from a national pool (``agents.capacity``): every candidate the county presents
through any door brings the national take rate of a place, so a county that presents more gets
more. The places of the jail's doors (pickups, arrests at large) and of ICE's own operations are
kept apart, so neither crowds out the other. The places accrue week by week; a year's worth is the
ceiling, and ICE rations them by priority: a candidate of rank r (of R ranks) is taken only while
the unused places are at least one plus r/R of the places of the past year, so when candidates
outrun places the lower priorities are turned away first, over the year and not only within a week.

The background door follows legal status: its candidates are the undocumented adults of the week,
weighted by immigration history, so a resident who becomes undocumented (a removed lawful
permanent resident who comes back) is seen by it, and one granted relief is not.
"""

import mesa
import numpy as np

from .capacity import NationalPool
from .codes import FINAL_ORDER, LEVEL_NAMES, PRIOR_REMOVAL, WEEKS_PER_YEAR, Custody, Offense, Status, sc_level
from .policies import Case

CARRY_OVER_WEEKS = WEEKS_PER_YEAR  # unused places carry over up to a year
# ICE keeps the places of the people the county's jail identifies to it (pickups, arrests at large) apart
# from those of its own operations: each brings its own places, so one cannot crowd out the other
ACCOUNT_OF_DOOR = {"sc": "jail", "at_large": "jail", "background": "own"}
STAGE_OF_DOOR = {"sc": "pickup", "at_large": "at_large_arrest", "background": "background_arrest"}
COUNTER_OF_DOOR = {"sc": "ice_pickups", "at_large": "at_large_arrests", "background": "background_arrests"}
DEMAND_RANKS = 8  # candidates presented are counted by rank, the last counting every rank from it on


class Places:
    """Places of one of ICE's accounts: what its candidates brought week by week over the past year
    (the ceiling on those unused) and those still unused, rationed down the ranks."""

    def __init__(self, weekly: float):
        self.weekly = np.full(CARRY_OVER_WEEKS, weekly)  # places brought a week, over the past year
        self.unused = self.yearly + 1.0  # at rest before the run

    @property
    def weekly(self) -> np.ndarray:
        return self._weekly

    @weekly.setter
    def weekly(self, values: np.ndarray) -> None:
        self._weekly = values
        self._yearly = float(values.sum())

    @property
    def yearly(self) -> float:
        """The places brought over the past year (their sum, kept: most weeks of a small county bring
        none, as the week a year before, and leave it as it was)."""
        return self._yearly

    def accrue(self, week: int, new: float) -> None:
        slot = week % CARRY_OVER_WEEKS
        if self._weekly[slot] != new:
            self._weekly[slot] = new
            self._yearly = float(self._weekly.sum())
        self.unused = min(self.unused + new, self._yearly + 1.0)

    def take(self, rank: int, ranks: int) -> bool:
        """Take one place for a candidate of ``rank`` (of ``ranks``) if the unused places allow it."""
        if self.unused >= 1 + rank * self.yearly / ranks:
            self.unused -= 1
            return True
        return False


class ICE(mesa.Agent):
    """Immigration and Customs Enforcement as seen from one county."""

    def __init__(self, model, schedule, params, *, pool: NationalPool):
        """``schedule``: the regime in force each week (a ``Timeline`` of ``Regime``); ``params``: the
        model's parameter object, read under the parameters' own names; ``pool``: ICE's national pool,
        whose take rate gives the places each candidate brings."""
        super().__init__(model)
        self.schedule = schedule
        self.params = params
        self.take_rate = pool.take_rate  # places per candidate; an ICE area shared by counties resets it
        self.presented = np.zeros(DEMAND_RANKS)  # candidates presented by rank since ``demand`` was last read
        self.held_hispanic = 0  # detentions of Hispanic residents since ``hispanic_detentions`` was last read
        self.pending = []  # this week's IDENT matches: (resident, offense, felony), in arrival order
        self.pickups = []  # this week's honored holds awaiting ICE: (resident, offense)
        self.at_large_schedule = {}  # week -> [(resident, offense)] ICE will look for at large
        self.release_schedule = {}  # week -> residents whose detention ends
        self.detained = {}  # resident -> (door, offense, rule) of the current detention
        # background enforcement: undocumented adults, weighted by immigration history, so that at
        # build the expected yearly arrests are background_rate per undocumented resident
        self._weight = self._weights(np.arange(len(model.status)))
        total = self._weight.sum()
        n_undocumented = int((model.status == Status.UNDOCUMENTED).sum())
        self.background_per_weight = (params.background_arrest_rate * n_undocumented / total / WEEKS_PER_YEAR
                                      if total > 0 else 0.0)
        self._weight_cdf = None  # cumulative weights, rebuilt after a change of status or history
        self._weighed = self._who_can_weigh()  # whom the cumulative weights run over (_background_draw)
        # places a week over the past year; before the run, those the background door brings
        at_rest = self.take_rate * params.background_arrest_rate * n_undocumented / WEEKS_PER_YEAR
        self.accounts = {"jail": Places(0.0), "own": Places(at_rest)}

    # --- a safe copy of ICE's state in this county (plain data), for snapshots of the model ---
    def state(self) -> dict:
        def offense(o):
            return None if o is None else int(o)

        return {"pending": [(int(r), offense(o), bool(f)) for r, o, f in self.pending],
                "pickups": [(int(r), offense(o)) for r, o in self.pickups],
                "at_large_schedule": {int(w): [(int(r), offense(o)) for r, o in v]
                                      for w, v in self.at_large_schedule.items()},
                "release_schedule": {int(w): [int(r) for r in v] for w, v in self.release_schedule.items()},
                "detained": {int(r): (door, offense(o), rule) for r, (door, o, rule) in self.detained.items()},
                "weight": self._weight.copy(), "take_rate": float(self.take_rate),
                "presented": self.presented.copy(), "held_hispanic": int(self.held_hispanic),
                "accounts": {name: (a.weekly.copy(), float(a.unused)) for name, a in self.accounts.items()}}

    def set_state(self, state: dict) -> None:
        def offense(o):
            return None if o is None else Offense(o)

        self.pending = [(r, offense(o), f) for r, o, f in state["pending"]]
        self.pickups = [(r, offense(o)) for r, o in state["pickups"]]
        self.at_large_schedule = {w: [(r, offense(o)) for r, o in v] for w, v in state["at_large_schedule"].items()}
        self.release_schedule = {w: list(v) for w, v in state["release_schedule"].items()}
        self.detained = {r: (door, offense(o), rule) for r, (door, o, rule) in state["detained"].items()}
        self._weight = state["weight"].copy()
        self._weight_cdf = None
        self._weighed = self._who_can_weigh()
        self.take_rate = state["take_rate"]
        self.presented = state["presented"].copy()
        self.held_hispanic = state["held_hispanic"]
        for name, (weekly, unused) in state["accounts"].items():
            self.accounts[name].weekly = weekly.copy()
            self.accounts[name].unused = unused

    # --- an ICE area shared by several counties (experiments.panel.coupled) ---
    def demand(self) -> np.ndarray:
        """The candidates this county presented, by rank, since the last call (the count starts again)."""
        out, self.presented = self.presented, np.zeros(DEMAND_RANKS)
        return out

    def hispanic_detentions(self) -> int:
        """Detentions of Hispanic residents since the last call (the count starts again)."""
        out, self.held_hispanic = self.held_hispanic, 0
        return out

    def set_take_rate(self, rate: float) -> None:
        """Places per candidate from now on: the county's share of its area's places (``agents.capacity``)."""
        if not 0 <= rate <= 1:
            raise ValueError(f"a take rate is a share of the candidates, in [0, 1]; got {rate}")
        self.take_rate = float(rate)

    @property
    def regime(self):
        return self.schedule.at(self.model.week)

    @property
    def yearly_places(self) -> float:
        """Places the county's candidates brought over the past year, every account."""
        return sum(account.yearly for account in self.accounts.values())

    def _case(self, resident: int, offense=None, felony=False) -> Case:
        model = self.model
        since = self.schedule.since(model.week)
        return Case(model.record[resident], model.record_week[resident], model.week, offense, felony, since)

    def _weights(self, people: np.ndarray) -> np.ndarray:
        """Background weight of ``people``: 0 unless an undocumented adult; history weighs more."""
        model = self.model
        record = model.record
        history = (record[people, PRIOR_REMOVAL] > 0) | (record[people, FINAL_ORDER] > 0)
        eligible = (model.status[people] == Status.UNDOCUMENTED) & model.adult[people]
        return np.where(eligible, np.where(history, self.params.background_history_weight, 1.0), 0.0)

    def reweigh(self, resident: int) -> None:
        """This person's status or immigration history changed (a removal, relief, a lost status)."""
        weight = self._weights(np.array([resident]))[0]
        if weight != self._weight[resident]:
            self._weight[resident] = weight
            self._weight_cdf = None
            if weight > 0 and not self._weighed[1][resident]:
                self._weighed = self._who_can_weigh()

    def _who_can_weigh(self) -> tuple:
        """The residents whose weight is or can become above 0 (adults not born here, and anyone weighing now)
        and a mask of them. The cumulative weights over them alone have the values of those over everyone at
        their places (the others add 0), so the same uniform picks the same person, for a fraction of the work."""
        model = self.model
        mask = (model.adult & (model.status != Status.US_BORN)) | (self._weight > 0)
        return np.flatnonzero(mask), mask

    # --- the SC door: matches, detainers, pickups ---
    def notify(self, resident: int, offense, felony: bool) -> None:
        """LESC notification of an IDENT match, with the booking charge the jail sent."""
        self.pending.append((resident, offense, felony))

    def issue_detainers(self) -> None:
        """Decide this week's detainers: removable matches the regime treats as priorities."""
        model = self.model
        regime = self.regime
        pending, self.pending = self.pending, []
        for resident, offense, felony in pending:
            if model.custody.item(resident) != Custody.JAILED:
                continue
            status = model.status.item(resident)
            if status == Status.NATURALIZED:  # a stale IDENT record flags a citizen by mistake
                if model.rng.random() < self.params.citizen_detainer_error_prob:
                    self._lodge(resident, offense, "record_error", citizen=True)
                continue
            if not model.residents[resident].removable:
                continue
            ranked = regime.rank(self._case(resident, offense, felony))
            if ranked is not None and model.rng.random() < self.params.detainer_prob:
                self._lodge(resident, offense, ranked[1])

    def _lodge(self, resident: int, offense, rule: str, citizen: bool = False) -> None:
        model = self.model
        model.count("detainers_issued")
        model.count(f"detainers_{LEVEL_NAMES[sc_level(model.record[resident])]}")  # by conviction, as removals
        if citizen:
            model.count("citizen_detainers_issued")
        model.log_event("detainer", resident, offense, rule=rule)
        model.jail.lodge_detainer(resident)

    def request_pickup(self, resident: int, offense) -> None:
        """The jail holds this person for ICE past their release (the 48-hour hold)."""
        self.pickups.append((resident, offense))

    def released_despite_detainer(self, resident: int, offense) -> None:
        """The jail declined the detainer and released the person: ICE may look for them at large."""
        p = self.params
        if p.at_large_arrest_prob > 0 and self.model.rng.random() < p.at_large_arrest_prob:
            week = self.model.week + p.at_large_delay_weeks
            self.at_large_schedule.setdefault(week, []).append((resident, offense))

    # --- every door: this week's intake, in priority order within the places ---
    def take_custody(self) -> None:
        model = self.model
        regime = self.regime
        lowest = len(regime.ranks)
        candidates = []  # (rank, sequence, resident, door, offense, rule)
        for resident, offense in self.pickups:
            if model.rng.random() >= self.params.ice_pickup_prob:
                self._lapse(resident, offense, "no_pickup")
                continue
            ranked = regime.rank(self._case(resident, offense))
            rank, rule = ranked if ranked is not None else (lowest, "detainer")
            candidates.append((rank, len(candidates), resident, "sc", offense, rule))
        self.pickups = []
        for resident, offense in self.at_large_schedule.pop(model.week, []):
            if (model.custody.item(resident) != Custody.FREE or not model.residents[resident].removable
                    or any(c[2] == resident for c in candidates)):  # looked for twice the same week
                continue
            ranked = regime.rank(self._case(resident, offense))
            if ranked is not None:
                candidates.append((ranked[0], len(candidates), resident, "at_large", offense, ranked[1]))
        queued = {c[2] for c in candidates}
        for resident in self._background_draw(regime):
            if resident not in queued:
                rank, rule = regime.rank(self._case(resident))
                candidates.append((rank, len(candidates), resident, "background", None, rule))
        # the places this week's candidates bring, the national take rate each, to their door's account
        for name, account in self.accounts.items():
            mine = sum(1 for c in candidates if ACCOUNT_OF_DOOR[c[3]] == name)
            account.accrue(model.week, self.take_rate * mine)
        model.count("ice_candidates", len(candidates))
        for c in candidates:
            self.presented[min(c[0], DEMAND_RANKS - 1)] += 1
        candidates.sort(key=lambda c: (c[0], c[1]))
        for rank, _, resident, door, offense, rule in candidates:
            if self.accounts[ACCOUNT_OF_DOOR[door]].take(rank, lowest):
                self._detain(resident, door, offense, rule)
                continue
            model.count("capacity_turned_away")
            model.log_event("turned_away", resident, offense, door=door, rule=rule)
            if door == "sc":
                self._lapse(resident, offense, "capacity")

    def _background_draw(self, regime) -> list:
        """This week's background arrests. Each undocumented adult ICE pursues is arrested at a weekly
        hazard proportional to their weight (immigration history); drawn by thinning, so a week costs
        one Poisson draw: a count over everyone's weight, people in proportion to weight, then only
        those free, still undocumented and pursued by the regime are kept (at most once a week)."""
        if self.background_per_weight <= 0:
            return []
        model = self.model
        who = self._weighed[0]
        if self._weight_cdf is None:
            self._weight_cdf = np.cumsum(self._weight[who])
        total = float(self._weight_cdf[-1]) if len(self._weight_cdf) else 0.0
        k = int(model.rng.poisson(self.background_per_weight * total)) if total > 0 else 0
        if k == 0:
            return []
        picks = who[np.searchsorted(self._weight_cdf, model.rng.random(k) * total, side="right")]
        chosen = []
        for resident in dict.fromkeys(picks.tolist()):
            if (model.custody.item(resident) == Custody.FREE and model.status.item(resident) == Status.UNDOCUMENTED
                    and (regime.pursues_everyone or regime.rank(self._case(resident)) is not None)):
                chosen.append(resident)
        return chosen

    def _lapse(self, resident: int, offense, why: str) -> None:
        """A hold ICE did not act on (it did not come, or had no place left): released."""
        model = self.model
        model.count("holds_lapsed")
        model.log_event("lapsed", resident, offense, door="sc", rule=why)
        model.free(resident)

    def _detain(self, resident: int, door: str, offense, rule: str) -> None:
        model = self.model
        model.custody[resident] = Custody.ICE
        model.in_ident[resident] = True  # ICE enrolls everyone it detains
        model.court.close_pending(resident)  # a case already pending goes on inside this detention
        model.count(COUNTER_OF_DOOR[door])
        model.log_event(STAGE_OF_DOOR[door], resident, offense, door=door, rule=rule)
        model.mark_ice_contact(resident, model.params.detention_shock, transfer=door == "sc")
        self.detained[resident] = (door, offense, rule)
        self.held_hispanic += int(model.hispanic[resident])
        week = model.week + self.params.ice_detention_weeks
        self.release_schedule.setdefault(week, []).append(resident)

    def resolve_due(self) -> None:
        """End the detentions due this week: the immigration court decides each (``agents.court``)."""
        model = self.model
        for resident in self.release_schedule.pop(model.week, []):
            door, offense, rule = self.detained.pop(resident)
            model.court.end_detention(resident, door, offense, rule)
