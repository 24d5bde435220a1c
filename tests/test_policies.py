"""County detainer policies and ICE regimes are tables of named rules; each rule is checked on
hand-built people, both as a table entry and through the county's own jail and ICE."""

from pathlib import Path

import numpy as np
import pytest

from agents.codes import (
    FELONY,
    FINAL_ORDER,
    LEVEL1,
    LEVEL2,
    LEVEL3,
    LISTED_FELONY,
    MISDEMEANOR,
    NEVER,
    NONCRIMINAL,
    PRIOR_REMOVAL,
    RECORD_COLUMNS,
    SERIOUS_VIOLENT,
    SIGNIFICANT_MISDEMEANOR,
    WEEK_DTYPE,
    WOBBLER,
    Custody,
    Offense,
    Status,
    _morton_level,
    sc_level,
    sc_levels,
    years,
)
from agents.policies import POLICIES, REGIMES, Case, DetainerPolicy, Rule
from model import SecureCommunitiesModel
from model.parameters import PARAMETER_TABLE

ROOT = Path(__file__).resolve().parents[1]
NOW = 600  # the week of the decision


def person(week=NOW, offense=Offense.TRAFFIC, charge_felony=False, since=0, **entries):
    """A hand-built case: ``entries`` maps record column names to (count, years ago)."""
    record = np.zeros(len(RECORD_COLUMNS), dtype=np.int16)
    when = np.full(len(RECORD_COLUMNS), NEVER, dtype=WEEK_DTYPE)
    for name, (n, ago) in entries.items():
        column = RECORD_COLUMNS.index(name)
        record[column], when[column] = n, week - years(ago)
    return Case(record, when, week, offense, charge_felony, since)


def decide(policy, case):
    return POLICIES[policy].decide(case)


# --- the TRUST Act (AB 4, 2013): every category the record can express ---

@pytest.mark.parametrize(("case", "held", "rule"), [
    (person(wobbler=(1, 3), misdemeanor=(1, 3)), True, "wobbler_within_5_years"),
    (person(wobbler=(1, 6), misdemeanor=(1, 6)), False, "no_listed_category"),
    (person(wobbler=(2, 4.9), misdemeanor=(2, 4.9)), True, "wobbler_within_5_years"),
    (person(listed_felony=(1, 10), felony=(1, 10)), True, "listed_felony_within_15_years"),
    (person(listed_felony=(1, 16), felony=(1, 16)), False, "no_listed_category"),
    (person(serious_violent=(1, 30), felony=(1, 30), listed_felony=(1, 30)), True, "serious_violent_conviction"),
    (person(offense=Offense.VIOLENT, charge_felony=True), True, "serious_violent_charge"),
    (person(offense=Offense.VIOLENT, charge_felony=False), False, "no_listed_category"),  # misdemeanor assault charge
    (person(misdemeanor=(3, 1)), False, "no_listed_category"),  # misdemeanors that are not wobblers
    (person(offense=Offense.DRUG, charge_felony=True), False, "no_listed_category"),  # a charge is no conviction
    (person(), False, "no_listed_category"),
], ids=["wobbler_3y", "wobbler_6y", "wobbler_4.9y", "listed_10y", "listed_16y", "serious_violent_30y",
        "violent_felony_charge", "assault_misdemeanor_charge", "plain_misdemeanors", "drug_felony_charge", "clean"])
def test_trust_act_categories(case, held, rule):
    assert decide("trust_act", case) == (held, rule)


# --- Hennessey (San Francisco, 2011) ---

@pytest.mark.parametrize(("case", "held", "rule"), [
    (person(offense=Offense.PUBLIC_ORDER), False, "low_level_charge"),
    (person(offense=Offense.TRAFFIC, misdemeanor=(5, 1)), False, "low_level_charge"),
    (person(offense=Offense.PROPERTY), False, "low_level_charge"),  # shoplifting
    (person(offense=Offense.DRUG), False, "low_level_charge"),  # possession
    (person(offense=Offense.DRUG, charge_felony=True), True, "not_low_level"),  # sales
    (person(offense=Offense.DUI), True, "not_low_level"),  # not on the list
    (person(offense=Offense.VIOLENT), True, "not_low_level"),
    (person(offense=Offense.TRAFFIC, serious_violent=(1, 12)), True, "serious_violent_conviction"),
])
def test_hennessey_list(case, held, rule):
    assert decide("hennessey", case) == (held, rule)


def test_full_holds_everyone_and_sanctuary_no_one():
    for case in (person(), person(offense=Offense.VIOLENT, charge_felony=True, serious_violent=(2, 1))):
        assert decide("full", case) == (True, "cooperate")
        assert decide("sanctuary", case) == (False, "no_judicial_warrant")


def test_declared_in_public():
    assert {name: p.declared for name, p in POLICIES.items()} == {
        "full": False, "hennessey": True, "trust_act": True, "sanctuary": True}


def test_a_policy_must_end_with_a_rule_that_always_applies():
    with pytest.raises(ValueError, match="always applies"):
        DetainerPolicy("partial", declared=True, rules=((Rule("x", lambda c: True, "x"), True),), source="none",
                       label="partial")


def test_the_parameter_accepts_exactly_the_table():
    assert PARAMETER_TABLE["detainer_policy"].constraint.options == tuple(POLICIES)
    assert PARAMETER_TABLE["enforcement_regime"].constraint.options == tuple(REGIMES)


def test_every_rule_is_described_in_the_odd():
    text = (ROOT / "docs" / "ODD.md").read_text()
    names = {rule.name for p in POLICIES.values() for rule, _ in p.rules}
    names |= {rule.name for r in REGIMES.values() for rule in r.ranks}
    names |= {"background_decline", "record_error", "no_pickup", "capacity"}
    missing = sorted(n for n in names if f"`{n}`" not in text)
    assert not missing, f"rules not described in docs/ODD.md: {missing}"


# --- the same rules through the county's jail: a hand-built resident booked and given a detainer ---

def jail_decides(policy, offense, felony=False, **entries):
    """Book a hand-built undocumented adult at week 0 and lodge a detainer; return (custody, the
    jail's decision, the release week)."""
    m = SecureCommunitiesModel(rng=1, n_residents=300, detainer_policy=policy, detainer_decline_prob=0.0,
                               sharing_active=False)
    r = int(np.flatnonzero((m.status == Status.UNDOCUMENTED) & m.adult)[0])
    m.record[r], m.record_week[r] = 0, NEVER
    for name, (n, ago) in entries.items():
        column = RECORD_COLUMNS.index(name)
        m.record[r, column], m.record_week[r, column] = n, -years(ago)
    m.jail.book(r, offense, felony)
    m.jail.lodge_detainer(r)
    return Custody(int(m.custody[r])), m.jail.detainers[r], m.jail.release_week[r]


def test_the_jail_applies_the_trust_act_to_a_wobbler_by_its_date():
    assert jail_decides("trust_act", Offense.TRAFFIC, wobbler=(1, 3), misdemeanor=(1, 3))[:2] == (
        Custody.HELD, (True, "wobbler_within_5_years"))
    assert jail_decides("trust_act", Offense.TRAFFIC, wobbler=(1, 6), misdemeanor=(1, 6))[:2] == (
        Custody.JAILED, (False, "no_listed_category"))


def test_a_held_person_loses_pretrial_release_by_the_charge():
    """The hold adds its week to every charge; a charge that would go to bail adds the weeks of
    pretrial release the detainer takes away (Justice Strategies 2010)."""
    hold, pretrial = PARAMETER_TABLE["detainer_extra_jail_weeks"].default, PARAMETER_TABLE[
        "detainer_pretrial_weeks"].default
    assert jail_decides("full", Offense.TRAFFIC)[2] == 0 + hold
    assert jail_decides("full", Offense.DRUG)[2] == 1 + hold + pretrial
    assert jail_decides("full", Offense.VIOLENT, True)[2] == 4 + hold + pretrial
    assert jail_decides("sanctuary", Offense.DRUG)[2] == 1  # declined: the ordinary stay


# --- regimes ---

def rank(regime, case):
    ranked = REGIMES[regime].rank(case)
    return None if ranked is None else ranked[1]


def test_sc_levels_then_immigration_violators_then_the_rest():
    assert rank("sc", person(serious_violent=(1, 1), felony=(1, 1))) == "level1"
    assert rank("sc", person(felony=(2, 1))) == "level1"
    assert rank("sc", person(felony=(1, 1))) == "level2"
    assert rank("sc", person(misdemeanor=(3, 1))) == "level2"
    assert rank("sc", person(misdemeanor=(1, 1), prior_removal=(1, 2))) == "level3"  # crime first
    assert rank("sc", person(prior_removal=(1, 8))) == "immigration_violator"
    assert rank("sc", person(final_order=(1, 8))) == "immigration_violator"  # a fugitive
    assert rank("sc", person()) == "noncriminal"


def test_pep_pursues_felonies_significant_misdemeanors_and_recent_orders_only():
    since = NOW - 30  # PEP took effect 30 weeks ago; "recent" means since a year before that
    assert rank("pep", person(felony=(1, 9), since=since)) == "p1_felony"
    assert rank("pep", person(significant_misdemeanor=(1, 9), misdemeanor=(1, 9), since=since)) == "p2_misdemeanors"
    assert rank("pep", person(misdemeanor=(3, 9), since=since)) == "p2_misdemeanors"
    assert rank("pep", person(misdemeanor=(2, 1), since=since)) is None
    assert rank("pep", person(final_order=(1, 1), since=since)) == "p3_recent_order"
    assert rank("pep", person(prior_removal=(1, 1), since=since)) == "p3_recent_order"  # reinstated
    assert rank("pep", person(final_order=(1, 3), since=since)) is None  # before 1 Jan 2014
    assert rank("pep", person(since=since)) is None


def test_eo2017_pursues_everyone_in_arrival_order():
    assert rank("eo2017", person()) == rank("eo2017", person(serious_violent=(1, 1))) == "any_removable"
    assert REGIMES["eo2017"].pursues_everyone and REGIMES["sc"].pursues_everyone
    assert not REGIMES["pep"].pursues_everyone


@pytest.mark.parametrize("regime", sorted(REGIMES))
def test_vectorized_ranks_agree_with_one_person_at_a_time(regime):
    rng = np.random.default_rng(0)
    n = 3000
    record = np.zeros((n, len(RECORD_COLUMNS)), dtype=np.int16)
    for column, p in ((FELONY, 0.1), (MISDEMEANOR, 0.3), (SERIOUS_VIOLENT, 0.05), (SIGNIFICANT_MISDEMEANOR, 0.1),
                      (WOBBLER, 0.1), (LISTED_FELONY, 0.1), (PRIOR_REMOVAL, 0.1), (FINAL_ORDER, 0.1)):
        record[:, column] = rng.poisson(p * 2, n) * (rng.random(n) < 0.5)
    when = np.where(record > 0, rng.integers(-500, NOW, record.shape), NEVER).astype(WEEK_DTYPE)
    ranks = REGIMES[regime].ranks_of(Case(record, when, NOW, since=NOW - 40))
    for i in range(n):
        one = REGIMES[regime].rank(Case(record[i], when[i], NOW, since=NOW - 40))
        assert ranks[i] == (-1 if one is None else one[0])


def test_the_level_rule_is_one_table_for_one_row_and_for_many():
    grid = np.array([[f, m, s, 0, 0, 0, 0, 0] for f in range(4) for m in range(5) for s in range(3)], dtype=np.int16)
    levels = sc_levels(grid)
    for row, level in zip(grid, levels, strict=True):
        assert sc_level(row) == level == _morton_level(row[SERIOUS_VIOLENT], row[FELONY], row[MISDEMEANOR])
    assert {LEVEL1, LEVEL2, LEVEL3, NONCRIMINAL} == set(levels.tolist())


# --- schedules of regimes ---

SCHEDULE = PARAMETER_TABLE["enforcement_regime"].constraint


def test_a_schedule_is_plain_text_that_validates():
    assert SCHEDULE.check("enforcement_regime", "sc") == "sc"
    assert SCHEDULE.check("enforcement_regime", " sc ; pep@260 ;eo2017@440") == "sc;pep@260;eo2017@440"
    assert SCHEDULE.check("enforcement_regime", "sc@0;pep@10") == "sc;pep@10"
    parsed = SCHEDULE.parse("enforcement_regime", "sc;pep@260;eo2017@440")
    assert parsed.steps == ((0, "sc"), (260, "pep"), (440, "eo2017"))


@pytest.mark.parametrize("bad", ["sc;pep", "sc;pep@x", "sc;pep@0", "sc;pep@50;eo2017@40", "sc@5", "sc;trump@9",
                                 "sc;pep@10;eo2017@10", "", 3, None, "sc;pep@1000000"])
def test_bad_schedules_fail_naming_the_parameter(bad):
    with pytest.raises(ValueError, match="enforcement_regime"):
        SecureCommunitiesModel(rng=1, enforcement_regime=bad)


def test_the_regime_in_force_each_week():
    schedule = SCHEDULE.parse("enforcement_regime", "sc;pep@260;eo2017@440").map(REGIMES.__getitem__)
    assert schedule.at(0) is REGIMES["sc"] and schedule.at(259) is REGIMES["sc"] and schedule.since(259) == 0
    assert schedule.at(260) is REGIMES["pep"] and schedule.at(439) is REGIMES["pep"] and schedule.since(439) == 260
    assert schedule.at(5000) is REGIMES["eo2017"] and schedule.since(5000) == 440


def test_a_schedule_changes_whom_ice_asks_for():
    """Under 'sc;pep@80' the detainers of the first weeks name SC levels, later ones PEP priorities."""
    m = SecureCommunitiesModel(rng=4, n_residents=4000, activation_week=0, enforcement_regime="sc;pep@80",
                               proactive_arrest_rate=0.15)
    for _ in range(160):
        m.step()
    detainers = m.event_log().query("stage == 'detainer'")
    early, late = detainers[detainers.week < 80], detainers[detainers.week >= 80]
    assert len(early) > 20 and len(late) > 5
    sc_rules = {r.name for r in REGIMES["sc"].ranks} | {"record_error"}
    pep_rules = {r.name for r in REGIMES["pep"].ranks} | {"record_error"}
    assert set(early.rule) <= sc_rules and set(late.rule) <= pep_rules
    assert (early.rule == "noncriminal").any()
    assert (late[late.priority_level == "noncriminal"].rule.isin(["p3_recent_order", "record_error"])).all()


# --- a county that changed its policy mid-run (the panel's policy_change_date) ---

def test_a_county_that_changes_its_policy_decides_by_the_old_rules_before_the_change_and_the_new_from_it():
    """``detainer_policy = "full;sanctuary@W"``: the jail honors every detainer it decides before
    week W and declines every one from W on (a TRUST Act or a sheriff's order takes effect on a date)."""
    change = 80
    m = SecureCommunitiesModel(rng=3, n_residents=4000, activation_week=5, detainer_decline_prob=0.0,
                               detainer_policy=f"full;sanctuary@{change}")
    decisions = []  # (week, honored?) of every detainer, when the jail decides it
    lodge = m.jail.lodge_detainer

    def recorded(resident):
        honor, rule = lodge(resident)
        decisions.append((m.week, honor, m.jail.policy.name))
        return honor, rule

    m.jail.lodge_detainer = recorded
    assert m.jail.policy.name == "full"
    for _ in range(160):
        m.step()
    assert m.jail.policy.name == "sanctuary"
    before = [h for w, h, _ in decisions if w < change]
    after = [h for w, h, _ in decisions if w >= change]
    assert len(before) >= 5 and len(after) >= 5, (len(before), len(after))
    assert all(before) and not any(after)
    assert all(name == ("full" if w < change else "sanctuary") for w, _, name in decisions)


def test_a_declared_policy_damps_the_news_from_the_week_it_is_declared():
    """Same seed, full cooperation throughout against a county that declares the Hennessey rule in
    week W: the two runs are identical until W; from W the news of the jail's own transfers to ICE reaches
    residents damped by ``policy_salience_damping``."""
    change, damping = 70, PARAMETER_TABLE["policy_salience_damping"].default
    runs = [SecureCommunitiesModel(rng=5, n_residents=2000, activation_week=20, detainer_policy=p)
            for p in ("full", f"full;hennessey@{change}")]
    for week in range(1, change):
        for m in runs:
            m.step()
        assert np.array_equal(runs[0].fear, runs[1].fear), week
    media = [m.fear_process.media for m in runs]
    assert media[1].transfer_scale.at(change - 1) == 1.0
    assert media[1].transfer_scale.at(change) == pytest.approx(1.0 - damping)  # the jail's transfers, from W
    assert media[0].transfer_scale.at(change) == 1.0


def test_a_policy_schedule_is_validated_like_the_regime_schedule():
    with pytest.raises(ValueError, match="detainer_policy"):
        SecureCommunitiesModel(rng=1, n_residents=300, detainer_policy="full;amnesty@10")
    with pytest.raises(ValueError, match="detainer_policy"):
        SecureCommunitiesModel(rng=1, n_residents=300, detainer_policy="full;trust_act@0")
    assert PARAMETER_TABLE["detainer_policy"].constraint.check("detainer_policy", "full; trust_act@300") == \
        "full;trust_act@300"
