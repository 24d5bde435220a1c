"""The model benchmark: build time, resident-steps per second and peak memory.

It measures what users get: each size runs in fresh processes with the environment as it is (no thread
pinning), ``--workers`` of them at once (default 2, as a sweep's two workers on a 2-core machine), and
reports the slowest worker's rate and the largest peak memory. ``--workers 1`` gives one process alone.

    python -m experiments.bench                  # 1k, 10k, 100k over 520 weeks; 1M over 52
    python -m experiments.bench --sizes 100000:520 --workers 1
    git worktree add --detach ../before a0750d8 && python -m experiments.bench --tree ../before   # an older model
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

from agents.codes import WEEKS_PER_YEAR

TEN_YEARS = 10 * WEEKS_PER_YEAR
DEFAULT_SIZES = ((1_000, TEN_YEARS), (10_000, TEN_YEARS), (100_000, TEN_YEARS), (1_000_000, WEEKS_PER_YEAR))


def measure(n_residents: int, weeks: int, seed: int = 1) -> dict:
    """Build and run one sc_full county in this process; return the timings."""
    from model import SecureCommunitiesModel, scenario
    from model.kernels import COMPILED

    start = time.perf_counter()
    model = SecureCommunitiesModel(**scenario("sc_full"), n_residents=n_residents, rng=seed)
    built = time.perf_counter()
    for _ in range(weeks):
        model.step()
    done = time.perf_counter()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "n_residents": n_residents,
        "weeks": weeks,
        "build_s": round(built - start, 3),
        "run_s": round(done - built, 3),
        "resident_steps_per_s": round(n_residents * weeks / (done - built)),
        "peak_memory_mib": round(peak_kib / 1024, 1),
        "close_ties": int(model.ties.weights.nnz // 2),
        "acquaintances_mean": round(float(model.foci.acquaintances.mean()), 1),
        "focus_memberships": int(model.foci.membership.nnz),
        "removals": int(model.totals["removals"]),
        "compiled_loops": COMPILED,  # the week's loops in C, or numpy's passes (model.kernels)
    }


def run_isolated(n_residents: int, weeks: int, workers: int = 2, tree: str | None = None) -> dict:
    """Measure one size in ``workers`` child processes started together in the unchanged environment;
    the row is the slowest worker's (its rate and times) with the largest peak memory of them. ``tree``:
    another checkout of the project whose model the children measure (they run there, with this protocol)."""
    command = [sys.executable, "-m", "experiments.bench", "--one", f"{n_residents}:{weeks}"]
    children = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=dict(os.environ), cwd=tree)
                for _ in range(workers)]
    rows = []
    for child in children:
        out, _ = child.communicate()
        if child.returncode:
            raise subprocess.CalledProcessError(child.returncode, command)
        rows.append(json.loads(out.strip().splitlines()[-1]))
    slowest = min(rows, key=lambda r: r["resident_steps_per_s"])
    return {**slowest, "workers": workers, "peak_memory_mib": max(r["peak_memory_mib"] for r in rows)}


def _size(text: str) -> tuple[int, int]:
    n, _, weeks = text.partition(":")
    try:
        return int(n), int(weeks or WEEKS_PER_YEAR)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N:WEEKS, got {text!r}") from None


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m experiments.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", type=_size, default=DEFAULT_SIZES, metavar="N:WEEKS")
    parser.add_argument("--workers", type=int, default=2, choices=range(1, 9), metavar="{1..8}",
                        help="processes measured at once (default 2)")
    parser.add_argument("--one", type=_size, help=argparse.SUPPRESS)
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    parser.add_argument("--tree", metavar="DIR", help="measure the model of another checkout (an older commit's "
                        "worktree, say) with this protocol; its `python -m experiments.bench --one N:WEEKS` is run")
    args = parser.parse_args(argv)
    if args.tree and not os.path.isfile(os.path.join(args.tree, "model", "__init__.py")):
        parser.error(f"--tree {args.tree}: not a checkout of this project (no model/__init__.py)")
    if args.one:
        print(json.dumps(measure(*args.one)))
        return
    where = f"the model in {args.tree}" if args.tree else "this checkout's model"
    print(f"{where}: {args.workers} worker(s) at once, threads as the environment sets them; the slowest worker's rate")
    header = f"{'residents':>10} {'weeks':>6} {'build s':>8} {'run s':>8} {'resident-steps/s':>17} {'peak MiB':>9}"
    print(header)
    rows = []
    for n, weeks in args.sizes:
        row = run_isolated(n, weeks, args.workers, args.tree)
        rows.append(row)
        print(f"{n:>10,} {weeks:>6} {row['build_s']:>8.2f} {row['run_s']:>8.2f} "
              f"{row['resident_steps_per_s']:>17,} {row['peak_memory_mib']:>9.0f}", flush=True)
    if rows and "compiled_loops" in rows[0]:
        print("the week's loops:", "compiled (model/_kernels.c)" if rows[0]["compiled_loops"] else
              "numpy's passes (no C compiler at install: model.kernels.COMPILED is False)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=2)


if __name__ == "__main__":
    main()
