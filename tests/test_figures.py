"""The report's figures tell the story: the ripple, the funnel, the policy comparison and the time series
build from a small paired sweep, with the panels, names, windows and intervals the issue asks for. The
checks read the tidy tables behind each figure and the figure objects' titles and labels, not pixels."""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments import build_report, load_results, run_sweep
from experiments.reports import plots
from experiments.sweep import analysis
from experiments.sweep import story as story_tables
from model.labels import GROUP_LABELS, PRESET_ORDER, PRESET_SHORT

ROOT = Path(__file__).resolve().parents[1]
ACT, STEPS, N = 10, 40, 600
SPEC = f"""
name = "story"
replications = 4
seed = 11
common_random_numbers = true
steps = {STEPS}
[fixed]
n_residents = {N}
activation_week = {ACT}
[parameters]
preset = ["sc_sanctuary", "pre_sc", "sc_full"]
[analysis]
baseline = "pre_sc"
effects = ["removals_cumulative", "separated_households_cumulative", "reporting_rate_cohort_hispanic",
           "victimizations_hispanic_cumulative", "share_hispanic_adults_knows_detained"]
"""


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """A small paired sweep and its report; every figure's titles and labels as drawn."""
    folder = tmp_path_factory.mktemp("story")
    (folder / "story.toml").write_text(SPEC)
    out = folder / "story"
    run_sweep(folder / "story.toml", out=out, workers=1, quiet=True)
    drawn, save = {}, plots.save

    def spy(fig, where, name):
        drawn[name] = [{"title": ax.get_title(loc="left") or ax.get_title(), "ylabel": ax.get_ylabel(),
                        "xlabel": ax.get_xlabel(), "xscale": ax.get_xscale(),
                        "xticks": [t.get_text() for t in ax.get_xticklabels()],
                        "yticks": [t.get_text() for t in ax.get_yticklabels()],
                        "legend": [t.get_text() for t in ax.get_legend().get_texts()] if ax.get_legend() else []}
                       for ax in fig.axes]
        drawn[name + ":legend"] = [t.get_text() for lg in fig.legends for t in lg.get_texts()]
        return save(fig, where, name)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(plots, "save", spy)
        path = build_report(out)
    tables = path.parent / "tables"
    return {"out": out, "report": path, "text": path.read_text(), "drawn": drawn,
            "ripple": pd.read_csv(tables / "ripple.csv"), "funnel": pd.read_csv(tables / "funnel.csv"),
            "effects": pd.read_csv(tables / "effects.csv"), "df": load_results(out)}


def test_the_figures_are_built_and_linked(story):
    text = story["text"]
    for name in ("ripple", "funnel", "policy_comparison", "timeseries"):
        for ext in ("png", "svg"):
            f = story["report"].parent / "figures" / f"{name}.{ext}"
            assert f.stat().st_size > 1000 and f"figures/{name}.{ext}" in text
    # the story comes first, right after what ran
    heads = re.findall(r"^## (.+)$", text, flags=re.M)
    assert heads[:3] == ["What ran", "The ripple", "The funnel"]
    assert "**In one sentence:**" in text


def test_no_caption_shows_an_unfilled_placeholder(story):
    """Every caption's names are filled in (a missing f-prefix once printed "{plots.hue_label(...)}")."""
    import re

    assert not re.findall(r"\{[A-Za-z_][\w.]*(\([^)]*\))?\}", story["text"])


def test_the_ripple_has_its_six_panels_in_order(story):
    rip = story["ripple"]
    titles = rip.drop_duplicates("panel").sort_values("panel")["title"].tolist()
    assert [t.split(".")[0] for t in titles] == ["1", "2", "3", "4", "5", "6"]
    for t, words in zip(titles, ("Detained by ICE", "know someone detained", "Chilled", "Would report a crime",
                                 "crimes reported", "Victimization"), strict=True):
        assert words.lower() in t.lower()
    assert all("change from No program" in t for t in titles[3:])
    # the figure draws those panels, with units on the y axes, and marks activation
    drawn = story["drawn"]["ripple"]
    assert [a["title"] for a in drawn] == titles
    assert [a["ylabel"] for a in drawn] == rip.drop_duplicates("panel").sort_values("panel")["unit"].tolist()
    # by group, with the shared names; levels for both presets, changes for the focus preset
    chilled = rip[rip["panel"] == 3]
    assert {s.split(",")[0] for s in chilled["series"]} == {GROUP_LABELS[g] for g in story_tables.RIPPLE_CHILLED}
    assert set(chilled["preset"]) == {"sc_full", "pre_sc"}
    for p in (4, 5, 6):
        part = rip[rip["panel"] == p]
        assert set(part["preset"]) == {"sc_full"}
        assert set(part["series"]) == {GROUP_LABELS[g] for g in analysis.VICTIM_GROUPS}
    assert set(rip[rip["panel"] == 1]["series"]) == {PRESET_SHORT["sc_full"], PRESET_SHORT["pre_sc"]}
    # every week is there and the intervals hold their means
    assert set(rip[rip["panel"] == 4]["step"]) == set(range(STEPS + 1))
    bounded = rip.dropna(subset=["ci_low", "ci_high"])  # a ratio has no interval until two runs have victims
    assert len(bounded) > 0.9 * len(rip)
    assert ((bounded["ci_low"] <= bounded["mean"] + 1e-9) & (bounded["mean"] <= bounded["ci_high"] + 1e-9)).all()
    # levels are shares and rates that cannot be negative: nor can their intervals
    assert (rip[rip["panel"] <= 3]["ci_low"] >= 0).all()


def undocumented_at_start(df, column="undocumented_present") -> pd.Series:
    """Undocumented residents in each run's county at week 0, as the spin-up left it (by replicate: the
    presets share a county under common random numbers)."""
    start = df[df["step"] == 0]
    counts = start.groupby("replicate")[column].agg(["min", "max"])
    assert (counts["min"] == counts["max"]).all()  # the same county for every preset
    return counts["min"]


def residents_at_start(df) -> pd.Series:
    """Residents present at week 0 (fewer than n_residents: some are abroad after a removal in the spin-up)."""
    return undocumented_at_start(df, "residents_present")


def test_the_ripple_numbers_are_the_data(story):
    df, rip = story["df"], story["ripple"]
    last = df[df["step"] == STEPS]
    # panel 1: detentions through the three doors per 1,000 undocumented (as drawn at week 0)
    full = last[last["preset"] == "sc_full"]
    undocumented = undocumented_at_start(df).reindex(full["replicate"]).to_numpy()
    det = full[[f"{f}_cumulative" for f in story_tables.DOOR_FLOWS]].sum(axis=1) * 1000 / undocumented
    row = rip[(rip["panel"] == 1) & (rip["preset"] == "sc_full") & (rip["step"] == STEPS)].iloc[0]
    assert row["mean"] == pytest.approx(det.mean())
    # panel 4: the paired change of the fixed cohort's reporting, in percentage points
    base = last[last["preset"] == "pre_sc"].set_index("replicate")["reporting_rate_cohort_hispanic"]
    diff = full.set_index("replicate")["reporting_rate_cohort_hispanic"] - base
    row = rip[(rip["output"] == "reporting_rate_cohort_hispanic") & (rip["step"] == STEPS)].iloc[0]
    assert row["mean"] == pytest.approx(100 * diff.mean())
    mean, lo, hi = analysis.bootstrap_interval(100 * diff.to_numpy())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi))
    # common random numbers: before activation the paired change is exactly zero
    before = rip[(rip["panel"] == 4) & (rip["step"] < ACT)]
    assert np.allclose(before["mean"], 0)


def test_the_funnel_has_the_stages_and_doors_per_preset(story):
    fun = story["funnel"]
    stages = [f for f, _ in story_tables.FUNNEL_STAGES]
    for _, g in fun.groupby("preset"):
        assert g.sort_values("stage")["flow"].tolist() == stages
    assert set(fun["branch"]) == {"pathway", "sc", "at_large", "background", "all"}
    assert (fun["window"] == f"weeks {ACT}-{STEPS}").all()
    assert (fun["ci_low"] >= 0).all()  # counts: bootstrap intervals never below zero
    # per 1,000 residents and per 1,000 undocumented beside the counts
    residents = residents_at_start(story["df"]).mean()
    assert residents <= N and np.allclose(fun["mean_per_1000_residents"], fun["mean"] * 1000 / residents)
    undocumented = undocumented_at_start(story["df"]).mean()
    assert np.allclose(fun["mean_per_1000_undocumented"], fun["mean"] * 1000 / undocumented)
    flows = fun.set_index(["preset", "flow"])["mean"]
    assert flows["pre_sc", "detainers_issued"] == 0 and flows["sc_sanctuary", "detainers_honored"] == 0
    # the totals are counted over the window, from the data
    df = story["df"]
    run = df[df["preset"] == "sc_full"]
    w = (run[run["step"] == STEPS].set_index("replicate")["arrests_cumulative"]
         - run[run["step"] == ACT - 1].set_index("replicate")["arrests_cumulative"])
    assert flows["sc_full", "arrests"] == pytest.approx(w.mean())
    removals = fun[fun["flow"].str.startswith("removals_")].groupby("preset")["mean"].sum()
    assert np.allclose(removals, fun[fun["flow"] == "removals"].set_index("preset")["mean"].loc[removals.index])
    # one panel per preset, in policy order, named for people
    titles = [a["title"] for a in story["drawn"]["funnel"] if a["title"]]
    assert titles == [PRESET_SHORT[p] for p in PRESET_ORDER if p in set(fun["preset"])]
    assert "Arrests" in story["drawn"]["funnel"][0]["yticks"]
    # arrests (thousands) and removals (tens) share an axis: a log scale keeps the removal bars readable
    assert all(a["xscale"] == "symlog" and "log scale" in a["xlabel"] for a in story["drawn"]["funnel"] if a["title"])


def test_effects_are_paired_with_windows_and_rates(story):
    eff = story["effects"]
    assert set(eff["preset"]) == {"sc_full", "sc_sanctuary"}
    assert {"realized_reporting_hispanic_window", "clearance_rate_window",
            "victimization_rate_hispanic_window"} <= set(eff["output"])
    rem = eff[eff["output"] == "removals_cumulative"].iloc[0]
    assert rem["window"] == f"weeks {ACT}-{rem['week']}"
    assert rem["difference_per_1000_undocumented"] == pytest.approx(
        rem["difference"] * 1000 / undocumented_at_start(story["df"]).mean())
    # residents in the county at week 0, as the spin-up left it (a few may be away after a removal)
    assert rem["difference_per_1000_residents"] == pytest.approx(
        rem["difference"] * 1000 / undocumented_at_start(story["df"], "residents_present").mean())
    text = story["text"]
    assert "per 1,000 undocumented" in text and "percentile bootstrap" in text


def test_names_and_order_are_the_shared_vocabulary(story):
    drawn = story["drawn"]
    pc = drawn["policy_comparison"]
    present = [p for p in PRESET_ORDER if p in {"sc_sanctuary", "pre_sc", "sc_full"}]
    assert pc[0]["xticks"] == [PRESET_SHORT[p] for p in present]
    assert pc[2]["xticks"] == [PRESET_SHORT[p] for p in present if p != "pre_sc"]  # change from the baseline
    assert "change from No program" in pc[2]["title"] and pc[2]["ylabel"] == "percentage points"
    assert all(f"weeks {ACT}-{STEPS}" in a["title"] for a in pc[:2])
    ts = drawn["timeseries"]
    assert all("_" not in a["title"] for a in ts if a["title"])
    assert len({a["ylabel"] for a in ts}) > 1 and not any("CI band" in a["ylabel"] for a in ts)
    assert drawn["timeseries:legend"] == [PRESET_SHORT[p] for p in present]
    assert not hasattr(plots, "LEVELS") and not hasattr(plots, "REPORTING")
    # tables name presets for people, in policy order
    final = story["text"].split("## Final values")[1].split("##")[0]
    rows = [r.split("|")[1].strip() for r in final.splitlines() if r.startswith("| ") and "---" not in r][1:]
    assert rows == [PRESET_SHORT[p] for p in present]


def test_every_caption_states_its_interval_and_window(story):
    captions = re.findall(r"^\*(.+)\* \(\[SVG\]", story["text"], flags=re.M)
    assert len(captions) >= 4
    for c in captions:
        assert "bootstrap" in c, c
        assert re.search(r"weeks? \d", c), c


def test_final_values_give_counts_per_1000(story):
    table = pd.read_csv(story["report"].parent / "tables" / "final_values.csv")
    rem = table[table["output"] == "removals_cumulative"]
    undocumented = undocumented_at_start(story["df"]).mean()
    assert np.allclose(rem["mean_per_1000_undocumented"], rem["mean"] * 1000 / undocumented)
    assert np.allclose(rem["mean_per_1000_residents"], rem["mean"] * 1000 / residents_at_start(story["df"]).mean())
    assert table[~table["output"].str.endswith("_cumulative")]["mean_per_1000_residents"].isna().all()
    assert "Removals per 1,000 undocumented residents" in story["text"]


def test_counts_have_no_negative_intervals(story):
    table = pd.read_csv(story["report"].parent / "tables" / "timeseries.csv")
    counts = table[table["output"].str.endswith("_cumulative")]
    assert len(counts) and (counts["ci_low"] >= 0).all()
    assert analysis.bootstrap_interval([0] * 9 + [50])[1] >= 0


def test_the_readme_leads_with_the_figure_make_run_makes():
    """README: the ripple from `make run`, its sentence with a number and the command that produced it."""
    text = (ROOT / "README.md").read_text()
    first_image = re.search(r"!\[[^\]]*\]\(([^)]+)\)", text).group(1)
    assert first_image == "docs/img/ripple.png" and (ROOT / first_image).is_file()
    assert "results/policy_comparison/report/figures/ripple.png" in text and "make run" in text
    report = ROOT / "results" / "policy_comparison" / "report"
    if not (report / "figures" / "ripple.png").is_file():
        pytest.skip("run `make run` to compare the README with what it produces")
    sentence = re.search(r"\*\*In one sentence:\*\* (.+)", (report / "report.md").read_text()).group(1)
    numbers = re.findall(r"\d+\.\d+ to \d+\.\d+|\d+\.\d+ percentage points|\d+(?:\.\d+)?%", sentence)
    assert len(numbers) >= 5
    stale = [n for n in numbers if n not in text]
    assert not stale, f"README's numbers differ from the report's {stale}: refresh them from `make run`"


def test_effects_fall_back_to_totals_from_week_1_when_the_week_before_activation_is_not_kept(tmp_path):
    """A sweep that keeps only a few weeks (pathway.toml keeps the last) still gets its effects table."""
    spec = tmp_path / "sparse.toml"
    spec.write_text(f"""
name = "sparse"
replications = 2
seed = 3
common_random_numbers = true
steps = 30
collect_every = 15
outputs = ["removals_cumulative", "ice_pickups_cumulative", "reporting_rate_cohort_hispanic"]
[fixed]
n_residents = 400
activation_week = {ACT}
[parameters]
preset = ["sc_full", "pre_sc"]
[analysis]
baseline = "sc_full"
effects = ["removals_cumulative", "ice_pickups_cumulative"]
""")
    run_sweep(spec, out=tmp_path / "s", workers=1, quiet=True)
    text = build_report(tmp_path / "s").read_text()
    assert "## Effects against the baseline" in text and "count from week 1" in text
    assert "## The ripple" not in text  # it needs every week from activation
    eff = pd.read_csv(tmp_path / "s" / "report" / "tables" / "effects.csv")
    assert set(eff["window"]) == {"weeks 1-30"}
