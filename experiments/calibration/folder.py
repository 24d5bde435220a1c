"""A calibration's results folder: its files, its manifest and history, and how far it got."""

import json
import math
from pathlib import Path

import pandas as pd

from ..core.files import MANIFEST_BYTES, NotARegularFile, open_regular, read_text
from ..core.store import Store, StoreError
from .spec import Prior

HISTORY = "history.db"
STATE = "calibration.json"
POSTERIOR = "posterior.csv"
PREDICTIVE = "predictive.parquet"
KIND = "calibration"


class CalibrationError(RuntimeError):
    """A calibration that cannot go on (an evaluation failed, the history is damaged); the message says why."""


def read_state(out: Path) -> dict:
    """calibration.json: the driver's bookkeeping per generation ({} when there is none yet)."""
    try:
        state = json.loads(read_text(Path(out) / STATE, MANIFEST_BYTES))
        return state if isinstance(state, dict) else {}
    except (OSError, ValueError):
        return {}


def read_manifest(out) -> dict:
    manifest = Store(out, parts=()).manifest()
    if manifest.get("kind") != KIND:
        raise StoreError(f"{out} is not a calibration folder")
    return manifest


def is_calibration(out) -> bool:
    try:
        return Store(out, parts=()).manifest().get("kind") == KIND
    except (FileNotFoundError, StoreError, OSError):
        return False


def priors_of(manifest: dict) -> list:
    return [Prior(p["name"], p["prior"], p["min"], p["max"], p["integer"], tuple(p["targets"]), p.get("bounds", ""))
            for p in manifest["priors"]]


def check_history(db: Path) -> None:
    """A calibration's history is whole, or a one-line ``CalibrationError`` says it is not: a regular file
    (not a link, a FIFO or a device), a SQLite database that passes ``PRAGMA quick_check`` and holds pyabc's
    tables. ``calibrate`` checks it before resuming; ``status`` and ``report`` before reading it."""
    import sqlite3

    try:
        open_regular(db).close()
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            result = con.execute("PRAGMA quick_check").fetchone()[0]
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        finally:
            con.close()
    except (sqlite3.DatabaseError, NotARegularFile) as e:
        raise CalibrationError(f"{db} is damaged ({e}); move it away and run again to start afresh") from None
    if result != "ok":
        raise CalibrationError(f"{db} is damaged (SQLite quick_check: {result}); move it away and run again")
    if "populations" not in tables:
        raise CalibrationError(f"{db} holds no pyabc history (an empty or another database); move it away and run "
                               "again to start afresh")


def open_history(out):
    """pyabc's history of a calibration folder (read-only use), checked first (``check_history``)."""
    db = Path(out) / HISTORY
    if not (db.exists() or db.is_symlink()):
        raise FileNotFoundError(f"{out}: no {HISTORY} yet")
    check_history(db)
    import pyabc

    return pyabc.History(f"sqlite:///{db.resolve()}")


def check_generations(out, done: int, state: dict) -> None:
    """The history holds at least the generations ``calibration.json`` records as finished, or the history was
    damaged or replaced (a one-line ``CalibrationError``)."""
    recorded = len(state.get("generations") or {})
    slack = 0 if state.get("finished") else 1  # a driver killed mid-way may have recorded a generation not stored
    if done < recorded - slack:
        raise CalibrationError(f"{Path(out) / HISTORY} holds {done} generation(s), but {STATE} records {recorded} "
                               "finished: the history is damaged or was replaced; move it away and run again")


def calibration_status(out) -> dict:
    manifest = read_manifest(out)
    state = read_state(Path(out))
    try:
        pops = open_history(out).get_all_populations()
        pops = pops[pops.t >= 0]
    except FileNotFoundError:
        pops = pd.DataFrame(columns=["t", "epsilon", "samples", "particles", "wall_time"])
    check_generations(out, len(pops), state)
    planned = state.get("planned") or manifest["spec"].get("abc", {}).get("generations", 3)
    return {"name": manifest["name"], "generations": int(planned),
            "done": len(pops), "finished": bool(state.get("finished")), "stopped": state.get("stopped"),
            "populations": pops, "created": manifest["created"], "sessions": len(manifest["sessions"]),
            "git": manifest.get("git") or {}}


def format_calibration_status(s: dict) -> str:
    lines = [f"calibration {s['name']}: {s['done']}/{s['generations']} generations"
             + (f", finished ({s['stopped']})" if s["finished"] else "") + f"; {s['sessions']} session(s); created "
             f"{s['created']}; commit {s['git'].get('commit')}"]
    for r in s["populations"].itertuples():
        rate = r.particles / r.samples if r.samples else math.nan
        lines.append(f"  generation {int(r.t) + 1}: epsilon {r.epsilon:.4g}, {int(r.particles)} particles from "
                     f"{int(r.samples)} evaluations (acceptance {rate:.2f}), {r.wall_time:.0f} s")
    if not s["finished"]:
        lines.append("  run the same `python -m experiments calibrate` again to go on (finished generations are kept)")
    return "\n".join(lines)


