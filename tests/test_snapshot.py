"""A model's snapshot is a safe copy of its state: it crosses a process boundary as bytes, a county built
from the same seed restored from it runs on as the original to the last digit, and a county it does not
belong to refuses it with a message naming why."""

import multiprocessing as mp

import numpy as np
import pandas as pd
import pytest

from model import SecureCommunitiesModel, scenario
from model.spin_up import from_bytes, to_bytes

KW = dict(**scenario("sc_hennessey"), n_residents=900, proactive_arrest_rate=0.1, reentry_mean_weeks=13)


def _resume_elsewhere(data: bytes, weeks: int) -> tuple:
    """In another process: build the county from its seed, restore the bytes, run on; its rows and events."""
    m = SecureCommunitiesModel(rng=5, **KW)
    m.restore(from_bytes(data))
    for _ in range(weeks):
        m.step()
    return m.datacollector.get_model_vars_dataframe(), m.event_log(), m.fear.copy()


def test_a_snapshot_sent_as_bytes_to_another_process_goes_on_as_the_run_would_have():
    whole = SecureCommunitiesModel(rng=5, **KW)
    for _ in range(60):
        whole.step()
    data = to_bytes(whole.snapshot())
    for _ in range(30):
        whole.step()
    with mp.get_context("spawn").Pool(1) as pool:
        rows, events, fear = pool.apply(_resume_elsewhere, (data, 30))
    pd.testing.assert_frame_equal(whole.datacollector.get_model_vars_dataframe(), rows)
    pd.testing.assert_frame_equal(whole.event_log(), events)
    np.testing.assert_array_equal(whole.fear, fear)


@pytest.mark.parametrize("week", [0, 40])
def test_a_model_put_at_a_snapshot_without_its_spin_up_runs_on_as_one_spun_up_and_restored(week):
    """``from_snapshot`` skips the spin-up the snapshot replaces (a twin of a county of millions saves a
    minute): the model then runs on to the last digit as one built, spun up and restored, and as the original."""
    whole = SecureCommunitiesModel(rng=5, **KW)
    for _ in range(week):
        whole.step()
    snap = whole.snapshot()
    spun = SecureCommunitiesModel(rng=5, **KW)
    spun.restore(snap)
    bare = SecureCommunitiesModel.from_snapshot(snap, rng=5, **KW)
    for _ in range(25):
        for m in (whole, spun, bare):
            m.step()
    for m in (spun, bare):
        pd.testing.assert_frame_equal(m.datacollector.get_model_vars_dataframe(),
                                      whole.datacollector.get_model_vars_dataframe())
        pd.testing.assert_frame_equal(m.event_log(), whole.event_log())
        np.testing.assert_array_equal(m.fear, whole.fear)


def test_a_snapshot_shares_nothing_with_the_model_it_was_taken_from():
    m = SecureCommunitiesModel(rng=5, **KW)
    for _ in range(10):
        m.step()
    snap = m.snapshot()
    before = to_bytes(snap)
    for _ in range(10):
        m.step()
    assert to_bytes(snap) == before


def test_a_snapshot_is_refused_by_a_county_built_from_another_seed():
    m = SecureCommunitiesModel(rng=5, **KW)
    m.step()
    other = SecureCommunitiesModel(rng=6, **KW)
    with pytest.raises(ValueError, match="another county"):
        other.restore(m.snapshot())


def test_bytes_that_are_not_a_snapshot_are_refused():
    with pytest.raises(ValueError, match="not a model snapshot"):
        from_bytes(b"hello")
    m = SecureCommunitiesModel(rng=5, **KW)
    snap = m.snapshot()
    snap["format"] = 0
    with pytest.raises(ValueError, match="format"):
        from_bytes(to_bytes(snap))
