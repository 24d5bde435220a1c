"""The browser visualizer: one county's social graph as the Secure Communities pathway runs.

Run it with ``make viz`` (``solara run app.py`` with the offline asset cache). The page is a Mesa
``SolaraViz``: Mesa's Controls card (Reset, Play, Step) drives a ``ClassroomCounty``; the
"County and policy" card in the sidebar picks the preset and levers, and any change there starts
the county again at week 0. The helpers live in ``viz/``; this file only wires them together.
"""

import mesa.visualization.solara_viz as mesa_solara_viz
import reacton.ipywidgets as rw
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import force_update, update_counter
from solara.alias import rv as v

from agents.codes import WEEKS_PER_YEAR
from viz.explainer import EXPLAINER
from viz.graph_view import GraphView
from viz.layout import layout_for
from viz.plots import PANELS, TimeSeriesPanel
from viz.settings import (
    DETAINER_LABELS,
    LEVERS,
    PRESET_LABELS,
    ClassroomCounty,
    CountySettings,
    SettingsError,
    validated,
)
from viz.tally import tally_markdown

PRESET_BY_LABEL = {label: key for key, label in PRESET_LABELS.items()}
DETAINER_BY_LABEL = {label: key for key, label in DETAINER_LABELS.items()}


def figure_key(model) -> list:
    """When a figure must be redrawn: a new county, or a new week."""
    return [model, model.steps]  # the model itself, not id(): a new county may reuse a freed address


def FigureImage(drawing, model, classes):
    """A drawing's PNG for this week (rendered once per week), in a column the tests can find."""
    data = solara.use_memo(lambda: drawing.png(model), figure_key(model))
    with solara.Column(classes=classes) as card:
        rw.Image(value=data, format="png")
    return card


@solara.component
def SocialGraph(model):
    """The graph card: built once per county, recolored each week."""
    update_counter.get()
    view = solara.use_memo(lambda: GraphView(model, layout_for(model), model.label), [model])
    return FigureImage(view, model, ["sc-graph"])


def make_plot_card(spec):
    """A card component for one time-series panel."""

    @solara.component
    def PlotCard(model):
        update_counter.get()
        panel = solara.use_memo(lambda: TimeSeriesPanel(spec, model), [model])
        return FigureImage(panel, model, ["sc-plot", f"sc-plot-{spec.key}"])

    PlotCard.__name__ = f"Plot_{spec.key}"
    return PlotCard


@solara.component
def Explainer(model):
    with solara.Column(classes=["sc-explainer"], style={"padding": "0 12px", "overflow-y": "auto"}) as card:
        solara.Markdown(EXPLAINER)
    return card


PLOT_CARDS = [make_plot_card(spec) for spec in PANELS]
COMPONENTS = [(SocialGraph, 0), (Explainer, 0)] + [(card, 0) for card in PLOT_CARDS]


def page_grid_layout(n_components: int) -> list[dict]:
    """Where the cards sit (12 columns): the graph large at the top left, the explainer beside it,
    the plots below, three to a row. The cards stay draggable and resizable."""
    cells = [{"x": 0, "y": 0, "w": 7, "h": 22}, {"x": 7, "y": 0, "w": 5, "h": 22}]
    cells += [{"x": 4 * (i % 3), "y": 22 + 8 * (i // 3), "w": 4, "h": 8} for i in range(n_components - 2)]
    return [{"i": i, "moved": False, **cell} for i, cell in enumerate(cells[:n_components])]


# Mesa 3.5 has no argument for the initial card layout; ComponentsView looks this function up at
# render time, so replacing it here sets the layout of this page (the only SolaraViz in the process).
mesa_solara_viz.make_initial_grid_layout = page_grid_layout

# The settings live in our own card, so Mesa's "Model Parameters" card has nothing to show: hide it.
PAGE_CSS = """
.v-card:has(> .v-card__text > div:only-child:empty) { display: none; }
.sc-graph img { max-width: 100%; height: auto; }
.sc-plot { width: 100%; }
.sc-plot img { width: 100%; height: auto; }
"""


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
        solara.Text(label, style={"font-size": "0.9rem"})
        slider = v.Slider(v_model=value, min=low, max=high, step=step, thumb_label=True,
                          hide_details=True).meta(ref=name)
        use_release(slider, on_value, value)
    return column


@solara.component
def SettingsPanel(settings: CountySettings, on_settings):
    """The preset and the levers. Every change is checked on the server (``validated``: the slider's
    bounds and the model's own validation, never rounding) and, if good, hands new settings to
    ``on_settings``; if not, the county stays as it is and the card shows why."""
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

    with solara.Card("County and policy", classes=["sc-settings"]):
        solara.Select("Preset", values=list(PRESET_LABELS.values()), value=PRESET_LABELS[settings.preset],
                      on_value=lambda label: change(preset=PRESET_BY_LABEL.get(label, label)))
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
        solara.Text("Any change here starts the county again at week 0.")


@solara.component
def FastForward(model: solara.Reactive):
    """Run whole years at once (Mesa's Render Interval slider only offers odd numbers of steps), and
    the county's counts so far, which the lesson reads."""

    def run_year():
        for _ in range(WEEKS_PER_YEAR):
            model.value.step()
        force_update()

    update_counter.get()
    with solara.Card("Run and count", classes=["sc-fast-forward"]):
        with solara.Column():
            solara.Button(f"Run 1 year ({WEEKS_PER_YEAR} weeks)", color="primary", on_click=run_year)
            solara.Text(f"Now at week {model.value.steps} (year {model.value.steps / WEEKS_PER_YEAR:.1f}).")
            solara.Markdown(tally_markdown(model.value), style={"font-size": "0.85rem"})


@solara.component
def Page(model: solara.Reactive | None = None, settings: solara.Reactive | None = None):
    """The page. ``model`` and ``settings`` may be handed in (reactive variables) to watch them from
    outside, as the tests do; otherwise each browser session gets its own."""
    if settings is None:
        settings = model.value.settings if model is not None else CountySettings()
    settings = solara.use_reactive(settings)
    first = solara.use_memo(lambda: model.value if model is not None else ClassroomCounty(settings.value), [])
    model = solara.use_reactive(model if model is not None else first)

    def apply(new: CountySettings):
        settings.set(new)
        model.set(ClassroomCounty(new))

    solara.Style(PAGE_CSS)
    with solara.Sidebar():
        SettingsPanel(settings.value, apply)
        FastForward(model)
    SolaraViz(model, components=COMPONENTS, model_params={"settings": settings},
              name="Secure Communities: one county, week by week")


page = Page
