"""What the sidebar controls: a preset plus a few levers, turned into model keywords.

``CountySettings`` is what the sidebar shows; ``model_kwargs`` turns it into the model's keyword
parameters (the preset's policy first, then the levers); ``ClassroomCounty`` is the model the page
runs: a ``SecureCommunitiesModel`` built from settings, so Mesa's Reset button can rebuild it.
"""

import zlib
from dataclasses import dataclass, replace

from model import PRESETS, SecureCommunitiesModel, scenario

PRESET_LABELS = {
    "pre_sc": "Before Secure Communities (no sharing)",
    "sc_full": "Secure Communities, full cooperation",
    "sc_hennessey": "San Francisco 2011 (Sheriff Hennessey)",
    "sc_trust_act": "California TRUST Act (2014)",
    "sc_sanctuary": "Sanctuary county (no detainer honored)",
    "pep_2015": "Priority Enforcement Program (2015)",
    "eo_2017": "Executive Order 13768 (2017)",
}
DETAINER_LABELS = {
    "preset": "as the preset says",
    "full": "honor every detainer",
    "hennessey": "release minor offenders (Hennessey)",
    "trust_act": "honor only for serious or violent records (TRUST Act)",
    "sanctuary": "honor none (sanctuary)",
}
DEFAULT_SEED = 42
assert set(PRESET_LABELS) == set(PRESETS), "every preset needs a readable label"


@dataclass(frozen=True)
class CountySettings:
    """The sidebar's values. ``seed`` is text, as a text box hands it over."""

    preset: str = "sc_full"
    n_residents: int = 1000
    seed: str = str(DEFAULT_SEED)
    activation_week: int = 52
    detainer_policy: str = "preset"  # "preset" or one of the model's detainer policies
    policing_intensity: float = 1.0
    fear_sensitivity: float = 1.0

    def with_changes(self, **changes) -> "CountySettings":
        return replace(self, **changes)


def parse_seed(text) -> int:
    """A seed from whatever the text box holds: "7" -> 7, " 7 " -> 7, "abc" -> a stable number,
    "" -> the default. Every input gives a usable, reproducible seed."""
    if text is None:
        return DEFAULT_SEED
    if isinstance(text, int):
        return abs(text)
    cleaned = str(text).strip()
    if not cleaned:
        return DEFAULT_SEED
    try:
        return abs(int(cleaned))
    except ValueError:  # not a whole number: any text still names one reproducible seed
        return zlib.crc32(cleaned.encode())


def model_kwargs(settings: CountySettings) -> dict:
    """The model's keyword parameters for these settings (without the seed)."""
    params = scenario(settings.preset)
    if settings.detainer_policy != "preset":
        params["detainer_policy"] = settings.detainer_policy
    params.update(n_residents=int(settings.n_residents), activation_week=int(settings.activation_week),
                  policing_intensity=float(settings.policing_intensity),
                  fear_sensitivity=float(settings.fear_sensitivity))
    return params


def current(settings) -> CountySettings:
    """Settings from a plain value or from a reactive holder of one (anything with ``.value``)."""
    if settings is None:
        return CountySettings()
    if isinstance(settings, CountySettings):
        return settings
    return current(settings.value)


class ClassroomCounty(SecureCommunitiesModel):
    """The county the page shows: a SecureCommunitiesModel built from sidebar settings.

    ``settings`` may be a ``CountySettings`` or a reactive variable holding one; Mesa's Reset
    button calls ``ClassroomCounty(settings=...)`` with the page's reactive settings, so a reset
    rebuilds exactly what the sidebar shows.
    """

    def __init__(self, settings=None):
        self.settings = current(settings)
        super().__init__(rng=parse_seed(self.settings.seed), **model_kwargs(self.settings))

    @property
    def label(self) -> str:
        text = PRESET_LABELS[self.settings.preset]
        if self.settings.detainer_policy != "preset":
            text += f", jail: {DETAINER_LABELS[self.settings.detainer_policy]}"
        return text
