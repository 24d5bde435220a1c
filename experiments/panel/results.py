"""Reading a panel's folder: its spec, its design and the county x quarter (or week) panel, and how far it got."""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.files import MANIFEST_BYTES, read_text
from ..core.status import format_store_status, store_status
from ..core.store import Store, StoreDamaged
from .design import COVARIATES
from .rollout import WEEKS_PER_QUARTER, date_of
from .spec import PanelSpec, parse_panel_spec
from .spillover import level_by_week

PARTS = ("data", "quarters")  # per task: county-week reporters, county-quarter outcomes (checksummed)


def panel_store(out) -> Store:
    return Store(out, parts=PARTS)


def is_panel(out) -> bool:
    return (Path(out) / "panel.json").exists()


def panel_info(out) -> dict:
    out = Path(out)
    if not is_panel(out):
        raise FileNotFoundError(f"{out}: no panel here (no panel.json)")
    try:
        info = json.loads(read_text(out / "panel.json", MANIFEST_BYTES))
    except (OSError, ValueError) as e:
        raise StoreDamaged(f"{out / 'panel.json'} is damaged ({e}); this folder cannot be read") from None
    if not isinstance(info, dict) or not isinstance(info.get("spec"), dict):
        raise StoreDamaged(f"{out / 'panel.json'} is not a panel's description (no spec)")
    return info


def panel_spec_of(out) -> PanelSpec:
    info = panel_info(out)
    source = {k: v for k, v in info["spec"].items() if k not in ("kind", "table_sha256")}
    return parse_panel_spec(source, base=info["base"], check_table=False)


def load_design(out) -> pd.DataFrame:
    return panel_store(out).table("counties.parquet")


def _finished(out) -> list:
    return sorted(panel_store(out).finished())


def load_panel(out, level: str = "quarter", covariates: bool = True) -> pd.DataFrame:
    """The panel of the finished tasks: ``level`` "quarter" (county x quarter outcomes and twin
    outcomes, with ``event_quarter`` and ``treated``) or "week" (county x week reporters)."""
    out = Path(out)
    spec = panel_spec_of(out)
    design = load_design(out)
    if level == "quarter":
        files = [Path(out) / "quarters" / f"{r}.parquet" for r in _finished(out)]
        df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True) if files else pd.DataFrame(
            columns=["county_id", "replication", "quarter"])
        key = "quarter"
    elif level == "week":
        df = panel_store(out).data()
        key = "week"
    else:
        raise ValueError(f"level must be 'quarter' or 'week', got {level!r}")
    df = df.sort_values(["replication", "county_id", key], kind="stable").reset_index(drop=True)
    cols = [c for c in COVARIATES if c in design.columns] if covariates else ["activation_week", "cohort",
                                                                               "detainer_policy"]
    df = df.merge(design[["county_id", *cols]], on="county_id", how="left", validate="many_to_one")
    if level == "quarter":
        df["date"] = [date_of(WEEKS_PER_QUARTER * (q - 1) + 1, spec.start_date).isoformat() for q in df["quarter"]]
        df["event_quarter"] = df["quarter"] - df["cohort"]
        first = WEEKS_PER_QUARTER * (df["quarter"] - 1) + 1
        df["weeks_active"] = np.clip(first + WEEKS_PER_QUARTER - df["activation_week"], 0, WEEKS_PER_QUARTER)
        df["treated"] = df["quarter"] >= df["cohort"]
    else:
        df["event_week"] = df["week"] - df["activation_week"]
        df["active"] = df["week"] >= df["activation_week"]
    if "outside_news" in design.columns:  # the news from outside in force (in a quarter: in its first week)
        week = (df["week"] if level == "week" else first).to_numpy()
        schedules = design.set_index("county_id")["outside_news"]
        news = np.zeros(len(df))
        for cid, idx in df.groupby("county_id").indices.items():
            if schedules[cid] != "0":
                news[idx] = level_by_week(schedules[cid], week[idx])
        df["outside_news_level"] = news
    return df


def panel_status(out) -> dict:
    s = store_status(out, PARTS)
    info = panel_info(out)
    recs = panel_store(out).records()
    ok = recs[recs["status"] == "ok"] if len(recs) else recs
    s.update(kind="panel", counties=info["counties"], weeks=info["weeks"], replications=info["replications"],
             county_weeks=int(ok["county_weeks"].sum()) if len(ok) else 0,
             cpu_seconds=float(ok["cpu_time"].sum()) if "cpu_time" in ok else float("nan"))
    return s


def format_panel_status(s: dict) -> str:
    head = (f"panel {s['name']}: {s['counties']:,} counties x {s['weeks']} weeks x {s['replications']} "
            f"replication(s); {s['county_weeks']:,} county-weeks finished"
            + (f"; {s['cpu_seconds']:,.0f} CPU s in tasks" if s["cpu_seconds"] == s["cpu_seconds"] else ""))
    return head + "\n" + format_store_status(s, "tasks", "python -m experiments panel")
