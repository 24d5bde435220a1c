"""What the settings panel controls: a preset plus a few levers, turned into model keywords.

``CountySettings`` is what the panel shows; ``validated`` checks every value the browser sends
(the page's slider bounds, then the model's own ``validate_parameters``) and never rounds or
truncates one; ``model_kwargs`` turns settings into the model's keyword parameters (the preset's
policy first, then the levers); ``ClassroomCounty`` is the model the page runs: a
``SecureCommunitiesModel`` built from settings, so the page's Reset (and the lesson's tests)
rebuild exactly the county the settings name.
"""

import math
import zlib
from dataclasses import dataclass, replace
from numbers import Real

from model import PRESETS, SecureCommunitiesModel, scenario, validate_parameters
from model.labels import POLICY_LABELS, PRESET_LABELS

DETAINER_LABELS = {"preset": "as the preset says", **POLICY_LABELS}
DEFAULT_SEED = 42
MAX_SEED_TEXT = 100
assert set(PRESET_LABELS) == set(PRESETS), "every preset needs a readable label"

# The sliders: (low, high, step). The server holds every value to these bounds; the page only draws them.
LEVERS = {
    "activation_week": (0, 156, 4),
    "policing_intensity": (0.5, 3.0, 0.25),
    "fear_sensitivity": (0.25, 3.0, 0.25),
    "n_residents": (100, 2000, 100),
}


class SettingsError(ValueError):
    """A value from the page that the county cannot take; the message is shown on the page."""


@dataclass(frozen=True)
class CountySettings:
    """The settings panel's values. ``seed`` is text, as a text box hands it over.

    The defaults are the lesson's settings (docs/classroom.md): 2,000 residents, policing
    intensity 2, fear sensitivity 3, seed 42, the program arriving in week 52.
    ``compare_with`` is "" (one county) or a second preset run side by side on the same seed.
    """

    preset: str = "sc_full"
    n_residents: int = 2000
    seed: str = str(DEFAULT_SEED)
    activation_week: int = 52
    detainer_policy: str = "preset"  # "preset" or one of the model's detainer policies
    policing_intensity: float = 2.0
    fear_sensitivity: float = 3.0
    compare_with: str = ""

    def with_changes(self, **changes) -> "CountySettings":
        return replace(self, **changes)


def parse_seed(text) -> int:
    """A seed from what the text box holds: "7" -> 7, " 7 " -> 7, "my class" -> a stable number of its
    own, "" -> the default. A negative number is refused (SettingsError), not folded onto its positive
    twin, so two different entries never name the same county by accident."""
    if text is None:
        return DEFAULT_SEED
    if isinstance(text, bool) or not isinstance(text, (int, str)):
        raise SettingsError(f"Seed: a whole number >= 0 or a word, got {text!r}")
    if isinstance(text, int):
        number = text
    else:
        cleaned = text.strip()
        if not cleaned:
            return DEFAULT_SEED
        if len(cleaned) > MAX_SEED_TEXT:
            raise SettingsError(f"Seed: at most {MAX_SEED_TEXT} characters, got {len(cleaned)}")
        try:
            number = int(cleaned)
        except ValueError:  # not a whole number: any text still names one reproducible seed
            return zlib.crc32(cleaned.encode())
    if number < 0:
        raise SettingsError(f"Seed: a whole number >= 0 or a word, got {text!r}")
    return number


def model_kwargs(settings: CountySettings) -> dict:
    """The model's keyword parameters for these settings (without the seed), values as given:
    ``validated`` checks them first, and nothing here rounds or truncates."""
    params = scenario(settings.preset)
    if settings.detainer_policy != "preset":
        params["detainer_policy"] = settings.detainer_policy
    params.update({name: getattr(settings, name) for name in LEVERS})
    return params


def validated(settings: CountySettings) -> CountySettings:
    """The settings with every value checked, or SettingsError naming the value as it was sent.

    Each lever must be a number within its slider's bounds and pass the model's own validation
    (``model.parameters.validate_parameters``): 10.7 residents or week 3.9 are refused, not
    truncated. The result holds the canonical values (a whole-number float becomes an int)."""
    if settings.preset not in PRESETS:
        raise SettingsError(f"Preset: unknown preset {settings.preset!r}")
    if settings.compare_with and settings.compare_with not in PRESETS:
        raise SettingsError(f"Compare with: unknown preset {settings.compare_with!r}")
    if settings.detainer_policy not in DETAINER_LABELS:
        raise SettingsError(f"Jail policy: unknown choice {settings.detainer_policy!r}")
    for name in LEVERS:
        value = getattr(settings, name)
        if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
            raise SettingsError(f"{name} must be a number, got {value!r}")
    parse_seed(settings.seed)
    try:
        checked = validate_parameters(model_kwargs(settings))
    except ValueError as e:
        raise SettingsError(str(e)) from None
    for name, (low, high, _step) in LEVERS.items():
        if not low <= checked[name] <= high:
            raise SettingsError(f"{name} must be between {low:g} and {high:g} here, got {getattr(settings, name)!r}")
    return replace(settings, **{name: checked[name] for name in LEVERS})


def current(settings) -> CountySettings:
    """Settings from a plain value or from a reactive holder of one (anything with ``.value``)."""
    if settings is None:
        return CountySettings()
    if isinstance(settings, CountySettings):
        return settings
    return current(settings.value)


class ClassroomCounty(SecureCommunitiesModel):
    """The county the page shows: a SecureCommunitiesModel built from the settings panel's values.

    ``settings`` may be a ``CountySettings`` or a reactive variable holding one (its value is read).
    """

    def __init__(self, settings=None):
        self.settings = validated(current(settings))
        super().__init__(rng=parse_seed(self.settings.seed), **model_kwargs(self.settings))

    @property
    def label(self) -> str:
        text = PRESET_LABELS[self.settings.preset]
        if self.settings.detainer_policy != "preset":
            text += f", jail: {DETAINER_LABELS[self.settings.detainer_policy]}"
        return text
