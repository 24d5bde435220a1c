"""The one Markdown and figure helper every report uses: a ``Report`` collects headings, paragraphs, tables
and figures, writes CSV tables and figures beside ``report.md``, and formats numbers without floating-point
noise (rounded at display: a difference of ``-5.551e-17`` shows as 0)."""

import math
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.store import StoreError, atomic_write, safe_target

REPORT_SECONDS = "{report seconds}"  # a section may name the time the whole report took; ``write`` fills it in
DIGITS = 4  # significant digits a report shows
NOISE = 1e-9  # a number this much smaller than the largest beside it is floating-point noise: shown as 0
MARKUP = re.compile(r"([\\`*_{}\[\]<>#|!~&])")  # characters Markdown (or HTML inside it) would read as markup
LINE_START = re.compile(r"^(\s*)([-+=:>]|\d+[.)])")  # a list, heading rule, quote or table rule at a line's start


def escaped(text) -> str:
    """Text from a spec or a received folder as literal Markdown: every character that would be read as
    markup (emphasis, links, HTML, headings, lists, tables) backslash-escaped, control characters dropped,
    each line stripped (four spaces would start a code block)."""
    lines = []
    for line in str(text).splitlines():
        line = "".join(ch for ch in line if ch.isprintable()).strip()
        lines.append(LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), MARKUP.sub(r"\\\1", line)))
    return "\n".join(lines)


def rounded(value, scale=None, digits: int = DIGITS):
    """``value`` to ``digits`` significant digits; 0 when it is floating-point noise beside ``scale`` (smaller
    than a billionth of it: a difference of two equal sums that came out as ``-5.551e-17``). NaN and
    infinities are kept."""
    if value is None or not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool):
        return value
    v = float(value)
    if not math.isfinite(v) or v == 0:
        return v
    if scale is not None and math.isfinite(scale) and abs(v) < abs(scale) * NOISE:
        return 0.0
    return round(v, digits - 1 - math.floor(math.log10(abs(v))))


def number(value, scale=None, digits: int = DIGITS, sign: bool = False) -> str:
    """A number as a report shows it: ``digits`` significant digits, floating-point noise beside ``scale`` shown
    as 0, no "-0", thousands separated from 10,000 on; NaN as an empty cell."""
    if value is None or (isinstance(value, (float, np.floating)) and math.isnan(value)):
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        text = f"{int(value):,}" if abs(int(value)) >= 10_000 else str(int(value))
        return ("+" if sign and value > 0 else "") + text
    v = rounded(value, scale, digits)
    if not math.isfinite(v):
        text = str(v)
    elif abs(v) >= 10_000:
        text = f"{float(value):,.0f}"
    else:
        text = f"{v:.{digits}g}"
    if v == 0:
        text = "0"
    return ("+" if sign and v > 0 else "") + text


def interval(mean, low, high, digits: int = DIGITS, sign: bool = False) -> str:
    """``mean [low, high]`` on one scale (the largest of the three), or the mean alone without bounds."""
    finite = [abs(x) for x in (mean, low, high) if x is not None and not pd.isna(x) and math.isfinite(x)]
    scale = max(finite) if finite else None
    if low is None or pd.isna(low):
        return number(mean, scale, digits, sign)
    return (f"{number(mean, scale, digits, sign)} [{number(low, scale, digits, sign)}, "
            f"{number(high, scale, digits, sign)}]")


def md_table(df: pd.DataFrame, digits: int = 3) -> str:
    """A Markdown table: floats to ``digits`` significant digits, with floating-point noise beside the largest
    number of their column shown as 0; integers as they are."""
    scales = {}
    for c in df.columns:
        if pd.api.types.is_float_dtype(df[c]):
            values = df[c].to_numpy(dtype=float)
            finite = np.abs(values[np.isfinite(values)])
            scales[c] = float(finite.max()) if len(finite) and finite.max() > 0 else None

    def fmt(v, column):
        if isinstance(v, (float, np.floating)):
            return number(v, scales.get(column), digits)
        return str(v).replace("|", "\\|").replace("\n", " ")  # a cell stays one cell

    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(fmt(v, c) for v, c in zip(row, df.columns, strict=True)) + " |"
            for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def figure(lines: list, paths, report_dir, caption: str) -> None:
    """A figure (PNG shown, SVG linked) with its caption, appended to ``lines``."""
    png = Path(paths[0]).relative_to(report_dir)
    svg = Path(paths[1]).relative_to(report_dir)
    lines += [f"![{caption}]({png})", "", f"*{caption}* ([SVG]({svg}))", ""]


def plural(n, one: str, many: str | None = None) -> str:
    """``1 year``, ``2 years``, ``1.5 years`` (``n`` as given, with up to two significant digits)."""
    text = f"{n:.2g}" if isinstance(n, float) else str(n)
    return f"{text} {one if float(n) == 1 else (many or one + 's')}"


class Report:
    """A report being written into ``<folder>/report/``: ``report.md``, ``figures/`` and ``tables/``.

    Sections add to it with ``heading``, ``text``, ``table`` (Markdown), ``csv`` (a table file), ``figure``;
    ``write`` writes ``report.md``. The folder must hold no symbolic links (they would be written through).
    """

    def __init__(self, out, title: str, started: float | None = None):
        self.out = Path(out)
        self.dir = self.out / "report"
        self.figures = self.dir / "figures"
        self.tables = self.dir / "tables"
        for folder in (self.dir, self.figures, self.tables):
            safe_target(folder / "report.md", self.out)
        odd = [str(p) for p in self.dir.rglob("*") if p.is_symlink() or not (p.is_dir() or p.is_file())] \
            if self.dir.is_dir() else []
        if odd:
            raise StoreError(f"{self.dir} holds symbolic links or special files ({', '.join(odd[:3])}); refusing to "
                             "write through them")
        self.tables.mkdir(parents=True, exist_ok=True)
        self.lines = [f"# {title}", ""]
        self.started = time.perf_counter() if started is None else started  # reading the results counts

    def heading(self, title: str, level: int = 2) -> None:
        self.lines += [f"{'#' * level} {title}", ""]

    def text(self, *paragraphs: str) -> None:
        for p in paragraphs:
            self.lines += [p, ""]

    def prose(self, text) -> None:
        """A paragraph of someone else's words (a spec's description): escaped, never read as Markdown."""
        if text:
            self.lines += [escaped(text), ""]

    def items(self, items) -> None:
        self.lines += [f"- {i}" for i in items] + [""]

    def table(self, df: pd.DataFrame, digits: int = 3) -> None:
        self.lines += [md_table(df, digits), ""]

    def csv(self, df: pd.DataFrame, name: str) -> Path:
        path = self.tables / name
        atomic_write(path, lambda p: df.to_csv(p, index=False), self.out)
        return path

    def figure(self, paths, caption: str) -> None:
        figure(self.lines, paths, self.dir, caption)

    @property
    def seconds(self) -> float:
        """Wall time since the report was started."""
        return time.perf_counter() - self.started

    def write(self, quiet: bool = True) -> Path:
        """Write ``report.md``; ``REPORT_SECONDS`` in its text becomes the time the report took."""
        path = self.dir / "report.md"
        text = "\n".join(self.lines).replace(REPORT_SECONDS, f"{self.seconds:.0f}")
        atomic_write(path, lambda p: p.write_text(text), self.out)
        if not quiet:
            print(f"wrote {path}")
        return path
