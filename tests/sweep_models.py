"""Model factories for the experiments tests (not test hooks in the model: separate classes).

Specs cannot import code, so the tests register these from Python (``register()``) and specs
name them (``model = "ishigami"``); the CLI tests use the explicit ``--model NAME=module:attr``.
"""

import math
import os
import signal
import time

import mesa

from model import SecureCommunitiesModel


class FailsAtHighFear(SecureCommunitiesModel):
    """The real model, except that a run with fear_sensitivity above 2 raises in week 3."""

    def step(self):
        if self.params.fear_sensitivity > 2.0 and self.steps == 2:
            raise RuntimeError(f"deliberate failure at fear_sensitivity={self.params.fear_sensitivity}")
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


class Poison(mesa.Model):
    """A run with ``poison=True`` kills its own worker process with SIGKILL every time it starts (writing
    its pid to a new file in ``marker_dir`` first); the others run normally. Only for process-pool tests."""

    REPORTERS = ("x",)

    def __init__(self, rng=None, marker_dir="", poison=False, level=0):
        super().__init__(rng=rng)
        if poison:
            with open(os.path.join(marker_dir, f"death-{os.getpid()}"), "w") as fh:
                fh.write(str(level))
            os.kill(os.getpid(), signal.SIGKILL)
        self.level = level
        self.x = float(self.rng.random())
        self.datacollector = mesa.DataCollector(model_reporters={"x": "x"})
        self.datacollector.collect(self)

    def step(self):
        time.sleep(0.02)
        self.x = float(self.rng.random()) + self.level
        self.datacollector.collect(self)


class Sleeper(mesa.Model):
    """Writes ``started-<pid>-<n>`` in ``marker_dir`` when a run starts, then sleeps ``nap`` seconds a step:
    a run that is slow on purpose, for killing drivers in the middle of a sweep. While the file ``hold`` exists,
    a step waits for it to go, so a test decides when a run may finish instead of racing the clock."""

    REPORTERS = ("x",)

    def __init__(self, rng=None, marker_dir="", nap=0.05, level=0, hold=""):
        super().__init__(rng=rng)
        self.hold = hold
        if marker_dir:
            n = len(os.listdir(marker_dir))
            with open(os.path.join(marker_dir, f"started-{os.getpid()}-{n}"), "w") as fh:
                fh.write(str(level))
        self.nap = nap
        self.x = float(self.rng.random()) + level
        self.datacollector = mesa.DataCollector(model_reporters={"x": "x"})
        self.datacollector.collect(self)

    def step(self):
        time.sleep(self.nap)
        while self.hold and os.path.exists(self.hold):
            time.sleep(0.02)
        self.x = float(self.rng.random())
        self.datacollector.collect(self)


def register():
    """Register the test models under plain names (what a user does from Python)."""
    from experiments import register_model

    register_model("fails_at_high_fear", FailsAtHighFear)
    register_model("ishigami", Ishigami)
    register_model("dies_once", DiesOnce)
    register_model("poison", Poison)
    register_model("sleeper", Sleeper)
