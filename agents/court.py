"""The way out of ICE custody: what ends a detention, and the cases that stay pending.

When a detention ends (``ice_detention_weeks`` after ICE took the person), the case ends in one of
these, drawn in this order, each among those left:

- a citizen held by mistake is released (``citizen_release``);
- **relief** (``relief_prob``; not open to an aggravated felon, Level 1): the person becomes a lawful
  permanent resident and goes home;
- **prosecutorial discretion** (``discretion_prob``, only for the ranks the regime in force lets ICE
  close: the Morton memo of June 2011 under SC, the lower priorities under PEP, no one under EO 13768):
  the case is closed and the person goes home with no order;
- **release on bond or recognizance** (``ice_release_prob``; not for Level 1, held in mandatory
  detention): the person goes home, free, with a case pending in immigration court, heard after a
  geometric number of weeks of mean ``case_mean_weeks``;
- **voluntary departure** (``voluntary_departure_prob``): the person leaves the country with no
  removal order; away from the county like a removed person, but not counted as a removal and with
  no removal on the record;
- otherwise **removal**.

A pending case is heard when due if the person is free (in jail, it waits ``HEARING_DELAY_WEEKS``):
relief, discretion (as above, by the person's rank then), termination (``case_termination_prob``:
not removable as charged, or dismissed), or a removal order, carried out at once (a removal by the
door that first brought the person to ICE). A person taken into custody again while a case is
pending has it heard inside the new detention.

Fear hears of the detention (``detention_shock``, when ICE takes the person) and of a removal or a
departure (``removal_shock``); a release, a closed case or a termination adds no exposure and is not
an ICE contact (``model.mark_ice_contact``): the people around already know of the detention.

While the case is pending the person is free in custody terms: at home, in fear and reporting like
anyone else, and their family is not separated. ``model.case_due_week`` holds each resident's
hearing week (``NO_CASE`` if none).
"""

import mesa

from .codes import LEVEL1, Custody, Offense, is_citizen, sc_level
from .policies import Case

HEARING_DELAY_WEEKS = 4  # a hearing missed because the person is in jail is set again this much later
NO_CASE = -1


class ImmigrationCourt(mesa.Agent):
    """Ends detentions and hears the cases of people released with a case pending."""

    def __init__(self, model, schedule, params):
        """``schedule``: ICE's regime in force each week (a ``Timeline`` of ``Regime``); ``params``: the
        model's parameter object."""
        super().__init__(model)
        self.schedule = schedule
        self.params = params
        self.hearings = {}  # week -> residents whose pending case is heard that week
        self.cases = {}  # resident -> (door, offense) of the detention the pending case came from

    # --- a safe copy of the court's state (plain data), for snapshots of the model ---
    def state(self) -> dict:
        return {"hearings": {int(w): [int(r) for r in v] for w, v in self.hearings.items()},
                "cases": {int(r): (door, None if o is None else int(o)) for r, (door, o) in self.cases.items()}}

    def set_state(self, state: dict) -> None:
        self.hearings = {w: list(v) for w, v in state["hearings"].items()}
        self.cases = {r: (door, None if o is None else Offense(o)) for r, (door, o) in state["cases"].items()}

    def _discretion_open(self, resident: int) -> bool:
        """Whether the regime in force lets ICE close this person's case: a rank it names, or not a priority."""
        model = self.model
        regime = self.schedule.at(model.week)
        case = Case(model.record[resident], model.record_week[resident], model.week,
                    since=self.schedule.since(model.week))
        ranked = regime.rank(case)
        return bool(regime.discretion) and (ranked is None or ranked[1] in regime.discretion)

    def end_detention(self, resident: int, door: str, offense, rule: str) -> str:
        """Decide how this detention ends, carry it out and return the exit's stage name."""
        model, p, rng = self.model, self.params, self.model.rng
        if is_citizen(model.status.item(resident)):
            model.free(resident)
            model.log_event("citizen_release", resident, offense, door=door)
            return "citizen_release"
        aggravated = sc_level(model.record[resident]) == LEVEL1
        if not aggravated and rng.random() < p.relief_prob:  # an aggravated felony bars relief (INA 240A)
            model.grant_relief(resident)
            model.log_event("relief", resident, offense, door=door)
            return "relief"
        if self._discretion_open(resident) and rng.random() < p.discretion_prob:
            self._close(resident, "discretion", "discretion_closures", offense, door)
            return "discretion"
        if not aggravated and rng.random() < p.ice_release_prob:
            self._release(resident, door, offense)
            return "ice_release"
        if rng.random() < p.voluntary_departure_prob:
            model.depart_resident(resident, door, offense)
            return "voluntary_departure"
        model.remove_resident(resident, door, offense, rule)
        return "removal"

    def _close(self, resident: int, stage: str, counter: str, offense, door) -> None:
        """The case ends with no order: the person is free (or stays free)."""
        model = self.model
        model.count(counter)
        model.log_event(stage, resident, offense, door=door)
        if model.custody.item(resident) == Custody.ICE:
            model.free(resident)

    def _release(self, resident: int, door: str, offense) -> None:
        model = self.model
        model.free(resident)
        week = model.week + int(model.rng.geometric(1.0 / self.params.case_mean_weeks))
        self._schedule(resident, week)
        self.cases[resident] = (door, offense)
        model.count("ice_releases")
        model.log_event("ice_release", resident, offense, door=door)

    def _schedule(self, resident: int, week: int) -> None:
        self.model.case_due_week[resident] = week
        self.hearings.setdefault(week, []).append(resident)

    def close_pending(self, resident: int) -> None:
        """ICE took a person with a case pending into custody again: the case goes on inside the detention."""
        if self.model.case_due_week[resident] != NO_CASE:
            self.model.case_due_week[resident] = NO_CASE
            self.cases.pop(resident, None)

    def hearings_due(self) -> None:
        """Hear the pending cases due this week."""
        model, p, rng = self.model, self.params, self.model.rng
        for resident in self.hearings.pop(model.week, []):
            if model.case_due_week[resident] != model.week:  # closed since, or set for another week
                continue
            if model.custody.item(resident) != Custody.FREE:  # in jail: the court sets the hearing again
                self._schedule(resident, model.week + HEARING_DELAY_WEEKS)
                continue
            door, offense = self.cases.pop(resident)
            model.case_due_week[resident] = NO_CASE
            aggravated = sc_level(model.record[resident]) == LEVEL1
            if not aggravated and rng.random() < p.relief_prob:
                model.grant_relief(resident)
                model.log_event("relief", resident, offense, door=door)
            elif self._discretion_open(resident) and rng.random() < p.discretion_prob:
                self._close(resident, "discretion", "discretion_closures", offense, door)
            elif rng.random() < p.case_termination_prob:
                self._close(resident, "termination", "case_terminations", offense, door)
            else:
                model.count("removals_after_hearing")
                model.remove_resident(resident, door, offense, "removal_order")

    @property
    def pending(self) -> int:
        """Cases pending now (people released from ICE custody awaiting their hearing)."""
        return len(self.cases)
