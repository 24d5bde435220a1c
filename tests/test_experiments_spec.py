"""Sweep specs: the shipped ones load; bad ones fail before any run, naming the key."""

from pathlib import Path

import numpy as np
import pytest

from experiments.design import build_design
from experiments.runner import run_seed
from experiments.spec import SpecError, load_spec, parse_spec
from experiments.sweep import tasks_for

SPECS = Path(__file__).resolve().parents[1] / "experiments" / "specs"
GOOD = {"name": "t", "replications": 2, "seed": 1, "steps": 5, "fixed": {"n_residents": 200},
        "parameters": {"preset": ["pre_sc", "sc_full"], "policing_intensity": {"min": 0.5, "max": 2.0, "num": 4}}}


def spec_with(**changes):
    raw = {k: (dict(v) if isinstance(v, dict) else v) for k, v in GOOD.items()}
    for path, value in changes.items():
        *parents, last = path.split("__")
        table = raw
        for p in parents:
            table = table.setdefault(p, {})
        if value is None:
            table.pop(last, None)
        else:
            table[last] = value
    return raw


@pytest.mark.parametrize("path", sorted(SPECS.glob("*.toml")), ids=lambda p: p.name)
def test_shipped_specs_load_and_expand(path):
    spec = load_spec(path)
    tasks = list(tasks_for(spec))
    assert len(tasks) == len(build_design(spec)) * spec.replications == spec.n_runs
    assert len({t.run_id for t in tasks}) == len(tasks)


def test_factorial_crosses_every_value():
    spec = parse_spec(spec_with())
    points = build_design(spec)
    assert len(points) == 2 * 4
    assert sorted(points["policing_intensity"].unique()) == [0.5, 1.0, 1.5, 2.0]


@pytest.mark.parametrize("changes, key", [
    ({"colour": "red"}, "colour"),
    ({"replication": 3}, "replication"),  # misspelt: unknown key
    ({"design__method": "grid"}, "design.method"),
    ({"design__sample": 4}, "design.sample"),
    ({"fixed__n_residentz": 100}, "fixed.n_residentz"),
    ({"fixed__detainer_policy": "nope"}, "fixed.detainer_policy"),
    ({"fixed__share_undocumented": 1.5}, "fixed.share_undocumented"),
    ({"parameters__fear_sensitivity": {"min": 3.0, "max": 1.0, "num": 2}}, "parameters.fear_sensitivity"),
    ({"parameters__detainer_prob": {"min": 0.5, "max": 1.5, "num": 3}}, "parameters.detainer_prob.max"),
    ({"parameters__detainer_prob": {"min": 0.5, "max": 0.9}}, "parameters.detainer_prob"),  # no num
    ({"parameters__detainer_prob": {"min": 0.5, "max": 0.9, "num": 2, "stride": 1}}, "parameters.detainer_prob"),
    ({"parameters__preset": ["sc_full", "no_such_preset"]}, "parameters.preset[1]"),
    ({"parameters__policy": ["full"]}, "parameters.policy"),
    ({"parameters__detainer_policy": {"min": 0, "max": 1, "num": 2}}, "parameters.detainer_policy"),
    ({"replications": 0}, "replications"),
    ({"steps": "many"}, "steps"),
    ({"outputs": ["removals", "removls"]}, "outputs[1]"),
    ({"fixed__policing_intensity": 1.0}, "parameters.policing_intensity"),  # fixed and varied at once
    ({"design__method": "sobol", "design__samples": 100}, "design.samples"),  # not a power of 2
    ({"design__method": "lhs"}, "design.samples"),
    ({"analysis__heatmap": ["preset", "nope"]}, "analysis.heatmap"),
    ({"name": None}, "name"),
])
def test_bad_specs_fail_naming_the_key(changes, key):
    with pytest.raises(SpecError) as err:
        parse_spec(spec_with(**changes))
    assert key in str(err.value)


def test_combination_rejected_by_the_model_names_the_point():
    raw = spec_with(parameters__single_adult_share=[0.3, 0.4], parameters__single_parent_share=[0.2])
    with pytest.raises(SpecError, match="design point .*single_adult_share': 0.4.*must sum to at most 1"):
        parse_spec(raw)


def test_bad_toml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nreplications = \n')
    with pytest.raises(SpecError, match="bad.toml: not valid TOML"):
        load_spec(bad)
    with pytest.raises(SpecError, match="no such spec file"):
        load_spec(tmp_path / "missing.toml")


def test_cli_reports_a_bad_spec_before_running(tmp_path, capsys):
    from experiments.__main__ import main

    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[parameters]\nfear_sensitivity = { min = 2.0, max = 1.0, num = 3 }\n')
    assert main(["run", str(bad), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert "parameters.fear_sensitivity" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_seeds_depend_only_on_point_and_replicate():
    a = run_seed(7, 3, 1)
    assert a == run_seed(7, 3, 1)
    assert len({run_seed(7, p, r) for p in range(20) for r in range(5)}) == 100
    child = np.random.SeedSequence(7).spawn(4)[3].spawn(2)[1]
    assert a == int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
    spec = parse_spec(spec_with())
    seeds = {t.run_id: t.seed for t in tasks_for(spec)}
    assert seeds == {t.run_id: t.seed for t in reversed(list(tasks_for(spec)))}


def test_common_random_numbers_share_seeds_across_points():
    tasks = tasks_for(parse_spec(spec_with(common_random_numbers=True)))
    by_rep = {}
    for t in tasks:
        by_rep.setdefault(t.replicate, set()).add(t.seed)
    assert all(len(s) == 1 for s in by_rep.values()) and len({s.pop() for s in by_rep.values()}) == 2
    assert by_rep.keys() == {0, 1}
    with pytest.raises(SpecError, match="common_random_numbers"):
        parse_spec(spec_with(common_random_numbers="yes"))
