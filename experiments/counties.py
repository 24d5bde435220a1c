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

The synthetic national table shipped in ``experiments/data/`` (with a synthetic ``state``, S01 to
S50) is made by::

    python -m experiments.counties --n 3000 --seed 20100401 --out experiments/data/counties_national.csv
"""

import argparse
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from agents.policies import DETAINER_POLICIES
from model import DEFAULTS
from model.constraints import Options
from model.parameters import PARAMETER_TABLE

REQUIRED = ("county_id", "population", "share_undocumented", "share_lpr", "share_naturalized", "hispanic_share",
            "border", "policing_intensity", "detainer_policy")
OPTIONAL = ("name", "state", "policy_change_date", "detainer_policy_after", "activation_date", "activation_week")
SHARES = ("share_undocumented", "share_lpr", "share_naturalized", "hispanic_share")
TRUE, FALSE = {"true", "1", "yes", "t", "y"}, {"false", "0", "no", "f", "n"}
MAX_ERRORS = 20


class CountyTableError(ValueError):
    """A county table that cannot be used; the message names every bad row and column."""


# --- reading and validating -----------------------------------------------------------------------------------


def read_counties(path, hispanic_share_undocumented: float | None = None) -> pd.DataFrame:
    """Read a county table (.csv or .parquet) and validate it (see ``validate_counties``); returns a clean copy."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such county table")
    if path.suffix.lower() == ".parquet":
        raw = pd.read_parquet(path)
    elif path.suffix.lower() == ".csv":
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    else:
        raise CountyTableError(f"{path}: a county table must be .csv or .parquet")
    return validate_counties(raw, source=path.name, csv=path.suffix.lower() == ".csv",
                             hispanic_share_undocumented=hispanic_share_undocumented)


def _blank(v) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and v.strip() == "") \
        or v is pd.NA or v is pd.NaT


def _date(v):
    if isinstance(v, (dt.date, pd.Timestamp)):
        return pd.Timestamp(v).date()
    return dt.date.fromisoformat(str(v).strip())


def _number(v, integer=False):
    if isinstance(v, (bool, np.bool_)):
        raise ValueError(f"must be a number, got {v!r}")
    x = float(str(v).strip()) if isinstance(v, str) else float(v)
    if not np.isfinite(x):
        raise ValueError(f"must be a finite number, got {v!r}")
    if integer:
        if x != int(x):
            raise ValueError(f"must be a whole number, got {v!r}")
        return int(x)
    return x


def _bool(v) -> bool:
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    s = str(v).strip().lower()
    if s in TRUE:
        return True
    if s in FALSE:
        return False
    raise ValueError(f"must be true or false, got {v!r}")


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
    policies = Options(DETAINER_POLICIES)  # a plain policy; a change is policy_change_date + detainer_policy_after
    intensity = PARAMETER_TABLE["policing_intensity"]

    for i, rec in enumerate(raw.to_dict("records")):
        where = f"{source} {'line ' + str(i + 2) if csv else 'row ' + str(i)}"
        cid = rec.get("county_id")
        if not _blank(cid):
            where += f" (county_id {str(cid).strip()})"
        out = dict(rec)

        def bad(col, msg, where=where):
            errors.append(f"{where}, {col}: {msg}")

        for col in REQUIRED:
            if _blank(rec[col]):
                bad(col, "missing value")
        if any(_blank(rec[c]) for c in REQUIRED):
            rows.append(out)
            continue
        try:
            out["county_id"] = _number(rec["county_id"], integer=True)
            if out["county_id"] < 0:
                raise ValueError(f"must be >= 0, got {rec['county_id']!r}")
        except ValueError as e:
            bad("county_id", str(e))
        try:
            out["population"] = _number(rec["population"], integer=True)
            if out["population"] < 1:
                raise ValueError(f"must be >= 1, got {rec['population']!r}")
        except ValueError as e:
            bad("population", str(e))
        ok_shares = True
        for col in SHARES:
            try:
                out[col] = _number(rec[col])
                if not 0 <= out[col] <= 1:
                    raise ValueError(f"must be in [0, 1], got {rec[col]!r}")
            except ValueError as e:
                bad(col, str(e))
                ok_shares = False
        if ok_shares:
            migrants = out["share_undocumented"] + out["share_lpr"] + out["share_naturalized"]
            if migrants > 1 + 1e-9:
                bad("share_naturalized", f"share_undocumented + share_lpr + share_naturalized = {migrants:.4g} > 1")
            floor = h_u * out["share_undocumented"]
            if out["hispanic_share"] < floor - 1e-9:
                bad("hispanic_share", f"{out['hispanic_share']:.4g} is below the Hispanic undocumented alone "
                    f"({h_u:g} x share_undocumented {out['share_undocumented']:.4g} = {floor:.4g})")
        try:
            out["border"] = _bool(rec["border"])
        except ValueError as e:
            bad("border", str(e))
        try:
            out["policing_intensity"] = intensity.check(_number(rec["policing_intensity"]))
        except ValueError as e:
            bad("policing_intensity", str(e))
        try:
            out["detainer_policy"] = policies.check("detainer_policy", str(rec["detainer_policy"]).strip())
        except ValueError as e:
            bad("detainer_policy", str(e))
        change, after = rec.get("policy_change_date"), rec.get("detainer_policy_after")
        if _blank(change) != _blank(after):
            bad("policy_change_date" if _blank(change) else "detainer_policy_after",
                "policy_change_date and detainer_policy_after go together (give both or neither)")
        else:
            out["policy_change_date"] = None if _blank(change) else change
            out["detainer_policy_after"] = None if _blank(after) else after
            if not _blank(change):
                try:
                    out["policy_change_date"] = _date(change)
                except ValueError:
                    bad("policy_change_date", f"must be an ISO date (YYYY-MM-DD), got {change!r}")
                try:
                    out["detainer_policy_after"] = policies.check("detainer_policy_after", str(after).strip())
                except ValueError as e:
                    bad("detainer_policy_after", str(e))
        if "activation_date" in rec:
            v = rec["activation_date"]
            out["activation_date"] = None
            if not _blank(v):
                try:
                    out["activation_date"] = _date(v)
                except ValueError:
                    bad("activation_date", f"must be an ISO date (YYYY-MM-DD), got {v!r}")
        if "activation_week" in rec:
            v = rec["activation_week"]
            out["activation_week"] = None
            if not _blank(v):
                try:
                    out["activation_week"] = _number(v, integer=True)
                    if out["activation_week"] < 0:
                        raise ValueError(f"must be >= 0, got {v!r}")
                except ValueError as e:
                    bad("activation_week", str(e))
        rows.append(out)
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


def model_residents(population, fraction: float, min_residents: int = 20) -> np.ndarray:
    """Residents in the model: population x fraction, rounded, at least ``min_residents``."""
    return np.maximum(np.rint(np.asarray(population, dtype=np.float64) * fraction).astype(np.int64), min_residents)


def hispanic_share_others(table: pd.DataFrame, hispanic_share_undocumented: float) -> np.ndarray:
    """The model's ``hispanic_share_others`` that gives each county its Hispanic share:
    H = h_u * u + h_o * (1 - u), so h_o = (H - h_u * u) / (1 - u)."""
    u = table["share_undocumented"].to_numpy()
    h = table["hispanic_share"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        others = np.where(u < 1, (h - hispanic_share_undocumented * u) / (1 - u), 0.0)
    return np.clip(others, 0.0, 1.0)


# --- the synthetic national table -----------------------------------------------------------------------------

BORDER_COUNTIES = 24          # about the number of US counties on the Mexican border
MEDIAN_POPULATION = 25_000    # Census 2010: the median county has about 25,000 residents
LOG_SD_POPULATION = 1.65      # spread of log population: 3,000 counties hold about 290 million people
FOREIGN_BORN_MIX = np.array([0.10, 0.09, 0.14])  # undocumented : LPR : naturalized, the model's defaults
FOREIGN_BORN_MIX_CONCENTRATION = 20.0
POLICY_ADOPTION_WINDOW = ("2011-06-01", "2014-12-31")
LIMITING_POLICIES = ("hennessey", "trust_act", "sanctuary")
STATES = 50                   # synthetic states S01 .. S50
BORDER_STATES = 4             # the border counties lie in four of them (California, Arizona, New Mexico, Texas)
LOG_SD_STATE_SIZE = 0.8       # spread of a state's share of the counties (Delaware 3, Texas 254, median about 60)


def _logistic(x):
    return 1 / (1 + np.exp(-x))


def _logit(p):
    return np.log(p / (1 - p))


def generate_counties(n: int = 3000, seed: int = 20100401) -> pd.DataFrame:
    """A synthetic nation of ``n`` counties, drawn from the distributions documented in docs/panel.md.

    Sizes are lognormal (heavy-tailed); the foreign-born share rises with size and is higher on the
    border; the Hispanic share of the rest is correlated with it and with size; about two dozen
    border counties are mostly Hispanic; a few larger, more Hispanic counties later limit detainers.
    Counties fall into ``STATES`` states of unequal size, the border counties into ``BORDER_STATES``
    of them (drawn after everything else, so the other columns do not depend on the states). The
    result depends only on ``n`` and ``seed``.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    logp = rng.normal(np.log(MEDIAN_POPULATION), LOG_SD_POPULATION, n)
    population = np.clip(np.rint(np.exp(logp)), 100, 10_000_000).astype(np.int64)
    z = (np.log(population) - np.log(MEDIAN_POPULATION)) / LOG_SD_POPULATION
    border = np.zeros(n, dtype=bool)
    border[rng.choice(n, size=min(BORDER_COUNTIES, n), replace=False)] = True
    e_foreign, e_hispanic = rng.normal(size=n), rng.normal(size=n)
    foreign = _logistic(_logit(0.045) + 0.55 * z + 1.0 * border + 0.8 * e_foreign)
    mix = rng.dirichlet(FOREIGN_BORN_MIX_CONCENTRATION * FOREIGN_BORN_MIX / FOREIGN_BORN_MIX.sum(), size=n)
    shares = np.round(foreign[:, None] * mix, 5)
    h_u = DEFAULTS["hispanic_share_undocumented"]
    h_others = _logistic(_logit(0.06) + 0.3 * z + 0.6 * e_foreign + 0.9 * e_hispanic + 2.5 * border)
    hispanic = np.round(h_u * shares[:, 0] + h_others * (1 - shares[:, 0]), 5)
    hispanic = np.maximum(hispanic, np.ceil(h_u * shares[:, 0] * 1e5) / 1e5)  # rounding never breaks the floor
    intensity = np.round(np.clip(np.exp(rng.normal(0, 0.25, n)), 0.5, 2.0), 3)
    hz = (_logit(hispanic) - _logit(hispanic).mean()) / _logit(hispanic).std()
    adopts = rng.random(n) < _logistic(-3.5 + 0.8 * z + 0.8 * hz)
    lo, hi = (dt.date.fromisoformat(d) for d in POLICY_ADOPTION_WINDOW)
    days = rng.integers(0, (hi - lo).days + 1, n)
    which = rng.integers(0, len(LIMITING_POLICIES), n)
    change = [(lo + dt.timedelta(days=int(d))).isoformat() if a else "" for a, d in zip(adopts, days, strict=True)]
    after = [LIMITING_POLICIES[w] if a else "" for a, w in zip(adopts, which, strict=True)]
    state = _states(rng, border)
    return pd.DataFrame({
        "county_id": np.arange(1, n + 1, dtype=np.int64),
        "name": [f"County {i:04d}" for i in range(1, n + 1)],
        "state": state,
        "population": population,
        "share_undocumented": shares[:, 0], "share_lpr": shares[:, 1], "share_naturalized": shares[:, 2],
        "hispanic_share": hispanic,
        "border": border,
        "policing_intensity": intensity,
        "detainer_policy": "full",
        "policy_change_date": change,
        "detainer_policy_after": after,
    })


def _states(rng: np.random.Generator, border: np.ndarray) -> np.ndarray:
    """Each county's state: ``STATES`` states with lognormal shares of the counties; the border
    counties in ``BORDER_STATES`` of them (chosen at random): one each, the rest in proportion to the
    same shares."""
    weight = rng.lognormal(0.0, LOG_SD_STATE_SIZE, STATES)
    state = rng.choice(STATES, size=len(border), p=weight / weight.sum())
    on_border = rng.choice(STATES, size=BORDER_STATES, replace=False)
    picks = rng.choice(on_border, size=int(border.sum()), p=weight[on_border] / weight[on_border].sum())
    first = min(BORDER_STATES, len(picks))
    picks[:first] = on_border[:first]
    state[border] = picks
    return np.array([f"S{s + 1:02d}" for s in state])


def describe(table: pd.DataFrame) -> dict:
    """National figures of a table: counts, population, population-weighted shares."""
    w = table["population"] / table["population"].sum()
    return {"counties": len(table), "population": int(table["population"].sum()),
            "median_population": float(table["population"].median()),
            "largest": int(table["population"].max()),
            **{f"national_{c}": float((w * table[c]).sum()) for c in SHARES},
            "border": int(table["border"].sum()),
            **(_describe_states(table) if "state" in table else {}),
            "policy_changes": int(table["policy_change_date"].map(lambda v: not _blank(v)).sum())}


def _describe_states(table: pd.DataFrame) -> dict:
    per_state = table.groupby("state").size()
    return {"states": len(per_state), "counties_per_state_min": int(per_state.min()),
            "counties_per_state_median": float(per_state.median()), "counties_per_state_max": int(per_state.max()),
            "border_states": int(table.loc[table["border"], "state"].nunique())}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Write the synthetic national county table.")
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=20100401)
    parser.add_argument("--out", default="experiments/data/counties_national.csv")
    args = parser.parse_args(argv)
    table = generate_counties(args.n, args.seed)
    validate_counties(table.astype({"border": str}), source=args.out)
    table.to_csv(args.out, index=False)
    for k, v in describe(validate_counties(table)).items():
        print(f"{k}: {v:.4g}" if isinstance(v, float) else f"{k}: {v:,}")


if __name__ == "__main__":
    main()
