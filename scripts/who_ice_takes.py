"""Who ICE takes and what happens after, as outcomes (issue 17): removals per undocumented resident a year
(C12's statistic), how ICE custody ends, removals through the jail before a conviction, and removals of
people with no conviction under each county policy. National composition (experiments/targets.toml),
program at week 52, weeks 53-260 counted.

    .venv/bin/python scripts/who_ice_takes.py [--residents 10000] [--seeds 1 2 3 4]
"""

import argparse

import pandas as pd

from agents.codes import WEEKS_PER_YEAR, Status
from experiments.calibration.targets import load_targets
from model import SecureCommunitiesModel, scenario

PRESETS = ("pre_sc", "sc_full", "sc_hennessey", "sc_sanctuary")
EXITS = ("removal", "voluntary_departure", "ice_release", "discretion", "relief", "citizen_release")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=10000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    args = parser.parse_args()
    national = load_targets()[1]["national"].params
    activation, weeks = 52, 260
    rows = []
    for preset in PRESETS:
        for seed in args.seeds:
            m = SecureCommunitiesModel(rng=seed, n_residents=args.residents,
                                       **{**scenario(preset), **national, "activation_week": activation})
            undocumented = int((m.status == Status.UNDOCUMENTED).sum())
            for _ in range(weeks):
                m.step()
            ev = m.event_log()
            ev = ev[ev.week > activation]
            removals = ev[ev.stage == "removal"]
            exits = ev[ev.stage.isin(EXITS)].stage.value_counts()
            jail = removals[removals.door == "sc"]
            rows.append({
                "preset": preset, "seed": seed,
                "removals_per_undocumented_year": len(removals) / undocumented
                / ((weeks - activation) / WEEKS_PER_YEAR),
                **{f"exit_{e}": int(exits.get(e, 0)) for e in EXITS},
                "jail_removals": len(jail),
                "jail_removals_not_convicted": int((jail.convicted != "convicted").sum()),  # pending or not convicted
                "removals_no_conviction": int((removals.priority_level == "noncriminal").sum()),
                "removals": len(removals),
            })
    df = pd.DataFrame(rows)
    print(f"national composition, {args.residents:,} residents, seeds {args.seeds}, weeks {activation + 1}-{weeks}")
    means = df.drop(columns="seed").groupby("preset").mean().reindex(PRESETS)
    print(means.round(4).T.to_string())
    exits = means[[f"exit_{e}" for e in EXITS]]
    print("share of ICE custody ending in removal:", (exits["exit_removal"] / exits.sum(axis=1)).round(3).to_dict())
    print("share of jail removals with no conviction on the charge:",
          (means["jail_removals_not_convicted"] / means["jail_removals"]).round(3).to_dict())


if __name__ == "__main__":
    main()
