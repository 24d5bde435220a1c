"""Sensitivity indices of a sweep (SALib) by its named method (``index_methods.INDEX_METHODS``: Sobol, Morris,
RBD-FAST), of the paired effects against a baseline, with warnings where an index should not be trusted as it
stands, the top three and a given-data method's convergence check."""

import warnings

import pandas as pd

from ..core.schema import PRESET_KEY
from ..core.store import Store
from .analysis import load_results, run_statistic
from .design import salib_problem
from .index_methods import (  # noqa: F401 (the array functions are part of this module's interface)
    INDEX_METHODS,
    index_method,
    morris_from_arrays,
    rbd_fast_from_arrays,
    sobol_from_arrays,
)
from .spec import spec_of_results


class SensitivityWarning(UserWarning):
    """Sensitivity indices that should not be trusted as they stand."""


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
