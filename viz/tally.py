"""Counts the lesson reads that no reporter holds: computed from the county's state and event log
each time the page draws, never stored (docs/classroom.md's O4, O6 and O10 and the graph's heading)."""

import numpy as np

from agents.codes import SERIOUS_VIOLENT, Custody, Status

MINOR_CHARGES = ("traffic", "public_order")  # never felonies; the heart of Hennessey's list
BACKGROUND_DECLINE = "background_decline"  # the jail's rule name for a decline outside the county's policy


def minor_charge_pickups(model) -> int:
    """People ICE picked up whose booking charge was only a traffic or public-order offense."""
    return model.events.count("pickup", MINOR_CHARGES)


def minor_charge_pickups_with_serious_record(model) -> int:
    """Of those pickups, the ones whose person has a record of serious or violent crime (O6)."""
    pickups = [e for e in model.events.select(stage="pickup") if e["offense"] in MINOR_CHARGES]
    return int(sum(model.record[e["resident_id"], SERIOUS_VIOLENT] > 0 for e in pickups))


def background_declines(model) -> int:
    """Detainers the jail declined for a reason outside the county's policy (the national background
    rate, ``detainer_decline_prob``): why a fully cooperating jail still declines a few."""
    return len(model.events.select(stage="declined", rule=BACKGROUND_DECLINE))


def policy_declines(model) -> int:
    """Detainers the jail declined under the county's own policy."""
    return int(model.metrics["detainers_declined_cumulative"]) - background_declines(model)


def away_now(model) -> int:
    """Residents removed and not (yet) back: the hollow dots."""
    return int((model.custody == Custody.REMOVED).sum())


def away_at_start(model) -> int:
    """Residents already away at week 0 (removed in the years the county ran before its record starts):
    away now = away at week 0 + removals so far - returns so far."""
    return away_now(model) - int(model.metrics["removals_cumulative"]) + int(model.metrics["re_entries_cumulative"])


def tied_to_removed(model) -> np.ndarray:
    """Residents with a family or friendship tie to someone away after removal (O10's "near")."""
    removed = model.custody == Custody.REMOVED
    pairs = np.concatenate([model.ties.family, model.ties.friends])
    touched = np.zeros(len(removed), dtype=bool)
    touched[pairs[removed[pairs[:, 0]], 1]] = True
    touched[pairs[removed[pairs[:, 1]], 0]] = True
    return touched


def fear_near_and_far(model) -> dict:
    """O10: undocumented residents in the county with a family or friendship tie to someone removed
    ("near") and without one ("far"): how many, and their mean fear (NaN when there are none)."""
    undocumented = (model.status == Status.UNDOCUMENTED) & (model.custody != Custody.REMOVED)
    touched = tied_to_removed(model)
    out = {}
    for name, mask in (("near", undocumented & touched), ("far", undocumented & ~touched)):
        n = int(mask.sum())
        out[name] = (n, float(model.fear[mask].mean()) if n else float("nan"))
    return out
