"""A calibration's results folder: its files, its manifest and history, and how far it got."""

import json
import math
from pathlib import Path

import pandas as pd

from ..core.files import MANIFEST_BYTES, read_text
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


def open_history(out):
    """pyabc's history of a calibration folder (read-only use)."""
    db = Path(out) / HISTORY
    if not db.is_file():
        raise FileNotFoundError(f"{out}: no {HISTORY} yet")
    import pyabc

    return pyabc.History(f"sqlite:///{db.resolve()}")


def calibration_status(out) -> dict:
    manifest = read_manifest(out)
    state = read_state(Path(out))
    try:
        pops = open_history(out).get_all_populations()
        pops = pops[pops.t >= 0]
    except FileNotFoundError:
        pops = pd.DataFrame(columns=["t", "epsilon", "samples", "particles", "wall_time"])
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


