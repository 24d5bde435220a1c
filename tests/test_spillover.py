"""News from outside the county (``outside_news``): what it does to one model, and what it does not."""

import numpy as np
import pandas as pd
import pytest

from model import DEFAULTS, SecureCommunitiesModel, validate_parameters

COUNTY = {"n_residents": 1500, "share_undocumented": 0.1, "hispanic_share_others": 0.4, "activation_week": 10}
WEEKS, FROM = 50, 20  # outside news from week FROM on


def frames(weeks=WEEKS, seed=5, **params):
    m = SecureCommunitiesModel(rng=seed, **{**COUNTY, **params})
    for _ in range(weeks):
        m.step()
    return m.datacollector.get_model_vars_dataframe()


@pytest.fixture(scope="module")
def program_off():
    """The same county without the program: no outside news, and news from week FROM on."""
    return {level: frames(sharing_active=False, outside_news=f"0;{level}@{FROM}") for level in (0, 0.5)}


def test_the_default_leaves_a_run_as_it_was():
    assert DEFAULTS["outside_news"] == "0"
    plain = frames()
    pd.testing.assert_frame_equal(plain, frames(outside_news="0"), check_exact=True)
    pd.testing.assert_frame_equal(plain, frames(outside_news="0;0@20;0.0@30"), check_exact=True)


def test_outside_news_raises_hispanic_fear_from_its_week_and_not_before(program_off):
    quiet, news = program_off[0], program_off[0.5]
    assert quiet.equals(frames(sharing_active=False))  # level 0 throughout is no parameter at all
    before = slice(0, FROM)  # rows are weeks 0 .. FROM - 1
    pd.testing.assert_frame_equal(quiet.iloc[before], news.iloc[before], check_exact=True)
    after = slice(FROM, None)
    assert (news["fear_channel_salience_hispanic"].iloc[after] > quiet["fear_channel_salience_hispanic"].iloc[after]
            ).all()
    assert (news["fear_mean_hispanic"].iloc[after] > quiet["fear_mean_hispanic"].iloc[after]).all()
    assert news["chilled_share_hispanic"].iloc[-10:].mean() > quiet["chilled_share_hispanic"].iloc[-10:].mean() + 0.01
    assert (news["detainers_issued_cumulative"] == 0).all()  # the program is off: the fear is the news alone
    # Hispanic listeners hear it fully, the others at salience_cross_group
    gain_h = news["fear_mean_hispanic"].iloc[-1] - quiet["fear_mean_hispanic"].iloc[-1]
    gain_n = news["fear_mean_non_hispanic"].iloc[-1] - quiet["fear_mean_non_hispanic"].iloc[-1]
    assert 0 < gain_n < gain_h


def test_without_the_salience_channel_outside_news_does_nothing():
    off = frames(sharing_active=False, salience_channel=False)
    pd.testing.assert_frame_equal(off, frames(sharing_active=False, salience_channel=False,
                                              outside_news=f"0;0.5@{FROM}"), check_exact=True)


def test_an_outside_detention_enters_the_news_as_a_local_hispanic_detention_would_damped_alike():
    for policy, scale in (("full", 1.0), ("sanctuary", 1 - DEFAULTS["policy_salience_damping"])):
        m = SecureCommunitiesModel(rng=2, n_residents=800, detainer_policy=policy)
        fp = m.fear_process
        hispanic = np.flatnonzero(m.hispanic & fp.present)
        shock = np.zeros(len(m.status))
        shock[hispanic[0]] = m.detention_shock  # one local detention of a Hispanic resident
        fp.salience[:] = 0.0
        local = fp.salience_signal(shock, hispanic[:1], False)
        fp.salience[:] = 0.0
        outside = fp.salience_signal(np.zeros(len(m.status)), np.empty(0, dtype=np.int64), False,
                                     outside=1000.0 / len(hispanic))  # the same, as a rate per 1,000
        np.testing.assert_allclose(outside, local, rtol=1e-12)
        cross = DEFAULTS["salience_cross_group"]
        expected = scale * DEFAULTS["salience_per_detention"] * DEFAULTS["detention_shock"] * np.array([cross, 1.0])
        fp.salience[:] = 0.0
        np.testing.assert_allclose(fp.salience_signal(shock * 0, hispanic[:0], False, outside=1.0), expected)


def test_the_level_in_force_follows_the_schedule():
    m = SecureCommunitiesModel(rng=1, n_residents=100, outside_news="0.1;0.4@3;1.1@5")
    assert [m.fear_process.outside_news_at(w) for w in range(8)] == [0.1, 0.1, 0.1, 0.4, 0.4, 1.1, 1.1, 1.1]


def test_the_schedule_is_written_one_way():
    assert validate_parameters({"outside_news": " 0 ; 0.40@120;1.10 @ 133"})["outside_news"] == "0;0.4@120;1.1@133"
    assert validate_parameters({"outside_news": "0.25"})["outside_news"] == "0.25"
    assert validate_parameters({"outside_news": "-0"})["outside_news"] == "0"


@pytest.mark.parametrize("value, fragment", [
    ("-0.1", "[0, 1000]"), ("lots", "'lots'"), ("0;nan@10", "'nan'"), ("0;inf@10", "'inf'"), ("", "''"),
    ("0;1@20;2@20", "weeks must increase"), ("0;1@20;2@10", "weeks must increase"), ("1@5", "start at week 0"),
    ("0;1@x", "whole week"), ("0;2000@5", "[0, 1000]"), (0.5, "as text"), (None, "as text"),
])
def test_a_bad_schedule_is_refused_naming_outside_news(value, fragment):
    with pytest.raises(ValueError) as info:
        SecureCommunitiesModel(rng=1, n_residents=100, outside_news=value)
    assert "outside_news" in str(info.value) and fragment in str(info.value), str(info.value)
