"""The compiled loops (model.kernels) do what the numpy code they replace did, to the last bit: a run does not
depend on whether a pass is numpy's or the loop's. Random arrays (hypothesis), checked bit for bit against that
numpy code, including ties at 0 and 1, residents heard several times in one week and residents with no tie."""

from types import SimpleNamespace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model.fear import update_fear
from model.hearing import CHANNELS, Heard
from model.kernels import offending_sums

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def bits(a):
    return np.asarray(a, dtype=np.float64).view(np.int64)


@SETTINGS
@given(n=st.integers(1, 400), neighborhoods=st.integers(1, 9), seed=st.integers(0, 2**32 - 1),
       deters=st.booleans(), profiling=st.booleans())
def test_the_crime_weeks_running_sums_are_numpys_cumsums_to_the_last_bit(n, neighborhoods, seed, deters, profiling):
    """Who offends and whom the police stop are picked by place in these running sums, and the pull of
    silence is their ratio: the loop's sums are those of ``np.cumsum`` over numpy's products."""
    rng = np.random.default_rng(seed)
    residents = n + int(rng.integers(0, 50))
    who = np.sort(rng.choice(residents, n, replace=False))
    propensity = rng.lognormal(-4, 2, n) * (rng.random(n) < 0.9)  # some exact zeros
    free = rng.random(residents) < 0.8
    neighborhood = rng.integers(0, neighborhoods, n).astype(np.int32)
    pull = rng.random(neighborhoods) * 3 if deters else np.ones(neighborhoods)
    stop_weight = rng.random(n) * 2 if profiling else np.ones(n)
    cdf, stop_cdf = np.empty(n), np.empty(n)
    total = offending_sums(propensity, free, who, pull, neighborhood, stop_weight, cdf, stop_cdf)

    numpys = propensity * free[who]  # what model.crime.run_week computed before the loop
    assert np.array_equal(bits(cdf), bits(np.cumsum(numpys * pull[neighborhood]) if deters else np.cumsum(numpys)))
    assert np.array_equal(bits(stop_cdf), bits(np.cumsum(numpys * stop_weight) if profiling else np.cumsum(numpys)))
    assert bits(total) == bits(np.cumsum(numpys)[-1])


def fear_state(rng, n, channels: bool):
    """What ``update_fear`` reads and writes of a county, at random; the same for a seed."""
    strength = rng.random(n) * 3 * (rng.random(n) < 0.85)  # some residents with no close tie
    state = SimpleNamespace(
        fear=rng.random(n) * (rng.random(n) < 0.7), present=rng.random(n) < 0.95, keep=np.full(n, 0.98),
        s_present=rng.choice([0.0, 0.15, 0.35, 0.6, 1.0], n), tie_divisor=np.where(strength > 0, strength, 1.0),
        untied=np.flatnonzero(strength <= 0), threshold=rng.random(n), chilled=np.zeros(n, dtype=bool),
        own_share=rng.random(n), channels=np.zeros((len(CHANNELS), n)) if channels else None)
    state.fear[rng.random(n) < 0.05] = 1.0  # some at the cap
    return state


@SETTINGS
@given(n=st.integers(1, 300), hearings=st.integers(0, 60), seed=st.integers(0, 2**32 - 1))
def test_fears_week_in_one_pass_is_the_numpy_passes_to_the_last_bit(n, hearings, seed):
    """A model that keeps no channel stocks updates fear in one compiled pass; one that keeps them, in numpy's
    passes. Their fear and chilled state are the same to the last bit, with residents heard several times in
    one week (in the week's order), at the cap, with no tie, and absent."""
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    weights = sp.random(n, n, density=min(1.0, 8 / n), format="csr", random_state=rng)
    e_media = rng.random(n) * 0.2 * (rng.random(n) < 0.5)
    people = rng.integers(0, n, hearings)  # unsorted, with repeats
    heard = Heard(people, rng.integers(0, 5, hearings), rng.integers(0, len(CHANNELS), hearings),
                  rng.random(hearings) * 2)
    params = SimpleNamespace(fear_sensitivity=float(rng.uniform(0.1, 2)), fear_contagion=float(rng.uniform(0, 0.5)))
    loop, passes = fear_state(np.random.default_rng(seed), n, False), fear_state(np.random.default_rng(seed), n, True)
    assert np.array_equal(loop.fear, passes.fear)
    for _ in range(3):  # three weeks: the second and third start from the first's fear
        update_fear(loop, weights, e_media, heard, params)
        update_fear(passes, weights, e_media, heard, params)
        assert np.array_equal(bits(loop.fear), bits(passes.fear))
        assert np.array_equal(loop.chilled, passes.chilled)
    assert loop.fear.max(initial=0.0) <= 1.0


def test_the_local_pools_workers_start_with_the_loops_loaded():
    """The local pool's forkserver loads the compiled loops before it forks (``experiments.core.preload``), so
    a worker's first county does not pay for them, whatever else the process has done."""
    import multiprocessing as mp

    from experiments.core.runner import PRELOAD
    from model.kernels import loaded

    assert "experiments.core.preload" in PRELOAD
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(list(PRELOAD))
    with ctx.Pool(1) as pool:
        assert pool.apply(loaded)
