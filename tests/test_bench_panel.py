"""The panel benchmark's cost model at full scale (``experiments.bench.panel``): a county's step and build are
read off the measured sizes, and where cost is linear in residents that agrees with the small sizes' fit."""

import numpy as np
import pytest

from experiments.bench.panel import NATIONAL, full_scale, measured
from experiments.panel.spec import load_panel_spec


def _points(step, build, sizes=(20, 300, 3_000, 30_000, 300_000, 1_000_000)):
    return [{"n_residents": n, "ms_per_step": step(n), "build_s": build(n)} for n in sizes]


def test_a_county_between_two_measured_sizes_costs_the_line_between_them_and_past_the_largest_its_slope():
    points = [{"n_residents": 1_000, "ms_per_step": 1.0, "build_s": 0.1},
              {"n_residents": 3_000, "ms_per_step": 2.0, "build_s": 0.5},
              {"n_residents": 5_000, "ms_per_step": 5.0, "build_s": 0.6}]
    assert measured([1_000, 3_000, 5_000], points, "ms_per_step").tolist() == [1.0, 2.0, 5.0]
    assert measured([2_000, 4_000], points, "ms_per_step").tolist() == [1.5, 3.5]
    assert measured([7_000], points, "ms_per_step").tolist() == [8.0]  # 5 + 2,000 x (3 / 2,000)
    assert measured([500], points, "build_s").tolist() == [0.1]  # below the smallest: the smallest's
    assert measured([5_000, 9_000], points, "build_s") == pytest.approx([0.6, 0.8])


def test_where_cost_is_linear_in_residents_the_measured_sizes_give_the_fits_core_hours():
    spec = load_panel_spec(NATIONAL)
    a, b, c, d = 0.4e-3, 0.08e-6, 0.03, 9e-6
    cost = {"points": _points(lambda n: (a + b * n) * 1e3, lambda n: c + d * n),
            "fixed_ms_per_step": a * 1e3, "us_per_resident_step": b * 1e6,
            "fixed_build_s": c, "us_per_resident_build": d * 1e6}
    memory = {"base_mib": 150.0, "mib_per_1000_residents": 1.2}
    out = full_scale(spec, cost, memory)
    assert out["core_hours"] == pytest.approx(out["core_hours_from_fit"], abs=0.01)
    assert out["core_hours"] == pytest.approx(out["steps_core_hours"] + out["builds_core_hours"], abs=0.01)
    assert out["population"] > 250_000_000


def test_a_step_that_costs_less_per_resident_in_large_counties_lowers_the_full_scale_below_the_fit():
    spec = load_panel_spec(NATIONAL)
    memory = {"base_mib": 150.0, "mib_per_1000_residents": 1.2}

    def step(n):  # 0.1 us a resident up to 30,000, 0.05 us a resident from there
        return (0.4e-3 + 0.1e-6 * min(n, 30_000) + 0.05e-6 * max(n - 30_000, 0)) * 1e3

    cost = {"points": _points(step, lambda n: 0.03), "fixed_ms_per_step": 0.4, "us_per_resident_step": 0.1,
            "fixed_build_s": 0.03, "us_per_resident_build": 0.0}
    out = full_scale(spec, cost, memory)
    assert out["core_hours"] < 0.7 * out["core_hours_from_fit"]  # (the fit: 0.1 us a resident everywhere)
    assert np.isfinite(out["largest_county_hours"])
