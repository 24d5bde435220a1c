"""The panel is identical serially, on 2 processes and on a real Dask cluster; resume after SIGKILL
loses nothing and duplicates nothing; status and report work from the command line."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from experiments.core.store import TIMING_COLUMNS
from experiments.panel import load_panel, panel_store, run_panel

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TABLE = ROOT / "experiments" / "data" / "counties_national.csv"
SPEC = f"""
name = "tiny_panel"
seed = 3
replications = 2
weeks = 104
start_date = "2008-01-07"
fraction = 0.01
batch_cost = 2000
[counties]
table = "{TABLE}"
sample = 16
[rollout]
window_start = "2008-07-07"
window_end = "2009-06-29"
[estimation]
outcomes = ["reporting_propensity_hispanic", "crime_rate"]
window = [-3, 3]
"""


def stored(out):
    runs = panel_store(out).runs_table().drop(columns=[*TIMING_COLUMNS, "cpu_time", "attempt"])
    return {"quarter": load_panel(out), "week": load_panel(out, "week"), "runs": runs,
            "file": pd.read_parquet(Path(out) / "panel_quarter.parquet")}


def assert_same(a, b):
    for key in ("quarter", "week", "runs", "file"):
        assert len(a[key]) > 0, key
        pd.testing.assert_frame_equal(a[key], b[key], check_exact=True, obj=key)


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "tiny.toml"
    path.write_text(SPEC)
    return path


@pytest.fixture(scope="module")
def serial(spec_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("serial") / "tiny"
    result = run_panel(spec_file, out=out, workers=1, quiet=True)
    assert result.executor == "serial" and result.failed == 0 and result.total >= 8
    return out, stored(out)


def test_the_panel_holds_every_county_week_with_outcomes_twins_activation_and_covariates(serial):
    out, s = serial
    q, w = s["quarter"], s["week"]
    assert len(w) == 16 * 104 * 2 and not w.duplicated(["replication", "county_id", "week"]).any()
    assert len(q) == 16 * 8 * 2 and not q.duplicated(["replication", "county_id", "quarter"]).any()
    for col in ("crime_rate", "crime_rate_twin", "reporting_hispanic_twin", "activation_week", "cohort",
                "event_quarter", "treated", "detainer_policy", "population", "hispanic_share", "border", "date"):
        assert col in q.columns, col
    before = w[w["week"] < w["activation_week"]]
    for name in ("crimes", "removals", "reporting_rate_hispanic"):  # the twin is the treated run before activation
        pd.testing.assert_series_equal(before[name], before[f"{name}_twin"], check_names=False)
    assert w.loc[w["active"], "detainers_issued"].sum() > 0 and w["detainers_issued_twin"].sum() == 0
    assert (q.groupby("replication")["crime_rate"].sum().diff().dropna() != 0).all()  # fresh randomness
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["spec"]["kind"] == "panel" and len(manifest["spec"]["table_sha256"]) == 64


def test_two_processes_match_serial(serial, spec_file, tmp_path):
    result = run_panel(spec_file, out=tmp_path / "tiny", workers=2, quiet=True)
    assert result.executor == "processes" and result.failed == 0
    pids = panel_store(tmp_path / "tiny").records()["pid"]
    assert pids.nunique() >= 2 and os.getpid() not in set(pids)
    assert_same(serial[1], stored(tmp_path / "tiny"))


def test_a_dask_cluster_matches_serial(serial, spec_file, dask_cluster, tmp_path):
    result = run_panel(spec_file, out=tmp_path / "tiny", scheduler=dask_cluster, quiet=True)
    assert result.executor == "dask" and result.failed == 0
    assert os.getpid() not in set(panel_store(tmp_path / "tiny").records()["pid"])
    assert_same(serial[1], stored(tmp_path / "tiny"))


def test_sigkill_of_the_driver_then_resume_loses_and_duplicates_nothing(serial, spec_file, tmp_path):
    out = tmp_path / "killed"
    driver = subprocess.Popen([sys.executable, "-m", "experiments", "panel", str(spec_file), "--out", str(out),
                               "--workers", "1", "--quiet"], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and driver.poll() is None:
        if len(list((out / "runs").glob("*.json"))) >= 3:
            break
        time.sleep(0.01)
    assert driver.poll() is None, driver.stderr.read().decode()
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    total = serial[1]["runs"].shape[0]
    finished = panel_store(out).finished()
    assert 3 <= len(finished) < total and not (out / "panel_quarter.parquet").exists()
    first = {r: (out / "data" / f"{r}.parquet").stat().st_mtime_ns for r in finished}

    result = run_panel(spec_file, out=out, workers=1, quiet=True)  # resume
    assert result.skipped == len(finished) and result.ran == total - len(finished) and result.failed == 0
    assert (panel_store(out).records()["attempt"] == 1).all()  # nothing ran twice to completion
    assert all((out / "data" / f"{r}.parquet").stat().st_mtime_ns == t for r, t in first.items())
    assert not list(out.rglob(".*.tmp-*"))
    assert_same(serial[1], stored(out))


def test_status_and_report_from_the_command_line(serial):
    out, _ = serial
    proc = subprocess.run([sys.executable, "-m", "experiments", "status", str(out)], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert "panel tiny_panel: 16 counties x 104 weeks x 2 replication(s); 3,328 county-weeks finished;" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "experiments", "report", str(out)], cwd=ROOT, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    report = (out / "report" / "report.md").read_text()
    for section in ("## The truth from the twins", "## Estimators against the truth", "## Bias and coverage"):
        assert section in report
    assert (out / "report" / "figures" / "event_study_crime_rate.png").exists()
    bc = pd.read_csv(out / "report" / "tables" / "bias_coverage.csv")
    assert set(bc["estimator"]) == {"twfe", "saturated", "did2s"} and set(bc["replications"]) == {2}
    assert bc["truth"].notna().all()
