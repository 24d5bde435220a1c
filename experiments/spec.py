"""Reading and validating a sweep spec (TOML) before any run.

A spec names its model (a name from the registry, never code), what is fixed, what varies
(lists or ranges), the design that samples the varied parameters, replications and a root
seed, and what each run keeps. A spec is data: reading one imports nothing and runs nothing.
Every problem is reported as a ``SpecError`` naming the key (``parameters.fear_sensitivity.min``).

Before anything is built, the design's size, the runs and the rows they would store are
computed and held against ``Limits`` (raised with ``--max-points`` and friends). Then every
parameter set the design produces is checked with the model's own validation.
"""

import difflib
import hashlib
import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .registry import DEFAULT_MODEL, ModelEntry, get_model, plain_name, registered, unregistered

METHODS = ("factorial", "lhs", "sobol", "morris", "posterior")
DESIGN_COLUMNS = ("point_id", "sample_row")  # bookkeeping columns of the design, not parameters
PRESET_KEY = "preset"  # a pseudo-parameter: the named preset's policy levers (model.scenario)

TOP_KEYS = {"name", "description", "replications", "seed", "common_random_numbers", "steps", "collect_every",
            "outputs", "event_log", "model", "fixed", "parameters", "design", "analysis"}
DESIGN_KEYS = {"method", "samples", "second_order", "levels", "seed",
               "posterior", "sha256", "columns"}  # posterior: experiments/posterior_design.py
RANGE_KEYS = {"min", "max", "num", "step", "bounds"}
ANALYSIS_KEYS = {"outputs", "statistic", "ci", "heatmap", "hue", "baseline", "effects"}
STATISTICS = ("final", "mean")


class SpecError(ValueError):
    """A spec that cannot be run; the message names the key."""


@dataclass(frozen=True)
class Limits:
    """How big a sweep may be before it is refused (each can be raised: ``--max-points`` etc.).

    points: parameter points of the design; runs: points x replications; steps: weeks per run;
    rows: collected rows the runs would store (runs x rows per run).
    """

    points: float = 100_000
    runs: float = 1_000_000
    steps: float = 10_000
    rows: float = 20_000_000


DEFAULT_LIMITS = Limits()
UNLIMITED = Limits(math.inf, math.inf, math.inf, math.inf)
FLAGS = {"points": "--max-points", "runs": "--max-runs", "steps": "--max-steps", "rows": "--max-rows"}


def _over(what: str, value, limits: Limits) -> str | None:
    limit = getattr(limits, what)
    if value <= limit:
        return None
    return f"above the limit of {limit:,.0f} {what} (raise it with {FLAGS[what]} or Limits({what}=...))"


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

    def size(self) -> float:
        """How many values ``grid()`` gives, computed without building it (inf if absurdly many)."""
        if self.values is not None:
            return len(self.values)
        if self.num is not None:
            return self.num
        if self.step is None:
            return math.inf  # a sampled range: no grid
        q = (self.high - self.low) / self.step
        if not math.isfinite(q) or q > 1e15:
            return math.inf
        n = int(round(q)) + 1
        if self.low + (n - 1) * self.step > self.high + 1e-12:
            n -= 1
        return n

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
    posterior: str | None = None  # method "posterior": the sample file, resolved (experiments/posterior_design.py)
    sha256: str | None = None  # ... and its checksum


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
    model: str  # a registered model's name
    fixed: dict
    factors: tuple  # of Factor, in spec order
    design: Design
    analysis: dict = field(default_factory=dict)
    common_random_numbers: bool = False  # every point's replicate r gets the same seed
    source: dict = field(default_factory=dict, compare=False)  # the TOML as read
    entry: ModelEntry | None = field(default=None, compare=False, repr=False)  # the registered model
    n_points: int = 0  # the design's points (known before it is built)

    @property
    def n_runs(self) -> int:
        return self.n_points * self.replications

    @property
    def rows_per_run(self) -> int:
        return rows_per_run(self.steps, self.collect_every)

    def to_dict(self) -> dict:
        """A JSON-ready copy of the spec as written. Key order is kept: it is the order of the design's
        columns, which SALib's analysis relies on."""
        return json.loads(json.dumps(self.source, default=str))

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:16]


def rows_per_run(steps: int, collect_every: int) -> int:
    """Collected rows a run keeps: weeks 0, k, 2k, ... and the last week."""
    return steps // collect_every + 1 + (1 if steps % collect_every else 0)


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


def _check_name(name, key, entry: ModelEntry, where):
    known = entry.parameters
    if name == PRESET_KEY:
        if entry.presets is None:
            _fail(key, f"model {entry.name!r} has no presets", where)
        return
    if known is not None and name not in known:
        close = difflib.get_close_matches(name, sorted(known), n=1)
        _fail(key, "unknown model parameter" + (f" (did you mean {close[0]!r}?)" if close else ""), where)


def _check_value(name, value, key, entry: ModelEntry, where):
    """Check one parameter value on its own (defaults for the rest)."""
    if name == PRESET_KEY:
        if value not in entry.presets:
            _fail(key, f"must be one of {tuple(entry.presets)}, got {value!r}", where)
        return value
    try:
        checked = entry.check({name: value})
    except ValueError as e:
        _fail(key, str(e), where)
    return checked.get(name, value) if isinstance(checked, dict) else value


def _categorical(p) -> bool:
    """Named choices or true/false: no ranges."""
    return p.constraint.categorical


def _integer(p) -> bool:
    return p.constraint.integer


def _factor(name, raw, entry: ModelEntry, where) -> Factor:
    key = f"parameters.{name}"
    _check_name(name, key, entry, where)
    if isinstance(raw, list):
        if not raw:
            _fail(key, "an empty list of values", where)
        values = tuple(_check_value(name, v, f"{key}[{i}]", entry, where) for i, v in enumerate(raw))
        if len(set(map(repr, values))) != len(values):
            _fail(key, f"repeated values in {list(raw)}", where)
        return Factor(name, values=values)
    if not isinstance(raw, dict):
        _fail(key, "must be a list of values or a range table {min, max[, num | step]}; "
              "put single values in [fixed]", where)
    _check_keys(raw, RANGE_KEYS, key + ".", where)
    p = (entry.table or {}).get(name)
    if name == PRESET_KEY or (p is not None and _categorical(p)):
        _fail(key, "a range needs a numeric parameter; give a list of values", where)
    if "bounds" in raw:
        if raw["bounds"] != "model":
            _fail(key + ".bounds", f"the only choice is \"model\", got {raw['bounds']!r}", where)
        if "min" in raw or "max" in raw:
            _fail(key + ".bounds", "give either bounds = \"model\" or min and max, not both", where)
        if p is None or p.sweep is None:
            _fail(key + ".bounds", f"this parameter has no sweep bounds in model {entry.name!r}", where)
        low, high = p.sweep
    else:
        for end in ("min", "max"):
            if end not in raw:
                _fail(f"{key}.{end}", "missing (a range needs min and max, or bounds = \"model\")", where)
            v = raw[end]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                _fail(f"{key}.{end}", f"must be a finite number, got {v!r}", where)
        low, high = raw["min"], raw["max"]
    if not low < high:
        _fail(key, f"bad range: min ({low}) must be less than max ({high})", where)
    for end, v in (("min", low), ("max", high)):
        _check_value(name, v, f"{key}.{end}", entry, where)
    if "num" in raw and "step" in raw:
        _fail(key, "give num or step, not both", where)
    num = _int(raw["num"], f"{key}.num", where, minimum=2) if "num" in raw else None
    step = raw.get("step")
    if step is not None and (isinstance(step, bool) or not isinstance(step, (int, float)) or not math.isfinite(step)
                             or step <= 0):
        _fail(f"{key}.step", f"must be a positive number, got {step!r}", where)
    integer = p is not None and _integer(p)
    return Factor(name, low=low, high=high, num=num, step=step, integer=integer)


def _model_entry(raw: dict, where: str, entry: ModelEntry | None) -> tuple:
    if "factory" in raw:
        _fail("factory", "a spec cannot name code to import; choose a registered model by name with "
              f"model = \"...\" (registered: {list(registered())}). Register others from Python "
              "(experiments.register_model) or with --model NAME=package.module:attribute", where)
    name = raw.get("model", DEFAULT_MODEL)
    if not plain_name(name):
        _fail("model", f"must be the plain name of a registered model, got {name!r}", where)
    if entry is None:
        entry = get_model(name)
        if entry is None:
            _fail("model", f"{name!r} is not a registered model (registered: {list(registered())}); register it "
                  f"from Python with experiments.register_model({name!r}, ...) or on the command line with "
                  f"--model {name}=package.module:attribute", where)
    return name, entry


def _outputs(raw, entry: ModelEntry, where) -> tuple:
    reporters = entry.reporters
    outputs = raw.get("outputs", "all")
    if outputs == "all":
        if reporters is None:
            _fail("outputs", f"model {entry.name!r} has no REPORTERS; list the outputs to keep", where)
        return tuple(reporters)
    if isinstance(outputs, list) and outputs and all(isinstance(o, str) for o in outputs):
        for i, o in enumerate(outputs):
            if reporters is not None and o not in reporters:
                close = difflib.get_close_matches(o, reporters, n=1)
                _fail(f"outputs[{i}]", f"unknown model reporter {o!r}"
                      + (f" (did you mean {close[0]!r}?)" if close else ""), where)
        if len(set(outputs)) != len(outputs):
            _fail("outputs", "repeated names", where)
        return tuple(outputs)
    _fail("outputs", f"must be \"all\" or a non-empty list of reporter names, got {outputs!r}", where)


def _design(raw, factors, where) -> Design:
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
        if not ranges and method != "posterior":  # a posterior design draws from its file
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
    return Design(method, samples, second_order, levels, dseed)


def design_points(factors, design: Design) -> tuple:
    """How many points the design has, computed without building it; and the key that sets it."""
    lists = [f for f in factors if not f.is_range or design.method == "factorial"]
    combos = math.prod(f.size() for f in lists) if lists else 1
    if design.method == "factorial":
        return combos, "parameters"
    d = sum(1 for f in factors if f.is_range)
    per_sample = {"lhs": 1, "sobol": (2 * d + 2) if design.second_order else (d + 2), "morris": d + 1,
                  "posterior": 1}
    return design.samples * per_sample[design.method] * combos, "design.samples"


def _check_size(factors, design, replications, steps, collect_every, limits, where) -> int:
    points, key = design_points(factors, design)
    problem = _over("points", points, limits)
    if problem:
        sizes = ", ".join(f"{f.name}: {f.size():,}" for f in factors
                          if not f.is_range or design.method == "factorial")
        shown = "an unbounded number of" if math.isinf(points) else f"{points:,}"
        _fail(key, f"the {design.method} design has {shown} points ({sizes or 'no lists'}), {problem}", where)
    runs = points * replications
    problem = _over("runs", runs, limits)
    if problem:
        _fail("replications", f"{points:,} points x {replications:,} replications = {runs:,} runs, {problem}", where)
    rows = runs * rows_per_run(steps, collect_every)
    problem = _over("rows", rows, limits)
    if problem:
        _fail("steps", f"{runs:,} runs x {rows_per_run(steps, collect_every):,} collected weeks = {rows:,} rows "
              f"to store, {problem}; or keep fewer weeks (collect_every)", where)
    return int(points)


def _check_grids(factors, design, where) -> None:
    """A factorial range must give distinct values (an integer parameter's range can repeat them)."""
    if design.method != "factorial":
        return
    for f in factors:
        if f.is_range:
            g = f.grid()
            if len(set(g)) != len(g):
                how = f"num = {f.num}" if f.num is not None else f"step = {f.step}"
                kind = "an integer parameter: " if f.integer else ""
                _fail(f"parameters.{f.name}", f"{kind}{how} over [{f.low}, {f.high}] gives repeated values "
                      f"{list(g)}; use fewer values, a whole-number step or a list", where)


def _analysis(raw, outputs, factors, crn, where) -> dict:
    analysis = raw.get("analysis", {})
    if not isinstance(analysis, dict):
        _fail("analysis", "must be a table", where)
    _check_keys(analysis, ANALYSIS_KEYS, "analysis.", where)
    chosen = analysis.get("outputs", [])
    if not isinstance(chosen, list) or not all(isinstance(o, str) for o in chosen):
        _fail("analysis.outputs", f"must be a list of output names, e.g. [\"removals_cumulative\"], got {chosen!r}",
              where)
    for i, o in enumerate(chosen):
        if o not in outputs:
            _fail(f"analysis.outputs[{i}]", f"{o!r} is not among the kept outputs", where)
    statistic = analysis.get("statistic", "final")
    if not isinstance(statistic, str) or statistic not in STATISTICS:
        _fail("analysis.statistic", f"must be one of {STATISTICS}, got {statistic!r}", where)
    ci = analysis.get("ci", 0.95)
    if isinstance(ci, bool) or not isinstance(ci, float) or not 0 < ci < 1:
        _fail("analysis.ci", f"must be a level in (0, 1), e.g. 0.95, got {ci!r}", where)
    names = [f.name for f in factors]
    heat = analysis.get("heatmap")
    if heat is not None:
        if not (isinstance(heat, list) and len(heat) == 2 and all(isinstance(h, str) and h in names for h in heat)):
            _fail("analysis.heatmap", f"must name two varied parameters from {names}, got {heat!r}", where)
    hue = analysis.get("hue")
    if hue is not None and (not isinstance(hue, str) or hue not in names):
        _fail("analysis.hue", f"must name a varied parameter from {names}, got {hue!r}", where)
    effects = analysis.get("effects", [])
    if not isinstance(effects, list) or not all(isinstance(o, str) for o in effects):
        _fail("analysis.effects", f"must be a list of output names, got {effects!r}", where)
    for i, o in enumerate(effects):
        if o not in outputs:
            _fail(f"analysis.effects[{i}]", f"{o!r} is not among the kept outputs", where)
    baseline = analysis.get("baseline")
    if baseline is not None:
        presets = next((f.values for f in factors if f.name == PRESET_KEY), ()) or ()
        if baseline not in presets:
            _fail("analysis.baseline", f"must be one of the spec's presets {list(presets)}, got {baseline!r}", where)
        if not crn:
            _fail("analysis.baseline", "pairs runs by replicate: set common_random_numbers = true", where)
    return dict(analysis)


def parse_spec(raw: dict, where: str = "", *, limits: Limits = DEFAULT_LIMITS, entry: ModelEntry | None = None,
               check_points: bool = True, base_dir=None) -> Spec:
    """Validate a spec given as a dict (the parsed TOML). ``where`` prefixes messages (a file name).

    limits: what size is refused. entry: use this model entry instead of the registry's (reading a
    results folder). check_points: build the design and check every point with the model (off only
    for reading a finished sweep's spec back, which uses the stored points). base_dir: where a relative
    ``design.posterior`` path starts (``load_spec``: the spec file's folder).
    """
    if not isinstance(raw, dict):
        raise SpecError(f"{where}a spec must be a table")
    _check_keys(raw, TOP_KEYS | {"factory"}, "", where)
    name = raw.get("name")
    if not plain_name(name):
        _fail("name", f"required; a plain name (a letter, then letters, digits, '_' or '-', at most 64), "
              f"got {name!r}", where)
    model_name, entry = _model_entry(raw, where, entry)
    description = raw.get("description", "")
    if not isinstance(description, str):
        _fail("description", "must be a string", where)
    replications = _int(raw.get("replications", 1), "replications", where, minimum=1)
    seed = _int(raw.get("seed", 0), "seed", where, minimum=0)
    steps = _int(raw.get("steps", 156), "steps", where, minimum=1)
    problem = _over("steps", steps, limits)
    if problem:
        _fail("steps", f"{steps:,} weeks per run, {problem}", where)
    collect_every = _int(raw.get("collect_every", 1), "collect_every", where, minimum=1)
    if collect_every > steps:
        _fail("collect_every", f"must be <= steps ({steps}), got {collect_every}", where)
    event_log = raw.get("event_log", False)
    if not isinstance(event_log, bool):
        _fail("event_log", f"must be true or false, got {event_log!r}", where)
    crn = raw.get("common_random_numbers", False)
    if not isinstance(crn, bool):
        _fail("common_random_numbers", f"must be true or false, got {crn!r}", where)
    outputs = _outputs(raw, entry, where)

    fixed_raw = raw.get("fixed", {})
    if not isinstance(fixed_raw, dict):
        _fail("fixed", "must be a table", where)
    fixed = {}
    for k, v in fixed_raw.items():
        _check_name(k, f"fixed.{k}", entry, where)
        if isinstance(v, (list, dict)):
            _fail(f"fixed.{k}", "a fixed value must be a single value; vary it under [parameters]", where)
        fixed[k] = _check_value(k, v, f"fixed.{k}", entry, where)

    params_raw = raw.get("parameters", {})
    if not isinstance(params_raw, dict):
        _fail("parameters", "must be a table", where)
    factors = []
    for k, v in params_raw.items():
        if k in fixed:
            _fail(f"parameters.{k}", "also given in [fixed]; keep it in one place", where)
        factors.append(_factor(k, v, entry, where))
    factors = tuple(factors)
    design = _design(raw, factors, where)
    n_points = _check_size(factors, design, replications, steps, collect_every, limits, where)
    if design.method == "posterior":  # the file's columns become the sampled parameters
        from .posterior_design import resolve

        raw, factors, design = resolve(raw, factors, design, entry, where, base_dir, read=check_points)
    _check_grids(factors, design, where)
    analysis = _analysis(raw, outputs, factors, crn, where)

    spec = Spec(name, description, replications, seed, steps, collect_every, outputs, event_log, model_name,
                fixed, factors, design, analysis, crn, source=raw, entry=entry, n_points=n_points)
    if not check_points:
        return spec
    from .design import build_design  # every point the design gives must be a valid parameter set

    points = build_design(spec)
    if len(points) != n_points:  # the size the limits were checked on must be the size built
        raise RuntimeError(f"design size: expected {n_points} points, built {len(points)}")
    names = [f.name for f in factors]
    for pid, params in enumerate(run_parameters(spec, points)):
        try:
            entry.check(params)
        except ValueError as e:
            shown = {k: params[k] for k in names if k in params}
            raise SpecError(f"{where}design point {pid} {shown}: {e}") from None
    return spec


def spec_of_results(manifest: dict) -> Spec:
    """The spec a results folder recorded, read back as data: the model is looked up in the registry
    and, if this process does not know it, stood in for (nothing is imported, nothing rebuilt)."""
    raw = manifest.get("spec")
    name = raw.get("model", DEFAULT_MODEL) if isinstance(raw, dict) else None
    entry = get_model(name) if plain_name(name) else None
    if entry is None and plain_name(name):
        entry = unregistered(name, manifest.get("outputs"))
    if entry is not None and entry.renamed and isinstance(raw, dict):
        raw = renamed_outputs(raw, entry.renamed)
    return parse_spec(raw, "manifest.json: ", limits=UNLIMITED, entry=entry, check_points=False)


def renamed_outputs(raw: dict, renamed: dict) -> dict:
    """A recorded spec with older reporter names (``outputs``, ``analysis.outputs``, ``analysis.effects``)
    read as today's (``model.reporters.RENAMED``)."""
    def names(value):
        return [renamed.get(v, v) for v in value] if isinstance(value, list) else value

    out = {**raw, "outputs": names(raw.get("outputs"))} if "outputs" in raw else dict(raw)
    if isinstance(raw.get("analysis"), dict):
        out["analysis"] = {k: names(v) if k in ("outputs", "effects") else v for k, v in raw["analysis"].items()}
    return out


def run_parameters(spec: Spec, points) -> list:
    """The keyword arguments of each point: preset < fixed < varied (later ones win)."""
    presets = (spec.entry.presets if spec.entry is not None else None) or {}
    out = []
    for row in points.to_dict("records"):
        row = {k: v.item() if hasattr(v, "item") else v for k, v in row.items() if k not in DESIGN_COLUMNS}
        params = {**spec.fixed, **row}
        preset = params.pop(PRESET_KEY, None)
        out.append({**(presets[preset] if preset else {}), **params})
    return out


def read_toml(path: Path) -> dict:
    """A spec file's TOML, or a one-line ``SpecError`` naming the file (missing, a folder, not text,
    not TOML). Sweep, calibration and panel specs are all read through it."""
    try:
        return tomllib.loads(Path(path).read_text())
    except FileNotFoundError:
        raise SpecError(f"{path}: no such spec file") from None
    except IsADirectoryError:
        raise SpecError(f"{path}: a folder, not a spec file") from None
    except UnicodeDecodeError as e:
        raise SpecError(f"{path}: not a text file ({e.reason})") from None
    except tomllib.TOMLDecodeError as e:
        raise SpecError(f"{path}: not valid TOML: {e}") from None


def load_spec(path, limits: Limits = DEFAULT_LIMITS) -> Spec:
    """Read and validate a TOML spec file."""
    path = Path(path)
    where = f"{path}: "
    raw = read_toml(path)
    if "targets" in raw and "abc" in raw:  # a calibration spec (experiments/calibrate.py)
        raise SpecError(f"{where}a calibration spec, not a sweep: run it with `python -m experiments calibrate`")
    return parse_spec(raw, where, limits=limits, base_dir=path.parent)
