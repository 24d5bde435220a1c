"""The social graph drawn with matplotlib: color = legal status, saturation = fear, ring = custody,
a black dot inside = chilled (too afraid to report a crime).

Only households are drawn (members on a small ring, joined by their family ties); friendships
place the households near one another in the layout but are not drawn, and acquaintances
(``model.foci``) are neither drawn nor used for the layout: drawn, they make a hairball.

A ``GraphView`` builds its figure once per county (edges, layout, legend) and, each week, only
recolors the one collection of nodes and redraws it over the stored background (blitting).
"""

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from agents.codes import Custody, Status
from model.labels import STATUS_COLORS, STATUS_LABELS

from .render import BlitRenderer

STATUS_STYLE = {  # legal status -> (label, color), from the shared vocabulary (model.labels)
    s: (STATUS_LABELS[s.name.lower()], STATUS_COLORS[s.name.lower()]) for s in Status}
CUSTODY_STYLE = {  # custody state -> (label, ring color, ring width, size factor)
    Custody.FREE: ("free", "none", 0.0, 1.0),
    Custody.JAILED: ("in the county jail", "#000000", 1.2, 2.2),
    Custody.HELD: ("held on an ICE detainer", "#d62728", 2.0, 3.0),
    Custody.ICE: ("in ICE detention", "#7f0000", 3.0, 3.6),
    Custody.REMOVED: ("removed (hollow)", None, 1.3, 1.6),
}
FAMILY_EDGE = {"color": "#5a5a5a", "linewidth": 0.8, "alpha": 0.6}
CHILLED_DOT = {"color": "#000000", "size_factor": 0.18}
CALM_SATURATION = 0.4  # a resident with no fear is drawn this close to the full status color


def status_rgb(status: np.ndarray) -> np.ndarray:
    """(n, 3) RGB of each resident's legal status."""
    from matplotlib.colors import to_rgb

    table = np.array([to_rgb(STATUS_STYLE[Status(s)][1]) for s in range(len(Status))])
    return table[np.asarray(status, dtype=np.int64)]


def fear_saturation(fear: np.ndarray) -> np.ndarray:
    """How saturated a node is drawn: pale when calm, full color when afraid (square-root scale,
    so the small fears of a classroom-sized county still show)."""
    return CALM_SATURATION + (1.0 - CALM_SATURATION) * np.sqrt(np.clip(fear, 0.0, 1.0))


def node_faces(status: np.ndarray, fear: np.ndarray, custody: np.ndarray) -> np.ndarray:
    """(n, 4) RGBA fills: the status color mixed with white by fear; removed residents are hollow."""
    rgb = status_rgb(status)
    s = fear_saturation(fear)[:, None]
    faces = np.concatenate([1.0 - s * (1.0 - rgb), np.ones((len(rgb), 1))], axis=1)
    faces[custody == Custody.REMOVED] = (1.0, 1.0, 1.0, 0.0)
    return faces


def node_rings(status: np.ndarray, custody: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n, 4) ring colors, (n,) ring widths and (n,) size factors from custody state."""
    from matplotlib.colors import to_rgba

    n = len(custody)
    colors = np.zeros((n, 4))
    widths = np.zeros(n)
    sizes = np.ones(n)
    for state, (_, color, width, factor) in CUSTODY_STYLE.items():
        mask = custody == state
        if not mask.any():
            continue
        if state == Custody.REMOVED:  # a hollow circle in the status color
            colors[mask] = np.concatenate([status_rgb(status[mask]), np.ones((int(mask.sum()), 1))], axis=1)
        elif color != "none":
            colors[mask] = to_rgba(color)
        widths[mask] = width
        sizes[mask] = factor
    return colors, widths, sizes


def base_node_size(n: int) -> float:
    """Marker area in points^2: larger for small classrooms, never vanishing at 2,000."""
    return float(np.clip(24000.0 / max(n, 1), 12.0, 90.0))


def legend_handles() -> list:
    """Proxy artists for the legend: status, fear, custody and the two kinds of tie."""
    handles = [Line2D([], [], marker="o", linestyle="", markersize=7, markerfacecolor=color,
                      markeredgecolor="none", label=label) for label, color in STATUS_STYLE.values()]
    pale = tuple(1.0 - CALM_SATURATION * (1.0 - c) for c in to_rgb(STATUS_STYLE[Status.UNDOCUMENTED][1]))
    handles.append(Line2D([], [], marker="o", linestyle="", markersize=7, markerfacecolor=pale,
                          markeredgecolor="none", label="pale = calm, deep = afraid"))
    for state in (Custody.JAILED, Custody.HELD, Custody.ICE):
        label, color, width, _ = CUSTODY_STYLE[state]
        handles.append(Line2D([], [], marker="o", linestyle="", markersize=8, markerfacecolor="#dddddd",
                              markeredgecolor=color, markeredgewidth=width, label=label))
    handles.append(Line2D([], [], marker="o", linestyle="", markersize=7, markerfacecolor="none",
                          markeredgecolor=STATUS_STYLE[Status.UNDOCUMENTED][1], markeredgewidth=1.3,
                          label=CUSTODY_STYLE[Custody.REMOVED][0]))
    handles.append(Line2D([], [], marker="o", linestyle="", markersize=3.5, markerfacecolor="#000000",
                          markeredgecolor="none", label="black dot inside = too afraid to report (chilled)"))
    handles.append(Line2D([], [], label="household (family ties)", **FAMILY_EDGE))
    return handles


class GraphView:
    """The county's social graph as one matplotlib figure, built once and recolored each week."""

    def __init__(self, model, pos: np.ndarray, title: str = "", figsize=(8.0, 9.6), dpi: int = 80):
        self.pos = pos
        self.title = title
        self.figure = Figure(figsize=figsize, dpi=dpi)
        self.figure.subplots_adjust(left=0.01, right=0.99, top=0.90, bottom=0.20)
        ax = self.ax = self.figure.add_subplot()
        ax.set_axis_off()
        pad = 0.03
        ax.set_xlim(pos[:, 0].min() - pad, pos[:, 0].max() + pad)
        ax.set_ylim(pos[:, 1].min() - pad, pos[:, 1].max() + pad)
        ax.set_aspect("equal", adjustable="box")
        ax.add_collection(LineCollection(pos[model.ties.family], zorder=2, **FAMILY_EDGE))
        self.size = base_node_size(len(pos))
        self.nodes = ax.scatter(pos[:, 0], pos[:, 1], s=self.size, zorder=3)
        self.chilled = ax.scatter(pos[:0, 0], pos[:0, 1], s=self.size * CHILLED_DOT["size_factor"],
                                  color=CHILLED_DOT["color"], linewidths=0, zorder=4)
        self.heading = self.figure.suptitle("", fontsize=17)
        self.figure.legend(handles=legend_handles(), loc="lower center", ncol=2, fontsize=13, frameon=False)
        self.renderer = BlitRenderer(self.figure, animated=[self.nodes, self.chilled, self.heading])
        self.update(model)

    def png(self, model) -> bytes:
        """This week's picture as PNG bytes (edges and legend are drawn once per county)."""
        self.update(model)
        return self.renderer.png()

    def update(self, model) -> None:
        """Recolor the nodes from the model's arrays and rewrite the heading."""
        faces = node_faces(model.status, model.fear, model.custody)
        rings, widths, factors = node_rings(model.status, model.custody)
        self.nodes.set_facecolors(faces)
        self.nodes.set_edgecolors(rings)
        self.nodes.set_linewidths(widths)
        self.nodes.set_sizes(self.size * factors)
        chilled = model.fear_process.chilled & (model.custody != Custody.REMOVED)
        self.chilled.set_offsets(self.pos[chilled])
        held = int(np.isin(model.custody, (Custody.HELD, Custody.ICE)).sum())
        removed = int((model.custody == Custody.REMOVED).sum())
        self.heading.set_text(f"Week {model.steps}: {self.title}\n"
                              f"{held} held for ICE now, {removed} removed so far, {int(chilled.sum()):,} silent")
