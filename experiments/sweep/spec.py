"""Reading and validating a sweep spec (TOML) before any run.

A spec names its model (a name from the registry, never code), what is fixed, what varies
(lists or ranges), the design that samples the varied parameters, replications and a root
seed, and what each run keeps. A spec is data: reading one imports nothing and runs nothing.
Every problem is reported as a ``SpecError`` naming the key (``parameters.fear_sensitivity.min``).

Before anything is built, the design's size, the runs and the rows they would store are
computed and held against ``Limits`` (raised with ``--max-points`` and friends). Then every
parameter set the design produces is checked with the model's own validation.
"""

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..core.schema import (
    ANY,
    PRESET_KEY,
    PROSE,
    REQUIRED,
    Bool,
    Choice,
    Int,
    Key,
    Level,
    Number,
    PlainName,
    SpecError,
    Strings,
    Table,
    Text,
    fail,
    plain_name,
    read_toml,
    suggestion,
)
from .factors import Design, Factor
from .index_methods import INDEX_METHODS
from .limits import DEFAULT_LIMITS, UNLIMITED, Limits, check_size, over, rows_per_run
from .registry import DEFAULT_MODEL, ModelEntry, get_model, registered, unregistered

METHODS = ("factorial", "lhs", "sobol", "morris", "posterior")
STATISTICS = ("final", "mean")
DESIGN_COLUMNS = ("point_id", "sample_row")  # bookkeeping columns of the design, not parameters

# --- the declaration: every key a sweep spec may hold ---------------------------------------------------------
DESIGN = Table({
    "method": Key(Choice(METHODS), "factorial", "how the points are sampled"),
    "samples": Key(Int(minimum=1), None,
                   "LHS: points; Sobol: N (a power of 2); Morris: trajectories; posterior: draws"),
    "second_order": Key(Bool(), False, "Sobol: second-order indices too"),
    "levels": Key(Int(minimum=2), 4, "Morris: grid levels (even)"),
    "seed": Key(Int(minimum=0), None, "the sampler's own seed (default: the root seed)"),
    "posterior": Key(Text(), None, "posterior: the sample file (CSV), relative to the spec file"),
    "sha256": Key(ANY, None, "posterior: the file's checksum (recorded by the sweep)"),
    "columns": Key(ANY, None, "posterior: the file's columns (recorded by the sweep)"),
})
ANALYSIS = Table({
    "outputs": Key(Strings("output names", '["removals_cumulative"]'), [], "the outputs the report shows"),
    "statistic": Key(Choice(STATISTICS), "final", "the per-run value: the last week's, or the mean over weeks"),
    "ci": Key(Level(), 0.95, "the intervals' level"),
    "heatmap": Key(ANY, None, "two varied parameters: a heatmap of the mean over their grid"),
    "hue": Key(ANY, None, "a varied parameter: the line colour in time series"),
    "baseline": Key(ANY, None, "a preset: effects of the others against it, pair by pair (common random numbers)"),
    "effects": Key(Strings("output names", '["removals_cumulative"]'), [], "the outputs of the effects table"),
    "indices": Key(Text(), None, "the sensitivity indices: \"sobol\" (a Sobol design), \"morris\" (a Morris design), "
                   "\"rbd_fast\" (first-order Sobol indices from an LHS design); default: the design's own, if any"),
    "propagation": Key(Text(), None, "the name of a results folder beside this one holding a propagation sweep "
                       "(experiments/specs/propagation.toml): the effects with their full uncertainty"),
})
RANGE = Table({
    "min": Key(Number(), None, "the range's low end"),
    "max": Key(Number(), None, "the range's high end"),
    "num": Key(Int(minimum=2), None, "factorial: this many values, evenly spaced"),
    "step": Key(Number(above=0), None, "factorial: values this far apart"),
    "bounds": Key(Choice(("model", "posterior")), None, "\"model\": the parameter table's sweep range; "
                  "\"posterior\": the central 90% of design.posterior (a Sobol, Morris or LHS design)"),
})
SPEC = Table({
    "name": Key(PlainName(), REQUIRED, "the sweep's name (results/<name>)",
                missing=f"required; {PlainName.allowed}, got None"),
    "model": Key(ANY, None, f"a registered model (default {DEFAULT_MODEL!r})"),
    "description": Key(PROSE, "", "what the sweep asks"),
    "replications": Key(Int(minimum=1), 1, "runs per point"),
    "seed": Key(Int(minimum=0), 0, "the root seed"),
    "steps": Key(Int(minimum=1), 156, "weeks per run"),
    "collect_every": Key(Int(minimum=1), 1, "keep every k-th week (week 0 and the last week always)"),
    "event_log": Key(Bool(), False, "also keep each run's pathway event log"),
    "common_random_numbers": Key(Bool(), False, "replicate r of every point gets the same seed"),
    "outputs": Key(ANY, "all", "\"all\" or a list of the model's reporters"),
    "fixed": Key(ANY, {}, "one value per model parameter (or preset = \"<name>\")"),
    "parameters": Key(ANY, {}, "what varies: a list of values or a range {min, max[, num | step]} each"),
    "design": Key(DESIGN, {}, "how the points are sampled"),
    "analysis": Key(ANALYSIS, {}, "what the report shows"),
}, extra=frozenset({"factory"}))  # refused with its own message below


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


def _check_name(name, key, entry: ModelEntry, where):
    known = entry.parameters
    if name == PRESET_KEY:
        if entry.presets is None:
            fail(key, f"model {entry.name!r} has no presets", where)
        return
    if known is not None and name not in known:
        fail(key, "unknown model parameter" + suggestion(name, known), where)


def _check_value(name, value, key, entry: ModelEntry, where):
    """Check one parameter value on its own (defaults for the rest)."""
    if name == PRESET_KEY:
        if value not in entry.presets:
            fail(key, f"must be one of {tuple(entry.presets)}, got {value!r}", where)
        return value
    try:
        checked = entry.check({name: value})
    except ValueError as e:
        fail(key, str(e), where)
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
            fail(key, "an empty list of values", where)
        values = tuple(_check_value(name, v, f"{key}[{i}]", entry, where) for i, v in enumerate(raw))
        if len(set(map(repr, values))) != len(values):
            fail(key, f"repeated values in {list(raw)}", where)
        return Factor(name, values=values)
    if not isinstance(raw, dict):
        fail(key, "must be a list of values or a range table {min, max[, num | step]}; "
              "put single values in [fixed]", where)
    RANGE.read(raw, key + ".", where)
    p = (entry.table or {}).get(name)
    if name == PRESET_KEY or (p is not None and _categorical(p)):
        fail(key, "a range needs a numeric parameter; give a list of values", where)
    if "bounds" in raw:
        if raw["bounds"] == "posterior":
            fail(key + ".bounds", "\"posterior\" is for Sobol, Morris and LHS designs (a posterior design draws "
                 "the posterior's own columns)", where)
        if "min" in raw or "max" in raw:
            fail(key + ".bounds", "give either bounds = \"model\" or min and max, not both", where)
        if p is None or p.sweep is None:
            fail(key + ".bounds", f"this parameter has no sweep bounds in model {entry.name!r}", where)
        low, high = p.sweep
    else:
        for end in ("min", "max"):
            if end not in raw:
                fail(f"{key}.{end}", "missing (a range needs min and max, or bounds = \"model\")", where)
        low, high = raw["min"], raw["max"]
    if not low < high:
        fail(key, f"bad range: min ({low}) must be less than max ({high})", where)
    for end, v in (("min", low), ("max", high)):
        _check_value(name, v, f"{key}.{end}", entry, where)
    if "num" in raw and "step" in raw:
        fail(key, "give num or step, not both", where)
    num, step = raw.get("num"), raw.get("step")
    integer = p is not None and _integer(p)
    return Factor(name, low=low, high=high, num=num, step=step, integer=integer)


def _model_entry(raw: dict, where: str, entry: ModelEntry | None) -> tuple:
    if "factory" in raw:
        fail("factory", "a spec cannot name code to import; choose a registered model by name with "
              f"model = \"...\" (registered: {list(registered())}). Register others from Python "
              "(experiments.register_model) or with --model NAME=package.module:attribute", where)
    name = DEFAULT_MODEL if raw.get("model") is None else raw["model"]
    if not plain_name(name):
        fail("model", f"must be the plain name of a registered model, got {name!r}", where)
    if entry is None:
        entry = get_model(name)
        if entry is None:
            fail("model", f"{name!r} is not a registered model (registered: {list(registered())}); register it "
                  f"from Python with experiments.register_model({name!r}, ...) or on the command line with "
                  f"--model {name}=package.module:attribute", where)
    return name, entry


def _outputs(raw, entry: ModelEntry, where) -> tuple:
    reporters = entry.reporters
    outputs = raw["outputs"]
    if outputs == "all":
        if reporters is None:
            fail("outputs", f"model {entry.name!r} has no REPORTERS; list the outputs to keep", where)
        return tuple(reporters)
    if isinstance(outputs, list) and outputs and all(isinstance(o, str) for o in outputs):
        for i, o in enumerate(outputs):
            if reporters is not None and o not in reporters:
                fail(f"outputs[{i}]", f"unknown model reporter {o!r}{suggestion(o, reporters)}", where)
        if len(set(outputs)) != len(outputs):
            fail("outputs", "repeated names", where)
        return tuple(outputs)
    fail("outputs", f"must be \"all\" or a non-empty list of reporter names, got {outputs!r}", where)


def _design(values: dict, factors, where) -> Design:
    """The design's method-specific rules (its keys' types are checked by ``DESIGN``)."""
    d = values["design"]
    method, samples = d["method"], d["samples"]
    if method == "factorial":
        if samples is not None:
            fail("design.samples", "a full factorial takes no samples; it crosses every value", where)
        for f in factors:
            if f.is_range and f.num is None and f.step is None:
                fail(f"parameters.{f.name}", "a range in a factorial design needs num or step", where)
    else:
        if samples is None:
            fail("design.samples", f"required for method {method!r}", where)
        if method != "sobol" and samples < 2:
            fail("design.samples", f"must be >= 2, got {samples}", where)
        if method == "sobol" and samples & (samples - 1):
            fail("design.samples", f"Saltelli/Sobol sampling needs a power of 2, got {samples}", where)
        ranges = [f for f in factors if f.is_range]
        if not ranges and method != "posterior":  # a posterior design draws from its file
            fail("parameters", f"method {method!r} needs at least one range {{min, max}} to sample", where)
        if method in ("sobol", "morris") and len(ranges) < 2:
            fail("parameters", f"method {method!r} needs at least two ranges", where)
        for f in ranges:
            if f.num is not None or f.step is not None:
                fail(f"parameters.{f.name}", f"num/step are for factorial grids, not method {method!r}", where)
    if method == "morris" and d["levels"] % 2:
        fail("design.levels", f"Morris needs an even number of levels, got {d['levels']}", where)
    return Design(method, samples, d["second_order"], d["levels"], d["seed"])


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
                fail(f"parameters.{f.name}", f"{kind}{how} over [{f.low}, {f.high}] gives repeated values "
                      f"{list(g)}; use fewer values, a whole-number step or a list", where)


def _analysis(values: dict, outputs, factors, where) -> dict:
    """What the report shows, checked against the kept outputs and the varied parameters."""
    analysis = values["analysis"]
    for list_key in ("outputs", "effects"):
        for i, o in enumerate(analysis[list_key]):
            if o not in outputs:
                fail(f"analysis.{list_key}[{i}]", f"{o!r} is not among the kept outputs", where)
    names = [f.name for f in factors]
    heat = analysis["heatmap"]
    if heat is not None:
        if not (isinstance(heat, list) and len(heat) == 2 and all(isinstance(h, str) and h in names for h in heat)):
            fail("analysis.heatmap", f"must name two varied parameters from {names}, got {heat!r}", where)
    hue = analysis["hue"]
    if hue is not None and (not isinstance(hue, str) or hue not in names):
        fail("analysis.hue", f"must name a varied parameter from {names}, got {hue!r}", where)
    if analysis["indices"] is not None:
        method, design = INDEX_METHODS.get(analysis["indices"]), (values["design"] or {}).get("method", "factorial")
        if method is None:
            fail("analysis.indices", f"must be one of {list(INDEX_METHODS)}, got {analysis['indices']!r}", where)
        if design != method.design:
            fail("analysis.indices", f"{method.name!r} reads a design.method = {method.design!r} sample, "
                 f"not {design!r}", where)
        if ((values["design"] or {}).get("samples") or 0) < method.min_samples:
            fail("design.samples", f"analysis.indices = {method.name!r} needs at least {method.min_samples} "
                 f"samples, got {values['design'].get('samples')}", where)
    baseline = analysis["baseline"]
    if baseline is not None:
        presets = next((f.values for f in factors if f.name == PRESET_KEY), ()) or ()
        if baseline not in presets:
            fail("analysis.baseline", f"must be one of the spec's presets {list(presets)}, got {baseline!r}", where)
        if not values["common_random_numbers"]:
            fail("analysis.baseline", "pairs runs by replicate: set common_random_numbers = true", where)
    return analysis


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
    values = SPEC.read(raw, "", where)
    model_name, entry = _model_entry(raw, where, entry)
    if (values["design"] or {}).get("method") != "posterior":  # bounds = "posterior": the file's numbers
        from .posterior_design import posterior_bounds

        raw = posterior_bounds(raw, entry, where, base_dir)
        values = SPEC.read(raw, "", where)
    steps, collect_every = values["steps"], values["collect_every"]
    problem = over("steps", steps, limits)
    if problem:
        fail("steps", f"{steps:,} weeks per run, {problem}", where)
    if collect_every > steps:
        fail("collect_every", f"must be <= steps ({steps}), got {collect_every}", where)
    outputs = _outputs(values, entry, where)
    fixed_raw = values["fixed"]
    if not isinstance(fixed_raw, dict):
        fail("fixed", "must be a table", where)
    fixed = {}
    for k, v in fixed_raw.items():
        _check_name(k, f"fixed.{k}", entry, where)
        if isinstance(v, (list, dict)):
            fail(f"fixed.{k}", "a fixed value must be a single value; vary it under [parameters]", where)
        fixed[k] = _check_value(k, v, f"fixed.{k}", entry, where)
    params_raw = values["parameters"]
    if not isinstance(params_raw, dict):
        fail("parameters", "must be a table", where)
    factors = []
    for k, v in params_raw.items():
        if k in fixed:
            fail(f"parameters.{k}", "also given in [fixed]; keep it in one place", where)
        factors.append(_factor(k, v, entry, where))
    factors = tuple(factors)
    design = _design(values, factors, where)
    n_points = check_size(factors, design, values["replications"], steps, collect_every, limits, where)
    if design.method == "posterior":  # the file's columns become the sampled parameters
        from .posterior_design import resolve

        raw, factors, design = resolve(raw, factors, design, entry, where, base_dir, read=check_points)
    _check_grids(factors, design, where)
    analysis = _analysis(values, outputs, factors, where)

    spec = Spec(values["name"], values["description"], values["replications"], values["seed"], steps, collect_every,
                outputs, values["event_log"], model_name, fixed, factors, design, analysis,
                values["common_random_numbers"], source=raw, entry=entry, n_points=n_points)
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


def load_spec(path, limits: Limits = DEFAULT_LIMITS) -> Spec:
    """Read and validate a TOML spec file."""
    path = Path(path)
    where = f"{path}: "
    raw = read_toml(path)
    if "targets" in raw and "abc" in raw:  # a calibration spec (experiments/calibration)
        raise SpecError(f"{where}a calibration spec, not a sweep: run it with `python -m experiments calibrate`")
    return parse_spec(raw, where, limits=limits, base_dir=path.parent)
