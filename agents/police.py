"""PoliceOfficer: patrols a beat, makes stops, answers reported crimes.

Who is stopped is drawn for the whole county at once (``model.crime``); ``stop_weights`` gives
that draw its per-resident multiplier (optional ethnic profiling). What happens after a stop is
the officer's decision, here: cite and release, or book (an undocumented driver without a
license is booked where others would be cited).
"""

import mesa
import numpy as np

from .codes import Custody, Offense, Status

# Offenses found by proactive stops (FBI UCR arrest mix without violent and property crime).
STOP_MIX = {Offense.DRUG: 0.13, Offense.DUI: 0.10, Offense.PUBLIC_ORDER: 0.45, Offense.TRAFFIC: 0.18}
# Offenses an officer may settle with a citation instead of an arrest.
CITABLE = (Offense.PUBLIC_ORDER, Offense.TRAFFIC)


def stop_weights(model) -> np.ndarray:
    """Per-resident multiplier on the chance of a proactive stop: ``profiling_stop_ratio`` for
    Hispanic residents when ``ethnic_profiling`` is on, ones otherwise. Multiply the stop draw's
    weights by it (the number of stops stays the same; profiling changes who is stopped)."""
    if not model.params.ethnic_profiling:
        return np.ones(len(model.hispanic))
    return np.where(model.hispanic, model.params.profiling_stop_ratio, 1.0)


class PoliceOfficer(mesa.Agent):
    """An officer with a beat (a neighborhood) and discretion to cite and release."""

    def __init__(self, model, beat: int):
        super().__init__(model)
        self.beat = beat
        self.stops = 0
        self.arrests = 0
        self.citations = 0
        self.crimes_investigated = 0
        self.crimes_cleared = 0

    COUNTS = ("stops", "arrests", "citations", "crimes_investigated", "crimes_cleared")

    def state(self) -> dict:
        return {name: getattr(self, name) for name in self.COUNTS}

    def set_state(self, state: dict) -> None:
        for name in self.COUNTS:
            setattr(self, name, state[name])

    def stop(self, offender: int, offense: Offense, felony: bool) -> bool:
        """A proactive stop that found an offense. Return True if it ends in an arrest."""
        model = self.model
        if model.custody.item(offender) != Custody.FREE:
            return False
        self.stops += 1
        if offense in CITABLE and model.rng.random() < model.params.cite_release_prob:
            if not self._unlicensed(offender, offense):
                self.citations += 1
                model.count("citations")
                return False
            model.count("unlicensed_driver_bookings")  # no license to cite on: booked instead
        return self._arrest(offender, offense, felony)

    def _unlicensed(self, offender: int, offense: Offense) -> bool:
        """An undocumented driver stopped for a traffic offense, where the unauthorized cannot get
        a driver's license (NCSL: most states, 2008-2013)."""
        return (self.model.params.unlicensed_driving and offense == Offense.TRAFFIC
                and self.model.status.item(offender) == Status.UNDOCUMENTED)

    def investigate(self, offender: int, offense: Offense, felony: bool,
                    clearance_prob: float) -> bool:
        """Respond to a reported crime; clear it (and arrest) with the given probability.
        Return whether the crime was cleared."""
        self.crimes_investigated += 1
        if self.model.rng.random() >= clearance_prob:
            return False
        self.crimes_cleared += 1
        self.model.count("crimes_cleared")
        if self.model.custody.item(offender) == Custody.FREE:  # else cleared without a new arrest
            self._arrest(offender, offense, felony)
        return True

    def _arrest(self, offender: int, offense: Offense, felony: bool) -> bool:
        self.arrests += 1
        self.model.jail.book(offender, offense, felony)
        return True
