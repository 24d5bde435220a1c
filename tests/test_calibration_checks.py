"""What the calibration fits and what it only checks: targets that are identities of one input (role = "check"
in experiments/targets.toml) are computed and reported but never in the distance; the distance allows for each
statistic's seed noise; a target held out of the fit is predicted from the prior and the posterior."""

import math
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from experiments.calibrate import calibrate, parse_calibration_spec
from experiments.calibration.abc import rms_distance
from experiments.calibration.spec import SpecError, hold_out
from experiments.calibration.targets import load_targets
from experiments.reports import build_report

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "experiments" / "specs" / "calibration.toml"
IDENTITIES = {"C4a", "C4b", "C5", "C6a", "C6b", "C7", "C10"}  # each set by one input from the same source


def shipped():
    return parse_calibration_spec(tomllib.loads(SHIPPED.read_text()))


def test_the_identities_of_one_input_are_declared_checks():
    targets, _ = load_targets()
    assert {t for t, v in targets.items() if v.role == "check"} == IDENTITIES
    spec = shipped()
    assert {t.id for t in spec.check_targets} == IDENTITIES
    assert not IDENTITIES & {t.id for t in spec.targets}


def test_a_check_moves_the_distance_not_at_all_and_a_fitted_target_does():
    spec = shipped()
    published = {t.id: t.value for t in spec.all_targets}
    at_value = dict(published)
    checks_wild = {**published, **{t: 10 * published[t] + 1 for t in IDENTITIES}}
    assert rms_distance(at_value, published, spec.targets) == 0.0
    assert rms_distance(checks_wild, published, spec.targets) == 0.0
    c1 = next(t for t in spec.targets if t.id == "C1")
    assert rms_distance({**published, "C1": c1.high}, published, spec.targets) > 0.0


def test_seed_noise_widens_a_miss_so_a_noisy_statistic_weighs_less():
    c12 = next(t for t in shipped().targets if t.id == "C12")
    tolerance = c12.high - c12.value
    assert c12.z(c12.high) == pytest.approx(1.0)
    assert c12.z(c12.high, noise=tolerance) == pytest.approx(1 / math.sqrt(2))  # noise as large as the tolerance


TINY = """
name = "tiny_hold"
seed = 3
targets = ["C8a", "C9"]
activation_week = 14
noise = 3
predictive = 4
[counties.national]
n_residents = 600
[fixed]
spin_up_weeks = 26
[parameters]
clearance_prob_violent = { min = 0.3, max = 0.7 }
acquaintance_knowing_prob = { prior = "log-uniform" }
[abc]
population = 8
generations = 2
"""


def test_hold_out_refuses_a_target_the_spec_does_not_fit():
    spec = parse_calibration_spec(tomllib.loads(TINY))
    with pytest.raises(SpecError, match="C12"):
        hold_out(spec, ["C12"])
    with pytest.raises(SpecError, match="nothing would be left"):
        hold_out(spec, ["C8", "C9"])


@pytest.mark.slow
def test_a_held_out_target_is_predicted_from_prior_and_posterior_and_never_fitted(tmp_path):
    spec = parse_calibration_spec(tomllib.loads(TINY))
    out = tmp_path / "held"
    result = calibrate(spec, out, workers=1, quiet=True, held_out=["C9"])
    assert result.generations == 2
    manifest = __import__("json").loads((out / "manifest.json").read_text())
    assert manifest["fitted"] == ["C8a"] and manifest["held_out"] == ["C9"]
    assert (out / "noise.json").is_file()
    build_report(out)
    text = (out / "report" / "report.md").read_text()
    assert "## Held-out check" in text and "## Seed noise in the distance" in text
    held = pd.read_csv(out / "report" / "tables" / "held_out.csv")
    assert list(held["target"]) == ["C9"]
    row = held.iloc[0]
    assert row["prior predictive"].split()[0] != "nan" and row["posterior predictive"].split()[0] != "nan"
    noise = pd.read_csv(out / "report" / "tables" / "seed_noise.csv")
    assert list(noise["target"]) == ["C8a"]  # the noise of the fitted statistics only
