"""The browser visualizer: one county's social graph as the Secure Communities pathway runs.

Run it with ``make viz`` (``solara run app.py`` with the offline asset cache). The page is a Mesa
``SolaraViz``: Mesa's Controls card (Reset, Play, Step) drives a ``ClassroomCounty``; the
"County and policy" card in the sidebar picks the preset and levers, and any change there starts
the county again at week 0. The helpers live in ``viz/``; this file only wires them together.
"""

import reacton.ipywidgets as rw
import solara
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from viz.explainer import EXPLAINER
from viz.graph_view import GraphView
from viz.layout import layout_for
from viz.plots import PANELS, TimeSeriesPanel
from viz.settings import DETAINER_LABELS, PRESET_LABELS, ClassroomCounty, CountySettings

PRESET_BY_LABEL = {label: key for key, label in PRESET_LABELS.items()}
DETAINER_BY_LABEL = {label: key for key, label in DETAINER_LABELS.items()}


def figure_key(model) -> list:
    """When a figure must be redrawn: a new county, or a new week."""
    return [id(model), model.steps]


def FigureImage(drawing, model, classes):
    """A drawing's PNG for this week (rendered once per week), in a column the tests can find."""
    data = solara.use_memo(lambda: drawing.png(model), figure_key(model))
    with solara.Column(classes=classes) as card:
        rw.Image(value=data, format="png", layout={"max_width": "100%", "height": "auto"})
    return card


@solara.component
def SocialGraph(model):
    """The graph card: built once per county, recolored each week."""
    update_counter.get()
    view = solara.use_memo(lambda: GraphView(model, layout_for(model), model.label), [id(model)])
    return FigureImage(view, model, ["sc-graph"])


def make_plot_card(spec):
    """A card component for one time-series panel."""

    @solara.component
    def PlotCard(model):
        update_counter.get()
        panel = solara.use_memo(lambda: TimeSeriesPanel(spec, model), [id(model)])
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


@solara.component
def SettingsPanel(settings: CountySettings, on_settings):
    """The preset and the levers. Every change hands new settings to ``on_settings``."""

    def change(**changes):
        on_settings(settings.with_changes(**changes))

    with solara.Card("County and policy", classes=["sc-settings"]):
        solara.Select("Preset", values=list(PRESET_LABELS.values()), value=PRESET_LABELS[settings.preset],
                      on_value=lambda label: change(preset=PRESET_BY_LABEL[label]))
        solara.Select("What the jail does with a detainer", values=list(DETAINER_LABELS.values()),
                      value=DETAINER_LABELS[settings.detainer_policy],
                      on_value=lambda label: change(detainer_policy=DETAINER_BY_LABEL[label]))
        solara.SliderInt("Week the program reaches the county", value=settings.activation_week, min=0, max=156,
                         step=4, on_value=lambda v: change(activation_week=int(v)))
        solara.SliderFloat("Policing intensity (1 = typical arrest rate)", value=settings.policing_intensity,
                           min=0.5, max=3.0, step=0.25, on_value=lambda v: change(policing_intensity=float(v)))
        solara.SliderFloat("Fear sensitivity", value=settings.fear_sensitivity, min=0.25, max=5.0, step=0.25,
                           on_value=lambda v: change(fear_sensitivity=float(v)))
        solara.SliderInt("Residents", value=settings.n_residents, min=100, max=2000, step=100,
                         on_value=lambda v: change(n_residents=int(v)))
        solara.InputText("Seed (any text; Enter to apply)", value=settings.seed,
                         on_value=lambda text: change(seed=text or ""))
        solara.Text("Any change here starts the county again at week 0.")


@solara.component
def Page():
    settings = solara.use_reactive(CountySettings())
    first = solara.use_memo(lambda: ClassroomCounty(settings.value), [])
    model = solara.use_reactive(first)

    def apply(new: CountySettings):
        settings.set(new)
        model.set(ClassroomCounty(new))

    with solara.Sidebar():
        SettingsPanel(settings.value, apply)
    SolaraViz(model, components=COMPONENTS, model_params={"settings": settings},
              name="Secure Communities: one county, week by week")


page = Page
