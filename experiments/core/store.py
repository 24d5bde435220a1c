"""The results store: one folder, one lock, atomic files, checksummed run records, resume.

Layout of a sweep's folder (``results/<sweep>/``)::

    .store.lock         the lock: held by the one driver writing here (pid, host, start time)
    manifest.json       what the folder holds: name, fingerprint, the spec, package versions,
                        git commit, sessions, and the size and SHA-256 of each table below
    points.parquet      the design: one row per point (point_id, varied parameters)
    runs/<run_id>.json  one record per run: seed, status, wall time, error, traceback, and the
                        size and SHA-256 of each file the run wrote
    data/<run_id>.parquet    collected rows of one run (one row per collected step)
    events/<run_id>.parquet  its event log (if the spec keeps it)
    damaged/<run_id>.<k>/    files of a run that failed the integrity check, set aside
    runs.parquet        the runs table: records joined with each run's parameters (derived)

Guarantees (the store knows runs, files and checksums, not sweeps: a calibration or any other
resumable job can use it the same way):

- One writer. ``open`` takes an exclusive lock on ``.store.lock`` (``flock``); a second driver
  is refused at once, naming the holder. The kernel drops the lock when its holder dies, so a
  lock left by a killed driver is taken over (and said so).
- Atomic files. Every file is written to a temporary name carrying this store's marker
  (``.<name>.store-tmp-<16 hex>``) in the same folder, fsynced and renamed into place. Opening
  the store deletes only such files, only in its own folders, and only under the lock.
- Whole runs only. A run's files are written before its record, and the record holds each
  file's size and SHA-256. A run counts as finished only when its record says ``ok`` and every
  file it lists is there with that size and checksum. Anything else is damaged: ``scan``
  names it, ``set_aside`` moves it to ``damaged/``, and the run is done again.
- Only its own folders. A path that is a file, or a non-empty folder that is not a store, is
  refused, naming it.
"""

import errno
import hashlib
import json
import os
import platform
import re
import socket
import stat
import subprocess
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .files import MANIFEST_BYTES, RECORD_BYTES, open_regular, read_text

PACKAGES = ("mesa", "numpy", "pandas", "scipy", "networkx", "SALib", "pyarrow", "dask", "distributed",
            "seaborn", "matplotlib")
TIMING_COLUMNS = ("wall_time", "started", "finished", "host", "pid")  # differ between identical sweeps
MANIFEST = "manifest.json"
LOCK_NAME = ".store.lock"
TMP_MARK = "store-tmp"
TMP_NAME = re.compile(r"\..+\." + TMP_MARK + r"-[0-9a-f]{16}")
RUN_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
STORE_FORMAT = 2  # 2: run records carry file checksums; the folder has a lock


class StoreError(RuntimeError):
    """A results folder that cannot be used as asked; the message names it."""


class StoreMismatch(StoreError):
    """The folder holds a different sweep."""


class NotAStore(StoreError):
    """The path is a file, or a non-empty folder that this store did not make."""


class StoreLocked(StoreError):
    """Another live process holds the folder's lock."""


class StoreDamaged(StoreError):
    """A file the folder needs failed its integrity check."""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def safe_target(path: Path, root=None) -> Path:
    """``path``, once it is known to be safe to write: every folder from ``root`` (the results folder; default
    the file's own folder) down to it is a real folder, not a symbolic link, and the file itself is absent
    or a regular file (not a link, a FIFO, a device or a folder). Anything else raises ``StoreError`` naming
    it: writing through it would write outside the folder, or block."""
    path = Path(path)
    root = Path(root) if root is not None else path.parent
    try:
        between = path.parent.relative_to(root).parts
    except ValueError:
        raise StoreError(f"{path} is not inside {root}; refusing to write it") from None
    folder = root
    for part in ("", *between):
        folder = folder / part if part else folder
        if part and folder.is_symlink():
            raise StoreError(f"{folder} is a symbolic link; refusing to write through it")
        if folder.exists() and not folder.is_dir():
            raise StoreError(f"{folder} is not a folder; refusing to write into it")
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return path
    if not stat.S_ISREG(mode):
        what = "a symbolic link" if stat.S_ISLNK(mode) else "a folder" if stat.S_ISDIR(mode) else "not a regular file"
        raise StoreError(f"{path} is {what}; refusing to write through it")
    return path


def atomic_write(path: Path, write, root=None) -> tuple:
    """The one way a file under a results folder is written: check it (``safe_target``: no link or special
    file from ``root`` down), call ``write(tmp_path)``, fsync, rename onto ``path``; return (size, sha256)."""
    path = safe_target(path, root)
    tmp = path.with_name(f".{path.name}.{TMP_MARK}-{uuid.uuid4().hex[:16]}")
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
            size = fh.tell()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists() or tmp.is_symlink():
            tmp.unlink()
    return size, digest


def file_digest(path: Path) -> tuple:
    """(size, sha256) of a regular file (a link, FIFO or device in its place raises ``OSError``, never blocks)."""
    with open_regular(path) as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
        return fh.tell(), digest


def write_json(path: Path, obj, root=None) -> tuple:
    return atomic_write(path, lambda p: p.write_text(json.dumps(obj, indent=2, default=str)), root)  # keeps order


def write_text(path: Path, text: str, root=None) -> tuple:
    return atomic_write(path, lambda p: p.write_text(text), root)


def write_parquet(path: Path, df: pd.DataFrame, root=None) -> tuple:
    table = pa.Table.from_pandas(df, preserve_index=False)
    return atomic_write(path, lambda p: pq.write_table(table, p), root)


def git_commit(cwd=None) -> dict:
    """The repository's commit and whether the tree had changes (None outside git)."""
    cwd = cwd or Path(__file__).resolve().parents[2]
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


class StoreLock:
    """An exclusive ``flock`` on a file in the folder, with the holder's pid, host and start time in it.

    The kernel releases the lock when the holding process dies, however it dies; a lock file whose
    content names a holder but can be locked was therefore left by a process that is gone (stale).
    On a clean release the content is emptied. ``flock`` is local to one machine: keep a folder
    that several machines see (NFS) to one driver by other means.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self.fd = None
        self.stale = None  # the holder named in a lock that was taken over

    def _read(self, fd) -> dict:
        try:
            text = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
            holder = json.loads(text) if text else {}
        except (OSError, ValueError):
            return {"holder": "unreadable"}
        return holder if isinstance(holder, dict) else {"holder": "unreadable"}

    @staticmethod
    def who(holder: dict) -> str:
        """The holder a lock names, in words: "pid 12 on host (since ...)", or what is known of it."""
        pid, host, since = holder.get("pid"), holder.get("host"), holder.get("since")
        if isinstance(pid, int) and not isinstance(pid, bool) and isinstance(host, str):
            return f"pid {pid} on {host}" + (f", since {since}" if isinstance(since, str) else "")
        return "a holder its lock file does not name (the file holds no pid and host)"

    def acquire(self) -> "StoreLock":
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0),
                     0o644)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise StoreError(f"{self.path} is not a regular file (a FIFO, a device or a socket); remove it, then run "
                             "again")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            holder = self._read(fd)
            os.close(fd)
            if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            who = self.who(holder) if holder.get("pid") else "another process"
            raise StoreLocked(f"{self.path.parent} is in use by another driver ({who}); wait for it to finish "
                              "or stop it, then run again") from None
        previous = self._read(fd)
        self.stale = previous or None
        me = json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "since": _now()}).encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, me, 0)
        self.fd = fd
        return self

    def release(self) -> None:
        if self.fd is None:
            return
        import fcntl

        try:
            os.ftruncate(self.fd, 0)
        except OSError:
            pass
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        self.fd = None

    @property
    def held(self) -> bool:
        return self.fd is not None


@dataclass
class Damage:
    """A run whose record or files failed the integrity check."""

    run_id: str
    problem: str


@dataclass
class Scan:
    """What the folder holds: finished (verified) and failed records by run id, and damaged runs."""

    finished: dict = field(default_factory=dict)
    failed: dict = field(default_factory=dict)
    damaged: list = field(default_factory=list)

    def records(self) -> list:
        return [self.finished.get(r) or self.failed[r] for r in sorted({*self.finished, *self.failed})]


def folder_kind(out) -> str:
    """What a results folder holds: its manifest's ``kind`` ("calibration", "panel"), or "sweep" (sweeps record
    none). A folder without a manifest is refused (``FileNotFoundError``: no sweep here)."""
    kind = Store(out, parts=()).manifest().get("kind", "sweep")
    return kind if isinstance(kind, str) else "sweep"


class Store:
    """One resumable results folder. ``parts`` are the per-run file kinds (one folder each)."""

    def __init__(self, root, parts=("data", "events")):
        self.root = Path(root)
        self.parts = tuple(parts)
        self.runs_dir = self.root / "runs"
        self.data_dir = self.root / "data"
        self.events_dir = self.root / "events"
        self.lock = StoreLock(self.root / LOCK_NAME)

    # --- what is there ---
    def exists(self) -> bool:
        """A manifest is there (a link or special file in its place too: ``manifest`` then refuses it)."""
        return os.path.lexists(self.root / MANIFEST)

    def manifest(self) -> dict:
        path = self.root / MANIFEST
        try:
            manifest = json.loads(read_text(path, MANIFEST_BYTES))
        except FileNotFoundError:
            raise FileNotFoundError(f"{self.root}: no sweep here (no {MANIFEST})") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise StoreDamaged(f"{path} is damaged ({e}); this folder cannot be read or resumed") from None
        if not isinstance(manifest, dict) or not isinstance(manifest.get("fingerprint"), str) \
                or not isinstance(manifest.get("sessions"), list):
            raise StoreDamaged(f"{path} is not a results manifest (no fingerprint or sessions)")
        return manifest

    def _own_file(self, p: Path) -> bool:
        return p.name in (MANIFEST, LOCK_NAME) or TMP_NAME.fullmatch(p.name) is not None

    def check_target(self) -> dict | None:
        """Whether this path can hold the store: refuse a file, and a non-empty folder that holds no
        store; return the manifest of the store already there (None for a new or empty folder)."""
        if self.root.exists() and not self.root.is_dir():
            raise NotAStore(f"{self.root} is a file, not a folder; give a folder for the results")
        if not self.root.exists():
            return None
        links = [name for name in (MANIFEST, LOCK_NAME, "points.parquet", "runs.parquet", "runs", "damaged", "report",
                                   *self.parts) if (self.root / name).is_symlink()]
        if links:  # writing through them would write outside the folder
            raise NotAStore(f"{self.root} has symbolic links where its own files go ({', '.join(links)}); "
                            "refusing to write through them")
        if self.exists():
            return self.manifest()
        foreign = sorted(p.name for p in self.root.iterdir() if not self._own_file(p))
        if foreign:
            shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
            raise NotAStore(f"{self.root} is not empty ({shown}) and holds no results (no {MANIFEST}); "
                            "give a new or empty folder")
        return None

    # --- opening ---
    def _remove_own_temporaries(self) -> None:
        """Delete the temporary files this store writes (killed writers leave them), nothing else:
        only names with its marker, only regular files, only in its own folders."""
        for folder in (self.root, self.runs_dir, *(self.root / p for p in self.parts)):
            if not folder.is_dir() or folder.is_symlink():
                continue
            for p in folder.iterdir():
                if TMP_NAME.fullmatch(p.name) and p.is_file() and not p.is_symlink():
                    p.unlink(missing_ok=True)

    def open(self, name: str, fingerprint: str, meta: dict, tables: dict) -> dict:
        """Create the store, or resume it: lock the folder, check it holds the same job (``fingerprint``)
        and that its tables are whole. ``tables`` (file name -> DataFrame) are written on creation; on
        resume, a damaged table is written again from them. Returns the manifest."""
        self.check_target()
        self.root.mkdir(parents=True, exist_ok=True)
        self.lock.acquire()
        try:
            manifest = self.check_target()  # again, under the lock
            self._remove_own_temporaries()
            session = {"started": _now(), "host": platform.node(), **git_commit()}
            if manifest is not None:
                if manifest["fingerprint"] != fingerprint:
                    raise StoreMismatch(f"{self.root} holds {manifest.get('name')!r} with a different spec; give "
                                        "another --out folder (or delete this one) to start afresh")
                manifest["sessions"].append(session)
            else:
                manifest = {"store": STORE_FORMAT, "name": name, "fingerprint": fingerprint, **meta,
                            "created": session["started"], "tables": {}, "sessions": [session]}
                write_json(self.root / MANIFEST, manifest, self.root)  # first: from now on the folder is a store
            tables_meta = manifest.setdefault("tables", {})
            self.repaired = []
            for fname, frame in tables.items():
                if self._table_problem(fname, tables_meta) is not None:
                    if fname in tables_meta:
                        self.repaired.append(fname)
                    size, digest = write_parquet(self.root / fname, frame, self.root)
                    tables_meta[fname] = {"size": size, "sha256": digest}
            for d in (self.runs_dir, *(self.root / p for p in self.parts)):
                d.mkdir(exist_ok=True)
            write_json(self.root / MANIFEST, manifest, self.root)
            self.opened = manifest
            return manifest
        except BaseException:
            self.lock.release()
            raise

    def end_session(self, **fields) -> None:
        """Record how this session ended (its wall time, what it ran) in the manifest's last session."""
        if not self.lock.held or getattr(self, "opened", None) is None:
            return
        self.opened["sessions"][-1].update(fields)
        write_json(self.root / MANIFEST, self.opened, self.root)

    def close(self) -> None:
        self.lock.release()

    def _table_problem(self, fname: str, tables_meta: dict) -> str | None:
        expected = tables_meta.get(fname)
        path = self.root / fname
        if not isinstance(expected, dict):
            return f"{fname} has no checksum in {MANIFEST}"
        if not (path.exists() or path.is_symlink()):
            return f"{fname} is missing"
        try:
            size, digest = file_digest(path)
        except OSError as e:
            return str(e)
        if size != expected.get("size") or digest != expected.get("sha256"):
            return f"{fname} does not match its size and checksum in {MANIFEST}"
        return None

    def table(self, fname: str) -> pd.DataFrame:
        """A table written at creation, checked against its checksum."""
        tables_meta = self.manifest().get("tables")
        if tables_meta is None and (self.root / fname).is_file():  # a folder from before checksums
            return pd.read_parquet(self.root / fname)
        problem = self._table_problem(fname, tables_meta or {})
        if problem:
            raise StoreDamaged(f"{self.root}: {problem}; run the sweep again to rewrite it")
        return pd.read_parquet(self.root / fname)

    def points(self) -> pd.DataFrame:
        return self.table("points.parquet")

    # --- runs ---
    def _run_path(self, part: str, run_id: str) -> Path:
        return self.root / part / f"{run_id}.parquet"

    def _read_record(self, path: Path):
        try:
            return json.loads(read_text(path, RECORD_BYTES))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return None

    def attempts(self, run_id: str) -> int:
        rec = self._read_record(self.runs_dir / f"{run_id}.json")
        return rec.get("attempt", 1) if isinstance(rec, dict) and isinstance(rec.get("attempt", 1), int) else 0

    def write_run(self, record: dict, parts: dict) -> dict:
        """Write a run: its files first (each with its size and SHA-256), then the record that lists them
        and marks the run finished (``status`` "ok") or failed. Returns the record as written."""
        run_id = record["run_id"]
        if not RUN_ID.fullmatch(run_id):
            raise ValueError(f"run id {run_id!r}: letters, digits, '_' and '-' only")
        rec = dict(record)
        rec["attempt"] = self.attempts(run_id) + 1
        files = {}
        for part, frame in parts.items():
            if part not in self.parts:
                raise ValueError(f"unknown part {part!r}; this store keeps {self.parts}")
            if frame is None:
                continue
            size, digest = write_parquet(self._run_path(part, run_id), frame, self.root)
            files[part] = {"path": f"{part}/{run_id}.parquet", "size": size, "sha256": digest}
        rec["files"] = files
        if getattr(self, "opened", None) is not None:  # whose run it is: a record copied from elsewhere is known
            rec["fingerprint"] = self.opened["fingerprint"]
        write_json(self.runs_dir / f"{run_id}.json", rec, self.root)
        return rec

    def write(self, result: dict) -> dict:
        """A runner's result (``{"record", "data", "events"}``) as a run."""
        return self.write_run(result["record"], {"data": result["data"], "events": result.get("events")})

    def verify(self, rec: dict) -> str | None:
        """Why a finished run's files are not whole (None if they are)."""
        run_id = rec["run_id"]
        files = rec.get("files")
        if not isinstance(files, dict):
            return f"runs/{run_id}.json lists no file checksums (written before checksums were kept)"
        for part, meta in files.items():
            if part not in self.parts or not isinstance(meta, dict):
                return f"runs/{run_id}.json lists an unknown file {part!r}"
            rel = f"{part}/{run_id}.parquet"
            path = self._run_path(part, run_id)
            if not (path.exists() or path.is_symlink()):
                return f"{rel} is missing"
            try:
                size, digest = file_digest(path)
            except OSError as e:
                return f"{rel}: {e}"
            if size != meta.get("size"):
                return f"{rel} has {size} bytes, its record says {meta.get('size')}"
            if digest != meta.get("sha256"):
                return f"{rel} does not match its SHA-256 checksum"
        return None

    def foreign(self, rec: dict, fingerprint: str | None, expect) -> str | None:
        """Why a record is not a run of this folder's job (None if it is): another job's fingerprint, or a
        seed or point that is not the one this job gives its run id (``expect(run_id)``: (point_id, replicate,
        seed), or None for a run id the job does not have)."""
        name = f"runs/{rec['run_id']}.json"
        if fingerprint is not None and "fingerprint" in rec and rec["fingerprint"] != fingerprint:
            return f"{name} was written by another job (spec fingerprint {str(rec['fingerprint'])[:16]}, this " \
                   f"folder's is {fingerprint})"
        if expect is None:
            return None
        wanted = expect(rec["run_id"])
        if wanted is None:
            return f"{name} is not a run of this spec"
        found = (rec.get("point_id"), rec.get("replicate"), rec.get("seed"))
        if found != tuple(wanted):
            return f"{name} has point {found[0]}, replicate {found[1]}, seed {found[2]}; this spec gives that run " \
                   f"point {wanted[0]}, replicate {wanted[1]}, seed {wanted[2]}"
        return None

    def scan(self, expect=None) -> Scan:
        """Every run record, checked: finished runs (files whole), failed runs, and damaged ones. A record
        of another job (its fingerprint, or with ``expect`` its point or seed) is damaged too."""
        out = Scan()
        if not self.runs_dir.is_dir():
            return out
        opened = getattr(self, "opened", None)
        try:
            fingerprint = (opened or self.manifest())["fingerprint"]
        except FileNotFoundError:
            fingerprint = None
        for path in sorted(self.runs_dir.iterdir()):
            run_id = path.name[:-5] if path.name.endswith(".json") else None
            if run_id is None or not RUN_ID.fullmatch(run_id):
                continue  # temporaries and anything not named as a record
            rec = self._read_record(path)
            if rec is None:
                out.damaged.append(Damage(run_id, f"runs/{path.name} is not a readable JSON record"))
                continue
            if not isinstance(rec, dict) or rec.get("run_id") != run_id or rec.get("status") not in ("ok", "failed"):
                out.damaged.append(Damage(run_id, f"runs/{path.name} is not a run record of {run_id}"))
                continue
            problem = self.foreign(rec, fingerprint, expect)
            if problem:
                out.damaged.append(Damage(run_id, problem))
                continue
            if rec["status"] == "failed":
                out.failed[run_id] = rec
                continue
            problem = self.verify(rec)
            if problem:
                out.damaged.append(Damage(run_id, problem))
            else:
                out.finished[run_id] = rec
        return out

    def set_aside(self, damage: Damage) -> Path:
        """Move a damaged run's record and files to ``damaged/<run_id>.<k>/``; the run is then missing."""
        k = 1
        while (self.root / "damaged" / f"{damage.run_id}.{k}").exists():
            k += 1
        dest = self.root / "damaged" / f"{damage.run_id}.{k}"
        safe_target(dest / "problem.txt", self.root)
        dest.mkdir(parents=True)
        write_text(dest / "problem.txt", damage.problem + "\n", self.root)
        for src in (self.runs_dir / f"{damage.run_id}.json",
                    *(self._run_path(p, damage.run_id) for p in self.parts)):
            if src.exists() or src.is_symlink():  # a link or a FIFO too: moved (not followed, not read)
                os.replace(src, dest / f"{src.parent.name}-{src.name}")
        return dest

    def finished(self) -> set:
        """Run ids whose record says ok and whose files are whole."""
        return set(self.scan().finished)

    def records(self, scan: Scan | None = None) -> pd.DataFrame:
        """The readable records of finished and failed runs (damaged ones are left out)."""
        scan = scan or self.scan()
        rows = [{k: v for k, v in rec.items() if k not in ("files", "fingerprint")} for rec in scan.records()]
        return pd.DataFrame(rows)

    # --- reading ---
    def runs_table(self, scan: Scan | None = None) -> pd.DataFrame:
        """Records joined with the points (the varied parameters) and written to runs.parquet."""
        recs = self.records(scan)
        if recs.empty:
            return recs
        table = recs.merge(self.points(), on="point_id", how="left").sort_values("run_id").reset_index(drop=True)
        write_parquet(self.root / "runs.parquet", table, self.root)
        return table

    def _read_parts(self, part: str, scan: Scan) -> pd.DataFrame:
        files = [self._run_path(part, r) for r in sorted(scan.finished) if part in scan.finished[r]["files"]]
        if not files:
            return pd.DataFrame()
        return pa.concat_tables([pq.read_table(f) for f in files], promote_options="default").to_pandas()

    def data(self, scan: Scan | None = None) -> pd.DataFrame:
        """Collected rows of the finished runs only (one row per run per collected step)."""
        return self._read_parts("data", scan or self.scan())

    def events(self, scan: Scan | None = None) -> pd.DataFrame:
        return self._read_parts("events", scan or self.scan())
