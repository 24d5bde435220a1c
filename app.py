"""The browser visualizer: one county's households as the Secure Communities pathway runs, or two
counties under two presets side by side, each read against the same county without the program.

Run it with ``make viz`` (``solara run app.py``; the page's JS/CSS come from the ``solara-assets``
wheel, so it works offline with no npm). The page is built from Solara components around the
project's own drawings (``viz/``) rather than Mesa's generic ``SolaraViz`` frame, whose tabs,
parameter card and Play/Render-interval/thread controls mean nothing to a class: the run bar
has Step (a week), Play/Pause at a chosen speed, Run 1 year and Reset, each explained on the page.
The counties are ordinary Mesa models (``ClassroomCounty``), stepped together by ``viz.session``.

The layout is for a projector (``viz/style.py``): the run bar stays at the top; the explainer and
the settings are panels that fold away; the graph is never taller than the window; plots go two
to a row. A new seed, preset or comparison is built in a thread while the page says so.
"""

import html

import solara
import solara.server.settings
from solara.alias import rv as v

from viz.cards import CountyGraph, InspectorCard, LessonCard, PlotCard, ReadoutCard
from viz.controls import DEFAULT_SPEED, RunBar, SettingsPanel, in_use_text, run_help
from viz.delivery import Delivery
from viz.explainer import EXPLAINER_HTML, EXPLAINER_TITLE
from viz.plots import PANELS, compare_panels, county_panels
from viz.readout import column_name
from viz.session import Counties
from viz.settings import PRESET_LABELS, CountySettings
from viz.style import PAGE_CSS

TITLE = "Secure Communities: one county, week by week"

# Solara's "This website runs on Solara" banner sits over the page's bottom right corner: off for this
# server. ``make viz`` also sets SOLARA_THEME_SHOW_BANNER=False.
solara.server.settings.theme.show_banner = False


def building_text(settings: CountySettings) -> str:
    what = PRESET_LABELS[settings.preset]
    if settings.compare_with:
        what += f" and {PRESET_LABELS[settings.compare_with]}"
    return f"Building the county ({what}, seed {settings.seed or '(default)'}): a few seconds..."


@solara.component
def Panel(title: str, subtitle: str = "", children=()):
    """One fold-away panel (its header says what is inside)."""
    header = v.ExpansionPanelHeader(children=[solara.HTML(tag="div", unsafe_innerHTML=(
        f"{title}" + (f'<div class="sc-in-use">{subtitle}</div>' if subtitle else "")))])
    return v.ExpansionPanel(children=[header, v.ExpansionPanelContent(children=list(children))])


@solara.component
def County(run: Counties, frame: solara.Reactive, selected, on_select, delivery=None):
    """The graph(s), the inspector, the readout, the lesson's observations and the plots. Only this
    part of the page (and the run bar's week) is drawn again each week: it alone reads ``frame``."""
    frame = frame.value
    compare = run.right is not None
    if compare:
        with solara.Div(classes=["sc-pair"]):
            for model in run.shown:
                CountyGraph(model, frame, selected, on_select, pair=True, delivery=delivery)
        with solara.Div(classes=["sc-top"], style={"margin-top": "12px"}):
            InspectorCard(run, frame, selected, on_select)
            ReadoutCard(run, frame)
    else:
        with solara.Div(classes=["sc-top"]):
            CountyGraph(run.left, frame, selected, on_select, delivery=delivery)
            with solara.Div(classes=["sc-side"]):
                InspectorCard(run, frame, selected, on_select)
                ReadoutCard(run, frame)
    with solara.Div(style={"margin-top": "12px"}):
        LessonCard(run, frame)
    if not compare:
        with solara.Div(classes=["sc-plots"]):
            for spec in PANELS:
                PlotCard(spec, [run.left], frame)
        return
    with solara.Div(classes=["sc-plots"]):
        for spec in compare_panels(run):
            PlotCard(spec, [*run.shown, run.baseline], frame)
    left, right = (column_name(m) for m in run.shown)
    solara.HTML(tag="h3", classes=["sc-plots-title"], unsafe_innerHTML=html.escape(
        f"Each county's plots, side by side on the same scale: {left} on the left, {right} on the right"))
    with solara.Div(classes=["sc-plots"]):
        for spec, shown, scale_with in county_panels(run):
            PlotCard(spec, shown, frame, scale_with)


@solara.component
def Page(counties: solara.Reactive | None = None, settings: solara.Reactive | None = None):
    """The page. ``counties`` and ``settings`` may be handed in (reactive variables) to watch them from
    outside, as the tests do; otherwise each browser session gets its own. ``settings`` are what the
    panel asks for; ``counties`` what runs: a change of settings builds new counties in a thread
    (the run bar says so meanwhile) and shows them when they are ready."""
    if settings is None:
        settings = counties.value.settings if counties is not None else CountySettings()
    settings = solara.use_reactive(settings)
    first = solara.use_memo(lambda: counties.value if counties is not None else Counties(settings.value), [])
    counties = solara.use_reactive(counties if counties is not None else first)
    generation = solara.use_reactive(0)  # Reset: the same settings built again
    built = solara.use_ref((first.settings, 0))  # what the counties on screen were built from
    frame = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(DEFAULT_SPEED)
    selected = solara.use_reactive(None)
    delivery = solara.use_memo(Delivery, [])  # the browser reports each frame it drew; Play waits for it
    panels, set_panels = solara.use_state([0, 1])  # both panels open at first: the explainer, the settings

    def build():
        wanted = (settings.value, generation.value)
        if built.current == wanted:
            return
        new = Counties(wanted[0])
        if (settings.value, generation.value) == wanted:  # nothing newer was asked for meanwhile
            built.current = wanted
            counties.set(new)

    solara.lab.use_task(build, dependencies=[settings.value, generation.value], prefer_threaded=True)
    busy = "" if built.current == (settings.value, generation.value) else building_text(settings.value)

    def apply(new: CountySettings):
        playing.set(False)
        settings.set(new)

    def reset():
        generation.set(generation.value + 1)

    run = counties.value
    solara.Style(PAGE_CSS)
    solara.Title(TITLE)
    with solara.AppBar():
        solara.AppBarTitle(TITLE)
    with solara.Div(classes=["sc-main"]):
        RunBar(run, frame, playing, speed, busy, reset, delivery)
        solara.HTML(tag="div", classes=["sc-help"], unsafe_innerHTML=run_help())
        with v.ExpansionPanels(multiple=True, v_model=panels, on_v_model=set_panels, class_="sc-panels",
                               style_="margin: 8px 0 12px 0"):
            Panel(EXPLAINER_TITLE, children=[solara.HTML(tag="div", classes=["sc-explainer"],
                                                         unsafe_innerHTML=EXPLAINER_HTML)])
            Panel("County and policy", f"In use: {in_use_text(run.settings)}",
                  children=[SettingsPanel(settings.value, apply)])
        with solara.Div(classes=["sc-stale"] if busy else []):
            County(run, frame, selected.value, selected.set, delivery)


page = Page
