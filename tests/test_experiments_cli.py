"""The command line under mistakes: one line naming the problem, exit code 2, nothing created first.
And results folders received from someone else: ``report`` imports no code named in them."""

import errno
import json
from pathlib import Path

import pytest

import experiments.core.store
from experiments import build_report, run_sweep
from experiments.__main__ import main
from experiments.sweep.spec import SpecError
from tests import sweep_models

sweep_models.register()
TINY = """
name = "tiny"
replications = 2
seed = 1
steps = 4
outputs = ["removals_cumulative", "reporting_rate_undocumented"]
[fixed]
n_residents = 100
"""


@pytest.fixture()
def tiny(tmp_path):
    spec = tmp_path / "tiny.toml"
    spec.write_text(TINY)
    return spec


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.count("\n") == 1, err
    assert err.startswith("error: ")
    return err.strip()


def test_out_pointing_at_a_file(tiny, tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    assert main(["run", str(tiny), "--out", str(target), "--quiet", "--workers", "1"]) == 2
    assert one_line_error(capsys) == f"error: {target} is a file, not a folder; give a folder for the results"
    assert target.read_text() == "mine"


@pytest.mark.parametrize("address, message", [
    ("nonsense", "give the scheduler's address as tcp://HOST:PORT"),
    ("tcp://127.0.0.1:99999", "give the scheduler's address as tcp://HOST:PORT"),
    ("tcp://127.0.0.1:1", "cannot connect (Connection refused)"),  # nothing listens on port 1 here
])
def test_a_bad_scheduler_is_refused_before_anything_is_created(tiny, tmp_path, capsys, address, message):
    out = tmp_path / "out"
    assert main(["run", str(tiny), "--out", str(out), "--quiet", "--scheduler", address]) == 2
    assert message in one_line_error(capsys)
    assert not out.exists()


def test_analysis_outputs_as_a_string_reads_well(tmp_path, capsys):
    spec = tmp_path / "s.toml"
    spec.write_text(TINY + '[analysis]\noutputs = "removals_cumulative"\n')
    assert main(["run", str(spec), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert one_line_error(capsys).startswith(f"error: {spec}: analysis.outputs: must be a list of output names")
    assert not (tmp_path / "out").exists()


def test_a_full_disk_ends_in_one_line(tiny, tmp_path, capsys, monkeypatch):
    real = experiments.core.store.atomic_write
    full = {"now": False}

    def disk_fills_at_the_first_run(path, write, root=None):
        if Path(path).parent.name == "data":
            full["now"] = True
        if full["now"]:  # from then on every write fails, as on a full disk (runs.parquet in `finally` too)
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, write, root)

    monkeypatch.setattr(experiments.core.store, "atomic_write", disk_fills_at_the_first_run)
    out = tmp_path / "out"
    assert main(["run", str(tiny), "--out", str(out), "--quiet", "--workers", "1"]) == 2
    assert one_line_error(capsys) == f"error: No space left on device: {out / 'data' / 'p000000-r0000.parquet'}"
    assert (out / ".store.lock").read_text() == ""  # the lock was released on the way out


def test_limits_are_raised_with_a_flag(tmp_path, capsys):
    spec = tmp_path / "long.toml"
    spec.write_text('name = "long"\nmodel = "ishigami"\nsteps = 10001\ncollect_every = 10001\n'
                    '[fixed]\nx1 = 1.0\n')
    out = tmp_path / "out"
    assert main(["run", str(spec), "--out", str(out), "--quiet", "--workers", "1"]) == 2
    assert "steps: 10,001 weeks per run, above the limit of 10,000 steps (raise it with --max-steps" in \
        one_line_error(capsys)
    assert not out.exists()
    assert main(["run", str(spec), "--out", str(out), "--quiet", "--workers", "1", "--max-steps", "10001"]) == 0


def test_an_unknown_model_flag_reads_well(tiny, tmp_path, capsys):
    assert main(["run", str(tiny), "--out", str(tmp_path / "o"), "--model", "x=no.such.module:Thing"]) == 2
    assert "--model x=no.such.module:Thing: cannot import 'no.such.module:Thing'" in one_line_error(capsys)


# --- defect 1: a results folder from someone else is data ---

@pytest.mark.parametrize("tamper, key", [
    ({"factory": "this:x"}, "factory"),
    ({"model": "this:x"}, "model"),
    ({"model": "os"}, None),  # a plain name that is not registered: read without any model code
])
def test_report_imports_no_code_named_in_a_manifest(tiny, tmp_path, capsys, tamper, key):
    out = tmp_path / "received"
    run_sweep(tiny, out=out, workers=1, quiet=True)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["spec"].update(tamper)
    (out / "manifest.json").write_text(json.dumps(manifest))
    capsys.readouterr()
    if key is None:
        assert "Finished: 2; failed: 0" in build_report(out).read_text()
    else:
        with pytest.raises(SpecError, match=f"^manifest.json: {key}: "):
            build_report(out)
    assert "Beautiful is better than ugly" not in capsys.readouterr().out


# --- the pool starts with the command ---

WATCH = """
import runpy, sys
from multiprocessing import forkserver

seen = {}


class Watch:  # notes, when the command first imports the model, whether the pool's forkserver is running
    def find_spec(self, name, path=None, target=None):
        if name == "model" and "model" not in seen:
            seen["model"] = forkserver._forkserver._forkserver_pid is not None
        return None


sys.meta_path.insert(0, Watch())
sys.argv = ["experiments", *sys.argv[1:]]
try:
    runpy.run_module("experiments", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
print("forkserver running when the model was imported:", seen.get("model"))
"""


@pytest.mark.parametrize("flags, early", [(["--workers", "2"], True), (["--workers", "1"], False),
                                          (["--workers", "2", "--scheduler", "tcp://127.0.0.1:1"], False)])
def test_a_local_pools_command_starts_its_forkserver_before_it_imports_the_model(tmp_path, flags, early):
    """The command's own imports (the model, Mesa, pandas: about a second and a half) and the forkserver's
    run side by side, instead of one after the other: a 2-worker command's first task starts about a
    second sooner. A serial command and a Dask one start no forkserver."""
    import subprocess
    import sys

    spec = tmp_path / "absent.toml"  # the command stops at the spec, after its imports
    done = subprocess.run([sys.executable, "-c", WATCH, "panel", str(spec), *flags], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1], timeout=120)
    assert f"forkserver running when the model was imported: {early}" in done.stdout, done.stdout + done.stderr
