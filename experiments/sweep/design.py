"""Design matrices: which parameter points a sweep runs (factorial, LHS, Sobol, Morris, posterior draws).

Ranges are sampled with SALib; lists of values are crossed with the sampled points (a Sobol
design per preset, say). The result is a DataFrame with one row per point, ``point_id`` first,
in a fixed order that depends only on the spec.
"""

import itertools

import numpy as np
import pandas as pd
from SALib.sample import latin, morris
from SALib.sample import sobol as saltelli


def salib_problem(spec) -> dict:
    """The SALib problem over the spec's ranges (lists are not part of it)."""
    ranges = [f for f in spec.factors if f.is_range]
    return {"num_vars": len(ranges), "names": [f.name for f in ranges],
            "bounds": [[float(f.low), float(f.high)] for f in ranges]}


def sample_matrix(spec) -> np.ndarray:
    """The SALib sample over the ranges (rows = points, columns = salib_problem names)."""
    d = spec.design
    problem = salib_problem(spec)
    seed = spec.seed if d.seed is None else d.seed
    if d.method == "lhs":
        return latin.sample(problem, d.samples, seed=seed)
    if d.method == "sobol":
        return saltelli.sample(problem, d.samples, calc_second_order=d.second_order, scramble=True, seed=seed)
    if d.method == "morris":
        return morris.sample(problem, d.samples, num_levels=d.levels, seed=seed)
    if d.method == "posterior":  # draws from a calibration's posterior sample (experiments/sweep/posterior_design.py)
        from .posterior_design import sample_matrix as posterior_draws

        return posterior_draws(spec)
    raise ValueError(f"no sample matrix for method {d.method!r}")


def build_design(spec) -> pd.DataFrame:
    """One row per point: ``point_id``, the varied parameters and, for sampled designs, ``sample_row``."""
    lists = [f for f in spec.factors if not f.is_range or spec.design.method == "factorial"]
    grid = list(itertools.product(*[f.grid() for f in lists])) if lists else [()]
    names = [f.name for f in lists]
    if spec.design.method == "factorial":
        rows = [dict(zip(names, combo, strict=True)) for combo in grid]
    else:
        x = sample_matrix(spec)
        ranges = [f for f in spec.factors if f.is_range]
        rows = []
        for combo in grid:  # each combination of listed values gets the whole sample, in sample order
            for i, xrow in enumerate(x):
                row = dict(zip(names, combo, strict=True))
                for f, v in zip(ranges, xrow, strict=True):
                    row[f.name] = int(round(v)) if f.integer else float(v)
                row["sample_row"] = i
                rows.append(row)
    df = pd.DataFrame(rows)
    df.insert(0, "point_id", np.arange(len(df), dtype=np.int64))
    order = ["point_id"] + [f.name for f in spec.factors] + (["sample_row"] if "sample_row" in df else [])
    return df[order]
