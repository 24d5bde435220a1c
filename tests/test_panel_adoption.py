"""A jail's limit on detainers as a staggered treatment: each adopting county beside its twin that never adopts,
and the report's estimates of adopting against that truth."""

import numpy as np
import pandas as pd
import pytest

from experiments.panel import load_panel, run_panel

N = 14
SPEC = """
name = "tiny_adoption"
seed = 5
replications = 1
weeks = 104
start_date = "2013-01-07"
fraction = 1.0
min_residents = 20
batch_cost = 20000
[counties]
table = "{table}"
[rollout]
rule = "table"
window_start = "2013-01-07"
window_end = "2013-01-14"
[estimation]
outcomes = ["removal_rate"]
estimators = ["did2s"]
controls = ["not_yet"]
window = [-3, 3]
[adoption]
outcomes = ["removal_rate_convicted", "detainer_rate_convicted"]
"""


@pytest.fixture(scope="module")
def panel(tmp_path_factory):
    """Fourteen counties of 1,500, the program active from weeks 2-26; the even ones turn sanctuary in 2013-2014."""
    folder = tmp_path_factory.mktemp("adoption")
    ids = np.arange(1, N + 1)
    changes = ["2013-07-01", "2013-10-07", "2014-01-06", "2014-04-07", "2014-06-02", "2014-07-07", "2014-09-01"]
    table = pd.DataFrame({
        "county_id": ids, "population": 1500, "share_undocumented": 0.12, "share_lpr": 0.08,
        "share_naturalized": 0.1, "hispanic_share": 0.4, "border": False, "policing_intensity": 1.5,
        "detainer_policy": "full", "activation_week": 2 + 4 * (ids % 7),
        "policy_change_date": [changes[i // 2] if i % 2 == 0 else "" for i in range(N)],
        "detainer_policy_after": ["sanctuary" if i % 2 == 0 else "" for i in range(N)]})
    table.to_csv(folder / "counties.csv", index=False)
    (folder / "spec.toml").write_text(SPEC.format(table=folder / "counties.csv"))
    result = run_panel(folder / "spec.toml", out=folder / "out", workers=1, quiet=True)
    assert result.failed == 0
    return folder / "out"


def test_the_twin_that_never_adopts_is_the_county_until_its_jail_adopts(panel):
    w = load_panel(panel, "week")
    adopters = w[w["adoption_twin"]]
    assert adopters["county_id"].nunique() == N // 2
    before = adopters[adopters["week"] < adopters["adoption_week"]]
    for name in ("removals", "detainers_issued", "reporting_rate_hispanic"):
        pd.testing.assert_series_equal(before[name], before[f"{name}_stay"], check_names=False)
    after = adopters[adopters["week"] >= adopters["adoption_week"]]
    assert after["removals_stay"].sum() > after["removals"].sum()  # a jail that holds no one sends fewer to ICE
    others = w[~w["adoption_twin"]]
    assert (others["removals"] == others["removals_stay"]).all()  # a county that never adopts is its own twin


def test_the_report_estimates_adopting_against_the_truth(panel):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "experiments", "report", str(panel)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "## Adopting a limit on detainers" in (panel / "report" / "report.md").read_text()
    bc = pd.read_csv(panel / "report" / "tables" / "adoption_bias_coverage.csv")
    assert set(bc["outcome"]) == {"removal_rate_convicted", "detainer_rate_convicted"}
    assert set(bc["weights"]) == {"none", "population"}
    removals = bc[(bc["outcome"] == "removal_rate_convicted") & (bc["weights"] == "none")].iloc[0]
    assert removals["truth"] < 0 and np.isfinite(removals["estimate"])
