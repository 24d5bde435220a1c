"""Where the sign flips: scenario discovery with PRIM (EMA Workbench) over a propagation sweep's draws.

Each draw (posterior particle x assumption values, ``experiments.sweep.propagation``) has one effect: a
preset against the baseline, averaged over the draw's seeds. PRIM (Friedman & Fisher 1999; EMA Workbench's
``ema_workbench.analysis.prim.Prim``) peels the box of the uncertain parameters, one edge at a time, toward
the draws where the effect is on one side of zero. For each side (``SIDES``) ``sign_regions`` keeps the
box on the peeling trajectory chosen by one rule (``choose``): the widest box (largest coverage) whose
density reaches ``density``, else the densest box with at least ``mass_min`` of the draws. PRIM is
deterministic: the same draws give the same boxes on every executor.
"""

import contextlib
import warnings

import numpy as np
import pandas as pd

SIDES = {"more": ("higher than with the baseline", np.greater), "less": ("lower than with the baseline", np.less)}
DENSITY = 0.8  # a box is a region where at least this share of the draws has the sign
MASS_MIN = 0.1  # ... holding at least this share of the draws
PEEL_ALPHA = 0.1  # the share of the draws each peel takes off


def _prim(x: pd.DataFrame, y: np.ndarray, mass_min: float):
    import logging

    with warnings.catch_warnings(), contextlib.redirect_stdout(None):
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim

        logging.getLogger("EMA").setLevel(logging.ERROR)
        p = prim.Prim(x.reset_index(drop=True), y.astype(int), peel_alpha=PEEL_ALPHA, mass_min=mass_min)
        return p.find_box()


def choose(trajectory: pd.DataFrame, density: float = DENSITY, mass_min: float = MASS_MIN) -> int:
    """The index of the box kept on a peeling trajectory (one row per box: coverage, density, mass)."""
    t = trajectory[trajectory["mass"] >= mass_min]
    if t.empty:
        return 0
    dense = t[t["density"] >= density]
    if not dense.empty:
        return int(dense.sort_values(["coverage", "mass"], ascending=False).index[0])
    return int(t.sort_values(["density", "coverage"], ascending=False).index[0])


def sign_regions(x: pd.DataFrame, effect, density: float = DENSITY, mass_min: float = MASS_MIN) -> tuple:
    """For each side of zero, PRIM's box of the draws where ``effect`` is on that side.

    Returns (boxes, limits): ``boxes`` one row per side (share of draws on that side, the box's coverage,
    density, mass, number of draws and restricted parameters); ``limits`` one row per side and restricted
    parameter (the box's low and high, the range over all draws)."""
    effect = np.asarray(effect, dtype=float)
    if len(effect) != len(x):
        raise ValueError(f"{len(x)} draws but {len(effect)} effects")
    if len(x) < 4:
        raise ValueError(f"PRIM needs at least 4 draws, got {len(x)}")
    x = x.reset_index(drop=True).astype(float)
    lows, highs = x.min(), x.max()
    boxes, limits = [], []
    for side, (words, compare) in SIDES.items():
        y = compare(effect, 0)
        row = {"side": side, "meaning": words, "share_of_draws": float(y.mean()), "draws": int(len(y))}
        if y.all() or not y.any():  # nothing to tell apart
            boxes.append({**row, "coverage": float(y.any()), "density": float(y.mean()), "mass": 1.0,
                          "draws_in_box": int(len(y)), "restricted": ""})
            continue
        box = _prim(x, y, mass_min)
        i = choose(box.peeling_trajectory, density, mass_min)
        box.select(i)
        lim = box.box_lim
        inside = ((x >= lim.iloc[0]) & (x <= lim.iloc[1])).all(axis=1)
        restricted = [c for c in x.columns if lim[c].iloc[0] > lows[c] or lim[c].iloc[1] < highs[c]]
        boxes.append({**row, "coverage": float(y[inside].sum() / y.sum()), "density": float(y[inside].mean()),
                      "mass": float(inside.mean()), "draws_in_box": int(inside.sum()),
                      "restricted": ", ".join(restricted)})
        limits += [{"side": side, "parameter": c, "box_low": float(lim[c].iloc[0]), "box_high": float(lim[c].iloc[1]),
                    "low": float(lows[c]), "high": float(highs[c])} for c in restricted]
    return pd.DataFrame(boxes), pd.DataFrame(limits, columns=["side", "parameter", "box_low", "box_high", "low",
                                                              "high"])
