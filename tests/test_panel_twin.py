"""The counterfactual twin: same seed, program off, identical until activation; the panel's recorder."""

import numpy as np
import pandas as pd
import pytest

from experiments.panel.outcomes import WEEKLY, quarterly
from experiments.panel.tasks import run_county, run_model
from model import SecureCommunitiesModel
from model.reporters import REPORTERS

COUNTY = {"n_residents": 3000, "share_undocumented": 0.08, "share_lpr": 0.07, "share_naturalized": 0.1,
          "hispanic_share_others": 0.3, "policing_intensity": 1.5, "activation_week": 20}
WEEKS = 60


@pytest.fixture(scope="module")
def pair():
    frames = {}
    for sharing in (True, False):
        m = SecureCommunitiesModel(rng=11, sharing_active=sharing, **COUNTY)
        for _ in range(WEEKS):
            m.step()
        frames[sharing] = m.datacollector.get_model_vars_dataframe()
    return frames


def test_the_twin_matches_its_treated_run_exactly_before_activation(pair):
    before = slice(0, COUNTY["activation_week"])  # rows 0 .. activation_week - 1 (row = week)
    pd.testing.assert_frame_equal(pair[True].iloc[before], pair[False].iloc[before], check_exact=True)
    after = pair[True].iloc[COUNTY["activation_week"]:]
    assert after["detainers_issued_cumulative"].iloc[-1] > 0  # and the program then does something
    assert (pair[False]["detainers_issued_cumulative"] == 0).all()
    assert not after.equals(pair[False].iloc[COUNTY["activation_week"]:])


def test_the_panel_keeps_what_the_models_own_collector_reports(pair):
    treated, twin = run_county({**COUNTY, "sharing_active": True}, 11, WEEKS, WEEKLY)
    for name in WEEKLY:
        assert name in REPORTERS
        np.testing.assert_array_equal(treated[name], pair[True][name].to_numpy()[1:])  # weeks 1..WEEKS
        np.testing.assert_array_equal(twin[name], pair[False][name].to_numpy()[1:])


def test_a_county_not_reached_within_the_panel_is_its_own_twin():
    treated, twin = run_county({**COUNTY, "n_residents": 300, "activation_week": 30}, 4, 26, WEEKLY)
    assert twin is treated
    alone = run_model({**COUNTY, "n_residents": 300, "activation_week": 30, "sharing_active": False}, 4, 26, WEEKLY)
    for name in WEEKLY:
        np.testing.assert_array_equal(alone[name], treated[name])


def test_quarterly_outcomes_are_sums_then_ratios():
    w = {name: np.zeros(28) for name in WEEKLY}
    w["victimizations_hispanic"][:13] = 1
    w["victimizations_reported_hispanic"][:3] = 1
    w["crimes"][13:26] = 2
    w["reporting_rate_hispanic"][:] = np.r_[np.full(13, 0.4), np.full(13, np.nan), np.full(2, 9)]
    q = quarterly(w, n_residents=1000)
    assert len(q["crime_rate"]) == 2  # the trailing part-quarter is left out
    assert q["reporting_hispanic"][0] == pytest.approx(3 / 13) and np.isnan(q["reporting_hispanic"][1])
    assert q["crime_rate"][1] == pytest.approx(26 * 4 * 1000 / 1000)  # per 1,000 residents a year
    assert q["reporting_propensity_hispanic"][0] == pytest.approx(0.4)
    assert np.isnan(q["reporting_propensity_hispanic"][1])


# --- burn-in: weeks each model runs before the panel's week 1 ---

def test_a_burn_in_runs_first_and_keeps_the_panels_weeks_and_dates():
    """With a burn-in of B weeks, the model runs B weeks more; the panel keeps its last WEEKS weeks, and
    activation and every scheduled change fall on the same panel week (the model's week minus B)."""
    from experiments.panel import shift_weeks

    burn = 26
    params = {**COUNTY, "sharing_active": True, "detainer_policy": "full;trust_act@40",
              "enforcement_regime": "sc;pep@50", "outside_news": "0;0.03@30"}
    shifted = shift_weeks(params, burn)
    assert shifted["activation_week"] == COUNTY["activation_week"] + burn
    assert (shifted["detainer_policy"], shifted["enforcement_regime"], shifted["outside_news"]) == \
        ("full;trust_act@66", "sc;pep@76", "0;0.03@56")
    assert shift_weeks(params, 0) == params
    treated, twin = run_county(shifted, 11, WEEKS, WEEKLY, burn_in=burn)
    m = SecureCommunitiesModel(rng=11, **shifted)
    for _ in range(burn + WEEKS):
        m.step()
    whole = m.datacollector.get_model_vars_dataframe()
    for name in WEEKLY:
        np.testing.assert_array_equal(treated[name], whole[name].to_numpy()[burn + 1:])
    before = COUNTY["activation_week"] - 1  # panel weeks 1 .. activation - 1: the twin is the treated run
    for name in WEEKLY:
        np.testing.assert_array_equal(treated[name][:before], twin[name][:before])
    # every county now starts at rest (the model's own spin-up); without it, a county would start the
    # panel unafraid, and a burn-in was the panel's way round that
    busy = {**params, "background_arrest_rate": 0.05}  # enough of ICE's own arrests in 3,000 residents
    cold, _ = run_county({**busy, "spin_up_weeks": 0}, 11, 13, WEEKLY)
    warm, _ = run_county(busy, 11, 13, WEEKLY)
    assert cold["chilled_share_hispanic"][0] < 0.01 < warm["chilled_share_hispanic"][0]


def test_the_adoption_twin_is_the_treated_run_until_the_jail_adopts_and_then_holds_more_for_ice():
    """A jail that turns sanctuary at week 30 against its twin that never does (same seed, the program on in
    both): the same weeks until 30; from then the twin honors detainers the adopter declines."""
    from experiments.panel.design import policy_schedule
    from experiments.panel.outcomes import CONVICTED

    county = {**COUNTY, "activation_week": 5}
    kept = (*WEEKLY, "detainers_honored")
    adopts = run_model({**county, "detainer_policy": policy_schedule("full", "sanctuary", 30)}, 11, WEEKS, kept)
    stays = run_model({**county, "detainer_policy": "full"}, 11, WEEKS, kept)
    for name in WEEKLY:
        np.testing.assert_array_equal(adopts[name][:29], stays[name][:29])  # weeks 1..29
    # from week 30 the adopter honors no detainer and its twin honors them (removals follow months later)
    assert adopts["detainers_honored"][29:].sum() == 0 < stays["detainers_honored"][29:].sum()
    assert stays["removals"][29:].sum() >= adopts["removals"][29:].sum()
    convicted = sum(stays[f"removals_{k}"] for k in CONVICTED) + stays["removals_noncriminal"]
    np.testing.assert_array_equal(convicted, stays["removals"])  # the levels add up to every removal
    detainers = sum(stays[f"detainers_{k}"] for k in CONVICTED) + stays["detainers_noncriminal"]
    np.testing.assert_array_equal(detainers, stays["detainers_issued"])


@pytest.mark.parametrize("burn, weeks", [(0, 45), (13, 45), (156, 520)])
def test_the_twins_shared_weeks_are_those_the_parameter_table_says_nothing_differs_in(burn, weeks):
    """A twin's shared weeks are a closed form (the weeks before activation), cheap enough for every county of
    every task; the parameter table's own answer (``model.spin_up.common_weeks``: by which week something that
    differs between the treated run and its twin has acted) must agree with it, so that a parameter declared to
    act before the program would show here instead of giving a twin its treated run's weeks."""
    from experiments.panel import shift_weeks
    from experiments.panel.tasks import shared_weeks
    from model.parameters import make_params
    from model.spin_up import common_weeks

    total = burn + weeks
    for activation in sorted({1, 2, 7, 30, weeks - 1, weeks, weeks + 1, weeks + 60}):
        params = shift_weeks({**COUNTY, "activation_week": activation, "detainer_policy": "full;trust_act@30"}, burn)
        assert shared_weeks(params, weeks, burn) == common_weeks(
            make_params({**params, "sharing_active": True}), make_params({**params, "sharing_active": False}), total)


@pytest.mark.parametrize("activation, burn", [(20, 0), (1, 0), (5, 13), (40, 13)])
def test_a_twin_that_starts_from_its_treated_runs_snapshot_equals_one_that_runs_every_week(activation, burn):
    """run_county's twin skips the weeks before activation (the treated run's snapshot); a twin run from
    week 1 with the program off gives the same weeks to the last digit, whatever the burn-in."""
    from experiments.panel import shift_weeks
    from experiments.panel.tasks import shared_weeks

    params = shift_weeks({**COUNTY, "n_residents": 1200, "activation_week": activation,
                          "detainer_policy": "full;trust_act@30", "outside_news": "0;0.02@10"}, burn)
    treated, twin = run_county(params, 7, 45, WEEKLY, burn_in=burn)
    assert shared_weeks(params, 45, burn) == max(activation + burn, 1) - 1
    alone = run_model({**params, "sharing_active": False}, 7, 45, WEEKLY, burn_in=burn)
    whole = run_model({**params, "sharing_active": True}, 7, 45, WEEKLY, burn_in=burn)
    for name in WEEKLY:
        np.testing.assert_array_equal(twin[name], alone[name])
        np.testing.assert_array_equal(treated[name], whole[name])
    assert any(not np.array_equal(twin[n], treated[n], equal_nan=True) for n in WEEKLY)
