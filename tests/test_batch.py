"""Counties stepped together (model.batch): a county's run does not depend on the batch it is stepped in."""

import numpy as np
import pandas as pd
import pytest

from experiments.panel.outcomes import WEEKLY
from experiments.panel.tasks import PanelTask, run_counties, run_county
from model import SecureCommunitiesModel, scenario
from model.batch import CountyBatch

# small counties of different sizes, presets, seeds and activation weeks, as a panel's task holds them
COUNTIES = ((180, "sc_full", 3, 10), (420, "sc_sanctuary", 5, 4), (60, "sc_hennessey", 8, 25), (900, "pre_sc", 2, 1))
WEEKS = 40


def county(n, preset, seed, activation, reporters=None):
    return SecureCommunitiesModel(**{**scenario(preset), "activation_week": activation}, n_residents=n, rng=seed,
                                  reporters=reporters)


def frame(m) -> pd.DataFrame:
    return m.datacollector.get_model_vars_dataframe()


@pytest.fixture(scope="module")
def alone():
    out = []
    for c in COUNTIES:
        m = county(*c)
        for _ in range(WEEKS):
            m.step()
        out.append((frame(m), list(m.events.rows)))
    return out


def test_a_county_stepped_in_a_batch_has_the_numbers_it_has_alone_to_the_last_digit(alone):
    """Every reporter (group means included: the batch adds a county's cells in the order it does alone)
    and every logged event is the same, for every county of the batch."""
    models = [county(*c) for c in COUNTIES]
    batch = CountyBatch(models)
    for _ in range(WEEKS):
        batch.step()
    batch.release()
    for m, (frame_alone, events_alone) in zip(models, alone, strict=True):
        pd.testing.assert_frame_equal(frame(m), frame_alone, check_exact=True)
        assert m.events.rows == events_alone
        assert m.steps == WEEKS and m.time == WEEKS


def test_a_county_that_joins_later_and_one_released_early_step_on_as_alone(alone):
    """A county restored from a snapshot joins at its week (a panel's twin); one released steps on with
    Mesa's own step, and neither run differs from the county stepped alone throughout."""
    first = county(*COUNTIES[0])
    batch = CountyBatch([first])
    for _ in range(15):
        batch.step()
    late = county(*COUNTIES[0])
    late.restore(first.snapshot())
    batch.add(late)
    early = county(*COUNTIES[1])
    for _ in range(15):
        early.step()
    batch.add(early)
    for _ in range(10):
        batch.step()
    batch.release(early)
    for _ in range(WEEKS - 25):
        batch.step()
        early.step()
    batch.release()
    for m, (frame_alone, events_alone) in ((first, alone[0]), (late, alone[0]), (early, alone[1])):
        pd.testing.assert_frame_equal(frame(m), frame_alone, check_exact=True)
        assert m.events.rows == events_alone
    first.step()  # Mesa's clock was handed back: one more week, no more
    assert first.steps == WEEKS + 1 and len(frame(first)) == WEEKS + 2


def test_a_batch_takes_models_at_its_week_that_record_the_same_reporters():
    a, b = county(*COUNTIES[0]), county(*COUNTIES[1])
    batch = CountyBatch([a])
    batch.step()
    with pytest.raises(ValueError, match="at week 0 cannot join a batch at week 1"):
        batch.add(b)
    with pytest.raises(ValueError, match="same reporters"):
        CountyBatch([county(*COUNTIES[0], reporters=WEEKLY), county(*COUNTIES[1])])
    with pytest.raises(ValueError, match="in the batch already"):
        batch.add(a)


def test_a_panel_task_stepped_together_equals_its_counties_run_one_by_one():
    """The panel's task runs its counties and their twins as one batch (twins join at their split week);
    each county's treated run and twin are those of ``run_county``, with and without a burn-in."""
    params = [{**scenario(p), "n_residents": n, "activation_week": a} for n, p, _s, a in COUNTIES]
    params.append({**params[0], "activation_week": 200})  # never reached: its own twin
    for burn in (0, 6):
        counties = tuple((i, 10 + i, {**p, "activation_week": p["activation_week"] + burn})
                         for i, p in enumerate(params))
        task = PanelTask(run_id="r0-b0", point_id=0, replicate=0, seed=1, counties=counties, weeks=30,
                         reporters=WEEKLY, cost=1.0, burn_in=burn)
        together = run_counties(task)
        for (_cid, seed, p), (treated, twin) in zip(counties, together, strict=True):
            one_treated, one_twin = run_county(p, seed, 30, WEEKLY, burn_in=burn)
            for name in WEEKLY:
                np.testing.assert_array_equal(treated[name], one_treated[name])
                np.testing.assert_array_equal(twin[name], one_twin[name])


def test_a_task_runs_its_large_counties_alone_and_the_others_together_in_the_counties_order(monkeypatch):
    """From ``ALONE_FROM`` residents a county of a task runs on its own (its week is nearly all per resident,
    and the batch's joined arrays cost it more than they save); the task's results keep the counties' order
    and are each county's ``run_county``, whichever way it ran."""
    import experiments.panel.tasks as tasks

    monkeypatch.setattr(tasks, "ALONE_FROM", 400)  # the 420 and 900 residents' counties run alone
    stepped = []
    real_batch = tasks._run_together
    monkeypatch.setattr(tasks, "_run_together", lambda counties, task: stepped.append(counties) or
                        real_batch(counties, task))
    counties = tuple((i, 20 + i, {**scenario(p), "n_residents": n, "activation_week": a})
                     for i, (n, p, _s, a) in enumerate(COUNTIES))
    task = PanelTask(run_id="r0-b0", point_id=0, replicate=0, seed=1, counties=counties, weeks=30,
                     reporters=WEEKLY, cost=1.0)
    results = run_counties(task)
    assert [c[0][0] for c in stepped[0]] == [0, 2]  # only the small ones were stepped together (no adoption twin)
    for (_cid, seed, p), (treated, twin) in zip(counties, results, strict=True):
        one_treated, one_twin = run_county(p, seed, 30, WEEKLY)
        for name in WEEKLY:
            np.testing.assert_array_equal(treated[name], one_treated[name])
            np.testing.assert_array_equal(twin[name], one_twin[name])


def test_counties_that_share_their_fear_parameters_update_fear_as_one_and_get_their_arrays_back():
    """Fear is updated for the batch in one pass only where it can be (the same fear parameters); a
    county with other ones updates alone beside it (and, its offenders not responding to silence, the
    batch leaves every county's deterrence to the county), and every county's numbers stay its own."""
    same = [county(*c) for c in COUNTIES[:2]]
    different = dict(n_residents=150, rng=9, fear_sensitivity=0.05, offending_deterrence_elasticity=0.0)
    other = SecureCommunitiesModel(**scenario("sc_full"), **different)
    alone = SecureCommunitiesModel(**scenario("sc_full"), **different)
    batch = CountyBatch(same)
    assert all(m.fear_process.joint is not None for m in same)
    assert all(m.fear_process.fear.base is not None for m in same)  # views of the batch's one array
    batch.add(other)
    assert all(m.fear_process.joint is None for m in (*same, other))  # the parameters differ: each alone
    for _ in range(12):
        batch.step()
        alone.step()
    batch.release()
    pd.testing.assert_frame_equal(frame(other), frame(alone), check_exact=True)
    for m in same:
        assert m.fear_process.joint is None and m.fear_process.fear.base is None and m.fear is m.fear_process.fear


def test_counties_built_together_are_the_counties_built_alone():
    """Their spin-ups run week by week together (fear updated as one); a county whose spin-up is another's
    of the batch (same seed, same world before week 0) restores it, one with a spin-up of another length
    runs its own, and each starts week 0 where it would alone."""
    from model.spin_up import clear_cache

    kinds = [dict(n_residents=120, rng=21), dict(n_residents=300, rng=22, detainer_policy="sanctuary"),
             dict(n_residents=300, rng=22, detainer_policy="full"),  # the same spin-up as the one before
             dict(n_residents=90, rng=23, spin_up_weeks=40), dict(n_residents=200, rng=24, spin_up_weeks=0)]
    clear_cache()
    together = SecureCommunitiesModel.build_together(kinds)
    clear_cache()
    for keywords, m in zip(kinds, together, strict=True):
        alone = SecureCommunitiesModel(**keywords)
        for _ in range(8):
            m.step()
            alone.step()
        pd.testing.assert_frame_equal(frame(m), frame(alone), check_exact=True)
        assert m.events.rows == alone.events.rows
        assert m.fear_process.joint is None and m.fear_process.fear.base is None
