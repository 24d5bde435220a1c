"""The experiments side changes no number unless it means to: a tiny sweep (with its report's tables) and a
tiny panel give the same results, to the last digit, as when their hashes were stored.

The hashes cover the stored data (timings, hosts and process ids left out) and the report's CSV tables. A
change that is meant to change them (a model change, a new reporter) is recorded with::

    UPDATE_EXPERIMENTS_GOLDEN=1 .venv/bin/python -m pytest tests/test_experiments_golden.py

and says so in its commit. (The model side has its own golden test, ``tests/test_golden.py``.)
"""

import hashlib
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from experiments.core.store import TIMING_COLUMNS
from experiments.panel import load_panel, run_panel
from experiments.reports import build_report
from experiments.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
FILE = Path(__file__).with_name("data") / "experiments_golden.json"
UPDATE = os.environ.get("UPDATE_EXPERIMENTS_GOLDEN") == "1"

SWEEP = """
name = "golden_sweep"
replications = 2
seed = 7
common_random_numbers = true
steps = 60
[fixed]
n_residents = 400
activation_week = 20
[parameters]
preset = ["pre_sc", "sc_full"]
[analysis]
baseline = "pre_sc"
effects = ["removals_cumulative", "reporting_rate_cohort_hispanic", "crimes_reported_cumulative"]
"""
PANEL = """
name = "golden_panel"
seed = 11
replications = 1
weeks = 52
start_date = "2008-01-07"
fraction = 0.001
min_residents = 40
batch_cost = 20000
[counties]
table = "{table}"
sample = 6
[rollout]
window_start = "2008-03-03"
window_end = "2008-09-01"
"""


def digest(df: pd.DataFrame) -> str:
    """Content hash of a table: its columns, their types and every value (timing columns left out)."""
    df = df[[c for c in df.columns if c not in TIMING_COLUMNS and c not in ("cpu_time", "worker_deaths")]]
    df = df.reset_index(drop=True)
    values = pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes()
    return hashlib.sha256(values + repr([(c, str(t)) for c, t in df.dtypes.items()]).encode()).hexdigest()[:20]


def check(found: dict, key: str) -> None:
    stored = json.loads(FILE.read_text()) if FILE.exists() else {}
    if UPDATE:
        stored[key] = found
        FILE.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")
        return
    if key not in stored:
        pytest.fail(f"no stored hashes for {key}; record them with UPDATE_EXPERIMENTS_GOLDEN=1")
    changed = {k: (stored[key].get(k), v) for k, v in found.items() if stored[key].get(k) != v}
    missing = sorted(set(stored[key]) - set(found))
    assert not changed and not missing, f"changed: {sorted(changed)}; missing: {missing}"


def test_a_tiny_sweep_and_its_report_tables_are_unchanged(tmp_path):
    spec = tmp_path / "golden_sweep.toml"
    spec.write_text(SWEEP)
    out = tmp_path / "sweep"
    run_sweep(spec, out=out, workers=1, quiet=True)
    build_report(out)
    found = {"runs.parquet": digest(pd.read_parquet(out / "runs.parquet"))}
    for part in ("data", "events"):
        for f in sorted((out / part).glob("*.parquet")):
            found[f"{part}/{f.name}"] = digest(pd.read_parquet(f))
    for f in sorted((out / "report" / "tables").glob("*.csv")):
        found[f"report/tables/{f.name}"] = digest(pd.read_csv(f))
    assert {"report/tables/effects.csv", "report/tables/funnel.csv", "report/tables/final_values.csv"} <= set(found)
    check(found, "sweep")


def test_a_tiny_panel_is_unchanged(tmp_path):
    spec = tmp_path / "golden_panel.toml"
    spec.write_text(PANEL.format(table=ROOT / "experiments" / "data" / "counties_national.csv"))
    out = tmp_path / "panel"
    result = run_panel(spec, out=out, workers=1, quiet=True)
    assert result.failed == 0
    found = {"counties.parquet": digest(pd.read_parquet(out / "counties.parquet")),
             "quarter": digest(load_panel(out, "quarter")), "week": digest(load_panel(out, "week"))}
    check(found, "panel")
