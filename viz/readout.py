"""The readout the lesson reads: each shown county's counts next to the same county without the
program (same seed, same levers), in sections that each name their window ("so far", "now",
"in the past year"), so every number on the page has one meaning.

Rows are data (``SECTIONS``): a reporter (label from ``model.reporters.page_label``) or a count
the lesson needs that no reporter holds (``DERIVED``, from ``tally.py``). Differences are computed
from the unrounded values, and shares are shown to a tenth of a point, so a difference reads as
the gap between the two numbers beside it.
"""

from dataclasses import dataclass

from model.labels import PRESET_SHORT
from model.reporters import CUMULATIVE_WINDOW, page_label

from . import tally

NO_PROGRAM = "no program (same seed)"
SO_FAR = CUMULATIVE_WINDOW  # "so far (since week 1)"


@dataclass(frozen=True)
class Row:
    key: str  # a reporter in model.metrics, or a name in DERIVED
    kind: str = "count"  # "count", "share" (0-1, shown in %) or "index" (% of week 0)
    label: str = ""  # default: the reporter's page label (model.reporters)
    level: int = 0  # 1, 2: a part of the row above (indented)
    note: str = ""  # a short explanation under the label

    def __post_init__(self):
        if not self.label:
            object.__setattr__(self, "label", page_label(self.key))


@dataclass(frozen=True)
class Section:
    title: str
    window: str
    rows: tuple


DERIVED = {  # counts no reporter holds: name -> function of a model
    "declined_policy": tally.policy_declines,
    "declined_background": tally.background_declines,
    "minor_charge_pickups": tally.minor_charge_pickups,
    "minor_charge_pickups_serious": tally.minor_charge_pickups_with_serious_record,
    "away_now": tally.away_now,
    "away_at_start": tally.away_at_start,
}

SECTIONS = (
    Section("The pathway", SO_FAR, (
        Row("arrests_cumulative"),
        Row("ident_matches_cumulative"),
        Row("detainers_issued_cumulative"),
        Row("detainers_declined_cumulative"),
        Row("declined_policy", label="under the county's own policy", level=1),
        Row("declined_background", label="for other reasons", level=1,
            note="jails everywhere decline a few detainers (paperwork, timing), whatever the county's policy"),
        Row("ice_pickups_cumulative"),
        Row("minor_charge_pickups", label="after a traffic or public-order arrest", level=1),
        Row("minor_charge_pickups_serious", label="with a record of serious or violent crime", level=2),
    )),
    Section("Removals, by ICE's door", SO_FAR, (
        Row("removals_sc_cumulative"),
        Row("removals_at_large_cumulative"),
        Row("removals_background_cumulative"),
        Row("removals_cumulative"),
        Row("re_entries_cumulative", note="their hollow dots fill in again"),
        Row("away_now", label="Away now (the hollow dots)",
            note="those away at week 0, plus removals so far, less those who came back"),
        Row("away_at_start", label="away already at week 0", level=1, note="removed before the record starts"),
    )),
    Section("Families split by removals", SO_FAR, (
        Row("separated_households_cumulative"),
        Row("separated_citizen_children_cumulative"),
    )),
    Section("Chilled (would keep away from the police)", "now", (
        Row("chilled_share_undocumented", "share"),
        Row("chilled_share_hispanic", "share"),
    )),
    Section("Chance of reporting a crime, % of its week-0 level", "now", (
        Row("reporting_rate_undocumented", "index"),
        Row("reporting_rate_hispanic_citizen", "index"),
        Row("reporting_rate_non_hispanic", "index"),
    )),
    Section("Who knows someone detained or removed", "in the past year (52 weeks)", (
        Row("share_hispanic_adults_knows_detained", "share"),
    )),
)
ROWS = tuple(row for section in SECTIONS for row in section.rows)


def value(model, row: Row) -> float:
    """The row's unrounded value for one county."""
    if row.key in DERIVED:
        return float(DERIVED[row.key](model))
    if row.kind == "index":
        values = model.datacollector.model_vars[row.key]
        return 100.0 * values[-1] / values[0] if values and values[0] else float("nan")
    return float(model.metrics[row.key])


def shown(x: float, kind: str) -> str:
    if x != x:  # NaN
        return "-"
    if kind == "share":
        return f"{100 * x:.1f}%"
    if kind == "index":
        return f"{x:.1f}"
    return f"{int(round(x)):,}"


def difference(a: float, b: float, kind: str) -> str:
    """a - b, computed before rounding, with its sign ("0" when it rounds to nothing)."""
    if a != a or b != b:
        return "-"
    d = a - b
    if kind == "count":
        return f"{int(round(d)):+,}" if round(d) else "0"
    text = f"{100 * d if kind == 'share' else d:+.1f}"
    return ("0.0" if float(text) == 0 else text) + " points"


def column_name(model) -> str:
    name = PRESET_SHORT[model.settings.preset]
    return name if model.settings.detainer_policy == "preset" else f"{name} (jail: {model.settings.detainer_policy})"


def header(counties) -> list[str]:
    models = counties.shown
    if len(models) == 1:
        return [f"week {models[0].steps}", column_name(models[0]), NO_PROGRAM, "difference"]
    return [f"week {models[0].steps}", *(column_name(m) for m in models), NO_PROGRAM]


def values(counties, row: Row) -> list[float]:
    """The row's unrounded values: each shown county, then the no-program twin."""
    return [value(m, row) for m in (*counties.shown, counties.baseline)]


def cells(counties, row: Row) -> list[str]:
    numbers = values(counties, row)
    out = [shown(x, row.kind) for x in numbers]
    if len(counties.shown) == 1:
        out.append(difference(numbers[0], numbers[1], row.kind))
    return out


def readout_table(counties) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the readout, every row as [label, cells...] (sections left out)."""
    return header(counties), [[row.label, *cells(counties, row)] for row in ROWS]


def readout_html(counties) -> str:
    head = "".join(f"<th>{h}</th>" for h in header(counties))
    width = len(header(counties))
    body = []
    for section in SECTIONS:
        body.append(f'<tr class="sc-section"><th colspan="{width}">{section.title}, '
                    f'<span class="sc-window">{section.window}</span></th></tr>')
        for row in section.rows:
            note = f'<div class="sc-note">{row.note}</div>' if row.note else ""
            label = f'<td class="sc-label sc-level-{row.level}">{row.label}{note}</td>'
            body.append(f"<tr>{label}" + "".join(f"<td>{c}</td>" for c in cells(counties, row)) + "</tr>")
    footnote = ("Differences are computed before rounding, so the last digit may differ by one from the "
                "difference of the rounded numbers." if len(counties.shown) == 1 else "")
    return (f'<table class="sc-readout-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
            + (f'<div class="sc-note">{footnote}</div>' if footnote else ""))

