"""A calibration spec: the parameters to fit with their priors, the targets, the counties, the ABC-SMC
schedule; checked before any run (``SpecError`` names the key)."""

import copy
import hashlib
import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from model.parameters import DEFAULTS

from ..core.schema import (
    ANY,
    DEFAULT_LIMITS,
    PRESET_KEY,
    PROSE,
    REQUIRED,
    Choice,
    Int,
    Key,
    Limits,
    Number,
    PlainName,
    SpecError,
    Strings,
    Table,
    check_limit,
    fail,
    read_toml,
    suggestion,
)
from .targets import COMPOSITION, Target, TargetsError, load_targets, select_targets

PRIORS = ("uniform", "log-uniform")
STOPPING = ("generations", "min_epsilon", "min_acceptance_rate")  # abc keys that may change between sessions


@dataclass(frozen=True)
class Prior:
    """A fitted parameter's prior: uniform or log-uniform over [low, high] in the parameter's own units.

    pyabc samples ``pyabc_name``: the parameter itself (uniform) or its base-10 logarithm (log-uniform),
    so the proposal kernel works on the scale the prior is flat on."""

    name: str
    kind: str
    low: float
    high: float
    integer: bool = False
    targets: tuple = ()  # the targets that bear on it (documentation; the calibrated defaults cite them)
    source: str = ""  # "bounds": where low and high come from

    @property
    def log(self) -> bool:
        return self.kind == "log-uniform"

    @property
    def pyabc_name(self) -> str:
        return f"log10_{self.name}" if self.log else self.name

    @property
    def internal_bounds(self) -> tuple:
        return (math.log10(self.low), math.log10(self.high)) if self.log else (self.low, self.high)

    def natural(self, x):
        """The parameter's value from pyabc's (scalar or array)."""
        v = np.power(10.0, x) if self.log else np.asarray(x, dtype=float)
        return np.round(v) if self.integer else v

    @property
    def centre(self):
        """The prior's centre in the parameter's own units (geometric for a log-uniform prior)."""
        return self.value(sum(self.internal_bounds) / 2)

    def value(self, x):
        v = float(self.natural(x))
        return int(v) if self.integer else v

    def density(self, v):
        """The prior density in the parameter's own units (for the report)."""
        v = np.asarray(v, dtype=float)
        inside = (v >= self.low) & (v <= self.high)
        if self.log:
            with np.errstate(divide="ignore", invalid="ignore"):
                d = 1.0 / (v * math.log(self.high / self.low))
        else:
            d = np.full(v.shape, 1.0 / (self.high - self.low))
        return np.where(inside, d, 0.0)


@dataclass(frozen=True)
class CalibrationSpec:
    name: str
    description: str
    seed: int
    targets: tuple  # Target, fitted (in the distance)
    check_targets: tuple  # Target, computed and reported only
    counties: dict  # name -> {"params": full keyword set but fitted ones, "weeks": int}
    replications: int
    activation_week: int
    priors: tuple  # Prior
    population: tuple  # particles per generation (last one repeats)
    generations: int
    epsilon: object  # "quantile" or a tuple of floats
    quantile: float
    initial_epsilon: float
    min_epsilon: float
    min_acceptance_rate: float
    predictive: int
    noise: int = 0  # runs at the prior's centre measuring each fitted statistic's seed noise (0: none)
    held_out: tuple = ()  # target ids left out of the fit to be predicted (``hold_out``): checked, not fitted
    source: dict = field(default_factory=dict, compare=False)
    county_sources: dict = field(default_factory=dict, compare=False)  # county descriptions

    def population_size(self, t: int) -> int:
        return self.population[min(t, len(self.population) - 1)]

    @property
    def all_targets(self) -> tuple:
        return self.targets + self.check_targets

    def to_dict(self) -> dict:
        return json.loads(json.dumps(self.source, default=str))

    def resolved(self, observed=None) -> dict:
        """What the calibration fits, fully resolved (the fingerprint covers it: change a target's value in
        experiments/targets.toml and an old results folder is no longer this calibration)."""
        return {"spec": self.to_dict(),
                "targets": {t.id: target_dict(t) for t in self.all_targets},
                "fitted": [t.id for t in self.targets],
                "observed": observed_values(self, observed),
                "counties": {c: {"weeks": d["weeks"], "params": d["params"]} for c, d in self.counties.items()},
                "priors": [prior_dict(p) for p in self.priors]} | (
                    {"held_out": list(self.held_out)} if self.held_out else {})

    def fingerprint(self, observed=None) -> str:
        """What must match to resume into a folder. The stopping rules (generations, min_epsilon,
        min_acceptance_rate) and the predictive runs are left out: raising ``generations`` goes on from the
        last generation of the same calibration."""
        resolved = self.resolved(observed)
        spec = copy.deepcopy(resolved["spec"])
        spec.pop("predictive", None)
        for key in STOPPING:
            spec.get("abc", {}).pop(key, None)
        text = json.dumps({**resolved, "spec": spec}, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def hold_out(spec: CalibrationSpec, names) -> CalibrationSpec:
    """The spec fitted without some targets (ids or families: "C13", "C11c"), which it still computes so the report
    can set its prior and posterior predictions against the published value: the model's out-of-sample test.
    Named ``<name>_without_<names>``; ``SpecError`` names a target that is unknown or not fitted."""
    if not names:
        return spec
    fitted = {t.id: t for t in spec.targets}
    ids = []
    for name in names:
        try:
            ids += [t for t in select_targets([name], fitted) if t not in ids]
        except KeyError:
            known = {t.id for t in spec.all_targets}
            why = "is checked, not fitted, by this spec" if name in known or any(
                k[:-1] == name for k in known) else "is not a target of this spec"
            raise SpecError(f"--hold-out {name}: {why}; fitted: {sorted(fitted)}") from None
    kept = tuple(t for t in spec.targets if t.id not in ids)
    if not kept:
        raise SpecError(f"--hold-out {', '.join(names)}: nothing would be left to fit")
    return replace(spec, name=f"{spec.name}_without_{'_'.join(names)}", targets=kept,
                   check_targets=spec.check_targets + tuple(fitted[t] for t in ids), held_out=tuple(ids))


def target_dict(t: Target) -> dict:
    return {"pattern": t.pattern, "statistic": t.statistic, "counties": list(t.counties),
            "window": t.window if isinstance(t.window, str) else list(t.window), "value": t.value, "low": t.low,
            "high": t.high, "source": t.source}


def prior_dict(p: Prior) -> dict:
    return {"name": p.name, "prior": p.kind, "min": p.low, "max": p.high, "integer": p.integer,
            "targets": list(p.targets), "bounds": p.source}


def observed_values(spec: CalibrationSpec, observed=None) -> dict:
    """The values the fitted targets are compared with: the published ones, or ``observed`` (synthetic
    targets, e.g. for a parameter-recovery test)."""
    values = {t.id: t.value for t in spec.targets}
    for k, v in (observed or {}).items():
        if k not in values:
            raise SpecError(f"observed: {k!r} is not a fitted target ({sorted(values)})")
        values[k] = float(v)
    return values


# --- the declaration: every key a calibration spec may hold -----------------------------------------------------
PRIOR = Table({
    "prior": Key(Choice(PRIORS), "uniform", "flat in the parameter (uniform) or in its logarithm (log-uniform)"),
    "min": Key(Number(), None, "the prior's low end (default: the parameter table's sweep range)"),
    "max": Key(Number(), None, "the prior's high end"),
    "bounds": Key(Choice(("model",)), None, "\"model\": the parameter table's sweep range"),
    "targets": Key(Strings("target ids"), [], "the targets that bear on it (cited by the calibrated defaults)"),
})
ABC = Table({
    "population": Key(ANY, 100, "particles per generation: a number, or a list (the last one repeats)"),
    "generations": Key(Int(minimum=1), 3, "generations to run (may be raised to go on)"),
    "epsilon": Key(ANY, "quantile", "\"quantile\" or a list of thresholds, one per generation"),
    "quantile": Key(Number(above=0, below=1), 0.5, "epsilon: this quantile of the last generation's distances"),
    "initial_epsilon": Key(ANY, "inf", "the first generation's threshold (\"inf\": a prior sample)"),
    "min_epsilon": Key(Number(), 0.0, "stop when epsilon reaches this"),
    "min_acceptance_rate": Key(Number(minimum=0, below=1), 0.0, "stop when the acceptance rate falls below this"),
})
SPEC = Table({
    "name": Key(PlainName(), REQUIRED, "the calibration's name (results/<name>)",
                missing=f"required; {PlainName.allowed}, got None"),
    "description": Key(PROSE, "", "what the calibration fits"),
    "seed": Key(Int(minimum=0), 0, "the root seed"),
    "targets": Key(ANY, REQUIRED, "\"all\" or a list of target ids (experiments/targets.toml) to fit",
                   missing="required: \"all\" or a list of target ids from experiments/targets.toml"),
    "check_targets": Key(ANY, None, "targets computed and reported, not fitted (\"all\": every role = \"check\" "
                         "target not fitted; default: \"all\" when targets = \"all\", else none)"),
    "replications": Key(Int(minimum=1), 1, "runs per county per particle"),
    "activation_week": Key(Int(minimum=1), DEFAULTS["activation_week"], "the week the program starts in every county"),
    "steps": Key(Int(minimum=1), None, "weeks per run (default: as many as the targets need)"),
    "counties": Key(ANY, {}, "[counties.<type>]: each county type's size (and model parameters)"),
    "fixed": Key(ANY, {}, "model parameters fixed for every county (or preset = \"<name>\")"),
    "parameters": Key(ANY, REQUIRED, "the parameters to fit, each with its prior",
                      missing="required: a table of the parameters to fit and their priors"),
    "abc": Key(ABC, {}, "the ABC-SMC schedule"),
    "predictive": Key(Int(minimum=0), 0, "fresh runs at posterior draws after the last generation"),
    "noise": Key(Int(minimum=0), 0, "runs at the prior's centre that measure each fitted statistic's seed noise, "
                 "before the first generation (0: the distance ignores the noise); at least 2"),
})


def _param_name(name, key, where):
    from model.parameters import PARAMETER_TABLE

    if name not in PARAMETER_TABLE:
        fail(key, "unknown model parameter" + suggestion(name, PARAMETER_TABLE), where)
    return PARAMETER_TABLE[name]


def _model_value(name, value, key, fitted_names, where):
    """A model parameter's value fixed by the spec (not a fitted one, not the activation week)."""
    p = _param_name(name, key, where)
    if name in fitted_names:
        fail(key, "also fitted under [parameters]; keep it in one place", where)
    if name == "activation_week":
        fail(key, "give it at the top level (activation_week = ...)", where)
    try:
        return p.check(value)
    except ValueError as e:
        fail(key, str(e), where)


def _prior(name, raw, where) -> Prior:
    key = f"parameters.{name}"
    p = _param_name(name, key, where)
    if not isinstance(raw, dict):
        fail(key, "must be a table, e.g. { prior = \"uniform\", min = 0.1, max = 0.9 } or { bounds = \"model\" }",
             where)
    values = PRIOR.read(raw, key + ".", where)
    if p.constraint.categorical:  # choices, switches, schedules
        fail(key, f"a {type(p.constraint).__name__.lower()} parameter cannot be fitted (not numeric)", where)
    kind = values["prior"]
    if "bounds" in raw and ("min" in raw or "max" in raw):
        fail(f"{key}.bounds", "give either bounds = \"model\" or min and max, not both", where)
    if "min" in raw or "max" in raw:
        for end in ("min", "max"):
            if end not in raw:
                fail(f"{key}.{end}", "missing (give min and max, or neither for the parameter table's sweep range)",
                     where)
        low, high = values["min"], values["max"]
        source = "spec"
    else:
        if p.sweep is None:
            fail(key, "the parameter table gives no sweep range for this parameter; give min and max", where)
        low, high = float(p.sweep[0]), float(p.sweep[1])
        source = "parameter table sweep range"
    if not low < high:
        fail(key, f"bad prior: min ({low}) must be less than max ({high})", where)
    if kind == "log-uniform" and low <= 0:
        fail(f"{key}.min", f"a log-uniform prior needs min > 0, got {low}", where)
    integer = type(p.default) is int
    for end, v in (("min", low), ("max", high)):
        try:
            p.check(int(round(v)) if integer else v)
        except ValueError as e:
            fail(f"{key}.{end}", f"bad prior: {e}", where)
    return Prior(name, kind, low, high, integer, tuple(values["targets"]), source)


def _target_list(raw, key, all_targets, where, role="fit") -> list:
    if raw == "all":  # every target of this role (targets.toml's role = "fit" or "check")
        return [t for t, v in all_targets.items() if v.role == role]
    if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
        fail(key, f"must be \"all\" or a list of target ids, got {raw!r}", where)
    out = []
    for i, name in enumerate(raw):
        try:
            out += [t for t in select_targets([name], all_targets) if t not in out]
        except KeyError:
            hint = suggestion(name, all_targets) or f"; known: {sorted(all_targets)}"
            fail(f"{key}[{i}]", f"unknown target {name!r}{hint}", where)
    return out


def _targets(values, where, targets_file) -> tuple:
    """(fitted targets, checked targets, county types) from the targets file."""
    try:
        all_targets, county_types = load_targets(*(() if targets_file is None else (Path(targets_file),)))
    except TargetsError as e:
        raise SpecError(f"{where}targets file: {e}") from None
    fitted = _target_list(values["targets"], "targets", all_targets, where)
    if not fitted:
        fail("targets", "no target to fit", where)
    raw_checks = values["check_targets"]
    if raw_checks is None:
        raw_checks = "all" if values["targets"] == "all" else []
    checked = _target_list(raw_checks, "check_targets", all_targets, where, "check")
    if raw_checks == "all":  # the checks a spec fits explicitly stay fitted
        checked = [t for t in checked if t not in fitted]
    both = [t for t in checked if t in fitted]
    if both:
        fail("check_targets", f"{both} are fitted already (a target is fitted or checked, not both)", where)
    targets = tuple(all_targets[t] for t in fitted)
    check_targets = tuple(all_targets[t] for t in checked)
    if values["activation_week"] < 2 and any(t.window == "before" for t in targets + check_targets):
        fail("activation_week", "targets measured before activation need activation_week >= 2", where)
    return targets, check_targets, all_targets, county_types


def _fixed(values, fitted_names, county_types, where) -> tuple:
    """The fixed model parameters, and the preset's levers (activation week aside)."""
    from model.parameters import PRESETS

    fixed_raw = values["fixed"]
    if not isinstance(fixed_raw, dict):
        fail("fixed", "must be a table", where)
    composition = {k for c in county_types.values() for k in c.params} | set(COMPOSITION)
    fixed = {}
    for k, v in fixed_raw.items():
        if k == PRESET_KEY:
            if v not in PRESETS:
                fail(f"fixed.{k}", f"must be one of {tuple(PRESETS)}, got {v!r}", where)
            continue
        if k in composition or k == "n_residents":
            _param_name(k, f"fixed.{k}", where)
            fail(f"fixed.{k}", "set by the county; give it under [counties.<name>]", where)
        fixed[k] = _model_value(k, v, f"fixed.{k}", fitted_names, where)
    preset = dict(PRESETS[fixed_raw[PRESET_KEY]]) if PRESET_KEY in fixed_raw else {}
    preset.pop("activation_week", None)
    return fixed, preset


def _counties(values, targets, priors, fixed, preset, county_types, where) -> dict:
    """Each county type the targets need: its full parameters but the fitted ones, and its weeks."""
    from model.parameters import validate_parameters

    from .targets import weeks_needed

    activation, steps = values["activation_week"], values["steps"]
    need = weeks_needed(targets, activation)
    if steps is not None:
        short = [t.id for t in targets if t.last_week(activation) > steps]
        if short:
            fail("steps", f"{steps} weeks are too few for {short} (they need "
                 f"{max(t.last_week(activation) for t in targets)} with activation week {activation})", where)
    counties_raw = values["counties"]
    if not isinstance(counties_raw, dict):
        fail("counties", "must be a table of county types", where)
    for c in counties_raw:
        if c not in county_types:
            fail(f"counties.{c}", f"unknown county type (experiments/targets.toml defines {sorted(county_types)})",
                 where)
        if c not in need:
            fail(f"counties.{c}", f"no target of this calibration is measured here (used: {sorted(need)})", where)
    fitted_names = {p.name for p in priors}
    counties = {}
    for c in sorted(need):
        table = counties_raw.get(c)
        if not isinstance(table, dict) or "n_residents" not in table:
            fail(f"counties.{c}.n_residents", f"required: the size of the {c} county (targets "
                 f"{[t.id for t in targets if c in t.counties]} are measured there)", where)
        params = {**preset, **county_types[c].params, **fixed}
        for k, v in table.items():
            params[k] = _model_value(k, v, f"counties.{c}.{k}", fitted_names, where)
        params["activation_week"] = activation
        for corner in ("min", "max", "mid"):  # every particle must be a valid parameter set
            corners = {p.name: p.value(np.mean(p.internal_bounds) if corner == "mid" else
                                       p.internal_bounds[0 if corner == "min" else 1]) for p in priors}
            try:
                validate_parameters({**params, **corners})
            except ValueError as e:
                fail(f"counties.{c}", f"with the fitted parameters at their prior {corner} {corners}: {e}", where)
        counties[c] = {"params": params, "weeks": steps if steps is not None else need[c]}
    return counties


def _abc(values, where) -> dict:
    """The ABC-SMC schedule (its keys' types are checked by ``ABC``)."""
    abc = values["abc"]
    generations = abc["generations"]
    pop = abc["population"]
    pop = [pop] if not isinstance(pop, list) else pop
    if not pop:
        fail("abc.population", "an empty list", where)
    population = tuple(Int(minimum=2)(v, f"abc.population[{i}]", where) for i, v in enumerate(pop))
    if len(population) > generations:
        fail("abc.population", f"{len(population)} sizes for {generations} generations", where)
    epsilon = abc["epsilon"]
    if isinstance(epsilon, list):
        epsilon = tuple(Number(above=0)(v, f"abc.epsilon[{i}]", where) for i, v in enumerate(epsilon))
        if len(epsilon) != generations:
            fail("abc.epsilon", f"a schedule of {len(epsilon)} values for {generations} generations", where)
    elif epsilon != "quantile":
        fail("abc.epsilon", f"must be \"quantile\" or a list of thresholds (one per generation), got {epsilon!r}",
             where)
    initial = abc["initial_epsilon"]
    initial = math.inf if initial == "inf" else Number(above=0)(initial, "abc.initial_epsilon", where)
    return {"population": population, "generations": generations, "epsilon": epsilon, "quantile": abc["quantile"],
            "initial_epsilon": initial, "min_epsilon": abc["min_epsilon"],
            "min_acceptance_rate": abc["min_acceptance_rate"]}


def check_calibration_size(values: dict, abc: dict, targets, limits: Limits, where: str = "") -> None:
    """The calibration's size, computed from the spec before any model is built, held against ``limits``
    (the sweep's): weeks per run, particles per generation, model runs over every generation, predictive runs."""
    from .targets import weeks_needed

    need = weeks_needed(targets, values["activation_week"])
    counties = len(need) or 1
    weeks = values["steps"] if values["steps"] is not None else max(need.values(), default=0)
    key = "steps" if values["steps"] is not None else "activation_week"
    check_limit("steps", weeks, key, f"{weeks:,} weeks per run", limits, where)
    pop, generations, reps = abc["population"], abc["generations"], values["replications"]
    check_limit("points", max(pop), "abc.population", f"{max(pop):,} particles in a generation", limits, where)
    particles = sum(pop[min(t, len(pop) - 1)] for t in range(min(generations, len(pop)))) \
        + pop[-1] * max(generations - len(pop), 0)
    runs = particles * reps * counties
    factors = {"abc.generations": generations, "abc.population": max(pop), "replications": reps}
    check_limit("runs", runs, max(factors, key=factors.get),
                f"{generations:,} generations x up to {max(pop):,} particles x {reps:,} replications x {counties} "
                f"count{'y' if counties == 1 else 'ies'} = {runs:,} runs", limits, where)
    predictive = values["predictive"] * reps * counties
    check_limit("runs", predictive, "predictive", f"{values['predictive']:,} draws x {reps:,} replications x "
                f"{counties} count{'y' if counties == 1 else 'ies'} = {predictive:,} predictive runs", limits, where)


def parse_calibration_spec(raw: dict, where: str = "", targets_file=None, *,
                           limits: Limits = DEFAULT_LIMITS) -> CalibrationSpec:
    """Validate a calibration spec given as a dict (the parsed TOML); nothing runs. ``limits``: what size is
    refused (the sweep's limits)."""
    if not isinstance(raw, dict):
        raise SpecError(f"{where}a calibration spec must be a table")
    values = SPEC.read(raw, "", where)
    targets, check_targets, all_targets, county_types = _targets(values, where, targets_file)
    abc = _abc(values, where)
    check_calibration_size(values, abc, targets + check_targets, limits, where)
    params_raw = values["parameters"]
    if not isinstance(params_raw, dict) or not params_raw:
        fail("parameters", "required: a table of the parameters to fit and their priors", where)
    priors = tuple(_prior(n, v, where) for n, v in params_raw.items())
    if values["noise"] == 1:
        fail("noise", "one run cannot measure a standard deviation: give 0 (no noise term) or at least 2", where)
    for p in priors:
        for i, t in enumerate(p.targets):
            if t not in all_targets and not any(k[:-1] == t for k in all_targets):
                fail(f"parameters.{p.name}.targets[{i}]", f"unknown target {t!r}", where)
    fixed, preset = _fixed(values, {p.name for p in priors}, county_types, where)
    counties = _counties(values, targets + check_targets, priors, fixed, preset, county_types, where)
    return CalibrationSpec(values["name"], values["description"], values["seed"], targets, check_targets, counties,
                           values["replications"], values["activation_week"], priors, abc["population"],
                           abc["generations"], abc["epsilon"], abc["quantile"], abc["initial_epsilon"],
                           abc["min_epsilon"], abc["min_acceptance_rate"], values["predictive"], values["noise"],
                           source=raw,
                           county_sources={c: county_types[c].description for c in counties})


def load_calibration_spec(path, limits: Limits = DEFAULT_LIMITS) -> CalibrationSpec:
    """Read and validate a calibration spec file."""
    path = Path(path)
    raw = read_toml(path)
    if "targets" not in raw and ({"design", "outputs", "steps", "model"} & set(raw)):
        raise SpecError(f"{path}: a sweep spec, not a calibration: run it with `python -m experiments run`")
    return parse_calibration_spec(raw, f"{path}: ", limits=limits)

