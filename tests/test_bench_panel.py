"""The panel benchmark's cost model at full scale (``experiments.bench.panel``): a county's steps (with the program
and without it) and its build are read off the measured sizes, its weeks split by whether the program is in force,
and where cost is linear in residents that agrees with the small sizes' fit."""

from dataclasses import replace

import numpy as np
import pytest

from experiments.bench.panel import NATIONAL, county_cost, full_scale, measured, phase_split
from experiments.panel import build_design
from experiments.panel.design import model_weeks, program_weeks, twin_builds
from experiments.panel.spec import load_panel_spec
from model.network import PRODUCT_BLOCK, blocks_bytes

MEMORY = {"base_mib": 150.0, "mib_per_1000_residents": 1.2}


def _points(step, build, without=None, twin_build=None, sizes=(20, 300, 3_000, 30_000, 300_000, 1_000_000)):
    without, twin_build = without or step, twin_build or (lambda n: 0.0)
    return [{"n_residents": n, "ms_per_step_with": step(n), "ms_per_step_without": without(n), "build_s": build(n),
             "twin_build_s": twin_build(n), "ties_per_resident": 7.0} for n in sizes]


def _cost(points, a, b, c, d, a0=None, b0=None, c1=0.0, d1=0.0):
    return {"points": points, "fixed_ms_per_step_with": a * 1e3, "us_per_resident_step_with": b * 1e6,
            "fixed_ms_per_step_without": (a if a0 is None else a0) * 1e3,
            "us_per_resident_step_without": (b if b0 is None else b0) * 1e6,
            "fixed_build_s": c, "us_per_resident_build": d * 1e6,
            "fixed_twin_build_s": c1, "us_per_resident_twin_build": d1 * 1e6}


def test_a_county_between_two_measured_sizes_costs_the_line_between_them_and_past_the_largest_its_slope():
    points = [{"n_residents": 1_000, "ms_per_step_with": 1.0, "build_s": 0.1},
              {"n_residents": 3_000, "ms_per_step_with": 2.0, "build_s": 0.5},
              {"n_residents": 5_000, "ms_per_step_with": 5.0, "build_s": 0.6}]
    assert measured([1_000, 3_000, 5_000], points, "ms_per_step_with").tolist() == [1.0, 2.0, 5.0]
    assert measured([2_000, 4_000], points, "ms_per_step_with").tolist() == [1.5, 3.5]
    assert measured([7_000], points, "ms_per_step_with").tolist() == [8.0]  # 5 + 2,000 x (3 / 2,000)
    assert measured([500], points, "build_s").tolist() == [0.1]  # below the smallest: the smallest's
    assert measured([5_000, 9_000], points, "build_s") == pytest.approx([0.6, 0.8])


def test_a_countys_weeks_with_the_program_are_its_treated_runs_from_activation_and_none_of_its_twins():
    spec = load_panel_spec(NATIONAL)
    table = build_design(replace(spec, fraction=0.01))
    weeks, with_program = model_weeks(spec, table), program_weeks(spec, table)
    activation = table["activation_week"].to_numpy()
    reached = activation <= spec.weeks
    assert reached.any()
    # the treated run: weeks 1..activation-1 without, activation..end with; the twin: from activation, without
    assert np.array_equal(with_program[reached], spec.weeks + 1 - np.maximum(activation[reached], 1))
    assert np.array_equal(weeks - with_program, np.full(len(table), spec.weeks))
    assert (with_program[~reached] == 0).all()
    never = replace(spec, weeks=int(activation.min()) - 1)  # a panel that ends before anyone's activation
    assert (program_weeks(never, table) == 0).all()


def test_a_county_the_program_reaches_builds_its_twin_too_and_pays_for_it():
    spec = load_panel_spec(NATIONAL)
    table = build_design(replace(spec, fraction=0.01))
    reached = table["activation_week"].to_numpy() <= spec.weeks
    assert np.array_equal(twin_builds(spec, table), reached.astype(np.int64))
    points = _points(lambda n: 1.0, lambda n: 2.0, twin_build=lambda n: 0.5)
    out = county_cost([3_000, 3_000], np.array([0, 0]), np.array([0, 0]), _cost(points, 1e-3, 0, 2.0, 0, c1=0.5),
                      np.array([1, 0]))
    assert out["builds"].tolist() == [2.5, 2.0] and out["from_fit"].tolist() == pytest.approx([2.5, 2.0])


def test_weeks_with_the_program_cost_their_own_step_and_the_rest_theirs():
    points = _points(lambda n: 2.0, lambda n: 1.0, without=lambda n: 1.0)
    cost = _cost(points, 2e-3, 0.0, 1.0, 0.0, a0=1e-3, b0=0.0)
    out = county_cost([3_000, 3_000], np.array([100, 0]), np.array([50, 150]), cost)
    assert out["steps"].tolist() == pytest.approx([0.25, 0.15])  # 100 x 2 ms + 50 x 1 ms; 150 x 1 ms
    assert out["total"].tolist() == pytest.approx([1.25, 1.15])
    assert out["from_fit"].tolist() == pytest.approx([1.25, 1.15])


def test_where_cost_is_linear_in_residents_the_measured_sizes_give_the_fits_core_hours():
    spec = load_panel_spec(NATIONAL)
    a, b, c, d = 0.4e-3, 0.08e-6, 0.03, 9e-6
    a0, b0 = 0.35e-3, 0.07e-6
    points = _points(lambda n: (a + b * n) * 1e3, lambda n: c + d * n, without=lambda n: (a0 + b0 * n) * 1e3)
    out = full_scale(spec, _cost(points, a, b, c, d, a0, b0), MEMORY)
    assert out["core_hours"] == pytest.approx(out["core_hours_from_fit"], abs=0.01)
    assert out["core_hours"] == pytest.approx(out["steps_core_hours"] + out["builds_core_hours"], abs=0.01)
    assert out["population"] > 250_000_000
    assert 0 < out["weeks_with_program_share"] < 0.5  # the twins' weeks never have it


def test_a_dearer_week_with_the_program_raises_the_full_scale_by_its_share_of_the_weeks():
    spec = load_panel_spec(NATIONAL)
    same = full_scale(spec, _cost(_points(lambda n: 1e-4 * n, lambda n: 0.0), 0, 1e-7, 0, 0), MEMORY)
    dearer = full_scale(spec, _cost(_points(lambda n: 2e-4 * n, lambda n: 0.0, without=lambda n: 1e-4 * n),
                                    0, 2e-7, 0, 0, 0, 1e-7), MEMORY)
    share = same["weeks_with_program_share"]
    assert dearer["core_hours"] == pytest.approx(same["core_hours"] * (1 + share), rel=0.01)


def test_a_step_that_costs_less_per_resident_in_large_counties_lowers_the_full_scale_below_the_fit():
    spec = load_panel_spec(NATIONAL)

    def step(n):  # 0.1 us a resident up to 30,000, 0.05 us a resident from there
        return (0.4e-3 + 0.1e-6 * min(n, 30_000) + 0.05e-6 * max(n - 30_000, 0)) * 1e3

    out = full_scale(spec, _cost(_points(step, lambda n: 0.03), 0.4e-3, 0.1e-6, 0.03, 0.0), MEMORY)
    assert out["core_hours"] < 0.7 * out["core_hours_from_fit"]  # (the fit: 0.1 us a resident everywhere)
    assert np.isfinite(out["largest_county_hours"])


def test_counties_of_millions_dearer_per_resident_raise_the_full_scale_once_a_size_of_millions_is_measured():
    """The tie product of a county of millions misses the cache: measured at 3,000,000 residents, a step costs more
    per resident than at 1,000,000, and the counties past a million (a quarter of the resident-weeks) cost more
    than the line from 300,000 to 1,000,000 says."""
    spec = load_panel_spec(NATIONAL)

    def step(n):  # 0.065 us a resident up to 1,000,000; 0.1 us a resident past it
        return (0.4e-3 + 0.065e-6 * min(n, 1e6) + 0.1e-6 * max(n - 1e6, 0)) * 1e3

    sizes = (20, 300, 3_000, 30_000, 300_000, 1_000_000)
    to_a_million = full_scale(spec, _cost(_points(step, lambda n: 0.03, sizes=sizes), 0.4e-3, 0.065e-6, 0.03, 0.0),
                              MEMORY)
    to_millions = full_scale(spec, _cost(_points(step, lambda n: 0.03, sizes=(*sizes, 3_000_000)), 0.4e-3,
                                         0.065e-6, 0.03, 0.0), MEMORY)
    shares = to_millions["resident_weeks_share_by_size"]
    assert sum(shares.values()) == pytest.approx(1, abs=0.005)
    past_a_million = shares["1,000,000-3,000,000"] + shares["3,000,000+"]
    assert 0.1 < past_a_million < 0.5
    # the steps past a million cost 0.035 us a resident more: the steps' core-hours rise by about that share
    assert to_millions["steps_core_hours"] > to_a_million["steps_core_hours"] * (1 + 0.2 * past_a_million)


def test_the_speed_up_after_the_pools_start_takes_out_only_the_later_first_task():
    """A pool whose first task starts a second after the serial run's, then runs the same tasks in half the span:
    its speed-up is 21/12, and 21/11 once that second is taken out; the serial run's own start and both ends stay."""
    serial = {"wall": 21.0, "first_task": 0.5, "last_end": 20.5, "task_s": 20.0}
    two = {"wall": 12.0, "first_task": 1.5, "last_end": 11.5, "task_s": 20.2}
    split = phase_split(serial, two)
    assert split["speedup_after_start"] == round(21 / 11, 2)
    assert split["first_task_s"] == [0.5, 1.5] and split["end_s"] == [0.5, 0.5]
    assert split["two_workers_task_span_s"] == 10.0 and split["task_s"] == [20.0, 20.2]


def test_a_worker_for_a_county_of_millions_holds_its_ties_again_in_column_blocks():
    """The largest county (8 million residents at full scale) multiplies its ties in blocks: the worker's memory is
    the measured base and slope plus that copy, at the ties per resident measured."""
    spec = load_panel_spec(NATIONAL)
    points = _points(lambda n: 1e-4 * n, lambda n: 0.0)
    out = full_scale(spec, _cost(points, 0, 1e-7, 0, 0), MEMORY)
    n = out["largest_county"]
    assert n > PRODUCT_BLOCK
    assert out["blocks_mib_largest_county"] == round(blocks_bytes(n, round(7.0 * n)) / 2**20)
    assert out["worker_mib_largest_county"] == round(150 + 1.2 * n / 1000 + blocks_bytes(n, round(7.0 * n)) / 2**20)
