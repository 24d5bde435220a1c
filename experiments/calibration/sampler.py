"""The sampler: pyabc's evaluations on an executor of ``experiments.core.runner``, seeded so that the
posterior does not depend on the workers."""

import math
import time

import numpy as np

from ..core.runner import run_seed
from .abc import pyabc_module
from .folder import CalibrationError
from .simulator import EvalTask, evaluate


def _sampler_class():
    pyabc = pyabc_module()

    class SeededSampler(pyabc.sampler.Sampler):
        """A pyabc sampler whose result does not depend on the workers.

        Evaluation ``i`` of generation ``t`` is seeded with the SeedSequence child ``(t + 1, i)`` of the
        root seed (numpy's global generator, which pyabc's proposals and the simulator draw from). The
        evaluations go to an executor of ``experiments.core.runner`` (serial, local processes or Dask), and the
        generation keeps particles ``0 .. k - 1``, where ``k`` is the first index at which ``n`` of them
        are accepted, whatever order they finished in (like pyabc's DaskDistributedSampler, which keeps
        the first ``n`` accepted by submission order, but seeded). Evaluations still running when the
        generation is complete are discarded (counted in ``discarded``).
        """

        def __init__(self, seed: int, executor, quiet: bool = True, generations: int | None = None,
                     on_generation=None):
            super().__init__()
            self.seed = seed
            self.executor = executor
            self.quiet = quiet
            self.generations = generations
            self.on_generation = on_generation  # called with (t, bookkeeping) after each generation's sample
            self.log = {}  # t -> bookkeeping of the generation

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                    ana_vars=None):
            from tqdm.auto import tqdm

            payload = simulate_one  # a SimulateOne: the executors send it to their workers with each task
            state = {"next": 0, "stop": False}

            def tasks():
                while not state["stop"] and state["next"] < max_eval:
                    i = state["next"]
                    state["next"] += 1
                    yield EvalTask(f"t{t}-e{i}", i, run_seed(self.seed, t + 1, i), payload)

            eps = ana_vars.eps(t) if ana_vars is not None else math.nan
            label = f"generation {t + 1}" + (f"/{self.generations}" if self.generations else "")
            bar = tqdm(total=n, desc=label, unit="accepted", disable=self.quiet, dynamic_ncols=True, leave=True)
            t0 = time.perf_counter()
            results, prefix, accepted, done, received, accepted_seen, cpu = {}, 0, 0, None, 0, 0, 0.0
            try:
                for res in self.executor.map(tasks(), fn=evaluate, lookahead=0):  # the generation stops as results come
                    rec = res["record"]
                    if rec["status"] != "ok":
                        raise CalibrationError(f"generation {t + 1}, evaluation {rec['point_id']} failed: "
                                               f"{rec['error']}\n{rec.get('traceback') or ''}")
                    received += 1
                    cpu += rec.get("cpu_time", math.nan)
                    results[rec["point_id"]] = res["particle"]
                    if res["particle"].accepted and accepted_seen < n:
                        accepted_seen += 1
                        bar.update(1)
                    while done is None and prefix in results:
                        accepted += bool(results[prefix].accepted)
                        prefix += 1
                        if accepted >= n:
                            done = prefix
                            state["stop"] = True
                    if done is None and prefix >= max_eval:
                        state["stop"] = True
                    elapsed = time.perf_counter() - t0
                    bar.set_postfix_str(f"eps {eps:.3g}, acceptance {accepted_seen / received:.2f}, "
                                        f"{received / elapsed:.2f} particles/s", refresh=False)
            finally:
                bar.close()
            k = done if done is not None else prefix
            sample = self._create_empty_sample()
            for i in range(k):
                sample.append(results[i])
            if done is None:
                sample.ok = False
            self.nr_evaluations_ = k
            wall = time.perf_counter() - t0
            self.log[t] = {"generation": t + 1, "epsilon": float(eps), "particles": int(n), "evaluations": int(k),
                           "discarded": int(received - k), "acceptance_rate": n / k if k else math.nan,
                           "wall_time": wall, "particles_per_second": received / wall if wall > 0 else math.nan,
                           "cpu_seconds_per_evaluation": cpu / received if received else math.nan}
            if self.on_generation is not None:
                self.on_generation(t, self.log[t])
            return sample

        def stop(self):
            pass

    return SeededSampler


def make_sampler(seed, executor, quiet=True, generations=None, on_generation=None):
    """A ``SeededSampler`` (a pyabc Sampler) on an executor of ``experiments.core.runner``."""
    return _sampler_class()(seed, executor, quiet, generations, on_generation)


