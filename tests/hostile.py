"""Shared pieces of the hardening tests (issue 22): hostile text, a tiny panel and sweep, a guard against a
call that blocks, and the command line run in-process."""

import signal
from contextlib import contextmanager
from pathlib import Path

from experiments.__main__ import main

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "experiments" / "data" / "counties_national.csv"
HOSTILE_TEXT = "<script>alert(1)</script> [click](http://evil.example) **bold** `code` | cell\n# owned\n- item\n1. one"
PANEL = f"""
name = "hostile_panel"
description = '''{HOSTILE_TEXT}'''
seed = 5
replications = 1
weeks = 104
start_date = "2008-01-07"
batch_cost = 4000
[counties]
table = "{TABLE}"
sample = 12
[rollout]
window_start = "2008-07-07"
window_end = "2009-06-29"
[estimation]
outcomes = ["crime_rate"]
estimators = ["twfe"]
controls = ["not_yet"]
window = [-3, 3]
"""


@contextmanager
def no_hang(seconds=120):
    """Fail (instead of hanging the suite) when the body blocks, as on a FIFO."""
    def hung(*_):
        raise TimeoutError(f"blocked for {seconds} s")
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)



TINY = """
name = "tiny"
replications = 2
seed = 1
steps = 4
outputs = ["removals_cumulative"]
[fixed]
n_residents = 100
"""



def make_tiny_sweep(tmp_path) -> tuple:
    spec = tmp_path / "tiny.toml"
    spec.write_text(TINY)
    out = tmp_path / "out"
    assert main(["run", str(spec), "--out", str(out), "--quiet", "--workers", "1"]) == 0
    return spec, out


def cli(capsys, *argv) -> tuple:
    """``python -m experiments ...`` in this process, guarded against blocking: (exit code, stdout, stderr)."""
    with no_hang(60):
        code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def no_model_built(monkeypatch) -> None:
    """Building a model fails the test: a spec must be refused from the spec alone."""
    import model

    def built(*_, **__):
        raise AssertionError("a model was built")
    monkeypatch.setattr(model.SecureCommunitiesModel, "__init__", built)
