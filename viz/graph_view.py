"""The social graph drawn with matplotlib: colour = legal status, saturation = fear, ring = custody,
a black dot inside = chilled (too afraid to report a crime), a hollow dot = removed.

Only households are drawn (members on a small ring in a cell of their own, joined by their family
ties); friendships place the households near one another in the layout (``layout.py``) but are
not drawn, and acquaintances (``model.foci``) are neither drawn nor used for the layout: drawn,
they make a hairball.

A ``GraphView`` builds its figure once per county (edges and frame) and, each week, only
recolours the nodes and redraws them over the stored background (blitting). The figure is the
axes alone: the heading and the legend are HTML on the page (``graph_heading``,
``legend_items``), sharp at any size. ``resident_at`` turns a click on the picture into the
resident drawn there; ``select`` rings a resident and their household.
"""

from dataclasses import dataclass

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgb, to_rgba
from matplotlib.figure import Figure

from agents.codes import Custody, Status
from model.labels import CUSTODY_COLORS, CUSTODY_LABELS, STATUS_COLORS, STATUS_LABELS

from .layout import grid_shape, layout_for
from .render import BlitRenderer

STATUS_RGB = np.array([to_rgb(STATUS_COLORS[s.name.lower()]) for s in Status])  # indexed by Status code
# custody state -> (ring width in points, marker area factor); colours and words from model.labels
CUSTODY_RING = {Custody.FREE: (0.0, 1.0), Custody.JAILED: (1.6, 1.5), Custody.HELD: (2.6, 1.9),
                Custody.ICE: (3.4, 2.2), Custody.REMOVED: (1.8, 1.0)}
FAMILY_EDGE = {"color": "#6a6a6a", "linewidth": 1.0, "alpha": 0.7}
CHILLED_COLOR = "#000000"
CHILLED_AREA = 0.3  # the chilled mark's area, relative to the resident's dot (a dot half as wide)
DOT = 0.3  # a resident's dot is this wide, in cell widths (a household's cell; see layout.py)
MARGIN = 0.4  # cells of white around the grid, so no ring or highlight is cut at the edge
CALM_SATURATION = 0.5  # a resident with no fear is drawn this close to the full status colour
SELECTED_COLOR = "#000000"
DPI = 100


@dataclass(frozen=True)
class Frame:
    """The picture's shape: width in inches at ``DPI`` and aspect (width / height). One county fills a
    projector's width (16:10); two side by side in compare mode are squarer."""

    width: float = 9.6
    aspect: float = 1.6


SINGLE, PAIR = Frame(9.6, 1.6), Frame(7.2, 1.25)


def fear_saturation(fear: np.ndarray) -> np.ndarray:
    """How saturated a node is drawn: pale when calm, full colour when afraid (square-root scale,
    so the small fears of a classroom-sized county still show)."""
    return CALM_SATURATION + (1.0 - CALM_SATURATION) * np.sqrt(np.clip(fear, 0.0, 1.0))


def node_faces(status: np.ndarray, fear: np.ndarray, custody: np.ndarray) -> np.ndarray:
    """(n, 4) RGBA fills: the status colour mixed with white by fear; removed residents are hollow."""
    rgb = STATUS_RGB[np.asarray(status, dtype=np.int64)]
    s = fear_saturation(fear)[:, None]
    faces = np.concatenate([1.0 - s * (1.0 - rgb), np.ones((len(rgb), 1))], axis=1)
    faces[custody == Custody.REMOVED] = (1.0, 1.0, 1.0, 0.0)
    return faces


RING_RGBA = {state: to_rgba(CUSTODY_COLORS[state.name.lower()]) if CUSTODY_COLORS[state.name.lower()] != "none"
             else (0.0, 0.0, 0.0, 0.0) for state in Custody}


def node_rings(status: np.ndarray, custody: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n, 4) ring colours, (n,) ring widths and (n,) size factors from custody state."""
    codes = np.asarray(custody, dtype=np.int64)
    colours = np.array([RING_RGBA[Custody(c)] for c in range(len(Custody))])[codes]
    widths = np.array([CUSTODY_RING[Custody(c)][0] for c in range(len(Custody))])[codes]
    sizes = np.array([CUSTODY_RING[Custody(c)][1] for c in range(len(Custody))])[codes]
    removed = codes == Custody.REMOVED
    if removed.any():  # a hollow circle in the status colour
        colours[removed, :3] = STATUS_RGB[np.asarray(status, dtype=np.int64)[removed]]
        colours[removed, 3] = 1.0
    return colours, widths, sizes


def pale(colour: str) -> str:
    """A status colour as a calm resident is drawn."""
    r, g, b = (1.0 - CALM_SATURATION * (1.0 - c) for c in to_rgb(colour))
    return f"#{round(255 * r):02X}{round(255 * g):02X}{round(255 * b):02X}"


def legend_items() -> list[dict]:
    """The graph's key, for the page to draw in HTML: each a swatch (fill, ring, ring width, mark) and words."""
    items = [{"fill": STATUS_COLORS[s], "label": STATUS_LABELS[s]} for s in STATUS_COLORS]
    undocumented = STATUS_COLORS["undocumented"]
    items.append({"fill": pale(undocumented), "fill2": undocumented, "label": "pale = calm, deep = afraid"})
    for state in (Custody.JAILED, Custody.HELD, Custody.ICE):
        name = state.name.lower()
        items.append({"fill": "#DDDDDD", "ring": CUSTODY_COLORS[name], "width": CUSTODY_RING[state][0],
                      "label": CUSTODY_LABELS[name]})
    items.append({"fill": "none", "ring": undocumented, "width": 2, "label": "hollow = removed, away now"})
    items.append({"fill": undocumented, "mark": CHILLED_COLOR, "label": "black dot inside = too afraid to report "
                                                                         "a crime (chilled)"})
    items.append({"line": FAMILY_EDGE["color"], "label": "a ring joined by lines = one household"})
    items.append({"fill": "none", "ring": SELECTED_COLOR, "width": 3, "label": "ringed = the resident you clicked"})
    return items


class GraphView:
    """The county's social graph as one matplotlib figure, built once and recoloured each week."""

    def __init__(self, model, pos: np.ndarray | None = None, frame: Frame = SINGLE):
        self.pos = layout_for(model, aspect=frame.aspect) if pos is None else pos
        self.household_of = model.household_of
        columns, rows = grid_shape(int(model.household_of.max()) + 1, frame.aspect)
        width = max(columns + 2 * MARGIN, (rows + 2 * MARGIN) * frame.aspect)  # the grid, centred in the frame
        self.xlim = ((columns - width) / 2, (columns + width) / 2)
        self.ylim = ((rows - width / frame.aspect) / 2, (rows + width / frame.aspect) / 2)
        self.figure = Figure(figsize=(frame.width, frame.width / frame.aspect), dpi=DPI)
        ax = self.ax = self.figure.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        ax.set_xlim(*self.xlim)
        ax.set_ylim(*self.ylim)
        self.cell_points = frame.width * 72.0 / width  # one cell's width in points
        self.size = (DOT * self.cell_points) ** 2  # marker area in points^2
        ax.add_collection(LineCollection(self.pos[model.ties.family], zorder=2, **FAMILY_EDGE))
        self.nodes = ax.scatter(self.pos[:, 0], self.pos[:, 1], s=self.size, zorder=3)
        self.chilled = ax.scatter(self.pos[:0, 0], self.pos[:0, 1], s=self.size * CHILLED_AREA,
                                  color=CHILLED_COLOR, linewidths=0, zorder=4)
        self.household = ax.scatter(self.pos[:0, 0], self.pos[:0, 1], s=self.size * 3.2, facecolors="none",
                                    edgecolors=SELECTED_COLOR, linewidths=1.2, zorder=5)
        self.selected_ring = ax.scatter(self.pos[:0, 0], self.pos[:0, 1], s=self.size * 6.0, facecolors="none",
                                        edgecolors=SELECTED_COLOR, linewidths=3.0, zorder=5)
        self.selected = None
        self.renderer = BlitRenderer(self.figure, animated=[self.nodes, self.chilled, self.household,
                                                            self.selected_ring])
        self.update(model)

    def png(self, model) -> bytes:
        """This week's picture as PNG bytes (edges and frame are drawn once per county)."""
        self.update(model)
        return self.renderer.png()

    def update(self, model) -> None:
        """Recolour the nodes from the model's arrays."""
        faces = node_faces(model.status, model.fear, model.custody)
        rings, widths, factors = node_rings(model.status, model.custody)
        self.nodes.set_facecolors(faces)
        self.nodes.set_edgecolors(rings)
        self.nodes.set_linewidths(widths)
        self.nodes.set_sizes(self.size * factors)
        self.chilled.set_offsets(self.pos[chilled_now(model)])

    def select(self, resident: int | None) -> None:
        """Ring one resident (thick) and the other members of their household (thin); None clears."""
        self.selected = resident
        if resident is None:
            members = np.zeros(0, dtype=np.int64)
            chosen = members
        else:
            members = np.flatnonzero(self.household_of == self.household_of[resident])
            members = members[members != resident]
            chosen = np.array([resident])
        self.household.set_offsets(self.pos[members].reshape(-1, 2))
        self.selected_ring.set_offsets(self.pos[chosen].reshape(-1, 2))

    def resident_at(self, x: float, y: float) -> int | None:
        """The resident drawn nearest a point of the picture (x, y: fractions of its width and height
        from the top left), if one is within a household's cell of it."""
        if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
            return None
        point = np.array([self.xlim[0] + x * (self.xlim[1] - self.xlim[0]),
                          self.ylim[1] - y * (self.ylim[1] - self.ylim[0])])
        distance = np.hypot(*(self.pos - point).T)
        nearest = int(np.argmin(distance))
        return nearest if distance[nearest] <= 0.75 else None

    def position(self, resident: int) -> tuple[float, float]:
        """Where a resident is drawn, as fractions of the picture from the top left (``resident_at``'s inverse)."""
        px, py = self.pos[resident]
        width, height = self.xlim[1] - self.xlim[0], self.ylim[1] - self.ylim[0]
        return (px - self.xlim[0]) / width, (self.ylim[1] - py) / height


def chilled_now(model) -> np.ndarray:
    """Residents in the county who are too afraid to report a crime (the black dots)."""
    return model.fear_process.chilled & (model.custody != Custody.REMOVED)


def graph_heading(model) -> tuple[str, str]:
    """What the picture shows this week, each count with its window: (title, counts)."""
    held = int(np.isin(model.custody, (Custody.HELD, Custody.ICE)).sum())
    away = int((model.custody == Custody.REMOVED).sum())
    removals = int(model.metrics["removals_cumulative"])
    back = int(model.metrics["re_entries_cumulative"])
    counts = (f"Now: {held:,} held for ICE, {away:,} away after removal (hollow dots), "
              f"{int(chilled_now(model).sum()):,} too afraid to report a crime (black dots). "
              f"So far: {removals:,} removal{'s' if removals != 1 else ''}")
    if back:
        counts += f"; {back:,} removed resident{'s' if back != 1 else ''} came back (their dots filled in again)"
    return f"Week {model.steps}: {model.label}", counts + "."
