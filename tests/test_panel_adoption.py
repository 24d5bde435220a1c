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


# residents, activation week, the jail's policy (a schedule), the adoption twin's policy (None: no twin asked)
STAYS = ((600, 5, "full;sanctuary@20", "full"),  # adopts after activation
         (1200, 8, "full;trust_act@25", "full"),  # large: runs alone
         (500, 30, "full;sanctuary@10", "full"),  # adopts before the program reaches it: the same until then
         (400, 60, "full;sanctuary@12", "full"),  # not reached within the 40 weeks: its adoption twin is itself
         (700, 4, "full", None),  # no adoption twin
         (450, 3, "hennessey;sanctuary@2", "hennessey"))  # adopts in week 2


def test_an_adoption_twin_started_from_its_treated_run_equals_one_run_from_its_start(monkeypatch):
    """A county's twin that never adopts a limit is its treated run until the jail's first change of policy can
    act (the program must have reached the county), so it starts from the treated run's snapshot at the week
    before (``run_counties``), with the same numbers as the adoption twin run from its own start (``run_stays``),
    stepped together or alone, with a burn-in or without; and the treated run and its twin are unchanged."""
    import experiments.panel.tasks as tasks
    from experiments.panel.design import shift_weeks
    from experiments.panel.outcomes import WEEKLY

    monkeypatch.setattr(tasks, "ALONE_FROM", 1000)
    base = {"share_undocumented": 0.12, "share_lpr": 0.08, "share_naturalized": 0.1, "hispanic_share_others": 0.4,
            "policing_intensity": 1.5, "sharing_active": True}
    for burn in (0, 6):
        counties, stays = [], []
        for i, (n, activation, policy, stay) in enumerate(STAYS):
            params = {**base, "n_residents": n, "activation_week": activation, "detainer_policy": policy}
            counties.append((i, 40 + i, shift_weeks(params, burn)))
            stays.append(None if stay is None else shift_weeks({**params, "detainer_policy": stay}, burn))
        task = tasks.PanelTask(run_id="r0-b0", point_id=0, replicate=0, seed=1, counties=tuple(counties), weeks=40,
                               reporters=WEEKLY, cost=1.0, burn_in=burn, stay=tuple(stays))
        shared = [None if s is None else tasks.stay_weeks(p, s, burn + 40)
                  for (_, _, p), s in zip(counties, stays, strict=True)]
        assert shared == [19 + burn, 24 + burn, 29 + burn, 40 + burn, None, 2 + burn]
        results, from_start = tasks.run_counties(task), tasks.run_stays(task)
        for (_cid, seed, p), (treated, twin, stay), alone in zip(counties, results, from_start, strict=True):
            one = tasks.run_county(p, seed, 40, WEEKLY, burn_in=burn)
            assert (stay is None) == (alone is None)
            for name in WEEKLY:
                np.testing.assert_array_equal(treated[name], one[0][name])
                np.testing.assert_array_equal(twin[name], one[1][name])
                if alone is not None:
                    np.testing.assert_array_equal(stay[name], alone[name])


def test_a_task_none_of_whose_counties_adopts_runs_no_adoption_twin():
    """A task of counties that never adopt a limit, in a panel that asks for adoption twins, runs their treated
    runs and twins and no third world (before, stepping its empty batch of adoption twins never ended)."""
    from experiments.panel.outcomes import WEEKLY
    from experiments.panel.tasks import PanelTask, advance_models, run_counties, run_county, run_stays

    advance_models([], 10, WEEKLY, 0)  # returns at once
    params = {"n_residents": 300, "activation_week": 4, "sharing_active": True}
    task = PanelTask(run_id="r0-b0", point_id=0, replicate=0, seed=1, counties=((1, 7, params),), weeks=12,
                     reporters=WEEKLY, cost=1.0, stay=(None,))
    assert run_stays(task) == [None]
    (treated, twin, stay), = run_counties(task)
    assert stay is None
    one = run_county(params, 7, 12, WEEKLY)
    np.testing.assert_array_equal(treated["removals"], one[0]["removals"])
    np.testing.assert_array_equal(twin["removals"], one[1]["removals"])
