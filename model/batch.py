"""Counties stepped together: many small counties in one process, paying once a week for the batch what a
week costs a county whatever its size.

A week of a county of a few hundred residents is mostly fixed cost: numpy calls on short arrays and
Python around them. Counties in a batch keep everything that is theirs (their generators, agents,
events and parameters) and run their week as they would alone (``SecureCommunitiesModel.advance``).
What the batch shares:

- the fear update: the arrays it reads and writes are one array for all the counties, their ties one
  block-diagonal matrix (``model.fear.JointFear``), so decay, exposure, contagion and the chilled state are
  one pass for the batch (when the counties share their fear parameters);
- the week's measurement: one table of cells for all the counties (``model.metrics.Week``), so each
  reporter is the same few numpy calls for one county or fifty; and what it is made from (each
  resident's chance of reporting and cell), for all the residents at once;
- the deterrence of each neighborhood (``crime.deterrence``), at the start of the week, for all at once;
- the clock: Mesa's event machinery (a scheduled event per week and county) is not driven for each
  county; the batch advances every county's ``steps`` and ``time`` itself and hands each county back
  with its Mesa schedule set to its next week (``release``).

Each county's numbers are the ones it has alone, to the last digit (tests/test_batch.py). What draws
random numbers (crime, police, the jail, ICE, who hears of a detention) still runs county by county:
each county draws from its own generators, in its own order, which is what keeps a county's run
independent of its batch. A model in a batch is stepped by the batch only, until ``release``. Counties
are built the same way, their spin-ups run together (``SecureCommunitiesModel.build_together``,
``model.spin_up.spin_up_together``).
"""

import numpy as np

from agents.codes import Custody

from .crime import base_reporting, deters, neighborhood_means, pull, reporting_scale
from .fear import JointFear
from .metrics import STRIDE, Week, cells_now, measure
from .threads import single_threaded


class CountyBatch:
    """Models at the same week, stepped together. ``add`` a model (a county, or a twin restored from a
    snapshot) at the batch's week; ``step`` advances them all one week; ``release`` hands them back."""

    def __init__(self, models=()):
        self.models = []
        self._joint = None  # the counties' fear as one (model.fear.JointFear), if they can share it
        for model in models:
            self._check(model)
            self.models.append(model)
        self._rejoin()

    @property
    def week(self) -> int:
        """The recorded week every model of the batch is at (0 before the first step)."""
        return self.models[0].steps if self.models else 0

    def add(self, model) -> None:
        """A model joins at the batch's week; it records the same reporters as the others."""
        self._check(model)
        self.models.append(model)
        self._rejoin()

    def _check(self, model) -> None:
        if self.models:
            first = self.models[0]
            if model.steps != first.steps:
                raise ValueError(f"a model at week {model.steps} cannot join a batch at week {first.steps}")
            if model.reporters != first.reporters:
                raise ValueError("the models of a batch record the same reporters")
        if any(m is model for m in self.models):
            raise ValueError("the model is in the batch already")

    def _rejoin(self) -> None:
        if self._joint is not None:
            self._joint.detach()
        processes = [m.fear_process for m in self.models]
        self._joint = JointFear(processes) if len(processes) > 1 and JointFear.can_join(processes) else None
        self._fixed = _Fixed(self.models) if len(self.models) > 1 else None
        self._report_prob = None  # the counties' reporting chances, once the batch has measured a week

    def step(self) -> None:
        """One week of every model: each county's processes as alone, then one measurement for all."""
        models = self.models
        if not models:
            return
        with single_threaded():  # BLAS's thread pool only slows a week down (model/threads.py)
            pulls = self._pulls()
            for m, pull_now in zip(models, pulls, strict=True):
                m.steps += 1  # what Mesa's step does before the model's own (mesa.Model._do_step)
                m.time += 1.0
                m.advance(pull=pull_now)
            if self._joint is not None:
                self._joint.update()
            states = measure(self._week(), models[0].blocks)
            for m, state in zip(models, states, strict=True):
                m.record_metrics(state)

    def _pulls(self) -> list:
        """Each county's ``crime.deterrence`` for the coming week, computed for all at once where every
        county's offenders respond to silence (None for a county to compute its own): from each county's
        free residents and reporting chances at the start of the week, as its ``crime.run_week`` would."""
        fixed = self._fixed
        if fixed is None or fixed.neighborhood is None or self._report_prob is None:
            return [None] * len(self.models)
        free = np.concatenate([m.custody for m in self.models]) == Custody.FREE
        q = neighborhood_means(fixed.neighborhood, fixed.neighborhoods, free, self._report_prob, fixed.nb_counts)
        joint = pull(q, fixed.baseline, fixed.elasticity)
        return [joint[a:b] for a, b in zip(fixed.nb_bounds[:-1], fixed.nb_bounds[1:], strict=True)]

    def _week(self) -> Week:
        """This week's measurement of every county at once: its residents' reporting chances (each model
        keeps its own part, for next week's crime) and cells, as ``SecureCommunitiesModel.week_inputs``
        makes them alone (the same operations per resident, on the counties' arrays one after another)."""
        models = self.models
        if len(models) == 1:
            return Week.from_counties(models, *zip(models[0].week_inputs(), strict=True))
        fixed = self._fixed
        status = np.concatenate([m.status for m in models])
        chilled = (self._joint.chilled if self._joint is not None
                   else np.concatenate([m.fear_process.chilled for m in models]))
        report_prob = fixed.base * reporting_scale(status, chilled, fixed.undocumented_ratio, fixed.chill_effect)
        self._report_prob = report_prob  # every county's, for next week's deterrence (_pulls)
        cells = cells_now(fixed.cells, status, np.concatenate([m.custody for m in models]))
        county_cells, cohort = [], []
        for m, a, b in zip(models, fixed.bounds[:-1], fixed.bounds[1:], strict=True):
            m.report_prob = report_prob[a:b]
            county_cells.append(cells[a:b])
            cohort.append(m.cohort_cells(cells[a:b]))
        return Week(models, report_prob, cells + fixed.offset, np.concatenate(cohort) + fixed.offset, county_cells)

    def release(self, model=None) -> list:
        """Hand back ``model`` (every model for None), its Mesa clock set to step on from its week."""
        out = self.models if model is None else [m for m in self.models if m is model]
        if model is not None and not out:
            raise ValueError("the model is not in the batch")
        for m in out:
            m.set_clock(m.steps, m.time)
        self.models = [] if model is None else [m for m in self.models if m is not model]
        self._rejoin()
        return out


class _Fixed:
    """What the batch's weekly measurement needs of its counties that does not change while they are in it:
    where each county's residents are, their cells' fixed part, and the reporting parameters per resident."""

    def __init__(self, models):
        sizes = [len(m.status) for m in models]
        self.bounds = np.cumsum([0, *sizes]).tolist()
        self.offset = np.repeat(np.arange(len(models)) * STRIDE, sizes)
        self.cells = np.concatenate([m.fixed_cells for m in models])
        self.base = np.repeat([base_reporting(m.params) for m in models], sizes)
        self.undocumented_ratio = np.repeat([m.params.undocumented_reporting_ratio for m in models], sizes)
        self.chill_effect = np.repeat([m.params.chill_reporting_effect for m in models], sizes)
        # deterrence for all at once when every county has it: neighborhoods one county after another
        self.neighborhood = None
        if all(deters(m.params) for m in models):
            counts = [len(m.baseline_neighborhood_reporting) for m in models]
            self.nb_bounds = np.cumsum([0, *counts]).tolist()
            self.neighborhoods = self.nb_bounds[-1]
            self.neighborhood = np.concatenate([m.neighborhood + a
                                                for m, a in zip(models, self.nb_bounds[:-1], strict=True)])
            self.baseline = np.concatenate([m.baseline_neighborhood_reporting for m in models])
            self.nb_counts = np.concatenate([m.nb_counts for m in models])
            self.elasticity = np.repeat([m.params.offending_deterrence_elasticity for m in models], counts)
