"""Resume after SIGKILL of the driver, and failures recorded while the sweep goes on."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from experiments.store import TIMING_COLUMNS, Store
from experiments.sweep import run_sweep, sweep_status
from tests import sweep_models

sweep_models.register()

ROOT = Path(__file__).resolve().parents[1]
KILL_SPEC = """
name = "killed"
replications = 4
seed = 5
steps = 156
[fixed]
n_residents = 3000
[parameters]
preset = ["sc_full", "sc_sanctuary", "pep_2015", "eo_2017"]
"""
FAIL_SPEC = """
name = "failing"
model = "fails_at_high_fear"
replications = 2
seed = 3
steps = 10
outputs = ["removals_cumulative", "fear_mean_undocumented"]
[fixed]
n_residents = 300
[parameters]
fear_sensitivity = [0.5, 1.0, 2.5]
"""


def comparable(out):
    store = Store(out)
    return store.data(), store.runs_table().drop(columns=[*TIMING_COLUMNS, "attempt"])


def test_sigkill_of_the_driver_then_resume_loses_and_duplicates_nothing(tmp_path):
    spec = tmp_path / "killed.toml"
    spec.write_text(KILL_SPEC)
    out = tmp_path / "out"
    driver = subprocess.Popen([sys.executable, "-m", "experiments", "run", str(spec), "--out", str(out),
                               "--workers", "1", "--quiet"], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and driver.poll() is None:
        if len(list((out / "runs").glob("*.json"))) >= 3:
            break
        time.sleep(0.02)
    assert driver.poll() is None, driver.stderr.read().decode()
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    before = sweep_status(out)
    assert 3 <= before["ok"] < 16 and before["missing"] == 16 - before["ok"]
    finished_first = Store(out).finished()
    first = {r: (out / "data" / f"{r}.parquet").stat().st_mtime_ns for r in finished_first}

    result = run_sweep(spec, out=out, workers=1, quiet=True)  # resume
    assert result.skipped == before["ok"] and result.ran == 16 - before["ok"] and result.failed == 0
    after = sweep_status(out)
    assert after["ok"] == 16 and after["missing"] == 0 and after["failed"] == 0
    for rec in Store(out).records().itertuples():
        assert rec.attempt == 1  # nothing ran twice to completion
    assert all((out / "data" / f"{r}.parquet").stat().st_mtime_ns == t for r, t in first.items())  # not redone
    assert not list(out.rglob("*store-tmp*"))

    data, runs = comparable(out)
    assert not data.duplicated(["run_id", "step"]).any()
    assert data.groupby("run_id").size().eq(157).all() and data["run_id"].nunique() == 16
    clean = tmp_path / "clean"
    run_sweep(spec, out=clean, workers=1, quiet=True)
    ref_data, ref_runs = comparable(clean)
    pd.testing.assert_frame_equal(data, ref_data, check_exact=True)
    pd.testing.assert_frame_equal(runs, ref_runs, check_exact=True)


@pytest.fixture()
def failing(tmp_path):
    spec = tmp_path / "failing.toml"
    spec.write_text(FAIL_SPEC)
    return spec, tmp_path / "out"


def test_a_failing_point_is_recorded_and_the_rest_completes(failing):
    spec, out = failing
    result = run_sweep(spec, out=out, workers=1, quiet=True)
    assert result.failed == 2 and result.ran == 6
    runs = Store(out).runs_table()
    bad = runs[runs["status"] == "failed"]
    assert set(bad["fear_sensitivity"]) == {2.5} and len(bad) == 2
    assert bad["error"].str.contains("RuntimeError: deliberate failure").all()
    assert bad["traceback"].str.contains("Traceback").all() and bad["traceback"].str.contains("sweep_models").all()
    assert (runs.loc[runs["status"] == "ok", "fear_sensitivity"] < 2).sum() == 4
    data = Store(out).data()
    assert data["run_id"].nunique() == 4 and set(data["run_id"]) == set(runs.loc[runs["status"] == "ok", "run_id"])
    assert (out / "runs.parquet").exists()

    again = run_sweep(spec, out=out, workers=1, quiet=True)  # resume redoes the failed runs only
    assert again.skipped == 4 and again.ran == 2 and again.failed == 2
    recs = Store(out).records().set_index("run_id")
    assert set(recs.loc[recs["status"] == "failed", "attempt"]) == {2}
    assert set(recs.loc[recs["status"] == "ok", "attempt"]) == {1}


def test_cli_status_lists_the_failures(failing):
    spec, out = failing
    proc = subprocess.run([sys.executable, "-m", "experiments", "run", str(spec), "--out", str(out), "--quiet",
                           "--model", "fails_at_high_fear=tests.sweep_models:FailsAtHighFear"],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 3  # finished, with failures
    proc = subprocess.run([sys.executable, "-m", "experiments", "status", str(out)], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert "4/6 finished, 2 failed, 0 missing" in proc.stdout
    assert "FAILED p000002-r0000: RuntimeError: deliberate failure" in proc.stdout


def test_another_spec_cannot_resume_into_the_same_folder(failing, tmp_path):
    spec, out = failing
    run_sweep(spec, out=out, workers=1, quiet=True)
    other = tmp_path / "other.toml"
    other.write_text(FAIL_SPEC.replace("seed = 3", "seed = 4"))
    from experiments.store import StoreMismatch

    with pytest.raises(StoreMismatch, match="different spec"):
        run_sweep(other, out=out, workers=1, quiet=True)


def test_sigkill_of_a_pool_worker_reruns_only_its_runs(tmp_path):
    marker = tmp_path / "died"
    spec = tmp_path / "dies.toml"
    spec.write_text(f"""
name = "dies"
model = "dies_once"
replications = 3
steps = 4
[fixed]
marker = "{marker}"
[parameters]
die = [false, true]
""")
    result = run_sweep(spec, out=tmp_path / "out", workers=2, quiet=True)
    assert marker.exists()  # a worker really was killed
    assert result.failed == 0 and result.ran == 6
    recs = Store(tmp_path / "out").records()
    assert len(recs) == 6 and (recs["status"] == "ok").all() and (recs["attempt"] == 1).all()
    dying = recs[recs["point_id"] == 1]  # die = true: one of these killed its worker, then ran again
    assert int(marker.read_text()) not in set(dying["pid"])
    data = Store(tmp_path / "out").data()
    assert not data.duplicated(["run_id", "step"]).any() and data["run_id"].nunique() == 6
