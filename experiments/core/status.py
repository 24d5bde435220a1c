"""How far a sweep or a panel got: what its store holds, counted and checked (nothing is moved)."""

from .store import Store


def store_status(out, parts) -> dict:
    """How far a sweep or a panel got: counts by status, time spent, failures and damaged runs (checked, not
    moved). ``parts``: the per-run file kinds of the store (a sweep keeps "data" and "events", a panel "data"
    and "quarters")."""
    store = Store(out, parts=parts)
    if not store.root.is_dir() or not store.exists():
        raise FileNotFoundError(f"{out}: no sweep here (no manifest.json)")
    manifest = store.manifest()
    scan = store.scan()
    recs = store.records(scan)
    total = manifest["total_runs"]
    ok = len(scan.finished)
    failed = recs[recs["status"] != "ok"] if len(recs) else recs
    wall = recs["wall_time"].astype(float) if len(recs) else None
    return {"name": manifest["name"], "total": total, "ok": ok, "failed": len(failed),
            "damaged": [{"run_id": d.run_id, "problem": d.problem} for d in scan.damaged],
            "missing": total - ok - len(failed) - len(scan.damaged),
            "run_seconds": float(wall.sum()) if wall is not None else 0.0,
            "mean_run_seconds": float(wall.mean()) if wall is not None and len(wall) else float("nan"),
            "failures": failed[["run_id", "error"]].to_dict("records") if len(failed) else [],
            "git": manifest.get("git") or {}, "created": manifest["created"],
            "sessions": len(manifest["sessions"])}


def format_store_status(s: dict, head: str, command: str) -> str:
    """``status``'s text: ``head`` names what ran ("sweep smoke"), ``command`` resumes it."""
    damaged = f", {len(s['damaged'])} damaged" if s["damaged"] else ""
    lines = [f"{head}: {s['ok']}/{s['total']} finished, {s['failed']} failed, {s['missing']} missing"
             f"{damaged}",
             f"  run time so far {s['run_seconds']:.1f} s"
             + (f" (mean {s['mean_run_seconds']:.2f} s per run)" if s["mean_run_seconds"] == s["mean_run_seconds"]
                else "") + "; "
             f"{s['sessions']} session(s); created {s['created']}; commit {s['git'].get('commit')}"]
    if s["missing"] or s["failed"] or s["damaged"]:
        lines.append(f"  run the same `{command}` again to finish it (failed and damaged runs are "
                     "redone; damaged files are set aside in damaged/)")
    for d in s["damaged"][:20]:
        lines.append(f"  DAMAGED {d['run_id']}: {d['problem']}")
    if len(s["damaged"]) > 20:
        lines.append(f"  ... and {len(s['damaged']) - 20} more damaged")
    for f in s["failures"][:20]:
        lines.append(f"  FAILED {f['run_id']}: {f['error']}")
    if len(s["failures"]) > 20:
        lines.append(f"  ... and {len(s['failures']) - 20} more (see runs.parquet)")
    return "\n".join(lines)
