"""The reach of enforcement: claims about acquaintances, the news, fear on behalf of others, the
chilled state, offenders and witnesses, each checked on fixed seeds by switching one channel off.

Runs are 20,000 residents over 156 weeks (activation at week 52), on the same seeds across
variants, so a switch's effect is read against the same county.
"""

from functools import cache

import numpy as np
import pytest

from agents.codes import Custody, Status, offending_by_age
from model import SecureCommunitiesModel, crime, scenario
from model.acquaintances import build_foci
from model.fear import household_max_excluding_self
from model.hearing import CHANNEL_NAMES
from model.parameters import make_params

N, WEEKS, ACTIVATION, SEEDS = 20_000, 156, 52, (1, 2)
CLOSED = {"background_arrest_rate": 0.0, "at_large_arrest_prob": 0.0}  # ICE comes only through the jail
AFTER = slice(ACTIVATION + 52, WEEKS)  # the second year after activation


@cache
def run(preset, seed, n=N, weeks=WEEKS, **extra):
    m = SecureCommunitiesModel(rng=seed, n_residents=n, **{**scenario(preset), **extra})
    for _ in range(weeks):
        m.step()
    m.frame = m.datacollector.get_model_vars_dataframe()
    return m


def window_ratio(m, numerator, denominator, weeks=AFTER):
    f = m.frame.iloc[weeks]
    return f[numerator].sum() / f[denominator].sum()


def pooled_ratio(preset, numerator, denominator, weeks=AFTER, **extra):
    num = sum(run(preset, s, **extra).frame.iloc[weeks][numerator].sum() for s in SEEDS)
    den = sum(run(preset, s, **extra).frame.iloc[weeks][denominator].sum() for s in SEEDS)
    return num / den


# --- acquaintances ---

@cache
def county(seed=1, n=N, **extra):
    return SecureCommunitiesModel(rng=seed, n_residents=n, **extra)


def test_acquaintances_number_a_few_hundred_and_are_very_unequal():
    m = county()
    k = m.foci.acquaintances
    assert k.mean() == pytest.approx(m.params.acquaintances_mean, rel=0.15)  # McCarty et al. 2001: about 290
    assert k.std() > 0.5 * k.mean()  # overdispersed: far more unequal than a Poisson count
    assert np.quantile(k, 0.9) > 2 * np.quantile(k, 0.1)


def test_acquaintances_are_stored_as_memberships_not_pairs():
    """Memory does not grow with acquaintances per resident: a few foci each, at 290 or 611."""
    for mean in (290.0, 611.0):
        m = county(acquaintances_mean=mean)
        per_resident = m.foci.membership.nnz / len(m.status)
        assert per_resident <= len(("block", "work_or_school", "congregation_or_club"))
        assert m.foci.acquaintances.mean() == pytest.approx(mean, rel=0.15)


def _same_group_share(m, pairs_weight):
    """Share of a resident's ties (weighted) that are to the same ethnicity, averaged over Hispanic residents."""
    hisp = m.hispanic.astype(np.float64)
    same = pairs_weight @ hisp
    total = np.asarray(pairs_weight.sum(axis=1)).ravel()
    mask = m.hispanic & (total > 0)
    return float((same[mask] / total[mask]).mean())


def test_acquaintances_are_segregated_like_close_ties_though_less():
    """DiPrete et al. 2011: the whole acquaintance network is about as segregated as close ties. In
    the model both are far more segregated than the population; at the calibrated defaults
    (segregation 0.39, tie_homophily 0.61) acquaintances are less so than close ties (docs/ODD.md
    7.4.1 gives the figures): the record's pattern holds in direction, not in size."""
    m = county()
    close = (m.ties.weights > 0).astype(np.float64)
    acquaintances = (m.foci.membership @ m.foci.membership_t).tolil()
    acquaintances.setdiag(0)
    acquaintances = acquaintances.tocsr()
    close_share, acq_share = _same_group_share(m, close), _same_group_share(m, acquaintances)
    population_share = m.hispanic.mean()
    assert close_share > population_share + 0.1 and acq_share > population_share + 0.1
    assert acq_share <= close_share


def test_co_member_sums_match_an_explicit_acquaintance_matrix():
    m = county(n=2_000)
    x = m.rng.random(2_000)
    a = (m.foci.membership @ m.foci.membership_t).toarray()
    np.fill_diagonal(a, 0)
    assert np.allclose(m.foci.co_members(x), a @ x)
    assert np.allclose(m.foci.acquaintances, a.sum(axis=1))


def _same_foci(a, b) -> bool:
    x, y = a.foci.membership, b.foci.membership
    return x.shape == y.shape and np.array_equal(x.indptr, y.indptr) and np.array_equal(x.indices, y.indices)


def test_foci_are_drawn_from_the_model_generator():
    a, b = county(seed=3, n=3_000), SecureCommunitiesModel(rng=3, n_residents=3_000)
    assert _same_foci(a, b)
    assert not _same_foci(a, county(seed=4, n=3_000))


@pytest.mark.parametrize("seed", SEEDS)
def test_without_acquaintances_knowing_someone_detained_falls_to_the_strong_tie_level(seed):
    on, off = run("sc_full", seed), run("sc_full", seed, acquaintance_channel=False)
    f_on, f_off = on.frame.iloc[AFTER], off.frame.iloc[AFTER]
    assert (f_off["share_hispanic_adults_knows_detained"] == f_off["share_hispanic_adults_knows_detained_close"]).all()
    assert (f_off["fear_channel_acquaintances_hispanic"] == 0).all()
    # with acquaintances, many more know someone detained than through household and friends alone
    assert f_on["share_hispanic_adults_knows_detained"].mean() > 2 * f_on[
        "share_hispanic_adults_knows_detained_close"].mean()
    assert f_on["fear_channel_acquaintances_hispanic"].iloc[-1] > 0
    # and without them the strong-tie share is of the same size as with them (the others stay)
    assert f_off["share_hispanic_adults_knows_detained_close"].mean() == pytest.approx(
        f_on["share_hispanic_adults_knows_detained_close"].mean(), rel=0.5)


def test_knowing_grows_with_the_chance_of_knowing_an_acquaintance_s_status():
    """The same county with a higher chance of knowing each acquaintance: everyone who knew still knows."""
    low = county(n=5_000, acquaintance_knowing_prob=0.02).fear_process.knowing(0)["knows_undocumented"]
    high = county(n=5_000, acquaintance_knowing_prob=0.1).fear_process.knowing(0)["knows_undocumented"]
    assert np.all(high[low]) and high.sum() > low.sum()


# --- salience ---

@pytest.mark.parametrize("seed", SEEDS)
def test_with_the_news_fear_rises_at_activation_before_any_local_detention(seed):
    m = run("sc_full", seed, **CLOSED)
    first_pickup = int(m.event_log().query("stage == 'pickup'").week.min())
    assert first_pickup > ACTIVATION
    f = m.frame
    assert (f.loc[:ACTIVATION - 1, "fear_mean_hispanic"] == 0).all()
    assert f.loc[ACTIVATION, "fear_channel_media_hispanic"] > 0  # the program's announcement
    assert f.loc[ACTIVATION, "chilled_share_undocumented"] > 0
    assert f.loc[ACTIVATION, "reporting_rate_cohort_undocumented"] < f.loc[ACTIVATION - 1,
                                                                           "reporting_rate_cohort_undocumented"]


@pytest.mark.parametrize("seed", SEEDS)
def test_without_the_news_there_is_no_drop_before_the_first_local_detention(seed):
    m = run("sc_full", seed, salience_channel=False, **CLOSED)
    first_pickup = int(m.event_log().query("stage == 'pickup'").week.min())
    f = m.frame
    assert (f.loc[:first_pickup - 1, "fear_mean_hispanic"] == 0).all()
    before = f.loc[:first_pickup - 1, "reporting_rate_cohort_hispanic"]
    assert (before == f.loc[0, "reporting_rate_cohort_hispanic"]).all()
    assert (f["fear_channel_media_hispanic"] == 0).all()


def test_a_policy_declared_in_public_damps_the_news_of_the_jail_s_transfers_by_the_damping_share():
    """Under a declared policy (Hennessey) a transfer from the jail to ICE reaches 1 - damping as many
    residents through the news as under full cooperation; ICE's own arrests, and the program's
    announcement, reach as many under both."""
    reached = {}
    for preset in ("sc_full", "sc_hennessey"):
        m = county(n=5_000, **scenario(preset))
        media, present = m.fear_process.media, m.fear_process.present
        hispanic = np.flatnonzero(m.hispanic & present)[:400]
        rng = np.random.default_rng(1)
        for transfer in (True, False):
            (who, _, _), _ = media.audience(rng, ACTIVATION + 1, present, hispanic, np.full(len(hispanic), transfer))
            reached[preset, transfer] = len(who) / len(hispanic)
    damping = m.params.policy_salience_damping
    assert reached["sc_hennessey", True] == pytest.approx((1 - damping) * reached["sc_full", True], rel=0.05)
    assert reached["sc_hennessey", False] == pytest.approx(reached["sc_full", False], rel=0.05)
    assert run("sc_full", 1).frame.loc[ACTIVATION, "fear_channel_media_hispanic"] > 0


def test_the_news_carries_more_to_the_group_enforcement_falls_on():
    m = run("sc_full", 1)
    memory = m.fear_process.media.memory
    assert memory[m.hispanic].mean() > memory[~m.hispanic].mean()  # Hispanic listeners hear more


# --- fear on behalf of others ---

def test_household_max_excluding_self():
    values = np.array([0.2, 1.0, 0.5, 0.3, 0.3, 0.7])
    starts = np.array([0, 3, 5, 6])  # households [0, 1, 2], [3, 4], [5]
    assert np.allclose(household_max_excluding_self(values, starts), [1.0, 0.5, 1.0, 0.3, 0.3, 0.0])


def test_citizens_who_live_with_the_undocumented_fear_on_their_behalf():
    m = county()
    fp = m.fear_process
    undocumented = (m.status == Status.UNDOCUMENTED) & (m.custody != Custody.REMOVED)  # still in the county
    lives_with_undocumented = np.bincount(m.household_of, weights=undocumented)[m.household_of] - undocumented > 0
    us_born = m.status == Status.US_BORN
    w = m.params.fear_for_others_weight
    undocumented = m.params.fear_susceptibility_undocumented
    assert np.allclose(fp.susceptibility[us_born & lives_with_undocumented], w * undocumented)
    off = county(fear_for_others=False).fear_process
    assert np.allclose(off.susceptibility, off.own_susceptibility)
    assert np.all(fp.susceptibility >= fp.own_susceptibility)


def test_fear_for_others_is_its_own_channel():
    """Hispanic US-born citizens who live with an undocumented person are more often chilled when they fear
    for the people they live with. Measured among those citizens (where the channel acts), at the end of
    the run, in every one of five seeds (10-22 points here); over all US-born Hispanic residents the
    difference is a few points, smaller than the spread between two runs that part ways."""
    for seed in (1, 2, 7, 8, 9):
        on, off = run("sc_full", seed), run("sc_full", seed, fear_for_others=False)
        assert (off.frame["fear_channel_others_hispanic"] == 0).all()
        assert on.frame["fear_channel_others_hispanic"].iloc[-1] > 0
        chilled = []
        for m in (on, off):
            present = m.custody != Custody.REMOVED
            undocumented = np.bincount(m.household_of, weights=present & (m.status == Status.UNDOCUMENTED),
                                       minlength=len(m.households)) > 0
            citizens = present & m.hispanic & (m.status == Status.US_BORN) & undocumented[m.household_of]
            chilled.append(m.fear_process.chilled[citizens].mean())
        assert chilled[0] > chilled[1] + 0.05, (seed, chilled)


# --- the chilled state ---

def test_fear_is_the_probability_of_being_chilled():
    m = run("sc_full", 1)
    f = m.frame.iloc[-1]
    for group in ("undocumented", "hispanic", "non_hispanic"):
        fear = f[f"fear_mean_{group}"]
        assert f[f"chilled_share_{group}"] == pytest.approx(fear, abs=0.02 + 0.1 * fear)


def test_a_chilled_victim_reports_less_by_the_chill_effect():
    m = run("sc_full", 1)
    p = crime.reporting_probability(m)
    chilled = m.fear_process.chilled
    citizen = m.status == Status.US_BORN
    assert chilled[citizen].any() and (~chilled[citizen]).any()
    assert np.allclose(p[citizen & chilled], p[citizen & ~chilled][0] * (1 - m.params.chill_reporting_effect))
    assert len(np.unique(np.round(p[citizen & ~chilled], 12))) == 1  # fear moves no one who is not chilled


def test_every_channel_adds_up_to_fear():
    m = run("sc_full", 2)
    assert np.allclose(m.fear_process.channels.sum(axis=0), m.fear)
    assert set(CHANNEL_NAMES) == {"household", "kin", "friends", "acquaintances", "second_hand", "media", "others",
                                  "contagion"}
    f = m.frame.iloc[-1]
    assert sum(f[f"fear_channel_{c}_hispanic"] for c in CHANNEL_NAMES) == pytest.approx(f["fear_mean_hispanic"])


# --- the fixed cohort and the present population ---

@pytest.mark.parametrize("seed", SEEDS)
def test_the_cohort_is_the_present_population_until_activation_then_keeps_the_removed(seed):
    m = run("sc_full", seed)
    f = m.frame
    for g in ("hispanic", "undocumented"):
        before = f.loc[:ACTIVATION - 1]
        assert np.allclose(before[f"reporting_rate_cohort_{g}"], before[f"reporting_rate_{g}"])
    assert (m.custody == Custody.REMOVED).sum() > 10
    # against the same county without the program, the present Hispanic population hides part of the
    # drop: removing undocumented residents (low reporters) lifts the group's mean
    pre = run("pre_sc", seed).frame.iloc[-1]
    drop_present = pre["reporting_rate_hispanic"] - f["reporting_rate_hispanic"].iloc[-1]
    drop_cohort = pre["reporting_rate_cohort_hispanic"] - f["reporting_rate_cohort_hispanic"].iloc[-1]
    assert drop_cohort > drop_present > 0


# --- offenders and witnesses ---

def spy_on_victims(m):
    """Record, for each crime, whether its victim was chilled, and the chilled share of the present."""
    seen = {"chilled_victims": 0, "victims": 0, "chilled_present": 0.0, "weeks": 0}
    record = m.record_victimizations

    def tally(victims, offense, reported):
        if m.week > ACTIVATION:
            seen["chilled_victims"] += int(m.fear_process.chilled[victims].sum())
            seen["victims"] += len(victims)
            present = m.custody != Custody.REMOVED
            seen["chilled_present"] += float(m.fear_process.chilled[present].mean()) * len(victims)
        return record(victims, offense, reported)

    m.record_victimizations = tally
    return seen


@pytest.mark.parametrize("on", [True, False])
def test_offenders_turn_to_the_silent_only_when_they_respond(on):
    """Comino et al. 2020: offenders pick victims unlikely to report. With the response on, the
    chilled are victimized out of proportion; off, about in proportion to their numbers."""
    m = SecureCommunitiesModel(rng=1, n_residents=N, **scenario("sc_full"), offenders_target_nonreporters=on)
    seen = spy_on_victims(m)
    for _ in range(WEEKS):
        m.step()
    over = seen["chilled_victims"] / seen["chilled_present"]
    assert seen["chilled_victims"] > 100
    if on:
        assert over > 1.3
    else:
        assert over == pytest.approx(1.0, abs=0.15)


def test_an_offender_who_responds_picks_the_least_likely_to_report():
    m = county(n=3_000)
    offenders = np.flatnonzero(m.adult)[:500]
    p = m.rng.random(len(m.status))
    m.params = m.params.replace(offender_response_strength=1.0)
    chosen = crime.choose_victims(m, offenders, p)
    m.params = m.params.replace(offender_response_strength=0.0)
    first = crime.choose_victims(m, offenders, p)
    assert p[chosen].mean() < 0.75 * p[first].mean()


@pytest.mark.parametrize(("n", "from_ties", "candidates"), [(300, 0.3, 3), (3_000, 0.3, 1), (3_000, 1.0, 3),
                                                             (3_000, 0.0, 2)])
def test_a_few_offenders_drawn_one_by_one_get_the_victims_of_the_passes(n, from_ties, candidates, monkeypatch):
    """A week with few offenders draws their candidate victims in plain Python (``crime._few``), else in
    numpy passes (``crime._passes``, which draws the last few turned down in plain Python too): the same
    uniforms from the generator, the same candidates, and the generator left in the same state, so a
    county's run does not depend on which was used. Checked against passes in numpy to the end, and
    against the passes as the model runs them."""
    m = county(seed=7, n=n, victim_from_ties_prob=from_ties, victim_candidates=candidates)
    pick = np.random.default_rng(3)
    for few_redraws in (0, crime.FEW_REDRAWS):
        monkeypatch.setattr(crime, "FEW_REDRAWS", few_redraws)
        for k in (1, 2, 5, 17, 60, 300):
            offenders = pick.choice(len(m.age), size=k)
            who = crime._Offenders(m, offenders)
            state = m.rng.bit_generator.state
            few = crime._few(m, who, k, candidates)
            after_few = m.rng.bit_generator.state
            m.rng.bit_generator.state = state
            passes = crime._passes(m, who, k, candidates)
            assert np.array_equal(few, passes) and after_few == m.rng.bit_generator.state


def test_offenders_and_stops_drawn_among_those_who_can_offend_are_those_drawn_among_everyone():
    """The week's running sums of offending are taken over the residents who can offend (``crime._Offending``,
    two thirds of them: children do not offend), with the weights of the whole county: a uniform picks the
    same resident as in the running sum over everyone, and the totals are the same. After a birthday (which
    replaces the propensities) the residents who can offend are found again."""
    m = county(seed=5, n=3000)
    m.custody[::7] = Custody.JAILED  # some not free
    free = m.custody == Custody.FREE
    uniforms = np.random.default_rng(2).random(20_000)
    for _ in range(2):
        can = crime._Offending.of(m)
        assert 0 < len(can.who) < len(m.age) and np.array_equal(can.who, np.flatnonzero(m.propensity > 0))
        pull = np.random.default_rng(4).random(len(m.nb_counts)) + 0.5
        everyone = np.cumsum(m.propensity * free * pull[m.neighborhood])
        ours = np.cumsum(can.propensity * free[can.who] * pull[can.neighborhood])
        assert ours[-1] == everyone[-1]
        assert np.array_equal(np.searchsorted(everyone, uniforms * everyone[-1], side="right"),
                              can.who[np.searchsorted(ours, uniforms * ours[-1], side="right")])
        m.propensity = m.base_propensity * offending_by_age(m.age + 1)  # a year on: 17-year-olds start to offend
        assert crime._Offending.of(m) is not can


def test_each_residents_chance_of_reporting_is_read_from_a_table_of_the_four_kinds_of_resident():
    """``crime.reporting_probability`` gathers from the four values of undocumented-or-not by chilled-or-not
    (``reporting_table``) what ``base_reporting x reporting_scale`` gives resident by resident, to the last
    digit, whatever the statuses and chilled states."""
    m = county(seed=3, n=2000, undocumented_reporting_ratio=0.37, chill_reporting_effect=0.61)
    pick = np.random.default_rng(8)
    for _ in range(3):
        m.status[:] = pick.integers(0, len(Status), len(m.status))
        m.fear_process.chilled[:] = pick.random(len(m.status)) < 0.4
        one_by_one = crime.base_reporting(m.params) * crime.reporting_scale(
            m.status, m.fear_process.chilled, m.params.undocumented_reporting_ratio, m.params.chill_reporting_effect)
        assert np.array_equal(crime.reporting_probability(m), one_by_one)


def test_a_neighborhoods_residents_present_are_counted_as_its_residents_less_the_absent():
    """The neighborhoods' mean reporting divides by the residents present, counted as the neighborhood's
    residents less the few absent: the same means, to the last digit, as summing who is present."""
    m = county(seed=2, n=3000)
    pick = np.random.default_rng(5)
    for share_absent in (0.0, 0.02, 0.5, 1.0):
        present = pick.random(len(m.age)) >= share_absent
        summed = crime.neighborhood_means(m.neighborhood, len(m.nb_counts), present, m.report_prob)
        counted = crime.neighborhood_means(m.neighborhood, len(m.nb_counts), present, m.report_prob, m.nb_counts)
        assert np.array_equal(summed, counted)


def test_silence_pulls_crime_only_when_offenders_respond():
    """With the response on, offending rises in the neighborhoods whose residents fell silent, in
    proportion to (q / q0)^-elasticity; off, silence does not change how much crime there is (the
    week's count then depends only on who is free to offend)."""
    on = run("sc_full", 1)
    free = on.custody == Custody.FREE
    pull = crime.deterrence(on, free, on.report_prob)
    q = crime.neighborhood_reporting(on, free, on.report_prob)
    ratio = q / on.baseline_neighborhood_reporting
    assert pull.max() > 1.0 and np.allclose(pull, ratio ** -on.params.offending_deterrence_elasticity)
    assert np.argmax(pull) == np.argmin(ratio)
    off = run("sc_full", 1, offenders_target_nonreporters=False)
    assert off.fear.max() > 0 and crime.deterrence(off, off.custody == Custody.FREE, off.report_prob) is None


@pytest.mark.parametrize("on", [True, False])
def test_chilled_witnesses_lower_clearance_only_with_the_witness_channel(on):
    m = SecureCommunitiesModel(rng=2, n_residents=N, **scenario("sc_full"), witness_channel=on)
    given = []
    original = crime.Offense  # the officers receive the clearance probability as the last argument
    for officer in m.officers:
        inner = officer.investigate

        def investigate(offender, offense, felony, clearance_prob, inner=inner):
            if m.week > ACTIVATION:
                p = m.params
                base = p.clearance_prob_violent if offense == original.VIOLENT else p.clearance_prob_property
                given.append(clearance_prob / base)
            return inner(offender, offense, felony, clearance_prob)
        officer.investigate = investigate
    for _ in range(WEEKS):
        m.step()
    given = np.array(given)
    assert len(given) > 500
    if on:
        assert given.mean() < 0.97 and given.min() >= 1 - m.params.chill_witness_effect
    else:
        assert np.all(given == 1.0)


def test_the_witnesses_are_ties_and_acquaintances_still_in_the_county():
    m = run("sc_full", 1)
    victims = np.flatnonzero(m.custody == Custody.FREE)[:200]
    share = crime.witness_chill(m, victims)
    assert np.all((share >= 0) & (share <= 1)) and share.max() > 0
    m.fear_process.chilled[:] = False
    assert np.all(crime.witness_chill(m, victims) == 0)
    m.fear_process.chilled[:] = m.fear > m.fear_process.threshold  # restore the cached run


def test_build_is_independent_of_the_switches_that_act_only_in_the_run():
    """Switching off the news, the witnesses or fear on behalf of others leaves the county drawn at
    week 0 unchanged (the build; the spin-up then runs these switches). Offenders' response is not one
    of them: prior records mirror the arrests the run makes, and whom offenders pick changes who is
    arrested, so the records (and every draw after them) differ; the people do not."""
    base = county(n=3_000, spin_up_weeks=0)
    for switch in ("salience_channel", "witness_channel", "fear_for_others"):
        other = SecureCommunitiesModel(rng=1, n_residents=3_000, spin_up_weeks=0, **{switch: False})
        assert np.array_equal(other.status, base.status) and _same_foci(other, base)
        assert np.array_equal(other.record, base.record)
    other = SecureCommunitiesModel(rng=1, n_residents=3_000, spin_up_weeks=0, offenders_target_nonreporters=False)
    assert np.array_equal(other.status, base.status) and np.array_equal(other.hispanic, base.hispanic)
    assert not np.array_equal(other.record, base.record)


def test_build_foci_handles_a_county_with_no_one_in_a_focus_type():
    rng = np.random.default_rng(0)
    n = 50
    # acquaintances_mean = 0: everyone alone in their foci
    params = make_params({"acquaintance_size_dispersion": 1.0, "acquaintances_mean": 0.0, "tie_homophily": 0.5})
    foci = build_foci(params,
                      rng, np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int8),
                      np.zeros(n, dtype=bool))
    assert foci.membership.shape[0] == n and np.all(foci.acquaintances == 0)


def test_witness_chill_equals_the_matrix_formula():
    m = run("sc_full", 1)
    present = (m.custody != Custody.REMOVED).astype(np.float64)
    chilled = m.fear_process.chilled * present
    victims = np.concatenate([np.flatnonzero(m.custody == Custody.FREE)[:300], [5, 5, 7]])
    w = m.ties.local_weights[victims]  # household and friends (kin live elsewhere)
    acq = (m.foci.membership @ m.foci.membership_t).tolil()
    acq.setdiag(0)
    a = acq.tocsr()[victims]
    omega = m.params.acquaintance_shock_weight
    expected_num = w @ chilled + omega * (a @ chilled)
    expected_den = w @ present + omega * (a @ present)
    expected = np.divide(expected_num, expected_den, out=np.zeros(len(victims)), where=expected_den > 0)
    assert np.allclose(crime.witness_chill(m, victims), expected)


def test_each_co_member_is_named_with_the_place_of_the_person_whose_focus_it_was():
    """``co_members_of(people, slots=True)`` gives the same co-members, each with the place in ``people`` of
    its owner (what the witnesses and first-hand hearing count by), for people given in any order."""
    m = run("sc_full", 1)
    people = np.array([40, 7, 911, 3, 2500])
    co, owner = m.foci.co_members_of(people)
    co_slots, slot = m.foci.co_members_of(people, slots=True)
    assert len(co) > 50 and np.array_equal(co, co_slots) and np.array_equal(people[slot], owner)
    empty = m.foci.co_members_of(people[:0], slots=True)
    assert len(empty[0]) == len(empty[1]) == 0


def test_a_small_countys_distinct_acquaintances_are_counted_exactly_once_per_county():
    """Where foci overlap a lot, the mean number of distinct acquaintances is counted exactly (who shares a
    focus with whom). Runs of one seed build the same foci, so the count is kept per county, and it equals
    the count made person by person."""
    from model import acquaintances

    acquaintances._DISTINCT.clear()
    first = SecureCommunitiesModel(rng=3, n_residents=600, spin_up_weeks=0, **scenario("sc_full"))
    assert len(acquaintances._DISTINCT) == 1
    again = SecureCommunitiesModel(rng=3, n_residents=600, spin_up_weeks=0, **scenario("pre_sc"))
    assert len(acquaintances._DISTINCT) == 1  # the same county: the count was not made again
    counted = first.foci.distinct_acquaintances()
    assert again.foci.distinct_acquaintances() == counted
    member = first.foci.membership.toarray() > 0
    shares = (member.astype(np.int64) @ member.T.astype(np.int64)) > 0
    np.fill_diagonal(shares, False)
    assert counted == shares.sum(axis=1).mean() and counted < first.foci.acquaintances.mean()
    other = SecureCommunitiesModel(rng=4, n_residents=600, spin_up_weeks=0, **scenario("sc_full"))
    assert len(acquaintances._DISTINCT) == 2 and other.foci.distinct_acquaintances() != counted
