"""C13 at the model's defaults: the chilled share of second- against third-generation US-born Hispanic
adults, years 3-4 after activation, full cooperation, in the surveyed county (experiments/targets.toml),
with the news channel or the person-to-person channels switched off.

    .venv/bin/python scripts/generation_gradient.py [--residents 8000] [--seeds 1 2 3]

A county-wide signal reaches both generations alike; only fear carried by ties to immigrants can make
the ratio exceed 1 (the survey's ratio is about 2, range 1.5-2.7).
"""

import argparse

import numpy as np

from experiments.calibration.targets import load_targets
from model import SecureCommunitiesModel, scenario

PEOPLE_OFF = {"family_tie_weight": 0.0, "kin_tie_weight": 0.0, "friend_hears_prob": 0.0,
              "acquaintance_hears_prob": 0.0, "retell_prob": 0.0}
VARIANTS = {"defaults": {}, "news off": {"salience_channel": False}, "people off": PEOPLE_OFF}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--residents", type=int, default=8000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    targets, counties = load_targets()
    c13 = targets["C13"]
    surveyed = counties["surveyed"].params
    activation = 52
    first, last = (activation + w for w in c13.window)
    print(f"C13 target {c13.value} [{c13.low}, {c13.high}]; weeks {first}-{last - 1}, {args.residents:,} residents")
    for label, extra in VARIANTS.items():
        cells = []
        for seed in args.seeds:
            model = SecureCommunitiesModel(rng=seed, n_residents=args.residents, **{
                **scenario("sc_full"), **surveyed, "activation_week": activation, **extra})
            for _ in range(last):
                model.step()
            recorded = model.datacollector.model_vars
            second = float(np.mean(recorded["chilled_share_hispanic_second_generation"][first:last]))
            third = float(np.mean(recorded["chilled_share_hispanic_third_generation"][first:last]))
            cells.append(f"seed {seed}: {second:.3f} / {third:.3f} = {second / third:.2f}")
        print(f"{label:>10}: " + "; ".join(cells))


if __name__ == "__main__":
    main()
