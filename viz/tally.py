"""The running tally the lesson reads: the county's counts so far, as plain numbers."""

from model.reporters import short_label

MINOR_CHARGES = ("traffic", "public_order")  # never felonies; the heart of Hennessey's list

TALLY_REPORTERS = ("arrests_cumulative", "ident_matches_cumulative", "detainers_issued_cumulative",
                   "detainers_declined_cumulative", "ice_pickups_cumulative", "removals_cumulative",
                   "separated_households_cumulative", "separated_citizen_children_cumulative")
TALLY_ROWS = tuple((short_label(name), name) for name in TALLY_REPORTERS)  # (label, reporter)


def minor_charge_pickups(model) -> int:
    """People ICE picked up whose booking charge was only a traffic or public-order offense."""
    return model.events.count("pickup", MINOR_CHARGES)


def tally(model) -> list[tuple[str, int]]:
    """(label, count) rows for the sidebar, in pathway order."""
    rows = [(label, int(model.metrics[name])) for label, name in TALLY_ROWS]
    rows.insert(5, ("picked up after a traffic or public-order arrest", minor_charge_pickups(model)))
    return rows


def tally_markdown(model) -> str:
    lines = ["| so far | |", "|:--|--:|"]
    lines += [f"| {label} | {count:,} |" for label, count in tally(model)]
    return "\n".join(lines)
