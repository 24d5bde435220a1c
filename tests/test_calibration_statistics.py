"""The calibration targets' statistics, each on a hand-built run whose answer is known by arithmetic;
and the targets file, which must hold C1-C13 and only them."""

import math

import numpy as np
import pandas as pd
import pytest

from agents.codes import Status
from experiments.calibration import statistics as st
from experiments.calibration.statistics import Run, compute
from experiments.calibration.targets import (
    COMPOSITION,
    Target,
    TargetsError,
    load_targets,
    parse_targets,
    select_targets,
)

A = 4  # activation week: "before" is weeks 1-3; window [0, 4] is weeks 4-7


def hand_run(county="national", **columns) -> Run:
    """A run of 10 weeks (rows 0-10) with every reporter 0 except those given (a list of 11 values, or
    one value for every week from 1 on); 10 residents: 4 undocumented adults (3 men), 2 citizen children."""
    weeks = 11
    data = {}
    for name in st.REPORTERS_USED:
        v = columns.get(name, 0.0)
        data[name] = list(v) if isinstance(v, (list, tuple)) else [0.0] + [float(v)] * (weeks - 1)
    status = np.array([Status.UNDOCUMENTED] * 4 + [Status.US_BORN] * 6)
    female = np.array([0, 0, 0, 1, 1, 0, 1, 0, 0, 1], dtype=bool)
    adult = np.array([1, 1, 1, 1, 1, 1, 1, 1, 0, 0], dtype=bool)
    events = pd.DataFrame({"week": [1, 2, 2, 3, 5, 2], "stage": ["arrest", "arrest", "arrest", "arrest", "arrest",
                                                                   "booking"],
                           "sex": ["male", "male", "female", "male", "female", "male"]})
    return Run(county, A, pd.DataFrame(data), events, status, female, adult)


def weekly(before, after):
    """Weeks 1-3 ``before`` each, weeks 4-10 ``after`` each."""
    return [0.0] + [before] * 3 + [after] * 7


def test_ratios_of_flows_over_the_window_after_activation():
    r = hand_run(bookings=weekly(10, 20), ident_matches=weekly(0, 2), detainers_issued=weekly(0, 1),
                 detainers_honored=weekly(0, 1), ice_pickups=[0, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0])
    w = (0, 4)  # weeks 4-7
    assert st.match_given_booked([r], w) == pytest.approx(8 / 80)
    assert st.detainer_given_match([r], w) == pytest.approx(4 / 8)
    assert st.pickup_given_honored([r], w) == pytest.approx(3 / 4)  # weeks 4, 6 and 7 hold a pickup


def test_pooled_runs_are_ratios_of_sums_not_means_of_ratios():
    a = hand_run(bookings=weekly(0, 10), ident_matches=weekly(0, 1))
    b = hand_run(bookings=weekly(0, 30), ident_matches=weekly(0, 9))
    assert st.match_given_booked([a, b], (0, 4)) == pytest.approx((4 + 36) / (40 + 120))


def test_rates_per_resident_year_before_activation():
    r = hand_run(arrests=weekly(1, 99), crimes_violent=weekly(2, 99))
    years = 3 / 52  # weeks 1-3, 10 residents
    assert st.arrests_per_100k([r], "before") == pytest.approx(3 * 100_000 / (10 * years))
    assert st.violent_victimization_per_1000([r], "before") == pytest.approx(6 * 1000 / (10 * years))


def test_men_among_arrests_reads_the_event_log_in_the_window():
    r = hand_run()
    assert st.male_share_of_arrests([r], "before") == pytest.approx(3 / 4)  # weeks 1-3: 3 men, 1 woman
    assert st.male_share_of_arrests([r], (0, 4)) == pytest.approx(0.0)  # week 5: one woman


def test_reporting_and_clearance_shares():
    r = hand_run(crimes_violent=weekly(10, 0), crimes_reported_violent=weekly(4, 0), crimes_property=weekly(20, 0),
                 crimes_reported_property=weekly(7, 0), crimes_cleared_violent=weekly(2, 0),
                 crimes_cleared_property=weekly(1, 0), victimizations_undocumented=weekly(5, 50),
                 victimizations_reported_undocumented=weekly(1, 50))
    assert st.reported_share_violent([r], "before") == pytest.approx(0.4)
    assert st.reported_share_property([r], "before") == pytest.approx(0.35)
    assert st.clearance_violent([r], "before") == pytest.approx(0.5)
    assert st.clearance_property([r], "before") == pytest.approx(1 / 7)
    assert st.reported_share_undocumented([r], "before") == pytest.approx(0.2)


def test_states_are_means_over_the_window_then_over_runs():
    a = hand_run(share_hispanic_adults_knows_undocumented=[0.9, 0.5, 0.5, 0.6, 0, 0, 0, 0, 0, 0, 0],
                 chilled_share_undocumented=[0, 0, 0, 0, 0.1, 0.2, 0.3, 0.4, 0.9, 0.9, 0.9])
    b = hand_run(share_hispanic_adults_knows_undocumented=weekly(0.3, 0), chilled_share_undocumented=weekly(0, 0.5))
    assert st.knows_undocumented([a], "before") == pytest.approx(1.6 / 3)  # week 0 (as built) is not "before"
    assert st.knows_undocumented([a, b], "before") == pytest.approx((1.6 / 3 + 0.3) / 2)
    assert st.chilled_undocumented([a], (0, 4)) == pytest.approx(0.25)
    assert st.chilled_undocumented([a, b], (0, 4)) == pytest.approx(0.375)
    c = hand_run(chilled_share_hispanic=weekly(0, 0.2), chilled_share_hispanic_us_born=weekly(0, 0.1))
    assert st.chilled_hispanic([c], (2, 6)) == pytest.approx(0.2)
    assert st.chilled_hispanic_us_born([c], (2, 6)) == pytest.approx(0.1)


def test_men_among_undocumented_adults_as_built():
    assert st.male_share_undocumented_adults([hand_run()], "build") == pytest.approx(3 / 4)
    with pytest.raises(ValueError, match="at build"):
        st.male_share_undocumented_adults([hand_run()], "before")


def test_removals_per_undocumented_resident_year():
    r = hand_run(removals=weekly(0, 1))
    assert st.removals_per_undocumented_year([r], (2, 6)) == pytest.approx(4 / (4 * 4 / 52))  # weeks 6-9


def test_nothing_to_measure_gives_nan_and_a_short_run_an_error():
    r = hand_run()
    assert math.isnan(st.match_given_booked([r], (0, 4)))
    with pytest.raises(ValueError, match="cannot measure"):
        st.match_given_booked([r], (0, 20))


def test_z_is_the_miss_in_tolerances_on_its_side():
    t = Target("X", "p", "match_given_booked", ("national",), "before", 0.47, 0.40, 0.52, "s")
    assert t.z(0.52) == pytest.approx(1.0)
    assert t.z(0.40) == pytest.approx(-1.0)
    assert t.z(0.57) == pytest.approx(2.0)
    assert t.z(0.5, value=0.45) == pytest.approx(1.0)  # a synthetic value keeps the tolerances
    assert math.isnan(t.z(float("nan")))


def test_the_targets_file_holds_c1_to_c13_and_every_statistic():
    targets, counties = load_targets()
    assert {t.rstrip("abc") for t in targets} == {f"C{i}" for i in range(1, 14)}
    assert set(counties) == {"national", "surveyed"}
    assert counties["national"].params["share_undocumented"] == 0.037
    assert {t.statistic for t in targets.values()} == set(st.STATISTICS)
    for t in targets.values():
        assert t.low < t.value < t.high and t.source
    assert select_targets(["C4", "C1"], targets) == ["C4a", "C4b", "C1"]
    with pytest.raises(KeyError):
        select_targets(["C14"], targets)


def test_compute_pools_the_counties_each_target_names():
    targets, _ = load_targets()
    a = hand_run("national", victimizations_undocumented=weekly(1, 0),
                 victimizations_reported_undocumented=weekly(1, 0))
    b = hand_run("surveyed", victimizations_undocumented=weekly(3, 0))
    out = compute([targets["C7"], targets["C10"]], {"national": [a], "surveyed": [b]})
    assert out["C7"] == pytest.approx(3 / 12)
    assert out["C10"] == pytest.approx(6 / 8)


@pytest.mark.parametrize("change, key", [
    ({"statistic": "nope"}, "targets.C1.statistic"),
    ({"counties": ["mars"]}, "targets.C1.counties"),
    ({"window": [5, 2]}, "targets.C1.window"),
    ({"low": 0.5}, "targets.C1"),
    ({"colour": 1}, "targets.C1.colour"),
])
def test_a_bad_targets_file_names_the_key(change, key):
    raw = {"counties": {"national": {"share_undocumented": 0.037}},
           "targets": {"C1": {"pattern": "p", "statistic": "match_given_booked", "counties": ["national"],
                              "window": [0, 10], "value": 0.09, "low": 0.06, "high": 0.12, "source": "s"}}}
    raw["targets"]["C1"].update(change)
    with pytest.raises(TargetsError, match=key.replace(".", r"\.")):
        parse_targets(raw)


def test_run_from_a_model_gives_the_same_statistics_as_its_reporters():
    from model import SecureCommunitiesModel, scenario

    m = SecureCommunitiesModel(rng=3, n_residents=3_000, **{**scenario("sc_full"), "activation_week": 10})
    for _ in range(20):
        m.step()
    r = Run.from_model(m, "national")
    df = m.datacollector.get_model_vars_dataframe()
    assert r.last_week == 20
    assert st.arrests_per_100k([r], "before") == pytest.approx(df["arrests"].iloc[1:10].sum() * 100_000
                                                               / (3_000 * 9 / 52))
    ev = m.event_log()
    arrests = ev[(ev.stage == "arrest") & (ev.week < 10)]
    assert len(arrests) >= 5  # enough arrests before activation for a share to mean something
    assert st.male_share_of_arrests([r], "before") == pytest.approx((arrests.sex == "male").mean())


def test_the_screening_covers_every_assumption_parameter_but_the_county_composition():
    import tomllib
    from pathlib import Path

    from model.parameters import PARAMETERS

    spec = tomllib.loads((Path(__file__).resolve().parents[1] / "experiments/specs/screening.toml").read_text())
    composition = {k for c in load_targets()[1].values() for k in c.params} | set(COMPOSITION)
    assumptions = {p.name for p in PARAMETERS if "assumption" in p.source.lower()
                   and not p.constraint.categorical} - composition  # Morris screens numbers, not switches
    screened = set(spec["parameters"]) - {"county"}
    assert assumptions - screened == set(), "add these to experiments/specs/screening.toml"
    assert screened - assumptions == set()


def test_the_target_screening_ranks_parameters_against_the_noise(tmp_path):
    """A tiny Morris sweep of the model in the target counties: a parameter that changes nothing has mu* 0
    and is not worth fitting; violent clearance moves C8a."""
    from experiments.sweep import run_sweep
    from experiments.sweep.screening import target_sensitivity

    spec = tmp_path / "screen.toml"
    spec.write_text(f"""
name = "tiny_screen"
model = "target_county"
replications = 2
seed = 3
common_random_numbers = true
steps = 217
event_log = true
outputs = {list(st.REPORTERS_USED)!r}
[fixed]
n_residents = 3000
preset = "sc_full"
activation_week = 10
[parameters]
county = ["national", "surveyed"]
clearance_prob_violent = {{ min = 0.1, max = 0.9 }}
kin_care_prob = {{ min = 0.5, max = 1.0 }}
[design]
method = "morris"
samples = 2
""")
    out = tmp_path / "out"
    assert run_sweep(spec, out=out, workers=1, quiet=True).failed == 0
    table, ranking = target_sensitivity(out)
    assert set(table["target"]) == set(load_targets()[0])
    nothing = table[table["parameter"] == "kin_care_prob"]
    assert (nothing["mu_star"] == 0).all()
    rank = ranking.set_index("parameter")
    assert not rank.loc["kin_care_prob", "worth_fitting"]
    # violent clearance moves C8a (and, through arrests, detentions and fear, other targets too); at 1,000
    # residents C8a's noise floor (0.7 tolerances) hid it, at 3,000 it is 0.11 against a mu* of 0.64
    assert "C8a" in rank.loc["clearance_prob_violent", "targets_moved"]
