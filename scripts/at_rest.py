"""Is a county without the program at rest? Ten years of `pre_sc` per seed: yearly means of the chilled
shares and of undocumented residents' reporting, then each seed's ten-year change (least-squares slope x
10 years) with its mean over seeds and a t statistic (docs/ODD.md, "A county at rest: the spin-up").

    .venv/bin/python scripts/at_rest.py [--residents 8000] [--seeds 40] [--spin-up 260]
"""

import argparse

import numpy as np
import pandas as pd

from agents.codes import WEEKS_PER_YEAR
from model import SecureCommunitiesModel, scenario

COLUMNS = ("chilled_share_undocumented", "chilled_share_hispanic", "reporting_rate_undocumented")
YEARS = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=8000)
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--spin-up", type=int, default=None, help="spin_up_weeks (default: the model's)")
    args = parser.parse_args()
    extra = {} if args.spin_up is None else {"spin_up_weeks": args.spin_up}
    weeks = YEARS * WEEKS_PER_YEAR
    years, changes, points = [], [], []
    x = np.arange(YEARS) - (YEARS - 1) / 2
    for seed in range(args.seeds):
        model = SecureCommunitiesModel(rng=seed, n_residents=args.residents, **{**scenario("pre_sc"), **extra})
        for _ in range(weeks):
            model.step()
        recorded = model.datacollector.model_vars
        points.append({week: recorded["chilled_share_undocumented"][week] for week in (0, 156, weeks)})
        df = pd.DataFrame({c: recorded[c][1:] for c in COLUMNS})
        yearly = df.groupby(np.arange(weeks) // WEEKS_PER_YEAR).mean()
        years.append(yearly)
        changes.append({c: YEARS * float((x * (yearly[c] - yearly[c].mean())).sum() / (x * x).sum()) for c in COLUMNS})
    print(f"pre_sc, {args.residents:,} residents, {args.seeds} seeds, spin-up {extra.get('spin_up_weeks', 'default')}")
    print("chilled share of undocumented residents at weeks 0, 156 and 520, mean over seeds:",
          pd.DataFrame(points).mean().round(4).to_dict())
    print("yearly means over seeds:")
    print(pd.concat(years).groupby(level=0).mean().round(4).to_string())
    c = pd.DataFrame(changes)
    t = c.mean() / (c.std(ddof=1) / np.sqrt(len(c)))
    print("ten-year change, mean over seeds:", c.mean().round(4).to_dict())
    print("t:", t.round(2).to_dict())


if __name__ == "__main__":
    main()
