"""One place per change: a panel estimator, a report section, a county policy and a spec key are each
declared once, and an incomplete declaration fails when it is made (at import), not at report time."""

import numpy as np
import pandas as pd
import pytest

from agents import policies
from experiments.core.schema import Int, Key, SpecError, Table
from experiments.panel import estimators
from experiments.panel.counties import COLUMNS
from experiments.panel.estimators import CONTROL_GROUPS, ESTIMATOR_TABLE, ESTIMATORS, Estimator
from experiments.panel.spec import ESTIMATION
from experiments.reports import kinds
from experiments.reports.sections import KINDS, Kind, Section, registry


def fit(d, yname, idname, tname, df_t, alpha):
    return {}, {}


@pytest.mark.parametrize("fields, message", [
    ({"label": ""}, "needs a label"),
    ({"colour": "red"}, "colour must be #RRGGBB"),
    ({"fit": None}, "fit must be callable"),
    ({"name": "Callaway Sant'Anna"}, "lowercase"),
])
def test_an_incomplete_estimator_fails_where_it_is_declared(fields, message):
    with pytest.raises((ValueError, TypeError), match=message):
        Estimator(**{"name": "callaway", "label": "Callaway-Sant'Anna", "colour": "#000000", "fit": fit, **fields})


def test_the_panel_spec_and_the_report_read_the_one_estimator_table():
    """The names a spec may list are the table's; every estimator and control group has what the report shows."""
    assert ESTIMATORS == tuple(ESTIMATOR_TABLE)
    assert ESTIMATION.keys["estimators"].check.options == ESTIMATORS
    assert ESTIMATION.keys["controls"].check.options == tuple(CONTROL_GROUPS)
    for e in ESTIMATOR_TABLE.values():
        assert e.label and e.colour.startswith("#") and callable(e.fit)
    assert all(c.label for c in CONTROL_GROUPS.values())


def test_a_registered_estimator_is_run_by_event_study(monkeypatch):
    """A new estimator needs one entry: event_study dispatches to its fit by name."""
    calls = []

    def twfe_again(d, yname, idname, tname, df_t, alpha):
        calls.append(yname)
        return estimators.fit_twfe(d, yname, idname, tname, df_t, alpha)

    monkeypatch.setitem(ESTIMATOR_TABLE, "twfe_again", Estimator("twfe_again", "TWFE again", "#000000", twfe_again))
    monkeypatch.setattr(estimators, "ESTIMATORS", tuple(ESTIMATOR_TABLE))
    rng = np.random.default_rng(0)
    units, periods = 30, 12
    data = pd.DataFrame({"county_id": np.repeat(np.arange(units), periods),
                         "quarter": np.tile(np.arange(1, periods + 1), units),
                         "cohort": np.repeat(rng.choice([4, 6, 8, 99], units), periods)})
    data["y"] = rng.normal(size=len(data)) + (data["quarter"] >= data["cohort"])
    a = estimators.event_study(data, "y", "twfe_again")
    b = estimators.event_study(data, "y", "twfe")
    assert calls == ["y"] and a.att["estimate"] == b.att["estimate"]


@pytest.mark.parametrize("make, message", [
    (lambda: Section("", lambda r, doc: None), "needs a title"),
    (lambda: Section("Ripple", None), "must be callable"),
    (lambda: Section("Ripple", lambda r: None), r"takes \(results, report\)"),
    (lambda: Kind("poster", object, (Section("A", lambda r, doc: None),)), "is not one of"),
    (lambda: Kind("sweep", object, ()), "non-empty tuple of Section"),
    (lambda: Kind("sweep", object, (Section("A", lambda r, doc: None), Section("A", lambda r, doc: None))),
     "appears twice"),
    (lambda: registry(Kind("sweep", object, (Section("A", lambda r, doc: None),))), "one to one"),
])
def test_an_incomplete_report_registration_fails_where_it_is_made(make, message):
    with pytest.raises((TypeError, ValueError), match=message):
        make()


def test_every_kind_of_result_has_its_sections_and_one_decision_picks_it(tmp_path):
    assert set(kinds.KINDS) == set(KINDS)
    assert all(isinstance(s, Section) for k in kinds.KINDS.values() for s in k.sections)
    with pytest.raises(FileNotFoundError, match="no sweep here"):
        kinds.report_kind(tmp_path)


def test_a_new_detainer_policy_reaches_the_county_table_and_the_synthetic_nation(monkeypatch):
    """The county table accepts every declared policy; the synthetic nation's later policy changes draw
    from every policy that declines some detainer, read from agents.policies when the nation is made."""
    from experiments.panel import nation

    assert COLUMNS["detainer_policy"].options == policies.DETAINER_POLICIES
    assert set(nation.limiting_policies()) == {n for n, p in policies.POLICIES.items() if p.limits_cooperation}
    before = nation.generate_counties(600, seed=3)
    sanctuary = policies.POLICIES["sanctuary"]
    monkeypatch.setitem(policies.POLICIES, "new_policy",
                        policies.DetainerPolicy("new_policy", True, sanctuary.rules, "test", "a policy under test"))
    after = nation.generate_counties(600, seed=3)
    assert "new_policy" in set(after["detainer_policy_after"])
    assert "new_policy" not in set(before["detainer_policy_after"])


def test_a_spec_key_is_declared_once_and_checked_by_the_engine():
    table = Table({"weeks": Key(Int(minimum=13), 520, "simulated weeks")})
    assert table.read({}) == {"weeks": 520}
    with pytest.raises(SpecError, match=r"^weeks: must be >= 13, got 4$"):
        table.read({"weeks": 4})
    with pytest.raises(SpecError, match=r"^weks: unknown key \(did you mean 'weeks'\?\)$"):
        table.read({"weks": 4})
    assert table.describe() == [("weeks", "an integer >= 13", 520, "simulated weeks")]
