"""Household: the members who live together and what a removal does to them."""

import mesa

from .codes import Custody, Status


class Household(mesa.Agent):
    """Members, mixed status, and the bookkeeping of family separation."""

    def __init__(self, model, members, adults, children):
        super().__init__(model)
        self.members = list(members)  # resident ids (graph nodes)
        self.adults = list(adults)
        self.children = list(children)
        statuses = {int(model.status[m]) for m in self.members}
        self.mixed_status = Status.UNDOCUMENTED in statuses and len(statuses) > 1
        self.separations = 0
        self.citizen_children_separated = 0
        self.foster_placements = 0
        self.earners_lost = 0

    @property
    def earners(self) -> int:
        """Adults still present in the county and out of custody."""
        return sum(1 for a in self.adults if self.model.custody[a] == Custody.FREE)

    @property
    def income_share(self) -> float:
        """Share of the household's original earners still bringing in income."""
        return self.earners / len(self.adults) if self.adults else 0.0

    def record_removal(self, resident_id: int) -> dict:
        """Book the separation caused by removing one member; return what it did."""
        others = [m for m in self.members if m != resident_id
                  and self.model.custody[m] != Custody.REMOVED]
        if not others:
            return {"separated": False, "citizen_children": 0, "foster": 0}
        self.separations += 1
        is_parent = resident_id in self.adults and bool(self.children)
        citizen_children = foster = 0
        if resident_id in self.adults:
            self.earners_lost += 1
        if is_parent:
            present = [c for c in self.children if self.model.custody[c] != Custody.REMOVED]
            citizen_children = sum(1 for c in present if self.model.status[c] != Status.UNDOCUMENTED)
            caregivers = [a for a in self.adults if a != resident_id
                          and self.model.custody[a] == Custody.FREE]
            unplaced = [c for c in present if not self.model.in_foster_care[c]]
            if not caregivers and unplaced and self.model.rng.random() >= self.model.kin_care_prob:
                foster = len(unplaced)
                self.model.in_foster_care[unplaced] = True
        self.citizen_children_separated += citizen_children
        self.foster_placements += foster
        return {"separated": True, "citizen_children": citizen_children, "foster": foster}
