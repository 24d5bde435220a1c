"""Sensitivity indices of a sweep (SALib), one named method per design (``INDEX_METHODS``): Sobol S1 and ST
from a Saltelli design, Morris elementary effects, and first-order Sobol S1 by RBD-FAST from one Latin
hypercube (given data: its error shrinks far faster per run than Saltelli's, but it gives no total index);
with warnings where an index should not be trusted as it stands."""

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.schema import PRESET_KEY
from ..core.store import Store
from .analysis import load_results, run_statistic
from .design import salib_problem
from .spec import spec_of_results


class SensitivityWarning(UserWarning):
    """Sensitivity indices that should not be trusted as they stand."""


def sobol_from_arrays(problem: dict, y, second_order=False, level=0.95, seed=1, wide=0.1) -> tuple:
    """SALib Sobol indices of one output (y in Saltelli sample order); returns (table, warnings). ``seed``: the
    bootstrap's (SALib ignores a seed of 0 and draws unseeded intervals, so the default is 1)."""
    from SALib.analyze import sobol

    y = np.asarray(y, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = sobol.analyze(problem, y, calc_second_order=second_order, conf_level=level, seed=seed,
                            print_to_console=False)
    table = pd.DataFrame({"parameter": problem["names"], "S1": res["S1"], "S1_conf": res["S1_conf"],
                          "ST": res["ST"], "ST_conf": res["ST_conf"]})
    notes = []
    for _, r in table.iterrows():
        for idx in ("S1", "ST"):
            if not np.isfinite(r[idx]):
                notes.append(f"{r['parameter']}: {idx} is not finite (does the output vary at all?)")
            elif r[f"{idx}_conf"] > wide:
                notes.append(f"{r['parameter']}: {idx} = {r[idx]:.3f} ± {r[f'{idx}_conf']:.3f}, interval wider "
                             f"than ±{wide}; more samples (design.samples) or replications needed")
            if r[idx] < -0.01:
                notes.append(f"{r['parameter']}: {idx} = {r[idx]:.3f} is negative (sampling error: the "
                             "sample is too small or the output too noisy)")
    return table, notes


def morris_from_arrays(problem: dict, x, y, levels=4, level=0.95, seed=0) -> tuple:
    """SALib Morris elementary effects of one output; returns (table, warnings)."""
    from SALib.analyze import morris

    res = morris.analyze(problem, np.asarray(x, dtype=float), np.asarray(y, dtype=float), num_levels=levels,
                         conf_level=level, seed=seed, print_to_console=False)
    table = pd.DataFrame({"parameter": problem["names"], "mu": res["mu"], "mu_star": res["mu_star"],
                          "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"]})
    notes = [f"{r['parameter']}: mu* = {r['mu_star']:.3g} ± {r['mu_star_conf']:.3g}, interval wider than half "
             "of mu*; more trajectories (design.samples) needed"
             for _, r in table.iterrows() if r["mu_star"] > 0 and r["mu_star_conf"] > 0.5 * r["mu_star"]]
    return table, notes


HARMONICS = 10  # RBD-FAST: the harmonics summed (SALib's M); an estimate needs more than 2M points, and its
MIN_ROWS = 8 * HARMONICS  # bootstrap draws half the sample, so the sample wants at least 8M


def rbd_fast_from_arrays(problem: dict, x, y, level=0.95, seed=1, wide=0.1, harmonics=HARMONICS) -> tuple:
    """SALib RBD-FAST first-order indices of one output from any sample ``x`` (rows = points) and its ``y``;
    returns (table, warnings). Its intervals are SALib's bootstrap over half-size resamples, so they are
    wider than the full sample's own (conservative)."""
    from SALib.analyze import rbd_fast

    if len(y) < 8 * harmonics:
        raise ValueError(f"RBD-FAST with {harmonics} harmonics needs at least {8 * harmonics} points, got {len(y)}")

    res = rbd_fast.analyze(problem, np.asarray(x, dtype=float), np.asarray(y, dtype=float), M=harmonics,
                           conf_level=level, seed=seed, print_to_console=False)
    table = pd.DataFrame({"parameter": problem["names"], "S1": res["S1"], "S1_conf": res["S1_conf"]})
    notes = []
    for _, r in table.iterrows():
        if not np.isfinite(r["S1"]):
            notes.append(f"{r['parameter']}: S1 is not finite (does the output vary at all?)")
        elif r["S1_conf"] > wide:
            notes.append(f"{r['parameter']}: S1 = {r['S1']:.3f} ± {r['S1_conf']:.3f}, interval wider than ±{wide}; "
                         "more samples (design.samples) or replications needed")
    return table, notes


@dataclass(frozen=True)
class IndexMethod:
    """One way to compute sensitivity indices: the design whose sample it reads, what the report calls it, the
    index its "Top three" ranks by, and ``analyse(problem, x, y, spec, level) -> (table, warnings)``."""

    name: str
    design: str
    title: str
    rank_by: str | None
    analyse: Callable
    min_samples: int = 1  # design.samples below this are refused before any run


INDEX_METHODS = {m.name: m for m in (
    IndexMethod("sobol", "sobol", "Sobol (Saltelli) first-order S1 and total ST", "ST",
                lambda problem, x, y, spec, level: sobol_from_arrays(problem, y, spec.design.second_order, level)),
    IndexMethod("morris", "morris", "Morris elementary effects", None,
                lambda problem, x, y, spec, level: morris_from_arrays(problem, x, y, spec.design.levels, level)),
    IndexMethod("rbd_fast", "lhs", "First-order Sobol S1 by RBD-FAST (one Latin hypercube, given data)", "S1",
                lambda problem, x, y, spec, level: rbd_fast_from_arrays(problem, x, y, level), MIN_ROWS),
)}
DESIGN_DEFAULT = {"sobol": "sobol", "morris": "morris"}  # the indices a design gets when analysis.indices is unset


def index_method(design_method, indices=None) -> IndexMethod | None:
    """The index method of a sweep from its ``design.method`` and ``analysis.indices`` (plain values, as a
    results folder records them); None: the sweep has no sensitivity indices."""
    name = indices if indices is not None else DESIGN_DEFAULT.get(design_method)
    return INDEX_METHODS.get(name)


def paired_runs(per_run: pd.DataFrame, outputs, baseline: str) -> pd.DataFrame:
    """One row per run of the other presets: each output minus the baseline preset's run at the same sample row
    and replicate (common random numbers give them the same seed)."""
    keys = ["sample_row", "replicate"]
    base = per_run[per_run[PRESET_KEY] == baseline].set_index(keys)[list(outputs)]
    rest = per_run[per_run[PRESET_KEY] != baseline].reset_index(drop=True)
    diff = rest.set_index(keys)[list(outputs)] - base.reindex(rest.set_index(keys).index)
    rest[list(outputs)] = diff.to_numpy()
    return rest


def top_three(table: pd.DataFrame, index="ST") -> pd.DataFrame:
    """Per output (and preset): the three parameters with the largest ``index`` and whether each can be ranked
    above the next one (their intervals, index +- conf, do not overlap) and above zero."""
    rows = []
    keys = [c for c in table.columns if c not in ("parameter", "S1", "S1_conf", "ST", "ST_conf", "n")]
    for key, g in table.groupby(keys, sort=False):
        g = g.sort_values(index, ascending=False).reset_index(drop=True)
        for i in range(min(3, len(g))):
            r, nxt = g.iloc[i], (g.iloc[i + 1] if i + 1 < len(g) else None)
            lo = r[index] - r[f"{index}_conf"]
            above = nxt is None or lo > nxt[index] + nxt[f"{index}_conf"]
            rows.append({**dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True)), "rank": i + 1,
                         "parameter": r["parameter"], index: r[index], f"{index}_conf": r[f"{index}_conf"],
                         "above_next": bool(above), "above_zero": bool(lo > 0)})
    return pd.DataFrame(rows)


def sensitivity(out, outputs=None, statistic="final", rows=None) -> tuple:
    """Sensitivity indices of each output (mean over replicates of the run statistic), by the sweep's index
    method (``index_method``: Sobol, Morris or RBD-FAST).

    With lists crossed into the design (e.g. presets), indices are computed per combination. ``rows``: only
    the first this many sample rows (a given-data method's convergence check, ``convergence``).
    Returns (table, warnings); the table is empty for a sweep without an index method.
    """
    store = Store(out)
    spec = spec_of_results(store.manifest())
    method = index_method(spec.design.method, spec.analysis.get("indices"))
    if method is None:
        return pd.DataFrame(), []
    outputs = list(outputs or spec.analysis.get("outputs") or spec.outputs[:1])
    problem = salib_problem(spec)
    points = store.points()
    columns = [c for c in points.columns if c in problem["names"]]
    if columns != problem["names"]:  # the sample's column order is what the indices are attributed by
        raise ValueError(f"design columns {columns} do not match the spec's ranges {problem['names']}")
    if rows is not None:
        points = points[points["sample_row"] < rows]
    per_run = run_statistic(load_results(out), outputs, statistic)
    baseline = spec.analysis.get("baseline")
    if baseline is not None:  # indices of the effects: each run minus the baseline run of its sample row and seed
        per_run = paired_runs(per_run, outputs, baseline)
        points = points[points[PRESET_KEY] != baseline]
    per_point = per_run.groupby("point_id")[outputs].mean()
    done = set(per_point.index[per_point.notna().all(axis=1)])  # a point whose baseline run is missing has no effect
    groups = [f.name for f in spec.factors if not f.is_range]
    level = spec.analysis.get("ci", 0.95)
    tables, notes = [], []
    for key, g in (points.groupby(groups, sort=True) if groups else [((), points)]):
        key = key if isinstance(key, tuple) else (key,)
        label = dict(zip(groups, key, strict=True))
        g = g.sort_values("sample_row")
        missing = sorted(set(g["point_id"]) - done)
        if missing and method.design == "lhs":  # given data: the finished rows are a sample of their own
            g = g[g["point_id"].isin(done)]
            notes.append(f"{label or 'all'}: {len(missing)} of {len(g) + len(missing)} points have no finished run; "
                         "indices from the others")
        elif missing:
            notes.append(f"{label or 'all'}: {len(missing)} of {len(g)} points have no finished run; "
                         "indices skipped (resume the sweep first)")
            continue
        for o in outputs:
            y = per_point.loc[g["point_id"], o].to_numpy()
            t, w = method.analyse(problem, g[problem["names"]].to_numpy(dtype=float), y, spec, level)
            for k, v in label.items():
                t.insert(0, k, v)
            t.insert(len(label), "output", o)
            t["n"] = len(g)
            tables.append(t)
            notes += [f"{o}{' ' + str(label) if label else ''}: {n}" for n in w]
    for n in notes:
        warnings.warn(n, SensitivityWarning, stacklevel=2)
    return (pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()), notes


def convergence(out, outputs=None, statistic="final", fractions=(0.25, 0.5, 1.0)) -> pd.DataFrame:
    """How a given-data method's indices settle as the sample grows: the indices from the first quarter, half
    and all of the finished sample rows (any subset of independent draws is a sample of its own), one row per size,
    output (and preset) with the widest and the median interval (+-), the top three and how many of them lie
    above the next one's interval (``told_apart``, of 3; ``top_three``). Empty for Saltelli and
    Morris designs, whose sample cannot be cut."""
    store = Store(out)
    spec = spec_of_results(store.manifest())
    method = index_method(spec.design.method, spec.analysis.get("indices"))
    if method is None or method.design != "lhs":
        return pd.DataFrame()
    rows = []
    finished = None  # the sample rows finished (all of them unless the sweep was stopped early)
    for f in sorted(fractions, reverse=True):
        n = None if finished is None else int(round(f * finished))
        if n is not None and n < method.min_samples:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SensitivityWarning)
            table, _ = sensitivity(out, outputs, statistic, rows=n)
        if table.empty:
            continue
        finished = finished or int(table["n"].max())
        index = method.rank_by
        keys = [c for c in table.columns if c not in ("parameter", "n") and not c.startswith(index)]
        top = top_three(table.drop(columns="n"), index)
        for key, g in table.groupby(keys, sort=False):
            label = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
            t = top.merge(pd.DataFrame([label]), on=keys)
            rows.append({"rows": int(g["n"].iloc[0]), **label, "widest": float(g[f"{index}_conf"].max()),
                         "median": float(g[f"{index}_conf"].median()),
                         "top_three": " > ".join(t["parameter"]), "told_apart": int(t["above_next"].sum())})
    return pd.DataFrame(rows).sort_values("rows", kind="stable").reset_index(drop=True) if rows else pd.DataFrame()
