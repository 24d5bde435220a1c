"""PoliceOfficer: patrols a beat, makes stops, answers reported crimes."""

import mesa

from .codes import Custody, Offense

# Offenses an officer may settle with a citation instead of an arrest.
CITABLE = (Offense.PUBLIC_ORDER, Offense.TRAFFIC)


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

    def stop(self, offender: int, offense: Offense, felony: bool) -> bool:
        """A proactive stop that found an offense. Return True if it ends in an arrest."""
        if self.model.custody[offender] != Custody.FREE:
            return False
        self.stops += 1
        if offense in CITABLE and self.model.rng.random() < self.model.cite_release_prob:
            self.citations += 1
            self.model.count("citations")
            return False
        return self._arrest(offender, offense, felony)

    def investigate(self, offender: int, offense: Offense, felony: bool,
                    clearance_prob: float) -> bool:
        """Respond to a reported crime; clear it (and arrest) with the given probability.
        Return whether the crime was cleared."""
        self.crimes_investigated += 1
        if self.model.rng.random() >= clearance_prob:
            return False
        self.crimes_cleared += 1
        self.model.count("crimes_cleared")
        if self.model.custody[offender] == Custody.FREE:  # else cleared without a new arrest
            self._arrest(offender, offense, felony)
        return True

    def _arrest(self, offender: int, offense: Offense, felony: bool) -> bool:
        self.arrests += 1
        self.model.jail.book(offender, offense, felony)
        return True
