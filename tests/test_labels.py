"""The shared vocabulary (model/labels.py): colours a projector keeps apart, and a readable word for
every event stage and every rule the event log records."""

import itertools

import numpy as np
import pytest
from matplotlib.colors import to_rgb

from model import labels
from model.metrics import STAGES
from model.reporters import CHILL_GROUPS, FEAR_GROUPS, REPORTING_GROUPS, VICTIM_GROUPS
from viz.plots import PANELS

WASH = 0.25  # a projector lifts every pixel toward white: a quarter of the way, a lit classroom's screen
MIN_DISTANCE = 30.0  # CIELAB distance (Delta E 1976) between any two colours drawn together, washed out


def lab(colour: str) -> np.ndarray:
    """CIELAB (D65) of an sRGB colour as a washed-out projector shows it."""
    rgb = WASH + (1.0 - WASH) * np.array(to_rgb(colour))
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    f = lambda t: np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)  # noqa: E731
    fx, fy, fz = f(xyz / np.array([0.95047, 1.0, 1.08883]))
    return np.array([116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)])


def closest_pair(colours: dict) -> tuple[float, str, str]:
    """The two entries (the white background included) whose colours are nearest."""
    colours = {**colours, "white background": "#FFFFFF"}
    return min((float(np.linalg.norm(lab(a) - lab(b))), ka, kb)
               for (ka, a), (kb, b) in itertools.combinations(colours.items(), 2))


GENERATIONS = ("undocumented", "hispanic_us_born", "hispanic_second_generation", "hispanic_third_generation",
               "non_hispanic")
FAMILIES = {  # colours shown together: in one figure, one legend or one picture
    "presets (the report's policy comparison, compare mode)": labels.PRESET_COLORS,
    "legal status (the page's graph)": labels.STATUS_COLORS,
    "ICE's doors": labels.DOOR_COLORS,
    "priority levels": labels.LEVEL_COLORS,
    **{f"groups: {name}": {g: labels.GROUP_COLORS[g] for g in groups} for name, groups in (
        ("fear", [g for g in FEAR_GROUPS if "generation" not in g]), ("chilled (the ripple)",
         [g for g in CHILL_GROUPS if "generation" not in g]), ("generations (C13)", GENERATIONS),
        ("reporting", REPORTING_GROUPS), ("victims", VICTIM_GROUPS))},
    **{f"page plot: {panel.title}": {s.color: s.color for s in panel.series} for panel in PANELS},
}
# Declared with their mechanism in model/hearing.py; the inspector and the reach report draw them together.
FAMILIES["fear channels (model.hearing.CHANNELS)"] = labels.CHANNEL_COLORS


@pytest.mark.parametrize("family", list(FAMILIES))
def test_colours_drawn_together_stay_apart_on_a_projector(family):
    """Full cooperation (#D55E00) and Hennessey (#E69F00) were nearly one orange on a projector (Delta E
    28 washed out); every pair drawn together must now be at least 30 apart, and apart from the white page."""
    distance, a, b = closest_pair(FAMILIES[family])
    assert distance >= MIN_DISTANCE, f"{a} and {b}: Delta E {distance:.1f}"


def test_declined_detainers_are_drawn_as_the_issued_ones_dashed():
    """The lesson compares "the dashed orange line (detainers declined) against the solid orange line
    (detainers issued)"; the two share a colour on purpose (and count once above)."""
    assert labels.STAGE_COLORS["detainers_declined"] == labels.STAGE_COLORS["detainers_issued"]
    funnel = {s.reporter: s for s in PANELS[0].series}
    assert funnel["detainers_declined_cumulative"].style == "--" and funnel["detainers_issued_cumulative"].style == "-"


def test_every_event_stage_and_logged_rule_reads_as_words():
    assert set(labels.EVENT_LABELS) == set(STAGES)
    from viz.settings import ClassroomCounty, CountySettings

    for preset in ("sc_full", "sc_hennessey", "sc_sanctuary"):
        county = ClassroomCounty(CountySettings(preset=preset, n_residents=600, seed="3"))
        for _ in range(150):
            county.step()
        rules = {row[-1] for row in county.events.rows} - {None}
        assert rules and rules <= set(labels.RULE_LABELS), sorted(rules - set(labels.RULE_LABELS))
