"""Reading and validating a panel spec (TOML): a nation of counties, its rollout, the scale, what to estimate.

    name = "panel_smoke"
    seed = 20081027                 # root seed: the rollout noise and every county's runs derive from it
    replications = 3                # whole panels, each with fresh model randomness (same rollout)
    weeks = 312                     # simulated weeks (13 to a quarter)
    start_date = "2007-10-01"       # the first day of week 1
    burn_in_weeks = 0               # weeks every model runs before week 1, not recorded (docs/panel.md)
    fraction = 0.01                 # model residents per real resident (1:100)
    min_residents = 20              # a smaller county is run at this size (flagged n_raised)
    batch_cost = 100000             # target cost of one task, in resident-equivalents (docs/panel.md)
    reporters = []                  # model reporters kept weekly beyond the panel's own
    policy_changes = "model"        # "model": each jail changes policy at its table date; "ignore": keeps its first

    [counties]
    table = "../data/counties_national.csv"   # relative to this file; CSV or Parquet
    sample = 60                     # optional: a random subset of this many counties (seeded)

    [rollout]
    rule = "hispanic"               # "hispanic", "random" or "table"
    window_start = "2008-10-27"
    window_end = "2013-01-22"
    noise = 1.0
    border_bonus = 1.0

    [spillover]                     # fear across county lines (docs/panel.md); off unless weight > 0
    weight = 0.0                    # news of a fully activated state: detentions per 1,000 Hispanic residents a week
    scope = "state"                 # "state": the other counties of the county's state; "nation": all others
    neighbours = 0.0                # [ice] capacity = "area": share of the area's other detentions heard (0: off)

    [ice]                           # whose places ICE's capacity is (docs/panel.md, section 8)
    capacity = "county"             # "county": each county's own (independent runs); "area": shared by an area
    areas = 24                      # "area" without an ``area`` column: states dealt into this many areas
    period_weeks = 13               # "area": the allocation between counties is redone every this many weeks
    allocation = "proportional"     # "area": places to counties by candidates ("priority": down the ranks)

    [model]                         # model parameters fixed for every county (never per-county columns)

    [estimation]
    outcomes = ["reporting_hispanic", "victimization_hispanic", "crime_rate"]
    estimators = ["twfe", "saturated", "did2s"]
    controls = ["not_yet", "last_treated"]
    weights = ["none", "population"]  # each county alike, and each county by its population
    last_treated_share = 0.25
    window = [-8, 12]               # event quarters shown; the ends are binned
    ci = 0.95

    [adoption]                      # a jail's limit on detainers as a staggered treatment (docs/panel.md)
    outcomes = ["removal_rate_convicted"]  # each county whose jail adopts one in the panel also runs a twin
                                    # that never adopts, and the report estimates these outcomes (absent: off)

A ``SpecError`` names the key at fault; county rows are checked by ``experiments.panel.counties``.
"""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from model import validate_parameters
from model.parameters import PARAMETER_TABLE
from model.reporters import REPORTERS

from ..core.files import open_regular
from ..core.schema import (
    ANY,
    DEFAULT_LIMITS,
    PROSE,
    REQUIRED,
    Choice,
    Date,
    Int,
    Key,
    Level,
    Limits,
    Names,
    Number,
    PlainName,
    Table,
    Text,
    check_keys,
    check_limit,
    fail,
    read_toml,
    suggestion,
)
from .coupled import ALLOCATIONS
from .estimators import CONTROLS, ESTIMATORS, WEIGHTINGS
from .outcomes import OUTCOMES, WEEKLY
from .rollout import RULES, WEEKS_PER_QUARTER, week_of
from .spillover import SCOPES

POLICY_CHANGES = ("ignore", "model")
# Parameters the county table sets; [model] may not fix them.
PER_COUNTY = ("n_residents", "share_undocumented", "share_lpr", "share_naturalized", "hispanic_share_others",
              "policing_intensity", "detainer_policy", "activation_week", "sharing_active", "outside_news")
DEFAULT_OUTCOMES = ("reporting_hispanic", "reporting_propensity_hispanic", "victimization_hispanic", "crime_rate",
                    "clearance_rate", "removal_rate", "separation_rate", "knows_detained_hispanic")


_RESIDENTS = PARAMETER_TABLE["n_residents"].constraint

# --- the declaration: every key a panel spec may hold ---------------------------------------------------------
COUNTIES = Table({
    "table": Key(Text(), REQUIRED, "a CSV or Parquet county table, relative to the spec file",
                 missing="required: a CSV or Parquet county table (relative to the spec file)"),
    "sample": Key(Int(minimum=2), None, "a random subset of this many counties (seeded)"),
})
ROLLOUT = Table({
    "rule": Key(Choice(RULES), "hispanic", "the order counties are reached in (experiments.panel.rollout)"),
    "window_start": Key(Date(), "2008-10-27", "the first activation"),
    "window_end": Key(Date(), "2013-01-22", "the last activation"),
    "noise": Key(Number(minimum=0), 1.0, "the rollout score's noise"),
    "border_bonus": Key(Number(), 1.0, "the score's bonus for a border county"),
})
SPILLOVER = Table({
    "weight": Key(Number(minimum=0, maximum=PARAMETER_TABLE["outside_news"].constraint.high), 0.0,
                  "news of a fully activated state: detentions per 1,000 Hispanic residents a week (0: off)"),
    "scope": Key(Choice(SCOPES), "state", "whose activation a county hears of: its state's or the nation's"),
    "neighbours": Key(Number(minimum=0, maximum=1), 0.0, "with [ice] capacity = \"area\": the share of the "
                      "detentions in the area's other counties a county hears of, as news (0: off)"),
})
CAPACITY = ("county", "area")
ICE_AREAS = Table({
    "capacity": Key(Choice(CAPACITY), "county", "\"county\": ICE's places per county; \"area\": shared by an area"),
    "areas": Key(Int(minimum=1), 24, "without an area column: the table's states dealt into this many areas"),
    "period_weeks": Key(Int(minimum=1, maximum=WEEKS_PER_QUARTER * 8), WEEKS_PER_QUARTER,
                        "weeks between two allocations of an area's places"),
    "allocation": Key(Choice(tuple(ALLOCATIONS)), "proportional",
                      "how an area's places are shared: in proportion to candidates, or down the ranks"),
})
ESTIMATION = Table({
    "outcomes": Key(Names(tuple(OUTCOMES)), list(DEFAULT_OUTCOMES), "the quarterly outcomes estimated"),
    "estimators": Key(Names(ESTIMATORS), list(ESTIMATORS), "the estimators (experiments.panel.estimators)"),
    "controls": Key(Names(CONTROLS), list(CONTROLS), "the control groups"),
    "weights": Key(Names(tuple(WEIGHTINGS)), list(WEIGHTINGS),
                   "\"none\": every county alike; \"population\": each county by its population"),
    "last_treated_share": Key(Number(above=0, maximum=0.9), 0.25, "last_treated: this share of counties"),
    "window": Key(ANY, [-8, 12], "[first, last] event quarters shown; the ends are binned"),
    "ci": Key(Level(), 0.95, "the intervals' level"),
})
ADOPTION = Table({
    "outcomes": Key(Names(tuple(OUTCOMES)), None, "outcomes estimated for the adoption of a limiting policy; "
                    "non-empty: each county whose jail adopts one within the panel also runs a twin that never does"),
})
SPEC = Table({
    "name": Key(PlainName(), REQUIRED, "the panel's name (results/<name>)",
                missing=f"required; {PlainName.allowed}, got None"),
    "description": Key(PROSE, "", "what the panel asks"),
    "seed": Key(Int(minimum=0), 0, "root seed: the rollout noise and every county's runs derive from it"),
    "replications": Key(Int(minimum=1), 1, "whole panels, each with fresh model randomness (same rollout)"),
    "weeks": Key(Int(minimum=WEEKS_PER_QUARTER), 520, "simulated weeks (13 to a quarter)"),
    "burn_in_weeks": Key(Int(minimum=0), 0, "weeks every model runs before week 1, not recorded"),
    "start_date": Key(Date(), "2006-10-02", "the first day of week 1"),
    "fraction": Key(Number(above=0, maximum=1), 0.01, "model residents per real resident"),
    "min_residents": Key(Int(minimum=_RESIDENTS.low, maximum=_RESIDENTS.high), _RESIDENTS.low,
                         "a smaller county is run at this size (flagged n_raised)"),
    "batch_cost": Key(Int(minimum=1), 100_000, "target cost of one task, in resident-equivalents"),
    "reporters": Key(ANY, [], "model reporters kept weekly beyond the panel's own"),
    "policy_changes": Key(Choice(POLICY_CHANGES), "model",
                          "\"model\": each jail changes policy at its table date; \"ignore\": keeps its first"),
    "counties": Key(COUNTIES, {}, "the county table"),
    "rollout": Key(ROLLOUT, {}, "when the program reaches each county"),
    "spillover": Key(SPILLOVER, {}, "fear across county lines"),
    "ice": Key(ICE_AREAS, {}, "whose places ICE's capacity is: each county's, or an area's"),
    "model": Key(ANY, {}, "model parameters fixed for every county (never per-county columns)"),
    "estimation": Key(ESTIMATION, {}, "what the report estimates"),
    "adoption": Key(ADOPTION, {}, "a jail's limit on detainers as a staggered treatment"),
})


@dataclass(frozen=True)
class PanelSpec:
    name: str
    description: str
    seed: int
    replications: int
    weeks: int
    start_date: dt.date
    fraction: float
    min_residents: int
    batch_cost: int
    reporters: tuple
    policy_changes: str
    table: str
    sample: int | None
    rollout: dict
    model: dict
    estimation: dict
    spillover: dict = field(default_factory=lambda: {"weight": 0.0, "scope": "state", "neighbours": 0.0})
    burn_in_weeks: int = 0
    adoption: dict = field(default_factory=lambda: {"outcomes": ()})
    ice: dict = field(default_factory=lambda: {"capacity": "county", "areas": 24, "period_weeks": WEEKS_PER_QUARTER,
                                               "allocation": "proportional"})
    base: Path = field(default=Path("."), compare=False)
    source: dict = field(default_factory=dict, compare=False)
    table_sha256: str = ""

    kind = "panel"

    @property
    def table_path(self) -> Path:
        p = Path(self.table)
        return p if p.is_absolute() else (self.base / p)

    def to_dict(self) -> dict:
        """The spec as written, with what identifies the county table (Store's manifest keeps this)."""
        return {"kind": "panel", **json.loads(json.dumps(self.source, default=str)), "table_sha256": self.table_sha256}

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:16]


def file_sha256(path: Path) -> tuple:
    """The table file's SHA-256 and its rows (CSV: its lines but the header; Parquet: from its metadata)."""
    h = hashlib.sha256()
    lines = 0
    with open_regular(path) as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            lines += chunk.count(b"\n")
            last = chunk
        if path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq

            fh.seek(0)
            rows = pq.ParquetFile(fh).metadata.num_rows
        else:
            rows = lines - 1 + (1 if lines and not last.endswith(b"\n") else 0)
    return h.hexdigest(), max(rows, 0)


def check_panel_size(spec: "PanelSpec", table_rows: int, limits: Limits, where: str = "") -> None:
    """The panel's size, from the spec and its table's row count before anything is built, held against
    ``limits`` (the sweep's): weeks per run, model runs (each county and its twin, per replication) and the
    county-weeks it stores."""
    weeks = spec.weeks + spec.burn_in_weeks
    check_limit("steps", weeks, "weeks" if spec.weeks >= spec.burn_in_weeks else "burn_in_weeks",
                f"{spec.weeks:,} weeks + {spec.burn_in_weeks:,} burn-in weeks per run", limits, where)
    counties = min(table_rows, spec.sample) if spec.sample else table_rows
    county_key = "counties.sample" if spec.sample else "counties.table"
    runs = counties * spec.replications * 2
    check_limit("runs", runs, "replications" if spec.replications > counties else county_key,
                f"{counties:,} counties x {spec.replications:,} replications x 2 (each county and its twin) = "
                f"{runs:,} runs", limits, where)
    rows = counties * spec.replications * spec.weeks
    check_limit("rows", rows, "weeks" if spec.weeks > counties else county_key,
                f"{counties:,} counties x {spec.replications:,} replications x {spec.weeks:,} weeks = {rows:,} "
                "county-weeks to store", limits, where)


def parse_panel_spec(raw: dict, base=".", where: str = "", check_table: bool = True, *,
                     limits: Limits = DEFAULT_LIMITS) -> PanelSpec:
    """Validate a panel spec given as a dict. ``base``: the folder relative table paths start from.
    ``check_table``: find the county table, fingerprint it and hold the panel's size against ``limits``."""
    values = SPEC.read(raw, "", where)
    start = values["start_date"]
    reporters = values["reporters"]
    if not isinstance(reporters, list):
        fail("reporters", "must be a list of model reporter names", where)
    for i, r in enumerate(reporters):
        if r not in REPORTERS:
            fail(f"reporters[{i}]", f"unknown model reporter {r!r}{suggestion(r, REPORTERS)}", where)
    reporters = tuple(r for r in dict.fromkeys(reporters) if r not in WEEKLY)
    rollout = values["rollout"]
    if rollout["window_end"] < rollout["window_start"]:
        fail("rollout.window_end", "is before window_start", where)
    if week_of(rollout["window_start"], start) < 1:
        fail("rollout.window_start", f"is before start_date ({start})", where)
    model = values["model"]
    if not isinstance(model, dict):
        fail("model", "must be a table", where)
    check_keys(model, set(PARAMETER_TABLE), "model.", where)
    for k in model:
        if k in PER_COUNTY:
            how = " ([spillover] sets it)" if k == "outside_news" else ""
            fail(f"model.{k}", f"is set per county (from the county table and the rollout){how}, not in [model]",
                 where)
    try:
        validate_parameters(dict(model))
    except ValueError as e:
        fail("model", str(e), where)
    est = values["estimation"]
    window = est["window"]
    ints = isinstance(window, list) and all(isinstance(w, int) and not isinstance(w, bool) for w in window)
    if not (ints and len(window) == 2 and window[0] < -1 < 0 <= window[1]):
        fail("estimation.window", "must be [first, last] event quarters with first < -1 and last >= 0, "
             f"got {window!r}", where)
    estimation = {**est, "window": tuple(window)}
    if values["spillover"]["neighbours"] > 0 and values["ice"]["capacity"] != "area":
        fail("spillover.neighbours", "needs [ice] capacity = \"area\" (the neighbours are the area's counties)",
             where)
    counties = values["counties"]
    spec = PanelSpec(values["name"], values["description"], values["seed"], values["replications"], values["weeks"],
                     start, values["fraction"], values["min_residents"], values["batch_cost"], reporters,
                     values["policy_changes"], counties["table"], counties["sample"], rollout, dict(model),
                     estimation, values["spillover"], burn_in_weeks=values["burn_in_weeks"],
                     adoption={"outcomes": tuple(values["adoption"]["outcomes"] or ())}, ice=values["ice"],
                     base=Path(base),
                     source=raw)
    if spec.adoption["outcomes"] and spec.policy_changes != "model":
        fail("adoption.outcomes", "needs policy_changes = \"model\" (the jails' changes are the treatment)", where)
    if check_table:
        path = spec.table_path
        if not path.exists():
            fail("counties.table", f"no such file: {path}", where)
        try:
            digest, rows = file_sha256(path)
        except (OSError, ValueError) as e:
            fail("counties.table", f"cannot be read: {e}", where)
        check_panel_size(spec, rows, limits, where)
        spec = replace(spec, table_sha256=digest)
    return spec


def load_panel_spec(path, limits: Limits = DEFAULT_LIMITS) -> PanelSpec:
    """Read and validate a panel spec file (its table is found relative to the file)."""
    path = Path(path)
    where = f"{path}: "
    raw = read_toml(path)
    return parse_panel_spec(raw, base=path.resolve().parent, where=where, limits=limits)
