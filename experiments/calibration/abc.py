"""The pyabc bridge: the distance (each target's miss in tolerances), a resumable epsilon, an ABCSMC whose
per-generation simulate_one is a plain object the executors send to workers, and the ABCSMC of a spec."""

import math
import sys
import uuid

import numpy as np

from .simulator import Simulator
from .spec import CalibrationSpec

NAN_Z = 10.0  # a statistic a run could not measure counts as this many tolerances away


def pyabc_module():
    """pyabc, imported when first needed (it is slow to import)."""
    import pyabc

    return pyabc


def rms_distance(x: dict, x0: dict, targets, noise=None) -> float:
    """Root mean square of the targets' misses in tolerances, each widened by its seed noise (``noise``: {target
    id: standard deviation}, ``Target.z``); NaN counts as NAN_Z."""
    noise = noise or {}
    z = [t.z(x.get(t.id, math.nan), x0[t.id], noise.get(t.id, 0.0)) for t in targets]
    z = np.array([NAN_Z if not np.isfinite(v) else v for v in z])
    return float(np.sqrt(np.mean(z ** 2)))


def _pyabc_classes():
    pyabc = pyabc_module()

    class TargetDistance(pyabc.Distance):
        """Each fitted target's miss in units of sqrt(tolerance^2 + seed noise^2), on the side it falls; their
        root mean square. Checks (role = "check") are never in it."""

        def __init__(self, targets, noise=None):
            super().__init__()
            self.targets = tuple(targets)
            self.noise = dict(noise or {})

        def __call__(self, x, x_0, t=None, par=None):
            return rms_distance(x, x_0, self.targets, self.noise)

        def get_config(self):
            return {"name": "TargetDistance", "rms_of": [tt.id for tt in self.targets], "nan_z": NAN_Z,
                    "noise_sd": self.noise}

    class ResumableQuantileEpsilon(pyabc.QuantileEpsilon):
        """pyabc's QuantileEpsilon, except that on resume (first generation t > 0) it takes the quantile of
        the last stored generation, as an uninterrupted run would have, instead of the initial value."""

        def initialize(self, t, get_weighted_distances, get_all_records, max_nr_populations, acceptor_config):
            if t > 0:
                self._update(t, get_weighted_distances())
            else:
                self._look_up = {t: self._initial_epsilon}

    class SeededABCSMC(pyabc.ABCSMC):
        """pyabc's ABCSMC whose per-generation simulate_one is a plain object (``SimulateOne``) that the
        executors send to their workers like any task, instead of a closure that needs cloudpickle."""

        def _create_simulate_function(self, t: int):
            return SimulateOne(uuid.uuid4().hex, {
                "t": t, "model_probabilities": self.history.get_model_probabilities(t - 1),
                "model_perturbation_kernel": self.model_perturbation_kernel, "transitions": self.transitions,
                "model_prior": self.model_prior, "parameter_priors": self.parameter_priors, "models": self.models,
                "summary_statistics": self.summary_statistics, "x_0": self.x_0,
                "distance_function": self.distance_function, "eps": self.eps, "acceptor": self.acceptor})

    return {"TargetDistance": TargetDistance, "ResumableQuantileEpsilon": ResumableQuantileEpsilon,
            "SeededABCSMC": SeededABCSMC}


class SimulateOne:
    """pyabc's simulate_one of one generation (propose, simulate, measure, accept), as a plain object: what
    ``pyabc.inference_util.create_simulate_function`` takes, built into pyabc's function on first call in
    each process (and cached by the generation's token)."""

    def __init__(self, token: str, arguments: dict):
        self.token = token
        self.arguments = arguments

    def __call__(self):
        fn = _BUILT.get(self.token)
        if fn is None:
            from pyabc.inference_util import create_simulate_function

            _BUILT.clear()
            fn = _BUILT[self.token] = create_simulate_function(**self.arguments)
        return fn()


_BUILT = {}  # this process's simulate_one of the current generation, by token


def __getattr__(name):  # the pyabc subclasses, built when pyabc is first needed
    if name in ("TargetDistance", "ResumableQuantileEpsilon", "SeededABCSMC"):
        classes = _pyabc_classes()
        for k, v in classes.items():
            v.__module__, v.__qualname__ = __name__, k
            globals()[k] = v
        return classes[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def build_abc(spec: CalibrationSpec, sampler, noise=None):
    """The pyabc ABCSMC object of a spec (priors, simulator, distance, epsilon, population sizes); ``noise``: each
    fitted statistic's seed-noise standard deviation ({target id: sd}, ``experiments.calibration.noise``)."""
    pyabc = pyabc_module()
    module = sys.modules[__name__]
    prior = pyabc.Distribution(**{p.pyabc_name: pyabc.RV("uniform", p.internal_bounds[0],
                                                         p.internal_bounds[1] - p.internal_bounds[0])
                                  for p in spec.priors})
    if spec.epsilon == "quantile":
        eps = module.ResumableQuantileEpsilon(initial_epsilon=spec.initial_epsilon, alpha=spec.quantile)
    else:
        eps = pyabc.ListEpsilon(list(spec.epsilon))
    sizes = pyabc.populationstrategy.ListPopulationSize([spec.population_size(t) for t in range(spec.generations)])
    return module.SeededABCSMC(Simulator.of(spec), prior, module.TargetDistance(spec.targets, noise),
                               population_size=sizes, sampler=sampler, eps=eps)


