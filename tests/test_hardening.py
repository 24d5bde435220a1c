"""Issue 22, the second hardening, as an attacker and a careless user would try it: a panel report that must
not write through links or special files, free text from a spec that must stay text, county tables with
numbers that do not fit, received folders with /dev/zero or FIFOs in place of files, and specs too big to
run. Each test reproduces a defect of the issue."""

import os
import re
import tomllib
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
from tests.hostile import HOSTILE_TEXT, PANEL, ROOT, TABLE, cli, no_hang


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


# --- item 3: numbers that do not fit are refused, naming file, line and column ------------------------------
HEADER = "county_id,population,share_undocumented,share_lpr,share_naturalized,hispanic_share,border," \
    "policing_intensity,detainer_policy"


def _csv(tmp_path, *rows) -> Path:
    path = tmp_path / "counties.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


@pytest.mark.parametrize(("row", "message"), [
    ("1,10000000000000000000,0.1,0.1,0.1,0.5,False,1.0,full",
     "counties.csv line 2 (county_id 1), population: must be <= 1000000000, got 10000000000000000000"),
    ("1,9223372036854775807,0.1,0.1,0.1,0.5,False,1.0,full",
     "counties.csv line 2 (county_id 1), population: must be <= 1000000000, got 9223372036854775807"),
    ("1e23,5000,0.1,0.1,0.1,0.5,False,1.0,full",
     "counties.csv line 2 (county_id 1e23), county_id: must be <= 9223372036854775807, got 1e23"),
    ("12345678901234567891,5000,0.1,0.1,0.1,0.5,False,1.0,full",
     "counties.csv line 2 (county_id 12345678901234567891), county_id: must be <= 9223372036854775807, "
     "got 12345678901234567891"),
])
def test_a_csv_number_that_does_not_fit_is_refused_with_its_line_and_column(tmp_path, row, message):
    from experiments.panel.counties import CountyTableError, read_counties

    ok = "2,5000,0.1,0.1,0.1,0.5,False,1.0,full"
    with pytest.raises(CountyTableError) as e:
        read_counties(_csv(tmp_path, row, ok))
    assert str(e.value).splitlines()[1].strip() == message


def test_a_big_whole_number_is_read_exactly_not_through_a_float(tmp_path):
    from experiments.panel.counties import read_counties

    table = read_counties(_csv(tmp_path, "9007199254740993,5000,0.1,0.1,0.1,0.5,False,1.0,full"))
    assert table["county_id"].tolist() == [9007199254740993]  # 2^53 + 1: a float would give ...992


def test_parquet_columns_that_do_not_fit_are_refused_with_row_and_column(tmp_path):
    import numpy as np
    import pandas as pd

    from experiments.panel.counties import CountyTableError, read_counties

    base = pd.read_csv(_csv(tmp_path, "1,5000,0.1,0.1,0.1,0.5,False,1.0,full", "2,6000,0.1,0.1,0.1,0.5,False,1.0,full"))
    base["border"] = base["border"].astype(bool)
    cases = {
        "population": (base.assign(population=np.array([5000, 10**19], dtype=np.uint64)),
                       "counties.parquet row 1 (county_id 2), population: must be <= 1000000000, "
                       "got 10000000000000000000"),
        "county_id": (base.assign(county_id=np.array([1, 2**64 - 1], dtype=np.uint64)),
                      "counties.parquet row 1 (county_id 18446744073709551615), county_id: must be <= "
                      "9223372036854775807, got 18446744073709551615"),
        "share_lpr": (base.assign(share_lpr=[[0.1, 0.2], [0.1]]),
                      "counties.parquet row 0 (county_id 1), share_lpr: must be a number, got a list"),
        "detainer_policy": (base.assign(detainer_policy=[["full"], ["full"]]),
                            "counties.parquet row 0 (county_id 1), detainer_policy: must be one of"),
    }
    for column, (frame, message) in cases.items():
        path = tmp_path / "counties.parquet"
        frame.to_parquet(path)
        with pytest.raises(CountyTableError) as e:
            read_counties(path)
        assert str(e.value).splitlines()[1].strip().startswith(message), column


# --- item 4: a received folder with /dev/zero or a FIFO in place of a file ----------------------------------
@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_a_record_that_is_a_device_or_fifo_is_damaged_set_aside_and_redone(tiny_sweep, capsys, special):
    spec, out = tiny_sweep
    record = sorted((out / "runs").iterdir())[0]
    record.unlink()
    os.mkfifo(record) if special == "fifo" else record.symlink_to(special)
    code, text, _ = cli(capsys, "status", str(out))
    assert code == 0 and "1 damaged" in text and "not a readable JSON record" in text
    code, _, err = cli(capsys, "run", str(spec), "--out", str(out), "--quiet", "--workers", "1")
    assert code == 0, err
    code, text, _ = cli(capsys, "status", str(out))
    assert code == 0 and "2/2 finished" in text
    assert len(list((out / "damaged").iterdir())) == 1


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
def test_a_manifest_that_is_a_device_or_fifo_is_refused_in_one_line(tiny_sweep, capsys, special):
    spec, out = tiny_sweep
    (out / "manifest.json").unlink()
    os.mkfifo(out / "manifest.json") if special == "fifo" else (out / "manifest.json").symlink_to(special)
    for argv in (["status", str(out)], ["report", str(out), "--quiet"],
                 ["run", str(spec), "--out", str(out), "--quiet", "--workers", "1"]):
        code, _, err = cli(capsys, *argv)
        assert code == 2 and err.count("\n") == 1, (argv, err)
        assert "manifest.json" in err and ("symbolic link" in err or "not a regular file" in err), (argv, err)


def test_a_data_file_that_is_a_device_is_damaged_not_read(tiny_sweep, capsys):
    spec, out = tiny_sweep
    data = sorted((out / "data").iterdir())[0]
    data.unlink()
    data.symlink_to("/dev/zero")
    code, text, _ = cli(capsys, "status", str(out))
    assert code == 0 and "1 damaged" in text and "is a symbolic link" in text


def test_a_lock_that_is_a_fifo_or_garbage_is_named(tiny_sweep, capsys):
    spec, out = tiny_sweep
    lock = out / ".store.lock"
    lock.write_text('["garbage"]')
    code, _, err = cli(capsys, "run", str(spec), "--out", str(out), "--workers", "1")
    assert code == 0 and "took over the lock left by a holder its lock file does not name" in err
    assert "None" not in err
    lock.unlink()
    os.mkfifo(lock)
    code, _, err = cli(capsys, "run", str(spec), "--out", str(out), "--quiet", "--workers", "1")
    assert code == 2 and err.strip() == f"error: {lock} is not a regular file (a FIFO, a device or a socket); " \
        "remove it, then run again"


def test_a_spec_or_county_table_that_is_a_fifo_is_refused_not_waited_for(tmp_path, capsys):
    spec = tmp_path / "fifo.toml"
    os.mkfifo(spec)
    code, _, err = cli(capsys, "run", str(spec), "--out", str(tmp_path / "out"))
    assert code == 2 and "not a regular file" in err
    from experiments.panel.counties import CountyTableError, read_counties

    os.mkfifo(tmp_path / "counties.csv")
    with pytest.raises(CountyTableError, match="not a regular file"), no_hang(60):
        read_counties(tmp_path / "counties.csv")


# --- item 5: calibrations and panels are held against the sweep's size limits ------------------------------
@pytest.mark.parametrize(("change", "key", "says"), [
    ({"steps": 100_000_000}, "steps", "100,000,000 weeks per run, above the limit of 10,000 steps (raise it with "
                                      "--max-steps"),
    ({"activation_week": 1_000_000}, "activation_week", "weeks per run, above the limit of 10,000 steps"),
    ({"abc": {"population": 1_000_000_000, "generations": 3}}, "abc.population",
     "1,000,000,000 particles in a generation, above the limit of 100,000 points (raise it with --max-points"),
    ({"abc": {"population": 20, "generations": 1_000_000_000}}, "abc.generations",
     "1,000,000,000 generations x up to 20 particles x 1 replications x 2 counties = 40,000,000,000 runs, above the "
     "limit of 1,000,000 runs (raise it with --max-runs"),
    ({"replications": 1_000_000}, "replications", "runs, above the limit of 1,000,000 runs"),
    ({"predictive": 1_000_000_000}, "predictive", "1,000,000,000 draws x 1 replications x 2 counties = "
                                                  "2,000,000,000 predictive runs, above the limit of 1,000,000 runs"),
])
def test_a_calibration_too_big_is_refused_naming_the_key(no_model, change, key, says):
    raw = {**CALIBRATION, **change}
    if "abc" in change:
        raw["abc"] = {**CALIBRATION["abc"], **change["abc"]}
    with pytest.raises(SpecError) as e:
        parse_calibration_spec(raw)
    assert str(e.value).startswith(f"{key}: ") and says in str(e.value), str(e.value)


def _panel_spec(tmp_path, **change) -> Path:
    text = PANEL
    for k, v in change.items():
        text = text.replace(f"\n{k} = ", f"\n{k} = {v}\n# was: ") if f"\n{k} = " in text else \
            text.replace('\nseed = 5', f"\nseed = 5\n{k} = {v}")
    path = tmp_path / "panel.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(("change", "key", "says"), [
    ({"weeks": 1_000_000_000}, "weeks", "1,000,000,000 weeks + 0 burn-in weeks per run, above the limit of 10,000"),
    ({"burn_in_weeks": 20_000}, "burn_in_weeks", "104 weeks + 20,000 burn-in weeks per run, above the limit"),
    ({"replications": 1_000_000_000}, "replications", "12 counties x 1,000,000,000 replications x 2 (each county and "
                                                      "its twin) = 24,000,000,000 runs, above the limit of 1,000,000"),
    ({"weeks": 9_000, "replications": 200}, "weeks", "12 counties x 200 replications x 9,000 weeks = 21,600,000 "
                                                     "county-weeks to store, above the limit of 20,000,000 rows"),
])
def test_a_panel_too_big_is_refused_naming_the_key_and_raised_with_the_flag(tmp_path, capsys, no_model, change, key,
                                                                           says):
    from experiments.panel.spec import load_panel_spec

    path = _panel_spec(tmp_path, **change)
    with pytest.raises(SpecError) as e:
        load_panel_spec(path)
    assert str(e.value).startswith(f"{path}: {key}: ") and says in str(e.value), str(e.value)
    code, _, err = cli(capsys, "panel", str(path), "--out", str(tmp_path / "out"), "--quiet")
    assert code == 2 and err.strip() == f"error: {e.value}"
    assert not (tmp_path / "out").exists()
    if "rows" not in says:
        return
    flags = ["--max-steps", "10" * 9, "--max-runs", "10" * 9, "--max-rows", "10" * 9]  # the sweep's flags raise it:
    code, _, err = cli(capsys, "panel", str(path), "--out", str(tmp_path / "out"), "--quiet", "--workers", "1",
                        *flags, "--scheduler", "tcp://127.0.0.1:1")
    assert code == 2 and "limit" not in err  # past the size check: the (absent) scheduler is what stops it


def test_a_hundred_thousand_county_table_is_refused_before_it_is_read(tmp_path, no_model):
    from experiments.panel.spec import load_panel_spec

    table = tmp_path / "big.csv"
    table.write_text(HEADER + "\n" + "".join(f"{i},5000,0.1,0.1,0.1,0.5,False,1.0,full\n" for i in range(1, 100_001)))
    path = tmp_path / "panel.toml"
    path.write_text(PANEL.replace(str(TABLE), str(table)).replace("sample = 12\n", ""))
    with pytest.raises(SpecError, match=r"counties.table: 100,000 counties x 1 replications x 104 weeks = "
                                        r"10,400,000 county-weeks"):
        load_panel_spec(path, limits=__import__("experiments.core.schema").core.schema.Limits(rows=10_000_000))
