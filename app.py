"""The browser visualizer: one county's households as the Secure Communities pathway runs, or two
counties under two presets side by side, each read against the same county without the program.

Run it with ``make viz`` (``solara run app.py``; the page's JS/CSS come from the ``solara-assets``
wheel, so it works offline with no npm). The page is built from Solara components around the
project's own drawings (``viz/``) rather than Mesa's generic ``SolaraViz`` frame, whose tabs,
parameter card and Play/Render-interval/thread controls mean nothing to a class: the "Run" card
here has Step (a week), Play/Pause, Run 1 year and Reset, each explained on the page. The
counties are ordinary Mesa models (``ClassroomCounty``), stepped together by ``viz.session``.
"""

import time

import reacton.ipywidgets as rw
import solara
import solara.server.settings
from solara.alias import rv as v

from agents.codes import WEEKS_PER_YEAR
from viz.explainer import EXPLAINER_HTML
from viz.graph_view import GraphView
from viz.layout import layout_for
from viz.plots import PANELS, TimeSeriesPanel, compare_panels
from viz.readout import readout_html
from viz.session import LESSON_WEEKS, Counties
from viz.settings import (
    DETAINER_LABELS,
    LEVERS,
    PRESET_LABELS,
    CountySettings,
    SettingsError,
    validated,
)

PRESET_BY_LABEL = {label: key for key, label in PRESET_LABELS.items()}
DETAINER_BY_LABEL = {label: key for key, label in DETAINER_LABELS.items()}
NO_COMPARISON = "(one county only)"
PLAY_PAUSE_S = 0.15  # the pause between weeks while playing
TITLE = "Secure Communities: one county, week by week"

# Solara's "This website runs on Solara" banner sits over the page's bottom right corner (the
# sources line): off for this server. ``make viz`` also sets SOLARA_THEME_SHOW_BANNER=False.
solara.server.settings.theme.show_banner = False

PAGE_CSS = """
.sc-graph img { max-width: 100%; height: auto; }
.sc-plot img { width: 100%; height: auto; }
.v-application { font-size: 17px; }
.sc-run .v-btn { font-size: 1rem; }
.sc-help, .sc-settings .sc-note { font-size: 0.95rem; line-height: 1.35; }
.sc-readout-table { border-collapse: collapse; font-size: 1.05rem; width: 100%; }
.sc-readout-table th, .sc-readout-table td { padding: 3px 8px; border-bottom: 1px solid #ddd; text-align: right; }
.sc-readout-table th:first-child, .sc-readout-table td:first-child { text-align: left; }
.sc-explainer { font-size: 1.05rem; line-height: 1.45; padding-bottom: 48px; }
"""


def FigureImage(drawing, models, frame: int, classes):
    """A drawing's PNG for this week (rendered once per frame), in a column the tests can find."""
    data = solara.use_memo(lambda: drawing.png(models), [drawing, frame])
    with solara.Column(classes=classes) as card:
        rw.Image(value=data, format="png")
    return card


@solara.component
def SocialGraph(model, frame: int):
    """One county's households: the figure is built once per county and recolored each week."""
    view = solara.use_memo(lambda: GraphView(model, layout_for(model), model.label), [model])
    return FigureImage(view, model, frame, ["sc-graph"])


@solara.component
def PlotCard(spec, models, frame: int):
    panel = solara.use_memo(lambda: TimeSeriesPanel(spec, models), [spec, *models])
    return FigureImage(panel, models, frame, ["sc-plot", f"sc-plot-{spec.key}"])


def use_release(slider_element, on_value, value):
    """Call ``on_value`` with the value a slider was let go at (Vuetify's ``change`` event carries it;
    the widget's own v_model may still lag behind the drag when the event arrives). If ``on_value``
    refuses it (returns False), the slider goes back to ``value``, what the county has."""
    callback = solara.use_ref(on_value)
    callback.current = on_value
    shown = solara.use_ref(value)
    shown.current = value

    def attach():
        widget = solara.get_widget(slider_element)

        def on_change(_widget, _event, data):
            if callback.current(data) is False:
                widget.v_model = shown.current

        widget.on_event("change", on_change)
        return lambda: widget.on_event("change", on_change, remove=True)

    solara.use_effect(attach, [])


@solara.component
def LabeledSlider(name: str, label: str, value, low, high, step, on_value):
    """A slider with its label (and current value) on a line of its own, readable on a projector.

    It reports a value only when the student lets go (Vuetify's ``change`` event), not at every
    position on the way: each new value rebuilds the county. ``name`` tags the slider widget
    (``meta_ref``) so tests can find it."""
    with solara.Column(gap="0px", classes=["sc-slider"]) as column:
        solara.Text(label, style={"font-size": "1rem"})
        slider = v.Slider(v_model=value, min=low, max=high, step=step, thumb_label=True,
                          hide_details=True).meta(ref=name)
        use_release(slider, on_value, value)
    return column


@solara.component
def SettingsPanel(settings: CountySettings, on_settings):
    """The preset, the comparison and the levers. Every change is checked on the server
    (``validated``: the slider's bounds and the model's own validation, never rounding) and, if
    good, hands new settings to ``on_settings``; if not, the county stays and the card shows why."""
    error, set_error = solara.use_state(None)

    def change(**changes) -> bool:
        try:
            new = validated(settings.with_changes(**changes))
        except SettingsError as e:
            set_error(str(e))
            return False
        set_error(None)
        on_settings(new)
        return True

    def slider(name, label):
        low, high, step = LEVERS[name]
        LabeledSlider(name, label, getattr(settings, name), low, high, step, lambda v: change(**{name: v}))

    compare_values = [NO_COMPARISON, *PRESET_LABELS.values()]
    with solara.Card("County and policy", classes=["sc-settings"]):
        solara.Select("Preset", values=list(PRESET_LABELS.values()), value=PRESET_LABELS[settings.preset],
                      on_value=lambda label: change(preset=PRESET_BY_LABEL.get(label, label)))
        solara.Select("Compare with (same county, side by side)", values=compare_values,
                      value=PRESET_LABELS.get(settings.compare_with, NO_COMPARISON),
                      on_value=lambda label: change(compare_with=PRESET_BY_LABEL.get(label, "")))
        solara.Select("What the jail does with a detainer", values=list(DETAINER_LABELS.values()),
                      value=DETAINER_LABELS[settings.detainer_policy],
                      on_value=lambda label: change(detainer_policy=DETAINER_BY_LABEL.get(label, label)))
        slider("activation_week", f"Program reaches the county: week {settings.activation_week}")
        slider("policing_intensity", f"Policing intensity: {settings.policing_intensity:g} x typical arrests")
        slider("fear_sensitivity", f"Fear sensitivity: {settings.fear_sensitivity:g}")
        slider("n_residents", f"Residents: {settings.n_residents:,}")
        solara.InputText("Seed (any text; Enter to apply)", value=settings.seed,
                         on_value=lambda text: change(seed=text or ""))
        if error:
            solara.Error(f"Not applied: {error}", classes=["sc-settings-error"])
        solara.Text("Any change here starts the counties again at week 0. The defaults are the lesson's "
                    "settings (docs/classroom.md).", classes=["sc-note"])


@solara.component
def RunCard(counties: Counties, frame: solara.Reactive, on_reset):
    """Step, Play/Pause, Run 1 year and Reset, with what each does written under them."""
    playing = solara.use_reactive(False)
    frame.get()  # the week shown below changes with every frame

    def redraw():
        frame.set(frame.value + 1)

    def step():
        counties.step()
        redraw()

    def run_year():
        counties.step(WEEKS_PER_YEAR)
        redraw()

    def play_loop():
        while playing.value:
            if counties.steps >= LESSON_WEEKS:
                playing.set(False)
                break
            counties.step()
            redraw()
            time.sleep(PLAY_PAUSE_S)

    solara.lab.use_task(play_loop, dependencies=[playing.value, counties], prefer_threaded=True)

    def reset():
        playing.set(False)
        on_reset()

    with solara.Card("Run", classes=["sc-run"]):
        with solara.Row(gap="6px", style={"flex-wrap": "wrap"}):
            solara.Button("Step", color="primary", on_click=step, disabled=playing.value)
            solara.Button("Pause" if playing.value else "Play", color="primary",
                          on_click=lambda: playing.set(not playing.value))
            solara.Button(f"Run 1 year ({WEEKS_PER_YEAR} weeks)", color="primary", on_click=run_year,
                          disabled=playing.value)
            solara.Button("Reset", on_click=reset)
        years = counties.steps / WEEKS_PER_YEAR
        solara.Text(f"Now at week {counties.steps} (year {years:.1f}).", classes=["sc-week"],
                    style={"font-size": "1.2rem", "font-weight": "bold"})
        solara.HTML(tag="div", classes=["sc-help"], unsafe_innerHTML=(
            f"<b>Step</b>: one week. <b>Play</b>: a week at a time until Pause (it stops by itself at week "
            f"{LESSON_WEEKS}, five years). <b>Run 1 year</b>: {WEEKS_PER_YEAR} weeks at once. <b>Reset</b>: the "
            "same counties back to week 0 (same seed, same people)."))


@solara.component
def Readout(counties: Counties, frame: int):
    title = ("The two counties and no program, so far" if counties.right is not None
             else "Compared with no program (the same county, same seed, without Secure Communities)")
    with solara.Card(title, classes=["sc-readout"]):
        solara.HTML(tag="div", unsafe_innerHTML=readout_html(counties))


@solara.component
def Page(counties: solara.Reactive | None = None, settings: solara.Reactive | None = None):
    """The page. ``counties`` and ``settings`` may be handed in (reactive variables) to watch them from
    outside, as the tests do; otherwise each browser session gets its own."""
    if settings is None:
        settings = counties.value.settings if counties is not None else CountySettings()
    settings = solara.use_reactive(settings)
    first = solara.use_memo(lambda: counties.value if counties is not None else Counties(settings.value), [])
    counties = solara.use_reactive(counties if counties is not None else first)
    frame = solara.use_reactive(0)

    def apply(new: CountySettings):
        settings.set(new)
        counties.set(Counties(new))

    run = counties.value
    solara.Style(PAGE_CSS)
    solara.Title(TITLE)
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Sidebar():
        RunCard(run, frame, lambda: counties.set(Counties(settings.value)))
        SettingsPanel(settings.value, apply)
    models = [*run.shown, run.baseline]
    with solara.Column(style={"padding": "8px"}):
        if run.right is None:
            with solara.Columns([7, 5]):
                SocialGraph(run.left, frame.value)
                with solara.Column():
                    Readout(run, frame.value)
            with solara.Columns([1, 1, 1]):
                for spec in PANELS[:3]:
                    PlotCard(spec, [run.left], frame.value)
            with solara.Columns([1, 1, 1]):
                for spec in PANELS[3:]:
                    PlotCard(spec, [run.left], frame.value)
        else:
            with solara.Columns([1, 1]):
                SocialGraph(run.left, frame.value)
                SocialGraph(run.right, frame.value)
            with solara.Columns([7, 5]):
                Readout(run, frame.value)
                with solara.Column():
                    for spec in compare_panels(run)[:1]:
                        PlotCard(spec, models, frame.value)
            with solara.Columns([1, 1]):
                for spec in compare_panels(run)[1:]:
                    PlotCard(spec, models, frame.value)
        with solara.Card("What you are watching", classes=["sc-explainer"]):
            solara.HTML(tag="div", unsafe_innerHTML=EXPLAINER_HTML)


page = Page
