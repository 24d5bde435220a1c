"""Calibration: the targets and their statistics, the calibration spec, the pyabc bridge, the seeded
sampler, the driver, the posterior and the calibrated defaults (docs/calibration.md).

    from experiments.calibration import calibrate
    calibrate("experiments/specs/calibration_smoke.toml", out="results/calibration_smoke", workers=2)
"""

from .defaults import apply_calibrated_defaults, calibrated_toml, posterior_medians, write_posterior_file
from .driver import CalibrationResult, calibrate, run_predictive
from .folder import (
    CalibrationError,
    calibration_status,
    format_calibration_status,
    is_calibration,
    open_history,
    priors_of,
    read_manifest,
    read_state,
)
from .posterior import posterior_sample, posterior_summary, weighted_quantile
from .simulator import Simulator
from .spec import CalibrationSpec, Prior, load_calibration_spec, parse_calibration_spec

__all__ = ["calibrate", "CalibrationResult", "run_predictive", "CalibrationError", "calibration_status",
           "format_calibration_status", "is_calibration", "open_history", "priors_of", "read_manifest", "read_state",
           "posterior_sample", "posterior_summary", "weighted_quantile", "posterior_medians", "write_posterior_file",
           "calibrated_toml", "apply_calibrated_defaults", "Simulator", "CalibrationSpec", "Prior",
           "load_calibration_spec", "parse_calibration_spec"]
