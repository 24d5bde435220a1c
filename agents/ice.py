"""ICE: turns IDENT matches into detainers under a priority regime, takes people into custody
through three doors within a capacity, detains them, and removes them.

The doors (``agents.codes.DOORS``): ``sc``, a pickup from this county's jail on an honored
detainer; ``at_large``, an arrest after the jail released a person despite a detainer;
``background``, interior enforcement that does not run through this jail (fugitive operations,
worksite, jail interviews outside SC), at a weekly rate on undocumented adults. The county's
policy changes which door and how often; it cannot close the other doors.

Every week the candidates of all doors are ranked by the regime in force and taken in that order
while capacity lasts. Capacity is a yearly budget: it accrues every week, unused capacity carries
over up to a year's worth, and ICE rations what is left by priority: a candidate of rank r (of R
ranks) is taken only while the unused budget is at least one place plus r/R of a year's capacity,
so when demand outruns capacity the lower priorities are turned away first, over the year and not
only within a week.
"""

import mesa
import numpy as np

from .codes import FINAL_ORDER, LEVEL1, PRIOR_REMOVAL, WEEKS_PER_YEAR, Custody, Offense, Status, is_citizen, sc_level
from .policies import Case

CARRY_OVER_WEEKS = WEEKS_PER_YEAR  # unused capacity carries over up to a year
STAGE_OF_DOOR = {"sc": "pickup", "at_large": "at_large_arrest", "background": "background_arrest"}
COUNTER_OF_DOOR = {"sc": "ice_pickups", "at_large": "at_large_arrests", "background": "background_arrests"}


class ICE(mesa.Agent):
    """Immigration and Customs Enforcement as seen from one county."""

    def __init__(self, model, schedule, params, *, weekly_capacity: float):
        """``schedule``: the regime in force each week (a ``Timeline`` of ``Regime``); ``params``: the
        model's parameter object, read under the parameters' own names; ``weekly_capacity``: people ICE
        can take into custody from this county a week."""
        super().__init__(model)
        self.schedule = schedule
        self.params = params
        self.weekly_capacity = weekly_capacity
        self.budget = self.budget_cap = CARRY_OVER_WEEKS * weekly_capacity + 1  # at rest before the run
        self.pending = []  # this week's IDENT matches: (resident, offense, felony), in arrival order
        self.pickups = []  # this week's honored holds awaiting ICE: (resident, offense)
        self.at_large_schedule = {}  # week -> [(resident, offense)] ICE will look for at large
        self.release_schedule = {}  # week -> residents whose detention ends
        self.detained = {}  # resident -> (door, offense, rule) of the current detention
        # background enforcement: undocumented adults, weighted by immigration history, so that at
        # build the expected yearly arrests are background_rate per undocumented resident
        undocumented = model.status == Status.UNDOCUMENTED
        self.undocumented_adults = np.flatnonzero(undocumented & model.adult)
        self._weight = self._weights(self.undocumented_adults)
        total = self._weight.sum()
        self.background_per_weight = (params.background_arrest_rate * int(undocumented.sum()) / total / WEEKS_PER_YEAR
                                      if total > 0 else 0.0)
        self._weight_cdf = None  # cumulative weights, rebuilt after a removal changes one

    # --- a safe copy of ICE's state in this county (plain data), for snapshots of the model ---
    def state(self) -> dict:
        def offense(o):
            return None if o is None else int(o)

        return {"budget": float(self.budget),
                "pending": [(int(r), offense(o), bool(f)) for r, o, f in self.pending],
                "pickups": [(int(r), offense(o)) for r, o in self.pickups],
                "at_large_schedule": {int(w): [(int(r), offense(o)) for r, o in v]
                                      for w, v in self.at_large_schedule.items()},
                "release_schedule": {int(w): list(v) for w, v in self.release_schedule.items()},
                "detained": {int(r): (door, offense(o), rule) for r, (door, o, rule) in self.detained.items()},
                "undocumented_adults": self.undocumented_adults.copy(), "weight": self._weight.copy()}

    def set_state(self, state: dict) -> None:
        def offense(o):
            return None if o is None else Offense(o)

        self.budget = state["budget"]
        self.pending = [(r, offense(o), f) for r, o, f in state["pending"]]
        self.pickups = [(r, offense(o)) for r, o in state["pickups"]]
        self.at_large_schedule = {w: [(r, offense(o)) for r, o in v] for w, v in state["at_large_schedule"].items()}
        self.release_schedule = {w: list(v) for w, v in state["release_schedule"].items()}
        self.detained = {r: (door, offense(o), rule) for r, (door, o, rule) in state["detained"].items()}
        self.undocumented_adults = state["undocumented_adults"].copy()
        self._weight = state["weight"].copy()
        self._weight_cdf = None

    @property
    def regime(self):
        return self.schedule.at(self.model.week)

    def _case(self, resident: int, offense=None, felony=False) -> Case:
        model = self.model
        since = self.schedule.since(model.week)
        return Case(model.record[resident], model.record_week[resident], model.week, offense, felony, since)

    def _weights(self, people: np.ndarray) -> np.ndarray:
        record = self.model.record
        history = (record[people, PRIOR_REMOVAL] > 0) | (record[people, FINAL_ORDER] > 0)
        return np.where(history, self.params.background_history_weight, 1.0)

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
            if model.custody[resident] != Custody.JAILED:
                continue
            status = model.status[resident]
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

    # --- every door: this week's intake, in priority order within capacity ---
    def take_custody(self) -> None:
        model = self.model
        self.budget = min(self.budget + self.weekly_capacity, self.budget_cap)
        regime = self.regime
        lowest = len(regime.ranks)
        reserve = CARRY_OVER_WEEKS * self.weekly_capacity / lowest  # held back per rank below the top
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
            if (model.custody[resident] != Custody.FREE or not model.residents[resident].removable
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
        candidates.sort(key=lambda c: (c[0], c[1]))
        for rank, _, resident, door, offense, rule in candidates:
            if self.budget >= 1 + rank * reserve:
                self.budget -= 1
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
        if self._weight_cdf is None:
            self._weight_cdf = np.cumsum(self._weight)
        total = float(self._weight_cdf[-1]) if len(self._weight_cdf) else 0.0
        k = int(model.rng.poisson(self.background_per_weight * total)) if total > 0 else 0
        if k == 0:
            return []
        picks = np.searchsorted(self._weight_cdf, model.rng.random(k) * total, side="right")
        chosen = []
        for resident in dict.fromkeys(self.undocumented_adults[picks].tolist()):
            if (model.custody[resident] == Custody.FREE and model.status[resident] == Status.UNDOCUMENTED
                    and (regime.pursues_everyone or regime.rank(self._case(resident)) is not None)):
                chosen.append(resident)
        return chosen

    def _lapse(self, resident: int, offense, why: str) -> None:
        """A hold ICE did not act on (it did not come, or had no capacity left): released."""
        model = self.model
        model.count("holds_lapsed")
        model.log_event("lapsed", resident, offense, door="sc", rule=why)
        model.free(resident)

    def _detain(self, resident: int, door: str, offense, rule: str) -> None:
        model = self.model
        model.custody[resident] = Custody.ICE
        model.in_ident[resident] = True  # ICE enrolls everyone it detains
        model.count(COUNTER_OF_DOOR[door])
        model.log_event(STAGE_OF_DOOR[door], resident, offense, door=door, rule=rule)
        model.mark_ice_contact(resident, model.params.detention_shock, transfer=door == "sc")
        self.detained[resident] = (door, offense, rule)
        week = model.week + self.params.ice_detention_weeks
        self.release_schedule.setdefault(week, []).append(resident)

    def resolve_due(self) -> None:
        """End detentions due this week: release of a citizen, relief, or removal."""
        model = self.model
        for resident in self.release_schedule.pop(model.week, []):
            door, offense, rule = self.detained.pop(resident)
            status = model.status[resident]
            if is_citizen(status):
                model.free(resident)
                model.log_event("citizen_release", resident, offense, door=door)
            elif sc_level(model.record[resident]) != LEVEL1 and model.rng.random() < self.params.relief_prob:
                model.grant_relief(resident)  # an aggravated felony bars relief (INA 240A)
                model.log_event("relief", resident, offense, door=door)
                self._reweigh(resident)
            else:
                model.remove_resident(resident, door, offense, rule)
                self._reweigh(resident)

    def _reweigh(self, resident: int) -> None:
        """This person's immigration history changed (a removal, or relief): refresh their weight."""
        i = int(np.searchsorted(self.undocumented_adults, resident))
        if i < len(self.undocumented_adults) and self.undocumented_adults[i] == resident:
            self._weight[i] = self._weights(self.undocumented_adults[i:i + 1])[0]
            self._weight_cdf = None
