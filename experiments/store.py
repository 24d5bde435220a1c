"""The results store under ``results/<sweep>/``: atomic writes, resume, manifest.

Layout::

    manifest.json       the spec, package versions, git commit, sessions
    points.parquet      the design: one row per point (point_id, varied parameters)
    runs/<run_id>.json  one record per run: seed, status, wall time, error, traceback
    data/<run_id>.parquet    collected rows of one run (one row per collected step)
    events/<run_id>.parquet  its event log (if the spec keeps it)
    runs.parquet        the runs table: records joined with each run's full parameters

Every file is written to a temporary name in the same folder and renamed into place, so a
killed driver leaves whole files only. A run is finished once its record says ``ok``; the
record is written after the data, so data without a record is ignored and overwritten.
"""

import json
import os
import platform
import subprocess
import uuid
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

PACKAGES = ("mesa", "numpy", "pandas", "scipy", "networkx", "SALib", "pyarrow", "dask", "distributed",
            "seaborn", "matplotlib")
TIMING_COLUMNS = ("wall_time", "started", "finished", "host", "pid")  # differ between identical sweeps


class StoreMismatch(RuntimeError):
    """The folder holds a different sweep."""


def atomic_write(path: Path, write) -> None:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path``."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_json(path: Path, obj) -> None:
    atomic_write(path, lambda p: p.write_text(json.dumps(obj, indent=2, default=str)))  # keeps key order


def write_parquet(path: Path, df: pd.DataFrame) -> None:
    table = pa.Table.from_pandas(df, preserve_index=False)
    atomic_write(path, lambda p: pq.write_table(table, p))


def git_commit(cwd=None) -> dict:
    """The repository's commit and whether the tree had changes (None outside git)."""
    cwd = cwd or Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True,
                                check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
                               capture_output=True, text=True, timeout=10).stdout.strip() != ""
        return {"commit": commit, "dirty": dirty}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def package_versions() -> dict:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


class Store:
    """One sweep's folder."""

    def __init__(self, root):
        self.root = Path(root)
        self.runs_dir = self.root / "runs"
        self.data_dir = self.root / "data"
        self.events_dir = self.root / "events"

    # --- setup and resume ---
    def exists(self) -> bool:
        return (self.root / "manifest.json").exists()

    def open(self, spec, points: pd.DataFrame, total_runs: int) -> None:
        """Create the folder for a new sweep, or check that it holds this same sweep."""
        for d in (self.root, self.runs_dir, self.data_dir, self.events_dir):
            d.mkdir(parents=True, exist_ok=True)
        for stale in self.root.rglob(".*.tmp-*"):  # left by a killed writer
            stale.unlink(missing_ok=True)
        session = {"started": datetime.now(UTC).isoformat(timespec="seconds"), "host": platform.node(),
                   **git_commit()}
        if self.exists():
            manifest = self.manifest()
            if manifest["fingerprint"] != spec.fingerprint():
                raise StoreMismatch(f"{self.root} holds sweep {manifest['spec'].get('name')!r} with a different "
                                    "spec; give another --out folder (or delete this one) to start afresh")
            manifest["sessions"].append(session)
        else:
            manifest = {"name": spec.name, "fingerprint": spec.fingerprint(), "spec": spec.to_dict(),
                        "total_runs": total_runs, "created": session["started"], "git": git_commit(),
                        "packages": package_versions(), "sessions": [session]}
            write_parquet(self.root / "points.parquet", points)
        write_json(self.root / "manifest.json", manifest)

    def manifest(self) -> dict:
        return json.loads((self.root / "manifest.json").read_text())

    def points(self) -> pd.DataFrame:
        return pd.read_parquet(self.root / "points.parquet")

    def records(self) -> pd.DataFrame:
        """Every run record written so far (one per run: a redo replaces the record)."""
        rows = [json.loads(p.read_text()) for p in sorted(self.runs_dir.glob("*.json"))]
        return pd.DataFrame(rows)

    def finished(self) -> set:
        """Run ids whose record says ok and whose data is in place."""
        done = set()
        for p in self.runs_dir.glob("*.json"):
            rec = json.loads(p.read_text())
            if rec["status"] == "ok" and (self.data_dir / f"{rec['run_id']}.parquet").exists():
                done.add(rec["run_id"])
        return done

    def attempts(self, run_id: str) -> int:
        p = self.runs_dir / f"{run_id}.json"
        return json.loads(p.read_text()).get("attempt", 1) if p.exists() else 0

    # --- writing one run ---
    def write(self, result: dict) -> None:
        """Data first, then the record that marks the run finished."""
        rec = dict(result["record"])
        rec["attempt"] = self.attempts(rec["run_id"]) + 1
        if result["data"] is not None:
            write_parquet(self.data_dir / f"{rec['run_id']}.parquet", result["data"])
        if result.get("events") is not None:
            write_parquet(self.events_dir / f"{rec['run_id']}.parquet", result["events"])
        write_json(self.runs_dir / f"{rec['run_id']}.json", rec)

    # --- reading ---
    def runs_table(self) -> pd.DataFrame:
        """Records joined with the points (the varied parameters) and written to runs.parquet."""
        recs = self.records()
        if recs.empty:
            return recs
        table = recs.merge(self.points(), on="point_id", how="left").sort_values("run_id").reset_index(drop=True)
        write_parquet(self.root / "runs.parquet", table)
        return table

    def _read_parts(self, folder: Path, run_ids) -> pd.DataFrame:
        files = [folder / f"{r}.parquet" for r in sorted(run_ids)]
        files = [f for f in files if f.exists()]
        if not files:
            return pd.DataFrame()
        return pa.concat_tables([pq.read_table(f) for f in files], promote_options="default").to_pandas()

    def data(self) -> pd.DataFrame:
        """Collected rows of the finished runs only (one row per run per collected step)."""
        return self._read_parts(self.data_dir, self.finished())

    def events(self) -> pd.DataFrame:
        return self._read_parts(self.events_dir, self.finished())
