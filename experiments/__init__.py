"""What researchers do with the model: sweeps, their results, analysis, figures and reports.

Python API (the command line ``python -m experiments`` wraps the same functions)::

    from experiments import load_spec, run_sweep, sweep_status, load_results, build_report, register_model

A spec selects its model by name from a registry (``register_model``); specs and results
folders are data and never name code to import.

The names are imported on first use, so a sweep worker that only needs ``experiments.runner``
does not pay for importing the analysis and plotting stack (scipy.stats, seaborn, matplotlib).
"""

from importlib import import_module

_EXPORTS = {
    "load_results": ".analysis", "load_runs": ".analysis", "summarize": ".analysis",
    "build_report": ".report",
    "Limits": ".spec", "SpecError": ".spec", "load_spec": ".spec", "parse_spec": ".spec",
    "register_model": ".registry",
    "run_sweep": ".sweep", "sweep_status": ".sweep",
    "run_panel": ".panel", "load_panel": ".panel", "panel_status": ".panel", "event_study": ".estimators",
    "build_panel_report": ".panel_report",
}
__all__ = list(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
