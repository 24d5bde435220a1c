"""Calibration: fit the uncertain parameters to the published patterns (C1-C12) by ABC-SMC (pyabc).

    from experiments.calibrate import calibrate
    calibrate("experiments/specs/calibration_smoke.toml", out="results/calibration_smoke", workers=2)

or ``python -m experiments calibrate SPEC --out DIR [--workers N] [--scheduler tcp://HOST:PORT]``.

A calibration spec (TOML, checked before any run: ``SpecError`` names the key) lists the parameters
to fit with their priors, the targets to fit (ids of ``experiments/targets.toml``) and those only
to check, each county's size, the activation week, replications per particle, the ABC-SMC schedule
and a root seed. Each particle runs every county its targets need, as long as their windows need,
and computes the targets' statistics (``experiments.statistics``). The distance is the root mean
square of each fitted target's miss in units of its tolerance (``Target.z``).

The results folder holds pyabc's history as SQLite (``history.db``: every generation, readable while
the calibration runs), the manifest and lock of the sweep store, ``posterior.csv`` (the last
generation, natural units, with weights), ``predictive.parquet`` (fresh runs at posterior draws)
and ``calibration.json`` (per-generation bookkeeping). Running the same command again resumes from
the last finished generation.

Seeds: evaluation ``i`` of generation ``t`` seeds numpy's global generator (which pyabc draws
proposals from) and the model runs with the SeedSequence child ``(t + 1, i)`` of the spec's seed,
and a generation keeps the first ``n`` accepted particles in evaluation order, whatever finished
first. So the posterior is the same with 1 or N workers, on processes or Dask (``SeededSampler``).
"""

import argparse
import copy
import difflib
import hashlib
import json
import math
import os
import random
import sys
import time
import tomllib
import traceback
import uuid
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .registry import plain_name
from .runner import DaskExecutor, ProcessExecutor, SerialExecutor, run_seed
from .spec import PRESET_KEY, SpecError, _fail, _int, read_toml
from .spec import _check_keys as _keys
from .statistics import COMPOSITION, Run, Target, TargetsError, compute, load_targets, select_targets
from .store import Store, StoreError, StoreMismatch, git_commit, package_versions, write_json, write_parquet

TOP_KEYS = {"name", "description", "seed", "targets", "check_targets", "replications", "activation_week", "steps",
            "counties", "fixed", "parameters", "abc", "predictive"}
PRIOR_KEYS = {"prior", "min", "max", "bounds", "targets"}
ABC_KEYS = {"population", "generations", "epsilon", "quantile", "initial_epsilon", "min_epsilon",
            "min_acceptance_rate"}
PRIORS = ("uniform", "log-uniform")
STOPPING = ("generations", "min_epsilon", "min_acceptance_rate")  # abc keys that may change between sessions
NAN_Z = 10.0  # a statistic a run could not measure counts as this many tolerances away
HISTORY = "history.db"
STATE = "calibration.json"
POSTERIOR = "posterior.csv"
PREDICTIVE = "predictive.parquet"
KIND = "calibration"


class CalibrationError(RuntimeError):
    """A calibration that cannot go on (an evaluation failed, the history is damaged); the message says why."""


# --- the spec ------------------------------------------------------------------------------------------------
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
                "priors": [prior_dict(p) for p in self.priors]}

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


def _number(value, key, where):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        _fail(key, f"must be a finite number, got {value!r}", where)
    return float(value)


def _param_name(name, key, where):
    from model.parameters import PARAMETER_TABLE

    if name not in PARAMETER_TABLE:
        close = difflib.get_close_matches(name, sorted(PARAMETER_TABLE), n=1)
        _fail(key, "unknown model parameter" + (f" (did you mean {close[0]!r}?)" if close else ""), where)
    return PARAMETER_TABLE[name]


def _prior(name, raw, where) -> Prior:
    key = f"parameters.{name}"
    p = _param_name(name, key, where)
    if not isinstance(raw, dict):
        _fail(key, "must be a table, e.g. { prior = \"uniform\", min = 0.1, max = 0.9 } or { bounds = \"model\" }",
              where)
    _keys(raw, PRIOR_KEYS, key + ".", where)
    if p.constraint.categorical:  # choices, switches, schedules
        _fail(key, f"a {type(p.constraint).__name__.lower()} parameter cannot be fitted (not numeric)", where)
    kind = raw.get("prior", "uniform")
    if kind not in PRIORS:
        _fail(f"{key}.prior", f"must be one of {PRIORS}, got {kind!r}", where)
    if "bounds" in raw and ("min" in raw or "max" in raw):
        _fail(f"{key}.bounds", "give either bounds = \"model\" or min and max, not both", where)
    if "min" in raw or "max" in raw:
        for end in ("min", "max"):
            if end not in raw:
                _fail(f"{key}.{end}", "missing (give min and max, or neither for the parameter table's sweep range)",
                      where)
        low, high = _number(raw["min"], f"{key}.min", where), _number(raw["max"], f"{key}.max", where)
        source = "spec"
    else:
        if raw.get("bounds", "model") != "model":
            _fail(f"{key}.bounds", f"the only choice is \"model\", got {raw['bounds']!r}", where)
        if p.sweep is None:
            _fail(key, "the parameter table gives no sweep range for this parameter; give min and max", where)
        low, high = float(p.sweep[0]), float(p.sweep[1])
        source = "parameter table sweep range"
    if not low < high:
        _fail(key, f"bad prior: min ({low}) must be less than max ({high})", where)
    if kind == "log-uniform" and low <= 0:
        _fail(f"{key}.min", f"a log-uniform prior needs min > 0, got {low}", where)
    integer = type(p.default) is int
    for end, v in (("min", low), ("max", high)):
        try:
            p.check(int(round(v)) if integer else v)
        except ValueError as e:
            _fail(f"{key}.{end}", f"bad prior: {e}", where)
    targets = raw.get("targets", [])
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
        _fail(f"{key}.targets", f"must be a list of target ids, got {targets!r}", where)
    return Prior(name, kind, low, high, integer, tuple(targets), source)


def _target_list(raw, key, all_targets, where) -> list:
    if raw == "all":
        return list(all_targets)
    if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
        _fail(key, f"must be \"all\" or a list of target ids, got {raw!r}", where)
    out = []
    for i, name in enumerate(raw):
        try:
            out += [t for t in select_targets([name], all_targets) if t not in out]
        except KeyError:
            close = difflib.get_close_matches(name, sorted(all_targets), n=1)
            _fail(f"{key}[{i}]", f"unknown target {name!r}" + (f" (did you mean {close[0]!r}?)" if close else
                                                                f"; known: {sorted(all_targets)}"), where)
    return out


def parse_calibration_spec(raw: dict, where: str = "", targets_file=None) -> CalibrationSpec:
    """Validate a calibration spec given as a dict (the parsed TOML); nothing runs."""
    from model.parameters import PRESETS, validate_parameters

    if not isinstance(raw, dict):
        raise SpecError(f"{where}a calibration spec must be a table")
    _keys(raw, TOP_KEYS, "", where)
    name = raw.get("name")
    if not plain_name(name):
        _fail("name", f"required; a plain name (a letter, then letters, digits, '_' or '-'), got {name!r}", where)
    description = raw.get("description", "")
    if not isinstance(description, str):
        _fail("description", "must be a string", where)
    seed = _int(raw.get("seed", 0), "seed", where, minimum=0)
    replications = _int(raw.get("replications", 1), "replications", where, minimum=1)
    activation = _int(raw.get("activation_week", 52), "activation_week", where, minimum=1)
    try:
        all_targets, county_types = load_targets(*(() if targets_file is None else (Path(targets_file),)))
    except TargetsError as e:
        raise SpecError(f"{where}targets file: {e}") from None
    if "targets" not in raw:
        _fail("targets", "required: \"all\" or a list of target ids from experiments/targets.toml", where)
    fitted = _target_list(raw["targets"], "targets", all_targets, where)
    if not fitted:
        _fail("targets", "no target to fit", where)
    checked = _target_list(raw.get("check_targets", []), "check_targets", all_targets, where)
    both = [t for t in checked if t in fitted]
    if both:
        _fail("check_targets", f"{both} are fitted already (a target is fitted or checked, not both)", where)
    targets = tuple(all_targets[t] for t in fitted)
    check_targets = tuple(all_targets[t] for t in checked)
    if activation < 2 and any(t.window == "before" for t in targets + check_targets):
        _fail("activation_week", "targets measured before activation need activation_week >= 2", where)

    params_raw = raw.get("parameters", {})
    if not isinstance(params_raw, dict) or not params_raw:
        _fail("parameters", "required: a table of the parameters to fit and their priors", where)
    priors = tuple(_prior(n, v, where) for n, v in params_raw.items())
    for p in priors:
        for i, t in enumerate(p.targets):
            if t not in all_targets and not any(k[:-1] == t for k in all_targets):
                _fail(f"parameters.{p.name}.targets[{i}]", f"unknown target {t!r}", where)
    fitted_names = {p.name for p in priors}

    fixed_raw = raw.get("fixed", {})
    if not isinstance(fixed_raw, dict):
        _fail("fixed", "must be a table", where)
    composition = {k for c in county_types.values() for k in c.params} | set(COMPOSITION)
    fixed = {}
    for k, v in fixed_raw.items():
        if k == PRESET_KEY:
            if v not in PRESETS:
                _fail(f"fixed.{k}", f"must be one of {tuple(PRESETS)}, got {v!r}", where)
            continue
        p = _param_name(k, f"fixed.{k}", where)
        if k in fitted_names:
            _fail(f"fixed.{k}", "also fitted under [parameters]; keep it in one place", where)
        if k in composition or k == "n_residents":
            _fail(f"fixed.{k}", "set by the county; give it under [counties.<name>]", where)
        if k == "activation_week":
            _fail(f"fixed.{k}", "give it at the top level (activation_week = ...)", where)
        try:
            fixed[k] = p.check(v)
        except ValueError as e:
            _fail(f"fixed.{k}", str(e), where)
    preset = dict(PRESETS[fixed_raw[PRESET_KEY]]) if PRESET_KEY in fixed_raw else {}
    preset.pop("activation_week", None)

    from .statistics import weeks_needed

    need = weeks_needed(targets + check_targets, activation)
    steps = raw.get("steps")
    if steps is not None:
        steps = _int(steps, "steps", where, minimum=1)
        short = [t.id for t in targets + check_targets if t.last_week(activation) > steps]
        if short:
            _fail("steps", f"{steps} weeks are too few for {short} (they need "
                  f"{max(t.last_week(activation) for t in targets + check_targets)} with activation week "
                  f"{activation})", where)
    counties_raw = raw.get("counties", {})
    if not isinstance(counties_raw, dict):
        _fail("counties", "must be a table of county types", where)
    for c in counties_raw:
        if c not in county_types:
            _fail(f"counties.{c}", f"unknown county type (experiments/targets.toml defines {sorted(county_types)})",
                  where)
        if c not in need:
            _fail(f"counties.{c}", f"no target of this calibration is measured here (used: {sorted(need)})", where)
    counties = {}
    for c in sorted(need):
        table = counties_raw.get(c)
        if not isinstance(table, dict) or "n_residents" not in table:
            _fail(f"counties.{c}.n_residents", f"required: the size of the {c} county (targets "
                  f"{[t.id for t in targets + check_targets if c in t.counties]} are measured there)", where)
        params = {**preset, **county_types[c].params, **fixed}
        for k, v in table.items():
            p = _param_name(k, f"counties.{c}.{k}", where)
            if k in fitted_names:
                _fail(f"counties.{c}.{k}", "also fitted under [parameters]", where)
            if k == "activation_week":
                _fail(f"counties.{c}.{k}", "give it at the top level (activation_week = ...)", where)
            try:
                params[k] = p.check(v)
            except ValueError as e:
                _fail(f"counties.{c}.{k}", str(e), where)
        params["activation_week"] = activation
        for corner in ("min", "max", "mid"):  # every particle must be a valid parameter set
            values = {p.name: p.value(np.mean(p.internal_bounds) if corner == "mid" else
                                      p.internal_bounds[0 if corner == "min" else 1]) for p in priors}
            try:
                validate_parameters({**params, **values})
            except ValueError as e:
                _fail(f"counties.{c}", f"with the fitted parameters at their prior {corner} {values}: {e}", where)
        counties[c] = {"params": params, "weeks": steps if steps is not None else need[c]}

    abc_raw = raw.get("abc", {})
    if not isinstance(abc_raw, dict):
        _fail("abc", "must be a table", where)
    _keys(abc_raw, ABC_KEYS, "abc.", where)
    generations = _int(abc_raw.get("generations", 3), "abc.generations", where, minimum=1)
    pop = abc_raw.get("population", 100)
    pop = [pop] if not isinstance(pop, list) else pop
    if not pop:
        _fail("abc.population", "an empty list", where)
    population = tuple(_int(v, f"abc.population[{i}]", where, minimum=2) for i, v in enumerate(pop))
    if len(population) > generations:
        _fail("abc.population", f"{len(population)} sizes for {generations} generations", where)
    epsilon = abc_raw.get("epsilon", "quantile")
    if isinstance(epsilon, list):
        epsilon = tuple(_number(v, f"abc.epsilon[{i}]", where) for i, v in enumerate(epsilon))
        if len(epsilon) != generations:
            _fail("abc.epsilon", f"a schedule of {len(epsilon)} values for {generations} generations", where)
        if any(e <= 0 for e in epsilon):
            _fail("abc.epsilon", "values must be > 0", where)
    elif epsilon != "quantile":
        _fail("abc.epsilon", f"must be \"quantile\" or a list of thresholds (one per generation), got {epsilon!r}",
              where)
    quantile = _number(abc_raw.get("quantile", 0.5), "abc.quantile", where)
    if not 0 < quantile < 1:
        _fail("abc.quantile", f"must be in (0, 1), got {quantile}", where)
    initial = abc_raw.get("initial_epsilon", "inf")
    initial = math.inf if initial == "inf" else _number(initial, "abc.initial_epsilon", where)
    if initial <= 0:
        _fail("abc.initial_epsilon", f"must be > 0 or \"inf\", got {initial}", where)
    min_epsilon = _number(abc_raw.get("min_epsilon", 0.0), "abc.min_epsilon", where)
    min_rate = _number(abc_raw.get("min_acceptance_rate", 0.0), "abc.min_acceptance_rate", where)
    if not 0 <= min_rate < 1:
        _fail("abc.min_acceptance_rate", f"must be in [0, 1), got {min_rate}", where)
    predictive = _int(raw.get("predictive", 0), "predictive", where, minimum=0)
    return CalibrationSpec(name, description, seed, targets, check_targets, counties, replications, activation,
                           priors, population, generations, epsilon, quantile, initial, min_epsilon, min_rate,
                           predictive, source=raw,
                           county_sources={c: county_types[c].description for c in counties})


def load_calibration_spec(path) -> CalibrationSpec:
    """Read and validate a calibration spec file."""
    path = Path(path)
    raw = read_toml(path)
    if "targets" not in raw and ({"design", "outputs", "steps", "model"} & set(raw)):
        raise SpecError(f"{path}: a sweep spec, not a calibration: run it with `python -m experiments run`")
    return parse_calibration_spec(raw, f"{path}: ")


# --- one particle ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Simulator:
    """What one particle runs: every county its targets need (``replications`` times each), then the
    targets' statistics. Called by pyabc with the particle's parameters; draws its seed from numpy's
    global generator, which the sampler seeds per evaluation."""

    counties: tuple  # (name, params, weeks)
    targets: tuple  # Target: fitted and checked
    priors: tuple
    replications: int = 1

    @classmethod
    def of(cls, spec: CalibrationSpec) -> "Simulator":
        return cls(tuple((c, d["params"], d["weeks"]) for c, d in spec.counties.items()), spec.all_targets,
                   spec.priors, spec.replications)

    def parameters(self, particle) -> dict:
        """The model parameters of a pyabc particle (natural units, integers rounded)."""
        return {p.name: p.value(particle[p.pyabc_name]) for p in self.priors}

    def run(self, params: dict, seed: int) -> dict:
        """Every county, then the statistics: {target id: value}."""
        from model import SecureCommunitiesModel

        seeds = np.random.SeedSequence(seed).spawn(len(self.counties) * self.replications)
        runs, k = {}, 0
        for name, county, weeks in self.counties:
            for _ in range(self.replications):
                model = SecureCommunitiesModel(rng=int(seeds[k].generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)),
                                               **{**county, **params})
                k += 1
                for _ in range(weeks):
                    model.step()
                runs.setdefault(name, []).append(Run.from_model(model, name))
                del model
        return compute(self.targets, runs)

    def __call__(self, particle) -> dict:
        seed = int(np.random.randint(0, 2**62, dtype=np.int64))
        return self.run(self.parameters(particle), seed)


def simulate_point(task) -> dict:
    """A posterior-predictive run (in a worker): ``task.payload`` is (simulator, params)."""
    record = _record(task)
    t0 = time.perf_counter()
    stats = None
    try:
        simulator, params = task.payload
        stats = simulator.run(params, task.seed)
    except Exception as e:  # noqa: BLE001 - reported by the driver
        record.update(status="failed", error=f"{type(e).__name__}: {e}", traceback=traceback.format_exc())
    record["wall_time"] = time.perf_counter() - t0
    return {"record": record, "stats": stats}


# --- distance and epsilon -------------------------------------------------------------------------------------
def _pyabc():
    import pyabc

    return pyabc


def rms_distance(x: dict, x0: dict, targets) -> float:
    """Root mean square of the targets' misses in tolerances (NaN counts as NAN_Z)."""
    z = [t.z(x.get(t.id, math.nan), x0[t.id]) for t in targets]
    z = np.array([NAN_Z if not np.isfinite(v) else v for v in z])
    return float(np.sqrt(np.mean(z ** 2)))


def _pyabc_classes():
    pyabc = _pyabc()

    class TargetDistance(pyabc.Distance):
        """Each fitted target's miss in units of its tolerance, on the side it falls; their root mean square."""

        def __init__(self, targets):
            super().__init__()
            self.targets = tuple(targets)

        def __call__(self, x, x_0, t=None, par=None):
            return rms_distance(x, x_0, self.targets)

        def get_config(self):
            return {"name": "TargetDistance", "rms_of": [tt.id for tt in self.targets], "nan_z": NAN_Z}

    class ResumableQuantileEpsilon(pyabc.QuantileEpsilon):
        """pyabc's QuantileEpsilon, except that on resume (first generation t > 0) it takes the quantile of
        the last stored generation, as an uninterrupted run would have, instead of the initial value."""

        def initialize(self, t, get_weighted_distances, get_all_records, max_nr_populations, acceptor_config):
            if t > 0:
                self._update(t, get_weighted_distances())
            else:
                self._look_up = {t: self._initial_epsilon}

    class SeededABCSMC(pyabc.ABCSMC):
        """pyabc's ABCSMC whose per-generation simulate_one is a plain object (``SimulateOne``) that the
        executors send to their workers like any task, instead of a closure that needs cloudpickle."""

        def _create_simulate_function(self, t: int):
            return SimulateOne(uuid.uuid4().hex, {
                "t": t, "model_probabilities": self.history.get_model_probabilities(t - 1),
                "model_perturbation_kernel": self.model_perturbation_kernel, "transitions": self.transitions,
                "model_prior": self.model_prior, "parameter_priors": self.parameter_priors, "models": self.models,
                "summary_statistics": self.summary_statistics, "x_0": self.x_0,
                "distance_function": self.distance_function, "eps": self.eps, "acceptor": self.acceptor})

    return {"TargetDistance": TargetDistance, "ResumableQuantileEpsilon": ResumableQuantileEpsilon,
            "SeededABCSMC": SeededABCSMC}


class SimulateOne:
    """pyabc's simulate_one of one generation (propose, simulate, measure, accept), as a plain object: what
    ``pyabc.inference_util.create_simulate_function`` takes, built into pyabc's function on first call in
    each process (and cached by the generation's token)."""

    def __init__(self, token: str, arguments: dict):
        self.token = token
        self.arguments = arguments

    def __call__(self):
        fn = _BUILT.get(self.token)
        if fn is None:
            from pyabc.inference_util import create_simulate_function

            _BUILT.clear()
            fn = _BUILT[self.token] = create_simulate_function(**self.arguments)
        return fn()


_BUILT = {}  # this process's simulate_one of the current generation, by token


def __getattr__(name):  # the pyabc subclasses, built when pyabc is first needed
    if name in ("TargetDistance", "ResumableQuantileEpsilon", "SeededABCSMC"):
        classes = _pyabc_classes()
        for k, v in classes.items():
            v.__module__, v.__qualname__ = __name__, k
            globals()[k] = v
        return classes[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# --- the sampler ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class EvalTask:
    """One evaluation sent to a worker (the executors of ``experiments.runner`` take it like a sweep run)."""

    run_id: str
    point_id: int  # the evaluation's index in its generation
    seed: int
    payload: object  # the generation's SimulateOne, or (simulator, params)
    replicate: int = 0


def _record(task) -> dict:
    return {"run_id": task.run_id, "point_id": task.point_id, "replicate": 0, "seed": task.seed, "status": "ok",
            "error": None, "traceback": None, "pid": os.getpid(), "worker_deaths": 0}


def seed_globals(seed: int) -> None:
    """Seed numpy's and Python's global generators (pyabc draws proposals from numpy's)."""
    np.random.seed([seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF])
    random.seed(seed)


def evaluate(task: EvalTask) -> dict:
    """Run pyabc's simulate_one once with the evaluation's own seed (in a worker)."""
    record = _record(task)
    t0, c0 = time.perf_counter(), time.process_time()
    particle = None
    try:
        seed_globals(task.seed)
        particle = task.payload()
    except Exception as e:  # noqa: BLE001 - the driver stops the calibration with this message
        record.update(status="failed", error=f"{type(e).__name__}: {e}", traceback=traceback.format_exc())
    record["wall_time"] = time.perf_counter() - t0
    record["cpu_time"] = time.process_time() - c0
    return {"record": record, "particle": particle}


def _sampler_class():
    pyabc = _pyabc()

    class SeededSampler(pyabc.sampler.Sampler):
        """A pyabc sampler whose result does not depend on the workers.

        Evaluation ``i`` of generation ``t`` is seeded with the SeedSequence child ``(t + 1, i)`` of the
        root seed (numpy's global generator, which pyabc's proposals and the simulator draw from). The
        evaluations go to an executor of ``experiments.runner`` (serial, local processes or Dask), and the
        generation keeps particles ``0 .. k - 1``, where ``k`` is the first index at which ``n`` of them
        are accepted, whatever order they finished in (like pyabc's DaskDistributedSampler, which keeps
        the first ``n`` accepted by submission order, but seeded). Evaluations still running when the
        generation is complete are discarded (counted in ``discarded``).
        """

        def __init__(self, seed: int, executor, quiet: bool = True, generations: int | None = None,
                     on_generation=None):
            super().__init__()
            self.seed = seed
            self.executor = executor
            self.quiet = quiet
            self.generations = generations
            self.on_generation = on_generation  # called with (t, bookkeeping) after each generation's sample
            self.log = {}  # t -> bookkeeping of the generation

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                    ana_vars=None):
            from tqdm.auto import tqdm

            payload = simulate_one  # a SimulateOne: the executors send it to their workers with each task
            state = {"next": 0, "stop": False}

            def tasks():
                while not state["stop"] and state["next"] < max_eval:
                    i = state["next"]
                    state["next"] += 1
                    yield EvalTask(f"t{t}-e{i}", i, run_seed(self.seed, t + 1, i), payload)

            eps = ana_vars.eps(t) if ana_vars is not None else math.nan
            label = f"generation {t + 1}" + (f"/{self.generations}" if self.generations else "")
            bar = tqdm(total=n, desc=label, unit="accepted", disable=self.quiet, dynamic_ncols=True, leave=True)
            t0 = time.perf_counter()
            results, prefix, accepted, done, received, accepted_seen, cpu = {}, 0, 0, None, 0, 0, 0.0
            try:
                for res in self.executor.map(tasks(), fn=evaluate):
                    rec = res["record"]
                    if rec["status"] != "ok":
                        raise CalibrationError(f"generation {t + 1}, evaluation {rec['point_id']} failed: "
                                               f"{rec['error']}\n{rec.get('traceback') or ''}")
                    received += 1
                    cpu += rec.get("cpu_time", math.nan)
                    results[rec["point_id"]] = res["particle"]
                    if res["particle"].accepted and accepted_seen < n:
                        accepted_seen += 1
                        bar.update(1)
                    while done is None and prefix in results:
                        accepted += bool(results[prefix].accepted)
                        prefix += 1
                        if accepted >= n:
                            done = prefix
                            state["stop"] = True
                    if done is None and prefix >= max_eval:
                        state["stop"] = True
                    elapsed = time.perf_counter() - t0
                    bar.set_postfix_str(f"eps {eps:.3g}, acceptance {accepted_seen / received:.2f}, "
                                        f"{received / elapsed:.2f} particles/s", refresh=False)
            finally:
                bar.close()
            k = done if done is not None else prefix
            sample = self._create_empty_sample()
            for i in range(k):
                sample.append(results[i])
            if done is None:
                sample.ok = False
            self.nr_evaluations_ = k
            wall = time.perf_counter() - t0
            self.log[t] = {"generation": t + 1, "epsilon": float(eps), "particles": int(n), "evaluations": int(k),
                           "discarded": int(received - k), "acceptance_rate": n / k if k else math.nan,
                           "wall_time": wall, "particles_per_second": received / wall if wall > 0 else math.nan,
                           "cpu_seconds_per_evaluation": cpu / received if received else math.nan}
            if self.on_generation is not None:
                self.on_generation(t, self.log[t])
            return sample

        def stop(self):
            pass

    return SeededSampler


def make_sampler(seed, executor, quiet=True, generations=None, on_generation=None):
    """A ``SeededSampler`` (a pyabc Sampler) on an executor of ``experiments.runner``."""
    return _sampler_class()(seed, executor, quiet, generations, on_generation)


# --- running ------------------------------------------------------------------------------------------------
@dataclass
class CalibrationResult:
    out: Path
    generations: int  # finished generations in the history
    ran: int  # generations run this session
    resumed_at: int  # the generation this session started with (1-based); 1 for a new calibration
    stopped: str  # why it stopped
    epsilon: float  # of the last generation
    evaluations: int  # model evaluations this session (kept ones)
    wall_time: float
    executor: str

    def __str__(self):
        if self.ran == 0 and self.resumed_at > self.generations:
            return f"{self.out}: already finished ({self.generations} generation(s), last epsilon {self.epsilon:.4g})"
        start = f"resumed at generation {self.resumed_at}, " if self.resumed_at > 1 else ""
        return (f"{self.out}: {self.generations} generation(s) in the history ({start}{self.ran} run this session, "
                f"{self.evaluations} evaluations); last epsilon {self.epsilon:.4g}; {self.stopped}; executor "
                f"{self.executor}; {self.wall_time:.1f} s")


def _executor(workers, scheduler, max_retries=2):
    if scheduler:
        return DaskExecutor(scheduler)
    if workers >= 2:
        return ProcessExecutor(workers, max_retries)
    return SerialExecutor()


def _check_folder(out: Path, fingerprint: str):
    store = Store(out, parts=())
    existing = store.check_target()
    for name in (HISTORY, STATE, POSTERIOR, PREDICTIVE):
        if (out / name).is_symlink():
            raise StoreError(f"{out}/{name} is a symbolic link; refusing to write through it")
    if existing is not None:
        if existing.get("kind") != KIND:
            raise StoreMismatch(f"{out} holds a sweep, not a calibration; give another --out folder")
        if existing["fingerprint"] != fingerprint:
            raise StoreMismatch(f"{out} holds calibration {existing.get('name')!r} with a different spec or targets; "
                                "give another --out folder (or delete this one) to start afresh")
    return store


def _history_ok(db: Path) -> None:
    import sqlite3

    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            result = con.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            con.close()
    except sqlite3.DatabaseError as e:
        raise CalibrationError(f"{db} is damaged ({e}); move it away and run again to start afresh") from None
    if result != "ok":
        raise CalibrationError(f"{db} is damaged (SQLite quick_check: {result}); move it away and run again")


def _read_state(out: Path) -> dict:
    try:
        state = json.loads((out / STATE).read_text())
        return state if isinstance(state, dict) else {}
    except (OSError, ValueError):
        return {}


def build_abc(spec: CalibrationSpec, sampler):
    """The pyabc ABCSMC object of a spec (priors, simulator, distance, epsilon, population sizes)."""
    pyabc = _pyabc()
    module = sys.modules[__name__]
    prior = pyabc.Distribution(**{p.pyabc_name: pyabc.RV("uniform", p.internal_bounds[0],
                                                         p.internal_bounds[1] - p.internal_bounds[0])
                                  for p in spec.priors})
    if spec.epsilon == "quantile":
        eps = module.ResumableQuantileEpsilon(initial_epsilon=spec.initial_epsilon, alpha=spec.quantile)
    else:
        eps = pyabc.ListEpsilon(list(spec.epsilon))
    sizes = pyabc.populationstrategy.ListPopulationSize([spec.population_size(t) for t in range(spec.generations)])
    return module.SeededABCSMC(Simulator.of(spec), prior, module.TargetDistance(spec.targets), population_size=sizes,
                        sampler=sampler, eps=eps)


def calibrate(spec, out=None, workers=None, scheduler=None, quiet=False, observed=None,
              max_retries: int = 2, generations: int | None = None) -> CalibrationResult:
    """Run a calibration, or resume it from its history; then write the posterior and the predictive runs.

    spec: a path or a ``CalibrationSpec``. out: the folder (default ``results/<name>``). workers: local
    processes (default: the cores; 1 runs in this process). scheduler: ``tcp://HOST:PORT`` of a Dask
    cluster. observed: values to fit instead of the published ones (synthetic targets), by target id.
    generations: run up to this many generations instead of the spec's ``abc.generations`` (a finished
    calibration goes on from its last generation). Everything is checked before the folder is created;
    then it is locked (one driver per folder).
    """
    import logging

    from .execute import stop_on_sigterm
    from .runner import check_scheduler
    from .store import atomic_write

    t_start = time.perf_counter()
    spec = spec if isinstance(spec, CalibrationSpec) else load_calibration_spec(spec)
    if generations is not None:
        if isinstance(generations, bool) or not isinstance(generations, int) or generations < 1:
            raise SpecError(f"--generations must be a whole number >= 1, got {generations!r}")
        if isinstance(spec.epsilon, tuple) and generations > len(spec.epsilon):
            raise SpecError(f"--generations {generations}: abc.epsilon lists {len(spec.epsilon)} thresholds")
        spec = replace(spec, generations=generations)
    obs = observed_values(spec, observed)
    fingerprint = spec.fingerprint(observed)
    out = Path(out) if out is not None else Path("results") / spec.name
    workers = (os.cpu_count() or 1) if workers is None else workers
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a whole number >= 1, got {workers!r}")
    store = _check_folder(out, fingerprint)
    if scheduler:
        check_scheduler(scheduler)
    db = out / HISTORY
    if db.exists():
        _history_ok(db)
    pyabc = _pyabc()
    logging.getLogger("ABC").setLevel(logging.WARNING)
    meta = {"kind": KIND, **spec.resolved(observed), "git": git_commit(),
            "packages": {**package_versions(), "pyabc": pyabc.__version__}}
    executor = None
    sampler = None
    with stop_on_sigterm():
        store.open(spec.name, fingerprint, meta, {})
        try:
            if store.lock.stale:
                s = store.lock.stale
                print(f"{out}: took over the lock left by pid {s.get('pid')} on {s.get('host')}", file=sys.stderr)
            executor = _executor(workers, scheduler, max_retries)
            log = dict(_read_state(out).get("generations", {}))

            def progress(t, entry):  # calibration.json follows the calibration generation by generation
                if t >= 0:
                    log[str(t + 1)] = entry
                    write_json(out / STATE, {"finished": False, "stopped": None, "planned": spec.generations,
                                             "generations": log})

            sampler = make_sampler(spec.seed, executor, quiet, spec.generations, progress)
            abc = build_abc(spec, sampler)
            url = f"sqlite:///{db.resolve()}"
            history = None
            if db.exists():
                h = pyabc.History(url)
                if h.id is not None or h.all_runs():
                    history = abc.load(url, abc_id=h.id or h.all_runs()[-1].id)
            if history is None:
                history = abc.new(url, obs, meta_info={"calibration": spec.name, "fingerprint": fingerprint})
            np.random.seed(spec.seed % 2**32)  # pyabc's driver side draws nothing; pinned in case a version does
            done = history.max_t + 1
            resumed_at = done + 1
            stopped = _stopped(history, spec)
            ran = 0
            if stopped is None:
                if done and not quiet:
                    print(f"{out}: resuming at generation {done + 1} of {spec.generations} ({done} finished)",
                          file=sys.stderr)
                with warnings.catch_warnings():  # pyabc subtracts epsilons, inf - inf after a first generation at inf
                    warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
                    abc.run(minimum_epsilon=spec.min_epsilon, max_nr_populations=spec.generations - done,
                            min_acceptance_rate=spec.min_acceptance_rate)
                history = pyabc.History(url, _id=history.id)
                ran = history.max_t + 1 - done
                stopped = _stopped(history, spec) or ("stopped: the acceptance rate fell below min_acceptance_rate "
                                                      f"in generation {history.max_t + 2} (not kept)")
            n_done = history.max_t + 1
            log = {k: v for k, v in log.items() if int(k) <= n_done}  # a generation sampled but not stored
            posterior = posterior_sample(out, spec)
            atomic_write(out / POSTERIOR, lambda p: posterior.to_csv(p, index=False, float_format="%.10g"))
            if spec.predictive and _predictive_generation(out) != n_done:
                write_parquet(out / PREDICTIVE, run_predictive(spec, posterior, executor, quiet, n_done))
            write_json(out / STATE, {"finished": True, "stopped": stopped, "planned": spec.generations,
                                     "generations": log})
        finally:
            if executor is not None:
                executor.close()
            store.close()
    pops = pyabc.History(f"sqlite:///{db.resolve()}").get_all_populations()
    pops = pops[pops.t >= 0]
    evaluations = int(sum(v["evaluations"] for t, v in sampler.log.items() if t >= 0))
    return CalibrationResult(out, int(len(pops)), ran, resumed_at, stopped,
                             float(pops.epsilon.iloc[-1]) if len(pops) else math.nan, evaluations,
                             time.perf_counter() - t_start, executor.name)


def _stopped(history, spec) -> str | None:
    """Why a calibration has nothing left to run (None: it has)."""
    done = history.max_t + 1
    if done >= spec.generations:
        return f"stopped after {done} generations (the spec's limit)"
    if done:
        pops = history.get_all_populations()
        last = float(pops[pops.t >= 0].epsilon.iloc[-1])
        if last <= spec.min_epsilon:
            return f"stopped: epsilon {last:.4g} reached min_epsilon {spec.min_epsilon}"
    return None


def _predictive_generation(out) -> int | None:
    """The generation the predictive runs were drawn from (None: none yet)."""
    path = Path(out) / PREDICTIVE
    if not path.is_file():
        return None
    try:
        g = pd.read_parquet(path, columns=["generation"])["generation"]
        return int(g.iloc[0]) if len(g) else None
    except (OSError, ValueError, KeyError):
        return None


def run_predictive(spec: CalibrationSpec, posterior: pd.DataFrame, executor, quiet=True,
                   generation: int = 0) -> pd.DataFrame:
    """Fresh runs at ``spec.predictive`` draws from the posterior (by weight), each with its own seed:
    the posterior predictive distribution of every target's statistic."""
    from tqdm.auto import tqdm

    names = [p.name for p in spec.priors]
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(2**31,)))
    w = posterior["weight"].to_numpy(dtype=float)
    rows = rng.choice(len(posterior), size=spec.predictive, p=w / w.sum())
    simulator = Simulator.of(spec)
    tasks = []
    for i, row in enumerate(rows):
        params = {n: (int(v) if p.integer else float(v))
                  for n, p, v in zip(names, spec.priors, posterior.iloc[row][names], strict=True)}
        tasks.append(EvalTask(f"predictive-{i}", i, run_seed(spec.seed, 2**31, i), (simulator, params)))
    out = []
    bar = tqdm(total=len(tasks), desc="posterior predictive", unit="run", disable=quiet, dynamic_ncols=True)
    try:
        for res in executor.map(iter(tasks), fn=simulate_point):
            rec = res["record"]
            if rec["status"] != "ok":
                raise CalibrationError(f"posterior predictive run {rec['point_id']} failed: {rec['error']}")
            task = tasks[rec["point_id"]]
            out.append({"generation": generation, "draw": rec["point_id"], "particle": int(rows[rec["point_id"]]),
                        "seed": task.seed, **task.payload[1], **res["stats"]})
            bar.update(1)
    finally:
        bar.close()
    return pd.DataFrame(out).sort_values("draw").reset_index(drop=True)


# --- reading a calibration ------------------------------------------------------------------------------------
def read_manifest(out) -> dict:
    manifest = Store(out, parts=()).manifest()
    if manifest.get("kind") != KIND:
        raise StoreError(f"{out} is not a calibration folder")
    return manifest


def is_calibration(out) -> bool:
    try:
        return Store(out, parts=()).manifest().get("kind") == KIND
    except (FileNotFoundError, StoreError, OSError):
        return False


def priors_of(manifest: dict) -> list:
    return [Prior(p["name"], p["prior"], p["min"], p["max"], p["integer"], tuple(p["targets"]), p.get("bounds", ""))
            for p in manifest["priors"]]


def open_history(out):
    """pyabc's history of a calibration folder (read-only use)."""
    db = Path(out) / HISTORY
    if not db.is_file():
        raise FileNotFoundError(f"{out}: no {HISTORY} yet")
    return _pyabc().History(f"sqlite:///{db.resolve()}")


def posterior_sample(out, spec=None, t=None) -> pd.DataFrame:
    """A generation's particles in natural units with normalized weights (default: the last stored one)."""
    priors = list(spec.priors) if spec is not None else priors_of(read_manifest(out))
    history = open_history(out)
    t = history.max_t if t is None else t
    if t < 0:
        raise CalibrationError(f"{out}: no generation finished yet")
    df, w = history.get_distribution(m=0, t=t)
    post = pd.DataFrame({p.name: p.natural(df[p.pyabc_name].to_numpy()) for p in priors})
    for p in priors:
        if p.integer:
            post[p.name] = post[p.name].astype(np.int64)
    post["weight"] = np.asarray(w, dtype=float) / float(np.sum(w))
    return post.reset_index(drop=True)


def weighted_quantile(values, weights, q) -> float:
    """The smallest value whose cumulative weight reaches ``q`` (interpolated between neighbours)."""
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return float(np.interp(q, cum, v))


def posterior_summary(posterior: pd.DataFrame, priors) -> pd.DataFrame:
    """Per fitted parameter: weighted median and 90% interval, the prior's range, and how much of it is left."""
    rows = []
    for p in priors:
        v, w = posterior[p.name], posterior["weight"]
        lo, med, hi = (weighted_quantile(v, w, q) for q in (0.05, 0.5, 0.95))
        if p.log:
            left = (math.log10(hi) - math.log10(lo)) / math.log10(p.high / p.low) if lo > 0 else math.nan
        else:
            left = (hi - lo) / (p.high - p.low)
        rows.append({"parameter": p.name, "prior": f"{p.kind} [{p.low:g}, {p.high:g}]", "median": med,
                     "q05": lo, "q95": hi, "interval_share_of_prior": left})
    return pd.DataFrame(rows)


def calibration_status(out) -> dict:
    manifest = read_manifest(out)
    state = _read_state(Path(out))
    try:
        pops = open_history(out).get_all_populations()
        pops = pops[pops.t >= 0]
    except FileNotFoundError:
        pops = pd.DataFrame(columns=["t", "epsilon", "samples", "particles", "wall_time"])
    planned = state.get("planned") or manifest["spec"].get("abc", {}).get("generations", 3)
    return {"name": manifest["name"], "generations": int(planned),
            "done": len(pops), "finished": bool(state.get("finished")), "stopped": state.get("stopped"),
            "populations": pops, "created": manifest["created"], "sessions": len(manifest["sessions"]),
            "git": manifest.get("git") or {}}


def format_calibration_status(s: dict) -> str:
    lines = [f"calibration {s['name']}: {s['done']}/{s['generations']} generations"
             + (f", finished ({s['stopped']})" if s["finished"] else "") + f"; {s['sessions']} session(s); created "
             f"{s['created']}; commit {s['git'].get('commit')}"]
    for r in s["populations"].itertuples():
        rate = r.particles / r.samples if r.samples else math.nan
        lines.append(f"  generation {int(r.t) + 1}: epsilon {r.epsilon:.4g}, {int(r.particles)} particles from "
                     f"{int(r.samples)} evaluations (acceptance {rate:.2f}), {r.wall_time:.0f} s")
    if not s["finished"]:
        lines.append("  run the same `python -m experiments calibrate` again to go on (finished generations are kept)")
    return "\n".join(lines)


# --- calibrated defaults ------------------------------------------------------------------------------------
def posterior_medians(out) -> dict:
    """The weighted posterior median of each fitted parameter (integers rounded)."""
    priors = priors_of(read_manifest(out))
    post = posterior_sample(out)
    return {p.name: (int(round(weighted_quantile(post[p.name], post["weight"], 0.5))) if p.integer else
                     float(f"{weighted_quantile(post[p.name], post['weight'], 0.5):.4g}")) for p in priors}


def write_posterior_file(out, dest) -> Path:
    """The last generation as a small CSV (parameters in natural units, ``weight``), for ``design = "posterior"``."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    post = posterior_sample(out)
    post.to_csv(dest, index=False, float_format="%.6g")
    return dest


def calibrated_toml(entries: dict, spec_path: str) -> str:
    """The text of ``model/calibrated.toml`` for {name: {value, targets, interval, prior}}."""
    lines = ["# Calibrated defaults: the weighted posterior medians of a finished calibration, one table per fitted",
             "# parameter. Written by `python -m experiments.calibrate apply-defaults RESULTS` (never by hand, but",
             "# to undo one: delete its table and the default declared in model/parameters.py returns).",
             "# model/parameters.py reads this file at import; docs/ODD.md shows the result (`make docs`).", "",
             f"spec = {json.dumps(spec_path)}", ""]
    for name in sorted(entries):
        e = entries[name]
        lines += [f"[parameters.{name}]", f"value = {e['value']!r}",
                  "targets = [" + ", ".join(json.dumps(t) for t in e["targets"]) + "]",
                  f"interval = [{e['interval'][0]:.3g}, {e['interval'][1]:.3g}]",
                  f"prior = {json.dumps(e['prior'])}", ""]
    return "\n".join(lines).rstrip() + "\n"


def apply_calibrated_defaults(out, calibrated_file="model/calibrated.toml",
                              posterior_file="experiments/posteriors/calibration.csv",
                              spec_path="experiments/specs/calibration.toml") -> dict:
    """Make the posterior medians of a finished calibration the model's defaults.

    Writes ``calibrated_file`` (data: each fitted parameter's median, the targets it was fitted to, its
    90% interval and its prior), which ``model/parameters.py`` reads at import, and the posterior sample
    to ``posterior_file``. No Python source is edited. Returns {name: (old default, new default)}.
    Regenerate the ODD table afterwards (``make docs``).
    """
    from model.parameters import PARAMETER_TABLE

    manifest = read_manifest(out)
    if not _read_state(Path(out)).get("finished"):
        raise CalibrationError(f"{out}: the calibration has not finished; run it to the end first")
    priors = {p.name: p for p in priors_of(manifest)}
    medians = posterior_medians(out)
    post = posterior_sample(out)
    fitted_targets = manifest["fitted"]
    entries, changes = {}, {}
    for name, new in medians.items():
        p = priors[name]
        lo = weighted_quantile(post[name], post["weight"], 0.05)
        hi = weighted_quantile(post[name], post["weight"], 0.95)
        entries[name] = {"value": new, "targets": list(p.targets or fitted_targets), "interval": (lo, hi),
                         "prior": f"{p.kind} {p.low:g}-{p.high:g}"}
        changes[name] = (PARAMETER_TABLE[name].default, new)
    path = Path(calibrated_file)
    text = calibrated_toml(entries, spec_path)
    tomllib.loads(text)  # still TOML
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    write_posterior_file(out, posterior_file)
    return changes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments.calibrate",
                                     description="Calibration utilities (run a calibration with "
                                                 "`python -m experiments calibrate SPEC`).")
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("apply-defaults", help="make a finished calibration's posterior medians the model's defaults")
    d.add_argument("dir")
    d.add_argument("--calibrated", default="model/calibrated.toml", help="the data file the parameter table reads")
    d.add_argument("--posterior", default="experiments/posteriors/calibration.csv")
    d.add_argument("--spec", default="experiments/specs/calibration.toml", help="the spec the table cites")
    m = sub.add_parser("medians", help="print the posterior medians")
    m.add_argument("dir")
    args = parser.parse_args(argv)
    try:
        if args.command == "medians":
            print(json.dumps(posterior_medians(args.dir), indent=2))
            return 0
        changes = apply_calibrated_defaults(args.dir, args.calibrated, args.posterior, args.spec)
    except (CalibrationError, StoreError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for name, (old, new) in changes.items():
        print(f"{name}: {old!r} -> {new!r}")
    print(f"wrote {args.calibrated} and {args.posterior}; now run `make docs` to regenerate the ODD table")
    return 0


if __name__ == "__main__":
    sys.exit(main())
