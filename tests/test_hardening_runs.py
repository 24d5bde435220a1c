"""Issue 22, the second hardening, continued: a calibration's damaged history, a panel description that is not
text, runs copied in from another sweep, the county generator, and the cosmetic list."""

import json
import os
from pathlib import Path

import pytest

from experiments.__main__ import main
from experiments.calibration.spec import parse_calibration_spec
from experiments.core.schema import SpecError
from experiments.panel.spec import parse_panel_spec
from experiments.sweep.spec import parse_spec
from tests.hostile import HOSTILE_TEXT, PANEL, ROOT, TABLE, TINY, cli
from tests.test_calibration_abc import tiny

SWEEP = {"name": "s", "model": "ishigami", "steps": 1}


# --- item 7: a calibration's status and report check history.db as calibrate does ----------------------------
@pytest.fixture(scope="module")
def calibrated(tmp_path_factory):
    from experiments.calibration import calibrate

    out = tmp_path_factory.mktemp("cal") / "tiny"
    small = tiny(**{"counties.national.n_residents": 400, "abc.population": 6, "abc.generations": 2,
                    "parameters.acquaintance_knowing_prob": None})  # test_calibration_abc's, smaller
    calibrate(parse_calibration_spec(small), out, workers=1, quiet=True)
    return out


def _truncate(db):
    db.write_bytes(db.read_bytes()[:3000])


def _flip(db):
    data = bytearray(db.read_bytes())
    data[4096:4196] = bytes(b ^ 0xFF for b in data[4096:4196])  # the first b-tree page after the header page
    db.write_bytes(bytes(data))


def _empty(db):
    db.write_bytes(b"")


def _fifo(db):
    db.unlink()
    os.mkfifo(db)


@pytest.mark.parametrize("damage", [_truncate, _flip, _empty, _fifo], ids=["truncated", "bit-flipped", "empty", "fifo"])
def test_calibration_status_and_report_refuse_a_damaged_history_in_one_line(calibrated, tmp_path, capsys, damage):
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(calibrated, out)
    code, text, _ = cli(capsys, "status", str(out))
    assert code == 0 and "2/2 generations, finished" in text
    damage(out / "history.db")
    for argv in (["status", str(out)], ["report", str(out), "--quiet"]):
        code, _, err = cli(capsys, *argv)
        assert code == 3 and err.count("\n") == 1 and err.startswith(f"error: {out / 'history.db'} "), (argv, err)
        assert "damaged" in err or "no pyabc history" in err, err


# --- item 9 (the experiments side): a panel description that is not text is refused at load -----------------
def test_a_panel_description_of_5_is_refused_before_anything_runs(tmp_path, capsys, no_model):
    path = tmp_path / "evil.toml"
    path.write_text(PANEL.replace(f"description = '''{HOSTILE_TEXT}'''", "description = 5"))
    code, _, err = cli(capsys, "panel", str(path), "--out", str(tmp_path / "P"), "--quiet")
    assert code == 2 and err == f"error: {path}: description: must be text, got 5\n"
    assert not (tmp_path / "P").exists()


# --- item 6: a run copied in from another sweep is set aside and redone ------------------------------------
def _copy_run(src: Path, dst: Path, run: str):
    import shutil

    for part, ext in (("runs", "json"), ("data", "parquet")):
        shutil.copyfile(src / part / f"{run}.{ext}", dst / part / f"{run}.{ext}")


def test_a_run_copied_from_another_sweep_is_set_aside_and_redone(tmp_path, capsys):

    import pandas as pd

    mine, theirs = tmp_path / "mine.toml", tmp_path / "theirs.toml"
    mine.write_text(TINY)
    theirs.write_text(TINY.replace("seed = 1", "seed = 2").replace("n_residents = 100", "n_residents = 120"))
    a, b = tmp_path / "a", tmp_path / "b"
    for spec, out in ((mine, a), (theirs, b)):
        assert main(["run", str(spec), "--out", str(out), "--quiet", "--workers", "1"]) == 0
    capsys.readouterr()
    before = pd.read_parquet(a / "runs.parquet").set_index("run_id")["seed"]
    run = "p000000-r0001"
    _copy_run(b, a, run)
    code, text, _ = cli(capsys, "status", str(a))
    assert code == 0 and "1/2 finished" in text and f"DAMAGED {run}: runs/{run}.json was written by another job" in text
    # the same record with this folder's fingerprint written in: its seed gives it away
    rec = json.loads((a / "runs" / f"{run}.json").read_text())
    rec["fingerprint"] = json.loads((a / "manifest.json").read_text())["fingerprint"]
    (a / "runs" / f"{run}.json").write_text(json.dumps(rec))
    code, _, err = cli(capsys, "run", str(mine), "--out", str(a), "--workers", "1")
    assert code == 0 and f"run {run} is damaged (runs/{run}.json has point 0, replicate 1, seed {rec['seed']}; " \
        f"this spec gives that run point 0, replicate 1, seed {before[run]})" in err
    after = pd.read_parquet(a / "runs.parquet").set_index("run_id")
    assert after["seed"].to_dict() == before.to_dict() and (after["status"] == "ok").all()
    assert "fingerprint" not in after.columns


# --- item 10: the county generator writes only rows the panel accepts ---------------------------------------
def test_the_generator_writes_only_counties_the_model_can_make(monkeypatch):
    """`python -m experiments.panel.nation --n 100000 --seed 1` drew county 3452 with 71% foreign-born, a
    composition the model refuses; the generator now scales such a county's foreign-born shares down until the
    panel's own check (the model's ``validate_parameters``) accepts it. Checking all 100,000 rows takes about a
    minute, so the check is applied here to the rows around 3452 only (the draws are the same)."""
    import numpy as np

    from experiments.panel import nation
    from experiments.panel.counties import composition_problem

    real, seen = nation.reachable, {}

    def around_3452(shares, h_others, h_u):
        rows = slice(3440, 3460)
        seen["drawn"] = shares[rows].copy()
        out = shares.copy()
        out[rows] = real(shares[rows], h_others[rows], h_u)
        return out

    monkeypatch.setattr(nation, "reachable", around_3452)
    table = nation.generate_counties(100_000, seed=1).iloc[3440:3460]
    drawn = seen["drawn"][3451 - 3440]
    assert composition_problem(*drawn, table["hispanic_share"].iloc[11]) is not None  # the defect: unreachable
    for row in table.itertuples():
        assert composition_problem(row.share_undocumented, row.share_lpr, row.share_naturalized,
                                   row.hispanic_share) is None, row.county_id
    county = table[table["county_id"] == 3452].iloc[0]
    kept = county[["share_undocumented", "share_lpr", "share_naturalized"]].to_numpy(float) / drawn
    assert np.allclose(kept, kept[0], atol=1e-4) and 0.8 < kept[0] < 1  # scaled down together, not redrawn
    others = table[table["county_id"] != 3452]
    assert np.array_equal(others[["share_undocumented", "share_lpr", "share_naturalized"]].to_numpy(),
                          np.delete(seen["drawn"], 11, axis=0))  # counties the model can make are as drawn


# --- item 11: the cosmetic list ------------------------------------------------------------------------------
def test_the_unknown_key_hint_never_offers_factory():
    with pytest.raises(SpecError) as e:
        parse_spec({**SWEEP, "factroy": "x"})
    assert "factory" not in str(e.value)
    with pytest.raises(SpecError) as e:
        parse_spec({**SWEEP, "zzzzzzzz": 1})
    assert "allowed:" in str(e.value) and "factory" not in str(e.value)


@pytest.mark.parametrize("name", [".", "..", "../x", "a/b", ""])
def test_panel_names_are_plain(name):
    with pytest.raises(SpecError, match=r"^name: required; a plain name"):
        parse_panel_spec({"name": name}, check_table=False)


def test_status_of_a_sweep_without_records_says_no_mean(tmp_path, capsys):
    from experiments.core.status import format_store_status

    text = format_store_status({"ok": 0, "total": 2, "failed": 0, "missing": 2, "damaged": [], "failures": [],
                                "run_seconds": 0.0, "mean_run_seconds": float("nan"), "sessions": 1,
                                "created": "now", "git": {}}, "sweep s", "python -m experiments run")
    assert "nan" not in text and "run time so far 0.0 s;" in text


def test_sigterm_while_starting_ends_in_words(tmp_path):
    import subprocess
    import sys
    import time

    proc = subprocess.Popen([sys.executable, "-m", "experiments", "status", str(tmp_path)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.4)  # inside the command line's imports (they take a second or two)
    proc.terminate()
    _, err = proc.communicate(timeout=60)
    if proc.returncode != 143:
        pytest.skip(f"the command finished before the signal (exit {proc.returncode})")
    assert err.strip() == "interrupted by SIGTERM: run the same command again (finished runs are kept)"


def test_an_activation_date_long_before_the_panel_is_named_as_a_date(tmp_path):
    import pandas as pd

    from experiments.panel.counties import CountyTableError
    from experiments.panel.design import build_design

    table = pd.read_csv(TABLE).head(12)
    table["activation_date"] = "2009-01-05"
    table.loc[3, "activation_date"] = "1850-01-01"
    table.to_csv(tmp_path / "c.csv", index=False)
    spec = parse_panel_spec({"name": "x", "weeks": 104, "start_date": "2008-01-07",
                             "counties": {"table": str(tmp_path / "c.csv")},
                             "rollout": {"rule": "table", "window_start": "2008-03-03", "window_end": "2009-01-01"}})
    with pytest.raises(CountyTableError) as e:
        build_design(spec)
    assert str(e.value) == f"county_id {table['county_id'].iloc[3]}, activation_date: 1850-01-01 is before the panel " \
        "starts (2008-01-07); give a date from 2007-12-31 on (week 0: active from the start), or a later start_date"


def test_an_activation_week_past_the_horizon_is_said_in_the_report(tiny_sweep):
    _, out = tiny_sweep  # 4 weeks; the model's default activation week is 52
    from experiments.reports import build_report

    text = build_report(out).read_text()
    assert "**The program never starts in these runs:** the activation week (52) is after the last simulated week " \
        "(4)." in text


# --- item 8: the forkserver dies while a worker starts ----------------------------------------------------------
def test_a_worker_that_cannot_start_counts_as_a_dead_worker_and_the_sweep_goes_on(tmp_path, monkeypatch, capsys):
    """Killing the forkserver while workers start made ``Process.start`` raise ``EOFError: unexpected EOF`` in
    the driver, which crashed (exit 1). The same error, raised here at the first start, is now a dead worker:
    the run is retried (a new forkserver comes up) and the sweep finishes."""
    from multiprocessing.context import ForkServerProcess

    import pandas as pd

    real, calls = ForkServerProcess.start, {"n": 0}

    def start(self):
        calls["n"] += 1
        if calls["n"] == 1:
            raise EOFError("unexpected EOF")
        return real(self)

    monkeypatch.setattr(ForkServerProcess, "start", start)
    spec = tmp_path / "tiny.toml"
    spec.write_text(TINY)
    out = tmp_path / "out"
    code, _, err = cli(capsys, "run", str(spec), "--out", str(out), "--quiet", "--workers", "2")
    assert code == 0, err
    runs = pd.read_parquet(out / "runs.parquet")
    assert (runs["status"] == "ok").all() and len(runs) == 2 and runs["worker_deaths"].sum() == 1
    assert calls["n"] >= 3  # the failed start, then two workers


def test_a_worker_that_never_starts_is_recorded_failed_not_a_crash(tmp_path, monkeypatch, capsys):
    from multiprocessing.context import ForkServerProcess

    import pandas as pd

    def start(self):
        raise EOFError("unexpected EOF")

    monkeypatch.setattr(ForkServerProcess, "start", start)
    spec = tmp_path / "tiny.toml"
    spec.write_text(TINY)
    out = tmp_path / "out"
    code, _, err = cli(capsys, "run", str(spec), "--out", str(out), "--quiet", "--workers", "2", "--retries", "1")
    assert code == 3, err  # some runs failed (recorded); running again redoes them
    runs = pd.read_parquet(out / "runs.parquet")
    assert (runs["status"] == "failed").all() and (runs["worker_deaths"] == 2).all()
    assert runs["error"].iloc[0] == "worker could not start: EOFError: unexpected EOF (tried 2 times)"
