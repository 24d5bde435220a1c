"""News from outside the county (``outside_news``): what it does to one model, and what it does not."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model import DEFAULTS, SecureCommunitiesModel, validate_parameters

ROOT = Path(__file__).resolve().parents[1]

COUNTY = {"n_residents": 1500, "share_undocumented": 0.1, "hispanic_share_others": 0.4, "activation_week": 10}
WEEKS, FROM = 50, 20  # outside news from week FROM on


def frames(weeks=WEEKS, seed=5, **params):
    m = SecureCommunitiesModel(rng=seed, **{**COUNTY, **params})
    for _ in range(weeks):
        m.step()
    return m.datacollector.get_model_vars_dataframe()


@pytest.fixture(scope="module")
def program_off():
    """The same county without the program: no outside news, and news from week FROM on."""
    return {level: frames(sharing_active=False, outside_news=f"0;{level}@{FROM}") for level in (0, 0.5)}


def test_the_default_leaves_a_run_as_it_was():
    assert DEFAULTS["outside_news"] == "0"
    plain = frames()
    pd.testing.assert_frame_equal(plain, frames(outside_news="0"), check_exact=True)
    pd.testing.assert_frame_equal(plain, frames(outside_news="0;0@20;0.0@30"), check_exact=True)


def test_outside_news_raises_hispanic_fear_from_its_week_and_not_before(program_off):
    quiet, news = program_off[0], program_off[0.5]
    assert quiet.equals(frames(sharing_active=False))  # level 0 throughout is no parameter at all
    before = slice(0, FROM)  # rows are weeks 0 .. FROM - 1
    pd.testing.assert_frame_equal(quiet.iloc[before], news.iloc[before], check_exact=True)
    after = slice(FROM + 5, None)
    assert news["fear_channel_media_hispanic"].iloc[after].mean() > quiet["fear_channel_media_hispanic"].iloc[
        after].mean()
    assert news["fear_mean_hispanic"].iloc[after].mean() > quiet["fear_mean_hispanic"].iloc[after].mean()
    assert news["chilled_share_hispanic"].iloc[-10:].mean() > quiet["chilled_share_hispanic"].iloc[-10:].mean() + 0.01
    assert (news["detainers_issued_cumulative"] == 0).all()  # the program is off: the fear is the news alone
    # Hispanic listeners hear it fully, the others at salience_cross_group
    gain_h = news["fear_mean_hispanic"].iloc[-1] - quiet["fear_mean_hispanic"].iloc[-1]
    gain_n = news["fear_mean_non_hispanic"].iloc[-1] - quiet["fear_mean_non_hispanic"].iloc[-1]
    assert 0 < gain_n < gain_h


def test_without_the_salience_channel_outside_news_does_nothing():
    off = frames(sharing_active=False, salience_channel=False)
    pd.testing.assert_frame_equal(off, frames(sharing_active=False, salience_channel=False,
                                              outside_news=f"0;0.5@{FROM}"), check_exact=True)


def test_an_outside_detention_reaches_the_media_s_audience_as_a_local_hispanic_detention_would():
    """Each detention heard from outside reaches ``media_audience`` Hispanic residents and
    ``salience_cross_group`` times as many others, each hearing a dose of the detention's shock, as a
    local detention of a Hispanic resident does; a county's declared policy does not damp it (it is not
    the jail's own transfer to ICE)."""
    for policy in ("full", "sanctuary"):
        m = SecureCommunitiesModel(rng=2, n_residents=3_000, detainer_policy=policy, outside_news="2.0")
        media, present = m.fear_process.media, m.fear_process.present
        hispanic = np.flatnonzero(m.hispanic & present)
        rng = np.random.default_rng(0)
        local, outside = media.audience(rng, 100, present, hispanic[:1], np.array([True]))
        heard = outside[0]
        n_outside = round(len(heard) / (m.params.media_audience * (1 + m.params.salience_cross_group)))
        assert n_outside > 0
        per_event_hispanic = m.hispanic[heard].sum() / n_outside
        assert per_event_hispanic == pytest.approx(m.params.media_audience, rel=0.2)
        assert (~m.hispanic[heard]).sum() / n_outside == pytest.approx(
            m.params.media_audience * m.params.salience_cross_group, rel=0.3)
        assert np.allclose(outside[1], m.params.detention_shock)  # each hearing: the dose times the shock
        # a local Hispanic detention that is the jail's transfer: damped only under a declared policy
        expected = m.params.media_audience * (1 - m.params.policy_salience_damping if policy == "sanctuary" else 1)
        assert m.hispanic[local[0]].sum() == pytest.approx(expected, rel=0.35)


def test_the_level_in_force_follows_the_schedule():
    m = SecureCommunitiesModel(rng=1, n_residents=100, outside_news="0.1;0.4@3;1.1@5")
    assert [m.params.outside_news.at(w) for w in range(8)] == [0.1, 0.1, 0.1, 0.4, 0.4, 1.1, 1.1, 1.1]


def test_the_schedule_is_written_one_way():
    assert validate_parameters({"outside_news": " 0 ; 0.40@120;1.10 @ 133"})["outside_news"] == "0;0.4@120;1.1@133"
    assert validate_parameters({"outside_news": "0.25"})["outside_news"] == "0.25"
    assert validate_parameters({"outside_news": "-0"})["outside_news"] == "0"


@pytest.mark.parametrize("value, fragment", [
    ("-0.1", "[0, 1000]"), ("lots", "'lots'"), ("0;nan@10", "'nan'"), ("0;inf@10", "'inf'"), ("", "''"),
    ("0;1@20;2@20", "weeks must increase"), ("0;1@20;2@10", "weeks must increase"), ("1@5", "start at week 0"),
    ("0;1@x", "whole week"), ("0;2000@5", "[0, 1000]"), (0.5, "as text"), (None, "as text"),
])
def test_a_bad_schedule_is_refused_naming_outside_news(value, fragment):
    with pytest.raises(ValueError) as info:
        SecureCommunitiesModel(rng=1, n_residents=100, outside_news=value)
    assert "outside_news" in str(info.value) and fragment in str(info.value), str(info.value)


# --- the panel: who hears of whom -----------------------------------------------------------------------------

HEADER = ("county_id,state,population,share_undocumented,share_lpr,share_naturalized,hispanic_share,border,"
          "policing_intensity,detainer_policy,activation_week")
# state A: four counties activated in weeks 20, 40, 60 and never (within 104 weeks); B: one county, alone
ROWS = {1: ("A", 40000, 0.30, 20), 2: ("A", 20000, 0.20, 40), 3: ("A", 60000, 0.10, 60), 4: ("A", 30000, 0.25, 200),
        5: ("B", 50000, 0.30, 30)}
HISPANIC = {cid: pop * share for cid, (_, pop, share, _) in ROWS.items()}


def small_table(tmp_path, rows=ROWS, state=True):
    lines = [HEADER if state else HEADER.replace(",state", "")]
    for cid, (st, pop, share, week) in rows.items():
        lines.append(f"{cid},{st + ',' if state else ''}{pop},0.08,0.05,0.07,{share},false,1.0,full,{week}")
    path = tmp_path / "counties.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def small_spec(tmp_path, spillover=None, **top):
    from experiments.panel.spec import parse_panel_spec

    small_table(tmp_path)
    raw = {"name": "spill", "seed": 7, "weeks": 104, "start_date": "2008-01-07", "fraction": 0.05,
           "batch_cost": 4000, "counties": {"table": "counties.csv"},
           "rollout": {"rule": "table", "window_start": "2008-03-03", "window_end": "2009-06-29"},
           "estimation": {"outcomes": ["chilled_hispanic"], "estimators": ["twfe"], "controls": ["not_yet"],
                          "window": [-3, 3]}, **top}
    if spillover is not None:
        raw["spillover"] = spillover
    return parse_panel_spec(raw, base=tmp_path)


def levels(design, cid, weeks):
    from experiments.panel.spillover import level_by_week

    return level_by_week(design.set_index("county_id").loc[cid, "outside_news"], weeks)


def test_a_county_hears_nothing_until_another_county_of_its_state_is_activated_then_more_with_each(tmp_path):
    from experiments.panel import build_design, county_parameters

    design = build_design(small_spec(tmp_path, {"weight": 2.0}))
    starts = np.arange(1, 105, 13)  # the quarters' first weeks: 1, 14, 27, 40, 53, 66, 79, 92
    # county 4 (never activated): nobody else in A is active in weeks 1 and 14; county 1 from week 20 (seen
    # from the quarter starting in week 27), county 2 from week 40, county 3 from week 60 (seen from 66)
    others = HISPANIC[1] + HISPANIC[2] + HISPANIC[3]
    expected = 2.0 * np.array([0, 0, HISPANIC[1], HISPANIC[1] + HISPANIC[2], HISPANIC[1] + HISPANIC[2], others,
                               others, others]) / others
    np.testing.assert_allclose(levels(design, 4, starts), expected, rtol=1e-5)
    assert levels(design, 4, np.arange(0, 27)).max() == 0  # held for the quarter: from week 27, not week 20
    # a county's own activation is not news from outside: county 1 (active from week 20) hears nothing until
    # county 2 is activated (week 40)
    others = HISPANIC[2] + HISPANIC[3] + HISPANIC[4]
    expected = 2.0 * np.array([0, 0, 0, HISPANIC[2], HISPANIC[2], HISPANIC[2] + HISPANIC[3],
                               HISPANIC[2] + HISPANIC[3], HISPANIC[2] + HISPANIC[3]]) / others
    np.testing.assert_allclose(levels(design, 1, starts), expected, rtol=1e-5)
    # alone in its state: nothing with scope "state"
    assert design.set_index("county_id").loc[5, "outside_news"] == "0"
    params = dict(zip(design["county_id"], county_parameters(small_spec(tmp_path, {"weight": 2.0}), design),
                      strict=True))
    assert all(params[c]["outside_news"] == s for c, s in zip(design["county_id"], design["outside_news"],
                                                                strict=True))
    # the design records the level: its mean over the panel and over the weeks before the county's own activation
    d = design.set_index("county_id")
    np.testing.assert_allclose(d.loc[4, "spillover_mean"], levels(design, 4, np.arange(1, 105)).mean())
    np.testing.assert_allclose(d.loc[3, "spillover_before"], levels(design, 3, np.arange(1, 60)).mean())


def test_scope_nation_or_a_table_without_states_hears_every_other_county(tmp_path):
    from experiments.panel import build_design

    nation = build_design(small_spec(tmp_path, {"weight": 1.0, "scope": "nation"}))
    assert levels(nation, 5, [27])[0] == pytest.approx(HISPANIC[1] / (sum(HISPANIC.values()) - HISPANIC[5]), rel=1e-5)
    spec = small_spec(tmp_path, {"weight": 1.0, "scope": "state"})
    small_table(tmp_path, state=False)  # the same counties without a state column: one nation
    stateless = build_design(spec)
    assert "state" not in stateless.columns
    assert list(stateless["outside_news"]) == list(nation["outside_news"])


def test_weight_zero_gives_the_default_and_the_shipped_specs_stay_off(tmp_path):
    from experiments.panel import build_design, county_parameters
    from experiments.panel.spec import load_panel_spec

    spec = small_spec(tmp_path)
    assert spec.spillover == {"weight": 0.0, "scope": "state", "neighbours": 0.0}
    design = build_design(spec)
    assert (design["outside_news"] == "0").all() and (design["spillover_mean"] == 0).all()
    assert all(p["outside_news"] == DEFAULTS["outside_news"] for p in county_parameters(spec, design))
    for name in ("panel_smoke", "panel_national"):
        assert load_panel_spec(ROOT / "experiments" / "specs" / f"{name}.toml").spillover["weight"] == 0


def test_the_shipped_spillover_spec_gives_most_counties_news_before_their_own_activation():
    from experiments.panel import build_design
    from experiments.panel.spec import load_panel_spec

    spec = load_panel_spec(ROOT / "experiments" / "specs" / "panel_spillover.toml")
    assert spec.spillover == {"weight": 0.03, "scope": "state", "neighbours": 0.0} and spec.weeks == 312
    design = build_design(spec)
    alone = design.groupby("state")["county_id"].transform("size") == 1
    assert (design.loc[alone, "outside_news"] == "0").all()
    assert (design["spillover_before"] > 0).mean() > 0.5 and design["spillover_mean"].max() <= 0.03


@pytest.mark.parametrize("spillover, message", [
    ({"wieght": 1.0}, r"spillover\.wieght: unknown key \(did you mean 'weight'\?\)"),
    ({"weight": -0.5}, r"spillover\.weight: must be >= 0"),
    ({"weight": "strong"}, r"spillover\.weight: must be a number"),
    ({"weight": 5000}, r"spillover\.weight: must be <= 1000"),
    ({"weight": 1.0, "scope": "county"}, r"spillover\.scope: must be one of \('state', 'nation'\)"),
    ("on", r"spillover: must be a table"),
])
def test_a_bad_spillover_table_is_refused_naming_the_key(tmp_path, spillover, message):
    from experiments.sweep.spec import SpecError

    with pytest.raises(SpecError, match=message):
        small_spec(tmp_path, spillover)


def test_outside_news_is_not_a_model_setting_of_the_panel_and_a_blank_state_is_refused(tmp_path):
    from experiments.panel import build_design
    from experiments.panel.counties import CountyTableError
    from experiments.sweep.spec import SpecError

    with pytest.raises(SpecError, match=r"model\.outside_news: is set per county .*\[spillover\]"):
        small_spec(tmp_path, model={"outside_news": "0.1"})
    spec = small_spec(tmp_path, {"weight": 1.0})
    small_table(tmp_path, rows={**ROWS, 5: (" ", 50000, 0.30, 30)})
    with pytest.raises(CountyTableError, match=r"county_id 5: no state"):
        build_design(spec)


# --- the panel: contaminated controls -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def two_panels(tmp_path_factory):
    """The small nation run twice, serially, with the same seeds: spillover on (weight 0.3) and off."""
    from experiments.panel import load_panel, run_panel

    out = {}
    for weight in (0.3, 0.0):
        folder = tmp_path_factory.mktemp(f"spill{weight}")
        spec = small_spec(folder, {"weight": weight}, reporters=["fear_mean_hispanic"])
        result = run_panel(spec, out=folder / "panel", workers=1, quiet=True)
        assert result.failed == 0
        out[weight] = (folder / "panel", load_panel(folder / "panel", "week"))
    return out


def test_the_controls_twins_fear_the_news_from_outside_before_their_own_activation(two_panels):
    """Counties the program has not reached yet hear of it next door: their twins (no program) grow more
    chilled with spillover than without, from the week the news starts, and not a week before. A county
    alone in its state hears nothing, and its runs are what they were."""
    (_, on), (_, off) = two_panels[0.3], two_panels[0.0]
    assert (on[["county_id", "week"]].to_numpy() == off[["county_id", "week"]].to_numpy()).all()
    waiting = on["week"] < on["activation_week"]
    contaminated, heard_on, heard_off = 0, [], []
    for cid in (1, 2, 3, 4):
        mine = (on["county_id"] == cid).to_numpy()
        news = on.loc[mine, "outside_news_level"].to_numpy()
        assert (off.loc[mine, "outside_news_level"] == 0).all() and news.max() > 0
        quiet = mine & (on["outside_news_level"] == 0).to_numpy() & (on["week"] < news.nonzero()[0][0] + 1).to_numpy()
        for col in ("chilled_share_hispanic_twin", "share_hispanic_adults_knows_detained_twin", "crimes_twin"):
            np.testing.assert_array_equal(on.loc[quiet, col], off.loc[quiet, col])  # the same until the news
        heard = mine & waiting.to_numpy() & (on["outside_news_level"] > 0).to_numpy()
        if heard.sum() >= 13:  # a quarter or more of news while not yet treated
            contaminated += 1
            heard_on.append(on.loc[heard, "fear_mean_hispanic_twin"].to_numpy())
            heard_off.append(off.loc[heard, "fear_mean_hispanic_twin"].to_numpy())
    assert contaminated >= 3  # counties 2, 3 and 4 wait at least a quarter with news from outside
    # Pooled over those weeks and counties, the twins fear more with the news. (Fear is the continuous stock
    # the news feeds; a county's own weeks are few draws of a weak channel, so one county's weeks alone, or
    # its chilled share, can show nothing: the news draws its audience from the county's stream.)
    assert np.concatenate(heard_on).mean() > np.concatenate(heard_off).mean()
    alone = (on["county_id"] == 5).to_numpy()
    assert (on.loc[alone, "outside_news_level"] == 0).all()
    for col in ("chilled_share_hispanic", "chilled_share_hispanic_twin", "crimes", "crimes_twin"):
        np.testing.assert_array_equal(on.loc[alone, col], off.loc[alone, col])


def test_the_report_states_the_spillover_setting(two_panels):
    from experiments.reports import build_panel_report

    text = build_panel_report(two_panels[0.3][0]).read_text()
    assert "Spillover: on, weight 0.3, scope `state`" in text and "## News from outside the county" in text
    assert "Fear crosses county lines" in text and "no spillovers in this panel" not in text
    assert "Spillover: off" in build_panel_report(two_panels[0.0][0]).read_text()
