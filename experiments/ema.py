"""The model as an EMA Workbench model: exploratory modelling (scenario discovery, PRIM, CART)
with the uncertainties and levers taken from the parameter table.

    from ema_workbench import perform_experiments
    from experiments.ema import ema_model

    model = ema_model(["fear_sensitivity", "chill_reporting_effect"], levers=["detainer_policy"],
                      fixed={"n_residents": 5000}, steps=156, replications=3)
    experiments, outcomes = perform_experiments(model, scenarios=50, policies=4)

Uncertainties range over each parameter's sweep range (or its allowed interval where it has
none); levers over a categorical parameter's choices. Each replication is seeded from
``seed + replicate``, so an experiment is reproducible; the outcomes are the model's reporters
at the last week (``_cumulative`` reporters are totals since week 0). With ``replications`` > 1
EMA Workbench hands each outcome one value per replication; ``aggregate`` reduces them to the
experiment's scalar (the mean by default; ``np.median`` or any function of a list of numbers).
"""

from functools import partial

import numpy as np
from ema_workbench import (
    BooleanParameter,
    CategoricalParameter,
    Constant,
    IntegerParameter,
    Model,
    RealParameter,
    ReplicatorModel,
    ScalarOutcome,
)

from model import SecureCommunitiesModel
from model.constraints import Boolean, Options
from model.parameters import PARAMETER_TABLE
from model.reporters import REPORTERS

DEFAULT_OUTCOMES = ("removals_cumulative", "separated_households_cumulative", "reporting_rate_cohort_hispanic",
                    "chilled_share_undocumented", "share_hispanic_adults_knows_detained")


def run_county(steps: int, outcomes: tuple, seed: int = 0, **params) -> dict:
    """One run: the county built from ``params`` with ``rng=seed``, stepped ``steps`` weeks."""
    model = SecureCommunitiesModel(rng=int(seed), **params)
    for _ in range(steps):
        model.step()
    return {name: float(model.metrics[name]) for name in outcomes}


def _parameter(name: str):
    p = PARAMETER_TABLE[name]
    c = p.constraint
    if isinstance(c, Boolean):
        return BooleanParameter(name)
    if isinstance(c, Options):
        return CategoricalParameter(name, list(c.options))
    if c.categorical:  # a schedule of levels: no list of choices to draw from
        raise ValueError(f"{name} takes a schedule ({c.describe()}); give it in fixed, not as an uncertainty or lever")
    low, high = p.sweep if p.sweep is not None else (c.low, c.high)
    return IntegerParameter(name, int(low), int(high)) if c.integer else RealParameter(name, float(low), float(high))


def ema_model(uncertainties, levers=(), fixed=None, outcomes=DEFAULT_OUTCOMES, steps=156, replications=1,
              seed=0, name="secure_communities", aggregate=np.mean):
    """An EMA Workbench model of the county: ``uncertainties`` and ``levers`` are parameter names;
    ``aggregate`` reduces an outcome's replications to one number (used when ``replications`` > 1)."""
    unknown = sorted((set(uncertainties) | set(levers) | set(fixed or {})) - set(PARAMETER_TABLE))
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown}; see model.parameters.PARAMETERS")
    missing = sorted(set(outcomes) - set(REPORTERS))
    if missing:
        raise ValueError(f"unknown outcome(s) {missing}; see model.reporters.REPORTERS")
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise ValueError(f"replications must be a whole number >= 1, got {replications!r}")
    if not callable(aggregate):
        raise ValueError(f"aggregate must be a function of a list of numbers (e.g. np.mean), got {aggregate!r}")
    function = partial(run_county, int(steps), tuple(outcomes))
    if replications > 1:
        model = ReplicatorModel(name, function=function)
        model.replications = [{"seed": seed + r} for r in range(replications)]
    else:
        model = Model(name, function=function)
    model.uncertainties = [_parameter(n) for n in uncertainties]
    model.levers = [_parameter(n) for n in levers]
    constants = [Constant(k, v) for k, v in (fixed or {}).items()]
    if replications == 1:
        constants.append(Constant("seed", seed))
    model.constants = constants
    reduce = partial(_reduce, aggregate) if replications > 1 else None
    model.outcomes = [ScalarOutcome(o, function=reduce) for o in outcomes]
    return model


def _reduce(aggregate, values) -> float:
    """EMA Workbench's ``ScalarOutcome`` function: the replications' values to one float (a
    module-level function under ``partial``, so a multiprocessing evaluator can pickle it)."""
    return float(aggregate(np.asarray(values, dtype=float)))
