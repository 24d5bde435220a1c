"""The report builds from a small sweep, with figures and tables that match the stored data."""

import re
from pathlib import Path

import pandas as pd
import pytest

from experiments import build_report, load_results, run_sweep
from experiments.sweep.analysis import bootstrap_interval, run_statistic
from tests import sweep_models

sweep_models.register()

SPECS = Path(__file__).resolve().parents[1] / "experiments" / "specs"
GRID = """
name = "grid"
replications = 2
seed = 8
steps = 30
outputs = ["removals_cumulative", "reporting_rate_undocumented", "fear_mean_undocumented"]
[fixed]
n_residents = 400
preset = "sc_full"
activation_week = 5
[parameters]
detainer_prob = { min = 0.4, max = 1.0, num = 2 }
ice_pickup_prob = { min = 0.4, max = 0.8, num = 2 }
"""
MORRIS = """
name = "morris"
model = "ishigami"
steps = 1
[parameters]
x1 = { min = -3.14159, max = 3.14159 }
x2 = { min = -3.14159, max = 3.14159 }
x3 = { min = -3.14159, max = 3.14159 }
[design]
method = "morris"
samples = 20
"""


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("smoke") / "smoke"
    run_sweep(SPECS / "smoke.toml", out=out, workers=1, quiet=True)
    return out, build_report(out)


def test_smoke_report_has_its_sections_and_figures(smoke):
    out, path = smoke
    text = path.read_text()
    for heading in ("## What ran", "## Final values", "## Over time", "## Before and after activation",
                    "## Policy comparison"):
        assert heading in text
    figures = re.findall(r"\]\((figures/[^)]+)\)", text)
    assert {Path(f).name for f in figures} >= {"timeseries.png", "timeseries.svg", "policy_comparison.png",
                                                "policy_comparison.svg"}
    for f in figures:
        assert (path.parent / f).stat().st_size > 1000
    assert "activation week 52" in text
    assert "Finished: 8; failed: 0; missing: 0." in text


def test_report_table_matches_the_data(smoke):
    out, path = smoke
    df = load_results(out)
    final = run_statistic(df, ["removals_cumulative"])
    table = pd.read_csv(path.parent / "tables" / "final_values.csv")
    row = table[(table["preset"] == "sc_full") & (table["policing_intensity"] == 2.0)
                & (table["output"] == "removals_cumulative")].iloc[0]
    values = final[(final["preset"] == "sc_full") & (final["policing_intensity"] == 2.0)]["removals_cumulative"]
    mean, lo, hi = bootstrap_interval(values)
    assert row["n"] == 2 and row["mean"] == pytest.approx(mean)
    assert row["ci_low"] == pytest.approx(lo) and row["ci_high"] == pytest.approx(hi)
    counts = table[table["output"].str.endswith("_cumulative")]
    assert (counts["ci_low"] >= 0).all(), "a count's interval goes below zero"


def test_grid_report_has_a_heatmap(tmp_path):
    spec = tmp_path / "grid.toml"
    spec.write_text(GRID)
    run_sweep(spec, out=tmp_path / "grid", workers=1, quiet=True)
    text = build_report(tmp_path / "grid").read_text()
    assert "## Two-parameter grid" in text and "heatmap_removals_cumulative.png" in text
    grid = pd.read_csv(tmp_path / "grid" / "report" / "tables" / "grid_removals_cumulative.csv")
    assert len(grid) == 4 and set(grid["detainer_prob"]) == {0.4, 1.0}


def test_morris_report_has_sensitivity(tmp_path):
    spec = tmp_path / "morris.toml"
    spec.write_text(MORRIS)
    run_sweep(spec, out=tmp_path / "m", workers=1, quiet=True)
    text = build_report(tmp_path / "m").read_text()
    assert "## Sensitivity" in text and "mu_star" in text and "sensitivity.svg" in text
    table = pd.read_csv(tmp_path / "m" / "report" / "tables" / "sensitivity.csv")
    x2 = table.set_index("parameter").loc["x2"]
    assert x2["mu_star"] > 5 and abs(x2["mu"]) < 1e-9  # 7 sin^2(x2) is even: effects cancel in mu, not mu*
    assert (table["mu_star"] > 1).all()


def test_load_results_is_tidy(smoke):
    out, _ = smoke
    from experiments.sweep.analysis import long_form

    df = load_results(out)
    assert not df.duplicated(["run_id", "step"]).any()
    assert {"run_id", "point_id", "replicate", "seed", "step", "preset", "policing_intensity"} <= set(df.columns)
    assert len(df) == 8 * 105 and df.groupby("run_id")["seed"].nunique().eq(1).all()
    long = long_form(df, ["removals_cumulative", "reporting_rate_undocumented"])
    assert len(long) == 2 * len(df) and set(long["output"]) == {"removals_cumulative", "reporting_rate_undocumented"}


def test_the_shipped_reach_spec_reports_the_panels_it_kept(tmp_path):
    """reach.toml keeps the outputs its question needs, not all of those behind the ripple's six panels (it has
    no crimes by victim group that the realized-reporting panel reads); its report draws the panels it has data
    for instead of failing (it raised KeyError). The shipped spec, made tiny."""
    text = (SPECS / "reach.toml").read_text()
    text = text.replace("n_residents = 50000", "n_residents = 400").replace("replications = 10", "replications = 2")
    text = text.replace("steps = 156", "steps = 70")
    spec = tmp_path / "reach.toml"
    spec.write_text(text)
    run_sweep(spec, out=tmp_path / "r", workers=1, quiet=True)
    report = build_report(tmp_path / "r").read_text()
    ripple = pd.read_csv(tmp_path / "r" / "report" / "tables" / "ripple.csv")
    assert {1, 2, 3, 4} <= set(ripple["panel"]), "the panels whose outputs the sweep kept"
    assert "## The ripple" in report and "## Effects against the baseline" in report
