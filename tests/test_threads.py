"""A week runs on one BLAS thread, whatever the environment, and gives the process its threads back.

Two sweep workers whose models each start OpenBLAS's pool (a thread per core) step at about half speed
(model/threads.py).
"""

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from model import SecureCommunitiesModel, scenario
from model.fear import FearProcess
from model.hearing import CHANNEL_NAMES
from model.metrics import CELL_GROUPS, resident_cells


def _blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


@pytest.fixture()
def seen(monkeypatch):
    """The BLAS pools' sizes in the middle of each week (when the fear process runs), spin-up included."""
    sizes = []
    original = FearProcess.step

    def step(self, *args, **kwargs):
        sizes.append(_blas_threads())
        return original(self, *args, **kwargs)

    monkeypatch.setattr(FearProcess, "step", step)
    return sizes


def test_every_week_runs_on_one_blas_thread_and_gives_the_pool_back(seen):
    np.ones((4, 4)) @ np.ones(4)  # numpy's BLAS is loaded and visible
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        model = SecureCommunitiesModel(**scenario("sc_full"), n_residents=300, spin_up_weeks=104, rng=3)
        spun = len(seen)
        for _ in range(3):
            model.step()
        assert spun == 104 and len(seen) == 107  # the spin-up's weeks and the recorded ones
        assert all(threads == [1] * len(before) for threads in seen)
        assert _blas_threads() == before  # the user's own numpy work keeps its threads between weeks


def test_channel_sums_equal_the_dense_product_they_replace():
    """The decomposition is summed without BLAS; it is the same number as channels @ hispanic."""
    model = SecureCommunitiesModel(**scenario("sc_full"), n_residents=2000, spin_up_weeks=104, rng=5)
    for _ in range(30):
        model.step()
    hispanic = CELL_GROUPS["hispanic"][resident_cells(model)]
    dense = model.fear_process.channels @ hispanic.astype(np.float64) / hispanic.sum()
    for i, name in enumerate(CHANNEL_NAMES):
        assert model.metrics[f"fear_channel_{name}_hispanic"] == pytest.approx(dense[i], rel=1e-9, abs=1e-15)
