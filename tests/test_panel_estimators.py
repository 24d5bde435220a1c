"""The estimators' wiring, apart from the model: synthetic panels with a known effect and staggered timing."""

import warnings

import numpy as np
import pandas as pd
import pytest

from experiments.panel.estimators import ESTIMATORS, did2s, event_study, prepare

COHORTS = (6, 9, 12, 15, 18, 25)  # 25 is after the last period: never treated within the panel
T = 24


def synthetic(seed, effect, n=400, cohorts=COHORTS):
    """y = unit effect + period effect + noise + effect(event time, cohort) on treated cells; the
    twin column is y without the effect, as the model's twin would be."""
    rng = np.random.default_rng(seed)
    g = rng.choice(cohorts, size=n)
    df = pd.DataFrame({"county_id": np.repeat(np.arange(n), T), "quarter": np.tile(np.arange(1, T + 1), n)})
    df["cohort"] = np.repeat(g, T)
    e = (df["quarter"] - df["cohort"]).to_numpy()
    tau = np.where(e >= 0, effect(e, df["cohort"].to_numpy()), 0.0)
    y0 = np.repeat(rng.normal(size=n), T) + np.tile(2 * rng.normal(size=T), n) + rng.normal(size=n * T)
    return df.assign(y_twin=y0, y=y0 + tau)


def covers(row):
    return row["ci_low"] <= row["truth"] <= row["ci_high"]


@pytest.fixture(scope="module", autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@pytest.mark.parametrize("controls", ["not_yet", "last_treated"])
@pytest.mark.parametrize("estimator", ESTIMATORS)
def test_a_constant_effect_is_recovered_within_the_interval(estimator, controls):
    df = synthetic(1, lambda e, g: np.full(e.shape, 2.0))
    es = event_study(df, "y", estimator, controls=controls, twin="y_twin", window=(-4, 6))
    assert es.att["truth"] == pytest.approx(2.0)
    assert covers(es.att), es.att
    post = es.path[es.path["event_time"] >= 0]
    assert (post["truth"] == 2.0).all() and len(post) == 7
    inside = post.apply(covers, axis=1)
    assert inside.mean() >= 6 / 7, post
    pre = es.path[es.path["event_time"] < -1]
    assert (pre["truth"] == 0).all() and pre.apply(covers, axis=1).mean() >= 2 / 3  # no pre-trend


def test_with_effects_that_grow_and_differ_by_cohort_static_twfe_is_biased_and_the_robust_ones_are_not():
    """Goodman-Bacon's point: later cohorts compared with earlier ones already treated."""
    df = synthetic(1, lambda e, g: 0.5 * np.minimum(e + 1, 6) * g / 9)
    res = {est: event_study(df, "y", est, controls="not_yet", twin="y_twin", window=(-4, 6)).att for est in ESTIMATORS}
    assert not covers(res["twfe"]) and res["twfe"]["estimate"] < res["twfe"]["truth"]
    assert covers(res["did2s"]) and covers(res["saturated"])
    path = event_study(df, "y", "saturated", controls="not_yet", twin="y_twin", window=(-4, 6)).path
    assert path[path["event_time"].between(0, 5)].apply(covers, axis=1).mean() >= 5 / 6


def test_the_sample_rules():
    df = synthetic(2, lambda e, g: np.ones(e.shape), cohorts=(1, 6, 9, 12, 15, 18, 25))
    always = df.loc[df["cohort"] == 1, "county_id"].nunique()
    d, info = prepare(df, "y", controls="not_yet", twin="y_twin", window=(-4, 6))
    assert info["dropped_always_treated"] == always and (d["cohort"] > 1).all()
    assert info["last_period"] == T  # cohort 25 is never treated, so every period stays
    assert set(d.loc[d["cohort0"] == 0, "cohort"]) == {25}
    assert d["rel"].between(-4, 6).all() and (d.loc[d["cohort0"] == 0, "rel"] == -1).all()
    np.testing.assert_allclose(d["tau"], np.where(d["treat"], 1.0, 0.0), atol=1e-12)

    d, info = prepare(df, "y", controls="last_treated", last_treated_share=0.25, window=(-4, 6))
    units = df[df["cohort"] > 1].groupby("county_id")["cohort"].first()
    controls = d.loc[d["cohort0"] == 0, "county_id"].unique()
    assert len(controls) >= 0.25 * len(units)
    assert units[controls].min() > units.drop(controls).max()  # the last to be treated
    assert info["last_period"] == units[controls].min() - 1  # cut before they are treated

    without = df[(df["cohort"] != 25)]  # nobody untreated at the end: the last cohort becomes the control
    d, info = prepare(without, "y", controls="not_yet")
    assert info["last_period"] == 17 and set(d.loc[d["cohort0"] == 0, "cohort"]) == {18}


def test_missing_outcomes_leave_only_units_and_periods_with_untreated_cells():
    df = synthetic(3, lambda e, g: np.ones(e.shape))
    df.loc[(df["county_id"] < 40) & (df["quarter"] < df["cohort"]), "y"] = np.nan  # no untreated cell
    es = event_study(df, "y", "did2s", twin="y_twin", window=(-4, 6))
    assert es.sample["n_units"] == df.loc[df["county_id"] >= 40, "county_id"].nunique()
    assert covers(es.att)


@pytest.mark.parametrize("terms, second", [("rel", "~ i(rel, ref=-1)"), ("treat", "~ 0 + treat")])
def test_did2s_with_sparse_standard_errors_is_pyfixests_did2s(terms, second):
    import pyfixest as pf

    d, _ = prepare(synthetic(4, lambda e, g: 0.5 * np.minimum(e + 1, 6) * g / 9, n=150), "y", window=(-4, 6))
    names, beta, se = did2s(d, "y", "county_id", "quarter", terms)
    ref = pf.did2s(d, yname="y", first_stage="~ 0 | county_id + quarter", second_stage=second, treatment="treat",
                   cluster="county_id")
    assert names == list(ref.coef().index)
    np.testing.assert_allclose(beta, ref.coef().to_numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(se, ref.se().to_numpy(), rtol=1e-9)


@pytest.mark.parametrize("terms, second", [("rel", "~ i(rel, ref=-1)"), ("treat", "~ 0 + treat")])
def test_weighted_did2s_is_pyfixests_weighted_did2s(terms, second):
    import pyfixest as pf

    df = synthetic(5, lambda e, g: 0.5 * np.minimum(e + 1, 6) * g / 9, n=150)
    df["population"] = np.repeat(np.random.default_rng(5).lognormal(10, 1.5, 150), T)
    d, _ = prepare(df, "y", window=(-4, 6), weights="population")
    names, beta, se = did2s(d, "y", "county_id", "quarter", terms, weights="population")
    ref = pf.did2s(d, yname="y", first_stage="~ 0 | county_id + quarter", second_stage=second, treatment="treat",
                   cluster="county_id", weights="population")
    np.testing.assert_allclose(beta, ref.coef().to_numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(se, ref.se().to_numpy(), rtol=1e-6)


@pytest.mark.parametrize("estimator", ["saturated", "did2s"])
def test_where_big_counties_respond_more_weighting_by_population_recovers_the_average_persons_effect(estimator):
    """A researcher's claim: the effect per county and the effect per person differ when large counties respond
    more; each estimator, unweighted or weighted by population, recovers its own estimand."""
    n = 400
    size = np.random.default_rng(6).lognormal(10, 1.6, n)
    big = np.repeat(size > np.quantile(size, 0.8), T)
    df = synthetic(6, lambda e, g: np.ones(e.shape), n=n)
    tau = df["y"] - df["y_twin"]
    df["y"] = df["y_twin"] + tau * np.where(big, 3.0, 0.5)
    df["population"] = np.repeat(size, T)
    plain = event_study(df, "y", estimator, twin="y_twin", window=(-4, 6)).att
    weighted = event_study(df, "y", estimator, twin="y_twin", window=(-4, 6), weights="population").att
    assert weighted["truth"] > plain["truth"] + 1.0  # the average person lives where the effect is 3
    assert covers(plain) and covers(weighted), (plain, weighted)
    assert not plain["ci_low"] <= weighted["truth"] <= plain["ci_high"]
