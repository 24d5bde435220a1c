"""CPU time of a few tasks of the national panel (docs/panel.md, "Counties stepped together"), run in this
process one after another with BLAS on one thread: to compare two checkouts of the model, run it from each
in turn, alternating, on a quiet machine.

    .venv/bin/python scripts/panel_task_time.py [--tasks 150 100 20] [--rounds 1]
    (cd ../other-checkout && /path/to/.venv/bin/python scripts/panel_task_time.py)

A checkout without this file can run this copy: it imports the panel of the current directory's checkout.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.getcwd())  # the checkout to measure is the current directory's

from experiments.panel.design import build_design, panel_tasks  # noqa: E402
from experiments.panel.spec import load_panel_spec  # noqa: E402
from experiments.panel.tasks import run_panel_task  # noqa: E402
from model.threads import pin_process  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, nargs="+", default=[150, 100, 20],
                        help="indices into the national panel's tasks (biggest first)")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    pin_process()
    spec = load_panel_spec("experiments/specs/panel_national.toml")
    tasks = panel_tasks(spec, build_design(spec))
    counties = sum(len(tasks[i].counties) for i in args.tasks)
    for _ in range(args.rounds):
        t = time.process_time()
        for i in args.tasks:
            record = run_panel_task(tasks[i])["record"]
            if record["status"] != "ok":
                raise SystemExit(f"task {i} failed: {record['error']}")
        print(f"{os.getcwd()}: tasks {args.tasks} ({counties} counties): {time.process_time() - t:.2f} CPU s",
              flush=True)


if __name__ == "__main__":
    main()
