"""The browser visualizer, in process: the page, its controls, the busy state, the inspector.

The page is rendered with ``solara.render`` inside an ``AppLayout`` (without it the buttons are
not found); widgets are driven the way the browser drives them (clicks, v_model changes, the
text box's Enter event, the graph's "pick" event). A change of settings builds the new counties
in a thread, so the tests wait for it (``settle``) as a user waits for the busy sign to go.
The drawings and tables behind the page are tested in ``tests/test_viz.py``.
"""

import html
import io
import re
import threading
import time

import ipyvuetify as v
import ipywidgets
import numpy as np
import pytest
import solara
from PIL import Image

import app
from agents.codes import Custody
from model import PRESETS, SecureCommunitiesModel, scenario, validate_parameters
from model.labels import CHANNEL_LABELS
from model.reporters import page_label
from viz.controls import NO_COMPARISON, SEED_LABEL, SPEEDS
from viz.graph_view import PAIR, SINGLE, GraphView
from viz.plots import PANELS
from viz.readout import readout_table
from viz.session import Counties
from viz.settings import DETAINER_LABELS, PRESET_LABELS, CountySettings, model_kwargs

SMALL = CountySettings(n_residents=300)


RENDERED = []  # the page being tested (settle reads its busy sign)


def render_page(settings_value):
    counties = solara.reactive(Counties(settings_value))
    settings = solara.reactive(settings_value)
    _, rc = solara.render(solara.AppLayout(children=[app.Page(counties=counties, settings=settings)]),
                          handle_error=False)
    RENDERED.append(rc)
    return rc, counties, settings


@pytest.fixture
def page():
    """The rendered page with a small county; yields (render context, counties, settings)."""
    rc, counties, settings = render_page(SMALL)
    yield rc, counties, settings
    rc.close()


@pytest.fixture
def compare_page():
    """The page in compare mode (full cooperation against Hennessey); yields (rc, counties, settings)."""
    rc, counties, settings = render_page(SMALL.with_changes(compare_with="sc_hennessey"))
    yield rc, counties, settings
    rc.close()


def settle(counties, settings, old=None, timeout: float = 60.0):
    """Wait until the page runs what its settings ask for (and, for a Reset, new counties) and shows
    them: the busy sign is gone."""
    deadline = time.monotonic() + timeout
    while (counties.value.settings != settings.value or (old is not None and counties.value is old)
           or "Building the county" in page_text(RENDERED[-1])):
        assert time.monotonic() < deadline, "the page did not build the counties in time"
        time.sleep(0.02)
    idle(RENDERED[-1])


def idle(rc) -> None:
    """Wait for renders running in other threads (the build's, the task's): until then an event from
    the test would be left for that thread to render."""
    for _ in range(5):
        with rc.thread_lock:
            pass
        time.sleep(0.02)


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


def widgets(rc) -> list:
    return all_widgets(rc.find(ipywidgets.Widget).widget)


def page_text(rc) -> str:
    """Every piece of HTML and text on the page."""
    parts = []
    for w in widgets(rc):
        parts.append(getattr(w, "unsafe_innerHTML", None) or "")
        children = getattr(w, "children", None)
        if isinstance(w, v.Html) and children and isinstance(children[0], str):
            parts.append(children[0])
    return " ".join(parts)


def plot_images(rc) -> list[bytes]:
    return [w.value for w in rc.find(ipywidgets.Image).widgets]


def graphs(rc) -> list:
    """The clickable graph pictures (one, or two in compare mode)."""
    return [w for w in widgets(rc) if hasattr(w, "vue_pick") and hasattr(w, "png")]


def button(rc, label: str):
    return rc.find(v.Btn, children=[label]).widget


def week_shown(rc) -> int:
    text = next(t for t in re.findall(r"Now at week \d+", page_text(rc)))
    return int(text.split()[-1])


def slide(rc, name: str, value) -> None:
    """What a student does: drag a slider to a value and let go."""
    slider = rc.find(v.Slider, meta_ref=name).widget
    slider.v_model = value
    slider.fire_event("change", value)


def seed_box(rc):
    return rc.find(v.TextField, label=SEED_LABEL).widget


def type_seed(rc, text: str) -> None:
    """What a student does: type in the seed box and press Enter."""
    box = seed_box(rc)
    box.v_model = text
    box.fire_event("keyup.enter", {})


def settings_error(rc) -> str:
    """The message the settings panel shows ("" when there is none)."""
    alerts = [w for w in widgets(rc) if isinstance(w, v.Alert) and "sc-settings-error" in (w.class_ or "")]
    return " ".join(str(c) for a in alerts for c in a.children if isinstance(c, str))


def pick(rc, graph, resident: int, county) -> None:
    """What a student does: click a resident in the graph (the browser sends where, as fractions)."""
    x, y = GraphView(county, frame=PAIR if len(graphs(rc)) == 2 else SINGLE).position(resident)
    graph.vue_pick({"x": x, "y": y})


# --- the page ---

def test_page_builds_with_graph_plots_explainer_and_controls(page):
    rc, counties, _ = page
    assert len(graphs(rc)) == 1 and len(plot_images(rc)) == len(PANELS)
    for data in [graphs(rc)[0].png, *plot_images(rc)]:
        picture = Image.open(io.BytesIO(data))
        assert picture.format == "PNG" and picture.width > 500
    assert button(rc, "Reset") and button(rc, "Step")
    presets = rc.find(v.Select, label="Preset").widget
    assert presets.items == list(PRESET_LABELS.values()) and presets.v_model == PRESET_LABELS["sc_full"]
    for name in ("activation_week", "policing_intensity", "fear_sensitivity", "n_residents"):
        assert len(rc.find(v.Slider, meta_ref=name)) == 1
    assert rc.find(v.Select, label="What the jail does with a detainer").widget.items == list(DETAINER_LABELS.values())
    text = page_text(rc)
    assert "no current method for opting out" in text and "FBI" in text
    assert week_shown(rc) == 0 and counties.value.steps == 0


def test_the_explainer_is_at_the_top_and_folds_away(page):
    """Issue 21, item 5: the explainer was below every plot with its heading twice; now it is the first
    panel, open at first, and one click folds it (the settings panel too)."""
    rc, _, _ = page
    panels = rc.find(v.ExpansionPanels).widget
    assert panels.v_model == [0, 1]  # both open when the page opens
    explainer = panels.children[0]
    assert "What you are watching" in str(explainer.children[0].children[0].unsafe_innerHTML)
    assert page_text(rc).count("What you are watching") == 1  # one heading, not two
    panels.v_model = [1]
    assert rc.find(v.ExpansionPanels).widget.v_model == [1]


def test_step_advances_the_model_and_redraws(page):
    rc, counties, _ = page
    county = counties.value.left
    before = [graphs(rc)[0].png, *plot_images(rc)]
    button(rc, "Step").click()
    assert counties.value.left is county and county.steps == 1 and week_shown(rc) == 1
    assert "Week 1: Secure Communities, full cooperation" in page_text(rc)  # the graph's heading
    for _ in range(4):
        button(rc, "Step").click()
    assert county.steps == 5 and week_shown(rc) == 5
    assert all(a != b for a, b in zip(plot_images(rc), before[1:], strict=True))  # every plot has new data
    button(rc, "Run 1 year (52 weeks)").click()
    assert graphs(rc)[0].png != before[0]  # fear has coloured the residents


def test_run_one_year_steps_52_weeks(page):
    rc, counties, _ = page
    county = counties.value.left
    button(rc, "Run 1 year (52 weeks)").click()
    assert county.steps == 52 and week_shown(rc) == 52
    arrests = int(county.metrics["arrests_cumulative"])
    row = re.escape(page_label("arrests_cumulative"))
    assert arrests > 0 and re.search(rf">{row}</td>\s*<td[^>]*>{arrests}</td>", page_text(rc))


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_preset_change_builds_the_presets_county(page, preset):
    rc, counties, settings = page
    selector = rc.find(v.Select, label="Preset").widget
    selector.v_model = PRESET_LABELS["pre_sc" if preset != "pre_sc" else "sc_full"]  # start elsewhere
    settle(counties, settings)
    button(rc, "Step").click()
    old = counties.value.left
    assert old.steps == 1
    selector.v_model = PRESET_LABELS[preset]
    settle(counties, settings)
    new = counties.value.left
    assert new is not old and new.steps == 0 and settings.value.preset == preset
    expected = validate_parameters({**scenario(preset), "activation_week": new.params.activation_week})
    for name in scenario(preset):
        assert new.get_params()[name] == expected[name], name
    assert new.params.n_residents == SMALL.n_residents and week_shown(rc) == 0


def test_a_new_county_is_built_while_the_page_says_so(page, monkeypatch):
    """Issue 21, item 6: a new seed, preset or comparison takes seconds; the run bar says what is
    being built, the run buttons wait, the old county is greyed out, and all of it goes when the new
    county is on screen."""
    rc, counties, settings = page
    release = threading.Event()
    build = Counties

    def slow(new_settings):
        release.wait(30)
        return build(new_settings)

    monkeypatch.setattr(app, "Counties", slow)
    rc.find(v.Select, label="Preset").widget.v_model = PRESET_LABELS["sc_sanctuary"]
    time.sleep(0.2)
    text = page_text(rc)
    assert "Building the county (Sanctuary county (no detainer honored), seed 42)" in text
    assert button(rc, "Step").disabled and button(rc, "Run 1 year (52 weeks)").disabled
    assert any("sc-stale" in (w.class_ or "") for w in widgets(rc) if isinstance(w, v.Html))
    assert counties.value.settings.preset == "sc_full"  # the old county stays until the new one is ready
    release.set()
    settle(counties, settings)
    assert counties.value.left.settings.preset == "sc_sanctuary"
    assert "Building the county" not in page_text(rc) and not button(rc, "Step").disabled
    assert not any("sc-stale" in (w.class_ or "") for w in widgets(rc) if isinstance(w, v.Html))


def test_levers_rebuild_the_county_with_their_values(page):
    rc, counties, settings = page
    rc.find(v.Select, label="What the jail does with a detainer").widget.v_model = DETAINER_LABELS["sanctuary"]
    settle(counties, settings)
    assert counties.value.left.get_params()["detainer_policy"] == "sanctuary"
    rc.find(v.Select, label="Preset").widget.v_model = PRESET_LABELS["sc_hennessey"]
    settle(counties, settings)
    assert counties.value.left.get_params()["detainer_policy"] == "sanctuary"  # an explicit jail policy wins
    rc.find(v.Select, label="What the jail does with a detainer").widget.v_model = DETAINER_LABELS["preset"]
    settle(counties, settings)
    assert counties.value.left.get_params()["detainer_policy"] == "hennessey"
    for name, value in (("policing_intensity", 2.5), ("fear_sensitivity", 3.0), ("activation_week", 20),
                        ("n_residents", 400)):
        slide(rc, name, value)
        settle(counties, settings)
        assert getattr(counties.value.left.params, name) == value and counties.value.steps == 0
    assert len(counties.value.left.status) == 400


def test_a_slider_rebuilds_the_county_only_when_let_go(page):
    rc, counties, settings = page
    county = counties.value
    slider = rc.find(v.Slider, meta_ref="n_residents").widget
    for value in (400, 500, 600):  # dragging: no county is built on the way
        slider.v_model = value
    time.sleep(0.2)
    assert counties.value is county
    slider.fire_event("change", 600)
    settle(counties, settings)
    assert counties.value.left.params.n_residents == 600


@pytest.mark.parametrize("name, value, message", [
    ("n_residents", 10.7, r"n_residents must be a whole number.*, got 10.7$"),  # was truncated to 10
    ("activation_week", 3.9, r"activation_week must be a whole number.*, got 3.9$"),  # was silently week 3
    ("n_residents", 5000, r"n_residents must be between 100 and 2000 here, got 5000$"),
    ("policing_intensity", -1.0, r"policing_intensity must .*, got -1.0$"),
    ("fear_sensitivity", "3", r"fear_sensitivity must be a number, got '3'$"),
])
def test_the_server_refuses_values_the_sliders_cannot_give(page, name, value, message):
    """A hostile or broken client sends what no slider can; the server checks it with the model's own
    validation, keeps the county, says why on the page and never truncates."""
    rc, counties, settings = page
    county, before = counties.value, settings.value
    slide(rc, name, value)
    assert counties.value is county and settings.value == before
    assert re.search(message, settings_error(rc))  # the model's own message, with the value as it was sent
    assert rc.find(v.Slider, meta_ref=name).widget.v_model == getattr(before, name)  # the slider goes back
    slide(rc, "policing_intensity", 2.0)  # a good value clears the message and applies
    settle(counties, settings)
    assert settings_error(rc) == "" and counties.value.left.params.policing_intensity == 2.0


def test_a_refused_seed_leaves_the_seed_in_use_in_the_box(page):
    """Issue 21, item 6: after a refused seed ("-4") the box showed -4 while the previous county ran;
    now it shows the seed in use, and the panel says what was refused."""
    rc, counties, settings = page
    type_seed(rc, "7")
    settle(counties, settings)
    seven = counties.value
    type_seed(rc, "-4")
    assert counties.value is seven and settings.value.seed == "7"
    assert "Seed: a whole number >= 0 or a word, got '-4'" in settings_error(rc)
    assert seed_box(rc).v_model == "7"
    assert "seed 7," in page_text(rc)  # the panel's header: the settings in use


def test_typed_seed_works(page):
    rc, counties, settings = page
    type_seed(rc, "7")
    settle(counties, settings)
    county = counties.value.left
    twin = SecureCommunitiesModel(rng=7, **model_kwargs(settings.value))
    np.testing.assert_array_equal(county.status, twin.status)
    for _ in range(10):
        button(rc, "Step").click()
        twin.step()
    assert county.metrics == pytest.approx(twin.metrics, nan_ok=True)
    type_seed(rc, " 7 ")  # stray spaces: the same county as 7
    settle(counties, settings)
    np.testing.assert_array_equal(counties.value.left.status, twin.status)
    type_seed(rc, "my class")  # any text names one reproducible county
    settle(counties, settings)
    first = counties.value.left.status.copy()
    type_seed(rc, "7")
    settle(counties, settings)
    type_seed(rc, "my class")
    settle(counties, settings)
    np.testing.assert_array_equal(counties.value.left.status, first)


def test_reset_rebuilds_what_the_panel_shows(page):
    rc, counties, settings = page
    rc.find(v.Select, label="Preset").widget.v_model = PRESET_LABELS["sc_trust_act"]
    settle(counties, settings)
    type_seed(rc, "11")
    settle(counties, settings)
    start = counties.value.left.status.copy()
    for _ in range(3):
        button(rc, "Step").click()
    old = counties.value
    button(rc, "Reset").click()
    settle(counties, settings, old=old)
    county = counties.value.left
    assert county.steps == 0 and county.get_params()["detainer_policy"] == "trust_act"
    np.testing.assert_array_equal(county.status, start)


def test_play_runs_at_the_chosen_speed_and_pauses(page):
    """Issue 21, item 6: Play has a speed control (weeks a second). At one week a second, 1.5 seconds
    of Play cannot run more than two weeks (slower on a busy machine is allowed: never a speed test)."""
    rc, counties, _ = page
    toggle = rc.find(v.BtnToggle).widget
    assert [b.children[0] for b in toggle.children] == list(SPEEDS)
    toggle.v_model = list(SPEEDS).index("1")
    button(rc, "Play").click()
    time.sleep(1.5)
    button(rc, "Pause").click()
    time.sleep(0.3)
    weeks = counties.value.steps
    assert 1 <= weeks <= 2
    time.sleep(0.5)
    assert counties.value.steps == weeks  # paused


def test_the_page_opens_on_the_lessons_county():
    rc, counties, _ = render_page(CountySettings())
    try:
        county = counties.value.left
        p = county.params
        assert (p.n_residents, p.policing_intensity, p.fear_sensitivity) == (2000, 2.0, 3.0)
        assert county.settings.seed == "42" and p.activation_week == 52 and counties.value.right is None
        assert counties.value.baseline.settings.preset == "pre_sc" and not counties.value.baseline.params.sharing_active
    finally:
        rc.close()


def test_no_tab_no_banner_and_only_explained_controls(page):
    rc, _, _ = page
    text = page_text(rc)
    buttons = {c for b in widgets(rc) if isinstance(b, v.Btn) for c in b.children if isinstance(c, str)}
    assert buttons == {"Step", "Play", "Run 1 year (52 weeks)", "Reset", *SPEEDS, "Readout (CSV)",
                       "Plotted series, week by week (CSV)"}
    assert not rc.find(v.Tab) and not rc.find(v.Tabs)  # Mesa's "Page 0" tab
    for generic in ("Play Interval", "Render Interval", "Use Threads", "Model Parameters"):
        assert generic not in text
    for explained in ("<b>Step</b>: one week", "<b>Play</b>", "<b>Run 1 year</b>", "<b>Reset</b>", "Play speed"):
        assert explained in text
    assert solara.server.settings.theme.show_banner is False  # "This website runs on Solara"
    assert "solara.Markdown" not in open(app.__file__).read()  # it would fetch KaTeX from a CDN


def test_readout_compares_with_the_same_county_without_the_program(page):
    rc, counties, _ = page
    button(rc, "Run 1 year (52 weeks)").click()
    run = counties.value
    assert run.baseline.steps == run.left.steps == 52 and run.baseline is not run.left
    np.testing.assert_array_equal(run.baseline.status, run.left.status)  # same seed, same people
    header, rows = readout_table(run)
    assert header == ["week 52", "Full cooperation", "no program (same seed)", "difference"]
    by_label = {r[0]: r[1:] for r in rows}
    assert by_label[page_label("ident_matches_cumulative")][1] == "0"  # no program: nothing reaches ICE
    text = page_text(rc)
    for window in ("so far (since week 1)", "now", "in the past year (52 weeks)"):
        assert f'<span class="sc-window">{window}</span>' in text
    assert f"<td>{int(run.left.metrics['arrests_cumulative']):,}</td>" in text


# --- compare mode and the inspector ---

def test_compare_mode_steps_two_counties_with_every_lesson_plot(compare_page):
    """Issue 21, item 2: compare mode shows the plots the lesson sends students to (funnel, priority
    levels, families, reporting, fear) for both counties, beside the overlays."""
    rc, counties, settings = compare_page
    run = counties.value
    left, right = run.left, run.right
    assert left.settings.preset == "sc_full" and right.settings.preset == "sc_hennessey"
    assert right.get_params()["detainer_policy"] == "hennessey"
    np.testing.assert_array_equal(left.household_of, right.household_of)  # the same county
    assert len(graphs(rc)) == 2 and len(plot_images(rc)) == 3 + 2 * len(PANELS)
    classes = " ".join(w.class_ or "" for w in widgets(rc) if isinstance(w, v.Card))
    for spec in PANELS:
        assert f"sc-plot-{spec.key}_0" in classes and f"sc-plot-{spec.key}_1" in classes
    before = [g.png for g in graphs(rc)]
    for _ in range(3):
        button(rc, "Step").click()
    assert left.steps == right.steps == run.baseline.steps == 3  # stepped together
    assert "Week 3: San Francisco 2011 (Sheriff Hennessey)" in page_text(rc)
    button(rc, "Run 1 year (52 weeks)").click()
    assert all(g.png != b for g, b in zip(graphs(rc), before, strict=True))  # both recoloured
    assert readout_table(run)[0] == ["week 55", "Full cooperation", "Hennessey (SF 2011)", "no program (same seed)"]
    type_seed(rc, "7")  # a typed seed applies to both
    settle(counties, settings)
    assert counties.value.left.settings.seed == counties.value.right.settings.seed == "7"
    rc.find(v.Select, label="Compare with (same county, side by side)").widget.v_model = NO_COMPARISON
    settle(counties, settings)
    assert counties.value.right is None and len(graphs(rc)) == 1 and len(plot_images(rc)) == len(PANELS)


def test_clicking_a_resident_shows_their_story_and_their_family(page):
    """Issue 21, item 5: click a resident; the inspector shows their status, household, record, fear
    with its channels, and their events so far; a click on a household member follows the family."""
    rc, counties, _ = page
    for _ in range(3):
        button(rc, "Run 1 year (52 weeks)").click()
    county = counties.value.left
    booked = sorted({e["resident_id"] for e in county.events.select(stage="booking")})
    resident = booked[0]
    pick(rc, graphs(rc)[0], resident, county)
    text = page_text(rc)
    assert f"Following resident {resident} (ringed" in text  # said over the graph, where the click was
    assert f"Resident {resident}, household {int(county.household_of[resident])}" in text
    assert "Events so far" in text and "booked into the county jail" in text
    assert all(html.escape(name) in text for name in CHANNEL_LABELS.values())  # every channel of fear
    assert f"{county.fear[resident]:.2f}" in text
    members = np.flatnonzero(county.household_of == county.household_of[resident])
    buttons = [b for b in rc.find(v.Btn).widgets if b.children and re.match(r"\d+: ", str(b.children[0]))]
    assert sorted(int(b.children[0].split(":")[0]) for b in buttons) == members.tolist()
    other = [b for b in buttons if int(b.children[0].split(":")[0]) != resident]
    if other:
        other[0].click()
        assert f"Resident {int(other[0].children[0].split(':')[0])}," in page_text(rc)
    button(rc, "Close").click()
    assert "Inspect a resident" in page_text(rc)
    graphs(rc)[0].vue_pick({"x": 2.0, "y": 0.5})  # outside the picture: nothing is picked
    assert "Inspect a resident" in page_text(rc)


def test_in_compare_mode_the_inspector_follows_one_person_in_both_counties(compare_page):
    rc, counties, _ = compare_page
    button(rc, "Run 1 year (52 weeks)").click()
    run = counties.value
    resident = int(np.flatnonzero(run.left.status == 3)[0])  # an undocumented resident
    pick(rc, graphs(rc)[1], resident, run.right)
    text = page_text(rc)
    assert text.count(f"<b>Resident {resident}</b>") == 2  # the same person, under each preset
    assert "<b>Full cooperation</b>" in text and "<b>Hennessey (SF 2011)</b>" in text
    assert all(g.png for g in graphs(rc))


def test_the_lesson_card_lists_every_observation(page):
    rc, counties, _ = page
    button(rc, "Run 1 year (52 weeks)").click()
    text = page_text(rc)
    assert "The lesson's observations on this county" in text
    for number in range(1, 14):
        assert f"<td>O{number}</td>" in text
    assert "with a family or friendship tie to someone removed" in text  # O10, from the model's state
    removed = int((counties.value.left.custody == Custody.REMOVED).sum())
    assert f"{removed} away after removal (hollow dots)" in text  # the graph's heading, with its window


def test_play_waits_for_the_browser_to_draw(page):
    """On a busy machine Play made weeks faster than the browser drew them: the page froze on an old
    week while the server ran on, and Pause waited behind the queue. Once the browser reports the
    frames it drew, Play keeps at most one week in flight, and Pause stops it at once."""
    rc, counties, _ = page
    graph = graphs(rc)[0]
    graph.vue_shown({"frame": 0})  # the browser drew the first picture
    toggle = rc.find(v.BtnToggle).widget
    toggle.v_model = list(SPEEDS).index("max")
    button(rc, "Play").click()
    time.sleep(1.0)  # the browser draws nothing more: Play stops after two weeks
    assert counties.value.steps == 2
    graph.vue_shown({"frame": 2})  # it drew them: two more weeks may go
    time.sleep(1.0)
    assert counties.value.steps == 4
    start = time.monotonic()
    button(rc, "Pause").click()
    time.sleep(0.3)
    assert counties.value.steps == 4 and time.monotonic() - start < 1.0


def test_model_kwargs_start_from_the_preset_and_apply_the_levers():
    kwargs = model_kwargs(CountySettings(preset="pep_2015", policing_intensity=2.0, activation_week=10))
    assert kwargs["enforcement_regime"] == "sc;pep@activation" and kwargs["ice_pickup_prob"] == 0.40
    assert kwargs["policing_intensity"] == 2.0 and kwargs["activation_week"] == 10
    assert model_kwargs(CountySettings(preset="pre_sc"))["sharing_active"] is False
    assert model_kwargs(CountySettings(detainer_policy="trust_act"))["detainer_policy"] == "trust_act"


def test_delivery_waits_only_for_a_browser_that_reports():
    from viz.delivery import Delivery

    delivery = Delivery()
    assert delivery.wait(10, timeout=0.01)  # no browser ever reported: in-process pages never wait
    delivery.report(3)
    assert delivery.wait(3, timeout=0.01) and not delivery.wait(4, timeout=0.05)
    assert not delivery.wait(4, timeout=5.0, still=lambda: False)  # Pause: no wait at all
