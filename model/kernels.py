"""Compiled loops for two whole-county passes of a week that numpy does slowly (numba).

Both do the same floating-point operations, in the same order, as the numpy code they replace, so every
run is the same to the last bit (``tests/test_kernels.py`` checks each against that numpy code):

- **The crime week's running sums** (``offending_sums``). A running sum is a chain of additions, each
  waiting for the one before. numpy's ``cumsum`` stores each partial sum and reads it back for the next,
  about 3.3 ns an element here; a loop that keeps it in a register takes about 0.8. The week needs two or
  three such sums over the residents who can offend (whom offending picks, whom the police stop, and the
  total without the pull of silence), and the products before them: one loop does them all.
- **Fear's week after the tie sums** (``fear_week``): decay, exposure, contagion, the cap and the chilled
  state, a dozen numpy passes over the county (each reading and writing whole arrays) as one pass. The
  tie sums themselves stay scipy's product (``model.network.tie_product``), which no loop here beat.

Each is compiled on its first call in a process and cached on disk beside this file (numba's ``cache``), so
later processes load it (a few tenths of a second once). No draw happens here: the generators are untouched.
"""

import numba as nb
import numpy as np


@nb.njit(cache=True, nogil=True)
def offending_sums(propensity, free, who, pull, neighborhood, stop_weight, cdf, stop_cdf):
    """The running sums of ``model.crime.run_week`` over the residents who can offend (``who``, their
    ``propensity``, ``neighborhood`` and ``stop_weight``), counting only the ``free``: into ``cdf`` the sum of
    propensity x the pull of silence in their neighborhood (``pull``, per neighborhood), into ``stop_cdf``
    that of propensity x ``stop_weight``; returns the sum of propensity alone. Each term is numpy's
    ``propensity * free[who]`` times its factor, added in order, as ``np.cumsum`` adds them (a factor of 1
    leaves a term as it is, so ones stand for no pull or no profiling)."""
    pulled = 0.0
    stopped = 0.0
    plain = 0.0
    for i in range(propensity.shape[0]):
        p = propensity[i] * free[who[i]]
        pulled += p * pull[neighborhood[i]]
        stopped += p * stop_weight[i]
        plain += p
        cdf[i] = pulled
        stop_cdf[i] = stopped
    return plain


@nb.njit(cache=True, nogil=True)
def fear_week(ties_sum, fear, keep, s_eff, divisor, untied, threshold, chilled, e_media, heard, exposure,
              sensitivity, contagion):
    """``model.fear.update_fear``'s week without the channels' stocks, one resident at a time, after the
    tie sums ``ties_sum`` (of last week's fear of each one's ties, present ones only): fear decays by
    ``keep``, gains ``s_eff x sensitivity x`` the exposure (the news in memory, ``e_media``, plus each hearing
    of the week: ``heard``, sorted by resident and in the week's order among one resident's, with its
    ``exposure``), moves by ``s_eff x contagion`` toward the ties' mean (the sum over ``divisor``; the
    ``untied``, sorted, toward their own decayed fear), is capped at 1, and ``chilled`` is fear above
    ``threshold``. ``fear`` and ``chilled`` are written in place."""
    k = 0
    n_heard = heard.shape[0]
    u = 0
    n_untied = untied.shape[0]
    for i in range(fear.shape[0]):
        e = e_media[i]
        while k < n_heard and heard[k] == i:
            e += exposure[k]
            k += 1
        f = fear[i] * keep[i]
        s = s_eff[i]
        gain = (s * sensitivity) * e
        if u < n_untied and untied[u] == i:
            mean = f
            u += 1
        else:
            mean = ties_sum[i] / divisor[i]
        f = f + (gain + (s * contagion) * (mean - f))
        if f > 1.0:
            f = 1.0
        fear[i] = f
        chilled[i] = f > threshold[i]


def warm() -> None:
    """Compile each loop now (or load it from the disk cache), on a few residents of the types the model
    passes, so that what is timed next pays none of it: a process's first call, not a county's
    (``experiments.bench.panel``)."""
    n = 3
    ones, where = np.ones(n), np.arange(n, dtype=np.int64)
    offending_sums(ones, np.ones(n, dtype=bool), where, ones, np.zeros(n, dtype=np.int32), ones, np.empty(n),
                   np.empty(n))
    fear_week(ones, np.zeros(n), ones, ones, ones, where[:1], ones, np.zeros(n, dtype=bool), ones, where, ones,
              0.5, 0.5)


def loaded() -> bool:
    """Whether this process has every loop here compiled or loaded already."""
    return all(len(kernel.signatures) > 0 for kernel in (offending_sums, fear_week))
