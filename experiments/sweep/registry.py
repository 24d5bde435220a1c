"""The models a sweep may run: a registry filled from Python code, never from a file.

A spec names its model by a plain name (``model = "secure_communities"``, the default); a
results folder's manifest names it the same way. Neither can import anything: a name that
is not registered is an error. Models are registered

- from Python: ``experiments.register_model("ishigami", Ishigami)``, or
- on the command line, explicitly: ``python -m experiments run SPEC --model ishigami=pkg.mod:Ishigami``
  (the only place a ``module:attribute`` path is imported, because the user typed it).

An entry says how to build a run (``factory(rng=seed, **params)``) and how its parameters are
checked, so that every key of ``[fixed]`` and ``[parameters]`` is checked for every model.
"""

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass

from ..core.schema import plain_name

DEFAULT_MODEL = "secure_communities"
TARGET_COUNTY_MODEL = "target_county"  # experiments.calibration.targets.TargetCounty


@dataclass(frozen=True)
class ModelEntry:
    """A registered model.

    factory: called as ``factory(rng=seed, **params)``; returns a Mesa model with a ``datacollector``.
    validate: ``params -> params``; raises ``ValueError`` naming the parameter (or None).
    parameters: the keyword names it takes (None: ``validate`` decides; one of the two is required).
    reporters: the names ``outputs = "all"`` keeps (None: a spec must list its outputs).
    table: name -> ``model.parameters.Parameter`` (kinds and sweep bounds), for the project's model.
    presets: name -> parameter dict, for the ``preset`` pseudo-parameter (None: no presets).
    renamed: older reporter names -> today's, so result folders written before a rename still read.
    selects_reporters: the factory takes ``reporters=`` (the names to record) and computes only those.
    """

    name: str
    factory: Callable | None
    validate: Callable | None = None
    parameters: frozenset | None = None
    reporters: tuple | None = None
    table: dict | None = None
    presets: dict | None = None
    renamed: dict | None = None
    selects_reporters: bool = False

    def check(self, params: dict) -> dict:
        """The parameter set checked (unknown names first, then the model's own validation)."""
        if self.parameters is not None:
            unknown = sorted(set(params) - self.parameters)
            if unknown:
                raise ValueError(f"unknown parameter(s) {unknown} for model {self.name!r}; it takes "
                                 f"{sorted(self.parameters)}")
        return self.validate(params) if self.validate is not None else params


_MODELS: dict[str, ModelEntry] = {}


def _keywords(factory) -> frozenset | None:
    """The keyword parameters a callable takes (``rng`` aside); None if it takes ``**kwargs``."""
    try:
        sig = inspect.signature(factory)
    except (TypeError, ValueError):
        return None
    names = set()
    for p in sig.parameters.values():
        if p.kind is p.VAR_KEYWORD:
            return None
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            names.add(p.name)
    if "rng" not in names:
        raise TypeError(f"{factory!r} takes no rng= keyword; a sweep seeds every run with rng=seed")
    return frozenset(names - {"rng"})


def _project_model_defaults(factory) -> dict:
    from model import PRESETS, SecureCommunitiesModel, validate_parameters
    from model.parameters import PARAMETER_TABLE
    from model.reporters import RENAMED, REPORTERS

    if isinstance(factory, type) and issubclass(factory, SecureCommunitiesModel):
        return {"validate": validate_parameters, "parameters": frozenset(PARAMETER_TABLE),
                "reporters": tuple(REPORTERS), "table": dict(PARAMETER_TABLE), "presets": dict(PRESETS),
                "renamed": dict(RENAMED), "selects_reporters": True}
    return {}


def register_model(name: str, factory: Callable, *, validate=None, parameters=None, reporters=None,
                   replace: bool = False) -> ModelEntry:
    """Make ``factory`` available to specs as ``model = "<name>"``.

    The project's model and its subclasses get its validation, parameter table, presets and
    reporters. Otherwise ``validate`` defaults to ``factory.validate_parameters``, ``reporters`` to
    ``factory.REPORTERS`` and ``parameters`` to the factory's keyword arguments; a factory taking
    ``**kwargs`` needs ``validate`` or ``parameters``, so that no key goes unchecked.
    """
    if not plain_name(name):
        raise ValueError(f"model name must be a plain name (a letter, then letters, digits, '_' or '-'), "
                         f"got {name!r}")
    if not callable(factory):
        raise TypeError(f"model {name!r}: the factory must be callable, got {factory!r}")
    fields = _project_model_defaults(factory)
    if validate is not None:
        fields["validate"] = validate
    elif "validate" not in fields:
        fields["validate"] = getattr(factory, "validate_parameters", None)
    if parameters is not None:
        fields["parameters"] = frozenset(parameters)
    elif "parameters" not in fields:
        fields["parameters"] = _keywords(factory)
    if reporters is not None:
        fields["reporters"] = tuple(reporters)
    elif "reporters" not in fields and getattr(factory, "REPORTERS", None) is not None:
        fields["reporters"] = tuple(factory.REPORTERS)
    if fields.get("parameters") is None and fields.get("validate") is None:
        raise TypeError(f"model {name!r} takes **kwargs: give parameters= (the names it takes) or validate=")
    entry = ModelEntry(name, factory, **fields)
    old = _MODELS.get(name)
    if old is not None and old.factory is not factory and not replace:
        raise ValueError(f"model {name!r} is already registered (as {old.factory!r}); pass replace=True")
    _MODELS[name] = entry
    return entry


def registered() -> tuple:
    _ensure_default()
    return tuple(sorted(_MODELS))


def get_model(name: str) -> ModelEntry | None:
    """The registered entry, or None. Never imports anything named by ``name``."""
    _ensure_default()
    return _MODELS.get(name) if isinstance(name, str) else None


def unregistered(name: str, reporters=None) -> ModelEntry:
    """A stand-in for a model this process does not know (reading a results folder): no factory,
    no validation; its outputs are what the folder recorded."""
    return ModelEntry(name, None, None, None, tuple(reporters) if reporters is not None else None)


def register_from_flag(text: str) -> ModelEntry:
    """``NAME=package.module:attribute`` from the command line: import it and register it."""
    name, sep, path = text.partition("=")
    module, colon, attr = path.partition(":")
    if not sep or not colon or not module or not attr:
        raise ValueError(f"--model takes NAME=package.module:attribute, got {text!r}")
    try:
        obj = importlib.import_module(module)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as e:
        raise ValueError(f"--model {text}: cannot import {path!r}: {e}") from None
    try:
        return register_model(name, obj)
    except TypeError as e:
        raise ValueError(f"--model {text}: {e}") from None


def _ensure_default() -> None:
    if DEFAULT_MODEL not in _MODELS:
        from model import SecureCommunitiesModel

        register_model(DEFAULT_MODEL, SecureCommunitiesModel)
    if TARGET_COUNTY_MODEL not in _MODELS:  # the model in a calibration target's county (the screening)
        from model.parameters import PARAMETER_TABLE

        from ..calibration.targets import TargetCounty, validate_target_county

        register_model(TARGET_COUNTY_MODEL, TargetCounty, validate=validate_target_county,
                       parameters=frozenset(PARAMETER_TABLE) | {"county"})
