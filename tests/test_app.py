"""The browser visualizer, in process: the page, its controls, and the helpers behind them.

The page is rendered with ``solara.render`` inside an ``AppLayout`` (without it the sidebar's
buttons are not found); widgets are driven the way the browser drives them (clicks, v_model
changes and the text box's Enter event).
"""

import io
import re

import ipyvuetify as v
import ipywidgets
import numpy as np
import pytest
import solara
from PIL import Image

import app
from agents.codes import Custody, Status
from model import PRESETS, SecureCommunitiesModel, scenario, validate_parameters
from model.reporters import label
from viz.graph_view import GraphView, node_faces, node_rings
from viz.layout import household_layout, layout_for
from viz.plots import (
    LABEL_SIZE,
    LEGEND_SIZE,
    PANELS,
    TICK_SIZE,
    TITLE_SIZE,
    TimeSeriesPanel,
    compare_panels,
    nice_ceiling,
)
from viz.readout import readout_table
from viz.session import Counties
from viz.settings import (
    DEFAULT_SEED,
    DETAINER_LABELS,
    PRESET_LABELS,
    ClassroomCounty,
    CountySettings,
    SettingsError,
    model_kwargs,
    parse_seed,
    validated,
)

SMALL = CountySettings(n_residents=300)


class Shown:
    """The county on the page's left (the only one outside compare mode), as ``.value``."""

    def __init__(self, counties):
        self.counties = counties

    @property
    def value(self):
        return self.counties.value.left


def render_page(settings_value):
    counties = solara.reactive(Counties(settings_value))
    settings = solara.reactive(settings_value)
    _, rc = solara.render(solara.AppLayout(children=[app.Page(counties=counties, settings=settings)]),
                          handle_error=False)
    return rc, counties, settings


@pytest.fixture
def page():
    """The rendered page with a small county; yields (render context, shown county, settings)."""
    rc, counties, settings = render_page(SMALL)
    yield rc, Shown(counties), settings
    rc.close()


@pytest.fixture
def compare_page():
    """The page in compare mode (full cooperation against Hennessey); yields (rc, counties, settings)."""
    rc, counties, settings = render_page(SMALL.with_changes(compare_with="sc_hennessey"))
    yield rc, counties, settings
    rc.close()


def all_widgets(root) -> list:
    """Every widget below ``root`` (reacton's finder stops descending at a match)."""
    seen, queue, found = set(), [root], []
    while queue:
        widget = queue.pop(0)
        if id(widget) in seen:
            continue
        seen.add(id(widget))
        found.append(widget)
        for name in widget.keys:
            value = getattr(widget, name, None)
            values = value if isinstance(value, (list, tuple)) else [value]
            queue.extend(x for x in values if isinstance(x, ipywidgets.Widget))
    return found


def page_text(rc) -> str:
    """The text of every template widget on the page (the explainer is a Markdown template)."""
    parts = []
    for w in all_widgets(rc.find(ipywidgets.Widget).widget):
        template = getattr(w, "template", None)
        parts.append(template if isinstance(template, str) else getattr(template, "template", "") or "")
        parts.append(getattr(w, "unsafe_innerHTML", None) or "")
    return " ".join(parts)


def images(rc) -> list[bytes]:
    return [w.value for w in rc.find(ipywidgets.Image).widgets]


def step_button(rc):
    return rc.find(v.Btn, children=["Step"]).widget


def texts_on_page(rc) -> list[str]:
    return [w.children[0] for w in all_widgets(rc.find(ipywidgets.Widget).widget)
            if isinstance(w, v.Html) and w.children and isinstance(w.children[0], str)]


def time_text(rc) -> str:
    """The week the page shows, as "Time: N.0" (the form the older tests read)."""
    shown = next(t for t in texts_on_page(rc) if t.startswith("Now at week "))
    return f"Time: {int(shown.split()[3])}.0"


def slide(rc, name: str, value) -> None:
    """What a student does: drag a slider to a value and let go."""
    slider = rc.find(v.Slider, meta_ref=name).widget
    slider.v_model = value
    slider.fire_event("change", value)


def type_seed(rc, text: str) -> None:
    """What a student does: type in the seed box and press Enter."""
    box = rc.find(v.TextField, label="Seed (any text; Enter to apply)").widget
    box.v_model = text
    box.fire_event("keyup.enter", {})


# --- the page ---

def test_page_builds_with_graph_plots_explainer_and_controls(page):
    rc, model, _ = page
    pngs = images(rc)
    assert len(pngs) == 1 + len(PANELS)  # the graph and one image per plot
    for data in pngs:
        picture = Image.open(io.BytesIO(data))
        assert picture.format == "PNG" and picture.width > 300
    assert rc.find(v.Btn, children=["Reset"]) and step_button(rc)
    presets = rc.find(v.Select, label="Preset").widget
    assert presets.items == list(PRESET_LABELS.values())
    assert presets.v_model == PRESET_LABELS["sc_full"]
    assert len(rc.find(v.Slider, meta_ref="activation_week")) == 1
    assert len(rc.find(v.Slider, meta_ref="policing_intensity")) == 1
    assert len(rc.find(v.Slider, meta_ref="fear_sensitivity")) == 1
    assert len(rc.find(v.Slider, meta_ref="n_residents")) == 1
    assert rc.find(v.Select, label="What the jail does with a detainer").widget.items == list(DETAINER_LABELS.values())
    explainer = page_text(rc)
    assert "no current method for opting out" in explainer and "FBI" in explainer
    assert time_text(rc) == "Time: 0.0"
    assert model.value.steps == 0


def test_step_advances_the_model_and_redraws(page):
    rc, model, _ = page
    county = model.value
    before = images(rc)
    step_button(rc).click()
    assert model.value is county and county.steps == 1
    assert time_text(rc) == "Time: 1.0"
    after = images(rc)
    assert after[0] != before[0]  # the graph's heading reads week 1
    for _ in range(4):
        step_button(rc).click()
    assert county.steps == 5 and time_text(rc) == "Time: 5.0"
    assert all(a != b for a, b in zip(images(rc)[1:], before[1:], strict=True))  # every plot has new data


def test_run_one_year_steps_52_weeks(page):
    rc, model, _ = page
    county = model.value
    before = images(rc)
    rc.find(v.Btn, children=["Run 1 year (52 weeks)"]).widget.click()
    assert model.value is county and county.steps == 52
    assert time_text(rc) == "Time: 52.0"
    assert all(a != b for a, b in zip(images(rc), before, strict=True))
    text = page_text(rc)
    assert any(t.startswith("Now at week 52") for t in texts_on_page(rc))
    arrests = int(county.metrics["arrests_cumulative"])
    row = re.escape(label("arrests_cumulative"))
    assert arrests > 0 and re.search(rf"{row}</td>\s*<td[^>]*>{arrests}</td>", text)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_preset_change_resets_the_model_with_the_presets_parameters(page, preset):
    rc, model, settings = page
    selector = rc.find(v.Select, label="Preset").widget
    selector.v_model = PRESET_LABELS["pre_sc" if preset != "pre_sc" else "sc_full"]  # start elsewhere
    step_button(rc).click()
    old = model.value
    assert old.steps == 1
    selector.v_model = PRESET_LABELS[preset]
    new = model.value
    assert new is not old
    assert new.steps == 0 and settings.value.preset == preset
    expected = validate_parameters({**scenario(preset), "activation_week": new.params.activation_week})
    for name in scenario(preset):
        assert new.get_params()[name] == expected[name], name
    assert new.params.n_residents == SMALL.n_residents  # the county's size is kept
    assert time_text(rc) == "Time: 0.0"


def test_levers_reset_the_model_with_their_values(page):
    rc, model, _ = page
    rc.find(v.Select, label="What the jail does with a detainer").widget.v_model = DETAINER_LABELS["sanctuary"]
    assert model.value.get_params()["detainer_policy"] == "sanctuary"
    rc.find(v.Select, label="Preset").widget.v_model = PRESET_LABELS["sc_hennessey"]
    assert model.value.get_params()["detainer_policy"] == "sanctuary"  # an explicit jail policy wins over the preset's
    rc.find(v.Select, label="What the jail does with a detainer").widget.v_model = DETAINER_LABELS["preset"]
    assert model.value.get_params()["detainer_policy"] == "hennessey"
    for name, value in (("policing_intensity", 2.5), ("fear_sensitivity", 3.0), ("activation_week", 20),
                        ("n_residents", 400)):
        slide(rc, name, value)
        assert getattr(model.value.params, name) == value and model.value.steps == 0
    assert len(model.value.status) == 400


def test_a_slider_rebuilds_the_county_only_when_let_go(page):
    rc, model, _ = page
    county = model.value
    slider = rc.find(v.Slider, meta_ref="n_residents").widget
    for value in (400, 500, 600):  # dragging: no county is built on the way
        slider.v_model = value
    assert model.value is county
    slider.fire_event("change", 600)
    assert model.value is not county and model.value.params.n_residents == 600


def settings_error(rc) -> str:
    """The message the settings card shows ("" when there is none)."""
    alerts = [w for w in all_widgets(rc.find(ipywidgets.Widget).widget)
              if isinstance(w, v.Alert) and "sc-settings-error" in (w.class_ or "")]
    return " ".join(str(c) for a in alerts for c in a.children if isinstance(c, str))


@pytest.mark.parametrize("name, value, message", [
    ("n_residents", 10.7, r"n_residents must be a whole number.*, got 10.7$"),  # was truncated to 10
    ("activation_week", 3.9, r"activation_week must be a whole number.*, got 3.9$"),  # was silently week 3
    ("n_residents", 5000, r"n_residents must be between 100 and 2000 here, got 5000$"),
    ("policing_intensity", -1.0, r"policing_intensity must .*, got -1.0$"),
    ("fear_sensitivity", "3", r"fear_sensitivity must be a number, got '3'$"),
])
def test_the_server_refuses_values_the_sliders_cannot_give(page, name, value, message):
    """Defect 10: a hostile or broken client sends what no slider can; the server checks it with the
    model's own validation, keeps the county and says why on the page, and never truncates."""
    rc, model, settings = page
    county, before = model.value, settings.value
    slide(rc, name, value)
    assert model.value is county and settings.value == before
    assert re.search(message, settings_error(rc))  # the model's own message, with the value as it was sent
    assert rc.find(v.Slider, meta_ref=name).widget.v_model == getattr(before, name)  # the slider goes back
    slide(rc, "policing_intensity", 2.0)  # a good value clears the message and applies
    assert settings_error(rc) == "" and model.value.params.policing_intensity == 2.0


def test_negative_seed_is_refused_not_folded(page):
    rc, model, settings = page
    type_seed(rc, "7")
    seven = model.value
    type_seed(rc, "-7")
    assert model.value is seven and settings.value.seed == "7"
    assert "Seed: a whole number >= 0 or a word, got '-7'" in settings_error(rc)


def test_validated_keeps_canonical_values_and_never_rounds():
    good = validated(CountySettings(n_residents=400.0, activation_week=20.0))
    assert good.n_residents == 400 and isinstance(good.n_residents, int)
    assert good.activation_week == 20
    for bad in (CountySettings(n_residents=10.7), CountySettings(activation_week=3.9), CountySettings(seed="-1"),
                CountySettings(preset="nope"), CountySettings(policing_intensity=float("nan")),
                CountySettings(n_residents=True)):
        with pytest.raises(SettingsError):
            validated(bad)
    with pytest.raises(SettingsError, match="10.7"):
        ClassroomCounty(CountySettings(n_residents=10.7))  # Mesa's Reset path checks too


def test_typed_seed_works(page):
    rc, model, settings = page
    type_seed(rc, "7")
    assert settings.value.seed == "7"
    county = model.value
    twin = SecureCommunitiesModel(rng=7, **model_kwargs(settings.value))
    np.testing.assert_array_equal(county.status, twin.status)
    np.testing.assert_array_equal(county.household_of, twin.household_of)
    for _ in range(10):
        step_button(rc).click()
        twin.step()
    assert county.metrics == pytest.approx(twin.metrics, nan_ok=True)
    type_seed(rc, "8")
    assert not np.array_equal(model.value.household_of[:200], twin.household_of[:200]) or \
        not np.array_equal(model.value.status, twin.status)
    type_seed(rc, " 7 ")  # stray spaces: the same county as 7
    np.testing.assert_array_equal(model.value.status, twin.status)
    type_seed(rc, "my class")  # any text names one reproducible county
    first = model.value.status.copy()
    type_seed(rc, "7")
    type_seed(rc, "my class")
    np.testing.assert_array_equal(model.value.status, first)


def test_mesa_reset_rebuilds_what_the_sidebar_shows(page):
    rc, model, _ = page
    rc.find(v.Select, label="Preset").widget.v_model = PRESET_LABELS["sc_trust_act"]
    type_seed(rc, "11")
    start = model.value.status.copy()
    for _ in range(3):
        step_button(rc).click()
    rc.find(v.Btn, children=["Reset"]).widget.click()
    county = model.value
    assert county.steps == 0 and county.get_params()["detainer_policy"] == "trust_act"
    assert county.params.n_residents == SMALL.n_residents
    np.testing.assert_array_equal(county.status, start)


# --- what a class sees: defaults, compare mode, readout, no generic controls ---

def test_the_page_opens_on_the_lessons_county():
    rc, counties, settings = render_page(CountySettings())
    try:
        county = counties.value.left
        p = county.params
        assert (p.n_residents, p.policing_intensity, p.fear_sensitivity) == (2000, 2.0, 3.0)
        assert county.settings.seed == "42" and county.params.activation_week == 52 and counties.value.right is None
        assert counties.value.baseline.settings.preset == "pre_sc" and not counties.value.baseline.params.sharing_active
    finally:
        rc.close()


def test_no_tab_no_banner_and_only_explained_controls(page):
    rc, _, _ = page
    text = page_text(rc) + " ".join(texts_on_page(rc))
    buttons = sorted(b.children[0] for b in rc.find(v.Btn).widgets if b.children and isinstance(b.children[0], str))
    assert buttons == sorted(["Step", "Play", "Run 1 year (52 weeks)", "Reset"])
    assert not rc.find(v.Tab) and not rc.find(v.Tabs)  # Mesa's "Page 0" tab
    for generic in ("Play Interval", "Render Interval", "Use Threads", "Model Parameters"):
        assert generic not in text
    for explained in ("<b>Step</b>: one week", "<b>Play</b>", "<b>Run 1 year</b>", "<b>Reset</b>"):
        assert explained in text
    assert solara.server.settings.theme.show_banner is False  # "This website runs on Solara"
    assert "solara.Markdown" not in open(app.__file__).read()  # it would fetch KaTeX from a CDN


def test_readout_compares_with_the_same_county_without_the_program(page):
    rc, shown, _ = page
    rc.find(v.Btn, children=["Run 1 year (52 weeks)"]).widget.click()
    counties = shown.counties.value
    base = counties.baseline
    assert base.steps == counties.left.steps == 52 and base is not counties.left
    np.testing.assert_array_equal(base.status, counties.left.status)  # same seed, same people
    header, rows = readout_table(counties)
    assert header == ["week 52", "Full cooperation", "no program (same seed)", "difference"]
    by_label = {r[0]: r[1:] for r in rows}
    assert by_label[label("ident_matches_cumulative")][1] == "0"  # no program: nothing reaches ICE
    text = page_text(rc)
    assert "sc-readout-table" in text
    assert f"<td>{int(counties.left.metrics['arrests_cumulative']):,}</td>" in text


def test_compare_mode_steps_two_counties_on_the_same_seed(compare_page):
    rc, counties, settings = compare_page
    run = counties.value
    left, right = run.left, run.right
    assert left.settings.preset == "sc_full" and right.settings.preset == "sc_hennessey"
    assert right.get_params()["detainer_policy"] == "hennessey" and left.get_params()["detainer_policy"] == "full"
    np.testing.assert_array_equal(left.status, right.status)  # the same county
    np.testing.assert_array_equal(left.household_of, right.household_of)
    assert len(rc.find(v.Img)) == 0 and len(images(rc)) == 2 + 3  # two graphs, three comparison plots
    before = images(rc)
    for _ in range(3):
        step_button(rc).click()
    assert left.steps == right.steps == run.baseline.steps == 3  # stepped together
    assert all(a != b for a, b in zip(images(rc)[:2], before[:2], strict=True))
    header, _ = readout_table(run)
    assert header == ["week 3", "Full cooperation", "Hennessey (SF 2011)", "no program (same seed)"]
    type_seed(rc, "7")  # a typed seed applies to both
    assert counties.value.left.settings.seed == counties.value.right.settings.seed == "7"
    rc.find(v.Select, label="Compare with (same county, side by side)").widget.v_model = app.NO_COMPARISON
    assert counties.value.right is None and len(images(rc)) == 1 + len(PANELS)


def test_compare_with_no_program_shares_the_twin():
    run = Counties(SMALL.with_changes(compare_with="pre_sc"))
    assert run.baseline is run.right and len(run.all) == 2


def test_graph_draws_households_not_friendships_or_acquaintances():
    county = ClassroomCounty(SMALL)
    view = GraphView(county, layout_for(county), county.label)
    from matplotlib.collections import LineCollection
    lines = [c for c in view.ax.collections if isinstance(c, LineCollection)]
    assert len(lines) == 1 and len(lines[0].get_segments()) == len(county.ties.family)
    for _ in range(60):
        county.step()
    view.update(county)
    chilled = county.fear_process.chilled & (county.custody != Custody.REMOVED)
    assert chilled.any() and len(view.chilled.get_offsets()) == int(chilled.sum())


def test_plot_fonts_are_readable_on_a_projector():
    county = ClassroomCounty(SMALL)
    panel = TimeSeriesPanel(PANELS[0], county)
    assert panel.ax.title.get_fontsize() == TITLE_SIZE >= 14 and panel.ax.xaxis.label.get_fontsize() == LABEL_SIZE >= 12
    assert min(TICK_SIZE, LEGEND_SIZE) >= 11
    for spec in compare_panels(Counties(SMALL.with_changes(compare_with="sc_sanctuary"))):
        assert len(spec.series) == 3


# --- the helpers ---

def test_parse_seed_accepts_any_text():
    assert parse_seed("7") == 7 and parse_seed(" 7 ") == 7 and parse_seed(7) == 7
    assert parse_seed("") == parse_seed(None) == DEFAULT_SEED
    assert parse_seed("abc") == parse_seed("abc") != parse_seed("abd")
    assert isinstance(parse_seed("3.5"), int)
    with pytest.raises(SettingsError, match="got '-3'"):  # not folded onto 3
        parse_seed("-3")


def test_model_kwargs_start_from_the_preset_and_apply_the_levers():
    kwargs = model_kwargs(CountySettings(preset="pep_2015", policing_intensity=2.0, activation_week=10))
    assert kwargs["enforcement_regime"] == "sc;pep@activation" and kwargs["ice_pickup_prob"] == 0.40
    assert kwargs["policing_intensity"] == 2.0 and kwargs["activation_week"] == 10
    assert model_kwargs(CountySettings(preset="pre_sc"))["sharing_active"] is False
    assert model_kwargs(CountySettings(detainer_policy="trust_act"))["detainer_policy"] == "trust_act"


def test_layout_is_seeded_stable_and_clusters_households():
    county = SecureCommunitiesModel(rng=5, n_residents=1000)
    pos = household_layout(county.household_of, county.ties.friends, seed=0)
    np.testing.assert_array_equal(pos, household_layout(county.household_of, county.ties.friends, seed=0))
    assert np.isfinite(pos).all() and pos.min() > -0.2 and pos.max() < 1.2
    family = np.linalg.norm(pos[county.ties.family[:, 0]] - pos[county.ties.family[:, 1]], axis=1)
    friends = np.linalg.norm(pos[county.ties.friends[:, 0]] - pos[county.ties.friends[:, 1]], axis=1)
    assert np.median(family) < 0.2 * np.median(friends)  # household members sit close together
    # the same ties (same seed, another preset) give the very same picture
    other = SecureCommunitiesModel(rng=5, n_residents=1000, **scenario("sc_sanctuary"))
    assert layout_for(other) is layout_for(county)


@pytest.mark.parametrize("n", [100, 2000])
def test_graph_draws_at_both_ends_of_classroom_sizes(n):
    county = ClassroomCounty(CountySettings(n_residents=n))
    view = GraphView(county, layout_for(county), county.label)
    county.step()
    picture = Image.open(io.BytesIO(view.png(county)))
    pixels = np.asarray(picture)
    assert picture.width >= 600 and (pixels[..., :3] < 250).any(axis=-1).mean() > 0.05  # not a blank canvas
    assert len(view.nodes.get_offsets()) == n


def test_node_colors_show_status_fear_and_custody():
    status = np.array([Status.UNDOCUMENTED] * 4 + [Status.US_BORN])
    fear = np.array([0.0, 0.8, 0.0, 0.0, 0.0])
    custody = np.array([Custody.FREE, Custody.FREE, Custody.HELD, Custody.REMOVED, Custody.JAILED])
    faces = node_faces(status, fear, custody)
    assert faces[1, :3].min() < faces[0, :3].min()  # afraid: deeper (further from white)
    assert faces[3, 3] == 0.0  # removed: hollow
    assert not np.allclose(faces[0, :3], faces[4, :3])  # status tells undocumented from US-born
    rings, widths, sizes = node_rings(status, custody)
    assert widths[0] == 0 and widths[2] > widths[4] > 0 and rings[3, 3] == 1.0
    assert sizes[2] > sizes[0]


def _full_draw_pixels(figure) -> np.ndarray:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    animated = [a for a in figure.findobj() if a.get_animated()]
    for a in animated:
        a.set_animated(False)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba()).copy()
    for a in animated:
        a.set_animated(True)
    return pixels


def test_fast_redraws_match_a_full_redraw():
    county = ClassroomCounty(CountySettings(n_residents=300, policing_intensity=3.0))
    view = GraphView(county, layout_for(county), county.label)
    panels = [TimeSeriesPanel(spec, county) for spec in PANELS]
    for week in range(1, 71):
        county.step()
        if week % 7 == 0:  # frames in between, over backgrounds drawn at several axis layouts
            view.png(county)
            for panel in panels:
                panel.png(county)
    for drawing in [view, *panels]:
        fast = np.asarray(Image.open(io.BytesIO(drawing.png(county))))
        full = _full_draw_pixels(drawing.figure)
        assert fast.shape == full.shape
        differ = np.abs(fast.astype(int) - full.astype(int)).max(axis=-1) > 8
        # the same picture, but for a few anti-aliased pixels where a line meets the frame
        assert differ.mean() < 1e-3, f"{differ.sum()} pixels differ"
        drawing.renderer.background = None  # the next call is a full draw again


def test_plot_axes_grow_in_round_steps():
    assert [nice_ceiling(x) for x in (0.013, 3, 7, 11, 60)] == [0.02, 5, 10, 20, 100]
    county = ClassroomCounty(CountySettings(n_residents=300))
    funnel = TimeSeriesPanel(PANELS[0], county)
    assert funnel.ax.get_xlim() == (0, 104)  # two years shown at first, the activation week inside
    for _ in range(110):
        county.step()
    funnel.png(county)
    assert funnel.ax.get_xlim() == (0, 156)
    assert funnel.ax.get_ylim()[1] >= county.metrics["arrests_cumulative"]
