"""Every observation docs/classroom.md promises, checked on the lesson's own settings.

The lesson runs the page's county (``ClassroomCounty``) with 2,000 residents, policing
intensity 2 and fear sensitivity 3 for five years (260 weeks), and changes only the preset.
Student groups use seeds 1 to 6 and the teacher's demonstration uses the page's default seed
42; each observation is asserted for every one of these seeds unless the lesson says
"across the class", in which case it is asserted for the class totals. The observation
numbers (O1, O2, ...) are the ones in docs/classroom.md.
"""

import re
from pathlib import Path

import numpy as np
import pytest

from agents.codes import SERIOUS_VIOLENT, Custody, Status
from viz.settings import ClassroomCounty, CountySettings
from viz.tally import minor_charge_pickups

LESSON = CountySettings(n_residents=2000, policing_intensity=2.0, fear_sensitivity=3.0)
WEEKS = 260
CLASS_SEEDS = (1, 2, 3, 4, 5, 6, 42)  # six student groups and the teacher's demonstration
PRESETS = ("pre_sc", "sc_full", "sc_hennessey", "sc_sanctuary")


@pytest.fixture(scope="module")
def runs():
    """(preset, seed) -> the county after five years, as the page would show it."""
    out = {}
    for preset in PRESETS:
        for seed in CLASS_SEEDS:
            county = ClassroomCounty(LESSON.with_changes(preset=preset, seed=str(seed)))
            for _ in range(WEEKS):
                county.step()
            out[preset, seed] = county
    return out


def final(county, name: str) -> float:
    return float(county.metrics[name])


def series(county, name: str) -> np.ndarray:
    return np.asarray(county.datacollector.model_vars[name], dtype=float)


def reporting_change(county, group: str) -> float:
    """Change of a group's reporting rate from week 0 to week 260, in % of its week-0 level
    (what the page's reporting plot shows)."""
    values = series(county, f"reporting_rate_{group}")
    return 100.0 * (values[-1] / values[0] - 1.0)


def class_total(runs, preset: str, name: str) -> float:
    return sum(final(runs[preset, seed], name) for seed in CLASS_SEEDS)


LESSON_DOC = Path(__file__).resolve().parents[1] / "docs" / "classroom.md"


def test_every_observation_in_the_lesson_has_a_test_and_back():
    promised = {int(n) for n in re.findall(r"\*\*O(\d+)\*\*", LESSON_DOC.read_text())}
    tested = {int(n) for n in re.findall(r"^def test_o(\d+)_", Path(__file__).read_text(), flags=re.M)}
    assert promised == tested == set(range(1, max(promised) + 1))


def test_lesson_settings_are_what_the_doc_says():
    text = LESSON_DOC.read_text()
    assert "| Residents | 2,000 |" in text and "| Policing intensity | 2 × typical arrests |" in text
    assert "| Fear sensitivity | 3 |" in text and "seeds 1 to 6 and 42" in text and "260 weeks" in text
    assert LESSON.n_residents == 2000 and LESSON.policing_intensity == 2.0 and LESSON.fear_sensitivity == 3.0
    assert WEEKS == 260 and CLASS_SEEDS == (1, 2, 3, 4, 5, 6, 42)


def test_lesson_settings_are_the_pages_defaults():
    """The page opens on the lesson's county: groups only type their seed."""
    assert CountySettings() == LESSON.with_changes(seed="42") and CountySettings().activation_week == 52
    assert CountySettings().preset == "sc_full" and CountySettings().compare_with == ""


def test_lesson_settings_are_what_the_page_builds():
    county = ClassroomCounty(LESSON.with_changes(preset="sc_hennessey", seed="3"))
    p = county.params
    assert (p.n_residents, p.policing_intensity, p.fear_sensitivity) == (2000, 2.0, 3.0)
    assert county.get_params()["detainer_policy"] == "hennessey" and county.params.activation_week == 52


# --- Activity 1: Can San Francisco opt out? ---

@pytest.mark.parametrize("seed", CLASS_SEEDS)
def test_o1_without_the_program_no_fingerprint_ever_matches(runs, seed):
    """O1: before Secure Communities the county arrests about as many people, yet no print reaches ICE (the
    teacher's county, seed 42, arrests 577 under full cooperation against 688 without: some of the people
    removed would have been arrested again)."""
    before, full = runs["pre_sc", seed], runs["sc_full", seed]
    assert final(before, "ident_matches_cumulative") == 0 and final(before, "detainers_issued_cumulative") == 0
    assert final(before, "arrests_cumulative") == pytest.approx(final(full, "arrests_cumulative"), rel=0.2)
    assert class_total(runs, "pre_sc", "arrests_cumulative") == pytest.approx(
        class_total(runs, "sc_full", "arrests_cumulative"), rel=0.1)  # measured 4,488 against 4,301


@pytest.mark.parametrize("seed", CLASS_SEEDS)
def test_o2_matches_start_at_week_52_whatever_the_jail_does(runs, seed):
    """O2: under every county policy, matches begin once the program arrives (week 52), never before,
    and ICE sends detainers."""
    for preset in ("sc_full", "sc_hennessey", "sc_sanctuary"):
        county = runs[preset, seed]
        matches = series(county, "ident_matches")  # entry i is week i
        assert matches[:52].sum() == 0, preset
        assert matches[52:].sum() > 0, preset
        assert final(county, "detainers_issued_cumulative") > 0, preset


@pytest.mark.parametrize("name", ["ident_matches_cumulative", "detainers_issued_cumulative"])
def test_o3_across_the_class_jail_policy_does_not_cut_matches_or_detainers(runs, name):
    """O3: across the class, the sanctuary county and Hennessey's county get as many matches as the
    cooperating county (within 15%), and at least as many detainers (no fewer than 85%): the
    pathway runs the same, and the people the jail released are there to be matched again."""
    full = class_total(runs, "sc_full", name)
    for preset in ("sc_sanctuary", "sc_hennessey"):
        if name == "ident_matches_cumulative":
            assert class_total(runs, preset, name) == pytest.approx(full, rel=0.15), preset
        else:
            assert class_total(runs, preset, name) >= 0.85 * full, preset


@pytest.mark.parametrize("seed", CLASS_SEEDS)
def test_o4_what_the_sanctuary_jail_does_decide(runs, seed):
    """O4: the sanctuary jail declines every detainer (people still in jail at week 260 are declined
    at release) and holds nobody for ICE: no pickups from the jail. People are still removed, at
    large and by ICE's own operations, and fear rises; the cooperating county removes people
    through the jail."""
    sanctuary = runs["sc_sanctuary", seed]
    assert not np.any(sanctuary.custody == Custody.HELD)
    pending = sum(1 for honor, _ in sanctuary.jail.detainers.values() if not honor)
    assert final(sanctuary, "detainers_declined_cumulative") + pending == \
        final(sanctuary, "detainers_issued_cumulative")
    assert final(sanctuary, "ice_pickups_cumulative") == 0 and final(sanctuary, "removals_sc_cumulative") == 0
    assert final(sanctuary, "removals_cumulative") > 0
    assert final(sanctuary, "removals_cumulative") == final(sanctuary, "removals_at_large_cumulative") + final(
        sanctuary, "removals_background_cumulative")
    assert final(sanctuary, "fear_mean_undocumented") > 0
    assert final(runs["sc_full", seed], "removals_sc_cumulative") > 0


# --- Activity 2: What does releasing minor offenders change, and what doesn't it? ---

@pytest.mark.parametrize("seed", CLASS_SEEDS)
def test_o5_hennessey_declines_detainers_and_cuts_removals_but_not_to_zero(runs, seed):
    """O5: the jail declines many detainers; removals through the jail fall in every county, but
    not to zero."""
    full, hennessey = runs["sc_full", seed], runs["sc_hennessey", seed]
    assert final(hennessey, "detainers_declined_cumulative") >= 5
    removed = final(hennessey, "removals_sc_cumulative")
    assert 0 < removed < final(full, "removals_sc_cumulative")


def test_o5_across_the_class_hennessey_halves_jail_removals_and_other_doors_make_up_part(runs):
    """O5: across the class, removals through the jail under Hennessey are under 60% of those under
    full cooperation; all removals together fall by less than removals through the jail."""
    jail_full = class_total(runs, "sc_full", "removals_sc_cumulative")
    jail_hennessey = class_total(runs, "sc_hennessey", "removals_sc_cumulative")
    assert jail_hennessey < 0.6 * jail_full
    all_full = class_total(runs, "sc_full", "removals_cumulative")
    all_hennessey = class_total(runs, "sc_hennessey", "removals_cumulative")
    assert all_full - all_hennessey < jail_full - jail_hennessey
    assert class_total(runs, "sc_hennessey", "removals_at_large_cumulative") > 0


def minor_pickups(county) -> list[int]:
    """Residents ICE picked up after a traffic or public-order booking (from the event log)."""
    events = county.event_log()
    pickups = events[(events["stage"] == "pickup") & events["offense"].isin(["traffic", "public_order"])]
    assert minor_charge_pickups(county) == len(pickups)  # what the page's tally shows
    return pickups["resident_id"].tolist()


@pytest.mark.parametrize("seed", CLASS_SEEDS)
def test_o6_minor_charges_lead_to_pickups_mostly_under_full_cooperation(runs, seed):
    """O6: under full cooperation some people ICE picks up were booked only on a traffic or
    public-order charge; under Hennessey's policy fewer are, in every county, and the few who
    are have a serious or violent record."""
    full, hennessey = minor_pickups(runs["sc_full", seed]), minor_pickups(runs["sc_hennessey", seed])
    assert len(full) > 0
    assert len(hennessey) < len(full)
    record = runs["sc_hennessey", seed].record
    assert all(record[resident, SERIOUS_VIOLENT] > 0 for resident in hennessey)


def test_o6_across_the_class_hennessey_has_under_a_quarter_of_the_minor_charge_pickups(runs):
    full = sum(len(minor_pickups(runs["sc_full", seed])) for seed in CLASS_SEEDS)
    hennessey = sum(len(minor_pickups(runs["sc_hennessey", seed])) for seed in CLASS_SEEDS)
    assert hennessey < 0.25 * full


# --- Activity 3: Who stops calling the police, and who else does? ---

@pytest.mark.parametrize("seed", CLASS_SEEDS)
def test_o7_fear_is_highest_among_the_undocumented_and_reaches_citizens(runs, seed):
    """O7: in every county the undocumented are more afraid than lawful permanent and non-Hispanic
    residents, and at least about as afraid as Hispanic citizens: in a county near fear's ceiling (about
    0.9), Hispanic citizens can match them (seed 5 at the calibrated defaults of issue 19: 0.894 against
    0.885; the other six 0.02-0.11 below)."""
    county = runs["sc_full", seed]
    undocumented = final(county, "fear_mean_undocumented")
    for group in ("non_hispanic", "lpr"):
        assert undocumented > final(county, f"fear_mean_{group}")
    assert undocumented > final(county, "fear_mean_hispanic_citizen") - 0.02


def test_o7_the_undocumented_are_the_most_afraid_in_almost_every_county(runs):
    """O7: in all but at most one of the seven counties the undocumented are the most afraid group."""
    first = [final(runs["sc_full", s], "fear_mean_undocumented")
             > final(runs["sc_full", s], "fear_mean_hispanic_citizen") for s in CLASS_SEEDS]
    assert sum(first) >= len(CLASS_SEEDS) - 1


def test_o7_across_the_class_fear_reaches_hispanic_citizens_and_lprs(runs):
    """O7: across the class, Hispanic citizens are more afraid than non-Hispanic residents, and so
    are lawful permanent residents, who are here legally."""
    hispanic_citizens = class_total(runs, "sc_full", "fear_mean_hispanic_citizen")
    non_hispanic = class_total(runs, "sc_full", "fear_mean_non_hispanic")
    assert class_total(runs, "sc_full", "fear_mean_undocumented") > hispanic_citizens > non_hispanic
    assert class_total(runs, "sc_full", "fear_mean_lpr") > non_hispanic


@pytest.mark.parametrize("seed", CLASS_SEEDS)
def test_o8_reporting_falls_by_a_third_for_the_undocumented_and_hispanic_citizens(runs, seed):
    """O8: crime reporting falls by about a third among undocumented residents and about as much
    among Hispanic citizens; least among non-Hispanic residents. Measured on the stationary county
    (tests/test_classroom.py's settings) at issue 19's calibrated defaults: undocumented -29% to -37%, Hispanic
    citizens -27% to -38%, non-Hispanic -10% to -23%."""
    county = runs["sc_full", seed]
    undocumented = reporting_change(county, "undocumented")
    hispanic_citizens = reporting_change(county, "hispanic_citizen")
    non_hispanic = reporting_change(county, "non_hispanic")
    assert -45.0 < undocumented < -25.0
    assert -45.0 < hispanic_citizens < -25.0
    assert max(undocumented, hispanic_citizens) < non_hispanic < 0


def test_o9_across_the_class_before_the_program_reporting_hardly_moves(runs):
    """O9: before the program, undocumented residents' reporting goes up in some counties and down in
    others (measured -7% to +18% at issue 19's calibrated defaults), but across the class it hardly moves
    (+4% on average): the county starts at rest. Under full cooperation it falls further in every county."""
    before = [reporting_change(runs["pre_sc", seed], "undocumented") for seed in CLASS_SEEDS]
    full = [reporting_change(runs["sc_full", seed], "undocumented") for seed in CLASS_SEEDS]
    assert min(before) < 0 < max(before) and abs(np.mean(before)) < 8.0
    assert all(f < b for f, b in zip(full, before, strict=True))


@pytest.mark.parametrize("seed", CLASS_SEEDS)
def test_o10_fear_is_deepest_next_to_the_hollow_dots(runs, seed):
    """O10: the deep colors are everywhere among undocumented residents: those with a tie to someone
    removed are about as afraid (within about a seventh) as those without one, who are deeply afraid too
    (mean fear above 0.7)."""
    county = runs["sc_full", seed]
    removed = county.custody == Custody.REMOVED
    pairs = np.concatenate([county.ties.family, county.ties.friends])
    touched = np.zeros(len(removed), dtype=bool)
    touched[pairs[removed[pairs[:, 0]], 1]] = True
    touched[pairs[removed[pairs[:, 1]], 0]] = True
    undocumented = (county.status == Status.UNDOCUMENTED) & ~removed
    near, far = county.fear[undocumented & touched], county.fear[undocumented & ~touched]
    assert len(near) > 0
    assert 0.85 * far.mean() < near.mean() < 1.15 * far.mean()  # measured 0.89-1.05 times (issue 19's defaults)
    assert far.mean() > 0.7  # measured 0.73-0.91


# --- Activity 4: What happens to the children? ---

@pytest.mark.parametrize("seed", CLASS_SEEDS)
def test_o11_removals_separate_us_citizen_children(runs, seed):
    """O11: under full cooperation, US-citizen children are separated from a parent in every county."""
    assert final(runs["sc_full", seed], "separated_citizen_children_cumulative") > 0


def test_o12_most_removals_split_a_household_across_the_class(runs):
    """O12: across the class, most removals leave family members behind in the county."""
    assert class_total(runs, "sc_full", "separated_households_cumulative") > \
        0.5 * class_total(runs, "sc_full", "removals_cumulative")


def test_o13_across_the_class_hennessey_separates_fewer_children_sanctuary_fewer_still(runs):
    """O13: across the class, Hennessey's policy separates fewer citizen children than full
    cooperation and the sanctuary county fewer still, less than half as many (ICE's places follow the
    people a county hands it); before the program some families are split too (ICE's own operations)."""
    name = "separated_citizen_children_cumulative"
    full = class_total(runs, "sc_full", name)  # measured 102
    hennessey = class_total(runs, "sc_hennessey", name)  # 44
    assert 0 < class_total(runs, "sc_sanctuary", name) < hennessey < full  # sanctuary 16
    assert class_total(runs, "sc_sanctuary", name) < 0.5 * full
    assert 0 < class_total(runs, "pre_sc", name) < full  # 20
