"""A county built again from the same seed (a twin) reads what the first build drew (``model.spin_up.built``):
the same county, the same run, and neither run can change the other's. Only within ``keeping_built`` (a panel's
county and its twins): elsewhere nothing is kept."""

import numpy as np
import pytest

from experiments.panel.outcomes import WEEKLY
from experiments.panel.tasks import run_county
from model import SecureCommunitiesModel, scenario
from model.spin_up import _BUILT, CHANGING, clear_cache, county_digest, keeping_built

SETUP = dict(n_residents=600, spin_up_weeks=52, **{**scenario("sc_full"), "activation_week": 6})


def test_a_county_built_again_reads_the_first_builds_county_and_generator_and_runs_the_same():
    clear_cache()
    with keeping_built():
        first = SecureCommunitiesModel(rng=5, **SETUP)
        assert len(_BUILT) == 1
        again = SecureCommunitiesModel(rng=5, **SETUP)
    assert len(_BUILT) == 0  # forgotten when the block ends
    fresh = SecureCommunitiesModel(rng=5, **SETUP)
    assert len(_BUILT) == 0  # outside a block nothing is kept
    assert county_digest(again) == county_digest(fresh) == county_digest(first)
    assert again.ties is first.ties and again.foci is first.foci  # shared, not drawn again
    assert fresh.ties is not first.ties
    assert again.rng.bit_generator.state == fresh.rng.bit_generator.state
    for name in CHANGING:
        assert getattr(again, name) is not getattr(first, name)  # each run writes its own
        np.testing.assert_array_equal(getattr(again, name), getattr(fresh, name))
    for _ in range(20):
        first.step()
        again.step()
        fresh.step()
    assert again.datacollector.get_model_vars_dataframe().equals(fresh.datacollector.get_model_vars_dataframe())
    assert first.datacollector.get_model_vars_dataframe().equals(fresh.datacollector.get_model_vars_dataframe())


def test_the_shared_arrays_cannot_be_written():
    clear_cache()
    with keeping_built():
        model = SecureCommunitiesModel(rng=6, **SETUP)
    with pytest.raises(ValueError, match="read-only"):
        model.hispanic[0] = not model.hispanic[0]
    model.status[0] = model.status[0]  # a run's own array


def test_a_twin_built_from_its_treated_runs_county_is_the_twin_built_alone():
    params = {**scenario("sc_full"), "n_residents": 500, "activation_week": 12, "spin_up_weeks": 52}
    clear_cache()
    treated, twin = run_county(params, 3, 30, WEEKLY)  # the twin's build reads the treated run's county
    clear_cache()
    alone = run_county({**params, "activation_week": 31}, 3, 30, WEEKLY)[0]  # never reached: no program
    for name in WEEKLY:
        np.testing.assert_array_equal(twin[name], alone[name])


def test_the_latest_county_is_kept_whatever_its_size_and_a_panel_task_forgets_them(monkeypatch):
    import model.spin_up as spin_up
    from experiments.panel.tasks import PanelTask, run_panel_task

    clear_cache()
    monkeypatch.setattr(spin_up, "BUILT_BYTES", 0)  # every county over the budget
    with keeping_built():
        first = SecureCommunitiesModel(rng=7, **SETUP)
        SecureCommunitiesModel(rng=8, **SETUP)
        assert len(_BUILT) == 1  # the older one went, the latest stays
        again = SecureCommunitiesModel(rng=8, **SETUP)
        assert again.ties is not first.ties and len(_BUILT) == 1
    params = {**scenario("sc_full"), "n_residents": 300, "activation_week": 5, "spin_up_weeks": 26}
    task = PanelTask(run_id="r0-b0", point_id=0, replicate=0, seed=1, counties=((0, 4, params),), weeks=10,
                     reporters=WEEKLY, cost=1.0)
    assert run_panel_task(task)["record"]["status"] == "ok"
    assert len(_BUILT) == 0
