"""Every headline with its full uncertainty (experiments/sweep/propagation.py, experiments/sweep/prim.py): the
posterior design with assumption ranges is deterministic and pairs the presets of a draw on seeds of their
own; the variance decomposition recovers the seed share it is given; on a tiny county, over a posterior centred on
the defaults, the propagated interval contains the seed-only one and the report states the seed share; PRIM finds
the parameter that flips a sign."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from experiments.reports import build_report
from experiments.sweep import propagation, run_sweep
from experiments.sweep.design import build_design
from experiments.sweep.prim import sign_regions
from experiments.sweep.run import tasks_for
from experiments.sweep.spec import load_spec
from model.parameters import PARAMETER_TABLE

from .conftest import ROOT

POSTERIOR = ROOT / "experiments" / "posteriors" / "calibration.csv"
ASSUMPTIONS = ("chill_reporting_effect", "policy_salience_damping")
OUTPUT = "reporting_rate_cohort_hispanic"


COUNTY = f"""
common_random_numbers = true
steps = 104
outputs = ["{OUTPUT}", "fear_mean_hispanic", "removals_cumulative"]
[fixed]
n_residents = 1000
spin_up_weeks = 20
"""  # the tiny county both sweeps run: a year of the program in a county of 1,000
PRESETS = 'preset = ["pre_sc", "sc_full", "sc_sanctuary"]'
EFFECTS = f'[analysis]\nbaseline = "pre_sc"\neffects = ["{OUTPUT}", "fear_mean_hispanic"]'


def propagation_spec(folder, samples=6, replications=2, seed=7, posterior=POSTERIOR):
    path = folder / "propagation.toml"
    path.write_text(f"""name = "propagation"
replications = {replications}
seed = {seed}
collect_every = 4
{COUNTY}
[parameters]
{PRESETS}
chill_reporting_effect = {{ bounds = "model" }}
policy_salience_damping = {{ bounds = "model" }}
[design]
method = "posterior"
posterior = "{posterior}"
samples = {samples}
{EFFECTS}
""")
    return path


def test_the_design_is_deterministic_and_pairs_the_presets_of_a_draw_on_seeds_of_their_own(tmp_path):
    spec = load_spec(propagation_spec(tmp_path))
    points, again = build_design(spec), build_design(load_spec(propagation_spec(tmp_path)))
    pd.testing.assert_frame_equal(points, again)
    other = build_design(load_spec(propagation_spec(tmp_path / "..", seed=8)))
    assert not np.allclose(points["chill_reporting_effect"], other["chill_reporting_effect"])
    for name in ASSUMPTIONS:  # each assumption over its sweep range, one value per draw
        low, high = PARAMETER_TABLE[name].sweep
        assert points[name].between(low, high).all()
        assert points.groupby("sample_row")[name].nunique().eq(1).all()
        assert points.drop_duplicates("sample_row")[name].nunique() == 6
    seeds = {(t.point_id, t.replicate): t.seed for t in tasks_for(spec, points)}
    assert seeds == {(t.point_id, t.replicate): t.seed for t in tasks_for(spec, again)}
    row = dict(zip(points["point_id"], points["sample_row"], strict=True))
    by_draw = {}
    for (pid, rep), seed in seeds.items():
        by_draw.setdefault((row[pid], rep), set()).add(seed)
    assert all(len(s) == 1 for s in by_draw.values())  # the presets of a draw: the same seeds
    assert len({next(iter(s)) for s in by_draw.values()}) == len(by_draw)  # every draw and replicate: its own


@settings(max_examples=25, deadline=None)
@given(seed_sd=st.floats(0.1, 3.0), draw_sd=st.floats(0.1, 3.0), seed=st.integers(0, 10_000))
def test_the_seed_share_is_the_share_of_the_variance_between_the_seeds_of_a_draw(seed_sd, draw_sd, seed):
    rng = np.random.default_rng(seed)
    draws, seeds = 4000, 2
    effect = np.repeat(rng.normal(0, draw_sd, draws), seeds) + rng.normal(0, seed_sd, draws * seeds)
    pairs = pd.DataFrame({"preset": "sc_full", "sample_row": np.repeat(np.arange(draws), seeds), "y": effect})
    row = propagation.decompose(pairs, ["y"], 0.95).iloc[0]
    truth = seed_sd**2 / (seed_sd**2 + draw_sd**2)
    assert 0 <= row["seed_share"] <= 1
    assert abs(row["seed_share"] - truth) < 0.08  # about five standard errors at 4,000 draws
    assert row["high"] - row["low"] >= 0.9 * (row["draw_high"] - row["draw_low"])  # seeds widen the draws' range


def centred_posterior(path):
    """A posterior of six particles around the calibrated defaults (each fitted parameter at 0.8-1.25 times its
    default, in a different order for each), equally weighted: the defaults are its centre by construction."""
    from model.parameters import DEFAULTS

    names = [c for c in pd.read_csv(POSTERIOR, nrows=1).columns if c != "weight"]
    factors = np.array([0.8, 0.9, 0.95, 1.05, 1.1, 1.25])
    rng = np.random.default_rng(11)
    table = pd.DataFrame({n: DEFAULTS[n] * rng.permutation(factors) for n in names})
    table["weight"] = 1.0 / len(factors)
    table.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A tiny propagation (6 draws of a posterior centred on the defaults x 2 seeds x 3 presets) beside the same
    presets at the defaults (8 seeds)."""
    folder = tmp_path_factory.mktemp("prop")
    posterior = centred_posterior(folder / "posterior.csv")
    prop = run_sweep(propagation_spec(folder, posterior=posterior), out=folder / "propagation", workers=1, quiet=True)
    comparison = folder / "comparison.toml"
    comparison.write_text(f"""name = "comparison"
replications = 8
seed = 3
collect_every = 1
{COUNTY}
[parameters]
{PRESETS}
{EFFECTS}
propagation = "propagation"
""")
    comp = run_sweep(comparison, out=folder / "comparison", workers=1, quiet=True)
    assert prop.failed == 0 and comp.failed == 0
    return folder


def test_the_propagated_interval_contains_the_seed_only_interval_and_the_seed_share_is_reported(tiny):
    from experiments.sweep.analysis import load_results

    prop, defaults = load_results(tiny / "propagation"), load_results(tiny / "comparison")
    table = propagation.propagated_table(prop, [OUTPUT], "pre_sc", 104, defaults=defaults)
    # where the defaults are the posterior's centre, the interval the report gives at the defaults (the mean's,
    # seed noise alone) lies within the interval over draws, assumptions and seeds, which is wider. (Over the
    # shipped posterior this is a finding, not a construction: the effect at the parameters' medians need not be
    # central among the draws' effects; make run's 24 x 2 design finds it so, README.)
    for preset in ("sc_full", "sc_sanctuary"):
        row = table[table["preset"] == preset].iloc[0]
        assert row["low"] <= row["seed_ci_low"] <= row["seed_ci_high"] <= row["high"]
        assert row["high"] - row["low"] > row["seed_ci_high"] - row["seed_ci_low"]
        # a share of 1: the six draws' means differ by less than their seeds do (it can be, in so small a design)
        assert row["draws"] == 6 and row["pairs"] == 12 and 0 < row["seed_share"] <= 1
    report = build_report(tiny / "comparison").read_text()
    assert "**With the full uncertainty**" in report and "seed share" in report
    assert "## Where the sign flips" in report


def test_two_workers_give_the_serial_propagation(tiny, tmp_path):
    from experiments.sweep.analysis import load_results

    again = run_sweep(propagation_spec(tmp_path, posterior=tiny / "posterior.csv"), out=tmp_path / "propagation",
                      workers=2, quiet=True)
    assert again.failed == 0
    a, b = load_results(tiny / "propagation"), load_results(tmp_path / "propagation")
    xa, ya = propagation.draw_effects(a, "fear_mean_hispanic", "sc_sanctuary", "pre_sc", 104)
    xb, yb = propagation.draw_effects(b, "fear_mean_hispanic", "sc_sanctuary", "pre_sc", 104)
    pd.testing.assert_frame_equal(xa, xb)
    np.testing.assert_array_equal(ya, yb)
    for got, expected in zip(sign_regions(xb, yb.to_numpy()), sign_regions(xa, ya.to_numpy()), strict=True):
        pd.testing.assert_frame_equal(got, expected)


def test_prim_finds_the_parameter_that_flips_the_sign():
    rng = np.random.default_rng(1)
    x = pd.DataFrame(rng.random((80, 4)), columns=["chill_reporting_effect", "fear_decay", "segregation", "other"])
    effect = np.where(x["fear_decay"] > 0.6, -1.0, 1.0) + rng.normal(0, 0.2, 80)
    boxes, limits = sign_regions(x, effect)
    again = sign_regions(x, effect)
    pd.testing.assert_frame_equal(boxes, again[0])
    less = boxes.set_index("side").loc["less"]
    assert "fear_decay" in less["restricted"].split(", ") and less["density"] >= 0.8
    low = limits[(limits["side"] == "less") & (limits["parameter"] == "fear_decay")]["box_low"].iloc[0]
    assert 0.45 < low < 0.75
    with pytest.raises(ValueError, match="at least 4 draws"):
        sign_regions(x.head(3), effect[:3])


# --- Sobol of the effects -----------------------------------------------------------------------------------------


def sobol_spec(folder):
    path = folder / "sobol.toml"
    path.write_text(f"""
name = "sobol"
replications = 1
seed = 5
common_random_numbers = true
steps = 60
collect_every = 30
outputs = ["{OUTPUT}", "fear_mean_hispanic"]
[fixed]
n_residents = 300
spin_up_weeks = 10
[parameters]
preset = ["pre_sc", "sc_full"]
fear_sensitivity = {{ bounds = "posterior" }}
fear_decay = {{ bounds = "posterior" }}
chill_reporting_effect = {{ bounds = "model" }}
[design]
method = "sobol"
samples = 2
posterior = "{POSTERIOR}"
[analysis]
baseline = "pre_sc"
outputs = ["{OUTPUT}", "fear_mean_hispanic"]
""")
    return path


def test_sobol_of_the_effects_runs_on_a_tiny_design_and_two_workers_give_the_serial_indices(tmp_path):
    import warnings

    from experiments.sweep.indices import SensitivityWarning, sensitivity, top_three
    from experiments.sweep.posterior_design import weighted_quantile

    spec = load_spec(sobol_spec(tmp_path))
    post = pd.read_csv(POSTERIOR)
    ranges = {f.name: (f.low, f.high) for f in spec.factors if f.is_range}
    assert ranges["fear_decay"] == pytest.approx((weighted_quantile(post["fear_decay"], post["weight"], 0.05),
                                                  weighted_quantile(post["fear_decay"], post["weight"], 0.95)))
    assert ranges["chill_reporting_effect"] == PARAMETER_TABLE["chill_reporting_effect"].sweep
    serial = run_sweep(sobol_spec(tmp_path), out=tmp_path / "serial", workers=1, quiet=True)
    pool = run_sweep(sobol_spec(tmp_path), out=tmp_path / "pool", workers=2, quiet=True)
    assert serial.failed == pool.failed == 0 and serial.ran == 2 * 5 * 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SensitivityWarning)
        a, _ = sensitivity(tmp_path / "serial")
        b, _ = sensitivity(tmp_path / "pool")
    pd.testing.assert_frame_equal(a, b)
    assert set(a["preset"]) == {"sc_full"} and len(a) == 2 * 3  # effects against no program, not levels
    assert len(top_three(a)) == 2 * 3
    report = build_report(tmp_path / "serial").read_text()
    assert "**Top three by total-order index.**" in report and "chill reporting effect" in report


def test_paired_indices_find_the_parameter_that_drives_the_effect():
    """The effect (full minus no program) depends on `a` alone; the level of both presets on `b` as much: the
    indices of the effect rank `a` first, apart from the rest, and give `b` nothing."""
    from SALib.sample import sobol as saltelli

    from experiments.sweep.indices import paired_runs, sobol_from_arrays, top_three

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    x = saltelli.sample(problem, 256, calc_second_order=False, scramble=True, seed=1)
    level = 3 * x[:, 1]
    rows = [{"preset": p, "sample_row": i, "replicate": 0, "y": level[i] + (2 * x[i, 0] if p == "sc_full" else 0)}
            for p in ("pre_sc", "sc_full") for i in range(len(x))]
    effect = paired_runs(pd.DataFrame(rows), ["y"], "pre_sc").sort_values("sample_row")["y"].to_numpy()
    np.testing.assert_allclose(effect, 2 * x[:, 0])
    table, _ = sobol_from_arrays(problem, effect)
    top = top_three(table.assign(output="y"))
    assert top.iloc[0]["parameter"] == "a" and top.iloc[0]["above_next"] and top.iloc[0]["above_zero"]
    assert abs(table.set_index("parameter").loc["b", "ST"]) < 0.05


def test_rbd_fast_of_the_effects_runs_on_a_tiny_lhs_pairs_each_row_on_seeds_of_its_own_and_two_workers_agree(tmp_path):
    """The given-data design: the presets of a sample row share their seeds, the rows do not (the indices then
    average over counties); the indices are of the effects; serial and 2 workers give the same table; the report
    shows the figure, the top three and the convergence check."""
    import warnings

    from experiments.sweep.indices import SensitivityWarning, sensitivity

    path = sobol_spec(tmp_path)
    path.write_text(path.read_text().replace('method = "sobol"\nsamples = 2', 'method = "lhs"\nsamples = 80')
                    .replace('baseline = "pre_sc"', 'baseline = "pre_sc"\nindices = "rbd_fast"'))
    seeds = {}
    for t in tasks_for(load_spec(path)):
        seeds.setdefault(t.seed, set()).add(t.point_id % 80)
    assert len(seeds) == 80 and all(len(rows) == 1 for rows in seeds.values())
    serial = run_sweep(path, out=tmp_path / "serial", workers=1, quiet=True)
    pool = run_sweep(path, out=tmp_path / "pool", workers=2, quiet=True)
    assert serial.failed == pool.failed == 0 and serial.ran == 80 * 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SensitivityWarning)
        a, _ = sensitivity(tmp_path / "serial")
        b, _ = sensitivity(tmp_path / "pool")
    pd.testing.assert_frame_equal(a, b)
    assert set(a["preset"]) == {"sc_full"} and len(a) == 2 * 3 and set(a["n"]) == {80}
    report = build_report(tmp_path / "serial").read_text()
    assert "**Top three by first-order index.**" in report and "**Convergence.**" in report
    assert "chill reporting effect" in report and (tmp_path / "serial" / "report" / "figures").glob("sensitivity*")


def test_rbd_fast_of_the_paired_effects_finds_the_planted_driver():
    """The effect (full minus no program) is 2a + 0.5c plus noise; the level of both presets is 3b: on one Latin
    hypercube RBD-FAST ranks a first, apart from the rest, c second and gives b nothing."""
    from SALib.sample import latin

    from experiments.sweep.indices import paired_runs, rbd_fast_from_arrays, top_three

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0, 1]] * 3}
    x = latin.sample(problem, 1024, seed=1)
    noise = np.random.default_rng(2).normal(0, 0.1, len(x))
    rows = [{"preset": p, "sample_row": i, "replicate": 0,
             "y": 3 * x[i, 1] + (2 * x[i, 0] + 0.5 * x[i, 2] + noise[i] if p == "sc_full" else 0)}
            for p in ("pre_sc", "sc_full") for i in range(len(x))]
    effect = paired_runs(pd.DataFrame(rows), ["y"], "pre_sc").sort_values("sample_row")["y"].to_numpy()
    table, _ = rbd_fast_from_arrays(problem, x, effect)
    top = top_three(table.assign(output="y"), "S1")
    assert top["parameter"].tolist()[:2] == ["a", "c"] and top.iloc[0]["above_next"] and top.iloc[1]["above_zero"]
    assert abs(table.set_index("parameter").loc["b", "S1"]) < 0.05
