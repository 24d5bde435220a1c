"""Fast redraws of a matplotlib figure: draw the static parts once, then only what changes.

The classic blitting recipe on an Agg canvas: a full draw stores the background (axes, ticks,
edges, legend); each later frame restores it, draws the "animated" artists (nodes, lines,
heading) on top and encodes the pixels as PNG. A full draw happens again only when the figure's
layout key (its axis limits) changes.
"""

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image


def encode_png(rgba: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


class BlitRenderer:
    """Renders a figure to PNG bytes, redrawing only ``animated`` artists while the layout holds.

    ``overlays`` are static artists that must stay on top of the animated ones (a legend inside
    the axes): their pixels are stored at the full draw and pasted back after each frame, which
    is much cheaper than drawing them again.
    """

    def __init__(self, figure, animated, overlays=()):
        self.figure = figure
        self.canvas = FigureCanvasAgg(figure)
        self.animated = list(animated)
        for artist in self.animated:
            artist.set_animated(True)
        self.overlays = list(overlays)
        self.overlay_pixels = []
        self.background = None
        self.layout_key = None
        self.full_draws = 0

    def png(self, layout_key=None) -> bytes:
        if self.background is None or layout_key != self.layout_key:
            self.canvas.draw()
            self.background = self.canvas.copy_from_bbox(self.figure.bbox)
            renderer = self.canvas.get_renderer()
            self.overlay_pixels = [self.canvas.copy_from_bbox(a.get_window_extent(renderer).expanded(1.02, 1.05))
                                   for a in self.overlays]
            self.layout_key = layout_key
            self.full_draws += 1
        else:
            self.canvas.restore_region(self.background)
        for artist in self.animated:
            self.figure.draw_artist(artist)
        for pixels in self.overlay_pixels:
            self.canvas.restore_region(pixels)
        return encode_png(np.asarray(self.canvas.buffer_rgba()))
