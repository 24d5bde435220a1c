"""Sobol indices through the whole pipeline (spec -> Saltelli design -> runs -> store -> SALib) recover the
Ishigami function's known indices; small samples and negative indices are flagged."""

import math
import warnings

import numpy as np
import pytest

from experiments.sweep import run_sweep
from experiments.sweep.analysis import summarize, t_interval
from experiments.sweep.indices import SensitivityWarning, sensitivity, sobol_from_arrays
from tests import sweep_models
from tests.sweep_models import Ishigami

sweep_models.register()

PI = math.pi
ISHIGAMI = f"""
name = "ishigami"
model = "ishigami"
replications = 1
seed = 11
steps = 1
[parameters]  # not in alphabetical order: indices must follow the names, not a sorted copy of them
x2 = {{ min = {-PI}, max = {PI} }}
x3 = {{ min = {-PI}, max = {PI} }}
x1 = {{ min = {-PI}, max = {PI} }}
[design]
method = "sobol"
samples = 1024
"""


def test_sobol_on_ishigami_recovers_the_known_indices(tmp_path):
    spec = tmp_path / "ishigami.toml"
    spec.write_text(ISHIGAMI)
    result = run_sweep(spec, out=tmp_path / "out", workers=1, quiet=True)
    assert result.ran == 1024 * 5 and result.failed == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SensitivityWarning)
        table, notes = sensitivity(tmp_path / "out", ["y"])
    truth = Ishigami.analytic()
    assert table["parameter"].tolist() == ["x2", "x3", "x1"]
    table = table.set_index("parameter").loc[["x1", "x2", "x3"]]
    np.testing.assert_allclose(table["S1"], truth["S1"], atol=0.06)
    np.testing.assert_allclose(table["ST"], truth["ST"], atol=0.06)
    assert (table["S1_conf"] < 0.1).all() and (table["ST_conf"] < 0.1).all()
    assert not [n for n in notes if "wider" in n]


def test_small_samples_are_flagged():
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-PI, PI]] * 3}
    from SALib.sample import sobol

    x = sobol.sample(problem, 16, calc_second_order=False, seed=2)
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    table, notes = sobol_from_arrays(problem, y)
    assert any("wider than" in n for n in notes)
    assert len([n for n in notes if "negative" in n]) == int((table[["S1", "ST"]] < -0.01).sum().sum())
    table2, notes2 = sobol_from_arrays(problem, np.where(np.arange(len(y)) % 5 == 2, -y, y))  # a broken output
    assert (table2[["S1", "ST"]] < -0.01).any().any() and any("is negative" in n for n in notes2)


def test_sensitivity_warns_as_python_warnings(tmp_path):
    spec = tmp_path / "ishigami.toml"
    spec.write_text(ISHIGAMI.replace("samples = 1024", "samples = 16"))
    run_sweep(spec, out=tmp_path / "out", workers=1, quiet=True)
    with pytest.warns(SensitivityWarning, match="wider than"):
        sensitivity(tmp_path / "out", ["y"])


def test_t_interval_and_summarize():
    values = [1.0, 2.0, 4.0, 5.0]
    mean, lo, hi = t_interval(values, 0.95)
    half = 3.182446305284263 * np.std(values, ddof=1) / 2  # t(0.975, 3)
    assert mean == 3.0 and lo == pytest.approx(3 - half) and hi == pytest.approx(3 + half)
    import pandas as pd

    df = pd.DataFrame({"g": ["a"] * 4 + ["b"] * 2, "v": values + [1.0, 1.0]})
    s = summarize(df, ["v"], "g").set_index("g")
    assert s.loc["a", "ci_low"] == pytest.approx(lo) and s.loc["b", "ci_high"] == 1.0 and s.loc["b", "n"] == 2


def test_rbd_fast_on_one_latin_hypercube_recovers_ishigami_first_order_indices_and_settles(tmp_path):
    """The given-data method: one LHS of 1,024 rows (a fifth of Saltelli's 5,120 runs above) gives the known
    first-order indices, and its convergence check shows the intervals narrowing as the rows grow."""
    from experiments.sweep.indices import convergence

    spec = tmp_path / "ishigami.toml"
    spec.write_text(ISHIGAMI.replace('method = "sobol"', 'method = "lhs"')
                    + '[analysis]\nindices = "rbd_fast"\n')
    result = run_sweep(spec, out=tmp_path / "out", workers=1, quiet=True)
    assert result.ran == 1024 and result.failed == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SensitivityWarning)
        table, notes = sensitivity(tmp_path / "out", ["y"])
    assert list(table.columns) == ["output", "parameter", "S1", "S1_conf", "n"]
    table = table.set_index("parameter").loc[["x1", "x2", "x3"]]
    np.testing.assert_allclose(table["S1"], Ishigami.analytic()["S1"], atol=0.06)
    assert (table["S1_conf"] < 0.1).all() and not notes
    conv = convergence(tmp_path / "out", ["y"])
    assert conv["rows"].tolist() == [256, 512, 1024]
    assert conv["widest"].is_monotonic_decreasing
    assert conv["top_three"].iloc[-1].startswith("x2 > x1")


def test_rbd_fast_needs_an_lhs_design_of_enough_rows():
    from experiments.core.schema import SpecError
    from experiments.sweep.spec import parse_spec

    raw = {"name": "s", "model": "ishigami", "parameters": {"x1": {"min": 0, "max": 1}, "x2": {"min": 0, "max": 1}},
           "design": {"method": "sobol", "samples": 64}, "analysis": {"indices": "rbd_fast"}}
    with pytest.raises(SpecError, match=r"analysis.indices: 'rbd_fast' reads a design.method = 'lhs' sample"):
        parse_spec(raw)
    with pytest.raises(SpecError, match=r"design.samples: analysis.indices = 'rbd_fast' needs at least 80"):
        parse_spec({**raw, "design": {"method": "lhs", "samples": 60}})
    with pytest.raises(SpecError, match=r"analysis.indices: must be one of \['sobol', 'morris', 'rbd_fast'\]"):
        parse_spec({**raw, "analysis": {"indices": "fast"}})
