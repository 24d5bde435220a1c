"""One particle, as a worker runs it: every county its targets need, then the targets' statistics."""

import os
import random
import time
import traceback
from dataclasses import dataclass

import numpy as np

from .spec import CalibrationSpec
from .statistics import Run, compute


@dataclass(frozen=True)
class Simulator:
    """What one particle runs: every county its targets need (``replications`` times each), then the
    targets' statistics. Called by pyabc with the particle's parameters; draws its seed from numpy's
    global generator, which the sampler seeds per evaluation."""

    counties: tuple  # (name, params, weeks)
    targets: tuple  # Target: fitted and checked
    priors: tuple
    replications: int = 1

    @classmethod
    def of(cls, spec: CalibrationSpec) -> "Simulator":
        return cls(tuple((c, d["params"], d["weeks"]) for c, d in spec.counties.items()), spec.all_targets,
                   spec.priors, spec.replications)

    def parameters(self, particle) -> dict:
        """The model parameters of a pyabc particle (natural units, integers rounded)."""
        return {p.name: p.value(particle[p.pyabc_name]) for p in self.priors}

    def run(self, params: dict, seed: int) -> dict:
        """Every county, then the statistics: {target id: value}."""
        from model import SecureCommunitiesModel

        seeds = np.random.SeedSequence(seed).spawn(len(self.counties) * self.replications)
        runs, k = {}, 0
        for name, county, weeks in self.counties:
            for _ in range(self.replications):
                model = SecureCommunitiesModel(rng=int(seeds[k].generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)),
                                               **{**county, **params})
                k += 1
                for _ in range(weeks):
                    model.step()
                runs.setdefault(name, []).append(Run.from_model(model, name))
                del model
        return compute(self.targets, runs)

    def __call__(self, particle) -> dict:
        seed = int(np.random.randint(0, 2**62, dtype=np.int64))
        return self.run(self.parameters(particle), seed)


def simulate_point(task) -> dict:
    """A posterior-predictive run (in a worker): ``task.payload`` is (simulator, params)."""
    record = task_record(task)
    t0 = time.perf_counter()
    stats = None
    try:
        simulator, params = task.payload
        stats = simulator.run(params, task.seed)
    except Exception as e:  # noqa: BLE001 - reported by the driver
        record.update(status="failed", error=f"{type(e).__name__}: {e}", traceback=traceback.format_exc())
    record["wall_time"] = time.perf_counter() - t0
    return {"record": record, "stats": stats}


@dataclass(frozen=True)
class EvalTask:
    """One evaluation sent to a worker (the executors of ``experiments.core.runner`` take it like a sweep run)."""

    run_id: str
    point_id: int  # the evaluation's index in its generation
    seed: int
    payload: object  # the generation's SimulateOne, or (simulator, params)
    replicate: int = 0


def task_record(task) -> dict:
    """The record of an evaluation or a predictive run, before it runs."""
    return {"run_id": task.run_id, "point_id": task.point_id, "replicate": 0, "seed": task.seed, "status": "ok",
            "error": None, "traceback": None, "pid": os.getpid(), "worker_deaths": 0}


def seed_globals(seed: int) -> None:
    """Seed numpy's and Python's global generators (pyabc draws proposals from numpy's)."""
    np.random.seed([seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF])
    random.seed(seed)


def evaluate(task: EvalTask) -> dict:
    """Run pyabc's simulate_one once with the evaluation's own seed (in a worker)."""
    record = task_record(task)
    t0, c0 = time.perf_counter(), time.process_time()
    particle = None
    try:
        seed_globals(task.seed)
        particle = task.payload()
    except Exception as e:  # noqa: BLE001 - the driver stops the calibration with this message
        record.update(status="failed", error=f"{type(e).__name__}: {e}", traceback=traceback.format_exc())
    record["wall_time"] = time.perf_counter() - t0
    record["cpu_time"] = time.process_time() - c0
    return {"record": record, "particle": particle}

