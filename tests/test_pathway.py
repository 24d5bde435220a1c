"""The pathway as enforcement ran, checked on fixed seeds in small counties: records and
immigration history at the start, ICE's three doors and its capacity, re-entry, relief,
reunification, pretrial detention, unlicensed drivers and the bookkeeping of citizens held."""

from functools import cache

import numpy as np
import pandas as pd
import pytest

from agents.capacity import NationalPool, allocate
from agents.codes import (
    FELONY,
    FINAL_ORDER,
    MISDEMEANOR,
    PRIOR_REMOVAL,
    SERIOUS_VIOLENT,
    Custody,
    Offense,
    Status,
)
from agents.police import stop_weights
from agents.policies import REGIMES
from model import SecureCommunitiesModel, scenario
from model.metrics import STAGES
from tests.test_invariants import BUSY, run_and_check

NATIONAL = {"share_undocumented": 0.037, "share_lpr": 0.04, "share_naturalized": 0.06}


def run(weeks=156, seed=1, **params):
    m = SecureCommunitiesModel(rng=seed, **params)
    for _ in range(weeks):
        m.step()
    return m


# --- the county at week 0 ---

@cache
def records_run(seed=5):
    """A county before the program: its prior records, then three years of the run's own convictions."""
    m = SecureCommunitiesModel(rng=seed, n_residents=20_000, **scenario("pre_sc"), background_arrest_rate=0.0)
    start = m.record.copy()
    for _ in range(156):
        m.step()
    return m, start


def test_prior_records_look_like_what_the_run_produces():
    """Priors come from the same offending, offense mix and conviction chance as the run: convictions
    per adult-year before week 0 match those the run adds (felonies, misdemeanors, serious or violent).
    Pooled over four counties: one county's three years hold about 70 serious or violent convictions,
    whose noise alone is about 12%."""
    before, during, n_during = np.zeros(3), np.zeros(3), np.zeros(3)
    columns = [FELONY, MISDEMEANOR, SERIOUS_VIOLENT]
    for seed in (5, 6, 7, 8):
        m, start = records_run(seed)
        adults = int(m.adult.sum())
        before += start[:, columns].sum(axis=0) / (adults * m.params.prior_record_years)  # drawn, and the
        # spin-up's last 26 weeks simulated: the same years of history either way
        during += (m.record - start)[:, columns].sum(axis=0) / (adults * 3.0)
        n_during += (m.record - start)[:, columns].sum(axis=0)
    assert n_during[1] > 4000 and n_during[2] > 200  # the comparison is not noise
    assert np.all(np.abs(during / before - 1) < 0.1), (before, during)
    # the offense mix: the share of serious or violent felonies among convictions is the run's
    share_before = start[:, SERIOUS_VIOLENT].sum() / start[:, [FELONY, MISDEMEANOR]].sum()
    share_during = n_during[2] / n_during[:2].sum()
    assert share_before == pytest.approx(share_during, rel=0.25)
    assert np.all(start[~m.adult] == 0)  # children have no record


@cache
def national_county():
    return SecureCommunitiesModel(rng=8, n_residents=60_000, **NATIONAL)


def test_men_are_sixty_percent_of_undocumented_adults():
    """C10 (Passel, Pew 2013): 40% of unauthorized adults are women, couples still one man and one woman."""
    for m in (national_county(), SecureCommunitiesModel(rng=9, n_residents=20_000)):
        undocumented = (m.status == Status.UNDOCUMENTED) & m.adult
        assert 1 - m.female[undocumented].mean() == pytest.approx(0.60, abs=0.02)
        heads = np.array([h.members[0] for h in m.households if len(h.adults) == 2])
        assert np.all(m.female[heads] != m.female[heads + 1])


def test_a_share_of_the_undocumented_have_an_immigration_history():
    """Drawn at build (before the spin-up) at the parameters' shares; the spin-up's removals and returns
    then add prior removals, and a removal executes a final order."""
    cold = SecureCommunitiesModel(rng=8, n_residents=60_000, **NATIONAL, spin_up_weeks=0)
    warm = national_county()
    for m in (cold, warm):
        undocumented = (m.status == Status.UNDOCUMENTED) & m.adult
        for column, name in ((PRIOR_REMOVAL, "prior_removal_share_undocumented"),
                             (FINAL_ORDER, "final_order_share_undocumented")):
            has = m.record[:, column] > 0
            if m is cold:
                assert has[undocumented].mean() == pytest.approx(getattr(m.params, name), abs=0.01)
                assert not has[~undocumented].any()
            assert m.in_ident[has].all()  # a removal or an order enrolled their prints
            assert np.all(m.record_week[has, column] <= 0)  # dated before the run
    prior = [(m.record[(m.status == Status.UNDOCUMENTED) & m.adult, PRIOR_REMOVAL] > 0).mean() for m in (cold, warm)]
    assert prior[1] > prior[0]  # five years of ICE's own operations before week 0


# --- ICE's capacity and its priorities ---

SC_RANK = {rule.name: i for i, rule in enumerate(REGIMES["sc"].ranks)}


def test_with_capacity_set_low_level_1_residents_are_taken_first():
    """Every week, everyone ICE took from an account of places ranks at or above everyone it turned
    away from it; over the run, Level 1 people are a larger share of those taken than of those turned away."""
    m = run(weeks=208, seed=3, n_residents=5000, **scenario("sc_full"), ice_capacity_share=0.01,
            proactive_arrest_rate=0.15)
    ev = m.event_log()
    taken = ev[ev.stage.isin(["pickup", "at_large_arrest", "background_arrest"])]
    away = ev[ev.stage == "turned_away"]
    assert len(taken) >= 10 and len(away) >= 50 and m.totals["capacity_turned_away"] == len(away)
    account = {"sc": "jail", "at_large": "jail", "background": "own"}  # ICE's places, by door (agents.ice)
    taken, away = taken.assign(account=taken.door.map(account)), away.assign(account=away.door.map(account))
    for (week, acc), turned in away.groupby(["week", "account"]):
        took = taken[(taken.week == week) & (taken.account == acc)]
        if len(took):
            assert took.rule.map(SC_RANK).max() <= turned.rule.map(SC_RANK).min(), week
    assert (taken.priority_level == "level1").mean() > 2 * (away.priority_level == "level1").mean()
    # over the run, those taken rank higher on average (a few non-criminal people are taken in weeks the
    # budget does not bind: 2 of 21 here, so their share is no test)
    assert taken.rule.map(SC_RANK).mean() < away.rule.map(SC_RANK).mean()


def test_each_candidate_brings_the_national_take_rate_of_a_place():
    """ICE's places come from a national pool: capacity (removals a year per unauthorized resident, over
    the share of people taken who are removed) over national demand, per candidate the county presents."""
    m = SecureCommunitiesModel(rng=1, n_residents=5000, **scenario("sc_full"))
    p = m.params
    assert m.ice.take_rate == pytest.approx(p.ice_capacity_share / p.national_removed_share / p.national_demand_rate)
    for _ in range(80):
        m.step()
    weeks = np.arange(m.week - 51, m.week + 1)
    candidates = m.datacollector.get_model_vars_dataframe()["ice_candidates"].to_numpy()[weeks]
    assert m.ice.yearly_places == pytest.approx(m.ice.take_rate * candidates.sum())
    assert allocate(10.0, [5.0, 15.0]) == pytest.approx([2.5, 7.5])  # a shared pool: in proportion to demand
    assert allocate(100.0, [5.0, 15.0]) == pytest.approx([5.0, 15.0])  # never more than the demand
    assert NationalPool(capacity=0.05, demand=0.01).take_rate == 1.0


# --- the doors the county cannot close ---

def test_background_arrests_follow_immigration_history_and_the_regime():
    """ICE's own interior arrests fall more often on people with a prior removal or a final order,
    and under PEP only on its priorities."""
    common = {"n_residents": 8000, "sharing_active": False, "background_arrest_rate": 0.06,
              "background_history_weight": 10.0, "ice_capacity_share": 1.0}
    sc = run(weeks=104, **common)
    ev = sc.event_log()
    arrested = ev[ev.stage == "background_arrest"].resident_id.to_numpy()
    undocumented = (sc.status == Status.UNDOCUMENTED) & sc.adult
    history = (sc.record[:, PRIOR_REMOVAL] > 0) | (sc.record[:, FINAL_ORDER] > 0)
    assert len(arrested) > 30  # enough to compare shares (46 on this seed)
    population_share = history[undocumented].mean()  # after the run: the arrested removed carry a removal
    assert np.isin(arrested, np.flatnonzero(history)).mean() > 2 * population_share
    pep = run(weeks=104, **common, enforcement_regime="pep")
    pep_arrests = pep.event_log().query("stage == 'background_arrest'")
    assert set(pep_arrests.rule) <= {rule.name for rule in REGIMES["pep"].ranks}
    assert len(pep_arrests) < 0.5 * len(arrested)
    assert sc.totals["removals"] == sc.totals["removals_background"] > 0


def test_background_arrests_drawn_among_those_who_can_weigh_are_those_drawn_among_everyone():
    """ICE's cumulative background weights run over the residents whose weight is or can become above 0
    (adults not born here): a uniform picks the person it picks in the cumulative weights over everyone.
    A resident outside them who comes to weigh (here a US-born citizen given an undocumented status) joins."""
    m = SecureCommunitiesModel(rng=6, n_residents=3000, background_arrest_rate=0.06, background_history_weight=10.0)
    ice = m.ice
    who, mask = ice._weighed
    assert 0 < len(who) < 0.5 * len(mask) and np.all(ice._weight[~mask] == 0)
    uniforms = np.random.default_rng(1).random(20_000)
    everyone = np.cumsum(ice._weight)
    ours = np.cumsum(ice._weight[who])
    assert ours[-1] == everyone[-1]
    assert np.array_equal(np.searchsorted(everyone, uniforms * everyone[-1], side="right"),
                          who[np.searchsorted(ours, uniforms * ours[-1], side="right")])
    citizen = int(np.flatnonzero(~mask & m.adult)[0])
    m.status[citizen] = Status.UNDOCUMENTED
    ice.reweigh(citizen)
    assert ice._weight[citizen] > 0 and citizen in ice._weighed[0]


def test_a_declined_detainer_can_end_in_an_arrest_at_large():
    m = run(weeks=156, n_residents=5000, **scenario("sc_sanctuary"), at_large_arrest_prob=1.0, at_large_delay_weeks=2,
            background_arrest_rate=0.0, proactive_arrest_rate=0.1)
    ev = m.event_log()
    at_large = ev[ev.stage == "at_large_arrest"]
    assert len(at_large) > 5 and m.totals["ice_pickups"] == 0
    declined = ev[ev.stage == "declined"].groupby("resident_id").week.min()
    assert all(row.week >= declined[row.resident_id] + 2 for row in at_large.itertuples())
    assert m.totals["removals"] == m.totals["removals_at_large"] > 0
    assert (ev[ev.stage == "removal"].offense.notna()).all()  # the booking that led to it


# --- re-entry, relief, reunification ---

def test_a_re_entered_resident_can_be_removed_again_and_the_books_still_balance():
    params = {**BUSY, "n_residents": 1200, "reentry_prob": 1.0, "reentry_mean_weeks": 3}
    m = run_and_check(params, seed=11, weeks=70)
    ev = m.event_log()
    removals = ev[ev.stage == "removal"]
    twice = removals.resident_id.value_counts()
    twice = twice[twice >= 2].index
    assert len(twice) > 0 and m.totals["repeat_removals"] > 0 and m.totals["re_entries"] > 0
    for resident in twice:
        mine = ev[ev.resident_id == resident]
        assert (mine.stage == "re_entry").sum() >= 1
        assert m.record[resident, PRIOR_REMOVAL] >= (mine.stage == "removal").sum()
    assert m.totals["reinstatements"] >= m.totals["repeat_removals"]


def test_relief_makes_a_person_a_permanent_resident_who_is_not_removable():
    m = run(weeks=104, n_residents=4000, **{**scenario("sc_full"), "activation_week": 0}, relief_prob=1.0,
            proactive_arrest_rate=0.15, ice_capacity_share=0.2)
    ev = m.event_log()
    relieved = ev[ev.stage == "relief"].resident_id.unique()
    assert len(relieved) > 10 and m.totals["reliefs"] == len(relieved)
    for resident in relieved:
        relief = ev[(ev.resident_id == resident) & (ev.stage == "relief")]
        removed_after = ((ev.resident_id == resident) & (ev.stage == "removal") & (ev.index > relief.index[0])).any()
        assert m.status[resident] == (Status.UNDOCUMENTED if removed_after else Status.LPR)  # a removal ends it
        # a permanent resident is removable again only after a later aggravated felony conviction
        assert not m.residents[resident].removable or m.record_week[resident].max() > relief.week.iloc[0]
        later = ev[(ev.resident_id == resident) & (ev.index > relief.index[0])]
        ice = later[later.stage.isin(["detainer", "pickup", "at_large_arrest", "background_arrest", "removal"])]
        assert (ice.priority_level == "level1").all()  # ICE comes back only for an aggravated felon
    # relief is closed to aggravated felons only: everyone else detained was relieved, not removed
    assert m.totals["removals"] == m.totals["removals_level1"]


def _household_with_two_parents(m):
    for h in m.households:
        if len(h.adults) == 2 and len(h.children) >= 1 and all(m.status[a] == Status.UNDOCUMENTED for a in h.adults):
            return h
    raise AssertionError("no such household")


def test_a_foster_placement_ends_when_the_other_parent_leaves_jail():
    m = SecureCommunitiesModel(rng=2, n_residents=3000, kin_care_prob=0.0, sharing_active=False, reentry_prob=0.0)
    h = _household_with_two_parents(m)
    jailed, removed = h.adults
    m.jail.book(jailed, Offense.TRAFFIC, False)  # out again this week
    m.custody[removed] = Custody.ICE
    m.remove_resident(removed, "background")
    assert all(m.in_foster_care[c] for c in h.children) and m.totals["foster_placements"] == len(h.children)
    m.jail.release_due()
    assert m.custody[jailed] == Custody.FREE
    assert not any(m.in_foster_care[c] for c in h.children)
    assert m.totals["reunifications"] == len(h.children) and m.totals["foster_children"] == len(h.children)
    assert (m.event_log().stage == "reunification").sum() == len(h.children)


def test_a_foster_placement_ends_when_a_removed_parent_comes_back():
    m = SecureCommunitiesModel(rng=2, n_residents=3000, kin_care_prob=0.0, sharing_active=False, reentry_prob=1.0,
                               reentry_mean_weeks=1, background_arrest_rate=0.0)
    h = next(h for h in m.households
             if len(h.adults) == 1 and h.children and m.status[h.adults[0]] == Status.UNDOCUMENTED)
    parent = h.adults[0]
    m.custody[parent] = Custody.ICE
    m.remove_resident(parent, "background")
    assert all(m.in_foster_care[c] for c in h.children)
    for _ in range(3):  # the geometric delay of mean 1 week is exactly 1
        m.step()
    assert m.custody[parent] == Custody.FREE and m.totals["re_entries"] == 1
    assert not any(m.in_foster_care[c] for c in h.children)
    assert m.totals["reunifications"] == len(h.children)


def test_separation_counters_count_distinct_households_and_children():
    m = SecureCommunitiesModel(rng=2, n_residents=3000, kin_care_prob=1.0, sharing_active=False, reentry_prob=0.0)
    h = _household_with_two_parents(m)
    citizens = [c for c in h.children if m.status[c] != Status.UNDOCUMENTED]
    for parent in h.adults:
        m.custody[parent] = Custody.ICE
        m.remove_resident(parent, "background")
    t = m.totals
    assert t["separations"] == 2 and t["separated_households"] == 1
    assert t["separated_citizen_children"] == len(citizens)


# --- the jail: pretrial detention and the citizens it holds ---

def test_a_detainer_keeps_a_bail_charge_in_until_trial_and_detention_raises_conviction():
    """A detainer on a charge that goes to bail takes the pretrial release away (Justice Strategies 2010):
    the person stays in until the case is decided, and a person detained before trial is convicted more
    often (Dobbie, Goldin & Yang 2018). Here everyone makes bail, so the only people detained before trial
    are those a detainer keeps in; a sanctuary jail keeps no one."""
    busy = {"n_residents": 5000, "activation_week": 0, "proactive_arrest_rate": 0.1, "pretrial_release_prob": 1.0,
            "conviction_prob": 0.5, "pretrial_conviction_effect": 0.3}
    m = run(**{**scenario("sc_full"), **busy})
    t = m.totals
    decided_detained = t["pretrial_holds"] - len(m.jail.pretrial)  # the rest are still waiting
    assert decided_detained > 15
    detained_rate = t["convictions_detained_pretrial"] / decided_detained
    others = t["convictions"] + t["cases_not_convicted"] - decided_detained
    released_rate = (t["convictions"] - t["convictions_detained_pretrial"]) / others
    # 0.5 + 0.3 for the detained, 0.5 for the others, each within three binomial standard errors of its count
    assert detained_rate == pytest.approx(0.8, abs=3 * (0.8 * 0.2 / decided_detained) ** 0.5)
    assert released_rate == pytest.approx(0.5, abs=max(0.03, 3 * (0.25 / others) ** 0.5))
    assert run(**{**scenario("sc_sanctuary"), **busy}).totals["pretrial_holds"] == 0


@pytest.mark.parametrize(("policy", "held"), [("sanctuary", False), ("full", True)])
def test_citizens_wrongly_held_counts_people_held_not_detainers(policy, held):
    m = run(weeks=104, n_residents=5000, **{**scenario("sc_full"), "activation_week": 0, "detainer_policy": policy},
            citizen_detainer_error_prob=0.5, share_naturalized=0.2, share_undocumented=0.05,
            ident_share_legal_immigrants=0.9, proactive_arrest_rate=0.1)
    t = m.totals
    assert t["citizen_detainers_issued"] > 5
    if held:
        ev = m.event_log()
        honored_citizens = set(ev[(ev.stage == "honored") & (ev.status == "naturalized")].resident_id)
        still_held = {r for r, (honor, _) in m.jail.detainers.items() if honor and m.status[r] == Status.NATURALIZED}
        assert 0 < t["citizens_wrongly_held"] == len(honored_citizens | still_held) <= t["citizen_detainers_issued"]
        assert t["citizens_wrongly_held"] == int(m.ever_wrongly_held.sum())
    else:
        assert t["citizens_wrongly_held"] == 0


# --- stops ---

def test_unlicensed_undocumented_drivers_are_booked_where_others_are_cited():
    common = {"n_residents": 4000, "sharing_active": False, "cite_release_prob": 1.0, "background_arrest_rate": 0.0,
              "proactive_arrest_rate": 0.1}
    on, off = run(weeks=60, unlicensed_driving=True, **common), run(weeks=60, unlicensed_driving=False, **common)
    traffic_on = on.event_log().query("stage == 'booking' and offense == 'traffic'")
    assert len(traffic_on) == on.totals["unlicensed_driver_bookings"] > 0
    assert set(traffic_on.status) == {"undocumented"}
    assert off.totals["unlicensed_driver_bookings"] == 0
    assert not (off.event_log().query("stage == 'booking'").offense == "traffic").any()


def test_stop_weights_profile_only_when_switched_on():
    m = SecureCommunitiesModel(rng=1, n_residents=500)
    assert np.all(stop_weights(m) == 1.0) and np.all(m.stop_weight == 1.0)
    p = SecureCommunitiesModel(rng=1, n_residents=500, ethnic_profiling=True, profiling_stop_ratio=2.5)
    assert np.all(p.stop_weight[p.hispanic] == 2.5) and np.all(p.stop_weight[~p.hispanic] == 1.0)


def test_profiling_changes_who_is_stopped_not_how_many():
    """Same county, same seed: with profiling, a larger share of proactive-stop bookings are of
    Hispanic residents; the expected number of stops does not change."""
    def stop_bookings(profiling):
        m = SecureCommunitiesModel(rng=4, n_residents=5_000, **scenario("pre_sc"), ethnic_profiling=profiling,
                                   profiling_stop_ratio=3.0, background_arrest_rate=0.0)
        for _ in range(104):
            m.step()
        log = m.event_log().query("stage == 'booking' and offense in ['drug', 'dui', 'public_order', 'traffic']")
        return log, m
    off, m_off = stop_bookings(False)
    on, m_on = stop_bookings(True)
    assert on.hispanic.mean() > off.hispanic.mean() + 0.1
    assert len(on) == pytest.approx(len(off), rel=0.15)


# --- outputs ---

def test_every_stage_appears_in_the_event_log_of_a_busy_county():
    full = run_and_check({**BUSY, "ice_capacity_share": 0.05, "kin_care_prob": 0.0, "reentry_mean_weeks": 4},
                         seed=3, weeks=80)
    sanctuary = run_and_check({**BUSY, "detainer_policy": "sanctuary"}, seed=3, weeks=40)
    ample = run_and_check(BUSY, seed=3, weeks=40)  # room for everyone: wrongly held citizens are released
    seen = set(full.event_log().stage) | set(sanctuary.event_log().stage) | set(ample.event_log().stage)
    assert seen == set(STAGES), set(STAGES) - seen
    removals = pd.concat([m.event_log().query("stage == 'removal'") for m in (full, sanctuary)])
    assert set(removals.door) == {"sc", "at_large", "background"}
    honored = full.event_log().query("stage in ['honored', 'declined']")
    assert honored.rule.notna().all()  # which rule held or released each person


# --- status after a removal, and the way out of ICE custody ---

def test_a_removed_permanent_resident_comes_back_undocumented_and_ice_background_door_sees_them():
    """A lawful permanent resident removed (an aggravated felony) comes back undocumented, with the removal
    on the record: removable again (reinstatement), and among the people ICE's own operations look for."""
    m = SecureCommunitiesModel(rng=2, n_residents=3000, sharing_active=False, reentry_prob=1.0, reentry_mean_weeks=1,
                               background_arrest_rate=0.0)
    lpr = int(np.flatnonzero((m.status == Status.LPR) & m.adult)[0])
    m.record[lpr, [FELONY, SERIOUS_VIOLENT]] = 1  # Level 1: removable
    assert m.ice._weight[lpr] == 0  # not undocumented: not a background candidate
    m.custody[lpr] = Custody.ICE
    m.remove_resident(lpr, "background")
    assert m.status[lpr] == Status.UNDOCUMENTED and m.totals["statuses_lost"] == 1
    for _ in range(3):  # the geometric delay of mean 1 week is exactly 1
        m.step()
    assert m.custody[lpr] == Custody.FREE and m.status[lpr] == Status.UNDOCUMENTED
    assert m.record[lpr, PRIOR_REMOVAL] == 1 and m.residents[lpr].removable
    assert m.ice._weight[lpr] == m.params.background_history_weight  # seen, and weighed by the removal
    # the background door picks them up once it runs; the removal reinstates the order
    m.ice.background_per_weight = 1.0  # every candidate, every week
    m.step()
    assert m.custody[lpr] == Custody.ICE
    assert (m.event_log().query("resident_id == @lpr").stage == "background_arrest").any()


def test_a_person_released_on_bond_is_home_with_a_case_pending_then_heard():
    """Released on bond, a person is free and at home with a case pending (no separation is booked), then
    heard: the case ends in a removal order, relief, discretion or termination."""
    m = run(weeks=156, seed=4, n_residents=6000, **scenario("sc_full"), ice_release_prob=1.0, case_mean_weeks=20,
            proactive_arrest_rate=0.1,
            relief_prob=0.0, discretion_prob=0.0, case_termination_prob=0.5)
    ev = m.event_log()
    released = ev[ev.stage == "ice_release"]
    assert len(released) > 20 and m.totals["ice_releases"] == len(released)
    # every release is of someone without an aggravated felony, and none is a separation that week
    assert not (released.priority_level == "level1").any()
    separated = ev[(ev.stage == "separation")].set_index(["resident_id", "week"]).index
    assert not released.set_index(["resident_id", "week"]).index.isin(separated).any()
    heard = m.totals["removals_after_hearing"] + m.totals["case_terminations"]
    assert heard > 5 and m.totals["case_terminations"] > 0 and m.totals["removals_after_hearing"] > 0
    assert heard + m.metrics["pending_cases"] <= m.totals["ice_releases"]
    pending = np.flatnonzero(m.case_due_week >= 0)
    assert len(pending) == m.metrics["pending_cases"] > 0 and np.all(m.custody[pending] != Custody.REMOVED)


def test_the_detainer_falls_due_when_local_custody_ends_often_before_the_case_is_decided():
    """Under Secure Communities the detainer is lodged at booking and falls due when local custody ends:
    a public-order or traffic arrestee is released at once, so ICE takes them with the charge still
    pending; on a bail charge the honored detainer keeps them in until the case is decided. So removals
    through the jail are not all after a conviction: the event log gives each removal's case as it stood."""
    m = run(weeks=156, seed=5, n_residents=8000, **scenario("sc_full"), proactive_arrest_rate=0.06)
    ev = m.event_log()
    pickups = ev[ev.stage == "pickup"]
    minor = pickups[pickups.offense.isin(["public_order", "traffic"])]
    bail = pickups[pickups.offense.isin(["violent", "property", "drug", "dui"])]
    assert len(minor) > 10 and len(bail) > 5
    assert (minor.convicted == "pending").all()  # the hold came due the week of booking
    assert (bail.convicted != "pending").all()  # kept in until the case was decided
    removed = ev[(ev.stage == "removal") & (ev.door == "sc")]
    assert set(removed.convicted) >= {"pending", "convicted"}
    assert m.totals["removals_charge_pending"] == (ev[ev.stage == "removal"].convicted == "pending").sum() > 0
    assert m.totals["removals_charge_no_charge"] >= m.totals["removals_background"] - (
        ev[(ev.stage == "removal") & (ev.door == "background")].convicted != "no_charge").sum()


# --- ages ---

@cache
def aged_county():
    """A county run three years before the program: who is arrested and who is victimized, by age."""
    m = SecureCommunitiesModel(rng=6, n_residents=20_000, **scenario("pre_sc"), background_arrest_rate=0.0)
    m.victim_ages = []
    record_victimizations = m.record_victimizations

    def record(victims, offense, reported):
        m.victim_ages.append(m.age[victims].copy())
        return record_victimizations(victims, offense, reported)

    m.record_victimizations = record
    start = m.age.copy()
    for _ in range(156):
        m.step()
    return m, start


def test_ages_follow_status_and_family():
    """The unauthorized are younger (Pew 2011: median adult age 36.2 against 46.1 and 46.5); children are 0-17
    and at least 18 years younger than the head of their household; partners are close in age."""
    m, start = aged_county()
    undocumented = m.adult & (m.status == Status.UNDOCUMENTED)
    us_born = m.adult & (m.status == Status.US_BORN)
    assert np.median(start[undocumented]) + 5 < np.median(start[us_born])
    heads = np.array([h.members[0] for h in m.households])
    kids = ~m.adult
    assert np.all(start[kids] <= 17) and np.all(start[kids] <= start[heads[m.household_of[kids]]] - 18)
    couples = np.array([h.members[0] for h in m.households if len(h.adults) == 2])
    assert np.median(np.abs(start[couples] - start[couples + 1])) <= 4
    assert np.array_equal(m.age, start + 3)  # three birthdays in 156 weeks


def test_arrests_follow_the_age_crime_curve_and_victimization_follows_age():
    """Offending follows the UCR's arrests by age, victimization the NCVS's rates by age: residents in their
    twenties are arrested several times as often as those over 55, and victims are younger than residents."""
    m, start = aged_county()
    ev = m.event_log()
    arrested = ev[ev.stage == "arrest"].age.to_numpy()
    adults = m.age[m.adult]

    def per_resident(low, high):
        return ((arrested >= low) & (arrested <= high)).sum() / max(((adults >= low) & (adults <= high)).sum(), 1)

    assert per_resident(20, 34) > 4 * per_resident(55, 120)
    victims = np.concatenate(m.victim_ages)
    assert len(victims) > 2000 and victims.mean() + 5 < m.age.mean()
