"""What researchers do with the model: sweeps, their results, analysis, figures and reports.

Python API (the command line ``python -m experiments`` wraps the same functions)::

    from experiments import load_spec, run_sweep, sweep_status, load_results, build_report
"""

from .analysis import load_results, load_runs, summarize
from .report import build_report
from .spec import SpecError, load_spec, parse_spec
from .sweep import run_sweep, sweep_status

__all__ = ["load_spec", "parse_spec", "SpecError", "run_sweep", "sweep_status", "load_results", "load_runs",
           "summarize", "build_report"]
