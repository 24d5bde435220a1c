"""Sweeps: a spec (what is fixed, what varies, the design), the models a spec may name, the design's points,
running and resuming the runs, and the tidy tables of their results.

    from experiments.sweep import run_sweep, sweep_status
    run_sweep("experiments/specs/smoke.toml", out="results/smoke", workers=2)
"""

from .registry import register_model
from .run import SweepInterrupted, SweepResult, format_status, run_sweep, sweep_status, tasks_for
from .spec import DEFAULT_LIMITS, Limits, Spec, SpecError, load_spec, parse_spec

__all__ = ["run_sweep", "sweep_status", "format_status", "tasks_for", "SweepResult", "SweepInterrupted",
           "load_spec", "parse_spec", "Spec", "SpecError", "Limits", "DEFAULT_LIMITS", "register_model"]
