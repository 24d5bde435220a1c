"""Sweep specs: the shipped ones load; bad ones fail before any run, naming the key."""

from pathlib import Path

import numpy as np
import pytest

from experiments.core.runner import run_seed
from experiments.sweep import tasks_for
from experiments.sweep.design import build_design
from experiments.sweep.spec import SpecError, load_spec, parse_spec

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


def is_calibration_spec(path) -> bool:  # calibration specs (targets, abc) are checked in test_calibration_abc.py
    import tomllib

    return "targets" in tomllib.loads(path.read_text())


def is_panel_spec(path) -> bool:
    """Panel specs (docs/panel.md) run with `python -m experiments panel`; tests/test_panel_*.py check them."""
    return path.name.startswith("panel_")


@pytest.mark.parametrize("path", sorted(p for p in SPECS.glob("*.toml")
                                        if not is_calibration_spec(p) and not is_panel_spec(p)), ids=lambda p: p.name)
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


# --- defect 1: a spec file is data; it selects a registered model and runs no code ---

@pytest.mark.parametrize("changes, key", [
    ({"factory": "logging:basicConfig"}, "factory"),  # was imported and called with the [fixed] keys
    ({"factory": "this:x"}, "factory"),  # was imported: printed the Zen of Python
    ({"model": "this:x"}, "model"),
    ({"model": "os.path"}, "model"),
    ({"model": "no_such_model"}, "model"),
])
def test_a_spec_cannot_name_code_to_run(tmp_path, capsys, changes, key):
    target = tmp_path / "created_by_the_spec.log"
    raw = {**spec_with(**changes), "fixed": {"filename": str(target)}}
    with pytest.raises(SpecError) as err:
        parse_spec(raw)
    assert str(err.value).startswith(f"{key}: ") and "registered model" in str(err.value)
    assert not target.exists()
    assert "Beautiful is better than ugly" not in capsys.readouterr().out


def test_a_registered_model_checks_every_fixed_key(tmp_path):
    from experiments import register_model
    from tests.sweep_models import DiesOnce

    register_model("dies_once", DiesOnce)  # from Python: the only way besides --model on the command line
    raw = {"name": "t", "model": "dies_once", "outputs": ["x"], "fixed": {"filename": str(tmp_path / "f")}}
    with pytest.raises(SpecError, match=r"fixed.filename: unknown model parameter"):
        parse_spec(raw)
    spec = parse_spec({**raw, "fixed": {"marker": str(tmp_path / "m")}, "parameters": {"die": [False]}})
    assert spec.model == "dies_once" and spec.entry.factory is DiesOnce


def test_no_pickle_eval_or_imports_by_name_in_the_experiments_package():
    """What reads user files (specs, manifests, records, Parquet) never unpickles, evals or imports by name:
    the only dynamic import is the explicit --model flag (sweep/registry.py) and __init__'s own fixed names."""
    import ast

    package = Path(__file__).resolve().parents[1] / "experiments"
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] + ([node.module] if isinstance(node, ast.ImportFrom) else [])
                assert not {"pickle", "marshal", "dill", "cloudpickle", "shelve"} & set(names), path.name
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
                assert name not in ("eval", "exec", "__import__", "read_pickle"), f"{path.name}: {name}"
                if name == "import_module":
                    assert path.relative_to(package).as_posix() in ("sweep/registry.py", "__init__.py"), path.name


# --- defect 2 (names) and 11 (analysis.outputs as a string) ---

@pytest.mark.parametrize("name", [".", "..", "../x", "a/b", "", "x" * 65, "-x", "sweep.v2"])
def test_names_are_plain(name):
    with pytest.raises(SpecError, match="^name: required; a plain name"):
        parse_spec(spec_with(name=name))


def test_analysis_outputs_must_be_a_list():
    with pytest.raises(SpecError) as err:
        parse_spec(spec_with(outputs=["removals"], analysis__outputs="removals"))
    assert str(err.value) == ("analysis.outputs: must be a list of output names, e.g. [\"removals_cumulative\"], "
                              "got 'removals'")  # was: "'r' is not among the kept outputs"


# --- defect 5: huge designs are refused before anything is built ---

CUBE = {"policing_intensity": {"min": 0.5, "max": 2.0, "num": 1000},
        "fear_sensitivity": {"min": 0.5, "max": 2.0, "num": 1000},
        "detainer_prob": {"min": 0.4, "max": 1.0, "num": 1000}}
RANGES = {"fear_sensitivity": {"min": 0.5, "max": 2.0}, "detainer_prob": {"min": 0.4, "max": 1.0}}


@pytest.mark.parametrize("changes, message", [
    ({"parameters": CUBE}, r"^parameters: the factorial design has 1,000,000,000 points .* above the limit of "
                           r"100,000 points \(raise it with --max-points"),
    ({"replications": 1_000_000_000}, r"^replications: 8 points x 1,000,000,000 replications"),
    ({"steps": 1_000_000_000}, r"^steps: 1,000,000,000 weeks per run, above the limit of 10,000 steps"),
    ({"parameters": RANGES, "design": {"method": "lhs", "samples": 2 ** 30}},
     r"^design.samples: the lhs design has 1,073,741,824 points"),
    ({"parameters": RANGES, "design": {"method": "sobol", "samples": 2 ** 30}},
     r"^design.samples: the sobol design has 4,294,967,296 points"),
    ({"parameters__policing_intensity": {"min": 0.5, "max": 2.0, "step": 1e-300}},
     r"^parameters: the factorial design has an unbounded number of points"),
    ({"replications": 20_000, "steps": 156}, r"^steps: 160,000 runs x 157 collected weeks = 25,120,000 rows"),
])
def test_huge_designs_are_refused_before_anything_is_built(monkeypatch, changes, message):
    import experiments.sweep.design

    def must_not_build(spec):
        raise AssertionError("the design was built before its size was checked")

    monkeypatch.setattr(experiments.sweep.design, "build_design", must_not_build)
    raw = spec_with(**{k: v for k, v in changes.items() if "__" in k})
    raw.update({k: v for k, v in changes.items() if "__" not in k})
    with pytest.raises(SpecError, match=message):
        parse_spec(raw)


def test_limits_can_be_raised_and_tasks_are_lazy():
    from collections.abc import Iterator
    from itertools import islice

    from experiments.sweep.spec import Limits

    raw = {"name": "big", "replications": 1_000_000, "steps": 1, "fixed": {"n_residents": 100}}
    spec = parse_spec(raw)  # one point, a million runs: at the limit, accepted
    assert spec.n_runs == 1_000_000
    tasks = tasks_for(spec)
    assert isinstance(tasks, Iterator)  # generated as the sweep goes, not a list of a million
    assert [t.run_id for t in islice(tasks, 2)] == ["p000000-r0000", "p000000-r0001"]
    with pytest.raises(SpecError, match="^steps: "):
        parse_spec({**raw, "replications": 1, "steps": 20_000})
    assert parse_spec({**raw, "replications": 1, "steps": 20_000}, limits=Limits(steps=20_000)).steps == 20_000
    with pytest.raises(SpecError, match="^replications: .* above the limit of 10 runs"):
        parse_spec({**raw, "replications": 11}, limits=Limits(runs=10))


# --- defect 8: an integer range that repeats values ---

@pytest.mark.parametrize("rng, shown", [
    ({"min": 1, "max": 2, "num": 5}, "[1, 1, 2, 2, 2]"),
    ({"min": 1, "max": 3, "step": 0.5}, "[1, 2, 2, 2, 3]"),
])
def test_an_integer_range_that_repeats_values_is_refused(rng, shown):
    with pytest.raises(SpecError) as err:
        parse_spec(spec_with(parameters__victim_candidates=rng))
    assert str(err.value).startswith("parameters.victim_candidates: an integer parameter")
    assert f"gives repeated values {shown}" in str(err.value)
    ok = parse_spec(spec_with(parameters__victim_candidates={"min": 1, "max": 5, "num": 5}))
    assert sorted(build_design(ok)["victim_candidates"].unique()) == [1, 2, 3, 4, 5]
