"""The results store under a careless user and a hostile folder: it deletes only its own temporaries,
refuses folders it did not make, checks every finished run's files, and admits one driver at a time."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from experiments import build_report, load_results
from experiments.__main__ import main
from experiments.core.store import LOCK_NAME, TIMING_COLUMNS, NotAStore, Store
from experiments.sweep import run_sweep, sweep_status
from tests import sweep_models

sweep_models.register()
ROOT = Path(__file__).resolve().parents[1]
SMALL = """
name = "small"
replications = 2
seed = 4
steps = 8
event_log = true
outputs = ["removals_cumulative", "reporting_rate_undocumented"]
[fixed]
n_residents = 100
activation_week = 2
[parameters]
preset = ["pre_sc", "sc_full"]
"""


@pytest.fixture()
def small(tmp_path):
    spec = tmp_path / "small.toml"
    spec.write_text(SMALL)
    return spec


def stored(out):
    store = Store(out)
    return store.data(), store.events(), store.runs_table().drop(columns=[*TIMING_COLUMNS, "attempt"])


# --- defect 2: the store deletes only what it wrote, and adopts no folder ---

def test_the_store_deletes_only_its_own_temporaries(small, tmp_path):
    out = tmp_path / "out"
    run_sweep(small, out=out, workers=1, quiet=True)
    mine = out / "data" / ".p000000-r0000.parquet.store-tmp-0123456789abcdef"  # a killed writer's leftover
    theirs = [out / ".notes.tmp-1", out / "data" / ".draft.tmp-x", out / "analysis" / ".fig.tmp-2",
              out / "data" / ".x.store-tmp-short"]  # matched `.*.tmp-*`, which opening used to delete
    for p in [mine, *theirs]:
        p.parent.mkdir(exist_ok=True)
        p.write_text("keep me")
    again = run_sweep(small, out=out, workers=1, quiet=True)
    assert again.ran == 0 and not mine.exists()
    assert all(p.read_text() == "keep me" for p in theirs)


@pytest.mark.parametrize("content", [{"thesis.tex": "chapter 1"}, {"runs": None}, {".hidden": "x"}])
def test_a_non_empty_folder_that_is_not_a_sweep_is_refused(small, tmp_path, content):
    out = tmp_path / "mine"
    out.mkdir()
    for name, text in content.items():
        (out / name).mkdir() if text is None else (out / name).write_text(text)
    before = sorted(p.name for p in out.rglob("*"))
    with pytest.raises(NotAStore, match=f"^{out} is not empty .* holds no results"):
        run_sweep(small, out=out, workers=1, quiet=True)
    assert sorted(p.name for p in out.rglob("*")) == before  # nothing written, nothing deleted


def test_an_empty_folder_is_used(small, tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    assert run_sweep(small, out=out, workers=1, quiet=True).ran == 4


# --- defect 4: resume and status check every finished run's files ---

def test_damaged_runs_are_named_set_aside_and_redone(small, tmp_path, capsys):
    clean = tmp_path / "clean"
    run_sweep(small, out=clean, workers=1, quiet=True)
    out = tmp_path / "out"
    shutil.copytree(clean, out)
    data = out / "data" / "p000000-r0001.parquet"
    data.write_bytes(data.read_bytes()[: data.stat().st_size // 2])  # truncated
    (out / "events" / "p000001-r0000.parquet").unlink()  # deleted
    (out / "runs" / "p000001-r0001.json").write_text('{"run_id": "p000001-r0001", "stat')  # cut short

    status = sweep_status(out)
    assert status["ok"] == 1 and status["missing"] == 0
    problems = {d["run_id"]: d["problem"] for d in status["damaged"]}
    assert problems == {"p000000-r0001": problems["p000000-r0001"],
                        "p000001-r0000": "events/p000001-r0000.parquet is missing",
                        "p000001-r0001": "runs/p000001-r0001.json is not a readable JSON record"}
    assert problems["p000000-r0001"].startswith("data/p000000-r0001.parquet has ")
    assert main(["status", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "1/4 finished, 0 failed, 0 missing, 3 damaged" in printed
    assert "DAMAGED p000001-r0000: events/p000001-r0000.parquet is missing" in printed
    assert load_results(out)["run_id"].unique().tolist() == ["p000000-r0000"]  # damaged runs are left out

    result = run_sweep(small, out=out, workers=1, quiet=True)
    assert sorted(result.damaged) == sorted(problems) and result.ran == 3 and result.skipped == 1
    said = capsys.readouterr().err
    assert "run p000000-r0001 is damaged (data/p000000-r0001.parquet has " in said
    aside = sorted(p.name for p in (out / "damaged").iterdir())
    assert aside == ["p000000-r0001.1", "p000001-r0000.1", "p000001-r0001.1"]
    assert (out / "damaged" / "p000000-r0001.1" / "data-p000000-r0001.parquet").exists()
    assert sweep_status(out)["ok"] == 4 and not sweep_status(out)["damaged"]
    for a, b in zip(stored(out), stored(clean), strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert "Finished: 4; failed: 0; missing: 0." in build_report(out).read_text()


def test_a_damaged_table_is_named(small, tmp_path):
    out = tmp_path / "out"
    run_sweep(small, out=out, workers=1, quiet=True)
    points = out / "points.parquet"
    points.write_bytes(points.read_bytes()[:100])
    assert main(["report", str(out), "--quiet"]) == 2  # not an ArrowInvalid traceback
    run_sweep(small, out=out, workers=1, quiet=True)  # resume writes it again from the spec
    assert len(Store(out).points()) == 2
    (out / "manifest.json").write_text("{")
    with pytest.raises(Exception, match="manifest.json is damaged"):
        sweep_status(out)


# --- defect 7: one driver per folder ---

SLOW = """
name = "slow"
model = "sleeper"
replications = 3
steps = 20
outputs = ["x"]
[fixed]
marker_dir = "{markers}"
nap = 0.05
hold = "{hold}"
"""


def _driver(spec, out, *extra):
    return subprocess.Popen([sys.executable, "-m", "experiments", "run", str(spec), "--out", str(out), "--quiet",
                             "--model", "sleeper=tests.sweep_models:Sleeper", *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_second_driver_exits_at_once_and_a_dead_drivers_lock_is_taken_over(tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    spec = tmp_path / "slow.toml"
    hold = tmp_path / "hold"
    hold.touch()  # the first driver's run cannot finish until the second has been turned away
    spec.write_text(SLOW.format(markers=markers, hold=hold))
    out = tmp_path / "out"
    first = _driver(spec, out, "--workers", "1")
    try:
        deadline = time.monotonic() + 60
        while not list(markers.iterdir()) and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert first.poll() is None, first.stderr.read()
        holder = json.loads((out / LOCK_NAME).read_text())
        assert holder["pid"] == first.pid
        second = _driver(spec, out, "--workers", "1")
        _, err = second.communicate(timeout=60)
        assert second.returncode == 2
        assert err.strip() == (f"error: {out} is in use by another driver (pid {first.pid} on {holder['host']}, "
                               f"since {holder['since']}); wait for it to finish or stop it, then run again")
        assert first.poll() is None  # the first driver goes on, undisturbed
    finally:
        if first.poll() is None:
            os.kill(first.pid, signal.SIGKILL)
        first.wait()
        first.stdout.close()
        first.stderr.close()
    hold.unlink()
    third = _driver(spec, out, "--workers", "1")
    _, err = third.communicate(timeout=120)
    assert third.returncode == 0, err
    assert f"took over the lock left by pid {first.pid} on {holder['host']}" in err
    recs = Store(out).records()
    assert len(recs) == 3 and (recs["status"] == "ok").all() and (recs["attempt"] == 1).all()  # none computed twice
    assert (out / LOCK_NAME).read_text() == ""  # released cleanly


def test_a_received_folder_cannot_make_the_store_write_elsewhere(small, tmp_path):
    out = tmp_path / "received"
    run_sweep(small, out=out, workers=1, quiet=True)
    precious = tmp_path / "precious.txt"
    precious.write_text("mine")
    (out / LOCK_NAME).unlink()
    (out / LOCK_NAME).symlink_to(precious)  # the lock is truncated and written on every run
    with pytest.raises(NotAStore, match=r"symbolic links where its own files go \(.store.lock\)"):
        run_sweep(small, out=out, workers=1, quiet=True)
    (out / LOCK_NAME).unlink()
    (out / "report").mkdir()
    (out / "report" / "report.md").symlink_to(precious)
    assert main(["report", str(out), "--quiet"]) == 2
    assert precious.read_text() == "mine"
