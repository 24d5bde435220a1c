"""Resident: one person in the county and one node of the social graph.

Per-resident state that changes every week (fear, custody, record) lives in the
model's numpy arrays so the whole population can be stepped at once; a Resident
is a view onto its row plus the per-event actions of the pathway.
"""

import mesa

from .codes import LEVEL1, RECORD_COLUMNS, Custody, Status, has_immigration_history, sc_level


class Resident(mesa.Agent):
    """A person: legal status, ethnicity, sex, age group, household, record, fear, custody."""

    def __init__(self, model, node: int):
        super().__init__(model)
        self.node = node  # row in the model's arrays and node id in model.graph

    # --- static attributes (read from the county arrays) ---
    @property
    def status(self) -> Status:
        return Status(int(self.model.status[self.node]))

    @property
    def hispanic(self) -> bool:
        return bool(self.model.hispanic[self.node])

    @property
    def female(self) -> bool:
        return bool(self.model.female[self.node])

    @property
    def adult(self) -> bool:
        return bool(self.model.adult[self.node])

    @property
    def household(self):
        return self.model.households[int(self.model.household_of[self.node])]

    @property
    def in_ident(self) -> bool:
        """Biometrics in DHS IDENT from a prior immigration encounter (or an ICE detention)."""
        return bool(self.model.in_ident[self.node])

    # --- dynamic state ---
    @property
    def fear(self) -> float:
        return float(self.model.fear[self.node])

    @property
    def custody(self) -> Custody:
        return Custody(int(self.model.custody[self.node]))

    @custody.setter
    def custody(self, state: Custody) -> None:
        self.model.custody[self.node] = state

    @property
    def in_foster_care(self) -> bool:
        """A child placed in foster care after a removal left no caregiver."""
        return bool(self.model.in_foster_care[self.node])

    @property
    def record(self) -> dict:
        """Counts by record column (convictions; prior removals; an outstanding final order)."""
        row = self.model.record[self.node]
        return {name: int(row[i]) for i, name in enumerate(RECORD_COLUMNS)}

    @property
    def record_weeks(self) -> dict:
        """Week of the latest entry in each record column (None if there is none)."""
        row, counts = self.model.record_week[self.node], self.model.record[self.node]
        return {name: (int(row[i]) if counts[i] > 0 else None) for i, name in enumerate(RECORD_COLUMNS)}

    @property
    def priority_level(self) -> int:
        """SC-era ICE priority level from convictions (0 = no conviction)."""
        return sc_level(self.model.record[self.node])

    @property
    def immigration_history(self) -> bool:
        """A prior removal or an outstanding final order of removal."""
        return has_immigration_history(self.model.record[self.node])

    @property
    def removable(self) -> bool:
        """Undocumented residents are removable; LPRs only with an aggravated felony."""
        status = self.status
        if status == Status.UNDOCUMENTED:
            return True
        return status == Status.LPR and self.priority_level == LEVEL1

    def convict(self, columns, week: int | None = None) -> None:
        """Add entries to the record (columns of the record array), dated this week by default."""
        week = self.model.week if week is None else week
        for column in columns:
            self.model.record[self.node, column] += 1
            self.model.record_week[self.node, column] = week
