"""One resident's story, for the page's inspector (NetLogo's "inspect"): who they are, their
household, their record, their fear and where it came from, and what happened to them so far.

Everything is read from the model as it is this week: the per-resident arrays, the fear
process's channels (``model.fear_process.channels[:, i]``, which sum to the resident's fear) and
the event log (``model.events.select(resident_id=i)``). Words come from ``model.labels``; the channels
are those ``model.hearing.CHANNELS`` declares.
"""

from agents.codes import FINAL_ORDER, LEVEL_NAMES, RECORD_COLUMNS, SERIOUS_VIOLENT, Custody, Status, sc_level
from model.hearing import CHANNEL_NAMES
from model.labels import (
    CHANNEL_COLORS,
    CHANNEL_LABELS,
    CUSTODY_LABELS,
    EVENT_LABELS,
    LEVEL_LABELS,
    OFFENSE_LABELS,
    RECORD_LABELS,
    RULE_LABELS,
    STATUS_COLORS,
    STATUS_LABELS,
)

SHOWN_RECORD = ("felony", "serious_violent", "misdemeanor", "prior_removal")  # the columns ICE's levels read


def status_of(model, i: int) -> str:
    return Status(int(model.status[i])).name.lower()


def custody_of(model, i: int) -> str:
    return Custody(int(model.custody[i])).name.lower()


def who(model, i: int) -> str:
    """"undocumented, Hispanic, woman" and so on."""
    person = ("woman" if model.female[i] else "man") if model.adult[i] else ("girl" if model.female[i] else "boy")
    return f"{STATUS_LABELS[status_of(model, i)]}, {'Hispanic' if model.hispanic[i] else 'not Hispanic'}, {person}"


# Whose rule an event's rule is: ICE's priorities (the regime) or the jail's detainer policy.
RULE_OWNER = {"detainer": "ICE's priority", "turned_away": "ICE's priority", "pickup": "ICE's priority",
              "at_large_arrest": "ICE's priority", "background_arrest": "ICE's priority", "removal": "ICE's priority",
              "honored": "the jail's rule", "declined": "the jail's rule"}


def record_text(model, i: int) -> str:
    row = model.record[i]
    parts = [f"{RECORD_LABELS[c]}: {int(row[RECORD_COLUMNS.index(c)])}" for c in SHOWN_RECORD
             if row[RECORD_COLUMNS.index(c)] > 0 or c in ("felony", "misdemeanor")]
    if row[FINAL_ORDER] > 0:
        parts.append(RECORD_LABELS["final_order"])
    level = LEVEL_NAMES[sc_level(row)]
    rule = RULE_LABELS.get(level, "")
    return "; ".join(parts) + f". ICE priority: {LEVEL_LABELS[level]}" + (f" ({rule})" if rule else "") + "."


def event_text(model, event: dict) -> str:
    text = EVENT_LABELS[event["stage"]]
    if event["offense"] and event["stage"] in ("arrest", "booking", "detainer", "pickup", "removal"):
        text += f" (charge: {OFFENSE_LABELS[event['offense']]})"
    if event["rule"]:
        owner = RULE_OWNER.get(event["stage"])
        words = RULE_LABELS.get(event["rule"], event["rule"].replace("_", " "))
        text += f"; {owner}: {words}" if owner and event["rule"] != "background_decline" else f": {words}"
        if event["rule"] == "background_decline":
            text += f" (about {model.params.detainer_decline_prob:.0%} of detainers nationally)"
    return text


def household_members(model, i: int) -> list[int]:
    return [int(j) for j in (model.household_of == model.household_of[i]).nonzero()[0]]


def story(model, i: int) -> dict:
    """Everything the inspector shows about resident ``i`` this week."""
    fear = float(model.fear[i])
    channels = model.fear_process.channels[:, i]
    return {
        "resident": i,
        "who": who(model, i),
        "status_color": STATUS_COLORS[status_of(model, i)],
        "now": CUSTODY_LABELS[custody_of(model, i)],
        "in_ident": bool(model.in_ident[i]),
        "record": record_text(model, i),
        "serious_record": bool(model.record[i, SERIOUS_VIOLENT] > 0),
        "fear": fear,
        "chilled": bool(model.fear_process.chilled[i]),
        "threshold": float(model.fear_process.threshold[i]),
        "channels": [(CHANNEL_LABELS[c], CHANNEL_COLORS[c], float(channels[k])) for k, c in enumerate(CHANNEL_NAMES)],
        "household": int(model.household_of[i]),
        "members": [(j, who(model, j), CUSTODY_LABELS[custody_of(model, j)], float(model.fear[j]))
                    for j in household_members(model, i)],
        "events": [(e["week"], event_text(model, e)) for e in model.events.select(resident_id=i)],
    }


def following(model, i: int) -> str:
    """One line over the graph about the resident being followed (the whole story is in the inspector)."""
    chilled = "too afraid to report a crime" if model.fear_process.chilled[i] else "would still report a crime"
    return (f"Following resident {i} (ringed; thin rings: their household): {who(model, i)}, now "
            f"{CUSTODY_LABELS[custody_of(model, i)]}, fear {model.fear[i]:.2f}, {chilled}. Their story: the inspector.")
