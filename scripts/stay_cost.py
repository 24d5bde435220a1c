"""The adoption twins' cost in the replications panel: its tasks that have any (one replication), run with
each adoption twin started from its treated run's snapshot (``tasks.run_counties``, as the panel runs them) and
with each run from its own start after the task's other runs (``tasks.run_stays``, as before the eleventh
session). CPU seconds of each way, in this process, ``--rounds`` times in turn.

    .venv/bin/python scripts/stay_cost.py [--rounds 2] [--spec experiments/specs/panel_replications.toml]
"""

import argparse
import os
import sys
import time
import tomllib
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, os.getcwd())  # the checkout to measure is the current directory's

from experiments.panel.design import build_design, panel_tasks  # noqa: E402
from experiments.panel.spec import parse_panel_spec  # noqa: E402
from experiments.panel.tasks import run_counties, run_stays  # noqa: E402
from model.spin_up import clear_cache  # noqa: E402
from model.threads import pin_process  # noqa: E402


def cpu_seconds(tasks, from_snapshots: bool) -> float:
    clear_cache()  # neither way finds the other's spin-ups
    t = time.process_time()
    for task in tasks:
        if from_snapshots:
            run_counties(task)
        else:
            run_counties(replace(task, stay=()))
            run_stays(task)
    return time.process_time() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", default="experiments/specs/panel_replications.toml")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    pin_process()
    src = Path(args.spec)
    raw = tomllib.loads(src.read_text())
    raw["replications"] = 1
    spec = parse_panel_spec(raw, base=src.parent)
    tasks = [t for t in panel_tasks(spec, build_design(spec)) if any(s is not None for s in t.stay)]
    if not tasks:
        sys.exit(f"{args.spec} asks for no adoption twins ([adoption] outcomes)")
    print(f"{len(tasks)} tasks with adoption twins, {sum(len(t.counties) for t in tasks)} counties, "
          f"{sum(s is not None for t in tasks for s in t.stay)} adoption twins", flush=True)
    for r in range(args.rounds):
        new, old = cpu_seconds(tasks, True), cpu_seconds(tasks, False)
        print(f"round {r + 1}: from the snapshots {new:.1f} CPU s, from their start {old:.1f} CPU s "
              f"({new / old - 1:+.1%})", flush=True)


if __name__ == "__main__":
    main()
