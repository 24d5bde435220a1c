"""Does a county's rate depend on how many model residents stand for it? The same county (the model's
defaults, one preset) at several sizes, years 4-5 (weeks 157-260), pooled over seeds: the chilled shares,
reporting, fear and removals per 1,000 residents a year, with standard errors (docs/ODD.md, 7.4.2).

    .venv/bin/python scripts/scale_test.py [--preset sc_full] [--sizes 250 1000 4000 20000] [--budget 80000]

Each size runs budget / size seeds (at least 4), so every size costs about the same.
"""

import argparse

import numpy as np
import pandas as pd

from model import SecureCommunitiesModel, scenario

COLUMNS = ("chilled_share_undocumented", "chilled_share_hispanic", "reporting_rate_hispanic",
           "reporting_rate_undocumented", "fear_mean_hispanic")


def run(preset: str, n: int, seed: int) -> dict:
    m = SecureCommunitiesModel(rng=seed, n_residents=n, **scenario(preset))
    for _ in range(260):
        m.step()
    recorded = m.datacollector.model_vars
    out = {c: float(np.mean(recorded[c][157:261])) for c in COLUMNS}
    removed = recorded["removals_cumulative"]
    out["removals_per_1000_year"] = (removed[260] - removed[156]) / 2 / n * 1000
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="sc_full")
    parser.add_argument("--sizes", type=int, nargs="+", default=[250, 1000, 4000, 20000])
    parser.add_argument("--budget", type=int, default=80000)
    args = parser.parse_args()
    table = {}
    for n in args.sizes:
        k = max(4, args.budget // n)
        d = pd.DataFrame([run(args.preset, n, 5000 + i) for i in range(k)])
        table[f"{n:,} ({k} seeds)"] = [f"{m:.4f} ± {s:.4f}" for m, s in zip(d.mean(), d.std(ddof=1) / np.sqrt(k),
                                                                             strict=True)]
        index = d.columns
    print(f"{args.preset}, years 4-5, mean ± standard error over seeds")
    print(pd.DataFrame(table, index=index).to_string())


if __name__ == "__main__":
    main()
