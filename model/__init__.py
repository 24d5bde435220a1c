"""The county and the processes that run in it each week."""

from .model import SecureCommunitiesModel
from .parameters import DEFAULTS, PARAMETERS, PRESETS, scenario, validate_parameters

__all__ = ["SecureCommunitiesModel", "scenario", "PRESETS", "PARAMETERS", "DEFAULTS",
           "validate_parameters"]
