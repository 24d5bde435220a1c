"""Jail: books arrestees, sends fingerprints, applies the county's detainer policy, and sends
each charge to court.

The county cannot stop the fingerprint match: prints always go to the FBI and the FBI shares them
with DHS when the federal program is active. The jail's lever is what it does with a detainer:
its policy (``agents.policies.DETAINER_POLICIES``) decides, rule by rule, whether to hold the
person for ICE.

The jail's timing. A booking starts a criminal case, decided ``adjudication_weeks`` later on a
charge that goes to bail (violent, property, drug, DUI) and ``minor_disposition_weeks`` later on a
public-order or traffic charge. Local custody ends before that for most: public-order and traffic
arrestees are released at once (cited to appear), and a bail charge is released before trial with
probability ``pretrial_release_prob`` (after ``RELEASE_WEEKS``); the rest are detained until the
case is decided, and released then (time served: the model has no sentences). A detainer is lodged
at booking and falls due when local custody ends, whether or not the case was decided: an honored
detainer holds the person for ICE then (the 48-hour hold), so many people reach ICE with the charge
still pending. On a bail charge an honored detainer takes the pretrial release away (Justice
Strategies 2010): the person stays in until the case is decided, which makes a conviction likelier
(Dobbie, Goldin & Yang 2018). The case is decided on its date if the person is in the county and
not in ICE custody (``POSTPONE_WEEKS`` later if in ICE custody: ICE does not bring detainees to
criminal court); a person removed before it leaves the charge pending for good.
``model.charge_state`` holds where each person's latest case stands (``agents.codes.CHARGE_NAMES``).
"""

import mesa

from .codes import (
    CHARGE_CONVICTED,
    CHARGE_NOT_CONVICTED,
    CHARGE_PENDING,
    WOBBLER_OFFENSES,
    Custody,
    Offense,
    age_group,
    conviction_columns,
    is_citizen,
)
from .policies import Case, DetainerPolicy

# Charges that go to arraignment with bail or release on recognizance; public-order and traffic
# bookings are released at once (cited to appear) and a detainer adds only the 48-hour hold.
PRETRIAL_CHARGES = frozenset({Offense.VIOLENT, Offense.PROPERTY, Offense.DRUG, Offense.DUI})
# Weeks from booking to release before trial (most leave within days; BJS: the median felony
# defendant released is out within a day or two): a violent charge takes a week to post bail.
RELEASE_WEEKS = {Offense.VIOLENT: 1, Offense.PROPERTY: 0, Offense.DRUG: 0,
                 Offense.DUI: 0, Offense.PUBLIC_ORDER: 0, Offense.TRAFFIC: 0}
POSTPONE_WEEKS = 4  # a case due while the person is in ICE custody is set again this much later


class Jail(mesa.Agent):
    """The county jail under its detainer policy, or under a schedule of them (a policy change)."""

    def __init__(self, model, policies, params):
        """``policies``: the detainer policy in force each week (a ``Timeline`` of ``DetainerPolicy``);
        ``params``: the model's parameter object, read under the parameters' own names."""
        super().__init__(model)
        self.policies = policies
        self.params = params
        self.detained_conviction_prob = min(1.0, params.conviction_prob + params.pretrial_conviction_effect)
        self.charges = {}  # resident -> (offense, felony) of the current booking (people in jail)
        self.release_week = {}  # resident -> week they are due out
        self.release_schedule = {}  # week -> residents due for release
        self.detainers = {}  # resident -> (honor?, rule) for the detainer lodged on them
        self.pretrial = set()  # residents in jail until their case is decided (no bail, or a detainer)
        self.disposition_week = {}  # resident -> week the case of their latest booking is decided
        self.dispositions = {}  # week -> [(resident, offense, felony)] cases decided that week

    # --- a safe copy of the jail's state (plain data), for snapshots of the model ---
    def state(self) -> dict:
        return {"charges": {int(r): (int(o), bool(f)) for r, (o, f) in self.charges.items()},
                "release_week": dict(self.release_week),
                "release_schedule": {int(w): list(v) for w, v in self.release_schedule.items()},
                "detainers": {int(r): (bool(h), rule) for r, (h, rule) in self.detainers.items()},
                "pretrial": sorted(self.pretrial),
                "disposition_week": {int(r): int(w) for r, w in self.disposition_week.items()},
                "dispositions": {int(w): [(int(r), int(o), bool(f)) for r, o, f in v]
                                 for w, v in self.dispositions.items()}}

    def set_state(self, state: dict) -> None:
        self.charges = {r: (Offense(o), f) for r, (o, f) in state["charges"].items()}
        self.release_week = dict(state["release_week"])
        self.release_schedule = {w: list(v) for w, v in state["release_schedule"].items()}
        self.detainers = dict(state["detainers"])
        self.pretrial = set(state["pretrial"])
        self.disposition_week = dict(state["disposition_week"])
        self.dispositions = {w: [(r, Offense(o), f) for r, o, f in v] for w, v in state["dispositions"].items()}

    @property
    def policy(self) -> DetainerPolicy:
        """The detainer policy in force this week."""
        return self.policies.at(self.model.week)

    def book(self, resident: int, offense: Offense, felony: bool) -> None:
        """Arrest, booking and fingerprint submission; an IDENT match notifies ICE of the charge."""
        model, p = self.model, self.params
        model.custody[resident] = Custody.JAILED
        self.charges[resident] = (offense, felony)
        for stage in ("arrest", "booking"):
            model.count(stage + "s")
            model.log_event(stage, resident, offense)
        model.count(f"arrests_age_{age_group(int(model.age[resident]))}")
        model.count("fingerprint_submissions")  # always, to the FBI: no opt-out
        bail = offense in PRETRIAL_CHARGES
        decided = model.week + (p.adjudication_weeks if bail else p.minor_disposition_weeks)
        self._schedule_disposition(resident, offense, felony, decided)
        model.charge_state[resident] = CHARGE_PENDING
        if bail and model.rng.random() >= p.pretrial_release_prob:  # no bail made: in until the case is decided
            self.pretrial.add(resident)
            self._schedule_release(resident, decided)
        else:
            self._schedule_release(resident, model.week + RELEASE_WEEKS[offense])
        if model.sharing_is_active and model.in_ident[resident]:
            model.count("ident_matches")
            model.log_event("match", resident, offense)
            model.ice.notify(resident, offense, felony)

    def _schedule_disposition(self, resident: int, offense, felony: bool, week: int) -> None:
        self.disposition_week[resident] = week
        self.dispositions.setdefault(week, []).append((resident, offense, felony))

    def lodge_detainer(self, resident: int) -> tuple[bool, str]:
        """ICE lodged a detainer. The jail decides now, under its policy, whether it will honor it;
        only an honored detainer holds the person for ICE (the hold, and on a bail charge the lost
        pretrial release). Returns (honored?, the rule that decided)."""
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
        if is_citizen(model.status.item(resident)):
            model.count_citizen_held(resident)
        old = self.release_week[resident]
        release = old
        if offense in PRETRIAL_CHARGES and resident not in self.pretrial:  # pretrial release lost
            self.pretrial.add(resident)
            release = self.disposition_week[resident]
            model.count("pretrial_holds")
        self.release_schedule[old].remove(resident)
        self._schedule_release(resident, release + self.params.detainer_extra_jail_weeks)  # the 48-hour hold
        return honor, rule

    def _schedule_release(self, resident: int, week: int) -> None:
        self.release_week[resident] = week
        self.release_schedule.setdefault(week, []).append(resident)

    def decide_cases(self) -> None:
        """The criminal cases due this week: a conviction, or not (dismissed or acquitted); detention
        before trial makes a conviction likelier. A person in ICE custody waits; one away is never tried."""
        model = self.model
        for resident, offense, felony in self.dispositions.pop(model.week, []):
            latest = self.disposition_week.get(resident) == model.week  # the case of their latest booking
            custody = model.custody.item(resident)
            if custody == Custody.REMOVED:  # gone before trial: the charge stays pending
                if latest:
                    del self.disposition_week[resident]
                continue
            if custody == Custody.ICE:
                week = model.week + POSTPONE_WEEKS
                self.dispositions.setdefault(week, []).append((resident, offense, felony))
                if latest:
                    self.disposition_week[resident] = week
                continue
            if latest:
                del self.disposition_week[resident]
            detained = latest and resident in self.pretrial
            p = self.detained_conviction_prob if detained else self.params.conviction_prob
            if model.rng.random() < p:
                wobbler = (not felony and offense in WOBBLER_OFFENSES
                           and model.rng.random() < self.params.wobbler_share)
                model.residents[resident].convict(conviction_columns(int(offense), felony, wobbler))
                model.count("convictions")
                if detained:
                    model.count("convictions_detained_pretrial")
                outcome = CHARGE_CONVICTED
            else:
                model.count("cases_not_convicted")
                outcome = CHARGE_NOT_CONVICTED
            if latest:
                model.charge_state[resident] = outcome

    def release_due(self) -> None:
        """Decide this week's cases, then release everyone due this week. After an honored detainer the
        person waits for ICE's pickup (ICE.take_custody, this week); after a declined one ICE may come
        later, at large."""
        model = self.model
        self.decide_cases()
        for resident in self.release_schedule.pop(model.week, []):
            offense, _ = self.charges.pop(resident)
            del self.release_week[resident]
            self.pretrial.discard(resident)
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
