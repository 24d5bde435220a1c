"""The one Markdown and figure helper every report uses: a ``Report`` collects headings, paragraphs, tables
and figures, writes CSV tables and figures beside ``report.md``, and formats numbers without floating-point
noise (rounded at display: a difference of ``-5.551e-17`` shows as 0)."""

import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.store import StoreError

DIGITS = 4  # significant digits a report shows (of the largest number a cell or a column holds)


def rounded(value, scale=None, digits: int = DIGITS):
    """``value`` rounded to ``digits`` significant digits of ``scale`` (default: of itself), so that floating-
    point noise far below the numbers shown becomes 0. NaN and infinities are kept."""
    if value is None or not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool):
        return value
    v = float(value)
    if not math.isfinite(v) or v == 0:
        return v
    s = abs(float(scale)) if scale is not None and math.isfinite(scale) and scale != 0 else abs(v)
    decimals = digits - 1 - math.floor(math.log10(s))
    r = round(v, decimals)
    return 0.0 if r == 0 else r


def number(value, scale=None, digits: int = DIGITS, sign: bool = False) -> str:
    """A number as a report shows it: ``digits`` significant digits of ``scale`` (default: of itself), no
    floating-point noise, no "-0", thousands separated from 10,000 on; NaN as an empty cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return str(value)
    v = rounded(value, scale, digits)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        text = f"{int(value):,}" if abs(int(value)) >= 10_000 else str(int(value))
    elif not math.isfinite(v):
        text = str(v)
    elif abs(v) >= 10_000:
        text = f"{v:,.0f}"
    else:
        text = f"{v:.{digits}g}"
    if text.startswith("-") and rounded(value, scale, digits) == 0:
        text = text[1:]
    return ("+" if sign and not text.startswith("-") and v != 0 else "") + text


def interval(mean, low, high, digits: int = DIGITS, sign: bool = False) -> str:
    """``mean [low, high]`` on one scale (the largest of the three), or the mean alone without bounds."""
    finite = [abs(x) for x in (mean, low, high) if x is not None and not pd.isna(x) and math.isfinite(x)]
    scale = max(finite) if finite else None
    if low is None or pd.isna(low):
        return number(mean, scale, digits, sign)
    return (f"{number(mean, scale, digits, sign)} [{number(low, scale, digits, sign)}, "
            f"{number(high, scale, digits, sign)}]")


def md_table(df: pd.DataFrame, digits: int = 3) -> str:
    """A Markdown table (no extra dependency)."""
    def fmt(v):
        if isinstance(v, float):
            return "" if pd.isna(v) else f"{v:.{digits}g}" if abs(v) < 1e4 else f"{v:,.0f}"
        return str(v)
    head = "| " + " | ".join(map(str, df.columns)) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    body = ["| " + " | ".join(fmt(v) for v in row) + " |" for row in df.itertuples(index=False)]
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

    def __init__(self, out, title: str):
        self.out = Path(out)
        self.dir = self.out / "report"
        if self.dir.is_symlink():
            raise StoreError(f"{self.dir} is a symbolic link; refusing to write through it")
        links = [str(p) for p in self.dir.rglob("*") if p.is_symlink()] if self.dir.is_dir() else []
        if links:
            raise StoreError(f"{self.dir} holds symbolic links ({', '.join(links[:3])}); refusing to write through "
                             "them")
        self.figures = self.dir / "figures"
        self.tables = self.dir / "tables"
        self.tables.mkdir(parents=True, exist_ok=True)
        self.lines = [f"# {title}", ""]
        self.started = time.perf_counter()

    def heading(self, title: str, level: int = 2) -> None:
        self.lines += [f"{'#' * level} {title}", ""]

    def text(self, *paragraphs: str) -> None:
        for p in paragraphs:
            self.lines += [p, ""]

    def items(self, items) -> None:
        self.lines += [f"- {i}" for i in items] + [""]

    def table(self, df: pd.DataFrame, digits: int = 3) -> None:
        self.lines += [md_table(df, digits), ""]

    def csv(self, df: pd.DataFrame, name: str) -> Path:
        path = self.tables / name
        df.to_csv(path, index=False)
        return path

    def figure(self, paths, caption: str) -> None:
        figure(self.lines, paths, self.dir, caption)

    @property
    def seconds(self) -> float:
        """Wall time since the report was started."""
        return time.perf_counter() - self.started

    def write(self, quiet: bool = True) -> Path:
        path = self.dir / "report.md"
        path.write_text("\n".join(self.lines))
        if not quiet:
            print(f"wrote {path}")
        return path
