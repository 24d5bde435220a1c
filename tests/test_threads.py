"""A week runs on one BLAS thread, whatever the environment, and gives the process its threads back.

Two sweep workers whose models each start OpenBLAS's pool (a thread per core) step at about half speed
(model/threads.py).
"""

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from model import SecureCommunitiesModel, scenario
from model.fear import FearProcess


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


def test_a_pinned_worker_runs_its_weeks_without_setting_the_limit_each_week():
    """A sweep or panel worker calls pin_process once: its BLAS pools stay at one thread, and a week finds
    nothing to set (the context is a no-op) instead of setting and restoring the limit every week."""
    import subprocess
    import sys

    code = ("import contextlib, numpy as np\n"
            "from threadpoolctl import threadpool_info\n"
            "np.ones((4, 4)) @ np.ones(4)\n"
            "from model.threads import pin_process, single_threaded\n"
            "many = any(lib['num_threads'] > 1 for lib in threadpool_info() if lib['user_api'] == 'blas')\n"
            "assert isinstance(single_threaded(), contextlib.nullcontext) is not many  # one core: nothing to do\n"
            "pin_process()\n"
            "assert isinstance(single_threaded(), contextlib.nullcontext)\n"
            "print([lib['num_threads'] for lib in threadpool_info() if lib['user_api'] == 'blas'])\n")
    env = {k: v for k, v in __import__("os").environ.items() if "NUM_THREADS" not in k}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert set(eval(out.stdout.strip())) == {1}  # noqa: S307 (our own output)
