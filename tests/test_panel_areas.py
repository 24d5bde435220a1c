"""Counties that share ICE (experiments.panel.coupled): an area's places go where its counties' candidates
are, so a county whose jail declines detainers shifts ICE's effort to its neighbours, but only when places
are short; a coupled panel is the same on every executor and resumes after SIGKILL from its last period."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from agents.capacity import allocate_by_priority
from experiments.panel import build_design, panel_store, panel_tasks, run_panel
from experiments.panel.coupled import _load, ice_areas, run_area
from experiments.panel.spec import parse_panel_spec

ROOT = Path(__file__).resolve().parents[1]
HEADER = ("county_id,population,share_undocumented,share_lpr,share_naturalized,hispanic_share,border,"
          "policing_intensity,detainer_policy,area,activation_week")
HELD = ("ice_pickups", "at_large_arrests", "background_arrests")  # ICE's detentions, every door


def tiny_nation(folder: Path, policy: str) -> Path:
    """One ICE area: a big county with the given policy and three neighbours that cooperate fully."""
    rows = [HEADER, f"1,150000,0.08,0.07,0.1,0.3,false,1.2,{policy},X,1"]
    rows += [f"{c},80000,0.08,0.07,0.1,0.3,false,1.2,full,X,1" for c in (2, 3, 4)]
    path = folder / f"{policy}.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def area_run(folder: Path, policy: str, **model) -> tuple[list, list]:
    raw = {"name": "one_area", "seed": 5, "weeks": 156, "start_date": "2008-01-07", "fraction": 0.05,
           "reporters": list(HELD), "counties": {"table": tiny_nation(folder, policy).name},
           "rollout": {"rule": "table", "window_start": "2008-01-07", "window_end": "2008-06-30"},
           "ice": {"capacity": "area", "period_weeks": 13}, "model": {"proactive_arrest_rate": 0.08, **model},
           "estimation": {"outcomes": ["crime_rate"], "window": [-2, 1]}}
    spec = parse_panel_spec(raw, base=folder)
    (task,) = panel_tasks(spec, build_design(spec))
    rates = []
    results = run_area(task, rates=rates)
    held = [int(sum(treated[k].sum() for k in HELD)) for treated, _ in results]
    return held, [r for world, _, r in rates if world == "treated"]


def test_a_sanctuary_county_shifts_ices_effort_to_its_neighbours_only_when_capacity_binds(tmp_path):
    full, rates_full = area_run(tmp_path, "full")  # the model's national capacity: places are short
    sanctuary, rates_sanctuary = area_run(tmp_path, "sanctuary")
    assert sanctuary[0] < full[0] / 2  # the sanctuary county's jail hands ICE far fewer people
    assert sum(sanctuary[1:]) > 1.2 * sum(full[1:])  # and ICE detains more of its neighbours
    assert np.mean(rates_sanctuary) > np.mean(rates_full) and max(map(max, rates_full)) < 1
    # with places for everyone, the take rate is 1 whatever a neighbour does: the neighbours' runs are identical
    roomy_full, roomy_rates = area_run(tmp_path, "full", ice_capacity_share=0.3)
    roomy_sanctuary, _ = area_run(tmp_path, "sanctuary", ice_capacity_share=0.3)
    assert all(np.all(r == 1) for r in roomy_rates)
    assert roomy_sanctuary[1:] == roomy_full[1:] and roomy_sanctuary[0] < roomy_full[0]


def test_places_go_down_the_ranks_across_the_area_when_allocated_by_priority():
    demand = [[2, 5, 0], [1, 0, 10]]  # county x rank
    np.testing.assert_allclose(allocate_by_priority(6, demand), [2 + 5 * 3 / 5, 1])
    np.testing.assert_allclose(allocate_by_priority(100, demand), [7, 11])  # no more than each county's candidates


def test_without_an_area_column_an_area_is_a_group_of_whole_states():
    table = pd.DataFrame({"state": ["S03", "S01", "S02", "S01", "S04", "S03"]})
    areas = ice_areas(table, 2)
    assert list(areas) == ["A01", "A01", "A02", "A01", "A02", "A01"]  # S01, S03 -> A01; S02, S04 -> A02
    assert list(ice_areas(pd.DataFrame({"x": [1, 2]}), 5)) == ["A01", "A01"]
    assert list(ice_areas(pd.DataFrame({"area": [7, 8], "state": ["S01", "S01"]}), 5)) == ["7", "8"]


# --- the coupled panel on every executor, and after SIGKILL ---

TABLE = ROOT / "experiments" / "data" / "counties_national.csv"
SPEC = f"""
name = "tiny_areas"
seed = 4
weeks = 104
start_date = "2008-01-07"
fraction = 0.01
[counties]
table = "{TABLE}"
sample = 14
[rollout]
window_start = "2008-07-07"
window_end = "2009-06-29"
[ice]
capacity = "area"
areas = 3
period_weeks = 13
[estimation]
outcomes = ["crime_rate"]
window = [-3, 3]
"""


def stored(out):
    from experiments.panel import load_panel

    runs = panel_store(out).records()[["run_id", "point_id", "replicate", "seed", "status", "counties"]]
    return load_panel(out), load_panel(out, "week"), runs.sort_values("run_id").reset_index(drop=True)


def assert_same(a, b):
    for x, y in zip(a, b, strict=True):
        assert len(x) > 0
        pd.testing.assert_frame_equal(x, y, check_exact=True)


@pytest.fixture(scope="module")
def spec_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("spec") / "tiny_areas.toml"
    path.write_text(SPEC)
    return path


@pytest.fixture(scope="module")
def serial(spec_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("serial") / "tiny_areas"
    result = run_panel(spec_file, out=out, workers=1, quiet=True)
    assert result.failed == 0 and result.total == 3
    assert not (out / "periods").exists()  # every task stored: its checkpoints are gone
    return stored(out)


def test_a_coupled_panel_is_the_same_on_two_processes_and_on_dask(serial, spec_file, dask_cluster, tmp_path):
    result = run_panel(spec_file, out=tmp_path / "p", workers=2, quiet=True)
    assert result.executor == "processes" and result.failed == 0
    assert_same(serial, stored(tmp_path / "p"))
    result = run_panel(spec_file, out=tmp_path / "d", scheduler=dask_cluster, quiet=True)
    assert result.executor == "dask" and result.failed == 0
    assert_same(serial, stored(tmp_path / "d"))


def test_a_coupled_task_killed_mid_run_goes_on_from_its_last_period(serial, spec_file, tmp_path):
    out = tmp_path / "killed"
    driver = subprocess.Popen([sys.executable, "-m", "experiments", "panel", str(spec_file), "--out", str(out),
                               "--workers", "1", "--quiet"], cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and driver.poll() is None:
        if any((out / "periods").glob("*/week*.ckpt")) if (out / "periods").exists() else False:
            break
        time.sleep(0.01)
    assert driver.poll() is None, driver.stderr.read().decode()
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    (folder,) = [p for p in (out / "periods").iterdir() if any(p.glob("week*.ckpt"))]
    spec = parse_panel_spec({**__import__("tomllib").loads(SPEC)}, base=spec_file.parent)
    task = next(replace(t, checkpoint=str(folder)) for t in panel_tasks(spec, build_design(spec))
                if t.run_id == folder.name)
    week = _load(folder, task)["week"]
    assert 0 < week < task.weeks
    rates = []
    run_area(task, folder, rates)  # resumes: its first allocation is at the week the checkpoint holds
    assert rates[0][1] == week

    result = run_panel(spec_file, out=out, workers=1, quiet=True)  # the panel resumed
    assert result.failed == 0 and result.skipped + result.ran == 3
    assert_same(serial, stored(out))
    assert not (out / "periods").exists()


def test_news_of_the_neighbours_simulated_detentions_chills_a_county_the_program_has_not_reached(tmp_path):
    """[spillover] neighbours: a county hears the detentions in its area's other counties' runs, period by
    period. A county the program never reaches, beside one it reached in week 1, is more chilled with it."""
    rows = [HEADER, "1,150000,0.08,0.07,0.1,0.3,false,1.2,full,X,1", "2,80000,0.08,0.07,0.1,0.3,false,1.2,full,X,500"]
    (tmp_path / "news.csv").write_text("\n".join(rows) + "\n")
    chilled = {}
    for news in (0.0, 1.0):
        raw = {"name": "news", "seed": 5, "weeks": 104, "start_date": "2008-01-07", "fraction": 0.05,
               "counties": {"table": "news.csv"}, "spillover": {"neighbours": news},
               "rollout": {"rule": "table", "window_start": "2008-01-07", "window_end": "2008-06-30"},
               "ice": {"capacity": "area", "period_weeks": 13}, "model": {"proactive_arrest_rate": 0.08},
               "estimation": {"outcomes": ["crime_rate"], "window": [-2, 1]}}
        spec = parse_panel_spec(raw, base=tmp_path)
        (task,) = panel_tasks(spec, build_design(spec))
        (_, (waiting, _)) = run_area(task)
        chilled[news] = float(np.nanmean(waiting["chilled_share_hispanic"][52:]))  # its second year
    assert chilled[1.0] > 1.5 * chilled[0.0]
    from experiments.core.schema import SpecError

    with pytest.raises(SpecError, match="spillover.neighbours"):
        parse_panel_spec({**raw, "ice": {"capacity": "county"}}, base=tmp_path)
