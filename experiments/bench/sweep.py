"""Sweep benchmark (not a test): runner overhead, 2-worker throughput, memory over 1,000 runs.

    .venv/bin/python -m experiments.bench.sweep [--quick]     (or: make bench-sweep)

1. Overhead: the same runs of about one second, directly (build, step, collect) and through
   ``run_sweep`` serially; overhead per run = (sweep wall time - direct wall time) / runs.
   Target: under 5% of a one-second run.
2. Throughput: runs of about two seconds, serially and on a pool of 2 processes. Target >= 1.8x.
3. Memory: 1,000 small runs in one serial sweep; resident memory of the process sampled as runs
   finish. Target: flat (no growth with the number of runs).

The machine is shared: numbers are wall-clock and move with whatever else runs on it.
"""

import argparse
import gc
import os
import tempfile
import threading
import time
from pathlib import Path

import psutil

from agents.codes import WEEKS_PER_YEAR
from model import SecureCommunitiesModel

from ..core.store import Store
from ..sweep import parse_spec, run_sweep, tasks_for


def _spec(name, n_residents, steps, replications, outputs="all"):
    return parse_spec({"name": name, "replications": replications, "seed": 1, "steps": steps,
                       "outputs": outputs, "fixed": {"n_residents": n_residents, "preset": "sc_full"}})


def _direct(spec) -> tuple:
    """Wall and CPU time of the spec's runs done by hand, with nothing of the runner around them."""
    t0, c0 = time.perf_counter(), time.process_time()
    for task in tasks_for(spec):
        model = SecureCommunitiesModel(rng=task.seed, **task.params)
        for _ in range(task.steps):
            model.step()
        model.datacollector.get_model_vars_dataframe()
        del model
    gc.collect()  # pay, inside the clock, for freeing the models (agent and graph reference cycles)
    return time.perf_counter() - t0, time.process_time() - c0


def calibrate(target: float, steps=156) -> int:
    """A county size whose run takes about ``target`` seconds here."""
    n = 20_000
    for _ in range(3):
        t = _direct(_spec("cal", n, steps, 1))[1]
        n = int(n * target / t)
    return n


def overhead(runs: int, target=1.0) -> dict:
    n = calibrate(target)
    spec = _spec("overhead", n, 156, runs)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(2):  # alternate, to even out what else the machine is doing
            direct = _direct(spec)
            t0, c0 = time.perf_counter(), time.process_time()
            run_sweep(spec, out=Path(tmp) / f"o{i}", workers=1, quiet=True)
            gc.collect()  # as in _direct
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            inside = Store(Path(tmp) / f"o{i}").records()["wall_time"].sum()  # the runs themselves
            rows.append((*direct, wall, cpu, wall - inside))
    out = {"n_residents": n, "runs": runs, "outside_runs_s_per_run": min(r[4] for r in rows) / runs}
    for j, clock in ((0, "wall"), (1, "cpu")):
        direct = min(r[j] for r in rows)
        swept = min(r[j + 2] for r in rows)
        per_run = (swept - direct) / runs
        out[clock] = {"direct_s_per_run": direct / runs, "sweep_s_per_run": swept / runs,
                      "overhead_s_per_run": per_run, "overhead_pct_of_run": 100 * per_run / (direct / runs)}
    return out


def _spin(seconds_of_work: int) -> float:
    x = 0
    for i in range(seconds_of_work * 10_000_000):
        x += i
    return x


def machine_parallelism(rounds=4) -> float:
    """What 2 processes get here for plain CPU work (the ceiling for any runner on this machine now)."""
    import multiprocessing as mp

    t0 = time.perf_counter()
    for _ in range(rounds):
        _spin(1)
    serial = time.perf_counter() - t0
    with mp.get_context("forkserver").Pool(2) as pool:
        pool.map(_spin, [0, 0])  # start the workers before timing
        t0 = time.perf_counter()
        pool.map(_spin, [1] * rounds, chunksize=1)
        parallel = time.perf_counter() - t0
    return serial / parallel


def throughput(runs: int, target=2.0) -> dict:
    n = calibrate(target)
    spec = _spec("throughput", n, 156, runs)
    control_before = machine_parallelism()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        run_sweep(spec, out=Path(tmp) / "serial", workers=1, quiet=True)
        serial = time.perf_counter() - t0
        serial_runs = Store(Path(tmp) / "serial").records()["wall_time"]
        t0 = time.perf_counter()
        run_sweep(spec, out=Path(tmp) / "pool", workers=2, quiet=True)
        pool = time.perf_counter() - t0
        pool_runs = Store(Path(tmp) / "pool").records()["wall_time"]
    return {"n_residents": n, "runs": runs, "serial_s": serial, "two_workers_s": pool, "speedup": serial / pool,
            # the share of the pool's wall time its 2 workers spent inside runs (what the runner controls)
            "busy": pool_runs.sum() / (2 * pool),
            # how much longer one run takes in the pool than alone (what the machine does to it)
            "slowdown_per_run": pool_runs.mean() / serial_runs.mean(),
            "machine_speedup": (control_before, machine_parallelism())}


def memory(runs: int) -> dict:
    spec = _spec("memory", 300, WEEKS_PER_YEAR, runs, outputs=["removals_cumulative", "reporting_rate_undocumented"])
    proc = psutil.Process(os.getpid())
    samples = []
    stop = threading.Event()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "memory"

        def sample():
            while not stop.is_set():
                done = len(list((out / "runs").glob("*.json"))) if (out / "runs").exists() else 0
                samples.append((done, proc.memory_info().rss / 2**20))
                stop.wait(0.25)

        t = threading.Thread(target=sample, daemon=True)
        t.start()
        t0 = time.perf_counter()
        run_sweep(spec, out=out, workers=1, quiet=True)
        wall = time.perf_counter() - t0
        stop.set()
        t.join()
        samples.append((runs, proc.memory_info().rss / 2**20))  # at the end of the sweep
    marks = {}
    for k in (100, 250, 500, 750, 1000):
        at = [rss for done, rss in samples if done >= min(k, runs)]
        if at:
            marks[k] = round(at[0], 1)
    return {"runs": runs, "wall_s": wall, "rss_mib_at_runs": marks,
            "growth_mib_100_to_end": marks[max(marks)] - marks[min(marks)] if marks else None}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m experiments.bench.sweep", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer runs (a rough check, not the figures)")
    parser.add_argument("--only", choices=("overhead", "throughput", "memory"), help="one measurement only")
    parser.add_argument("--throughput-runs", type=int, default=40,
                        help="runs of about 2 s in the throughput sweep (default 40)")
    args = parser.parse_args(argv)
    k = 4 if args.quick else 10
    print(f"cores: {os.cpu_count()}; load average at start: {os.getloadavg()}")
    if args.only in (None, "overhead"):
        _overhead(k)
    if args.only in (None, "throughput"):
        _throughput(k if args.quick else args.throughput_runs)
    if args.only in (None, "memory"):
        _memory(200 if args.quick else 1000)
    print(f"load average at end: {os.getloadavg()}")


def _overhead(k):
    o = overhead(k)
    per = o["outside_runs_s_per_run"]
    print(f"overhead (driver, outside the runs): sweep wall time minus the runs' own wall time = {1000 * per:.1f} "
          f"ms/run = {100 * per / o['cpu']['direct_s_per_run']:.2f}% of a run (target < 5%)")
    for clock in ("cpu", "wall"):
        c = o[clock]
        print(f"overhead ({clock} time): {o['runs']} runs of {o['n_residents']} residents x 156 weeks; direct "
              f"{c['direct_s_per_run']:.3f} s/run, through run_sweep {c['sweep_s_per_run']:.3f} s/run; overhead "
              f"{1000 * c['overhead_s_per_run']:.1f} ms/run = {c['overhead_pct_of_run']:.2f}% of a run (target < 5%)")


def _throughput(k):
    t = throughput(k)
    print(f"throughput: {t['runs']} runs of {t['n_residents']} residents (about 2 s each); serial "
          f"{t['serial_s']:.1f} s, 2 workers {t['two_workers_s']:.1f} s; speedup {t['speedup']:.2f}x (target >= 1.8x); "
          f"workers busy {100 * t['busy']:.0f}% of the pool's wall time; one run takes {t['slowdown_per_run']:.2f}x as "
          f"long in the pool as alone; control: plain CPU work on 2 processes gets "
          f"{t['machine_speedup'][0]:.2f}x before and {t['machine_speedup'][1]:.2f}x after on this machine")


def _memory(k):
    m = memory(k)
    print(f"memory: {m['runs']} runs in one serial sweep ({m['wall_s']:.0f} s); RSS (MiB) after n runs "
          f"{m['rss_mib_at_runs']}; growth {m['growth_mib_100_to_end']:+.1f} MiB (target: flat)")


if __name__ == "__main__":
    main()
