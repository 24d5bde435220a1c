"""EMA Workbench runs the model: one more real client beside mesa.batch_run."""

import numpy as np
import pytest
from ema_workbench import SequentialEvaluator, perform_experiments

from experiments.ema import ema_model, run_county


def test_perform_experiments_runs_the_model_over_uncertainties_and_levers():
    model = ema_model(["fear_sensitivity"], levers=["detainer_policy"], fixed={"n_residents": 400}, steps=60,
                      outcomes=("removals_cumulative", "chilled_share_undocumented"))
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = perform_experiments(model, scenarios=3, policies=2, evaluator=evaluator)
    assert len(experiments) == 6 and set(outcomes) == {"removals_cumulative", "chilled_share_undocumented"}
    assert np.all((experiments["fear_sensitivity"] >= 0.25) & (experiments["fear_sensitivity"] <= 3.0))
    assert np.all(outcomes["removals_cumulative"] >= 0)
    # the workbench's result is the model's own: the same run by hand gives the same outcome
    row = experiments.iloc[0]
    again = run_county(60, ("removals_cumulative",), seed=0, n_residents=400,
                       fear_sensitivity=float(row["fear_sensitivity"]), detainer_policy=row["detainer_policy"])
    assert again["removals_cumulative"] == outcomes["removals_cumulative"][0]


def test_replications_are_seeded_and_bad_names_fail_at_once():
    model = ema_model([], levers=[], fixed={"n_residents": 300}, steps=10, replications=2,
                      outcomes=("crimes_cumulative",))
    assert [r["seed"] for r in model.replications] == [0, 1]
    with pytest.raises(ValueError, match="not_a_parameter"):
        ema_model(["not_a_parameter"])
    with pytest.raises(ValueError, match="not_a_reporter"):
        ema_model(["fear_decay"], outcomes=("not_a_reporter",))


def test_three_replications_give_the_mean_of_three_seeded_runs():
    """EMA Workbench 3.0 hands a ReplicatorModel's outcome one value per replication; the adapter
    reduces them (the mean by default, or the function given as ``aggregate``), so the example in
    the module's docstring runs, and each outcome is the mean of the runs seeded seed, seed+1, seed+2."""
    outcomes = ("removals_cumulative", "chilled_share_undocumented")
    for aggregate in (np.mean, np.max):
        model = ema_model(["fear_sensitivity"], fixed={"n_residents": 300}, steps=30, replications=3, seed=5,
                          outcomes=outcomes, aggregate=aggregate)
        with SequentialEvaluator(model) as evaluator:  # each call samples its own scenarios
            experiments, results = perform_experiments(model, scenarios=2, evaluator=evaluator)
        for i, row in experiments.iterrows():
            runs = [run_county(30, outcomes, seed=seed, n_residents=300,
                               fear_sensitivity=float(row["fear_sensitivity"])) for seed in (5, 6, 7)]
            for name in outcomes:
                assert results[name][i] == pytest.approx(aggregate([run[name] for run in runs]))
        assert len({run["chilled_share_undocumented"] for run in runs}) > 1  # three different runs, not one thrice


def test_replications_and_aggregate_are_checked_before_any_run():
    with pytest.raises(ValueError, match="replications must be a whole number >= 1, got 0"):
        ema_model(["fear_decay"], replications=0)
    with pytest.raises(ValueError, match="aggregate must be a function"):
        ema_model(["fear_decay"], replications=3, aggregate="mean")
