"""Reports: Markdown with figures (PNG and SVG) and CSV tables, written into a results folder's ``report/``.

Each kind of result (a sweep, a sensitivity sweep, a calibration, a panel) has a list of small section
functions (``sweep``, ``story``, ``sensitivity``, ``calibration``, ``panel``) over one Markdown and figure
helper (``markdown``) and the seaborn figures (``plots``); ``kinds`` registers them and decides which kind
a folder is. ``build_report(out)`` writes the report; it imports no code named in the folder.
"""

from .kinds import build_calibration_report, build_panel_report, build_report, report_kind

__all__ = ["build_report", "build_calibration_report", "build_panel_report", "report_kind"]
