"""The compiled loops (model.kernels) do what the numpy code they replace did, to the last bit: a run does not
depend on whether a pass is numpy's or the loop's. Random arrays (hypothesis), checked bit for bit against that
numpy code, including ties at 0 and 1, residents heard several times in one week and residents with no tie."""

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import kernels
from model.fear import update_fear
from model.hearing import CHANNELS, Heard
from model.kernels import offending_sums

ROOT = Path(__file__).resolve().parents[1]

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


def test_the_compiled_loops_are_built_where_the_project_was_installed():
    """``make setup`` builds the loops (``pip install -e .``, model/_kernels.c). Without a C compiler the install
    goes on and the model runs numpy's passes, the same numbers more slowly; this test then skips, saying so,
    and fails instead where the loops are required (REQUIRE_KERNELS=1, as in CI)."""
    from model.kernels import COMPILED

    if not COMPILED:
        reason = "model._kernels is not built (no C compiler at `pip install -e .`?); numpy's passes run instead"
        if os.environ.get("REQUIRE_KERNELS") == "1":
            pytest.fail(f"the compiled loops are required (REQUIRE_KERNELS=1) but {reason}")
        pytest.skip(reason)


def test_a_process_that_runs_the_model_imports_no_compiler():
    """The loops are compiled at install, not at run time: a worker imports the model and runs a week without
    numba or LLVM (which cost every process 0.4 s and 130 MiB when the loops were numba's)."""
    code = ("import sys; from model import SecureCommunitiesModel; m = SecureCommunitiesModel(n_residents=200, rng=1); "
            "m.step(); print(sorted(k for k in ('numba', 'llvmlite') if k in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.skipif(not kernels.COMPILED, reason="model._kernels is not built: nothing to compare")
@SETTINGS
@given(n=st.integers(1, 400), hearings=st.integers(0, 60), seed=st.integers(0, 2**32 - 1))
def test_the_compiled_loops_and_numpys_passes_give_the_same_bits(n, hearings, seed):
    """A county's numbers do not depend on whether its week ran the C loops or numpy's passes (an install
    without a compiler): both sums and fear's week, bit for bit, on random arrays."""
    rng = np.random.default_rng(seed)
    m = n + int(rng.integers(0, 50))
    who = np.sort(rng.choice(m, n, replace=False))
    propensity, free = rng.lognormal(-4, 2, n) * (rng.random(n) < 0.9), rng.random(m) < 0.8
    neighborhood = rng.integers(0, 7, n).astype(np.int32)
    pull, stop_weight = rng.random(7) * 3, rng.random(n) * 2
    sums = [np.empty(n) for _ in range(4)]
    total = kernels.offending_sums(propensity, free, who, pull, neighborhood, stop_weight, sums[0], sums[1])
    again = kernels.offending_sums_passes(propensity, free, who, pull, neighborhood, stop_weight, sums[2], sums[3])
    assert bits(total) == bits(again)
    assert np.array_equal(bits(sums[0]), bits(sums[2])) and np.array_equal(bits(sums[1]), bits(sums[3]))

    loop, passes = fear_state(np.random.default_rng(seed), n, False), fear_state(np.random.default_rng(seed), n, False)
    ties_sum = rng.random(n) * 4
    heard, exposure = np.sort(rng.integers(0, n, hearings)), rng.random(hearings) * 2
    e_media = rng.random(n) * 0.2
    for state, week in ((loop, kernels.fear_week), (passes, kernels.fear_week_passes)):
        week(ties_sum.copy(), state.fear, state.keep, state.s_present, state.tie_divisor, state.untied,
             state.threshold, state.chilled, e_media, heard, exposure, 0.8, 0.3)
    assert np.array_equal(bits(loop.fear), bits(passes.fear)) and np.array_equal(loop.chilled, passes.chilled)


@pytest.mark.skipif(not kernels.COMPILED, reason="model._kernels is not built")
def test_the_compiled_loops_refuse_arrays_of_another_type_naming_the_argument():
    """The C loops read raw memory: an array of another type, shape or layout is refused with the argument's
    name, never read as something else, and an index outside its array is an error, not a read beyond it."""
    n = 5
    good = [np.ones(n), np.ones(n, dtype=bool), np.arange(n), np.ones(3), np.zeros(n, dtype=np.int32), np.ones(n),
            np.empty(n), np.empty(n)]
    kernels.offending_sums(*good)
    for i, wrong, name in ((2, np.arange(n, dtype=np.int32), "who"), (0, np.ones(2 * n)[::2], "propensity"),
                           (6, np.empty(n, dtype=np.float32), "cdf")):
        args = list(good)
        args[i] = wrong
        with pytest.raises(TypeError, match=name):
            kernels.offending_sums(*args)
    args = list(good)
    args[4] = np.array([0, 1, 2, 3, 9], dtype=np.int32)  # a neighborhood beyond the 3 of pull
    with pytest.raises(IndexError, match="neighborhood"):
        kernels.offending_sums(*args)
    read_only = np.empty(n)
    read_only.flags.writeable = False
    with pytest.raises(TypeError, match="stop_cdf"):
        kernels.offending_sums(*good[:7], read_only)


@pytest.mark.skipif(not kernels.COMPILED, reason="model._kernels is not built: nothing to compare")
def test_a_countys_run_is_the_same_without_the_compiled_loops(monkeypatch):
    """Installed without a C compiler, the model runs numpy's passes: a panel county (fear without channel
    stocks, so the fear loop runs) gives the same weekly numbers and the same fear, to the last digit."""
    import model.crime
    import model.fear
    from experiments.panel.outcomes import WEEKLY
    from experiments.panel.tasks import advance_model, build_model

    def run():
        county = build_model({"n_residents": 1500, "activation_week": 10, "sharing_active": True}, 4, WEEKLY)
        advance_model(county, 40, WEEKLY, 0)
        return county

    compiled = run()
    monkeypatch.setattr(model.crime, "offending_sums", kernels.offending_sums_passes)
    monkeypatch.setattr(model.fear, "fear_week", kernels.fear_week_passes)
    passes = run()
    assert compiled.fear.sum() > 0  # fear moved, so the loops had work to do
    assert np.array_equal(bits(compiled.fear), bits(passes.fear))
    weekly, again = compiled.datacollector.arrays(), passes.datacollector.arrays()
    assert weekly.keys() == again.keys()
    assert all(np.array_equal(bits(weekly[k]), bits(again[k])) for k in weekly)
