"""Golden numbers of the model: a digest of every reporter, every week, and of the event log, for a
few small configurations on fixed seeds.

A refactor must not change a number: ``tests/test_golden.py`` recomputes these digests and compares them
with ``tests/data/golden.json``. A change that is meant to change the model's numbers (a new mechanism,
a new default) rewrites the file, in the same commit, with

    .venv/bin/python -m tests.golden

and says so in the commit message.
"""

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from model import SecureCommunitiesModel, scenario

FILE = Path(__file__).with_name("data") / "golden.json"
WEEKS = 104
CONFIGS = {
    "sc_full": dict(**scenario("sc_full"), n_residents=1500, rng=1),
    "pre_sc": dict(**scenario("pre_sc"), n_residents=1500, rng=1),
    "schedules": dict(n_residents=1500, rng=7, detainer_policy="full;trust_act@70", policing_intensity=2.0,
                      enforcement_regime="sc;pep@60;eo2017@90", outside_news="0;0.4@30;1.1@80",
                      ethnic_profiling=True, cite_release_prob=0.5, reentry_mean_weeks=13),
    "close_ties_only": dict(**scenario("sc_hennessey"), n_residents=1200, rng=8, acquaintance_channel=False,
                            salience_channel=False, fear_for_others=False),
}


def digest(values) -> str:
    """The values to 9 significant digits (a CPU's last-bit differences in exp or a solve do not count)."""
    text = ",".join(f"{v:.9g}" for v in np.asarray(values, dtype=np.float64))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def digests(name: str) -> dict:
    """{reporter: digest of its weekly values, "events": digest of the event log} for one configuration."""
    m = SecureCommunitiesModel(**CONFIGS[name])
    for _ in range(WEEKS):
        m.step()
    frame = m.datacollector.get_model_vars_dataframe()
    out = {column: digest(frame[column].to_numpy(np.float64)) for column in sorted(frame.columns)}
    out["events"] = hashlib.sha256(m.event_log().to_csv(index=False).encode()).hexdigest()[:16]
    return out


def main() -> int:
    FILE.parent.mkdir(exist_ok=True)
    data = {name: digests(name) for name in CONFIGS}
    FILE.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"wrote {FILE} ({len(CONFIGS)} configurations, {WEEKS} weeks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
