"""The sensitivity index methods, one named entry each (``INDEX_METHODS``): Sobol S1 and ST from a Saltelli design,
Morris elementary effects, and first-order Sobol S1 by RBD-FAST from one Latin hypercube (given data: every row
informs every parameter, so its error shrinks far faster per run than Saltelli's, but it gives no total index).
Each reads arrays and returns (table, warnings); ``indices.sensitivity`` feeds them a sweep's results. Plain
values only, so the spec's validation can name the methods without importing the analysis."""

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd


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
    return table, _interval_notes(table, ("S1", "ST"), wide, negative=True)


def _interval_notes(table, indices, wide, negative=False) -> list:
    """Warnings on a table of indices: one not finite, one whose interval is wider than ±``wide`` and, with
    ``negative``, one below -0.01 (sampling error)."""
    notes = []
    for _, r in table.iterrows():
        for idx in indices:
            if not np.isfinite(r[idx]):
                notes.append(f"{r['parameter']}: {idx} is not finite (does the output vary at all?)")
            elif r[f"{idx}_conf"] > wide:
                notes.append(f"{r['parameter']}: {idx} = {r[idx]:.3f} ± {r[f'{idx}_conf']:.3f}, interval wider "
                             f"than ±{wide}; more samples (design.samples) or replications needed")
            if negative and r[idx] < -0.01:
                notes.append(f"{r['parameter']}: {idx} = {r[idx]:.3f} is negative (sampling error: the "
                             "sample is too small or the output too noisy)")
    return notes


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

    if len(y) < 8 * harmonics:  # MIN_ROWS for the default harmonics
        raise ValueError(f"RBD-FAST with {harmonics} harmonics needs at least {8 * harmonics} points, got {len(y)}")

    res = rbd_fast.analyze(problem, np.asarray(x, dtype=float), np.asarray(y, dtype=float), M=harmonics,
                           conf_level=level, seed=seed, print_to_console=False)
    table = pd.DataFrame({"parameter": problem["names"], "S1": res["S1"], "S1_conf": res["S1_conf"]})
    return table, _interval_notes(table, ("S1",), wide)


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
