"""The page's downloads: the readout and every plotted series as CSV, with the values unrounded.

``readout_csv`` is the readout table (section, window, row, unit, then one column per county and
the difference); ``series_csv`` is one row per week and one column per county and plotted
reporter (its reporter name, as ``model.reporters`` declares it, so a researcher can look it up).
"""

import csv
import io

from .plots import PANELS, series_values
from .readout import SECTIONS, header, values

UNITS = {"count": "people or events", "share": "share of the group (0-1)", "index": "% of the week-0 level"}


def _csv(rows) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def readout_csv(counties) -> str:
    columns = header(counties)[1:]
    rows = [["week", "section", "window", "row", "unit", *columns]]
    for section in SECTIONS:
        for row in section.rows:
            numbers = values(counties, row)
            if len(counties.shown) == 1:
                numbers.append(numbers[0] - numbers[1])
            rows.append([counties.steps, section.title, section.window, row.label, UNITS[row.kind],
                         *(repr(float(x)) for x in numbers)])
    return _csv(rows)


def series_csv(counties) -> str:
    """Every reporter the page plots, week by week, for each shown county and the no-program twin."""
    reporters = list(dict.fromkeys(s.reporter for spec in PANELS for s in spec.series))
    for name in ("removals_cumulative", "chilled_share_undocumented"):  # compare mode's overlays
        if name not in reporters:
            reporters.append(name)
    names = header(counties)[1:len(counties.shown) + 2]
    models = [*counties.shown, counties.baseline]
    columns = [(f"{name}: {reporter}", series_values(model, reporter))
               for model, name in zip(models, names, strict=True) for reporter in reporters]
    rows = [["week", *(title for title, _ in columns)]]
    rows += [[week, *(repr(float(v[week])) for _, v in columns)] for week in range(counties.steps + 1)]
    return _csv(rows)
