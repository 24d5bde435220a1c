"""Resume after SIGKILL of the driver, and failures recorded while the sweep goes on."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from experiments.core.store import TIMING_COLUMNS, Store
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
    from experiments.core.store import StoreMismatch

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


# --- defect 3: a run that kills its own worker ---

POISON = """
name = "poison"
model = "poison"
replications = 3
steps = 25
outputs = ["x"]
[fixed]
marker_dir = "{markers}"
[parameters]
poison = [false, true]
"""


def _cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "experiments", *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, **kwargs)


def test_a_run_that_kills_its_worker_is_retried_then_recorded_and_blames_no_one_else(tmp_path):
    markers = tmp_path / "deaths"
    markers.mkdir()
    spec = tmp_path / "poison.toml"
    spec.write_text(POISON.format(markers=markers))
    out = tmp_path / "out"
    flags = ["--workers", "2", "--retries", "1", "--quiet", "--model", "poison=tests.sweep_models:Poison"]
    # Two workers: innocent p000000-r0002 (half a second) is in flight while the poison runs kill the other
    # worker again and again; it must not be blamed for their deaths.
    first = _cli("run", spec, "--out", out, *flags, timeout=300)
    assert first.returncode == 3, first.stderr  # finished, with failures: the driver was not killed
    recs = Store(out).records().set_index("run_id")
    innocent, poisoned = recs[recs["point_id"] == 0], recs[recs["point_id"] == 1]
    assert (innocent["status"] == "ok").all() and (innocent["worker_deaths"] == 0).all() and len(innocent) == 3
    assert (poisoned["status"] == "failed").all() and len(poisoned) == 3
    assert poisoned["error"].eq("worker died: signal 9 (SIGKILL) (tried 2 times)").all()
    assert len(list(markers.iterdir())) == 3 * 2  # each poison run tried twice (1 retry), no more

    # Resume: the first pending run is a poison run. Run in the driver (as the old pilot run was), it would
    # kill the driver (return code -9); in a worker it only costs that worker.
    again = _cli("run", spec, "--out", out, *flags, timeout=300)
    assert again.returncode == 3, again.stderr
    assert len(list(markers.iterdir())) == 3 * 4
    assert "3 runs this session (3 failed), 3 already finished" in again.stdout
    status = _cli("status", out)
    assert "3/6 finished, 3 failed, 0 missing" in status.stdout


# --- defect 6: the workers end with the driver ---

SLEEPY = """
name = "sleepy"
model = "sleeper"
replications = 4
steps = 400
outputs = ["x"]
[fixed]
marker_dir = "{markers}"
nap = 0.1
"""


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_killing_the_driver_takes_its_workers_with_it(tmp_path, sig):
    import psutil

    markers = tmp_path / "started"
    markers.mkdir()
    spec = tmp_path / "sleepy.toml"
    spec.write_text(SLEEPY.format(markers=markers))
    out = tmp_path / "out"
    driver = subprocess.Popen([sys.executable, "-m", "experiments", "run", str(spec), "--out", str(out), "--quiet",
                               "--workers", "2", "--model", "sleeper=tests.sweep_models:Sleeper"],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    family = []
    try:
        deadline = time.monotonic() + 60
        while len(list(markers.iterdir())) < 2 and driver.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert driver.poll() is None, driver.stderr.read()
        family = psutil.Process(driver.pid).children(recursive=True)  # forkserver, workers, resource tracker
        workers = {int(p.name.split("-")[1]) for p in markers.iterdir()}
        assert workers <= {p.pid for p in family} and len(workers) == 2
        os.kill(driver.pid, sig)
        code = driver.wait(timeout=60)
        err = driver.stderr.read()
        deadline = time.monotonic() + 30  # how long we are willing to wait, not a timing claim
        while time.monotonic() < deadline and any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE
                                                  for p in family):
            time.sleep(0.05)
        alive = [(p.pid, p.name()) for p in family if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        assert not alive, f"left running after the driver died: {alive}"
        if sig == signal.SIGTERM:  # a clean shutdown: a message, the lock released, the store readable
            assert code == 128 + signal.SIGTERM
            assert err.strip() == ("interrupted by SIGTERM: finished runs are kept; run the same command again to "
                                   "resume")
            assert (out / ".store.lock").read_text() == ""
        else:
            assert code == -signal.SIGKILL
        assert sweep_status(out)["missing"] == 4
    finally:
        for p in [*family, psutil.Process(driver.pid) if driver.poll() is None else None]:
            if p is not None:
                try:
                    p.kill()
                except psutil.NoSuchProcess:
                    pass
        if driver.poll() is None:
            driver.wait()
        driver.stderr.close()
