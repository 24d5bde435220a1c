"""Reading and validating a sweep spec (TOML) before any run.

A spec names what is fixed, what varies (lists or ranges), the design that samples the
varied parameters, replications and a root seed, and what each run keeps. Every problem is
reported as a ``SpecError`` naming the key (``parameters.fear_sensitivity.min``), and every
parameter set the design will produce is checked with the model's own validation.
"""

import difflib
import hashlib
import importlib
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from model import PARAMETERS, PRESETS, SecureCommunitiesModel, validate_parameters
from model.metrics import REPORTERS

DEFAULT_FACTORY = "model:SecureCommunitiesModel"
METHODS = ("factorial", "lhs", "sobol", "morris")
DESIGN_COLUMNS = ("point_id", "sample_row")  # bookkeeping columns of the design, not parameters
PRESET_KEY = "preset"  # a pseudo-parameter: the named preset's policy levers (model.scenario)

TOP_KEYS = {"name", "description", "replications", "seed", "common_random_numbers", "steps", "collect_every",
            "outputs", "event_log", "factory", "fixed", "parameters", "design", "analysis"}
DESIGN_KEYS = {"method", "samples", "second_order", "levels", "seed"}
RANGE_KEYS = {"min", "max", "num", "step", "bounds"}
ANALYSIS_KEYS = {"outputs", "statistic", "ci", "heatmap", "hue", "baseline", "effects"}
STATISTICS = ("final", "mean")
PARAMETER_TABLE = {p.name: p for p in PARAMETERS}


class SpecError(ValueError):
    """A spec that cannot be run; the message names the key."""


@dataclass(frozen=True)
class Factor:
    """One varied parameter: explicit values, or a range [low, high] (``num``/``step`` for grids)."""

    name: str
    values: tuple | None = None
    low: float | None = None
    high: float | None = None
    num: int | None = None
    step: float | None = None
    integer: bool = False

    @property
    def is_range(self) -> bool:
        return self.values is None

    def grid(self) -> tuple:
        """The values a full factorial takes."""
        if self.values is not None:
            return self.values
        if self.step is not None:
            n = int(round((self.high - self.low) / self.step)) + 1
            vals = [self.low + i * self.step for i in range(n) if self.low + i * self.step <= self.high + 1e-12]
        else:
            n = self.num
            vals = [self.low + (self.high - self.low) * i / (n - 1) for i in range(n)]
        return tuple(int(round(v)) if self.integer else round(float(v), 12) for v in vals)


@dataclass(frozen=True)
class Design:
    method: str = "factorial"
    samples: int | None = None
    second_order: bool = False
    levels: int = 4
    seed: int | None = None  # sampler seed (LHS, Morris, Sobol scrambling); defaults to the root seed


@dataclass(frozen=True)
class Spec:
    name: str
    description: str
    replications: int
    seed: int
    steps: int
    collect_every: int
    outputs: tuple
    event_log: bool
    factory: str
    fixed: dict
    factors: tuple  # of Factor, in spec order
    design: Design
    analysis: dict = field(default_factory=dict)
    common_random_numbers: bool = False  # every point's replicate r gets the same seed
    source: dict = field(default_factory=dict, compare=False)  # the TOML as read

    def to_dict(self) -> dict:
        """A JSON-ready copy of the spec as written. Key order is kept: it is the order of the design's
        columns, which SALib's analysis relies on."""
        return json.loads(json.dumps(self.source, default=str))

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:16]


def _fail(key: str, message: str, where: str = ""):
    raise SpecError(f"{where}{key}: {message}")


def _check_keys(table: dict, allowed: set, prefix: str, where: str) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; allowed: {sorted(allowed)}"
            _fail(prefix + key, f"unknown key{hint}", where)


def _int(value, key, where, minimum=None):
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(key, f"must be an integer, got {value!r}", where)
    if minimum is not None and value < minimum:
        _fail(key, f"must be >= {minimum}, got {value}", where)
    return value


def resolve_factory(path: str):
    """Import ``module:attribute`` (the model class or any callable taking ``rng=`` and keywords)."""
    module, _, attr = path.partition(":")
    if not module or not attr:
        raise ValueError(f"factory must look like 'package.module:ClassName', got {path!r}")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def parameter_validator(factory):
    """How parameter sets for this factory are checked: the model's own validation for the model
    (and its subclasses); a factory's ``validate_parameters`` attribute if it has one; else none."""
    if isinstance(factory, type) and issubclass(factory, SecureCommunitiesModel):
        return validate_parameters
    return getattr(factory, "validate_parameters", None)


def _check_value(name, value, key, validator, where):
    """Check one parameter value on its own (defaults for the rest)."""
    if name == PRESET_KEY:
        if value not in PRESETS:
            _fail(key, f"must be one of {tuple(PRESETS)}, got {value!r}", where)
        return value
    if validator is not None:
        try:
            return validator({name: value})[name]
        except ValueError as e:
            _fail(key, str(e), where)
    return value


def _factor(name, raw, validator, known, where) -> Factor:
    key = f"parameters.{name}"
    if known is not None and name != PRESET_KEY and name not in known:
        close = difflib.get_close_matches(name, sorted(known), n=1)
        _fail(key, "unknown model parameter" + (f" (did you mean {close[0]!r}?)" if close else ""), where)
    if isinstance(raw, list):
        if not raw:
            _fail(key, "an empty list of values", where)
        values = tuple(_check_value(name, v, f"{key}[{i}]", validator, where) for i, v in enumerate(raw))
        if len(set(map(repr, values))) != len(values):
            _fail(key, f"repeated values in {list(raw)}", where)
        return Factor(name, values=values)
    if not isinstance(raw, dict):
        _fail(key, "must be a list of values or a range table {min, max[, num | step]}; "
              "put single values in [fixed]", where)
    _check_keys(raw, RANGE_KEYS, key + ".", where)
    p = PARAMETER_TABLE.get(name)
    if name == PRESET_KEY or (p is not None and p.constraint.categorical):
        _fail(key, "a range needs a numeric parameter; give a list of values", where)
    if "bounds" in raw:
        if raw["bounds"] != "model":
            _fail(key + ".bounds", f"the only choice is \"model\", got {raw['bounds']!r}", where)
        if "min" in raw or "max" in raw:
            _fail(key + ".bounds", "give either bounds = \"model\" or min and max, not both", where)
        if p is None or p.sweep is None:
            _fail(key + ".bounds", "this parameter has no sweep bounds in model.parameters.PARAMETERS", where)
        low, high = p.sweep
    else:
        for end in ("min", "max"):
            if end not in raw:
                _fail(f"{key}.{end}", "missing (a range needs min and max, or bounds = \"model\")", where)
            v = raw[end]
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                _fail(f"{key}.{end}", f"must be a number, got {v!r}", where)
        low, high = raw["min"], raw["max"]
    if not low < high:
        _fail(key, f"bad range: min ({low}) must be less than max ({high})", where)
    for end, v in (("min", low), ("max", high)):
        _check_value(name, v, f"{key}.{end}", validator, where)
    if "num" in raw and "step" in raw:
        _fail(key, "give num or step, not both", where)
    num = _int(raw["num"], f"{key}.num", where, minimum=2) if "num" in raw else None
    step = raw.get("step")
    if step is not None and (isinstance(step, bool) or not isinstance(step, (int, float)) or step <= 0):
        _fail(f"{key}.step", f"must be a positive number, got {step!r}", where)
    integer = p is not None and p.constraint.integer
    return Factor(name, low=low, high=high, num=num, step=step, integer=integer)


def parse_spec(raw: dict, where: str = "") -> Spec:
    """Validate a spec given as a dict (the parsed TOML). ``where`` prefixes messages (a file name)."""
    if not isinstance(raw, dict):
        raise SpecError(f"{where}a spec must be a table")
    _check_keys(raw, TOP_KEYS, "", where)
    name = raw.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        _fail("name", f"required; letters, digits, '_', '-', '.' only, got {name!r}", where)
    description = raw.get("description", "")
    if not isinstance(description, str):
        _fail("description", "must be a string", where)
    replications = _int(raw.get("replications", 1), "replications", where, minimum=1)
    seed = _int(raw.get("seed", 0), "seed", where, minimum=0)
    steps = _int(raw.get("steps", 156), "steps", where, minimum=1)
    collect_every = _int(raw.get("collect_every", 1), "collect_every", where, minimum=1)
    if collect_every > steps:
        _fail("collect_every", f"must be <= steps ({steps}), got {collect_every}", where)
    event_log = raw.get("event_log", False)
    if not isinstance(event_log, bool):
        _fail("event_log", f"must be true or false, got {event_log!r}", where)
    crn = raw.get("common_random_numbers", False)
    if not isinstance(crn, bool):
        _fail("common_random_numbers", f"must be true or false, got {crn!r}", where)

    factory_path = raw.get("factory", DEFAULT_FACTORY)
    if not isinstance(factory_path, str):
        _fail("factory", "must be a string 'module:Class'", where)
    try:
        factory = resolve_factory(factory_path)
    except (ImportError, AttributeError, ValueError) as e:
        _fail("factory", f"cannot import {factory_path!r}: {e}", where)
    validator = parameter_validator(factory)
    model_like = validator is validate_parameters
    known = set(PARAMETER_TABLE) if model_like else None
    reporters = REPORTERS if model_like else getattr(factory, "REPORTERS", None)

    outputs = raw.get("outputs", "all")
    if outputs == "all":
        if reporters is None:
            _fail("outputs", "this factory has no REPORTERS attribute; list the outputs to keep", where)
        outputs = tuple(reporters)
    elif isinstance(outputs, list) and outputs and all(isinstance(o, str) for o in outputs):
        for i, o in enumerate(outputs):
            if reporters is not None and o not in reporters:
                close = difflib.get_close_matches(o, reporters, n=1)
                _fail(f"outputs[{i}]", f"unknown model reporter {o!r}"
                      + (f" (did you mean {close[0]!r}?)" if close else ""), where)
        if len(set(outputs)) != len(outputs):
            _fail("outputs", "repeated names", where)
        outputs = tuple(outputs)
    else:
        _fail("outputs", f"must be \"all\" or a non-empty list of reporter names, got {outputs!r}", where)

    fixed_raw = raw.get("fixed", {})
    if not isinstance(fixed_raw, dict):
        _fail("fixed", "must be a table", where)
    fixed = {}
    for k, v in fixed_raw.items():
        if known is not None and k != PRESET_KEY and k not in known:
            close = difflib.get_close_matches(k, sorted(known), n=1)
            _fail(f"fixed.{k}", "unknown model parameter" + (f" (did you mean {close[0]!r}?)" if close else ""),
                  where)
        if isinstance(v, (list, dict)):
            _fail(f"fixed.{k}", "a fixed value must be a single value; vary it under [parameters]", where)
        fixed[k] = _check_value(k, v, f"fixed.{k}", validator, where)

    params_raw = raw.get("parameters", {})
    if not isinstance(params_raw, dict):
        _fail("parameters", "must be a table", where)
    factors = []
    for k, v in params_raw.items():
        if k in fixed:
            _fail(f"parameters.{k}", "also given in [fixed]; keep it in one place", where)
        factors.append(_factor(k, v, validator, known, where))

    design_raw = raw.get("design", {})
    if not isinstance(design_raw, dict):
        _fail("design", "must be a table", where)
    _check_keys(design_raw, DESIGN_KEYS, "design.", where)
    method = design_raw.get("method", "factorial")
    if method not in METHODS:
        _fail("design.method", f"must be one of {METHODS}, got {method!r}", where)
    samples = design_raw.get("samples")
    if method == "factorial":
        if samples is not None:
            _fail("design.samples", "a full factorial takes no samples; it crosses every value", where)
        for f in factors:
            if f.is_range and f.num is None and f.step is None:
                _fail(f"parameters.{f.name}", "a range in a factorial design needs num or step", where)
    else:
        if samples is None:
            _fail("design.samples", f"required for method {method!r}", where)
        samples = _int(samples, "design.samples", where, minimum=2 if method != "sobol" else 1)
        if method == "sobol" and samples & (samples - 1):
            _fail("design.samples", f"Saltelli/Sobol sampling needs a power of 2, got {samples}", where)
        ranges = [f for f in factors if f.is_range]
        if not ranges:
            _fail("parameters", f"method {method!r} needs at least one range {{min, max}} to sample", where)
        if method in ("sobol", "morris") and len(ranges) < 2:
            _fail("parameters", f"method {method!r} needs at least two ranges", where)
        for f in ranges:
            if f.num is not None or f.step is not None:
                _fail(f"parameters.{f.name}", f"num/step are for factorial grids, not method {method!r}", where)
    second_order = design_raw.get("second_order", False)
    if not isinstance(second_order, bool):
        _fail("design.second_order", "must be true or false", where)
    levels = _int(design_raw.get("levels", 4), "design.levels", where, minimum=2)
    if method == "morris" and levels % 2:
        _fail("design.levels", f"Morris needs an even number of levels, got {levels}", where)
    dseed = design_raw.get("seed")
    if dseed is not None:
        _int(dseed, "design.seed", where, minimum=0)
    design = Design(method, samples, second_order, levels, dseed)

    analysis = raw.get("analysis", {})
    if not isinstance(analysis, dict):
        _fail("analysis", "must be a table", where)
    _check_keys(analysis, ANALYSIS_KEYS, "analysis.", where)
    for i, o in enumerate(analysis.get("outputs", [])):
        if o not in outputs:
            _fail(f"analysis.outputs[{i}]", f"{o!r} is not among the kept outputs", where)
    if analysis.get("statistic", "final") not in STATISTICS:
        _fail("analysis.statistic", f"must be one of {STATISTICS}", where)
    ci = analysis.get("ci", 0.95)
    if isinstance(ci, bool) or not isinstance(ci, float) or not 0 < ci < 1:
        _fail("analysis.ci", f"must be a level in (0, 1), e.g. 0.95, got {ci!r}", where)
    names = [f.name for f in factors]
    heat = analysis.get("heatmap")
    if heat is not None:
        if not (isinstance(heat, list) and len(heat) == 2 and all(h in names for h in heat)):
            _fail("analysis.heatmap", f"must name two varied parameters from {names}", where)
    hue = analysis.get("hue")
    if hue is not None and hue not in names:
        _fail("analysis.hue", f"must name a varied parameter from {names}", where)
    for i, o in enumerate(analysis.get("effects", [])):
        if o not in outputs:
            _fail(f"analysis.effects[{i}]", f"{o!r} is not among the kept outputs", where)
    baseline = analysis.get("baseline")
    if baseline is not None:
        presets = next((f.values for f in factors if f.name == PRESET_KEY), ())
        if baseline not in presets:
            _fail("analysis.baseline", f"must be one of the spec's presets {list(presets)}, got {baseline!r}", where)
        if not crn:
            _fail("analysis.baseline", "pairs runs by replicate: set common_random_numbers = true", where)

    spec = Spec(name, description, replications, seed, steps, collect_every, outputs, event_log, factory_path,
                fixed, tuple(factors), design, dict(analysis), crn, source=raw)
    from .design import build_design  # every point the design gives must be a valid parameter set

    points = build_design(spec)
    if validator is not None:
        for pid, params in enumerate(run_parameters(spec, points)):
            try:
                validator(params)
            except ValueError as e:
                shown = {k: params[k] for k in names if k in params}
                raise SpecError(f"{where}design point {pid} {shown}: {e}") from None
    return spec


def run_parameters(spec: Spec, points) -> list:
    """The keyword arguments of each point: preset < fixed < varied (later ones win)."""
    out = []
    for row in points.to_dict("records"):
        row = {k: v.item() if hasattr(v, "item") else v for k, v in row.items() if k not in DESIGN_COLUMNS}
        params = {**spec.fixed, **row}
        preset = params.pop(PRESET_KEY, None)
        out.append({**(PRESETS[preset] if preset else {}), **params})
    return out


def load_spec(path) -> Spec:
    """Read and validate a TOML spec file."""
    path = Path(path)
    where = f"{path}: "
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise SpecError(f"{path}: no such spec file") from None
    except tomllib.TOMLDecodeError as e:
        raise SpecError(f"{where}not valid TOML: {e}") from None
    return parse_spec(raw, where)
