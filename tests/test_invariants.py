"""Property tests: over random valid parameters, the books balance at every step.

At every week: every resident is in exactly one custody state and on exactly one
component's books; the cumulative funnel is monotone (SC removals <= pickups <= detainers
<= matches <= bookings <= arrests) and every removal went through one door; no one is
removed again while still removed, and a removed resident comes back only by re-entry; a
removed resident neither offends, nor is victimized, nor is arrested; relief turns an
undocumented resident into a lawful permanent resident; a child is in foster care only while
no adult of the household is free; fear stays in [0, 1]; reporters stay in range.
"""

import collections
import math
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import model.crime as crime
from agents import DETAINER_POLICIES, ENFORCEMENT_REGIMES
from agents.codes import (
    AGE_GROUPS,
    CHARGE_NAMES,
    CHARGE_PENDING,
    DOORS,
    PRIOR_REMOVAL,
    RECORD_DTYPE,
    WEEKS_PER_YEAR,
    Custody,
    Status,
    offending_by_age,
)
from agents.court import NO_CASE
from model import PARAMETERS, PRESETS, SecureCommunitiesModel, scenario, validate_parameters
from model.constraints import PROBABILITY
from model.hearing import CHANNEL_NAMES
from model.reporters import FLOWS, STATE

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FUNNEL = ("removals_sc", "ice_pickups", "detainers_issued", "ident_matches", "bookings", "arrests")
RATE_REPORTERS = [s for s in STATE if s.startswith(("reporting_rate", "fear_", "share_", "clearance", "realized_",
                                                    "chilled_")) and s != "fear_channel_contagion_hispanic"]

unit = st.floats(0.0, 1.0)
# large enough for the whole pathway to run in a short simulation
likely = st.floats(0.3, 1.0)
SCHEDULES = ("sc;pep@10;eo2017@20", "eo2017;sc@5", "pep;sc@15")


@st.composite
def valid_parameters(draw):
    n = draw(st.one_of(st.integers(300, 1500), st.integers(50, 1500)))
    params = {"n_residents": n, **scenario(draw(st.sampled_from(sorted(PRESETS))))}
    if draw(st.booleans()):  # override the preset's levers
        params["sharing_active"] = draw(st.booleans())
        params["detainer_policy"] = draw(st.sampled_from(DETAINER_POLICIES))
        params["enforcement_regime"] = draw(st.sampled_from(ENFORCEMENT_REGIMES + SCHEDULES))
    params["activation_week"] = draw(st.integers(0, 40))
    params["detainer_prob"] = draw(likely)
    params["ice_pickup_prob"] = draw(likely)
    params["detainer_decline_prob"] = draw(st.one_of(st.floats(0.0, 0.3), unit))
    params["fear_sensitivity"] = draw(st.floats(0.0, 5.0))
    params["fear_decay"] = draw(unit)
    params["fear_contagion"] = draw(unit)
    params["cite_release_prob"] = draw(st.one_of(st.floats(0.0, 0.5), unit))
    params["offenders_target_nonreporters"] = draw(st.booleans())
    params["relief_prob"] = draw(st.one_of(st.floats(0.0, 0.3), unit))
    params["kin_care_prob"] = draw(likely)
    params["citizen_detainer_error_prob"] = draw(unit)
    params["ice_capacity_share"] = draw(st.floats(0.05, 1.0))
    params["ice_detention_weeks"] = draw(st.integers(1, 6))
    # ages
    params["median_age_undocumented_adults"] = draw(st.floats(18.0, 70.0))
    params["median_age_us_born_adults"] = draw(st.floats(18.0, 70.0))
    params["age_spread_undocumented"] = draw(st.floats(1.0, 30.0))
    # the way out of ICE custody and the national pool
    params["national_demand_rate"] = draw(st.floats(0.005, 0.1))
    params["national_removed_share"] = draw(st.floats(0.3, 1.0))
    params["ice_release_prob"] = draw(st.one_of(st.floats(0.0, 0.5), unit))
    params["discretion_prob"] = draw(st.one_of(st.floats(0.0, 0.3), unit))
    params["voluntary_departure_prob"] = draw(st.one_of(st.floats(0.0, 0.3), unit))
    params["case_termination_prob"] = draw(unit)
    params["case_mean_weeks"] = draw(st.integers(1, 20))
    params["detainer_extra_jail_weeks"] = draw(st.integers(0, 3))
    params["ident_share_undocumented"] = draw(likely)
    params["ident_share_legal_immigrants"] = draw(likely)
    # a busy county, so that short runs exercise the whole pathway
    params["proactive_arrest_rate"] = draw(st.floats(0.2, 0.8))
    params["policing_intensity"] = draw(st.floats(0.5, 3.0))
    params["neighborhood_size"] = draw(st.integers(10, 800))
    params["friends_per_resident"] = draw(st.floats(0.0, 12.0))
    params["segregation"] = draw(unit)
    params["share_undocumented"] = draw(st.floats(0.1, 0.35))  # with the others: always reachable
    params["share_lpr"] = draw(st.floats(0.0, 0.15))
    params["share_naturalized"] = draw(st.floats(0.0, 0.15))
    # the reach of enforcement: every switch, and the weak-tie and news parameters
    for switch in ("acquaintance_channel", "salience_channel", "fear_for_others", "witness_channel"):
        params[switch] = draw(st.booleans())
    params["acquaintances_mean"] = draw(st.floats(0.0, 400.0))
    params["acquaintance_knowing_prob"] = draw(unit)
    params["acquaintance_shock_weight"] = draw(st.floats(0.0, 0.5))
    params["salience_activation_shock"] = draw(st.floats(0.0, 0.2))
    params["salience_per_detention"] = draw(st.floats(0.0, 0.1))
    params["offender_response_strength"] = draw(unit)
    params["offending_deterrence_elasticity"] = draw(st.floats(0.0, 2.0))
    # the pathway beyond the jail: re-entry, at-large and background arrests, pretrial detention
    params["reentry_prob"] = draw(st.one_of(st.just(0.0), likely))
    params["reentry_mean_weeks"] = draw(st.integers(1, 15))
    params["background_arrest_rate"] = draw(st.one_of(st.just(0.0), st.floats(0.0, 0.3)))
    params["background_history_weight"] = draw(st.floats(1.0, 20.0))
    params["at_large_arrest_prob"] = draw(unit)
    params["at_large_delay_weeks"] = draw(st.integers(0, 5))
    params["adjudication_weeks"] = draw(st.integers(0, 20))
    params["minor_disposition_weeks"] = draw(st.integers(0, 8))
    params["pretrial_release_prob"] = draw(unit)
    params["pretrial_conviction_effect"] = draw(unit)
    params["wobbler_share"] = draw(unit)
    params["prior_removal_share_undocumented"] = draw(unit)
    params["final_order_share_undocumented"] = draw(unit)
    params["unlicensed_driving"] = draw(st.booleans())
    return params


def check_week(m, n):
    """Invariants of the state after a step."""
    custody = m.custody
    assert custody.shape == (n,)
    counts = np.bincount(custody, minlength=len(Custody))
    assert len(counts) == len(Custody) and counts.sum() == n  # one state each, nobody lost
    # the jail's books, ICE's books and the removals hold exactly the people in each state
    in_jail = set(np.flatnonzero((custody == Custody.JAILED) | (custody == Custody.HELD)).tolist())
    assert set(m.jail.charges) == in_jail and set(m.jail.release_week) == in_jail
    assert m.jail.pretrial <= in_jail  # detained until the case is decided: in jail
    # criminal cases: every person with a case of their latest booking still to decide is in the county,
    # and it is on the court's calendar for that week; a charge pending is the latest booking's
    due = {(r, week) for week, cases in m.jail.dispositions.items() for r, _, _ in cases}
    assert all((r, week) in due and week > m.week for r, week in m.jail.disposition_week.items())
    undecided = np.array(list(m.jail.disposition_week), dtype=np.int64)
    assert np.all(m.charge_state[undecided] == CHARGE_PENDING)
    assert set(np.flatnonzero(m.charge_state == CHARGE_PENDING)) >= set(undecided.tolist())
    scheduled = [r for week in m.jail.release_schedule.values() for r in week]
    assert len(scheduled) == len(in_jail) and set(scheduled) == in_jail
    assert all(week > m.week for week in m.jail.release_schedule)  # nobody overdue
    detained = [r for week in m.ice.release_schedule.values() for r in week]
    in_ice = set(np.flatnonzero(custody == Custody.ICE).tolist())
    assert len(detained) == counts[Custody.ICE] and set(detained) == in_ice == set(m.ice.detained)
    assert all(week > m.week for week in m.ice.release_schedule)
    assert not m.ice.pending and not m.ice.pickups  # every match and every hold dealt with this week
    # background enforcement's cached weights are what the records say (a removal is a history)
    assert np.array_equal(m.ice._weight, m.ice._weights(np.arange(n)))  # follows status and history
    t = m.totals
    # away: removals and voluntary departures less returns (and those abroad at week 0, after the spin-up);
    # those due back are away, and due later
    assert counts[Custody.REMOVED] == (m.initial_removed + t["removals"] + t["voluntary_departures"]
                                       - t["re_entries"])
    assert m.metrics["removed_away"] + m.metrics["departed_away"] == counts[Custody.REMOVED]
    assert not np.any(m.departed & (custody != Custody.REMOVED))
    assert m.metrics["in_ice_custody"] == counts[Custody.ICE]
    # pending cases: people free (or back in jail) with a hearing still to come, on the court's books
    pending = np.flatnonzero(m.case_due_week != NO_CASE)
    assert set(pending.tolist()) == set(m.court.cases) and m.metrics["pending_cases"] == len(pending)
    assert np.all(np.isin(custody[pending], (Custody.FREE, Custody.JAILED, Custody.HELD)))
    assert np.all(m.case_due_week[pending] > m.week)
    heard = {r for week, people in m.court.hearings.items() for r in people if m.case_due_week[r] == week}
    assert heard == set(pending.tolist()) and all(week > m.week for week in m.court.hearings)
    returning = [r for week in m.reentry_schedule.values() for r in week]
    assert len(returning) == len(set(returning)) and all(custody[r] == Custody.REMOVED for r in returning)
    assert all(week > m.week for week in m.reentry_schedule)
    # cumulative funnel
    for smaller, larger in zip(FUNNEL, FUNNEL[1:], strict=False):
        assert t[smaller] <= t[larger], (smaller, t[smaller], larger, t[larger])
    assert t["bookings"] == t["fingerprint_submissions"]  # prints always go to the FBI
    assert t["detainers_honored"] == t["ice_pickups"] + t["holds_lapsed"]  # ICE comes, or the hold lapses
    assert t["detainers_honored"] + t["detainers_declined"] <= t["detainers_issued"]
    assert t["at_large_arrests"] <= t["detainers_declined"]  # only after a declined detainer
    # every removal went through one door and has one level
    assert t["removals"] == sum(t[f"removals_{door}"] for door in DOORS)
    assert t["removals"] == sum(t[f"removals_{lv}"] for lv in ("level1", "level2", "level3", "noncriminal"))
    assert t["removals"] == sum(t[f"removals_charge_{c}"] for c in CHARGE_NAMES.values())
    assert t["removals"] == sum(t[f"removals_age_{g}"] for g in AGE_GROUPS)
    assert t["arrests"] == sum(t[f"arrests_age_{g}"] for g in AGE_GROUPS) and t["arrests_age_under_18"] == 0
    # records: counts never negative (no wrap-around), and a count never falls during a run
    assert m.record.dtype == RECORD_DTYPE and m.record.min() >= 0 and m.record.max() < np.iinfo(RECORD_DTYPE).max
    if getattr(m, "last_record", None) is not None:
        assert np.all(m.record[:, :PRIOR_REMOVAL] >= m.last_record[:, :PRIOR_REMOVAL])
    m.last_record = m.record.copy()
    # ages: a year older every 52 weeks, adults 18 or more, children under 18 at the start; offending follows age
    assert np.array_equal(m.age, m.initial_age + m.week // WEEKS_PER_YEAR)
    assert np.all(m.age[m.adult] >= 18) and np.all(m.initial_age[~m.adult] < 18)
    assert np.allclose(m.propensity, m.base_propensity * offending_by_age(m.age))
    assert t["convictions"] + t["cases_not_convicted"] <= t["bookings"] + m.initial_cases
    # (people in ICE custody or with a case pending at week 0, from the spin-up, may leave in the run)
    held = m.initial_in_ice
    assert t["removals_at_large"] <= t["at_large_arrests"] + held.get("at_large", 0)
    assert t["removals_background"] <= t["background_arrests"] + held.get("background", 0)
    detentions = t["ice_pickups"] + t["at_large_arrests"] + t["background_arrests"] + sum(held.values())
    ended = t["removals"] - t["removals_after_hearing"] + t["voluntary_departures"] + t["ice_releases"]
    assert ended <= detentions
    assert t["removals_after_hearing"] + t["case_terminations"] <= t["ice_releases"] + m.initial_pending
    assert t["removals"] - t["removals_background"] == sum(
        t[f"removals_after_{o}"] for o in ("violent", "property", "drug", "dui", "public_order", "traffic"))
    assert t["repeat_removals"] <= min(t["re_entries"], t["reinstatements"])
    # families: distinct households and children, foster care only while no adult is free
    assert t["separated_households"] <= t["separations"] <= t["removals"] + t["voluntary_departures"]
    assert t["foster_children"] <= t["foster_placements"]
    assert int(m.in_foster_care.sum()) == m.initial_foster + t["foster_placements"] - t["reunifications"]
    if m.in_foster_care.any():
        free_adults = np.bincount(m.household_of, weights=m.adult & (custody == Custody.FREE),
                                  minlength=len(m.households))
        assert np.all(free_adults[m.household_of[m.in_foster_care]] == 0)
        assert not np.any(m.adult & m.in_foster_care)
    # citizens: detainers issued by mistake, and the people actually held on them
    assert t["citizens_wrongly_held"] <= t["citizen_detainers_issued"] <= t["detainers_issued"]
    assert t["citizens_wrongly_held"] == int(m.ever_wrongly_held.sum())
    # relief: undocumented residents become lawful permanent residents; a removal: the reverse; nothing else
    statuses = np.bincount(m.status, minlength=4)
    lost = t["statuses_lost"]
    assert statuses[Status.UNDOCUMENTED] == m.initial_statuses[Status.UNDOCUMENTED] - t["reliefs"] + lost
    assert statuses[Status.LPR] == m.initial_statuses[Status.LPR] + t["reliefs"] - lost
    assert statuses[Status.US_BORN] == m.initial_statuses[Status.US_BORN]
    assert t["crimes_reported"] <= t["crimes"] and t["crimes_cleared"] <= t["crimes_reported"]
    if not m.sharing_is_active:  # sharing off, or not yet reached the county
        assert t["ident_matches"] == 0 and t["detainers_issued"] == 0
    # victims, reports and clearances by group add up
    assert t["crimes_violent"] + t["crimes_property"] == t["crimes"]
    assert t["crimes_reported_violent"] + t["crimes_reported_property"] == t["crimes_reported"]
    assert t["crimes_cleared_violent"] + t["crimes_cleared_property"] == t["crimes_cleared"]
    for kind in ("victimizations", "victimizations_reported", "crimes_cleared"):
        total = t["crimes" if kind == "victimizations" else kind.replace("victimizations_", "crimes_")]
        assert t[f"{kind}_hispanic"] + t[f"{kind}_non_hispanic"] == total, kind
        assert t[f"{kind}_hispanic_citizen"] <= t[f"{kind}_hispanic"]
    # fear: in [0, 1], the channels add up to it exactly (contagion may be negative: calming), and the
    # chilled are those above their threshold
    fp = m.fear_process
    assert np.all((m.fear >= 0) & (m.fear <= 1))
    sources = np.delete(fp.channels, CHANNEL_NAMES.index("contagion"), axis=0)
    assert np.all(sources >= -1e-12) and np.allclose(fp.channels.sum(axis=0), m.fear, atol=1e-9)
    assert np.array_equal(fp.chilled, m.fear > fp.threshold)
    assert np.all(fp.media.memory >= 0)
    # what residents heard: close ties are first-hand, first-hand is heard; nobody heard in the future
    heard_any, first_hand, close_ties = fp.last_heard
    assert np.all(close_ties <= first_hand) and np.all(first_hand <= heard_any) and np.all(heard_any <= m.week)
    # the running counts of who knows an undocumented resident equal a count from scratch
    present = custody != Custody.REMOVED
    undocumented = present & (m.status == Status.UNDOCUMENTED)
    close = (m.ties.weights > 0).astype(np.float64)
    assert np.allclose(fp.undocumented.close, close @ undocumented), "close-tie counts drifted"
    assert np.allclose(fp.undocumented.acquaintances, m.foci.co_members(undocumented.astype(np.float64))), "drift"
    metrics = m.metrics
    for name in FLOWS:
        assert metrics[name] >= 0 and metrics[f"{name}_cumulative"] == t[name]
    for name in RATE_REPORTERS:
        assert math.isnan(metrics[name]) or 0.0 <= metrics[name] <= 1.0, (name, metrics[name])
    for name in ("victimization_rate_hispanic", "victimization_rate_non_hispanic"):
        assert math.isnan(metrics[name]) or metrics[name] >= 0


DETENTIONS = ("pickup", "at_large_arrest", "background_arrest")
EXITS = ("citizen_release", "relief", "discretion", "ice_release", "voluntary_departure", "removal")
HEARING_OUTCOMES = ("relief", "discretion", "termination", "removal")


def check_ice_histories(events, in_ice_at_start=frozenset(), pending_at_start=frozenset()):
    """Per person, every detention ends in exactly one exit before the next; a hearing outcome comes only
    to a person released with a case pending, and a new detention takes the pending case inside it (people
    in ICE custody or with a case pending at week 0 start so)."""
    ice_events = events[events.stage.isin(DETENTIONS + EXITS + HEARING_OUTCOMES)]
    for resident, mine in ice_events.groupby("resident_id"):
        in_ice, pending = resident in in_ice_at_start, resident in pending_at_start
        for row in mine.itertuples():
            if row.stage in DETENTIONS:
                assert not in_ice, (resident, row.week, "detained while detained")
                in_ice, pending = True, False
            elif in_ice:
                assert row.stage in EXITS, (resident, row.stage)
                in_ice, pending = False, row.stage == "ice_release"
            else:
                assert pending and row.stage in HEARING_OUTCOMES, (resident, row.week, row.stage)
                pending = False


def spy(m):
    """Wrap the entry points of offending, victimization and arrest to check who they touch."""
    original_draw = crime._draw

    def draw(model, cdf, k, who):
        chosen = original_draw(model, cdf, k, who)
        assert not np.any(model.custody[chosen] == Custody.REMOVED), "a removed resident offended"
        return chosen

    record_victimizations = m.record_victimizations

    def victimize(victims, offense, reported):
        assert np.all(m.custody[victims] == Custody.FREE), "a victim not free (removed or in custody)"
        return record_victimizations(victims, offense, reported)

    book = m.jail.book

    def booked(resident, offense, felony):
        assert m.custody[resident] == Custody.FREE, f"arrest of resident in state {m.custody[resident]}"
        return book(resident, offense, felony)

    m.record_victimizations = victimize
    m.jail.book = booked
    return mock.patch.object(crime, "_draw", draw)


def run_and_check(params, seed, weeks):
    """Step the model, checking the invariants every week; return the model."""
    m = SecureCommunitiesModel(rng=seed, **params)
    m.initial_statuses = np.bincount(m.status, minlength=4)
    removed_at_start = m.custody == Custody.REMOVED  # abroad after a removal during the spin-up
    m.initial_removed = int(removed_at_start.sum())
    m.initial_foster = int(m.in_foster_care.sum())
    m.initial_in_ice = collections.Counter(door for door, _, _ in m.ice.detained.values())
    m.initial_in_ice.update(door for door, _ in m.court.cases.values())  # out on bond with a case pending
    m.initial_pending = int((m.case_due_week != NO_CASE).sum())
    m.in_ice_at_start = frozenset(m.ice.detained)
    m.pending_at_start = frozenset(np.flatnonzero(m.case_due_week != NO_CASE).tolist())
    m.initial_cases = len(m.jail.disposition_week)  # criminal cases open at week 0
    m.initial_age = m.age.copy()
    n = params["n_residents"]
    assert len(m.residents) == n and m.graph.number_of_nodes() == n
    agents_custody = np.array([int(r.custody) for r in m.residents])
    assert np.array_equal(agents_custody, m.custody)
    check_week(m, n)
    removed_before = set(np.flatnonzero(removed_at_start).tolist())
    with spy(m):
        for week in range(1, weeks + 1):
            due_back = set(m.reentry_schedule.get(week, []))
            undocumented_before = m.status == Status.UNDOCUMENTED
            m.step()
            assert m.week == week
            check_week(m, n)
            removed_now = set(np.flatnonzero(m.custody == Custody.REMOVED).tolist())
            assert removed_before - removed_now == due_back  # only re-entry brings a removed resident back
            removed_before = removed_now
            relieved = undocumented_before & (m.status != Status.UNDOCUMENTED)
            assert np.all(m.status[relieved] == Status.LPR)
            assert not any(m.residents[r].removable for r in np.flatnonzero(relieved))  # relief: not removable
            if week % 10 == 0:
                agents_custody = np.array([int(r.custody) for r in m.residents])
                assert np.array_equal(agents_custody, m.custody)

    events = m.event_log()
    removals = events[events.stage == "removal"]
    assert len(removals) == m.totals["removals"]
    departures = events[events.stage == "voluntary_departure"]
    assert set(np.flatnonzero(m.custody == Custody.REMOVED)) <= set(removals.resident_id) | set(
        departures.resident_id) | set(np.flatnonzero(removed_at_start))
    check_ice_histories(events, m.in_ice_at_start, m.pending_at_start)
    assert set(removals.door) <= set(DOORS) and removals.rule.notna().all()
    # per person, removals and re-entries alternate: no one is removed again while still removed;
    # between a removal and the return the only event about them is the household's separation
    leaving = ("removal", "voluntary_departure")
    returned = events[(events.stage == "re_entry")].resident_id
    for resident, mine in events[events.resident_id.isin(removals.resident_id)
                                 | events.resident_id.isin(departures.resident_id)
                                 | events.resident_id.isin(returned)].groupby("resident_id"):
        away_since = 0 if removed_at_start[resident] else None
        for row in mine.itertuples():
            if row.stage in leaving:
                assert away_since is None, f"resident {resident} removed again while removed"
                away_since = row.week
            elif row.stage == "re_entry":
                assert away_since is not None and row.week > away_since
                away_since = None
            elif away_since is not None:
                assert row.stage == "separation" and row.week == away_since, (resident, row.stage)
    # the event log agrees with the counters
    for stage, counter in (("arrest", "arrests"), ("booking", "bookings"), ("match", "ident_matches"),
                           ("detainer", "detainers_issued"), ("honored", "detainers_honored"),
                           ("declined", "detainers_declined"), ("lapsed", "holds_lapsed"),
                           ("pickup", "ice_pickups"), ("at_large_arrest", "at_large_arrests"),
                           ("background_arrest", "background_arrests"), ("relief", "reliefs"),
                           ("separation", "separations"), ("re_entry", "re_entries"),
                           ("reunification", "reunifications"), ("turned_away", "capacity_turned_away"),
                           ("ice_release", "ice_releases"), ("voluntary_departure", "voluntary_departures"),
                           ("discretion", "discretion_closures"), ("termination", "case_terminations")):
        assert (events.stage == stage).sum() == m.totals[counter], stage
    # holds and releases name the county policy's rule; detentions the regime's
    decided = events[events.stage.isin(["honored", "declined", "detainer", "pickup"])]
    assert decided.rule.notna().all()
    # reporters: flows add up to the cumulative totals
    df = m.datacollector.get_model_vars_dataframe()
    assert len(df) == weeks + 1
    for name in FLOWS:
        assert df[name].sum() == m.totals[name]
        assert np.array_equal(df[name].cumsum().to_numpy(), df[f"{name}_cumulative"].to_numpy())
    return m


@SETTINGS
@given(params=valid_parameters(), seed=st.integers(0, 2**32 - 1), weeks=st.integers(30, 80))
def test_books_balance_every_week(params, seed, weeks):
    run_and_check(params, seed, weeks)


BUSY = {"n_residents": 1500, "share_undocumented": 0.3, "activation_week": 0, "proactive_arrest_rate": 0.6,
        "detainer_prob": 1.0, "ice_pickup_prob": 1.0, "ident_share_undocumented": 1.0, "ice_capacity_share": 1.0,
        "relief_prob": 0.1, "kin_care_prob": 0.5, "citizen_detainer_error_prob": 0.5,
        "reentry_prob": 0.8, "reentry_mean_weeks": 6, "at_large_arrest_prob": 0.5, "at_large_delay_weeks": 1,
        "background_arrest_rate": 0.1, "adjudication_weeks": 6, "pretrial_release_prob": 0.5, "ice_release_prob": 0.3,
        "discretion_prob": 0.2,
        "voluntary_departure_prob": 0.1, "case_termination_prob": 0.2, "case_mean_weeks": 5}


@pytest.mark.parametrize("policy", ["full", "hennessey", "trust_act", "sanctuary"])
@pytest.mark.parametrize("regime", ENFORCEMENT_REGIMES)
def test_books_balance_in_a_busy_county(policy, regime):
    """A county where every step of the pathway happens often, under each policy and regime."""
    m = run_and_check({**BUSY, "detainer_policy": policy, "enforcement_regime": regime}, seed=7, weeks=60)
    t = m.totals
    assert t["detainers_issued"] > 0 and t["removals"] > 0 and (t["ice_pickups"] > 0) == (policy != "sanctuary")
    assert t["separated_households"] > 0 and t["background_arrests"] > 0
    assert t["re_entries"] > 0 and t["repeat_removals"] > 0  # people come back, and some are removed again
    assert t["ice_releases"] > 0 and t["voluntary_departures"] > 0 and t["removals_after_hearing"] > 0
    assert t["case_terminations"] > 0
    if regime == "eo2017":  # EO 13768 exempts no class of removable person
        assert t["discretion_closures"] == 0
    if policy == "full":  # (a jail that declines minor charges leaves ICE few of the ranks discretion covers)
        assert (t["discretion_closures"] > 0) == (regime != "eo2017")
        assert t["citizens_wrongly_held"] > 0 and t["reliefs"] > 0 and t["foster_placements"] > 0
        assert t["reunifications"] > 0
        assert (m.event_log().stage == "citizen_release").any()
    else:
        assert t["detainers_declined"] > 0 and t["at_large_arrests"] > 0


@SETTINGS
@given(params=valid_parameters())
def test_drawn_parameters_are_valid(params):
    checked = validate_parameters(params)
    for name, value in params.items():
        if isinstance(value, str) and value.endswith("@activation"):  # the change week, resolved
            first, then = value.split(";")
            assert checked[name] == f"{first};{then.split('@')[0]}@{max(checked['activation_week'], 1)}"
            continue
        assert checked[name] == value
    assert validate_parameters(checked) == checked  # plain values read back as themselves


PROBS = [p.name for p in PARAMETERS if p.constraint == PROBABILITY]


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(name=st.sampled_from(PROBS),
       value=st.one_of(st.floats(max_value=-1e-9, allow_nan=False), st.floats(min_value=1.0 + 1e-9)))
def test_any_probability_outside_unit_interval_rejected(name, value):
    try:
        validate_parameters({name: value})
    except ValueError as err:
        assert name in str(err)
    else:
        raise AssertionError(f"{name}={value!r} accepted")


def test_a_county_without_ties_runs():
    """Valid extremes: one-person households and no friendships give a graph without edges
    (this crashed in crime._random_tie before it was fixed)."""
    params = {"n_residents": 300, **scenario("sc_full"), "activation_week": 0, "friends_per_resident": 0.0,
              "couples_with_children_share_undocumented": 0.0, "couples_with_children_share_legal_immigrant": 0.0,
              "couples_with_children_share_us_born": 0.0, "single_parent_share": 0.0, "single_adult_share": 1.0,
              "share_undocumented": 0.3, "proactive_arrest_rate": 0.5, "detainer_prob": 1.0, "ice_pickup_prob": 1.0}
    params |= {"acquaintance_channel": False, "salience_channel": False, "parent_nearby_prob": 0.0,  # no kin
               "background_arrest_rate": 0.0}
    m = run_and_check(params, seed=1, weeks=60)
    assert m.ties.weights.nnz == 0 and m.graph.number_of_edges() == 0 and m.foci.membership.nnz == 0
    assert m.totals["crimes"] > 0 and m.totals["arrests"] > 0 and m.totals["removals"] > 0
    assert m.totals["separated_households"] == 0 and np.all(m.fear == 0)  # nobody to separate or frighten
    # the news still reaches people with no ties at all
    heard = run_and_check(params | {"salience_channel": True}, seed=1, weeks=60)
    people = [CHANNEL_NAMES.index(c) for c in ("household", "kin", "friends", "acquaintances", "second_hand")]
    assert heard.fear.max() > 0 and heard.fear_process.channels[people].max() == 0


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_the_smallest_county_runs(preset):
    run_and_check({"n_residents": 20, "neighborhood_size": 10, **scenario(preset)}, seed=2, weeks=60)


def test_records_cannot_wrap_at_the_parameters_ceilings():
    """Issue 22, item 2: with every offending and conviction parameter at its ceiling and 50 years of prior
    records, record counts stayed int16 and wrapped to -31343 at build, then broke the SC level lookup."""
    ceilings = {"prior_record_years": 50, "offending_concentration": 3.0, "male_offending_ratio": 20.0,
                "violent_victimization_rate": 1.0, "property_victimization_rate": 2.0, "proactive_arrest_rate": 2.0,
                "conviction_prob": 1.0}
    for name, value in ceilings.items():  # each is the top of its parameter's constraint
        with pytest.raises(ValueError):
            validate_parameters({name: value + 1 if isinstance(value, int) else value * 1.01})
    m = run_and_check({"n_residents": 2000, **ceilings}, seed=1, weeks=4)
    assert m.record.max() > np.iinfo(np.int16).max  # counts beyond what int16 held, kept exactly


def test_one_persons_age_group_is_the_band_that_starts_at_or_below_their_age():
    """An arrest or a removal is counted in the age group of the person (``age_group``): the last band whose
    start is at or below their age, at every age a run can reach (checked against numpy's search of the
    band starts)."""
    from agents.codes import AGE_GROUP_STARTS, age_group

    ages = np.arange(0, 131)
    bands = np.searchsorted(AGE_GROUP_STARTS, ages, side="right") - 1
    assert [age_group(int(a)) for a in ages] == [AGE_GROUPS[i] for i in bands]
    assert age_group(17) == "under_18" and age_group(18) == "18_24" and age_group(55) == "55_plus"
