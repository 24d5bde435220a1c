"""The same spec gives identical stored results serially, on 2 local processes and on a real Dask cluster."""

import os
import sys
from pathlib import Path

import pandas as pd
import pytest

from experiments.core.store import TIMING_COLUMNS, Store
from experiments.sweep import run_sweep
from experiments.sweep.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SPEC = """
name = "same"
replications = 2
seed = 99
steps = 40
collect_every = 3
event_log = true
[fixed]
n_residents = 600
activation_week = 8
[parameters]
preset = ["pre_sc", "sc_full", "eo_2017"]
policing_intensity = [1.0, 2.0]
"""


def stored(out):
    """Everything a sweep stored, minus what legitimately differs between executions."""
    store = Store(out)
    runs = store.runs_table().drop(columns=[*TIMING_COLUMNS, "attempt"])
    manifest = store.manifest()
    return {"data": store.data(), "events": store.events(), "runs": runs, "points": store.points(),
            "spec": manifest["spec"], "fingerprint": manifest["fingerprint"]}


def assert_same(a, b):
    for key in ("data", "events", "runs", "points"):
        assert len(a[key]) > 0, key
        pd.testing.assert_frame_equal(a[key], b[key], check_exact=True, obj=key)
    assert a["spec"] == b["spec"] and a["fingerprint"] == b["fingerprint"]


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "same.toml"
    path.write_text(SPEC)
    return path


@pytest.fixture(scope="module")
def serial(spec_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("serial") / "same"
    result = run_sweep(spec_file, out=out, workers=1, quiet=True)
    assert result.executor == "serial" and result.failed == 0 and result.ran == 12
    return stored(out)


def test_two_processes_match_serial(serial, spec_file, tmp_path):
    result = run_sweep(spec_file, out=tmp_path / "same", workers=2, quiet=True)
    assert result.executor == "processes" and result.failed == 0
    pids = Store(tmp_path / "same").records()["pid"]
    assert pids.nunique() >= 2 and os.getpid() not in set(pids)  # really ran in the pool
    assert_same(serial, stored(tmp_path / "same"))


def test_dask_cluster_matches_serial(serial, spec_file, dask_cluster, tmp_path):
    result = run_sweep(spec_file, out=tmp_path / "same", scheduler=dask_cluster, quiet=True)
    assert result.executor == "dask" and result.failed == 0
    assert os.getpid() not in set(Store(tmp_path / "same").records()["pid"])
    assert_same(serial, stored(tmp_path / "same"))


def test_rerun_of_a_finished_sweep_runs_nothing(serial, spec_file, tmp_path):
    out = tmp_path / "same"
    run_sweep(spec_file, out=out, workers=1, quiet=True)
    again = run_sweep(load_spec(spec_file), out=out, workers=1, quiet=True)
    assert again.ran == 0 and again.skipped == 12
    assert_same(serial, stored(out))


def _which_worker(task):
    """A stand-in run: which worker process ran which seed (a short sleep so that both workers take tasks)."""
    import os
    import time

    time.sleep(0.02)
    return {"record": {"status": "ok", "run_id": task.run_id}, "pid": os.getpid(), "seed": task.seed}


def test_a_worker_takes_the_runs_of_the_seeds_it_has_had():
    """Runs of one seed that differ only in the program's levers share a spin-up, which a worker keeps. An idle
    worker takes, of the tasks read ahead, the first whose seed it has had, else the oldest; on two workers
    every run is still run once, and (timing decides the last few) most seeds are run by one worker only."""
    from collections import deque

    from experiments.core.runner import ProcessExecutor, Task, _take

    tasks = [Task(f"p{p}-r{r}", p, r, 1000 + r, {}, 1, 1, (), False, None) for p in range(7) for r in range(12)]
    ahead = deque(tasks[12:])  # preset 0 ran; the rest are read ahead, preset by preset
    assert _take(ahead, {1005}).run_id == "p1-r5"  # its own seed, from further down
    assert _take(ahead, {1005}).run_id == "p2-r5"
    assert _take(ahead, set()).run_id == "p1-r0"  # a new worker: the oldest
    assert _take(ahead, {9999}).run_id == "p1-r1"
    executor = ProcessExecutor(2)
    try:
        results = list(executor.map(tasks, fn=_which_worker))
    finally:
        executor.close()
    assert sorted(r["record"]["run_id"] for r in results) == sorted(t.run_id for t in tasks)
    by_seed = {}
    for r in results:
        by_seed.setdefault(r["seed"], set()).add(r["pid"])
    assert sum(len(pids) == 1 for pids in by_seed.values()) >= len(by_seed) // 2


def test_a_source_that_stops_on_results_is_read_no_further_than_the_workers_need():
    """A calibration's generation ends when enough of its evaluations are accepted; its task source stops
    then. With ``lookahead=0`` the pool reads a task only when a worker is free, so at most one task per
    worker runs past the stop (read ahead by 256, a generation of 20 particles ran 280)."""
    from experiments.core.runner import ProcessExecutor, Task

    state = {"read": 0, "stop": False}

    def source():
        while not state["stop"]:
            state["read"] += 1
            r = state["read"]
            yield Task(f"e{r}", 0, r, 1000 + r, {}, 1, 1, (), False, None)

    executor = ProcessExecutor(2)
    try:
        received = 0
        for _ in executor.map(source(), fn=_which_worker, lookahead=0):
            received += 1
            if received == 5:
                state["stop"] = True
    finally:
        executor.close()
    assert 5 <= received == state["read"] <= 5 + 2


def test_a_worker_that_finishes_has_its_next_task_while_the_caller_stores_its_result():
    """A panel's driver stores each task's rows (parquet, checksums) as it comes in. The pool hands a
    finished worker its next task first, so the worker computes while the driver writes (on two cores the
    driver's writes used to leave each worker idle about 0.5 s of a 16 s panel slice). A source that stops
    on results (``lookahead=0``) still sees each result before a task is read."""
    from experiments.core.runner import ProcessExecutor, Task

    tasks = [Task(f"t{r}", 0, r, 1000 + r, {}, 1, 1, (), False, None) for r in range(4)]
    executor = ProcessExecutor(1)
    try:
        busy_on_receipt = [executor._pool[0].task is not None for _ in executor.map(tasks, fn=_which_worker)]
    finally:
        executor.close()
    assert busy_on_receipt == [True, True, True, False]  # the last result has no next task


def test_a_panel_or_calibration_worker_does_not_import_the_analysis_stack():
    """A worker imports the task functions it runs. Importing them must not import the estimators' and
    figures' libraries: scipy.stats alone cost each panel worker 0.45 s at start, the part of a
    2-worker run that does not run in parallel."""
    import subprocess

    code = ("import sys, experiments.core.runner, experiments.panel.tasks, experiments.panel.coupled, "
            "experiments.calibration.simulator; print(sorted(m for m in ('scipy.stats', 'seaborn', 'matplotlib', "
            "'pyfixest', 'pyabc', 'SALib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"
