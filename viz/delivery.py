"""Flow control for Play: the browser says which frame it has drawn, and Play waits for it.

Without it, Play on a busy machine produced weeks faster than the browser could draw them: the
pictures queued up in the browser, the page froze on an old week while the server ran on to week
260, and a click (Pause, a new preset) waited behind the queue. The graph's picture reports each
frame once the browser has drawn it (``graph_picture.vue``); ``wait`` returns when the frame is
drawn, or after ``timeout``. Until a browser has reported once (in-process tests, a page without a
graph) nothing waits.
"""

import threading
import time


class Delivery:
    def __init__(self):
        self.shown = -1  # the last frame a browser drew
        self.heard = False  # whether a browser ever reported
        self.changed = threading.Condition()

    def report(self, frame) -> None:
        """Called from the browser's "shown" event."""
        with self.changed:
            self.heard = True
            self.shown = max(self.shown, int(frame))
            self.changed.notify_all()

    def wait(self, frame: int, timeout: float = 3.0, still=lambda: True) -> bool:
        """Wait until the browser drew ``frame`` (True), or give up after ``timeout`` seconds or as soon as
        ``still()`` turns false (Pause) (False)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while self.heard and self.shown < frame:
                left = deadline - time.monotonic()
                if left <= 0 or not still():
                    return False
                self.changed.wait(min(left, 0.1))
            return True
