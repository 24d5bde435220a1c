"""What the twins' shared weeks save: every county of a panel spec (one replication) run as the panel runs it
(the twin starts from its treated run's snapshot the week before activation) and with the twin run from week 1,
in CPU seconds of this process; the spin-up cache is cleared before each, so both pay their own spin-up.

    .venv/bin/python scripts/twin_saving.py [experiments/specs/panel_smoke.toml]
"""

import sys
import time

from experiments.panel import build_design
from experiments.panel.design import county_parameters
from experiments.panel.outcomes import WEEKLY
from experiments.panel.spec import load_panel_spec
from experiments.panel.tasks import county_seed, run_county, run_model
from model.spin_up import clear_cache


def main() -> None:
    spec = load_panel_spec(sys.argv[1] if len(sys.argv) > 1 else "experiments/specs/panel_smoke.toml")
    design = build_design(spec)
    shared = alone = 0.0
    total = spec.weeks + spec.burn_in_weeks
    for i, params in enumerate(county_parameters(spec, design)):
        seed = county_seed(spec.seed, int(design["county_id"].iloc[i]), 0)
        clear_cache()
        t = time.process_time()
        run_county(params, seed, spec.weeks, WEEKLY, spec.burn_in_weeks)
        shared += time.process_time() - t
        clear_cache()
        t = time.process_time()
        run_model({**params, "sharing_active": True}, seed, spec.weeks, WEEKLY, spec.burn_in_weeks)
        if params["activation_week"] <= total:
            run_model({**params, "sharing_active": False}, seed, spec.weeks, WEEKLY, spec.burn_in_weeks)
        alone += time.process_time() - t
    print(f"{spec.name}: {len(design)} counties, {spec.weeks} weeks after a burn-in of {spec.burn_in_weeks}: "
          f"twins from week 1 {alone:.1f} CPU s, from the snapshot {shared:.1f} CPU s, saving {1 - shared / alone:.1%}")


if __name__ == "__main__":
    main()
