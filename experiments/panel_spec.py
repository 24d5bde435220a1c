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

    [model]                         # model parameters fixed for every county (never per-county columns)

    [estimation]
    outcomes = ["reporting_hispanic", "victimization_hispanic", "crime_rate"]
    estimators = ["twfe", "saturated", "did2s"]
    controls = ["not_yet", "last_treated"]
    last_treated_share = 0.25
    window = [-8, 12]               # event quarters shown; the ends are binned
    ci = 0.95

A ``SpecError`` names the key at fault; county rows are checked by ``experiments.counties``.
"""

import datetime as dt
import difflib
import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from model import validate_parameters
from model.parameters import PARAMETER_TABLE
from model.reporters import REPORTERS

from .panel_outcomes import OUTCOMES, WEEKLY
from .rollout import RULES, week_of
from .spec import _check_keys, _fail, _int, read_toml
from .spillover import SCOPES

TOP = {"name", "description", "seed", "replications", "weeks", "burn_in_weeks", "start_date", "fraction",
       "min_residents", "batch_cost", "reporters", "policy_changes", "counties", "rollout", "spillover", "model",
       "estimation"}
COUNTIES = {"table", "sample"}
ROLLOUT = {"rule", "window_start", "window_end", "noise", "border_bonus"}
SPILLOVER = {"weight", "scope"}
ESTIMATION = {"outcomes", "estimators", "controls", "last_treated_share", "window", "ci"}
ESTIMATORS = ("twfe", "saturated", "did2s")
CONTROLS = ("not_yet", "last_treated")
POLICY_CHANGES = ("ignore", "model")
# Parameters the county table sets; [model] may not fix them.
PER_COUNTY = ("n_residents", "share_undocumented", "share_lpr", "share_naturalized", "hispanic_share_others",
              "policing_intensity", "detainer_policy", "activation_week", "sharing_active", "outside_news")
DEFAULT_OUTCOMES = ("reporting_hispanic", "reporting_propensity_hispanic", "victimization_hispanic", "crime_rate",
                    "clearance_rate", "removal_rate", "separation_rate", "knows_detained_hispanic")


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
    spillover: dict = field(default_factory=lambda: {"weight": 0.0, "scope": "state"})
    burn_in_weeks: int = 0
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


def _keys(table, allowed, prefix, where):
    if not isinstance(table, dict):
        _fail(prefix.rstrip(".") or "spec", "must be a table", where)
    _check_keys(table, allowed, prefix, where)


def _num(v, key, where, lo=None, hi=None, open_low=False):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        _fail(key, f"must be a number, got {v!r}", where)
    if lo is not None and (v < lo or (open_low and v == lo)):
        _fail(key, f"must be {'>' if open_low else '>='} {lo}, got {v}", where)
    if hi is not None and v > hi:
        _fail(key, f"must be <= {hi}, got {v}", where)
    return float(v)


def _date(v, key, where):
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v))
    except ValueError:
        _fail(key, f"must be a date YYYY-MM-DD, got {v!r}", where)


def _choices(v, allowed, key, where):
    if not isinstance(v, list) or not v:
        _fail(key, f"must be a non-empty list from {list(allowed)}", where)
    for i, x in enumerate(v):
        if x not in allowed:
            close = difflib.get_close_matches(str(x), list(allowed), n=1)
            _fail(f"{key}[{i}]", f"unknown {x!r}" + (f" (did you mean {close[0]!r}?)" if close else
                                                    f"; one of {list(allowed)}"), where)
    if len(set(v)) != len(v):
        _fail(key, "repeated names", where)
    return tuple(v)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def parse_panel_spec(raw: dict, base=".", where: str = "", check_table: bool = True) -> PanelSpec:
    """Validate a panel spec given as a dict. ``base``: the folder relative table paths start from."""
    _keys(raw, TOP, "", where)
    name = raw.get("name")
    if not isinstance(name, str) or not name or not all(c.isalnum() or c in "_-." for c in name):
        _fail("name", f"required; letters, digits, '_', '-', '.' only, got {name!r}", where)
    description = raw.get("description", "")
    seed = _int(raw.get("seed", 0), "seed", where, 0)
    replications = _int(raw.get("replications", 1), "replications", where, 1)
    weeks = _int(raw.get("weeks", 520), "weeks", where, 13)
    burn_in = _int(raw.get("burn_in_weeks", 0), "burn_in_weeks", where, 0)
    start = _date(raw.get("start_date", "2006-10-02"), "start_date", where)
    fraction = _num(raw.get("fraction", 0.01), "fraction", where, 0, 1, open_low=True)
    lo, hi = PARAMETER_TABLE["n_residents"].constraint.low, PARAMETER_TABLE["n_residents"].constraint.high
    min_residents = _int(raw.get("min_residents", lo), "min_residents", where, lo)
    if min_residents > hi:
        _fail("min_residents", f"must be <= {hi}", where)
    batch_cost = _int(raw.get("batch_cost", 100_000), "batch_cost", where, 1)
    reporters = raw.get("reporters", [])
    if not isinstance(reporters, list):
        _fail("reporters", "must be a list of model reporter names", where)
    for i, r in enumerate(reporters):
        if r not in REPORTERS:
            close = difflib.get_close_matches(str(r), REPORTERS, n=1)
            _fail(f"reporters[{i}]", f"unknown model reporter {r!r}" + (f" (did you mean {close[0]!r}?)"
                                                                        if close else ""), where)
    reporters = tuple(r for r in dict.fromkeys(reporters) if r not in WEEKLY)
    policy_changes = raw.get("policy_changes", "model")
    if policy_changes not in POLICY_CHANGES:
        _fail("policy_changes", f"must be one of {POLICY_CHANGES}, got {policy_changes!r}", where)

    counties = raw.get("counties", {})
    _keys(counties, COUNTIES, "counties.", where)
    table = counties.get("table")
    if not isinstance(table, str) or not table:
        _fail("counties.table", "required: a CSV or Parquet county table (relative to the spec file)", where)
    sample = counties.get("sample")
    if sample is not None:
        _int(sample, "counties.sample", where, 2)

    rollout_raw = raw.get("rollout", {})
    _keys(rollout_raw, ROLLOUT, "rollout.", where)
    rule = rollout_raw.get("rule", "hispanic")
    if rule not in RULES:
        _fail("rollout.rule", f"must be one of {RULES}, got {rule!r}", where)
    rollout = {"rule": rule,
               "window_start": _date(rollout_raw.get("window_start", "2008-10-27"), "rollout.window_start", where),
               "window_end": _date(rollout_raw.get("window_end", "2013-01-22"), "rollout.window_end", where),
               "noise": _num(rollout_raw.get("noise", 1.0), "rollout.noise", where, 0),
               "border_bonus": _num(rollout_raw.get("border_bonus", 1.0), "rollout.border_bonus", where)}
    if rollout["window_end"] < rollout["window_start"]:
        _fail("rollout.window_end", "is before window_start", where)
    if week_of(rollout["window_start"], start) < 1:
        _fail("rollout.window_start", f"is before start_date ({start})", where)

    spill = raw.get("spillover", {})
    _keys(spill, SPILLOVER, "spillover.", where)
    high = PARAMETER_TABLE["outside_news"].constraint.high
    spillover = {"weight": _num(spill.get("weight", 0.0), "spillover.weight", where, 0, high),
                 "scope": spill.get("scope", "state")}
    if spillover["scope"] not in SCOPES:
        _fail("spillover.scope", f"must be one of {SCOPES}, got {spillover['scope']!r}", where)

    model = raw.get("model", {})
    _keys(model, set(PARAMETER_TABLE), "model.", where)
    for k in model:
        if k in PER_COUNTY:
            how = " ([spillover] sets it)" if k == "outside_news" else ""
            _fail(f"model.{k}", f"is set per county (from the county table and the rollout){how}, not in [model]",
                  where)
    try:
        validate_parameters(dict(model))
    except ValueError as e:
        _fail("model", str(e), where)

    est = raw.get("estimation", {})
    _keys(est, ESTIMATION, "estimation.", where)
    window = est.get("window", [-8, 12])
    ints = isinstance(window, list) and all(isinstance(w, int) and not isinstance(w, bool) for w in window)
    if not (ints and len(window) == 2 and window[0] < -1 < 0 <= window[1]):
        _fail("estimation.window", "must be [first, last] event quarters with first < -1 and last >= 0, "
              f"got {window!r}", where)
    ci = est.get("ci", 0.95)
    if isinstance(ci, bool) or not isinstance(ci, float) or not 0 < ci < 1:
        _fail("estimation.ci", f"must be a level in (0, 1), got {ci!r}", where)
    estimation = {
        "outcomes": _choices(est.get("outcomes", list(DEFAULT_OUTCOMES)), tuple(OUTCOMES), "estimation.outcomes",
                             where),
        "estimators": _choices(est.get("estimators", list(ESTIMATORS)), ESTIMATORS, "estimation.estimators", where),
        "controls": _choices(est.get("controls", list(CONTROLS)), CONTROLS, "estimation.controls", where),
        "last_treated_share": _num(est.get("last_treated_share", 0.25), "estimation.last_treated_share", where,
                                   0, 0.9, open_low=True),
        "window": tuple(window), "ci": ci}

    spec = PanelSpec(name, description, seed, replications, weeks, start, fraction, min_residents, batch_cost,
                     reporters, policy_changes, table, sample, rollout, dict(model), estimation, spillover,
                     burn_in_weeks=burn_in, base=Path(base), source=raw)
    if check_table:
        path = spec.table_path
        if not path.exists():
            _fail("counties.table", f"no such file: {path}", where)
        spec = replace(spec, table_sha256=file_sha256(path))
    return spec


def load_panel_spec(path) -> PanelSpec:
    """Read and validate a panel spec file (its table is found relative to the file)."""
    path = Path(path)
    where = f"{path}: "
    raw = read_toml(path)
    return parse_panel_spec(raw, base=path.resolve().parent, where=where)
