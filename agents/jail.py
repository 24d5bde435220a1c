"""Jail: books arrestees, sends fingerprints, applies the county's detainer policy, and sends
each charge to court.

The county cannot stop the fingerprint match: prints always go to the FBI and the FBI shares them
with DHS when the federal program is active. The jail's lever is what it does with a detainer:
its policy (``agents.policies.DETAINER_POLICIES``) decides, rule by rule, whether to hold the
person for ICE. A held person loses pretrial release, which lengthens the stay and raises the
chance of conviction (Dobbie, Goldin & Yang 2018).
"""

import mesa

from .codes import WOBBLER_OFFENSES, Custody, Offense, conviction_columns, is_citizen
from .policies import Case, DetainerPolicy

# Weeks in jail after booking, by offense (most arrestees leave within days).
JAIL_WEEKS = {Offense.VIOLENT: 4, Offense.PROPERTY: 1, Offense.DRUG: 1,
              Offense.DUI: 1, Offense.PUBLIC_ORDER: 0, Offense.TRAFFIC: 0}
# Charges that go to arraignment with bail or release on recognizance: an honored detainer keeps
# the person in jail until the case is disposed of (Justice Strategies 2010). Public-order and
# traffic bookings are released at once; a detainer adds only the 48-hour hold.
PRETRIAL_CHARGES = frozenset({Offense.VIOLENT, Offense.PROPERTY, Offense.DRUG, Offense.DUI})


class Jail(mesa.Agent):
    """The county jail under its detainer policy, or under a schedule of them (a policy change)."""

    def __init__(self, model, policies, params):
        """``policies``: the detainer policy in force each week (a ``Timeline`` of ``DetainerPolicy``);
        ``params``: the model's parameter object, read under the parameters' own names."""
        super().__init__(model)
        self.policies = policies
        self.params = params
        self.detained_conviction_prob = min(1.0, params.conviction_prob + params.pretrial_conviction_effect)
        self.charges = {}  # resident -> (offense, felony) of the current booking
        self.release_week = {}  # resident -> week they are due out
        self.release_schedule = {}  # week -> residents due for release
        self.detainers = {}  # resident -> (honor?, rule) for the detainer lodged on them
        self.pretrial = set()  # residents a detainer keeps in jail before trial

    # --- a safe copy of the jail's state (plain data), for snapshots of the model ---
    def state(self) -> dict:
        return {"charges": {int(r): (int(o), bool(f)) for r, (o, f) in self.charges.items()},
                "release_week": dict(self.release_week),
                "release_schedule": {int(w): list(v) for w, v in self.release_schedule.items()},
                "detainers": {int(r): (bool(h), rule) for r, (h, rule) in self.detainers.items()},
                "pretrial": sorted(self.pretrial)}

    def set_state(self, state: dict) -> None:
        self.charges = {r: (Offense(o), f) for r, (o, f) in state["charges"].items()}
        self.release_week = dict(state["release_week"])
        self.release_schedule = {w: list(v) for w, v in state["release_schedule"].items()}
        self.detainers = dict(state["detainers"])
        self.pretrial = set(state["pretrial"])

    @property
    def policy(self) -> DetainerPolicy:
        """The detainer policy in force this week."""
        return self.policies.at(self.model.week)

    def book(self, resident: int, offense: Offense, felony: bool) -> None:
        """Arrest, booking and fingerprint submission; an IDENT match notifies ICE of the charge."""
        model = self.model
        model.custody[resident] = Custody.JAILED
        self.charges[resident] = (offense, felony)
        for stage in ("arrest", "booking"):
            model.count(stage + "s")
            model.log_event(stage, resident, offense)
        model.count("fingerprint_submissions")  # always, to the FBI: no opt-out
        self._schedule_release(resident, model.week + JAIL_WEEKS[offense])
        if model.sharing_is_active and model.in_ident[resident]:
            model.count("ident_matches")
            model.log_event("match", resident, offense)
            model.ice.notify(resident, offense, felony)

    def lodge_detainer(self, resident: int) -> tuple[bool, str]:
        """ICE lodged a detainer. The jail decides now, under its policy, whether it will honor it;
        only an honored detainer holds the person (the hold, and lost pretrial release) for ICE.
        Returns (honored?, the rule that decided)."""
        model = self.model
        offense, felony = self.charges[resident]
        case = Case(model.record[resident], model.record_week[resident], model.week, offense, felony)
        honor, rule = self.policy.decide(case)
        if honor and model.rng.random() < self.params.detainer_decline_prob:  # the national background
            honor, rule = False, "background_decline"
        self.detainers[resident] = (honor, rule)
        if not honor:
            return honor, rule  # declined: released on the ordinary schedule
        model.custody[resident] = Custody.HELD
        if is_citizen(model.status[resident]):
            model.count_citizen_held(resident)
        extra = self.params.detainer_extra_jail_weeks  # the 48-hour hold (8 CFR 287.7(d))
        if offense in PRETRIAL_CHARGES and self.params.detainer_pretrial_weeks > 0:  # pretrial release lost
            extra += self.params.detainer_pretrial_weeks
            self.pretrial.add(resident)
            model.count("pretrial_holds")
        old = self.release_week[resident]
        self.release_schedule[old].remove(resident)
        self._schedule_release(resident, old + extra)
        return honor, rule

    def _schedule_release(self, resident: int, week: int) -> None:
        self.release_week[resident] = week
        self.release_schedule.setdefault(week, []).append(resident)

    def _court(self, resident: int, offense, felony: bool) -> None:
        """The charge becomes a conviction, or not; detention before trial makes it likelier."""
        model = self.model
        detained = resident in self.pretrial
        self.pretrial.discard(resident)
        p = self.detained_conviction_prob if detained else self.params.conviction_prob
        if model.rng.random() < p:
            wobbler = (not felony and offense in WOBBLER_OFFENSES
                       and model.rng.random() < self.params.wobbler_share)
            model.residents[resident].convict(conviction_columns(int(offense), felony, wobbler))
            model.count("convictions")
            if detained:
                model.count("convictions_detained_pretrial")

    def release_due(self) -> None:
        """Release everyone due this week. After an honored detainer the person waits for ICE's
        pickup (ICE.take_custody, this week); after a declined one ICE may come later, at large."""
        model = self.model
        for resident in self.release_schedule.pop(model.week, []):
            offense, felony = self.charges.pop(resident)
            del self.release_week[resident]
            self._court(resident, offense, felony)
            if resident in self.detainers:
                honor, rule = self.detainers.pop(resident)
                if honor:
                    model.count("detainers_honored")
                    model.log_event("honored", resident, offense, rule=rule)
                    model.ice.request_pickup(resident, offense)
                    continue  # held until ICE comes or the hold lapses, this week
                model.count("detainers_declined")
                model.log_event("declined", resident, offense, rule=rule)
                model.free(resident)
                model.ice.released_despite_detainer(resident, offense)
                continue
            model.free(resident)
