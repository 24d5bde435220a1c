"""Whole counties against the panel benchmark's cost model (docs/panel.md, "Speed and the cost at full scale").

    .venv/bin/python scripts/county_cost.py --residents 100000 300000 --activation 120 300 [--default-county]
    .venv/bin/python scripts/county_cost.py --blocks --residents 100000 --activation 200
    .venv/bin/python scripts/county_cost.py --together --residents 3000 30000 300000 --activation 60
    .venv/bin/python scripts/county_cost.py --measurement --residents 300000
    .venv/bin/python scripts/county_cost.py --steps --residents 3000000

For each size, the benchmark's steps (``step_cost``: with the program in force and without it) and the single
step the cost model used until the ninth session (weeks 1-104 of a county activated in week 26); then, for each
activation week and two seeds, a task of that county run as the panel runs it (``tasks.run_counties``: its
treated run and its twin, 520 weeks), in this process: its CPU seconds against the cost model's (``county_cost``:
each week at its step, the build and the twin's build) and against the old one's (one build, every week at the
single step).

``--blocks``: the CPU ms of a step in blocks of 52 weeks over 520 weeks of one county, activated in the
``--activation`` week, and of the same county without the program.

``--together``: a task of one county and its twin, run alone (as the panel runs counties from
``tasks.ALONE_FROM`` residents) and stepped together as a batch, two rounds in turn.

``--steps``: the benchmark's costs of a county of each size alone (``step_cost``: its build, its twin's build, a
step with the program and one without), no whole county.

``--measurement``: a week's inputs and measurement over the Hispanic residents' rows alone, as the panel's models
do, and over everyone's.

The county is the nation's typical one (``experiments.bench.panel.typical_county``), or the model's default one.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.getcwd())  # the checkout to measure is the current directory's

from experiments.bench.panel import NATIONAL, county_cost, county_cpu, step_cost, typical_county  # noqa: E402
from experiments.panel.outcomes import WEEKLY  # noqa: E402
from experiments.panel.spec import load_panel_spec  # noqa: E402
from experiments.panel.tasks import advance_model, build_model  # noqa: E402
from model.spin_up import clear_cache  # noqa: E402
from model.threads import pin_process  # noqa: E402

WEEKS = 520


def one_step(n: int, county: dict) -> float:
    """The old cost model's step: weeks 1-104 of a county activated in week 26, seconds per week."""
    clear_cache()
    model = build_model({**county, "n_residents": n, "activation_week": 26, "sharing_active": True}, 1, WEEKLY)
    t = time.process_time()
    advance_model(model, 104, WEEKLY, 0)
    return (time.process_time() - t) / 104


def whole_county(n: int, activation: int, seed: int, county: dict, alone_from=None) -> float:
    """CPU seconds of a task of one county, as the panel runs it (``alone_from``: see ``county_cpu``)."""
    clear_cache()
    return county_cpu(n, activation, WEEKS, county=county, seed=seed, alone_from=alone_from)


def together(n: int, activation: int, county: dict) -> None:
    """A county and its twin run alone, one after the other, and stepped together as a batch, in turn."""
    for r in (1, 2):
        alone = whole_county(n, activation, 1, county, alone_from=0)
        joined = whole_county(n, activation, 1, county, alone_from=10**12)
        print(f"{n:,} residents, round {r}: alone {alone:.2f} CPU s, stepped together {joined:.2f} s "
              f"({joined / alone - 1:+.1%})", flush=True)


def measurement(n: int, county: dict) -> None:
    """A week's inputs and measurement of a panel county (after 60 weeks), over its Hispanic residents' rows
    (as the panel does: ``model.metrics.hispanic_rows_only``) and over everyone's, in turn; the same numbers."""
    from model.metrics import weekly_state

    model = build_model({**county, "n_residents": n, "activation_week": 26, "sharing_active": True}, 1, WEEKLY)
    advance_model(model, 60, WEEKLY, 0)
    repeats, times = max(20, 3_000_000 // n), {"Hispanic rows": [], "everyone": []}
    for _ in range(7):
        for label, rows in (("Hispanic rows", [model.measured_rows]), ("everyone", None)):
            t = time.perf_counter()
            for _ in range(repeats):
                weekly_state([model], [model.week_inputs()], model.blocks, rows)
            times[label].append((time.perf_counter() - t) / repeats * 1e3)
    share = len(model.measured_rows) / n
    print(f"{n:,} residents, {share:.0%} Hispanic: a week's inputs and measurement, median of 7 rounds: "
          + ", ".join(f"{label} {sorted(v)[3]:.2f} ms" for label, v in times.items()))


def blocks(n: int, activation: int, county: dict) -> None:
    for active in (True, False):
        clear_cache()
        model = build_model({**county, "n_residents": n, "activation_week": activation, "sharing_active": active},
                            1, WEEKLY)
        row = []
        for b in range(WEEKS // 52):
            t = time.process_time()
            advance_model(model, 52 * (b + 1), WEEKLY, 0)
            row.append((time.process_time() - t) / 52 * 1e3)
        label = f"with the program from week {activation}" if active else "without the program"
        print(f"{n:,} residents, {label}: ms a step, weeks 1-52, 53-104, ...: " + " ".join(f"{x:.2f}" for x in row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, nargs="+", default=[100_000, 300_000])
    parser.add_argument("--activation", type=int, nargs="+", default=[120, 300])
    parser.add_argument("--default-county", action="store_true")
    parser.add_argument("--blocks", action="store_true")
    parser.add_argument("--together", action="store_true")
    parser.add_argument("--measurement", action="store_true")
    parser.add_argument("--steps", action="store_true")
    args = parser.parse_args()
    pin_process()
    county = {} if args.default_county else typical_county(load_panel_spec(NATIONAL))
    print("county:", county or "the model's default")
    if args.measurement:
        for n in args.residents:
            measurement(n, county)
        return
    if args.together:
        for n in args.residents:
            for a in args.activation:
                together(n, a, county)
        return
    if args.blocks:
        for n in args.residents:
            for a in args.activation:
                blocks(n, a, county)
        return
    for n in args.residents:
        cost = step_cost(sizes=(n,), county=county)
        point = cost["points"][0]
        if args.steps:
            print(f"{n:,} residents: build {point['build_s']:.2f} s, a twin's {point['twin_build_s']:.2f} s; a step "
                  f"with the program {point['ms_per_step_with']:.2f} ms, without {point['ms_per_step_without']:.2f} ms",
                  flush=True)
            continue
        old = one_step(n, county)
        print(f"{n:,} residents: build {point['build_s']:.2f} s, a twin's {point['twin_build_s']:.2f} s; a step with "
              f"the program {point['ms_per_step_with']:.2f} ms, without {point['ms_per_step_without']:.2f} ms; "
              f"the old single step {old * 1e3:.2f} ms", flush=True)
        for a in args.activation:
            with_program = WEEKS + 1 - a
            now = float(county_cost(n, with_program, WEEKS, cost)["total"])
            before = point["build_s"] + (WEEKS + with_program) * old
            for seed in (1, 2):
                real = whole_county(n, a, seed, county)
                print(f"  activated in week {a}, seed {seed}: {real:.1f} CPU s; the cost model {now:.1f} s "
                      f"({now / real - 1:+.1%}), the old one {before:.1f} s ({before / real - 1:+.1%})", flush=True)


if __name__ == "__main__":
    main()
