"""The shipped smoke calibration end to end: it runs, its report builds, its posterior medians become
defaults through the calibrated data file, and a sweep draws parameter sets from its posterior file."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.calibrate import (
    CalibrationError,
    apply_calibrated_defaults,
    calibrate,
    posterior_medians,
    posterior_sample,
    write_posterior_file,
)
from experiments.reports import build_calibration_report, build_report
from experiments.sweep.spec import SpecError, load_spec
from model.parameters import DECLARED, PARAMETER_TABLE, apply_calibration

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ROOT / "experiments" / "specs" / "calibration_smoke.toml"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("smoke") / "calibration_smoke"
    result = calibrate(SMOKE, out, workers=2, quiet=True)
    return out, result


def test_the_smoke_calibration_finishes_with_a_posterior_and_predictive_runs(smoke):
    out, result = smoke
    spec = tomllib.loads(SMOKE.read_text())
    assert result.generations == spec["abc"]["generations"]
    post = pd.read_csv(out / "posterior.csv")
    assert list(post.columns) == [*spec["parameters"], "weight"]
    assert len(post) == spec["abc"]["population"][-1] and post["weight"].sum() == pytest.approx(1.0)
    pred = pd.read_parquet(out / "predictive.parquet")
    assert len(pred) == spec["predictive"] and {"C1", "C12", "C11a"} <= set(pred.columns)


def test_the_report_builds_from_the_smoke_calibration(smoke):
    out, _ = smoke
    path = build_report(out)  # the generic entry point dispatches on the folder's kind
    text = path.read_text()
    for section in ("## What ran", "## Generations", "## Posterior", "## Targets", "## Targets the model cannot meet"):
        assert section in text
    for figure in ("prior_posterior", "posterior_pairs", "targets", "target_misses", "generations"):
        assert (out / "report" / "figures" / f"{figure}.png").is_file(), figure
    targets = pd.read_csv(out / "report" / "tables" / "targets.csv")
    assert set(targets["target"]) >= {"C1", "C4a", "C4b", "C10", "C12"}
    assert set(targets["verdict"]) <= {"met", "met in part", "cannot meet: too high", "cannot meet: too low",
                                       "not measured"}
    r = subprocess.run([sys.executable, "-m", "experiments", "status", str(out)], cwd=ROOT, capture_output=True,
                       text=True)
    assert r.returncode == 0 and "3/3 generations, finished" in r.stdout


def test_the_report_reads_a_calibration_in_progress(smoke, tmp_path):
    out, _ = smoke
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    for name in ("posterior.csv", "predictive.parquet", "calibration.json"):
        (copy / name).unlink()
    text = build_calibration_report(copy).read_text()
    assert "in progress or interrupted: 3 of 3 generations" in text
    assert "accepted particles" in text  # no predictive runs yet: the last generation's own statistics


def test_posterior_medians_become_defaults_through_the_calibrated_data_file(smoke, tmp_path):
    """apply-defaults writes data (model/calibrated.toml's format), never Python; the parameter table read
    with that file has the medians as defaults and the calibration before each prior's source."""
    out, _ = smoke
    data = tmp_path / "calibrated.toml"
    posterior = tmp_path / "posteriors" / "calibration.csv"
    changes = apply_calibrated_defaults(out, data, posterior, "experiments/specs/calibration_smoke.toml")
    medians = posterior_medians(out)
    assert set(changes) == set(medians)
    table = {p.name: p for p in apply_calibration(DECLARED, data)}
    for name, value in medians.items():
        assert table[name].default == value and changes[name][1] == value
        source = table[name].source
        assert source.startswith("calibrated (") and "posterior median of `experiments/specs/calibration_smoke.toml`" \
            in source and "prior's source: assumption" in source
    assert "fear_decay" not in medians and table["fear_decay"] == next(p for p in DECLARED if p.name == "fear_decay")
    assert not list(tmp_path.glob("*.py"))  # no source was written
    post = pd.read_csv(posterior)
    assert list(post.columns) == [*medians, "weight"]


def test_the_shipped_calibrated_file_sets_the_defaults():
    """Every entry of model/calibrated.toml is a parameter's default, cited as calibrated; deleting the file
    gives back the declared defaults."""
    shipped = tomllib.loads((ROOT / "model" / "calibrated.toml").read_text())["parameters"]
    for name, entry in shipped.items():
        assert PARAMETER_TABLE[name].default == entry["value"] and PARAMETER_TABLE[name].calibration == entry
        assert PARAMETER_TABLE[name].source.startswith(f"calibrated ({', '.join(entry['targets'])})")
    bare = {p.name: p for p in apply_calibration(DECLARED, ROOT / "no-such-file.toml")}
    assert all(bare[name].calibration is None for name in shipped)


def test_defaults_are_refused_for_an_unfinished_calibration(smoke, tmp_path):
    out, _ = smoke
    copy = tmp_path / "unfinished"
    shutil.copytree(out, copy)
    (copy / "calibration.json").unlink()
    with pytest.raises(CalibrationError, match="has not finished"):
        apply_calibrated_defaults(copy, tmp_path / "p.py", tmp_path / "c.csv")


def test_a_sweep_draws_parameter_sets_from_the_posterior(smoke, tmp_path):
    out, _ = smoke
    write_posterior_file(out, tmp_path / "posterior.csv")
    spec_path = tmp_path / "sweep.toml"
    spec_path.write_text("""
name = "over_the_posterior"
steps = 30
seed = 4
outputs = ["removals_cumulative", "reporting_rate_undocumented"]
[fixed]
n_residents = 300
[parameters]
preset = ["pre_sc", "sc_full"]
[design]
method = "posterior"
posterior = "posterior.csv"
samples = 5
""")
    spec = load_spec(spec_path)
    from experiments.sweep.design import build_design

    points = build_design(spec)
    post = posterior_sample(out)
    names = [c for c in post.columns if c != "weight"]
    assert len(points) == 10 and set(names) <= set(points.columns)
    file = pd.read_csv(tmp_path / "posterior.csv")
    for row in points[names].itertuples(index=False):  # every draw is a particle of the file
        assert np.isclose(file[names].to_numpy(), np.array(row)).all(axis=1).any()
    assert (points[points.preset == "pre_sc"][names].to_numpy() == points[points.preset == "sc_full"][names]
            .to_numpy()).all()  # the same draws for each preset
    from experiments.sweep import run_sweep

    result = run_sweep(spec_path, out=tmp_path / "sweep", workers=1, quiet=True)
    assert result.failed == 0 and result.ran == 10
    report = build_report(tmp_path / "sweep").read_text()
    assert "## Over the posterior" in report
    (tmp_path / "posterior.csv").write_text((tmp_path / "posterior.csv").read_text().replace("weight", "colour"))
    with pytest.raises(SpecError, match="design.posterior: .*column 'colour' is not a parameter"):
        load_spec(spec_path)
