"""The calibration (experiments/calibration/): specs refused before any run, the same posterior from the
same seed (serially and on worker processes), resume after SIGKILL, and parameter recovery."""

import copy
import os
import signal
import sqlite3
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest

from experiments.calibrate import (
    Simulator,
    calibrate,
    calibration_status,
    format_calibration_status,
    parse_calibration_spec,
    posterior_sample,
    posterior_summary,
)
from experiments.core.store import StoreMismatch
from experiments.sweep.spec import SpecError

ROOT = Path(__file__).resolve().parents[1]
TINY = """
name = "tiny"
seed = 11
targets = ["C8a", "C9"]
activation_week = 27
[counties.national]
n_residents = 800
[parameters]
clearance_prob_violent = { min = 0.3, max = 0.7 }
acquaintance_knowing_prob = { prior = "log-uniform" }
[abc]
population = 12
generations = 4
"""


def tiny(**changes) -> dict:
    raw = tomllib.loads(TINY)
    for key, value in changes.items():
        table = raw
        *path, last = key.split(".")
        for p in path:
            table = table.setdefault(p, {})
        if value is None:
            table.pop(last, None)
        else:
            table[last] = value
    return raw


def posterior_bytes(out) -> bytes:
    return (Path(out) / "posterior.csv").read_bytes()


def populations(out) -> list:
    con = sqlite3.connect(f"file:{Path(out) / 'history.db'}?mode=ro", uri=True)
    try:
        return con.execute("select t, epsilon, nr_samples, population_end_time from populations where t >= 0 "
                           "order by t").fetchall()
    finally:
        con.close()


# --- specs that cannot run ------------------------------------------------------------------------------------
@pytest.mark.parametrize("changes, message", [
    ({"parameters.fear_sensitivty": {}}, r"parameters\.fear_sensitivty: unknown model parameter \(did you mean "
                                         r"'fear_sensitivity'\?\)"),
    ({"targets": ["C8a", "C14"]}, r"targets\[1\]: unknown target 'C14'"),
    ({"check_targets": ["C99"]}, r"check_targets\[0\]: unknown target 'C99'"),
    ({"parameters.clearance_prob_violent": {"min": 0.7, "max": 0.3}},
     r"parameters\.clearance_prob_violent: bad prior: min \(0\.7\) must be less than max"),
    ({"parameters.clearance_prob_violent": {"min": 0.3, "max": 1.5}},
     r"parameters\.clearance_prob_violent\.max: bad prior"),
    ({"parameters.clearance_prob_violent": {"prior": "normal", "min": 0.3, "max": 0.7}},
     r"parameters\.clearance_prob_violent\.prior: must be one of \('uniform', 'log-uniform'\)"),
    ({"parameters.clearance_prob_violent": {"prior": "log-uniform", "min": 0.0, "max": 0.7}},
     r"parameters\.clearance_prob_violent\.min: a log-uniform prior needs min > 0"),
    ({"parameters.clearance_prob_violent": {}}, r"parameters\.clearance_prob_violent: the parameter table gives no "
                                                r"sweep range"),
    ({"parameters.witness_channel": {}}, r"parameters\.witness_channel: a boolean parameter cannot be fitted"),
    ({"parameters.outside_news": {}}, r"parameters\.outside_news: a levels parameter cannot be fitted"),
    ({"parameters.clearance_prob_violent": {"min": 0.3, "max": 0.7, "mean": 0.5}},
     r"parameters\.clearance_prob_violent\.mean: unknown key"),
    ({"counties.national": None}, r"counties\.national\.n_residents: required"),
    ({"counties.mars": {"n_residents": 10}}, r"counties\.mars: unknown county type"),
    ({"counties.national.n_residents": 5}, r"counties\.national\.n_residents"),
    ({"fixed.share_undocumented": 0.2}, r"fixed\.share_undocumented: set by the county"),
    ({"fixed.clearance_prob_violent": 0.5}, r"fixed\.clearance_prob_violent: also fitted"),
    ({"abc.generation": 3}, r"abc\.generation: unknown key \(did you mean 'generations'\?\)"),
    ({"abc.epsilon": [3.0, 2.0]}, r"abc\.epsilon: a schedule of 2 values for 4 generations"),
    ({"check_targets": ["C8"]}, r"check_targets: \['C8a'\] are fitted already"),
    ({"steps": 10}, r"steps: 10 weeks are too few for \['C8a', 'C9'\]"),
])
def test_a_bad_spec_fails_before_any_run_naming_the_key(changes, message, tmp_path):
    raw = tiny(**changes)
    with pytest.raises(SpecError, match=message):
        parse_calibration_spec(raw)


def test_the_command_line_refuses_a_bad_spec_in_one_line_and_creates_nothing(tmp_path):
    spec = tmp_path / "bad.toml"
    spec.write_text(TINY.replace("acquaintance_knowing_prob", "acquaintance_knowing"))
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "experiments", "calibrate", str(spec), "--out", str(out)], cwd=ROOT,
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0
    assert "parameters.acquaintance_knowing: unknown model parameter (did you mean 'acquaintance_knowing_prob'?)" \
        in r.stderr
    assert not out.exists()


def test_shipped_specs_are_valid():
    from experiments.calibrate import load_calibration_spec

    full = load_calibration_spec(ROOT / "experiments/specs/calibration.toml")
    smoke = load_calibration_spec(ROOT / "experiments/specs/calibration_smoke.toml")
    # C1-C13 and nothing else: the fit targets in the distance, the identities of one input only checked
    assert {t.id.rstrip("abc") for t in full.all_targets} == {f"C{i}" for i in range(1, 14)}
    assert all(t.role == "fit" for t in full.targets) and all(t.role == "check" for t in full.check_targets)
    assert full.noise >= 2  # the distance allows for each statistic's seed noise (docs/calibration.md)
    assert smoke.targets and smoke.priors


# --- the same seed, the same posterior --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def serial_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("cal") / "serial"
    result = calibrate(parse_calibration_spec(tiny()), out, workers=1, quiet=True)
    return out, result


def test_same_seed_gives_the_same_posterior_with_the_serial_sampler(serial_run, tmp_path):
    out, result = serial_run
    assert result.generations == 4 and result.ran == 4
    again = calibrate(parse_calibration_spec(tiny()), tmp_path / "again", workers=1, quiet=True)
    assert posterior_bytes(out) == posterior_bytes(again.out)
    assert [p[:3] for p in populations(out)] == [p[:3] for p in populations(again.out)]
    other = calibrate(parse_calibration_spec(tiny(seed=12)), tmp_path / "other", workers=1, quiet=True)
    assert posterior_bytes(out) != posterior_bytes(other.out)


def test_two_worker_processes_give_the_serial_posterior(serial_run, tmp_path):
    out, _ = serial_run
    parallel = calibrate(parse_calibration_spec(tiny()), tmp_path / "two", workers=2, quiet=True)
    assert parallel.executor == "processes"
    assert posterior_bytes(out) == posterior_bytes(parallel.out)
    assert [p[:3] for p in populations(out)] == [p[:3] for p in populations(parallel.out)]


def test_a_dask_cluster_gives_the_serial_posterior(serial_run, dask_cluster, tmp_path):  # dask_cluster: conftest.py
    out, _ = serial_run
    on_dask = calibrate(parse_calibration_spec(tiny()), tmp_path / "dask", scheduler=dask_cluster, quiet=True)
    assert on_dask.executor == "dask"
    assert posterior_bytes(out) == posterior_bytes(on_dask.out)
    assert [p[:3] for p in populations(out)] == [p[:3] for p in populations(on_dask.out)]


def test_a_finished_calibration_is_not_run_again_and_a_different_one_is_refused(serial_run):
    out, _ = serial_run
    before = populations(out)
    result = calibrate(parse_calibration_spec(tiny()), out, workers=1, quiet=True)
    assert result.ran == 0 and populations(out) == before
    with pytest.raises(StoreMismatch, match="different spec"):
        calibrate(parse_calibration_spec(tiny(seed=3)), out, workers=1, quiet=True)
    status = format_calibration_status(calibration_status(out))
    assert "4/4 generations, finished" in status and "generation 4: epsilon" in status


# --- resume -------------------------------------------------------------------------------------------------
def test_resume_after_sigkill_continues_from_the_database(serial_run, tmp_path):
    raw = TINY.replace("generations = 4", "generations = 6").replace("n_residents = 800", "n_residents = 1500")
    spec = tmp_path / "killed.toml"
    spec.write_text(raw)
    out = tmp_path / "out"
    driver = subprocess.Popen([sys.executable, "-m", "experiments", "calibrate", str(spec), "--out", str(out),
                               "--workers", "1", "--quiet"], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    done = []
    while time.monotonic() < deadline and driver.poll() is None:
        if (out / "history.db").is_file():
            try:
                done = populations(out)
            except sqlite3.Error:
                done = []
            if len(done) >= 2:
                break
        time.sleep(0.02)
    assert driver.poll() is None, driver.stderr.read().decode()
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    before = populations(out)
    assert 2 <= len(before) < 6

    result = calibrate(spec, out, workers=1, quiet=True)  # the same command again
    assert result.resumed_at == len(before) + 1 and result.ran == 6 - len(before)
    after = populations(out)
    assert len(after) == 6 and after[:len(before)] == before  # finished generations untouched
    fresh = calibrate(spec, tmp_path / "fresh", workers=1, quiet=True)  # never interrupted
    assert posterior_bytes(out) == posterior_bytes(fresh.out)
    assert [p[:3] for p in after] == [p[:3] for p in populations(fresh.out)]


# --- parameter recovery -------------------------------------------------------------------------------------
@pytest.mark.slow
def test_the_posterior_covers_known_parameters_from_synthetic_targets(tmp_path):
    """Targets made by the model itself at known values (4 runs pooled); the 90% posterior interval
    holds the truth and is narrower than the prior."""
    raw = {"name": "recovery", "seed": 5, "targets": ["C8a", "C9"], "activation_week": 105,
           "counties": {"national": {"n_residents": 2000}},
           "parameters": {"clearance_prob_violent": {"min": 0.3, "max": 0.7},
                          "acquaintance_knowing_prob": {"prior": "log-uniform", "min": 0.01, "max": 0.3}},
           "abc": {"population": 40, "generations": 4}}
    spec = parse_calibration_spec(copy.deepcopy(raw))
    truth = {"clearance_prob_violent": 0.55, "acquaintance_knowing_prob": 0.08}
    runs = [Simulator.of(spec).run(truth, seed) for seed in range(4)]
    observed = {t: float(np.mean([r[t] for r in runs])) for t in ("C8a", "C9")}
    result = calibrate(spec, tmp_path / "recovery", workers=1, quiet=True, observed=observed)
    assert result.generations == 4
    summary = posterior_summary(posterior_sample(result.out), spec.priors).set_index("parameter")
    for name, value in truth.items():
        row = summary.loc[name]
        assert row["q05"] <= value <= row["q95"], (name, value, row.to_dict())
        assert row["interval_share_of_prior"] < 0.75, (name, row.to_dict())


def test_a_calibration_spec_is_not_a_sweep_and_a_sweep_spec_is_not_a_calibration():
    from experiments.calibrate import load_calibration_spec
    from experiments.sweep.spec import load_spec

    with pytest.raises(SpecError, match="a calibration spec, not a sweep: run it with `python -m experiments calib"):
        load_spec(ROOT / "experiments/specs/calibration_smoke.toml")
    with pytest.raises(SpecError, match="a sweep spec, not a calibration: run it with `python -m experiments run`"):
        load_calibration_spec(ROOT / "experiments/specs/smoke.toml")
