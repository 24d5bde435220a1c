"""Compiled loops for two whole-county passes of a week that numpy does slowly, in C (``model/_kernels.c``).

Both do the same floating-point operations, in the same order, as numpy's passes below, so every run is the
same to the last bit whichever runs (``tests/test_kernels.py`` checks the loops against the passes):

- **The crime week's running sums** (``offending_sums``). A running sum is a chain of additions, each
  waiting for the one before. numpy's ``cumsum`` stores each partial sum and reads it back for the next,
  about 3.3 ns an element here; a loop that keeps it in a register takes about 0.8. The week needs two or
  three such sums over the residents who can offend (whom offending picks, whom the police stop, and the
  total without the pull of silence), and the products before them: one loop does them all.
- **Fear's week after the tie sums** (``fear_week``): decay, exposure, contagion, the cap and the chilled
  state, a dozen numpy passes over the county (each reading and writing whole arrays) as one pass. The
  tie sums themselves stay scipy's product (``model.network.tie_product``), which no loop here beat.

The loops are a C extension built when the project is installed (``make setup``: ``pip install -e .``, with
``-ffp-contract=off`` so that no product and sum are fused into one rounding). Importing it costs about a
millisecond and no memory to speak of; the numba loops it replaces cost every process 0.4 s and 130 MiB
(``docs/panel.md``, "The compiled loops in C"). Where no C compiler was found at install, ``COMPILED`` is
False and the week runs numpy's passes below: the same numbers, a step a tenth to a quarter slower (one-off
timings at 300 to 100,000 residents). No draw happens here: the generators are untouched.
"""

import numpy as np

try:
    from ._kernels import fear_week, offending_sums

    COMPILED = True
except ImportError:  # installed without a C compiler: numpy's passes, the same numbers
    COMPILED = False


def offending_sums_passes(propensity, free, who, pull, neighborhood, stop_weight, cdf, stop_cdf) -> float:
    """The running sums of ``model.crime.run_week`` over the residents who can offend (``who``, their
    ``propensity``, ``neighborhood`` and ``stop_weight``), counting only the ``free``: into ``cdf`` the sum of
    propensity x the pull of silence in their neighborhood (``pull``, per neighborhood), into ``stop_cdf``
    that of propensity x ``stop_weight``; returns the sum of propensity alone. Each term is
    ``propensity * free[who]`` times its factor, added in order (a factor of 1 leaves a term as it is, so ones
    stand for no pull or no profiling). numpy's passes; ``offending_sums`` is the same in one compiled loop."""
    p = propensity * free[who]
    np.cumsum(p * pull[neighborhood], out=cdf)
    np.cumsum(p * stop_weight, out=stop_cdf)
    return float(np.cumsum(p)[-1]) if len(p) else 0.0


def fear_week_passes(ties_sum, fear, keep, s_eff, divisor, untied, threshold, chilled, e_media, heard, exposure,
                     sensitivity, contagion) -> None:
    """``model.fear.update_fear``'s week without the channels' stocks, after the tie sums ``ties_sum`` (of last
    week's fear of each one's ties, present ones only): fear decays by ``keep``, gains ``s_eff x sensitivity
    x`` the exposure (the news in memory, ``e_media``, plus each hearing of the week: ``heard``, sorted by
    resident and in the week's order among one resident's, with its ``exposure``), moves by ``s_eff x
    contagion`` toward the ties' mean (the sum over ``divisor``; the ``untied``, sorted, toward their own
    decayed fear), is capped at 1, and ``chilled`` is fear above ``threshold``. ``fear`` and ``chilled`` are
    written in place. numpy's passes; ``fear_week`` is the same in one compiled loop, resident by resident."""
    e_total = e_media.copy()
    if len(heard):
        np.add.at(e_total, heard, exposure)  # each resident's hearings added in the week's order
    f = np.multiply(fear, keep, out=fear)
    gain = s_eff * sensitivity
    gain *= e_total
    mean = ties_sum / divisor
    mean[untied] = f[untied]
    pull = s_eff * contagion
    mean -= f
    pull *= mean
    gain += pull
    f += gain
    np.minimum(f, 1.0, out=f)
    np.greater(f, threshold, out=chilled)


if not COMPILED:
    offending_sums, fear_week = offending_sums_passes, fear_week_passes
