"""Issue 22, the second hardening, as an attacker and a careless user would try it: a panel report that must
not write through links or special files, free text from a spec that must stay text, county tables with
numbers that do not fit, received folders with /dev/zero or FIFOs in place of files, and specs too big to
run. Each test reproduces a defect of the issue."""

import os
import re
import signal
import tomllib
from contextlib import contextmanager
from pathlib import Path

import pytest

from experiments.__main__ import main
from experiments.calibration.spec import parse_calibration_spec
from experiments.core.schema import SpecError
from experiments.core.store import StoreError, atomic_write, safe_target
from experiments.panel import run_panel
from experiments.panel.spec import parse_panel_spec
from experiments.reports.markdown import escaped
from experiments.sweep.spec import parse_spec

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


@pytest.fixture(scope="module")
def panel(tmp_path_factory):
    spec = tmp_path_factory.mktemp("spec") / "hostile.toml"
    spec.write_text(PANEL)
    out = tmp_path_factory.mktemp("panel") / "hostile"
    result = run_panel(spec, out=out, workers=1, quiet=True)
    assert result.failed == 0
    return out


def _links_and_specials(out: Path, outside: Path):
    """Ways a received panel folder could make `report` write outside it or block."""
    report = out / "report"
    yield "report.md -> outside", lambda: (report.mkdir(), (report / "report.md").symlink_to(outside / "bashrc"))
    yield "report -> outside", lambda: report.symlink_to(outside)
    yield "tables -> outside", lambda: (report.mkdir(), (report / "tables").symlink_to(outside))
    yield "figures -> outside", lambda: (report.mkdir(), (report / "figures").symlink_to(outside))
    yield "report.md a FIFO", lambda: (report.mkdir(), os.mkfifo(report / "report.md"))
    yield "att.csv a FIFO", lambda: ((report / "tables").mkdir(parents=True), os.mkfifo(report / "tables" / "att.csv"))
    yield "rollout.png a FIFO", lambda: ((report / "figures").mkdir(parents=True),
                                         os.mkfifo(report / "figures" / "rollout.png"))


def _clear(report: Path):
    if report.is_symlink() or report.is_file():
        report.unlink()
    elif report.is_dir():
        for p in sorted(report.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            p.unlink() if (p.is_symlink() or not p.is_dir()) else p.rmdir()
        report.rmdir()


# --- item 1: one safe-write path; free text stays text ----------------------------------------------------
def test_a_panel_report_writes_through_no_link_and_no_special_file(panel, tmp_path, capsys):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "bashrc").write_text("mine\n")
    for what, arrange in _links_and_specials(panel, outside):
        _clear(panel / "report")
        arrange()
        with no_hang():
            assert main(["report", str(panel), "--quiet"]) == 2, what
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1 and "refusing" in err, (what, err)
        assert sorted(p.name for p in outside.iterdir()) == ["bashrc"], what
        assert (outside / "bashrc").read_text() == "mine\n", what
    _clear(panel / "report")
    assert main(["report", str(panel), "--quiet"]) == 0
    text = (panel / "report" / "report.md").read_text()
    assert escaped(HOSTILE_TEXT) in text  # the description, escaped where it lands
    assert "<script>" not in text and "[click](" not in text and "\n# owned" not in text and "\n- item" not in text


def test_the_one_write_path_refuses_links_folders_and_fifos_below_the_results_folder(tmp_path):
    out = tmp_path / "out"
    (out / "runs").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (out / "data").symlink_to(outside)
    os.mkfifo(out / "runs" / "r.json")
    (out / "runs" / "d.json").mkdir()
    for path, says in [(out / "data" / "r.parquet", "data is a symbolic link"),
                       (out / "runs" / "r.json", "r.json is not a regular file"),
                       (out / "runs" / "d.json", "d.json is a folder"),
                       (tmp_path / "elsewhere.json", "is not inside")]:
        with pytest.raises(StoreError, match=says), no_hang():
            atomic_write(path, lambda p: p.write_text("x"), out)
    assert list(outside.iterdir()) == []
    assert safe_target(out / "runs" / "new.json", out) == out / "runs" / "new.json"


def test_markdown_of_someone_elses_words_is_literal():
    assert escaped("a *b* <i>c</i> [d](e) `f` #g |h| !i ~j &k") == \
        r"a \*b\* \<i\>c\</i\> \[d\](e) \`f\` \#g \|h\| \!i \~j \&k"
    assert escaped("# heading\n- list\n    code\n12. item\n> quote") == \
        "\\# heading\n\\- list\ncode\n\\12. item\n\\> quote"
    assert escaped("bell\x07 and escape\x1b[31m") == "bell and escape\\[31m"


SWEEP = {"name": "s", "model": "ishigami", "steps": 1}
CALIBRATION = tomllib.loads((ROOT / "experiments" / "specs" / "calibration_smoke.toml").read_text())
PARSERS = {
    "sweep": lambda d: parse_spec({**SWEEP, "description": d}),
    "calibration": lambda d: parse_calibration_spec({**CALIBRATION, "description": d}),
    "panel": lambda d: parse_panel_spec({"name": "p", "description": d}, check_table=False),
}


@pytest.mark.parametrize("kind", PARSERS)
@pytest.mark.parametrize(("description", "message"), [
    (5, "must be text, got 5"),
    (["a"], "must be text, got ['a']"),
    ("x" * 2001, "must be at most 2000 characters, got 2001"),
    ("\n".join(["line"] * 21), "must be at most 20 lines, got 21"),
    ("red\x1b[31m", r"must be printable text, got the control character '\x1b'"),
    ("two\nli\x00nes", r"must be printable text, got the control character '\x00' (line 2)"),
])
def test_a_description_must_be_short_printable_text(kind, description, message):
    with pytest.raises(SpecError, match="^" + re.escape("description: " + message)) as e:
        PARSERS[kind](description)
    assert "\n" not in str(e.value)
