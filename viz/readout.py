"""The readout the lesson reads: each shown county's counts next to the same county without the
program (same seed, same levers), as plain rows of numbers."""

from dataclasses import dataclass

from model.labels import PRESET_SHORT
from model.reporters import label

from .tally import minor_charge_pickups


@dataclass(frozen=True)
class Row:
    key: str  # a reporter in model.metrics, or a name handled by ``value``
    kind: str = "count"  # "count", "share" (0-1, shown in %) or "index" (% of week 0)
    label: str = ""  # default: the reporter's label (model.reporters)

    def __post_init__(self):
        if not self.label:
            object.__setattr__(self, "label", label(self.key))


ROWS = (
    Row("arrests_cumulative"),
    Row("ident_matches_cumulative"),
    Row("detainers_issued_cumulative"),
    Row("detainers_declined_cumulative"),
    Row("minor_charge_pickups", label="Picked up by ICE after a traffic or public-order arrest (total)"),
    Row("removals_sc_cumulative"),
    Row("removals_at_large_cumulative"),
    Row("removals_background_cumulative"),
    Row("removals_cumulative"),
    Row("separated_households_cumulative"),
    Row("separated_citizen_children_cumulative"),
    Row("share_hispanic_adults_knows_detained", "share"),
    Row("chilled_share_undocumented", "share"),
    Row("chilled_share_hispanic", "share"),
    Row("reporting_rate_undocumented", "index",
        "Chance of reporting a crime: Undocumented, % of its level at week 0"),
)


def value(model, row: Row) -> float:
    if row.key == "minor_charge_pickups":
        return float(minor_charge_pickups(model))
    if row.kind == "index":
        values = model.datacollector.model_vars[row.key]
        return 100.0 * values[-1] / values[0] if values and values[0] else float("nan")
    return float(model.metrics[row.key])


def shown(x: float, kind: str) -> str:
    if x != x:  # NaN
        return "-"
    if kind == "share":
        return f"{100 * x:.0f}%"
    if kind == "index":
        return f"{x:.0f}"
    return f"{int(round(x)):,}"


def difference(a: float, b: float, kind: str) -> str:
    if a != a or b != b:
        return "-"
    d = a - b
    if kind == "share":
        return f"{100 * d:+.0f} points"
    if kind == "index":
        return f"{d:+.0f}"
    return f"{int(round(d)):+,}"


def column_name(model) -> str:
    name = PRESET_SHORT[model.settings.preset]
    return name if model.settings.detainer_policy == "preset" else f"{name} (jail: {model.settings.detainer_policy})"


def readout_table(counties) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the readout: one county against no program (with the difference), or two
    counties and no program side by side."""
    shown_models = counties.shown
    base = counties.baseline
    if len(shown_models) == 1:
        model = shown_models[0]
        header = ["week " + str(model.steps), column_name(model), "no program (same seed)", "difference"]
        rows = [[r.label, shown(value(model, r), r.kind), shown(value(base, r), r.kind),
                 difference(value(model, r), value(base, r), r.kind)] for r in ROWS]
    else:
        left, right = shown_models
        header = ["week " + str(left.steps), column_name(left), column_name(right), "no program (same seed)"]
        rows = [[r.label, *(shown(value(m, r), r.kind) for m in (left, right, base))] for r in ROWS]
    return header, rows


def readout_html(counties) -> str:
    header, rows = readout_table(counties)
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="sc-readout-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
