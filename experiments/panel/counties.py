"""The county table: one row per county, read from CSV or Parquet and validated, or generated.

A row describes a county as it really is (its population, not the model's size); ``model_parameters``
turns it into the keyword arguments of one ``SecureCommunitiesModel`` at a sampling fraction.

Columns (see docs/panel.md):

    county_id             non-negative integer, unique (a FIPS code works); it seeds the county's runs
    population            real residents (integer >= 1)
    share_undocumented    share of residents, in [0, 1]
    share_lpr             lawful permanent residents
    share_naturalized     naturalized citizens (the three shares sum to at most 1)
    hispanic_share        share of all residents who are Hispanic
    border                true for a county on the Mexican border
    policing_intensity    the model's lever (1 = UCR arrest volume)
    detainer_policy       full, hennessey, trust_act or sanctuary (the jail's policy at the start)
  optional:
    name, state           labels, carried into the panel; ``state`` groups counties for spillovers
                          (a table without it is one nation)
    policy_change_date    ISO date the jail changed its detainer policy ...
    detainer_policy_after ... and the policy it changed to (both or neither)
    activation_date       ISO date Secure Communities reached the county (or activation_week)
    activation_week       week of the panel it did (1 = the first simulated week)

Any further columns are kept as covariates. Every problem is reported with its row (and the
file's line for CSV) and its column, e.g. ``counties.csv line 19 (county_id 6037), share_lpr: must
be in [0, 1], got 1.3``.

The synthetic national table shipped in ``experiments/data/`` is made by ``experiments.panel.nation``.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from agents.policies import DETAINER_POLICIES
from model import DEFAULTS, validate_parameters
from model.parameters import PARAMETER_TABLE

from ..core.files import NotARegularFile, open_regular
from ..core.schema import Bool, Checks, Choice, CountyTableError, Date, Int, Number, Share, SpecError, Via

# --- the declaration: every column a county table may hold (checked by the spec engine, cell by cell) ---------
INT64 = 2**63 - 1  # county ids and weeks are stored as int64: a larger one would wrap
MAX_POPULATION = 10**9  # real residents of one county (the largest US county has about 10 million)
COLUMNS = {
    "county_id": Int(minimum=0, maximum=INT64, text=True),
    "population": Int(minimum=1, maximum=MAX_POPULATION, text=True),
    "share_undocumented": Share(text=True),
    "share_lpr": Share(text=True),
    "share_naturalized": Share(text=True),
    "hispanic_share": Share(text=True),
    "border": Bool(text=True),
    "policing_intensity": Checks((Number(text=True), Via(PARAMETER_TABLE["policing_intensity"].check))),
    "detainer_policy": Choice(DETAINER_POLICIES, text=True),  # a change is policy_change_date + detainer_policy_after
}
OPTIONAL_COLUMNS = {
    "name": None, "state": None,  # labels, carried as text
    "policy_change_date": Date(),
    "detainer_policy_after": Choice(DETAINER_POLICIES, text=True),
    "activation_date": Date(),
    "activation_week": Int(minimum=0, maximum=INT64, text=True),
}
REQUIRED = tuple(COLUMNS)
OPTIONAL = tuple(OPTIONAL_COLUMNS)
SHARES = ("share_undocumented", "share_lpr", "share_naturalized", "hispanic_share")
MAX_ERRORS = 20


# --- reading and validating -----------------------------------------------------------------------------------


def read_counties(path, hispanic_share_undocumented: float | None = None) -> pd.DataFrame:
    """Read a county table (.csv or .parquet) and validate it (see ``validate_counties``); returns a clean copy."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such county table")
    if path.suffix.lower() not in (".csv", ".parquet"):
        raise CountyTableError(f"{path}: a county table must be .csv or .parquet")
    try:
        fh = open_regular(path)
    except NotARegularFile as e:
        raise CountyTableError(str(e)) from None
    with fh:
        if path.suffix.lower() == ".parquet":
            raw = pd.read_parquet(fh)
        else:
            raw = pd.read_csv(fh, dtype=str, keep_default_na=False)
    return validate_counties(raw, source=path.name, csv=path.suffix.lower() == ".csv",
                             hispanic_share_undocumented=hispanic_share_undocumented)


def blank(v) -> bool:
    """An empty cell (None, NaN, blank text, pandas' missing values)."""
    return v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and v.strip() == "") \
        or v is pd.NA or v is pd.NaT


def _row(rec: dict, where: str, h_u: float, errors: list) -> dict:
    """One row checked column by column (every problem appended to ``errors``); its canonical values."""
    out = dict(rec)
    bad = set()

    def check(col, decl, value):
        try:
            out[col] = decl(value, col, f"{where}, ")
        except SpecError as e:
            errors.append(str(e))
            bad.add(col)

    for col, decl in COLUMNS.items():
        check(col, decl, rec[col])
    if not bad & set(SHARES):
        migrants = out["share_undocumented"] + out["share_lpr"] + out["share_naturalized"]
        if migrants > 1 + 1e-9:
            errors.append(f"{where}, share_naturalized: share_undocumented + share_lpr + share_naturalized = "
                          f"{migrants:.4g} > 1")
        floor = h_u * out["share_undocumented"]
        if out["hispanic_share"] < floor - 1e-9:
            errors.append(f"{where}, hispanic_share: {out['hispanic_share']:.4g} is below the Hispanic undocumented "
                          f"alone ({h_u:g} x share_undocumented {out['share_undocumented']:.4g} = {floor:.4g})")
    change, after = rec.get("policy_change_date"), rec.get("detainer_policy_after")
    if blank(change) != blank(after):
        errors.append(f"{where}, {'policy_change_date' if blank(change) else 'detainer_policy_after'}: "
                      "policy_change_date and detainer_policy_after go together (give both or neither)")
    else:
        out["policy_change_date"] = out["detainer_policy_after"] = None
        if not blank(change):
            check("policy_change_date", OPTIONAL_COLUMNS["policy_change_date"], change)
            check("detainer_policy_after", OPTIONAL_COLUMNS["detainer_policy_after"], after)
    for col in ("activation_date", "activation_week"):
        if col in rec:
            out[col] = None
            if not blank(rec[col]):
                check(col, OPTIONAL_COLUMNS[col], rec[col])
    return out


def validate_counties(raw: pd.DataFrame, source: str = "county table", csv: bool = False,
                      hispanic_share_undocumented: float | None = None) -> pd.DataFrame:
    """Check every row; return the table with canonical types, or raise ``CountyTableError``.

    ``hispanic_share_undocumented`` (default: the model's) is the Hispanic share among undocumented
    residents: a county's Hispanic share cannot be below it times the undocumented share.
    """
    h_u = DEFAULTS["hispanic_share_undocumented"] if hispanic_share_undocumented is None \
        else hispanic_share_undocumented
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise CountyTableError(f"{source}: missing column(s) {missing}; required: {list(REQUIRED)}")
    if len(raw) == 0:
        raise CountyTableError(f"{source}: no rows")
    if "activation_date" in raw.columns and "activation_week" in raw.columns:
        raise CountyTableError(f"{source}: give activation_date or activation_week, not both")
    errors = []
    rows = []
    for i, rec in enumerate(raw.to_dict("records")):
        where = f"{source} {'line ' + str(i + 2) if csv else 'row ' + str(i)}"
        if not blank(rec.get("county_id")):
            shown = " ".join(str(rec["county_id"]).split())
            where += f" (county_id {shown if len(shown) <= 24 else shown[:21] + '...'})"
        empty = [col for col in REQUIRED if blank(rec[col])]
        errors += [f"{where}, {col}: missing value" for col in empty]
        rows.append(dict(rec) if empty else _row(rec, where, h_u, errors))
        if len(errors) >= MAX_ERRORS:
            break

    if not errors:
        ids = pd.Series([r["county_id"] for r in rows])
        dup = ids[ids.duplicated(keep=False)]
        for cid, idx in dup.groupby(dup).groups.items():
            places = ", ".join(f"line {j + 2}" if csv else f"row {j}" for j in idx)
            errors.append(f"{source} {places}, county_id: {cid} appears more than once")
    if errors:
        more = " (first errors only)" if len(errors) >= MAX_ERRORS else ""
        raise CountyTableError(f"{len(errors)} problem(s) in the county table{more}:\n  " + "\n  ".join(errors))

    table = pd.DataFrame(rows)
    for col in ("name", "state"):
        if col in table:
            table[col] = table[col].astype(str)
    table["county_id"] = table["county_id"].astype(np.int64)
    table["population"] = table["population"].astype(np.int64)
    table["border"] = table["border"].astype(bool)
    for col in (*SHARES, "policing_intensity"):
        table[col] = table[col].astype(np.float64)
    for col in ("policy_change_date", "detainer_policy_after", "activation_date"):
        if col not in table:
            table[col] = None
    table["activation_week"] = pd.array(table["activation_week"] if "activation_week" in table
                                        else [None] * len(table), dtype="Int64")
    return table.reset_index(drop=True)


# --- from a county to a model ---------------------------------------------------------------------------------
def composition_problem(share_undocumented: float, share_lpr: float, share_naturalized: float, hispanic_share: float,
                        hispanic_share_undocumented: float | None = None) -> str | None:
    """Why the model cannot make a county of this composition (None: it can), by the model's own check
    (``validate_parameters``, as the panel's design checks every county): the model's words."""
    h_u = DEFAULTS["hispanic_share_undocumented"] if hispanic_share_undocumented is None \
        else hispanic_share_undocumented
    others = float(_others(np.float64(share_undocumented), np.float64(hispanic_share), h_u))
    try:
        validate_parameters({"share_undocumented": share_undocumented, "share_lpr": share_lpr,
                             "share_naturalized": share_naturalized, "hispanic_share_undocumented": h_u,
                             "hispanic_share_others": others})
    except ValueError as e:
        return str(e)
    return None




def model_residents(population, fraction: float, min_residents: int = 20) -> np.ndarray:
    """Residents in the model: population x fraction, rounded, at least ``min_residents``."""
    return np.maximum(np.rint(np.asarray(population, dtype=np.float64) * fraction).astype(np.int64), min_residents)


def hispanic_share_others(table: pd.DataFrame, hispanic_share_undocumented: float) -> np.ndarray:
    """The model's ``hispanic_share_others`` that gives each county its Hispanic share:
    H = h_u * u + h_o * (1 - u), so h_o = (H - h_u * u) / (1 - u)."""
    return _others(table["share_undocumented"].to_numpy(), table["hispanic_share"].to_numpy(),
                   hispanic_share_undocumented)


def _others(u, h, hispanic_share_undocumented: float):
    with np.errstate(divide="ignore", invalid="ignore"):
        others = np.where(u < 1, (h - hispanic_share_undocumented * u) / (1 - u), 0.0)
    return np.clip(others, 0.0, 1.0)
