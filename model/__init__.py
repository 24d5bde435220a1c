"""The county and the processes that run in it each week."""

from .model import SecureCommunitiesModel
from .parameters import DEFAULTS, PARAMETERS, PRESETS, CountyScenario, scenario, validate_parameters

__all__ = ["SecureCommunitiesModel", "CountyScenario", "scenario", "PRESETS", "PARAMETERS", "DEFAULTS",
           "validate_parameters"]
