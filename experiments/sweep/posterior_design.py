"""``design.method = "posterior"``: a sweep whose parameter sets are drawn from a calibration's posterior.

    [design]
    method = "posterior"
    posterior = "../posteriors/calibration.csv"   # relative to the spec file (or absolute)
    samples = 200                                  # draws, with replacement, by the file's weights
    seed = 1                                       # the draws' seed (default: the spec's seed)

The file is a CSV with one column per parameter (model parameter names, natural units) and an
optional ``weight`` column (default: equal weights); ``experiments.calibration.write_posterior_file``
writes one. Every column becomes a varied parameter of the sweep; lists under ``[parameters]`` are
crossed with the draws (a posterior sample per preset, say). Ranges under ``[parameters]`` are the
unfitted assumptions: each draw gets its own value of each, a Latin hypercube over the range drawn with
the draws' seed, independent of the posterior draw (the propagation of ``experiments/specs/propagation.toml``:
posterior draws x assumption ranges x seeds). A parameter given both in the file and under ``[fixed]`` or
``[parameters]`` is refused. With ``common_random_numbers`` the points of one draw (its presets) share
their seeds and each draw has seeds of its own (``experiments.sweep.run``). The file's SHA-256 and
columns are recorded in the spec the results folder keeps, so a changed file is a different sweep
(resume refuses it) and a report needs no file.
"""

import copy
import hashlib
import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.schema import fail
from .factors import Factor

MAX_BYTES = 50_000_000
WEIGHT = "weight"


def read_posterior(path, entry, where="", sha256=None) -> tuple:
    """The posterior file checked: (parameters DataFrame, normalized weights, SHA-256 of the file)."""
    key = "design.posterior"
    path = Path(path)
    if not path.is_file():
        fail(key, f"no such file {str(path)!r}", where)
    if path.stat().st_size > MAX_BYTES:
        fail(key, f"{path} is larger than {MAX_BYTES:,} bytes; a posterior sample is a small file", where)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if sha256 is not None and sha256 != digest:
        fail("design.sha256", f"{path} has changed (SHA-256 {digest[:16]}..., the spec expects {sha256[:16]}...)",
              where)
    try:
        df = pd.read_csv(path)
    except (ValueError, UnicodeDecodeError) as e:
        fail(key, f"{path} is not a CSV table ({e})", where)
    if df.empty:
        fail(key, f"{path} has no rows", where)
    columns = [c for c in df.columns if c != WEIGHT]
    if not columns:
        fail(key, f"{path} has no parameter columns", where)
    known = entry.parameters
    for c in columns:
        if known is not None and c not in known:
            fail(key, f"{path}: column {c!r} is not a parameter of model {entry.name!r}", where)
        if not pd.api.types.is_numeric_dtype(df[c]) or not np.isfinite(df[c].to_numpy(dtype=float)).all():
            fail(key, f"{path}: column {c!r} must hold finite numbers", where)
        for v in (df[c].min(), df[c].max()):  # the constraints are intervals: the extremes tell
            value = int(v) if float(v).is_integer() and _integer(entry, c) else float(v)
            try:
                entry.check({c: value})
            except ValueError as e:
                fail(key, f"{path}: column {c!r}: {e}", where)
    if WEIGHT in df:
        w = pd.to_numeric(df[WEIGHT], errors="coerce").to_numpy(dtype=float)
        if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            fail(key, f"{path}: column 'weight' must hold non-negative numbers with a positive sum", where)
    else:
        w = np.ones(len(df))
    return df[columns], w / w.sum(), digest


def _integer(entry, name) -> bool:
    p = (entry.table or {}).get(name)
    return p is not None and type(p.default) is int


def resolve(raw: dict, factors: tuple, design, entry, where: str, base_dir, read: bool) -> tuple:
    """Add the posterior's columns to the factors and record the file's SHA-256 and columns in the spec.

    Returns (raw with design.sha256 and design.columns, factors, design). ``read``: read and check the
    file (a spec to run); otherwise trust the recorded columns (a results folder read back)."""
    from dataclasses import replace

    design_raw = raw.get("design", {})
    file = design_raw.get("posterior")
    if not isinstance(file, str) or not file:
        fail("design.posterior", "required for method \"posterior\": the path of a posterior sample (CSV)", where)
    recorded = design_raw.get("columns")
    if recorded is not None and (not isinstance(recorded, list) or not all(isinstance(c, str) for c in recorded)):
        fail("design.columns", f"must be a list of column names, got {recorded!r}", where)
    sha = design_raw.get("sha256")
    if sha is not None and not (isinstance(sha, str) and len(sha) == 64):
        fail("design.sha256", f"must be a SHA-256 hex digest, got {sha!r}", where)
    path = Path(file) if Path(file).is_absolute() or base_dir is None else Path(base_dir) / file
    if read:
        params, _, digest = read_posterior(path, entry, where, sha)
        columns = list(params.columns)
        if recorded is not None and recorded != columns:
            fail("design.columns", f"the file's columns are {columns}, the spec records {recorded}", where)
        bounds = {c: (float(params[c].min()), float(params[c].max())) for c in columns}
    else:
        if recorded is None:
            fail("design.columns", "missing (a results folder records the posterior's columns)", where)
        columns, digest, bounds = recorded, sha, {c: (math.nan, math.nan) for c in recorded}
    taken = {f.name for f in factors} | set(raw.get("fixed", {}))
    for c in columns:
        if c in taken:
            where_given = "parameters" if c in {f.name for f in factors} else "fixed"
            fail(f"{where_given}.{c}", "also drawn from the posterior file; keep it in one place", where)
    raw = copy.deepcopy(raw)
    raw["design"]["sha256"] = digest
    raw["design"]["columns"] = list(columns)
    new = tuple(Factor(c, low=bounds[c][0], high=bounds[c][1], integer=_integer(entry, c)) for c in columns)
    return raw, factors + new, replace(design, posterior=str(path), sha256=digest)


def sample_matrix(spec) -> np.ndarray:
    """``design.samples`` rows drawn with replacement by weight, each with its own Latin hypercube draw of the
    spec's ranges (the assumptions); columns in the order of the spec's ranged factors."""
    from scipy.stats import qmc

    d = spec.design
    params, w, _ = read_posterior(d.posterior, spec.entry, sha256=d.sha256)
    rng = np.random.default_rng(spec.seed if d.seed is None else d.seed)
    rows = rng.choice(len(params), size=d.samples, replace=True, p=w)
    drawn = params.iloc[rows].reset_index(drop=True)
    assumptions = [f for f in spec.factors if f.is_range and f.name not in params.columns]
    if assumptions:
        u = qmc.LatinHypercube(d=len(assumptions), rng=rng).random(d.samples)
        for j, f in enumerate(assumptions):
            drawn[f.name] = f.low + u[:, j] * (f.high - f.low)
    names = [f.name for f in spec.factors if f.is_range]
    return drawn[names].to_numpy(dtype=float)


BOUNDS = "posterior"  # a range's bounds = "posterior": the posterior's central interval of the parameter
CENTRAL = 0.90  # ... this much of its weight


def weighted_quantile(values, weights, q) -> float:
    """The ``q`` quantile of ``values`` under ``weights`` (the midpoints of the cumulative weights)."""
    order = np.argsort(values)
    v, w = np.asarray(values, dtype=float)[order], np.asarray(weights, dtype=float)[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return float(np.interp(q, cum, v))


def posterior_bounds(raw: dict, entry, where: str, base_dir) -> dict:
    """A Sobol, Morris or LHS spec whose ranges say ``bounds = "posterior"``: each becomes ``{min, max}``, the
    weighted central ``CENTRAL`` interval of that column of ``design.posterior``, so that the spec a results
    folder keeps holds the numbers (and the file's SHA-256, ``design.sha256``). The draws are then uniform and
    independent over these intervals: the posterior's shape and its correlations are not kept."""
    params = raw.get("parameters") or {}
    if not isinstance(params, dict):  # not a table: the spec's own check names the key
        return raw
    wanted = [k for k, v in params.items() if isinstance(v, dict) and v.get("bounds") == BOUNDS]
    if not wanted:
        return raw
    design_raw = raw.get("design") or {}
    if not isinstance(design_raw, dict):
        fail("design", "must be a table", where)
    file = design_raw.get("posterior")
    if not isinstance(file, str) or not file:
        fail("design.posterior", f"required by bounds = \"{BOUNDS}\" ({', '.join(wanted)}): the path of a "
             "posterior sample (CSV)", where)
    path = Path(file) if Path(file).is_absolute() or base_dir is None else Path(base_dir) / file
    df, w, digest = read_posterior(path, entry, where)
    raw = copy.deepcopy(raw)
    for k in wanted:
        if k not in df:
            fail(f"parameters.{k}.bounds", f"{path} has no column {k!r} (columns: {list(df.columns)})", where)
        low = weighted_quantile(df[k], w, (1 - CENTRAL) / 2)
        high = weighted_quantile(df[k], w, (1 + CENTRAL) / 2)
        rest = {key: v for key, v in raw["parameters"][k].items() if key != "bounds"}
        raw["parameters"][k] = {**rest, "min": low, "max": high}
    raw["design"]["posterior"] = str(path)
    raw["design"]["sha256"] = digest
    return raw
