"""Model factories for the experiments tests (not test hooks in the model: separate classes that a
spec names with ``factory = "tests.sweep_models:..."``)."""

import math
import os
import signal
import time

import mesa

from model import SecureCommunitiesModel


class FailsAtHighFear(SecureCommunitiesModel):
    """The real model, except that a run with fear_sensitivity above 2 raises in week 3."""

    def step(self):
        if self.fear_sensitivity > 2.0 and self.steps == 2:
            raise RuntimeError(f"deliberate failure at fear_sensitivity={self.fear_sensitivity}")
        super().step()


class Ishigami(mesa.Model):
    """The Ishigami function as a one-step Mesa model: y = sin x1 + a sin^2 x2 + b x3^4 sin x1."""

    REPORTERS = ("y",)
    A, B = 7.0, 0.1

    def __init__(self, rng=None, x1=0.0, x2=0.0, x3=0.0):
        super().__init__(rng=rng)
        self.x1, self.x2, self.x3 = x1, x2, x3
        self.y = math.nan
        self.datacollector = mesa.DataCollector(model_reporters={"y": "y"})
        self.datacollector.collect(self)

    def step(self):
        self.y = math.sin(self.x1) + self.A * math.sin(self.x2) ** 2 + self.B * self.x3 ** 4 * math.sin(self.x1)
        self.datacollector.collect(self)

    @staticmethod
    def validate_parameters(params):
        unknown = set(params) - {"x1", "x2", "x3"}
        if unknown:
            raise ValueError(f"unknown parameter(s) {sorted(unknown)}")
        return params

    @staticmethod
    def analytic():
        """First-order and total indices of the Ishigami function (a=7, b=0.1), x_i ~ U(-pi, pi)."""
        a, b, pi = Ishigami.A, Ishigami.B, math.pi
        v1 = 0.5 * (1 + b * pi ** 4 / 5) ** 2
        v2 = a ** 2 / 8
        v13 = b ** 2 * pi ** 8 * (1 / 18 - 1 / 50)
        v = v1 + v2 + v13
        return {"S1": [v1 / v, v2 / v, 0.0], "ST": [(v1 + v13) / v, v2 / v, v13 / v]}


class DiesOnce(mesa.Model):
    """Kills its own worker process with SIGKILL the first time a run with ``die=True`` starts (the marker
    file records that it happened); afterwards it runs normally. Only for process-pool tests."""

    REPORTERS = ("x",)

    def __init__(self, rng=None, marker="", die=False):
        super().__init__(rng=rng)
        if die and not os.path.exists(marker):
            with open(marker, "w") as fh:
                fh.write(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGKILL)
        self.x = float(self.rng.random())
        self.datacollector = mesa.DataCollector(model_reporters={"x": "x"})
        self.datacollector.collect(self)

    def step(self):
        time.sleep(0.05)
        self.x = float(self.rng.random())
        self.datacollector.collect(self)
