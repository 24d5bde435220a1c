"""Household: the members who live together, what a removal does to them, and reunification."""

import mesa

from .codes import Custody, Status


class Household(mesa.Agent):
    """Members, mixed status, and the bookkeeping of family separation."""

    def __init__(self, model, index, members, adults, children):
        super().__init__(model)
        self.index = index  # position in model.households (= model.household_of of its members)
        self.members = list(members)  # resident ids (graph nodes)
        self.adults = list(adults)
        self.children = list(children)
        self.update_status()
        self.separations = 0  # removals that left someone behind (events)
        self.ever_separated = False
        self.citizen_children_separated = 0  # citizen children present at those removals (events)
        self.foster_placements = 0
        self.reunifications = 0
        self.earners_lost = 0

    COUNTS = ("separations", "ever_separated", "citizen_children_separated", "foster_placements", "reunifications",
              "earners_lost")

    def state(self) -> dict:
        """The household's counts (plain data), for snapshots of the model."""
        return {name: getattr(self, name) for name in self.COUNTS}

    def set_state(self, state: dict) -> None:
        for name in self.COUNTS:
            setattr(self, name, state[name])
        self.update_status()

    def reset_counts(self) -> None:
        """Counts start again (a run's week 0 after the spin-up); who is where stays as it is."""
        self.set_state({name: False if name == "ever_separated" else 0 for name in self.COUNTS})

    def update_status(self) -> None:
        """Mixed status: an undocumented member and a member of another status (changes with relief)."""
        statuses = {int(self.model.status[m]) for m in self.members}
        self.mixed_status = Status.UNDOCUMENTED in statuses and len(statuses) > 1

    @property
    def earners(self) -> int:
        """Adults still present in the county and out of custody."""
        return sum(1 for a in self.adults if self.model.custody.item(a) == Custody.FREE)

    @property
    def income_share(self) -> float:
        """Share of the household's original earners still bringing in income."""
        return self.earners / len(self.adults) if self.adults else 0.0

    def record_removal(self, resident_id: int) -> dict:
        """Book the separation caused by removing one member; return what it did, with what was
        new: the household's first separation, children separated or placed for the first time."""
        model = self.model
        none = {"separated": False, "first": False, "citizen_children": 0, "new_citizen_children": 0,
                "foster": 0, "new_foster": 0}
        others = [m for m in self.members if m != resident_id and model.custody.item(m) != Custody.REMOVED]
        if not others:
            return none
        first = not self.ever_separated
        self.ever_separated = True
        self.separations += 1
        is_parent = resident_id in self.adults and bool(self.children)
        citizen_children = new_citizen_children = foster = new_foster = 0
        if resident_id in self.adults:
            self.earners_lost += 1
        if is_parent:
            present = [c for c in self.children if model.custody.item(c) != Custody.REMOVED]
            citizens = [c for c in present if model.status.item(c) != Status.UNDOCUMENTED]
            citizen_children = len(citizens)
            new = [c for c in citizens if not model.ever_separated_child[c]]
            new_citizen_children = len(new)
            model.ever_separated_child[new] = True
            caregivers = [a for a in self.adults if a != resident_id and model.custody.item(a) == Custody.FREE]
            unplaced = [c for c in present if not model.in_foster_care[c]]
            if not caregivers and unplaced and model.rng.random() >= model.params.kin_care_prob:
                foster = len(unplaced)
                new_foster = int((~model.ever_fostered[unplaced]).sum())
                model.in_foster_care[unplaced] = True
                model.ever_fostered[unplaced] = True
                model.foster_households.add(self.index)
        self.citizen_children_separated += citizen_children
        self.foster_placements += foster
        return {"separated": True, "first": first, "citizen_children": citizen_children,
                "new_citizen_children": new_citizen_children, "foster": foster, "new_foster": new_foster}

    def reunify(self) -> list:
        """A caregiver is back and free: the household's children leave foster care. Returns them."""
        model = self.model
        placed = [c for c in self.children if model.in_foster_care[c]]
        model.in_foster_care[placed] = False
        model.foster_households.discard(self.index)
        self.reunifications += len(placed)
        return placed
