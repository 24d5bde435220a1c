"""What researchers do with the model: sweeps, their results, analysis, figures and reports.

Python API (the command line ``python -m experiments`` wraps the same functions)::

    from experiments import load_spec, run_sweep, sweep_status, load_results, build_report, register_model

A spec selects its model by name from a registry (``register_model``); specs and results
folders are data and never name code to import.

The names are imported on first use, so a sweep worker that only needs ``experiments.core.runner``
does not pay for importing the analysis and plotting stack (scipy.stats, seaborn, matplotlib).
"""

from importlib import import_module

_EXPORTS = {
    "load_results": ".sweep.analysis", "load_runs": ".sweep.analysis", "summarize": ".sweep.analysis",
    "build_report": ".reports",
    "Limits": ".sweep.spec", "SpecError": ".core.schema", "load_spec": ".sweep.spec", "parse_spec": ".sweep.spec",
    "register_model": ".sweep.registry",
    "run_sweep": ".sweep", "sweep_status": ".sweep",
    "run_panel": ".panel", "load_panel": ".panel", "panel_status": ".panel", "event_study": ".panel.estimators",
    "build_panel_report": ".reports",
}
__all__ = list(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
