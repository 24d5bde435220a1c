"""Jail: books arrestees, sends fingerprints, and applies the county's detainer policy.

The county cannot stop the fingerprint match: prints always go to the FBI and the
FBI shares them with DHS when the federal program is active. The jail's only lever
is what it does with a detainer when the person is due for release.
"""

import mesa

from .codes import SERIOUS_VIOLENT, Custody, Offense

DETAINER_POLICIES = ("full", "hennessey", "trust_act", "sanctuary")

# Weeks in jail after booking, by offense (most arrestees leave within days).
JAIL_WEEKS = {Offense.VIOLENT: 4, Offense.PROPERTY: 1, Offense.DRUG: 1,
              Offense.DUI: 1, Offense.PUBLIC_ORDER: 0, Offense.TRAFFIC: 0}


def is_low_level(offense: Offense, felony: bool) -> bool:
    """Hennessey's list (San Francisco, 2011): disorderly conduct, drunkenness, shoplifting,
    open container, minor trespass, drug possession: misdemeanor public-order, traffic,
    property and drug charges. (People with a serious or violent record are still held.)"""
    if felony:
        return False
    return offense in (Offense.PUBLIC_ORDER, Offense.TRAFFIC, Offense.PROPERTY, Offense.DRUG)


class Jail(mesa.Agent):
    """The county jail under one detainer policy."""

    def __init__(self, model, policy: str):
        super().__init__(model)
        if policy not in DETAINER_POLICIES:
            raise ValueError(f"detainer_policy must be one of {DETAINER_POLICIES}, got {policy!r}")
        self.policy = policy
        self.charges = {}  # resident -> (offense, felony) of the current booking
        self.release_week = {}  # resident -> week they are due out
        self.release_schedule = {}  # week -> residents due for release
        self.detainers = {}  # resident -> whether the jail will honor the detainer lodged on them

    def book(self, resident: int, offense: Offense, felony: bool) -> None:
        """Arrest, booking and fingerprint submission; queue an IDENT match if the program is on."""
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
            model.ice.notify(resident)

    def lodge_detainer(self, resident: int) -> None:
        """ICE lodged a detainer. The jail decides now, under its policy, whether to honor it;
        only an honored detainer holds the person (lost bail, the 48-hour hold) for ICE."""
        offense, felony = self.charges[resident]
        honor = self.honors(resident, offense, felony)
        self.detainers[resident] = honor
        if not honor:
            return  # declined: released on the ordinary schedule
        self.model.custody[resident] = Custody.HELD
        old = self.release_week[resident]
        self.release_schedule[old].remove(resident)
        self._schedule_release(resident, old + self.model.detainer_extra_jail_weeks)

    def _schedule_release(self, resident: int, week: int) -> None:
        self.release_week[resident] = week
        self.release_schedule.setdefault(week, []).append(resident)

    def honors(self, resident: int, offense: Offense, felony: bool) -> bool:
        """Whether the jail holds this person for ICE, under the county's policy (the charge
        and the record of prior convictions)."""
        serious_record = self.model.record[resident, SERIOUS_VIOLENT] > 0
        if self.policy == "sanctuary":
            return False
        if self.policy == "trust_act" and not serious_record:
            return False
        if self.policy == "hennessey" and is_low_level(offense, felony) and not serious_record:
            return False
        return self.model.rng.random() >= self.model.detainer_decline_prob

    def release_due(self) -> None:
        """Release everyone due this week; people with a detainer go through the policy."""
        model = self.model
        for resident in self.release_schedule.pop(model.week, []):
            offense, felony = self.charges.pop(resident)
            del self.release_week[resident]
            model.resolve_charge(resident, offense, felony)
            if resident in self.detainers:
                if self.detainers.pop(resident):
                    model.count("detainers_honored")
                    model.log_event("honored", resident, offense)
                    if model.ice.pick_up(resident, offense):
                        continue
                else:
                    model.count("detainers_declined")
                    model.log_event("declined", resident, offense)
            model.custody[resident] = Custody.FREE
