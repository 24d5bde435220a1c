"""The running tally the lesson reads: the county's counts so far, as plain numbers."""

MINOR_CHARGES = ("traffic", "public_order")  # never felonies; the heart of Hennessey's list

TALLY_ROWS = (  # (label, reporter)
    ("arrests (fingerprints sent to the FBI)", "arrests_cumulative"),
    ("IDENT matches (shared with ICE)", "ident_matches_cumulative"),
    ("detainers issued by ICE", "detainers_issued_cumulative"),
    ("detainers declined by the jail", "detainers_declined_cumulative"),
    ("picked up by ICE", "ice_pickups_cumulative"),
    ("removed", "removals_cumulative"),
    ("households separated", "households_separated_cumulative"),
    ("US-citizen children separated", "citizen_children_separated_cumulative"),
)


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
