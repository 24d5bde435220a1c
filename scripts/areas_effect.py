"""What sharing ICE's places changes next door: ``panel_areas.toml`` run as shipped (counties adopt limiting
detainer policies at their table dates) and again with ``policy_changes = "ignore"`` (nobody adopts), on the
same random numbers. For each ICE area with an adopter, ICE's detentions (every door) and removals in the
area's counties that never adopt, from the area's first adoption to the end, in the runs with the program
(docs/panel.md, section 8). With ``capacity = "county"`` those counties' runs would be identical.

    .venv/bin/python scripts/areas_effect.py [--workers 2] [--out results]
"""

import argparse
import tomllib
from pathlib import Path

import pandas as pd

from experiments.panel import load_panel, run_panel
from experiments.panel.spec import parse_panel_spec

SPEC = Path(__file__).resolve().parents[1] / "experiments" / "specs" / "panel_areas.toml"
HELD = ("ice_pickups", "at_large_arrests", "background_arrests")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="results")
    args = parser.parse_args()
    raw = tomllib.loads(SPEC.read_text())
    weekly = {}
    for changes, name in (("model", raw["name"]), ("ignore", f"{raw['name']}_no_adoption")):
        spec = parse_panel_spec({**raw, "name": name, "policy_changes": changes}, base=SPEC.parent)
        out = Path(args.out) / name
        print(run_panel(spec, out=out, workers=args.workers, quiet=True))
        w = load_panel(out, "week")
        w["held"] = w[list(HELD)].sum(axis=1)
        weekly[changes] = w
    w = weekly["model"]
    adopters = w.loc[w["policy_change_week"].notna(), ["county_id", "ice_area", "policy_change_week"]].drop_duplicates()
    first = adopters.groupby("ice_area")["policy_change_week"].min()
    rows = []
    for area, week in first.items():
        for who, ids in (("adopters", set(adopters.loc[adopters["ice_area"] == area, "county_id"])),
                         ("neighbours", set(w.loc[w["ice_area"] == area, "county_id"]) -
                          set(adopters["county_id"]))):
            row = {"area": area, "from_week": int(week), "counties": who, "n": len(ids)}
            for changes, frame in weekly.items():
                part = frame[frame["county_id"].isin(ids) & (frame["week"] >= week)]
                row[f"held_{changes}"] = int(part["held"].sum())
                row[f"removals_{changes}"] = int(part["removals"].sum())
            rows.append(row)
    table = pd.DataFrame(rows)
    totals = table.groupby("counties")[[c for c in table.columns if c.startswith(("held", "removals"))]].sum()
    totals["held_change"] = totals["held_model"] / totals["held_ignore"] - 1
    totals["removals_change"] = totals["removals_model"] / totals["removals_ignore"] - 1
    pd.set_option("display.width", 160)
    print(table.to_string(index=False))
    print(totals.round(3).to_string())


if __name__ == "__main__":
    main()
