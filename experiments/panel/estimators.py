"""Staggered-adoption estimators over a tidy panel, one call each (fixest style, through pyfixest).

    from experiments.panel import event_study
    es = event_study(q, "crime_rate", "did2s", twin="crime_rate_twin")
    es.path      # event_time, estimate, se, ci_low, ci_high, truth, n
    es.att       # the overall ATT: estimate, se, ci_low, ci_high, truth, n

The panel has one row per unit and period: ``idname`` (county), ``tname`` (period, 1, 2, ...) and
``gname`` (the period the unit is first treated). Estimators:

- ``"twfe"``: the event study applied papers run, ``y ~ i(rel, ref=-1) | id + period`` with the ends
  of the window binned; the overall ATT is the static ``y ~ treat | id + period``.
- ``"saturated"``: Sun & Abraham (2021), ``y ~ i(rel, cohort, ref=-1, ref2=0) | id + period``
  (every cohort its own path), then averaged over cohorts with their shares of the units at each
  event time; the overall ATT weights every treated cell alike.
- ``"did2s"``: Gardner's two-stage estimator (as ``pyfixest.did2s``): unit and period effects from the
  untreated cells, then the event-time (or overall) effect on the residuals, GMM standard errors
  (computed on sparse matrices here; ``did2s``).

Standard errors are clustered by ``idname`` (CRV1). Controls: ``"not_yet"`` uses every unit, and
drops the periods from the first one with fewer than two untreated units (so the last cohort is
untreated throughout); ``"last_treated"`` makes the last ``last_treated_share`` of units to be treated the
controls and drops the periods from their activation on (Gonçalves, Jácome & Weisburst use the last
quarter of counties to activate). Units treated from the first period (no pre-period) are dropped.

``twin``: the column holding each cell's outcome without the program. Then ``truth`` is the mean
of ``y - twin`` over the cells each estimate averages: the treated cells at each (binned) event
time, and all treated cells for the overall ATT, in the estimator's own sample.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MIN_UNTREATED = 2  # a period needs two untreated units (one alone is a singleton the first stage drops)


@dataclass
class EventStudy:
    estimator: str
    yname: str
    controls: str
    path: pd.DataFrame
    att: dict
    sample: dict = field(default_factory=dict)


def prepare(data: pd.DataFrame, yname: str, idname="county_id", tname="quarter", gname="cohort",
            controls="not_yet", last_treated_share=0.25, window=(-8, 12), twin=None,
            weights=None) -> tuple[pd.DataFrame, dict]:
    """The estimation sample: rows with an outcome, cohorts and controls set, event time binned.

    Adds ``cohort0`` (the cohort, 0 for controls), ``rel`` (binned event time; -1 for controls),
    ``treat`` and, with ``twin``, ``tau`` (the cell's true effect). ``weights``: a column of positive
    weights (a county's population), kept; rows without a positive weight are dropped.
    """
    if controls not in CONTROL_GROUPS:
        raise ValueError(f"controls must be one of {tuple(CONTROL_GROUPS)}, got {controls!r}")
    extra = [c for c in (twin, weights) if c]
    cols = list(dict.fromkeys([idname, tname, gname, yname, *extra]))
    d = data[cols].dropna(subset=[yname]).copy()
    if weights:
        d = d[d[weights] > 0]
    t_first = d[tname].min()
    always = d[gname] <= t_first
    n_always = int(d.loc[always, idname].nunique())
    d = d[~always]
    g_unit = d.groupby(idname)[gname].first()
    if controls == "not_yet":  # the first period with fewer than two untreated units left, if any
        periods = np.sort(d[tname].unique())
        untreated = (g_unit.to_numpy()[None, :] > periods[:, None]).sum(axis=1)
        short = periods[untreated < MIN_UNTREATED]
        cutoff = short[0] if len(short) else periods[-1] + 1
    else:
        ordered = np.sort(g_unit.to_numpy())
        k = max(1, int(np.ceil(last_treated_share * len(ordered))))
        cutoff = ordered[len(ordered) - k]
    d = d[d[tname] < cutoff]
    # Every unit and period must keep two untreated cells, or its fixed effect cannot be imputed
    # (ratio outcomes are missing where a small county had no events); drop until that holds.
    while True:
        untreated = d[d[tname] < d[gname]]
        per_unit, per_period = untreated.groupby(idname).size(), untreated.groupby(tname).size()
        keep = d[idname].map(per_unit).fillna(0).ge(MIN_UNTREATED) & d[tname].map(per_period).fillna(0).ge(
            MIN_UNTREATED)
        if keep.all():
            break
        d = d[keep]
    d = d.reset_index(drop=True)
    d["cohort0"] = np.where(d[gname] < cutoff, d[gname], 0).astype(np.int64)
    lo, hi = window
    rel = (d[tname] - d[gname]).clip(lo, hi)
    d["rel"] = np.where(d["cohort0"] > 0, rel, -1).astype(np.int64)
    d["treat"] = (d["cohort0"] > 0) & (d[tname] >= d[gname])
    if twin:
        d["tau"] = d[yname] - d[twin]
    info = {"n_obs": len(d), "n_units": int(d[idname].nunique()),
            "n_controls": int(d.loc[d["cohort0"] == 0, idname].nunique()), "last_period": int(cutoff - 1),
            "n_treated_cells": int(d["treat"].sum()), "dropped_always_treated": n_always}
    return d, info


def _row(est, se, df, alpha) -> dict:
    from scipy import stats  # here, not at the top: a panel worker imports this module and never estimates

    q = stats.t.ppf(1 - alpha / 2, df) if df > 0 else np.nan
    return {"estimate": est, "se": se, "ci_low": est - q * se, "ci_high": est + q * se}


_REL = re.compile(r"^rel::(-?\d+)$")
_REL_COHORT = re.compile(r"^rel::(-?\d+):cohort0::(\d+)$")


def _fit(fml, d, idname, weights=None):
    import pyfixest as pf

    return pf.feols(fml, data=d, vcov={"CRV1": idname}, weights=weights)


def did2s(d: pd.DataFrame, yname: str, idname: str, tname: str, terms: str,
          weights=None) -> tuple[list, np.ndarray, np.ndarray]:
    """Gardner's two-stage estimator, as ``pyfixest.did2s`` computes it, with its GMM variance computed
    on sparse matrices (``pyfixest.did2s`` builds dense unit dummies: 6 GB for the national panel).

    Stage 1: ``y ~ 0 | id + period`` on the untreated cells (``pf.feols``); stage 2: the residual
    ``y - yhat`` on ``i(rel, ref=-1)`` (``terms = "rel"``) or ``treat`` (``"treat"``), no intercept.
    Returns the coefficient names, estimates and clustered standard errors (tested equal to
    ``pyfixest.did2s`` on a small panel). ``weights``: a column of weights for both stages (weighted
    least squares, as ``pf.feols(weights=)``), and in the variance's scores.
    """
    import pyfixest as pf
    from scipy import sparse
    from scipy.sparse.linalg import spsolve

    untreated = ~d["treat"].to_numpy(dtype=bool)
    first = pf.feols(f"{yname} ~ 0 | {idname} + {tname}", data=d[untreated], vcov="iid", weights=weights)
    first.fixef()
    u1 = d[yname].to_numpy(dtype=np.float64) - np.asarray(first.predict(newdata=d), dtype=np.float64)
    fml = "_did2s_y ~ i(rel, ref=-1)" if terms == "rel" else "_did2s_y ~ treat"
    second = pf.feols(fml, data=d.assign(_did2s_y=u1), vcov="iid", drop_intercept=True, weights=weights)
    names, beta = list(second.coef().index), second.coef().to_numpy()
    cols = []
    for name in names:
        m = _REL.match(name)
        cols.append((d["rel"] == int(m.group(1))) if m else d["treat"])
    x2 = np.column_stack([np.asarray(c, dtype=np.float64) for c in cols])
    u2 = u1 - x2 @ beta
    n = len(d)
    unit, period = pd.factorize(d[idname])[0], pd.factorize(d[tname], sort=True)[0]
    n_units, n_periods = unit.max() + 1, period.max() + 1
    x1 = sparse.csr_matrix((np.ones(2 * n), (np.r_[np.arange(n), np.arange(n)], np.r_[unit, n_units + period])),
                           shape=(n, n_units + n_periods))
    x1 = x1[:, np.r_[0:n_units, n_units + 1:n_units + n_periods]]  # every unit, every period but the first
    x10 = sparse.diags(untreated.astype(np.float64)) @ x1
    wt = np.ones(n) if weights is None else d[weights].to_numpy(dtype=np.float64)
    x1w = sparse.diags(wt) @ x1
    vt = spsolve((x10.T @ (sparse.diags(wt) @ x10)).tocsc(), sparse.csc_matrix(x1w.T @ x2))  # p x k
    vt = vt.toarray() if sparse.issparse(vt) else np.asarray(vt).reshape(x1.shape[1], -1)
    cluster = pd.factorize(d[idname])[0]
    g = sparse.csr_matrix((np.ones(n), (cluster, np.arange(n))), shape=(cluster.max() + 1, n))
    score = g @ (x2 * (wt * u2)[:, None]) - (g @ x10.multiply((wt * u1)[:, None]).tocsr()) @ vt
    bread = np.linalg.inv(x2.T @ (x2 * wt[:, None]))
    vcov = bread @ (score.T @ score) @ bread
    return names, beta, np.sqrt(np.diag(vcov))


def fit_twfe(d: pd.DataFrame, yname: str, idname: str, tname: str, df_t: int, alpha: float,
             weights=None) -> tuple[dict, dict]:
    """TWFE: the event study with binned ends; the overall ATT is the static ``y ~ treat | id + period``."""
    fe = f"{idname} + {tname}"
    rows = {}
    fit = _fit(f"{yname} ~ i(rel, ref=-1) | {fe}", d, idname, weights)
    for name, b, s in zip(fit.coef().index, fit.coef().to_numpy(), fit.se().to_numpy(), strict=True):
        m = _REL.match(name)
        if m:
            rows[int(m.group(1))] = _row(b, s, df_t, alpha)
    static = _fit(f"{yname} ~ treat | {fe}", d, idname, weights)
    return rows, _row(float(static.coef().iloc[0]), float(static.se().iloc[0]), df_t, alpha)


def fit_saturated(d: pd.DataFrame, yname: str, idname: str, tname: str, df_t: int, alpha: float,
                  weights=None) -> tuple[dict, dict]:
    """Sun & Abraham: every cohort its own path, averaged with the cohorts' shares at each event time (shares
    of the treated cells, or of their weight)."""
    rows = {}
    fit = _fit(f"{yname} ~ i(rel, cohort0, ref=-1, ref2=0) | {idname} + {tname}", d, idname, weights)
    names = list(fit.coef().index)
    beta, vcov = fit.coef().to_numpy(), np.asarray(fit._vcov)  # pyfixest keeps the clustered vcov here
    index = {}
    for j, name in enumerate(names):
        m = _REL_COHORT.match(name)
        if m:
            index[int(m.group(1)), int(m.group(2))] = j
    mass = d[weights] if weights else pd.Series(1.0, index=d.index)
    cells = mass[d["cohort0"] > 0].groupby([d["rel"], d["cohort0"]]).sum()

    def combine(weights):  # {(rel, cohort): weight} -> estimate, se of the weighted sum
        r = np.zeros(len(beta))
        for key, w in weights.items():
            r[index[key]] += w
        return float(r @ beta), float(np.sqrt(r @ vcov @ r))

    for e in sorted(set(cells.index.get_level_values(0)) - {-1}):
        n = cells.loc[e]
        n = n[[(e, g) in index for g in n.index]]
        if n.sum():
            b, s = combine({(e, g): c / n.sum() for g, c in n.items()})
            rows[int(e)] = _row(b, s, df_t, alpha)
    treated = mass[d["treat"]].groupby([d["rel"], d["cohort0"]]).sum()
    treated = treated[[k in index for k in treated.index]]
    b, s = combine({k: c / treated.sum() for k, c in treated.items()})
    return rows, _row(b, s, df_t, alpha)


def fit_did2s(d: pd.DataFrame, yname: str, idname: str, tname: str, df_t: int, alpha: float,
              weights=None) -> tuple[dict, dict]:
    """Gardner's two stages (``did2s``), for the path and for the overall ATT."""
    rows = {}
    names, beta, se = did2s(d, yname, idname, tname, "rel", weights)
    for name, b, s in zip(names, beta, se, strict=True):
        m = _REL.match(name)
        if m:
            rows[int(m.group(1))] = _row(b, s, df_t, alpha)
    _, beta, se = did2s(d, yname, idname, tname, "treat", weights)
    return rows, _row(float(beta[0]), float(se[0]), df_t, alpha)


@dataclass(frozen=True)
class Estimator:
    """A staggered-adoption estimator, declared once: its name (what a panel spec's ``estimators`` lists), its
    label and colour (the report's figures and tables), and its fit ``(sample, yname, idname, tname, df, alpha,
    weights=None) -> ({event time: row}, overall ATT row)`` on the estimation sample of ``prepare`` (``weights``:
    the name of a column of weights, or None). An incomplete
    declaration fails here, when the module is imported."""

    name: str
    label: str
    colour: str
    fit: Callable

    def __post_init__(self):
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.name):
            raise ValueError(f"estimator name {self.name!r}: lowercase letters, digits and '_'")
        if not isinstance(self.label, str) or not self.label.strip():
            raise ValueError(f"estimator {self.name!r} needs a label (the report names it)")
        if not isinstance(self.colour, str) or not re.fullmatch(r"#[0-9A-Fa-f]{6}", self.colour):
            raise ValueError(f"estimator {self.name!r}: colour must be #RRGGBB, got {self.colour!r}")
        if not callable(self.fit):
            raise TypeError(f"estimator {self.name!r}: fit must be callable")


@dataclass(frozen=True)
class ControlGroup:
    """A choice of control units (``prepare`` implements each), declared once with its label."""

    name: str
    label: str

    def __post_init__(self):
        if not isinstance(self.label, str) or not self.label.strip():
            raise ValueError(f"control group {self.name!r} needs a label (the report names it)")


ESTIMATOR_TABLE = {e.name: e for e in (
    Estimator("twfe", "TWFE event study", "#d62728", fit_twfe),
    Estimator("saturated", "Sun-Abraham (saturated)", "#1f77b4", fit_saturated),
    Estimator("did2s", "did2s (Gardner)", "#2ca02c", fit_did2s),
)}
CONTROL_GROUPS = {c.name: c for c in (
    ControlGroup("not_yet", "not-yet-treated controls"),
    ControlGroup("last_treated", "last-treated counties as controls"),
)}
ESTIMATORS = tuple(ESTIMATOR_TABLE)  # the names a panel spec's [estimation] estimators may list
CONTROLS = tuple(CONTROL_GROUPS)


def event_study(data: pd.DataFrame, yname: str, estimator: str = "twfe", *, idname="county_id", tname="quarter",
                gname="cohort", controls="not_yet", last_treated_share=0.25, window=(-8, 12), twin=None,
                alpha=0.05, weights=None) -> EventStudy:
    """Estimate the event-study path and the overall ATT of ``yname`` with one estimator (see the module).
    ``weights``: a column of weights (a county's population): weighted least squares, and the truth is the
    weighted mean of the cells' effects (the ATT of the average person, not of the average county)."""
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS}, got {estimator!r}")
    d, info = prepare(data, yname, idname, tname, gname, controls, last_treated_share, window, twin, weights)
    if info["n_controls"] == 0 or info["n_treated_cells"] == 0 or info["n_obs"] == 0:
        raise ValueError(f"{yname}: no control units or no treated cells left in the sample ({info})")
    df_t = info["n_units"] - 1  # t quantiles with G - 1 degrees of freedom (clustered by unit)
    weighted = {"weights": weights} if weights else {}  # a fit that takes no weights still runs unweighted
    rows, att = ESTIMATOR_TABLE[estimator].fit(d, yname, idname, tname, df_t, alpha, **weighted)

    path = pd.DataFrame([{"event_time": e, **r} for e, r in sorted(rows.items())])
    path = pd.concat([path, pd.DataFrame([{"event_time": -1, "estimate": 0.0, "se": 0.0, "ci_low": 0.0,
                                           "ci_high": 0.0}])]).sort_values("event_time").reset_index(drop=True)
    treated_units = d[d["cohort0"] > 0]
    n = treated_units.groupby("rel").size()
    path["n"] = path["event_time"].map(n).fillna(0).astype(np.int64)
    path["binned"] = path["event_time"].isin(window)
    att["n"] = info["n_treated_cells"]
    if twin:
        ok = treated_units.dropna(subset=["tau"])
        path["truth"] = path["event_time"].map(weighted_mean(ok, "tau", "rel", weights))
        att["truth"] = float(weighted_mean(d[d["treat"]].dropna(subset=["tau"]), "tau", None, weights))
    return EventStudy(estimator, yname, controls, path, att, info)


def weighted_mean(d: pd.DataFrame, column: str, by=None, weights=None):
    """The mean of ``column`` (by ``by``, a Series), each row weighted by ``weights`` (a column) or alike."""
    w = d[weights] if weights else pd.Series(1.0, index=d.index)
    if by is None:
        return float((d[column] * w).sum() / w.sum()) if w.sum() > 0 else float("nan")
    return (d[column] * w).groupby(d[by]).sum() / w.groupby(d[by]).sum()


WEIGHTINGS = {"none": None, "population": "population"}  # a spec's weights -> the panel's column (None: alike)


def estimate_all(data: pd.DataFrame, outcomes, estimators=None, controls=None, twin_suffix="_twin",
                 weights=("none",), **kwargs) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every outcome x estimator x controls x weighting (``WEIGHTINGS``): (paths, atts) as tidy tables. A
    fit that fails is recorded with its error instead of stopping the rest."""
    estimators = ESTIMATORS if estimators is None else estimators
    controls = CONTROLS if controls is None else controls
    paths, atts = [], []
    for y in outcomes:
        twin = f"{y}{twin_suffix}" if f"{y}{twin_suffix}" in data.columns else None
        for est, c, wname in ((e, c, w) for e in estimators for c in controls for w in weights):
            key = {"outcome": y, "estimator": est, "controls": c, "weights": wname}
            try:
                es = event_study(data, y, est, controls=c, twin=twin, weights=WEIGHTINGS[wname], **kwargs)
            except Exception as e:  # noqa: BLE001 - one failed fit should not hide the others
                atts.append({**key, "error": f"{type(e).__name__}: {e}"})
                continue
            paths.append(es.path.assign(**key))
            atts.append({**key, **es.att, **{f"sample_{k}": v for k, v in es.sample.items()}, "error": None})
    path_cols = ["outcome", "estimator", "controls", "weights"]
    paths = pd.concat(paths, ignore_index=True) if paths else pd.DataFrame(columns=path_cols)
    paths = paths[path_cols + [c for c in paths.columns if c not in path_cols]]
    atts = pd.DataFrame(atts)
    for col in ("estimate", "se", "ci_low", "ci_high", "n", "truth"):  # present even when every fit failed
        if col not in atts.columns:
            atts[col] = np.nan
    return paths, atts
