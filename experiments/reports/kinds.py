"""The four kinds of report and which one a results folder gets: decided here, in one place."""

from ..core.store import Store, folder_kind
from ..sweep.index_methods import index_method
from . import calibration, panel, sensitivity, story, sweep
from .sections import Kind, Section, registry, write_report

SWEEP_SECTIONS = (*sweep.WHAT_RAN, *story.STORY, *sweep.TABLES, *story.COMPARISON,
                  Section("Two-parameter grid", sweep.grid))
KINDS = registry(
    Kind("sweep", sweep.SweepResults, SWEEP_SECTIONS),
    Kind("sensitivity", sweep.SweepResults, SWEEP_SECTIONS + sensitivity.SENSITIVITY),
    Kind("calibration", calibration.CalibrationResults, calibration.CALIBRATION),
    Kind("panel", panel.PanelResults, panel.PANEL),
)


def report_kind(out) -> str:
    """Which report a results folder gets: "panel" or "calibration" (the kind its manifest records), else
    "sensitivity" for a sweep with an index method (a Sobol or Morris design, or ``analysis.indices``), else
    "sweep"."""
    kind = folder_kind(out)
    if kind != "sweep":
        return kind
    spec = Store(out).manifest().get("spec") or {}
    design, analysis = (spec.get(k) if isinstance(spec.get(k), dict) else {} for k in ("design", "analysis"))
    return "sensitivity" if index_method(design.get("method"), analysis.get("indices")) is not None else "sweep"


def build_report(out, quiet=True):
    """Analyze the results in ``out`` (a sweep, a calibration or a panel) and write its report; returns the
    report's path (``out/report/report.md``). The folder is read as data: no code named in it is imported."""
    kind = report_kind(out)
    return write_report(KINDS[kind], out, quiet, **({"verbose": not quiet} if kind == "panel" else {}))


def build_calibration_report(out, quiet=True):
    """Write the report of the calibration in ``out``; returns its path."""
    return write_report(KINDS["calibration"], out, quiet)


def build_panel_report(out, quiet=True):
    """Estimate, tabulate and plot the panel in ``out``; returns the report's path."""
    return write_report(KINDS["panel"], out, quiet, verbose=not quiet)
