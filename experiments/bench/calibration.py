"""The calibration benchmark: particles per second serially, on 2 worker processes and on a local Dask
cluster, the cost of one particle of the shipped calibration, and the projected time of the shipped run.

    python -m experiments.bench.calibration                       # 2,000-resident counties, 24 particles
    python -m experiments.bench.calibration --residents 5000 --particles 40 --workers 2

Each executor runs the same small calibration (two generations; the second, where worker start-up no
longer counts, gives the rate). It prints wall-clock figures; on a shared machine they move with the
load, which it prints too. The projection assumes the acceptance rates in ACCEPTANCE (measured on the
smoke calibration and a 5,000-resident rehearsal, docs/calibration.md).
"""

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "experiments" / "specs" / "calibration.toml"
# Expected acceptance rate per generation of the shipped schedule (the first is a prior sample at epsilon inf).
ACCEPTANCE = (1.0, 0.6, 0.45, 0.35, 0.3, 0.3)


def bench_spec(residents: int, particles: int, seed: int = 7) -> dict:
    """The shipped spec at a small size: every target, the same priors, two generations."""
    import tomllib

    raw = tomllib.loads(SHIPPED.read_text())
    raw["name"] = "bench_calibration"
    raw["seed"] = seed
    raw["predictive"] = 0
    for c in raw["counties"].values():
        c["n_residents"] = residents
    raw["abc"] = {"population": particles, "generations": 2, "epsilon": "quantile", "quantile": 0.5}
    return raw


def run_one(raw: dict, workers: int = 1, scheduler: str | None = None) -> dict:
    from ..calibration import calibrate, parse_calibration_spec, read_state

    folder = Path(tempfile.mkdtemp(prefix="bench-calibration-"))
    try:
        t0 = time.perf_counter()
        result = calibrate(parse_calibration_spec(raw), folder / "out", workers=workers, scheduler=scheduler,
                           quiet=True)
        wall = time.perf_counter() - t0
        gens = read_state(folder / "out")["generations"]
        second = gens["2"]
        return {"executor": result.executor, "workers": workers, "wall_s": round(wall, 2),
                "evaluations": sum(g["evaluations"] + g["discarded"] for g in gens.values()),
                "particles_per_s": round(second["particles_per_second"], 3),
                "cpu_s_per_particle": round(second["cpu_seconds_per_evaluation"], 3),
                "first_generation_particles_per_s": round(gens["1"]["particles_per_second"], 3)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def particle_seconds(n: int = 2, seed: int = 1) -> tuple:
    """Wall and CPU seconds for one particle of the shipped spec at its own size (serial, this process).
    CPU time does not depend on what else the machine runs; wall time does."""
    import numpy as np

    from ..calibration import Simulator, load_calibration_spec

    spec = load_calibration_spec(SHIPPED)
    sim = Simulator.of(spec)
    params = {p.name: p.value(np.mean(p.internal_bounds)) for p in spec.priors}
    t0, c0 = time.perf_counter(), time.process_time()
    for s in range(n):
        sim.run(params, seed + s)
    return (time.perf_counter() - t0) / n, (time.process_time() - c0) / n


def projection(particle_cpu: float, particle_wall: float, rate_serial: float, rate_parallel: float,
               workers: int) -> dict:
    """Projected wall time of the shipped calibration: on an idle machine (CPU seconds per particle over the
    workers), and as the machine is now (wall seconds per particle over the measured speed-up)."""
    from ..calibration import load_calibration_spec

    spec = load_calibration_spec(SHIPPED)
    evaluations = sum(spec.population_size(t) / ACCEPTANCE[min(t, len(ACCEPTANCE) - 1)]
                      for t in range(spec.generations))
    speedup = rate_parallel / rate_serial if rate_serial > 0 else 1.0
    runs = evaluations + spec.predictive
    cores = min(workers, os.cpu_count() or 1)
    return {"population": list(spec.population), "generations": spec.generations,
            "assumed_acceptance": list(ACCEPTANCE[:spec.generations]), "expected_evaluations": round(evaluations),
            "predictive_runs": spec.predictive, "particle_cpu_seconds": round(particle_cpu, 3),
            "particle_wall_seconds": round(particle_wall, 3), "speedup_with_workers": round(speedup, 2),
            "workers": workers, "idle_machine_minutes": round(runs * particle_cpu / cores / 60, 1),
            "as_loaded_now_minutes": round(runs * particle_wall / max(speedup, 1e-9) / 60, 1)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m experiments.bench.calibration", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=2000, help="county size of the throughput runs (2000)")
    parser.add_argument("--particles", type=int, default=24, help="particles per generation (24)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes and Dask workers (2)")
    parser.add_argument("--no-dask", action="store_true", help="skip the local Dask cluster")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    raw = bench_spec(args.residents, args.particles)
    rows = [run_one(raw, workers=1)]
    print(f"serial:              {rows[-1]['particles_per_s']:.3f} particles/s "
          f"({rows[-1]['cpu_s_per_particle']:.2f} s CPU each)", flush=True)
    rows.append(run_one(raw, workers=args.workers))
    print(f"{args.workers} worker processes:  {rows[-1]['particles_per_s']:.3f} particles/s "
          f"({rows[-1]['cpu_s_per_particle']:.2f} s CPU each)", flush=True)
    if not args.no_dask:
        from distributed import LocalCluster

        with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None,
                          host="127.0.0.1") as cluster:
            rows.append(run_one(raw, scheduler=cluster.scheduler_address))
        print(f"local Dask ({args.workers} x 1):  {rows[-1]['particles_per_s']:.3f} particles/s "
              f"({rows[-1]['cpu_s_per_particle']:.2f} s CPU each)", flush=True)
    wall, cpu = particle_seconds()
    print(f"one particle of the shipped spec (serial): {wall:.2f} s wall, {cpu:.2f} s CPU", flush=True)
    proj = projection(cpu, wall, rows[0]["particles_per_s"], rows[1]["particles_per_s"], args.workers)
    print(f"shipped calibration: about {proj['expected_evaluations']} evaluations + {proj['predictive_runs']} "
          f"predictive runs: {proj['idle_machine_minutes']} minutes on {args.workers} idle cores; "
          f"{proj['as_loaded_now_minutes']} minutes as loaded now (speed-up {proj['speedup_with_workers']})",
          flush=True)
    result = {"load_average": os.getloadavg()[0], "residents": args.residents, "particles": args.particles,
              "runs": rows, "projection": proj}
    print(json.dumps(result, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
