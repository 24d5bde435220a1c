"""Reports a researcher can quote (issue 21): readable labels, the weeks every total covers, no floating-point
noise, captions that say what their figures pool, no text about sections a report does not have, and the
time the runs and the report took, written by the commands that measured it."""

import re

import pandas as pd
import pytest

from experiments import build_report, run_sweep
from experiments.reports.markdown import interval, md_table, number, plural
from tests import sweep_models

sweep_models.register()

CROSSED = """
name = "crossed"
replications = 2
seed = 5
common_random_numbers = true
steps = 40
[fixed]
n_residents = 400
activation_week = 14
[parameters]
preset = ["pre_sc", "sc_full"]
policing_intensity = [1.0, 2.0]
"""
PAIRED = """
name = "paired"
replications = 2
seed = 6
common_random_numbers = true
steps = 70
[fixed]
n_residents = 400
activation_week = 14
[parameters]
preset = ["pre_sc", "sc_full"]
[analysis]
baseline = "pre_sc"
effects = ["removals_cumulative", "reporting_rate_cohort_hispanic"]
"""
SOBOL = """
name = "sobol"
model = "ishigami"
steps = 1
[parameters]
x1 = { min = -3.14159, max = 3.14159 }
x2 = { min = -3.14159, max = 3.14159 }
x3 = { min = -3.14159, max = 3.14159 }
[design]
method = "sobol"
samples = 16
"""


def report_of(tmp_path, text, name):
    spec = tmp_path / f"{name}.toml"
    spec.write_text(text)
    out = tmp_path / name
    run_sweep(spec, out=out, workers=1, quiet=True)
    return out, build_report(out).read_text()


def test_numbers_are_rounded_at_display_and_differences_show_no_noise():
    assert number(-5.551e-17, scale=0.0096) == "0"
    assert interval(-0.004803, -0.009607, -5.551e-17) == "-0.004803 [-0.009607, 0]"
    assert number(-0.0) == "0" and number(12345.6) == "12,346" and number(float("nan")) == ""
    table = md_table(pd.DataFrame({"after - before": [0.012, -5.551e-17, -0.3]}))
    assert "e-17" not in table and "| 0 |" in table
    assert plural(1.0, "year") == "1 year" and plural(2.0, "year") == "2 years" and plural(0.5, "year") == "0.5 years"


@pytest.fixture(scope="module")
def crossed(tmp_path_factory):
    return report_of(tmp_path_factory.mktemp("crossed"), CROSSED, "crossed")


def test_a_crossed_sweep_reads_in_words(crossed):
    out, text = crossed
    assert "preset=" not in text and "policing_intensity=" not in text
    assert "No program, policing intensity 1" in text and "Full cooperation, policing intensity 2" in text
    assert "e-1" not in re.sub(r"!\[.*?\]\(.*?\)", "", text)  # no scientific-notation noise in any table


def test_the_funnel_has_a_panel_per_line_and_its_caption_counts_the_runs_it_pools(crossed):
    out, text = crossed
    funnel = pd.read_csv(out / "report" / "tables" / "funnel.csv")
    assert funnel["scenario"].nunique() == 4 and set(funnel["n"]) == {2}  # 2 presets x 2 intensities, 2 runs each
    caption = next(line for line in text.splitlines() if line.startswith("*From arrest to removal"))
    assert "per scenario" in caption and "mean total over the 2 runs of each panel" in caption


def test_every_total_in_a_table_says_its_weeks(crossed):
    out, text = crossed
    header = next(line for line in text.splitlines() if line.startswith("| preset | policing intensity"))
    totals = [c.strip() for c in header.split("|") if "(total" in c]
    assert totals and all("weeks 1-40" in c for c in totals), totals
    assert "Removals (total)" not in text


def test_the_report_records_the_time_its_runs_and_itself_took(crossed):
    out, text = crossed
    line = next(line for line in text.splitlines() if line.startswith("- Time:"))
    assert re.search(r"the 8 runs took [\d,]+ s of run time", line)
    assert re.search(r"the last session took [\d,]+ s from start to finish \(serial, 1 worker", line)
    assert re.search(r"this report took \d+ s to write\.$", line)


def test_effects_name_their_window_and_a_year_is_one_year(tmp_path):
    out, text = report_of(tmp_path, PAIRED, "paired")
    assert "**Week 66** (1 year after activation; totals over weeks 14-66)" in text
    assert not re.search(r"(?<![\d.])1 years", text)
    effects = text[text.index("## Effects against the baseline"):]
    assert re.search(r"\| Removals [^|]*\(total, weeks 14-66\) \|", effects)


def test_a_sensitivity_report_says_nothing_of_bars_it_does_not_have(tmp_path):
    out, text = report_of(tmp_path, SOBOL, "sobol")
    assert "## Sensitivity" in text and "## Policy comparison" not in text
    assert "policy comparison" not in text.lower()


def test_one_make_run_time_and_the_report_wrote_it():
    """The README quotes the time `make run` measured in its own report; the specs carry no timing of their own."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text()
    quoted = re.findall(r"the last session took [\d,]+ s from start to\s+finish \(processes, 2 worker\(s\)\); this "
                        r"report took \d+ s to write", readme)
    assert len(quoted) == 1
    assert len(re.findall(r"`make run` took \d+", readme)) == 0
    for name in ("policy_comparison.toml", "sensitivity.toml"):
        text = (root / "experiments" / "specs" / name).read_text()
        assert not re.search(r"\b\d+ s\b|minutes", text), name


def test_a_paired_sweep_without_the_door_flows_says_why_it_has_no_ripple(tmp_path):
    """The ripple counts ICE's detentions through its three doors: a sweep that kept other outputs only
    (like experiments/specs/reach.toml did) gets a line naming what is missing instead of a crash."""
    outputs = 'outputs = ["removals_cumulative", "reporting_rate_cohort_hispanic"]'
    text = PAIRED.replace("steps = 70", f"steps = 70\n{outputs}")
    _, report = report_of(tmp_path, text, "no_doors")
    ripple = report[report.index("## The ripple"):]
    assert "Not drawn" in ripple and "`ice_pickups_cumulative`" in ripple
