"""What the page draws and counts, without the page: the layout and the graph, the plots, the
readout's windows and rounding, the downloads, the lesson's observations, the resident inspector
and the event log's ``select``."""

import csv
import io
import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from PIL import Image

from agents.codes import SERIOUS_VIOLENT, Custody, Status
from model import SecureCommunitiesModel, scenario
from model.metrics import EVENT_COLUMNS
from viz.export import readout_csv, series_csv
from viz.graph_view import DOT, PAIR, SINGLE, GraphView, chilled_now, graph_heading, node_faces, node_rings
from viz.inspect import story
from viz.layout import household_layout, layout_for
from viz.lesson import OBSERVATIONS, lesson_rows
from viz.plots import DPI, FIGSIZE, PANELS, TICK_SIZE, TimeSeriesPanel, compare_panels, county_panels, nice_ceiling
from viz.readout import ROWS, SECTIONS, difference, readout_table, shown, values
from viz.render import encode_png
from viz.session import Counties
from viz.settings import ClassroomCounty, CountySettings
from viz.tally import away_at_start, away_now, background_declines, fear_near_and_far, policy_declines

SMALL = CountySettings(n_residents=300)
LESSON_DOC = Path(__file__).resolve().parents[1] / "docs" / "classroom.md"


@pytest.fixture(scope="module")
def hennessey():
    """Full cooperation against Hennessey at the lesson's settings (seed 42), five years on: removals,
    re-entries and declines of both kinds happen."""
    run = Counties(CountySettings(compare_with="sc_hennessey"))
    run.step(260)
    return run


# --- the layout and the graph ---

def test_layout_is_seeded_stable_and_keeps_households_together():
    county = SecureCommunitiesModel(rng=5, n_residents=1000)
    pos = household_layout(county.household_of, county.ties.friends, seed=0)
    np.testing.assert_array_equal(pos, household_layout(county.household_of, county.ties.friends, seed=0))
    assert np.isfinite(pos).all()
    family = np.linalg.norm(pos[county.ties.family[:, 0]] - pos[county.ties.family[:, 1]], axis=1)
    friends = np.linalg.norm(pos[county.ties.friends[:, 0]] - pos[county.ties.friends[:, 1]], axis=1)
    assert family.max() < 1.0 and np.median(family) < 0.1 * np.median(friends)  # a household in one cell
    other = SecureCommunitiesModel(rng=5, n_residents=1000, **scenario("sc_sanctuary"))
    assert layout_for(other) is layout_for(county)  # the same ties, another preset: the same picture


def test_residents_are_large_and_never_overlap_another_household():
    """Issue 21, item 1: residents were 3-pixel dots; each household now has a cell of its own, and a dot
    is 0.3 of a cell (8 pixels on a 1280-pixel projector), with the chilled mark half as wide."""
    county = ClassroomCounty(CountySettings())
    view = GraphView(county)
    cell_pixels = view.cell_points * DPI / 72.0
    dot_pixels = np.sqrt(view.size) * DPI / 72.0
    assert dot_pixels >= 0.29 * cell_pixels and dot_pixels * 944 / 960 >= 7.0  # 944 px: the graph at 1280x720
    sizes = np.bincount(county.household_of)
    centres = np.stack([np.bincount(county.household_of, view.pos[:, k]) / sizes for k in (0, 1)], axis=1)
    ring = np.linalg.norm(view.pos - centres[county.household_of], axis=1)
    gaps = np.linalg.norm(centres[:, None, :] - centres[None, :, :], axis=-1) + 9 * np.eye(len(centres))
    assert ring.max() + DOT / 2 < 0.5 and gaps.min() > 1 - 1e-9  # every dot stays inside its household's own cell


def test_graph_draws_households_not_friendships_or_acquaintances():
    county = ClassroomCounty(SMALL)
    view = GraphView(county)
    lines = [c for c in view.ax.collections if isinstance(c, LineCollection)]
    assert len(lines) == 1 and len(lines[0].get_segments()) == len(county.ties.family)
    for _ in range(60):
        county.step()
    view.update(county)
    assert chilled_now(county).any() and len(view.chilled.get_offsets()) == int(chilled_now(county).sum())


@pytest.mark.parametrize("n", [100, 2000])
def test_graph_draws_at_both_ends_of_classroom_sizes(n):
    county = ClassroomCounty(CountySettings(n_residents=n))
    for frame in (SINGLE, PAIR):
        view = GraphView(county, frame=frame)
        county.step()
        picture = Image.open(io.BytesIO(view.png(county)))
        pixels = np.asarray(picture.convert("RGB"))
        assert picture.width >= 700 and (pixels < 250).any(axis=-1).mean() > 0.03  # not a blank canvas
        assert len(view.nodes.get_offsets()) == n


def test_a_click_finds_the_resident_drawn_there():
    county = ClassroomCounty(SMALL)
    view = GraphView(county)
    for resident in (0, 17, len(county.status) - 1):
        assert view.resident_at(*view.position(resident)) == resident
    assert view.resident_at(1.5, 0.5) is None and view.resident_at(0.0, 0.0) is None  # outside; an empty corner
    view.select(17)
    members = np.flatnonzero(county.household_of == county.household_of[17])
    assert len(view.household.get_offsets()) == len(members) - 1 and len(view.selected_ring.get_offsets()) == 1


def test_node_colors_show_status_fear_and_custody():
    status = np.array([Status.UNDOCUMENTED] * 4 + [Status.US_BORN])
    fear = np.array([0.0, 0.8, 0.0, 0.0, 0.0])
    custody = np.array([Custody.FREE, Custody.FREE, Custody.HELD, Custody.REMOVED, Custody.JAILED])
    faces = node_faces(status, fear, custody)
    assert faces[1, :3].min() < faces[0, :3].min()  # afraid: deeper (further from white)
    assert faces[3, 3] == 0.0  # removed: hollow
    assert not np.allclose(faces[0, :3], faces[4, :3])  # status tells undocumented from US-born
    rings, widths, sizes = node_rings(status, custody)
    assert widths[0] == 0 and widths[2] > widths[4] > 0 and rings[3, 3] == 1.0 and sizes[2] > sizes[0]


def test_graph_heading_gives_each_count_its_window(hennessey):
    """Issue 21, item 3: "6 removed so far" (people still away) against "removed, all doors 8" (two came
    back): the heading now says who is away now, how many removals so far, and how many came back."""
    county = hennessey.left  # full cooperation: 11 removals, 3 came back (Hennessey's side: 4 and 0)
    away, removals, back = away_now(county), county.metrics["removals_cumulative"], county.metrics[
        "re_entries_cumulative"]
    start = Counties(CountySettings(preset="sc_full")).left  # the same county at week 0
    assert back > 0 and away_at_start(county) == away_now(start)  # some were away before the record starts
    assert away == away_now(start) + removals - back  # so the readout shows all three
    _, counts = graph_heading(county)
    assert "Now: " in counts and f"{away} away after removal (hollow dots)" in counts
    plural = "s" if int(back) != 1 else ""
    assert f"So far: {int(removals)} removals; {int(back)} removed resident{plural} came back" in counts


def _full_draw_pixels(figure) -> np.ndarray:
    canvas = FigureCanvasAgg(figure)
    animated = [a for a in figure.findobj() if a.get_animated()]
    for a in animated:
        a.set_animated(False)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba()).copy()
    for a in animated:
        a.set_animated(True)
    return pixels


def test_fast_redraws_match_a_full_redraw_and_the_png_keeps_them():
    county = ClassroomCounty(CountySettings(n_residents=300, policing_intensity=3.0))
    view = GraphView(county)
    view.select(5)
    panels = [TimeSeriesPanel(spec, county) for spec in PANELS]
    for week in range(1, 71):
        county.step()
        if week % 7 == 0:  # frames in between, over backgrounds drawn at several axis layouts
            view.png(county)
            for panel in panels:
                panel.png(county)
    for drawing in [view, *panels]:
        drawing.update(county)
        key = None if drawing is view else (drawing.ax.get_xlim(), drawing.ax.get_ylim())
        fast = drawing.renderer.pixels(key).copy()
        full = _full_draw_pixels(drawing.figure)
        differ = np.abs(fast.astype(int) - full.astype(int)).max(axis=-1) > 8
        # the same picture, but for a few anti-aliased pixels where a line meets the frame
        assert differ.mean() < 1e-3, f"{differ.sum()} pixels differ"
        sent = np.asarray(Image.open(io.BytesIO(encode_png(fast))).convert("RGB")).astype(int)
        off = np.abs(sent - fast[..., :3].astype(int)).max(axis=-1)
        assert (off > 24).mean() < 0.01  # a palette of 128 colours: what the browser shows is what was drawn
        drawing.renderer.background = None  # the next call is a full draw again


# --- the plots ---

def test_plot_text_is_large_enough_for_the_back_row():
    """Issue 21, item 1: legend text was 6-7 pixels. Titles and keys are HTML now; the smallest text in
    a plot's picture is TICK_SIZE points, at least 14 pixels when the picture is shown at 0.75 of its
    width (two plots side by side at 1024 pixels; the browser test measures the real width)."""
    county = ClassroomCounty(SMALL)
    assert TICK_SIZE * DPI / 72.0 * 0.75 >= 14.0
    for spec in PANELS:
        panel = TimeSeriesPanel(spec, county)
        FigureCanvasAgg(panel.figure).draw()
        texts = [t for t in panel.figure.findobj(lambda a: hasattr(a, "get_fontsize") and hasattr(a, "get_text"))
                 if t.get_text() and t.get_visible()]
        assert texts and min(t.get_fontsize() for t in texts) >= TICK_SIZE, spec.key
        assert panel.figure.get_size_inches().tolist() == list(FIGSIZE) and not panel.figure.legends


def test_plot_axes_grow_in_round_steps_and_end_on_the_lessons_last_week():
    assert [nice_ceiling(x) for x in (0.013, 3, 7, 11, 60)] == [0.02, 5, 10, 20, 100]
    county = ClassroomCounty(CountySettings(n_residents=300))
    funnel = TimeSeriesPanel(PANELS[0], county)
    assert funnel.ax.get_xlim() == (0, 104)  # two years shown at first, the activation week inside
    for _ in range(110):
        county.step()
    funnel.png(county)
    assert funnel.ax.get_xlim() == (0, 156) and funnel.ax.get_ylim()[1] >= county.metrics["arrests_cumulative"]
    for _ in range(150):
        county.step()
    funnel.png(county)
    assert funnel.ax.get_xlim() == (0, 260)  # week 260 ends the axis (it ran to 312)


def test_count_plots_tick_whole_people():
    county = ClassroomCounty(SMALL)
    for key in ("levels", "families"):
        panel = TimeSeriesPanel(next(p for p in PANELS if p.key == key), county)
        panel.ax.set_ylim(0, 10)
        ticks = panel.ax.get_yticks()
        assert np.allclose(ticks, np.round(ticks)), (key, ticks)  # no tick at 2.5 or 7.5


def test_compare_mode_pairs_share_a_scale_and_overlays_have_every_county(hennessey):
    assert all(len(spec.series) == 3 for spec in compare_panels(hennessey))
    pairs = county_panels(hennessey)
    assert [spec.key for spec, _, _ in pairs] == [f"{p.key}_{side}" for p in PANELS for side in (0, 1)]
    for (left, lm, scale), (right, rm, _) in zip(pairs[::2], pairs[1::2], strict=True):
        a, b = TimeSeriesPanel(left, lm, scale), TimeSeriesPanel(right, rm, scale)
        assert a.ax.get_ylim() == b.ax.get_ylim(), left.key  # one scale for the two counties
        assert left.county == "Full cooperation" and right.county == "Hennessey (SF 2011)"


# --- the readout and the downloads ---

def test_differences_are_computed_before_rounding_and_shown_to_a_tenth():
    """Issue 21, item 3: "2% | 2% | +1 points" (a difference of unrounded shares beside two rounded
    ones); shares now show a tenth of a point, so the difference reads as the gap beside it."""
    assert (shown(0.024, "share"), shown(0.016, "share"), difference(0.024, 0.016, "share")) == \
        ("2.4%", "1.6%", "+0.8 points")
    assert difference(0.0204, 0.0203, "share") == "0.0 points" and difference(3, 3, "count") == "0"
    assert difference(7, 3, "count") == "+4" and difference(59.46, 79.54, "index") == "-20.1 points"


def test_every_readout_section_names_its_window_and_background_declines_are_explained(hennessey):
    windows = {s.window for s in SECTIONS}
    assert windows == {"so far (since week 1)", "now", "in the past year (52 weeks)"}
    full = hennessey.left
    assert background_declines(full) > 0 and policy_declines(full) == 0  # full cooperation: only the background
    assert background_declines(full) == sum(1 for r in full.event_log().itertuples()
                                            if r.stage == "declined" and r.rule == "background_decline")
    henn = hennessey.right
    assert policy_declines(henn) + background_declines(henn) == henn.metrics["detainers_declined_cumulative"]
    header, rows = readout_table(hennessey)
    by_label = {r[0]: r[1:] for r in rows}
    assert by_label["for other reasons"][0] == str(background_declines(full))
    assert by_label["Away now (the hollow dots)"][1] == str(away_now(henn))


def test_readout_csv_holds_the_unrounded_values(hennessey):
    table = list(csv.reader(io.StringIO(readout_csv(hennessey))))
    assert table[0] == ["week", "section", "window", "row", "unit", "Full cooperation", "Hennessey (SF 2011)",
                        "no program (same seed)"]
    assert len(table) == 1 + len(ROWS)
    for line, row in zip(table[1:], ROWS, strict=True):
        assert line[3] == row.label and [float(x) for x in line[5:]] == pytest.approx(values(hennessey, row),
                                                                                       nan_ok=True)


def test_series_csv_holds_every_plotted_series_week_by_week():
    run = Counties(SMALL)
    run.step(30)
    table = list(csv.reader(io.StringIO(series_csv(run))))
    assert len(table) == 1 + 31 and table[-1][0] == "30"
    columns = table[0]
    for spec in PANELS:
        for s in spec.series:
            assert f"Full cooperation: {s.reporter}" in columns and f"no program (same seed): {s.reporter}" in columns
    i = columns.index("Full cooperation: arrests_cumulative")
    assert [float(r[i]) for r in table[1:]] == run.left.datacollector.model_vars["arrests_cumulative"]


# --- the lesson, the inspector, the event log ---

def test_every_observation_of_the_lesson_has_a_place_on_the_page(hennessey):
    """Issue 21, item 7: each observation in docs/classroom.md is read on the page (O10's fear near and
    far from a removal and O6's serious or violent records included), computed from the county's state."""
    promised = {int(n) for n in re.findall(r"\*\*O(\d+)\*\*", LESSON_DOC.read_text())}
    assert {o.number for o in OBSERVATIONS} == promised
    rows = lesson_rows(hennessey)
    assert all(len(texts) == 2 and all(texts) for _, _, texts in rows)
    text = " ".join(t for _, _, texts in rows for t in texts)
    assert "nan" not in text and "with a record of serious or violent crime" in text


def test_fear_near_and_far_splits_the_undocumented_in_the_county(hennessey):
    county = hennessey.left
    split = fear_near_and_far(county)
    undocumented = (county.status == Status.UNDOCUMENTED) & (county.custody != Custody.REMOVED)
    assert split["near"][0] + split["far"][0] == int(undocumented.sum()) and split["near"][0] > 0
    mean = (split["near"][0] * split["near"][1] + split["far"][0] * split["far"][1]) / int(undocumented.sum())
    assert mean == pytest.approx(float(county.fear[undocumented].mean()))


def test_a_residents_story_is_the_models_own(hennessey):
    county = hennessey.left
    resident = next(e["resident_id"] for e in county.events.select(stage="removal"))
    data = story(county, resident)
    assert data["now"] in ("removed (deported)", "free")
    assert [w for w, _ in data["events"]] == [e["week"] for e in county.events.select(resident_id=resident)]
    assert any("removed (deported)" in t for _, t in data["events"])
    assert sum(v for _, _, v in data["channels"]) == pytest.approx(data["fear"])  # the channels sum to fear
    assert [m[0] for m in data["members"]] == np.flatnonzero(
        county.household_of == county.household_of[resident]).tolist()
    assert data["serious_record"] == bool(county.record[resident, SERIOUS_VIOLENT] > 0)


def test_event_log_select_filters_by_any_column():
    county = ClassroomCounty(SMALL.with_changes(policing_intensity=3.0))
    for _ in range(80):
        county.step()
    frame = county.event_log()
    resident = int(frame["resident_id"].iloc[0])
    mine = county.events.select(resident_id=resident)
    assert len(mine) == int((frame["resident_id"] == resident).sum()) and set(mine[0]) == set(EVENT_COLUMNS)
    assert len(county.events.select(stage="booking", resident_id=resident)) == int(
        ((frame["stage"] == "booking") & (frame["resident_id"] == resident)).sum())
    assert len(county.events.select()) == len(frame)
    with pytest.raises(KeyError, match="no event column"):
        county.events.select(person=1)
