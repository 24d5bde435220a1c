"""The page's cards: the county's graph, a plot, the readout, the lesson's observations and the
resident inspector. Each draws what ``viz`` computes (figures, tables, stories) as Solara
components; ``app.py`` places them.

Figures are re-rendered once per ``frame`` (a counter the page bumps after every step), so a card
redraws only when the county moved or what it shows changed.
"""

import html
from collections.abc import Callable

import reacton.ipywidgets as rw
import solara
from solara.alias import rv as v

from .export import readout_csv, series_csv
from .graph_view import PAIR, SINGLE, GraphView, graph_heading, legend_items
from .inspect import following, story
from .lesson import lesson_rows
from .plots import TimeSeriesPanel
from .plots import legend_items as plot_key
from .readout import column_name, readout_html

GRAPH_ROOM = 150  # pixels of the window above and below the graph (app bar, run bar, heading)


@solara.component
def Card(classes=(), children=()):
    """A plain card: Vuetify's sheet with a shadow, its text black and full size (solara.Card greys it)."""
    return v.Card(class_=" ".join(classes), children=list(children))


@solara.component_vue("graph_picture.vue")
def GraphPicture(png: bytes, frame: int = 0, alt: str = "", max_width: str = "100%", event_pick: Callable = None,
                 event_shown: Callable = None):
    """The graph as a picture the class can click: the browser sends where (fractions of the picture),
    and which frame it has drawn (``viz.delivery``)."""


def key_html(items: list[dict]) -> str:
    """A graph's key in HTML: a swatch (dot, ring, mark or line) and its words for each item."""
    out = []
    for item in items:
        if "line" in item:
            swatch = f'<span class="sc-line" style="border-top: 3px solid {item["line"]}"></span>'
        else:
            fill = item.get("fill", "none")
            background = (f"linear-gradient(90deg, {fill} 50%, {item['fill2']} 50%)" if "fill2" in item
                          else ("transparent" if fill == "none" else fill))
            ring = f"border: {max(2, round(item.get('width', 0)))}px solid {item['ring']};" if item.get("ring") else ""
            mark = f'<span class="sc-mark" style="background:{item["mark"]}"></span>' if "mark" in item else ""
            swatch = f'<span class="sc-dot" style="background:{background};{ring}">{mark}</span>'
        out.append(f'<span class="sc-key-item">{swatch}{html.escape(item["label"])}</span>')
    return f'<div class="sc-key">{"".join(out)}</div>'


def line_key_html(items: list[dict]) -> str:
    """A plot's key in HTML: each line's colour and style, and its words."""
    styles = {"-": "solid", "--": "dashed", ":": "dotted"}
    return '<div class="sc-key">' + "".join(
        f'<span class="sc-key-item"><span class="sc-line" style="border-top: 4px {styles[i["style"]]} {i["color"]}">'
        f'</span>{html.escape(i["label"])}</span>' for i in items) + "</div>"


@solara.component
def CountyGraph(model, frame: int, selected, on_select, pair: bool = False, delivery=None):
    """One county's households: heading (each count with its window), the clickable picture, the key."""
    shape = PAIR if pair else SINGLE
    view = solara.use_memo(lambda: GraphView(model, frame=shape), [model, shape])

    def picture():
        view.select(selected if selected is not None and selected < len(view.pos) else None)
        return view.png(model)

    data = solara.use_memo(picture, [view, frame, selected])

    def pick(where):
        resident = view.resident_at(float(where.get("x", -1)), float(where.get("y", -1)))
        if resident is not None:
            on_select(resident)

    title, counts = graph_heading(model)
    with Card(classes=["sc-card", "sc-graph"]) as card:
        solara.HTML(tag="h3", unsafe_innerHTML=html.escape(title))
        solara.HTML(tag="div", classes=["sc-heading"], unsafe_innerHTML=html.escape(counts))
        if selected is not None and selected < len(view.pos):
            solara.HTML(tag="div", classes=["sc-following"], unsafe_innerHTML=html.escape(following(model, selected)))
        GraphPicture(png=data, frame=frame, alt=f"{title}. {counts}", event_pick=pick,
                     event_shown=lambda data: delivery.report(data.get("frame", -1)) if delivery else None,
                     max_width=f"calc((100vh - {GRAPH_ROOM}px) * {shape.aspect})")
        solara.HTML(tag="div", unsafe_innerHTML=key_html(legend_items()) + (
            '<div class="sc-note">Click a resident to see their story.</div>'))
    return card


@solara.component
def PlotCard(spec, models, frame: int, scale_with=None):
    """A plot: its title (and county, in compare mode), the picture and its key."""
    panel = solara.use_memo(lambda: TimeSeriesPanel(spec, models, scale_with), [spec, *models])
    data = solara.use_memo(lambda: panel.png(models), [panel, frame])
    title = f"{spec.county}: {spec.title}" if spec.county else spec.title
    with Card(classes=["sc-card", "sc-plot", f"sc-plot-{spec.key}"]) as card:
        solara.HTML(tag="h3", unsafe_innerHTML=html.escape(title))
        rw.Image(value=data, format="png")
        solara.HTML(tag="div", unsafe_innerHTML=line_key_html(plot_key(spec, models)))
    return card


@solara.component
def ReadoutCard(counties, frame: int):
    """The readout: each count with its window, against the same county without the program."""
    title = ("The two counties and no program" if counties.right is not None
             else "Compared with no program (the same county, same seed, without Secure Communities)")
    with Card(classes=["sc-card", "sc-readout"]) as card:
        solara.HTML(tag="h3", unsafe_innerHTML=html.escape(title))
        solara.HTML(tag="div", unsafe_innerHTML=readout_html(counties))
        with solara.Div(classes=["sc-downloads"]):
            solara.FileDownload(lambda: readout_csv(counties), filename=f"readout_week{counties.steps}.csv",
                                label="Readout (CSV)", mime_type="text/csv")
            solara.FileDownload(lambda: series_csv(counties), filename=f"series_week{counties.steps}.csv",
                                label="Plotted series, week by week (CSV)", mime_type="text/csv")
    return card


@solara.component
def LessonCard(counties, frame: int):
    """Every observation of the lesson, where to see it and what this county shows now."""
    names = [column_name(m) for m in counties.shown]
    head = "<tr><th>lesson</th><th>where to look</th>" + "".join(
        f"<th>{html.escape(n)}</th>" for n in (names if len(names) > 1 else ["this county now"])) + "</tr>"
    body = "".join(f"<tr><td>O{number}</td><td>{html.escape(look)}</td>"
                   + "".join(f"<td>{html.escape(t)}</td>" for t in texts) + "</tr>"
                   for number, look, texts in lesson_rows(counties))
    with Card(classes=["sc-card", "sc-lesson"]) as card:
        solara.HTML(tag="h3", unsafe_innerHTML="The lesson's observations on this county (docs/classroom.md)")
        solara.HTML(tag="table", classes=["sc-lesson-table"], unsafe_innerHTML=head + body)
    return card


def story_html(data: dict) -> str:
    e = html.escape
    bars = "".join(
        f'<tr><td>{e(name)}</td><td style="width:55%"><span class="sc-bar" style="background:{color};'
        f'width:{100 * min(value, 1.0):.1f}%"></span> {value:.2f}</td></tr>' for name, color, value in data["channels"])
    events = "".join(f"<tr><td>week {week}</td><td>{e(text)}</td></tr>" for week, text in data["events"]) or \
        "<tr><td colspan=2>nothing yet: no arrest, no detention</td></tr>"
    chilled = ("too afraid to report a crime (chilled)" if data["chilled"] else "would still report a crime")
    return (f'<div><b>Resident {data["resident"]}</b>: {e(data["who"])}. Now: <b>{e(data["now"])}</b>. '
            f'Fingerprints on file in DHS\'s IDENT: {"yes" if data["in_ident"] else "no"}.</div>'
            f'<div><b>Record</b>: {e(data["record"])}</div>'
            f'<div><b>Fear</b> {data["fear"]:.2f} ({chilled}; chilled above {data["threshold"]:.2f}), '
            f'from each channel:</div><table>{bars}</table>'
            f'<div style="margin-top:6px"><b>Events so far</b></div><table>{events}</table>')


@solara.component
def InspectorCard(counties, frame: int, selected, on_select):
    """A resident's story in each shown county (compare mode: the same person under both presets), and
    their household, whose members can be inspected in turn: a class can follow one family."""
    with Card(classes=["sc-card", "sc-inspector"]) as card:
        if selected is None or selected >= len(counties.left.status):
            solara.HTML(tag="h3", unsafe_innerHTML="Inspect a resident")
            solara.HTML(tag="div", classes=["sc-note"], unsafe_innerHTML=(
                "Click a dot in the graph to see that resident's story: legal status, household, record, fear "
                "and where it came from, and every event so far. Then follow their family through the pathway."))
            return card
        stories = [story(m, selected) for m in counties.shown]
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.HTML(tag="h3", unsafe_innerHTML=f"Resident {selected}, household {stories[0]['household']}")
            solara.Button("Close", text=True, on_click=lambda: on_select(None))
        with solara.Div(classes=["sc-pair"] if len(stories) > 1 else []):
            for model, data in zip(counties.shown, stories, strict=True):
                with solara.Div():
                    if len(stories) > 1:
                        solara.HTML(tag="div", unsafe_innerHTML=f"<b>{html.escape(column_name(model))}</b>")
                    solara.HTML(tag="div", unsafe_innerHTML=story_html(data))
        solara.HTML(tag="div", unsafe_innerHTML="<b>Household</b> (click to inspect):")
        with solara.Column(gap="4px", classes=["sc-members"]):
            for j, text, now, fear in stories[0]["members"]:
                marker = " (shown)" if j == selected else ""
                solara.Button(f"{j}: {text}; {now}; fear {fear:.2f}{marker}", outlined=j == selected,
                              text=j != selected, on_click=lambda j=j: on_select(j))
    return card
