"""Bad input fails loudly and early; good input round-trips; the model runs under batch_run."""

import math

import mesa
import numpy as np
import pandas as pd
import pytest

import model.model as model_module
from agents import DETAINER_POLICIES, ENFORCEMENT_REGIMES
from model import DEFAULTS, PARAMETERS, PRESETS, SecureCommunitiesModel, scenario, validate_parameters
from model.constraints import PROBABILITY, Boolean, Interval, Levels, Options
from model.parameters import PARAMETER_TABLE

NUMERIC = [p.name for p in PARAMETERS if isinstance(p.constraint, Interval)]
PROBABILITIES = [p.name for p in PARAMETERS if p.constraint == PROBABILITY]
RATES = [name for name in NUMERIC if name not in PROBABILITIES and not PARAMETER_TABLE[name].constraint.integer]
COUNTS = [name for name in NUMERIC if PARAMETER_TABLE[name].constraint.integer]
BOOLS = [p.name for p in PARAMETERS if isinstance(p.constraint, Boolean)]
POLICY_KEYS = {"sharing_active", "activation_week", "detainer_policy", "enforcement_regime",
               "ice_pickup_prob", "detainer_prob", "detainer_decline_prob", "cite_release_prob",
               "policing_intensity", "ice_capacity_share"}


@pytest.fixture
def no_work(monkeypatch):
    """Make any work after validation (Mesa init, drawing the county) fail the test."""
    def forbidden(*args, **kwargs):
        raise AssertionError("work started before the parameters were validated")
    monkeypatch.setattr(model_module, "build_county", forbidden)
    monkeypatch.setattr(mesa.Model, "__init__", forbidden)


def raises_naming(params, *fragments):
    """The model rejects ``params`` with a ValueError whose message contains every fragment."""
    with pytest.raises(ValueError) as info:
        SecureCommunitiesModel(rng=1, **params)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


# --- the parameter table itself ---

def test_every_parameter_has_a_typed_constraint_with_a_ceiling():
    for p in PARAMETERS:
        assert isinstance(p.constraint, (Interval, Options, Boolean, Levels)), p.name
        if isinstance(p.constraint, Interval):
            assert np.isfinite(p.constraint.high) and p.constraint.low <= p.default <= p.constraint.high, p.name
        if isinstance(p.constraint, Levels):
            assert np.isfinite(p.constraint.high) and p.constraint.categorical, p.name  # listed, never ranged
    assert len(PARAMETER_TABLE) == len(PARAMETERS), "duplicate parameter names"


def test_defaults_validate_unchanged():
    checked = validate_parameters({})
    assert checked == DEFAULTS
    for p in PARAMETERS:
        assert validate_parameters({p.name: p.default})[p.name] == p.default


def test_every_parameter_has_a_source():
    for p in PARAMETERS:
        assert isinstance(p.source, str) and len(p.source.strip()) >= 10, p.name


def test_sweep_ranges_are_valid_and_contain_the_default():
    for p in PARAMETERS:
        if p.sweep is None:
            continue
        low, high = p.sweep
        assert low <= p.default <= high, p.name
        validate_parameters({p.name: low})
        validate_parameters({p.name: high})


def test_model_signature_lists_every_parameter_as_keyword():
    import inspect
    signature = inspect.signature(SecureCommunitiesModel)
    assert "rng" in signature.parameters
    for name, default in DEFAULTS.items():
        assert signature.parameters[name].default == default
        assert signature.parameters[name].kind == inspect.Parameter.KEYWORD_ONLY


# --- bad input ---

@pytest.mark.parametrize("name", COUNTS)
def test_negative_sizes_rejected(no_work, name):
    raises_naming({name: -1}, name, "integer in [")


def test_too_small_counts_rejected(no_work):
    raises_naming({"n_residents": 19}, "n_residents", "[20,")
    raises_naming({"victim_candidates": 0}, "victim_candidates", "[1,")
    raises_naming({"ice_detention_weeks": 0}, "ice_detention_weeks", "[1,")


@pytest.mark.parametrize("name", COUNTS)
def test_fractional_counts_rejected(no_work, name):
    raises_naming({name: PARAMETER_TABLE[name].constraint.low + 2.5}, name, "whole number")


def test_whole_floats_and_numpy_integers_accepted():
    checked = validate_parameters({"n_residents": 300.0, "activation_week": np.int64(10)})
    assert checked["n_residents"] == 300 and isinstance(checked["n_residents"], int)
    assert checked["activation_week"] == 10 and isinstance(checked["activation_week"], int)


@pytest.mark.parametrize("name", PROBABILITIES)
@pytest.mark.parametrize("value", [-0.01, 1.01, 2])
def test_probabilities_outside_unit_interval_rejected(no_work, name, value):
    raises_naming({name: value}, name, "[0, 1]")


@pytest.mark.parametrize("name", PROBABILITIES)
@pytest.mark.parametrize("value", [0.0, 1.0])
def test_probability_bounds_accepted(name, value):
    """0 and 1 pass the range check; only a composition constraint may still object."""
    try:
        assert validate_parameters({name: value})[name] == value
    except ValueError as err:
        message = str(err)
        assert "[0, 1]" not in message and ("sum to at most 1" in message or "cannot be reached" in message), message


@pytest.mark.parametrize("name", RATES)
def test_negative_rates_rejected(no_work, name):
    raises_naming({name: -0.5}, name, "number in [")


@pytest.mark.parametrize("name", NUMERIC)
def test_values_beyond_the_documented_ceiling_fail_at_once_naming_the_parameter(no_work, name):
    """No rate or count is unbounded: 1e300, or one step past the ceiling, fails before any work
    (before, police_per_1000=1e9 ran 32 s into a MemoryError and family_tie_weight=1e308 gave NaN)."""
    high = PARAMETER_TABLE[name].constraint.high
    raises_naming({name: 1e300}, name, "in [")
    raises_naming({name: high + 1}, name, "in [")


def test_fractions_and_numpy_numbers_are_read_as_numbers():
    from fractions import Fraction
    assert validate_parameters({"detainer_prob": Fraction(1, 2)})["detainer_prob"] == 0.5
    assert validate_parameters({"fear_decay": np.float32(0.25)})["fear_decay"] == 0.25


@pytest.mark.parametrize("name", NUMERIC)
@pytest.mark.parametrize("value", ["0.5", None, [1], {"a": 1}, 1 + 2j])
def test_non_numeric_values_rejected(no_work, name, value):
    raises_naming({name: value}, name, "number")


@pytest.mark.parametrize("name", NUMERIC)
@pytest.mark.parametrize("value", [True, False, np.bool_(True)])
def test_bool_where_a_number_is_expected_rejected(no_work, name, value):
    raises_naming({name: value}, name, "number")


@pytest.mark.parametrize("name", NUMERIC)
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_values_rejected(no_work, name, value):
    raises_naming({name: value}, name)


@pytest.mark.parametrize("name", BOOLS)
@pytest.mark.parametrize("value", [1, 0, "yes", "False", None])
def test_switches_take_only_booleans(no_work, name, value):
    raises_naming({name: value}, name, "True or False")


def test_numpy_bool_switch_accepted():
    assert validate_parameters({"sharing_active": np.bool_(False)})["sharing_active"] is False


@pytest.mark.parametrize("value", ["none", "Full", "sanctuary_city", "", None, 0])
def test_unknown_detainer_policy_rejected(no_work, value):
    message = raises_naming({"detainer_policy": value}, "detainer_policy")
    for policy in DETAINER_POLICIES:
        assert policy in message


@pytest.mark.parametrize("value", ["SC", "trump", "priority", None, 1])
def test_unknown_enforcement_regime_rejected(no_work, value):
    message = raises_naming({"enforcement_regime": value}, "enforcement_regime")
    for regime in ENFORCEMENT_REGIMES:
        assert regime in message


def test_unknown_parameter_name_rejected(no_work):
    raises_naming({"n_resident": 100}, "n_resident", "known parameters")
    raises_naming({"seed": 3}, "seed")


def test_status_shares_must_leave_room_for_us_born(no_work):
    raises_naming({"share_undocumented": 0.5, "share_lpr": 0.3, "share_naturalized": 0.3},
                  "share_undocumented + share_lpr + share_naturalized", "at most 1")


def test_unreachable_composition_rejected(no_work):
    # shares sum below 1 but the citizen children of immigrant households exceed the US-born share
    raises_naming({"share_undocumented": 0.6, "share_lpr": 0.2, "share_naturalized": 0.15},
                  "share_undocumented", "cannot be reached")


@pytest.mark.parametrize("group", ["undocumented", "legal_immigrant", "us_born"])
def test_household_type_shares_must_add_up(no_work, group):
    key = f"couples_with_children_share_{group}"
    raises_naming({key: 0.7, "single_adult_share": 0.3, "single_parent_share": 0.1},
                  key, "single_parent_share", "at most 1")


def test_mean_children_below_one_rejected(no_work):
    raises_naming({"mean_children": 0.5}, "mean_children", "[1,")
    raises_naming({"mean_children": 1e9}, "mean_children", "[1,")  # not blamed on the status shares


def test_validate_parameters_raises_the_same_errors():
    with pytest.raises(ValueError, match="detainer_prob"):
        validate_parameters({"detainer_prob": 1.5})
    with pytest.raises(ValueError, match="unknown parameter"):
        validate_parameters({"not_a_parameter": 1})


# --- presets ---

def test_unknown_preset_rejected():
    with pytest.raises(ValueError) as info:
        scenario("sc_sanctuary_city")
    message = str(info.value)
    assert "scenario" in message and "sc_sanctuary_city" in message
    for name in PRESETS:
        assert name in message


def test_presets_are_the_issue_s_seven():
    assert set(PRESETS) == {"pre_sc", "sc_full", "sc_hennessey", "sc_trust_act", "sc_sanctuary",
                            "pep_2015", "eo_2017"}


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_hold_only_valid_policy_parameters(name):
    preset = scenario(name)
    assert set(preset) <= POLICY_KEYS, set(preset) - POLICY_KEYS
    assert "n_residents" not in preset
    assert not any(key.startswith("share_") for key in preset)
    validate_parameters(preset)
    if preset.get("sharing_active"):
        assert preset["activation_week"] == 52


def test_presets_policies():
    assert scenario("pre_sc")["sharing_active"] is False
    assert scenario("sc_full")["detainer_policy"] == "full"
    assert scenario("sc_hennessey")["detainer_policy"] == "hennessey"
    assert scenario("sc_trust_act")["detainer_policy"] == "trust_act"
    assert scenario("sc_sanctuary")["detainer_policy"] == "sanctuary"
    assert scenario("pep_2015")["enforcement_regime"] == "sc;pep@activation"  # from its date
    assert scenario("eo_2017")["enforcement_regime"] == "sc;eo2017@activation"


def test_scenario_returns_a_copy():
    first = scenario("sc_full")
    first["detainer_policy"] = "sanctuary"
    first["n_residents"] = 5
    assert scenario("sc_full")["detainer_policy"] == "full"
    assert "n_residents" not in scenario("sc_full")
    assert PRESETS["sc_full"]["detainer_policy"] == "full"


# --- get_params and batch_run ---

def test_get_params_returns_what_was_passed():
    passed = {"n_residents": 300, **scenario("sc_hennessey"), "detainer_prob": 0.5, "fear_decay": 0.1}
    m = SecureCommunitiesModel(rng=3, **passed)
    params = m.get_params()
    assert set(params) == set(DEFAULTS)
    for name, value in params.items():
        assert value == passed.get(name, DEFAULTS[name]), name
    # the parameters rebuild the same model
    twin = SecureCommunitiesModel(rng=3, **params)
    assert np.array_equal(twin.status, m.status) and np.array_equal(twin.household_of, m.household_of)
    # and running does not overwrite them
    for _ in range(60):
        m.step()
    assert m.get_params() == params


def test_model_runs_with_defaults_only():
    m = SecureCommunitiesModel(rng=0)
    assert len(m.residents) == DEFAULTS["n_residents"]
    m.step()
    assert m.week == 1


def _batch(seeds):
    results = mesa.batch_run(SecureCommunitiesModel, {"n_residents": 500, **scenario("sc_full")}, rng=seeds,
                             max_steps=60, number_processes=1, data_collection_period=1,
                             display_progress=False)
    return pd.DataFrame(results)


def test_batch_run():
    df = _batch([1, 2, 1])
    assert set(df["RunId"]) == {0, 1, 2}
    for _, run in df.groupby("RunId"):
        assert run["Step"].max() == 60
        assert len(run) == 61  # the initial state and 60 weeks
    columns = [c for c in df.columns if c.endswith("_cumulative") or c.startswith(("fear_", "reporting_"))]
    runs = {run_id: run.sort_values("Step")[columns].reset_index(drop=True) for run_id, run in df.groupby("RunId")}
    assert (runs[0]["crimes_cumulative"] > 0).any()
    pd.testing.assert_frame_equal(runs[0], runs[2])  # equal seeds: identical replicates
    assert not runs[0].equals(runs[1])  # different seeds: different replicates
    assert set(df.loc[df.RunId == 0, "rng"]) == {1} and set(df.loc[df.RunId == 1, "rng"]) == {2}


# --- Mesa's Scenario ---

def test_the_model_runs_from_a_mesa_scenario_as_from_keywords():
    from model import CountyScenario

    s = CountyScenario(rng=7, n_residents=400, **scenario("sc_hennessey"))
    assert s.n_residents == 400 and s.fear_decay == DEFAULTS["fear_decay"]  # defaults from the table
    a = SecureCommunitiesModel(scenario=s)
    b = SecureCommunitiesModel(rng=7, n_residents=400, **scenario("sc_hennessey"))
    assert a.scenario is s and a.get_params() == b.get_params()
    for _ in range(60):
        a.step()
        b.step()
    assert a.metrics == pytest.approx(b.metrics, nan_ok=True)


def test_a_scenario_is_validated_like_keywords(no_work):
    from model import CountyScenario

    with pytest.raises(ValueError, match="detainer_prob"):
        SecureCommunitiesModel(scenario=CountyScenario(rng=1, detainer_prob=2.0))
    with pytest.raises(ValueError, match="n_resident"):
        SecureCommunitiesModel(scenario=CountyScenario(rng=1, n_resident=300))
    with pytest.raises(ValueError, match="once"):
        SecureCommunitiesModel(scenario=CountyScenario(rng=1, n_residents=300), n_residents=400)
