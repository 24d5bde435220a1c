"""The calibration report's sections about what the fit is not: the checks (identities of one input, computed and
never fitted), the seed noise the distance allows for, the composites the targets pin better than any one
parameter, and the held-out check (a target left out of the fit, predicted from the prior and the posterior).
``experiments.reports.calibration`` lists them among its sections."""

import json
import math

import numpy as np
import pandas as pd

from ..calibration.composites import composite_summary
from ..calibration.folder import open_history
from ..calibration.noise import NOISE


def read_noise(out) -> dict:
    """The folder's noise.json ({} when the calibration measured no noise)."""
    path = out / NOISE
    return json.loads(path.read_text()) if path.is_file() else {}


def _interval(v) -> tuple:
    v = np.asarray(v, dtype=float)
    v = v[np.isfinite(v)]
    return tuple(np.quantile(v, [0.05, 0.5, 0.95])) if len(v) else (math.nan,) * 3


def checks(r, doc) -> None:
    if not r.done:
        return
    table = r.target_verdicts
    checked = table[table["role"] == "checked"]
    if checked.empty:
        return
    doc.heading("Checks: identities of one input")
    doc.text("These targets are set by one input taken from the same source (`role = \"check\"` in "
             "`experiments/targets.toml`, which says which input): no fitted parameter moves them, so they test "
             "the model's wiring and are not in the distance. Each is computed in every run; it holds when the "
             "predictive median falls inside its range.")
    rows = checked.assign(
        published=checked.apply(lambda x: f"{x['value']:.4g} [{x['low']:.4g}, {x['high']:.4g}]", axis=1),
        predictive=checked.apply(lambda x: f"{x['predictive_median']:.4g} [{x['predictive_q05']:.4g}, "
                                           f"{x['predictive_q95']:.4g}]", axis=1),
        holds=checked.apply(lambda x: "yes" if x["low"] <= x["predictive_median"] <= x["high"] else "**no**", axis=1))
    doc.csv(rows, "checks.csv")
    doc.table(rows[["target", "pattern", "published", "predictive", "share_inside", "holds"]])


def seed_noise(r, doc) -> None:
    noise = read_noise(r.out)
    if not noise:
        return
    doc.heading("Seed noise in the distance")
    runs = noise["runs"]
    rows = []
    for t in r.targets:
        if t.id not in noise["sd"]:
            continue
        lo, med, hi = _interval([x.get(t.id, math.nan) for x in runs])
        sd = noise["sd"][t.id]
        tol = min(t.high - t.value, t.value - t.low)
        rows.append({"target": t.id, "median at the centre": med, "noise sd": sd, "tolerance (narrower side)": tol,
                     "noise / tolerance": sd / tol, "scale of a miss": math.sqrt(tol ** 2 + sd ** 2) / tol})
    doc.text(f"{len(runs)} runs with the fitted parameters at their prior's centre "
             f"({', '.join(f'{k}={v:.4g}' for k, v in noise['params'].items())}) measured each fitted statistic's "
             "standard deviation over seeds. The distance divides each miss by sqrt(tolerance^2 + sd^2): "
             "`scale of a miss` is that divisor over the tolerance (1: the noise does not matter).")
    df = pd.DataFrame(rows)
    doc.csv(df, "seed_noise.csv")
    doc.table(df)


def composites(r, doc) -> None:
    if not r.done:
        return
    table = composite_summary(r.posterior, r.priors)
    if table.empty:
        return
    doc.heading("What the targets pin: composites")
    doc.text("Some targets pin a combination of parameters better than any one of them "
             "(`experiments/calibration/composites.py`). On a log10 scale, the prior's and the posterior's median "
             "and 90% interval of each composite and of its factors; `width_share_of_prior`: the posterior's "
             "90% width over the prior's 90% width (1: not narrowed).")
    doc.csv(table, "composites.csv")
    doc.table(table.drop(columns=["composite"]))


def held_out(r, doc) -> None:
    if not r.done or not r.held_out:
        return
    doc.heading("Held-out check")
    prior = prior_predictive(r)
    if r.done < 2:  # generation 1 is the prior itself: no posterior prediction yet
        doc.text(f"Fitted without {', '.join(r.held_out)}, but only generation 1 (a sample of the prior) has "
                 "finished: there is no posterior prediction yet. The prior predictive (median [90% interval], share "
                 "inside the published range): " + "; ".join(
                     f"{t.id} {p[1]:.4g} [{p[0]:.4g}, {p[2]:.4g}], {share:.0%} (published {t.value:.4g} "
                     f"[{t.low:.4g}, {t.high:.4g}])"
                     for t in r.targets if t.id in r.held_out and prior is not None and t.id in prior
                     for p, share in [(_interval(prior[t.id]), float(np.mean((prior[t.id] >= t.low)
                                                                             & (prior[t.id] <= t.high))))]) + ".")
        return
    pred = r.predictive[0]
    doc.text(f"Fitted without {', '.join(r.held_out)}; each is predicted from the prior "
             + ("(generation 1's particles: at epsilon inf every draw from the prior is accepted)" if prior is not None
                else "(not available: generation 1 did not run at epsilon inf)")
             + f" and from the posterior ({r.predictive[1]}), against the published value. The model passes "
             "when the posterior prediction reaches the published range; it learns from the other targets "
             "when the posterior prediction is narrower than the prior's or nearer the value.")
    rows = []
    for t in (t for t in r.targets if t.id in r.held_out):
        p = _interval(prior[t.id]) if prior is not None and t.id in prior else (math.nan,) * 3
        q = _interval(pred[t.id]) if t.id in pred else (math.nan,) * 3
        v = pred[t.id].to_numpy(dtype=float) if t.id in pred else np.array([])
        v = v[np.isfinite(v)]
        rows.append({"target": t.id, "pattern": t.pattern, "published": f"{t.value:.4g} [{t.low:.4g}, {t.high:.4g}]",
                     "prior predictive": f"{p[1]:.4g} [{p[0]:.4g}, {p[2]:.4g}]",
                     "posterior predictive": f"{q[1]:.4g} [{q[0]:.4g}, {q[2]:.4g}]",
                     "posterior share inside": float(np.mean((v >= t.low) & (v <= t.high))) if len(v) else math.nan,
                     "posterior width / prior width": (q[2] - q[0]) / (p[2] - p[0]) if p[2] > p[0] else math.nan,
                     "reaches the range": "yes" if q[0] <= t.high and q[2] >= t.low else "**no**"})
    df = pd.DataFrame(rows)
    doc.csv(df, "held_out.csv")
    doc.table(df)


def prior_predictive(r) -> pd.DataFrame | None:
    """The statistics of generation 1's particles when it ran at epsilon inf (then they are prior draws)."""
    if not math.isinf(float(r.generations["epsilon"].iloc[0])):
        return None
    weights, stats = open_history(r.out).get_weighted_sum_stats(t=0)
    return pd.DataFrame([{k: float(np.asarray(v)) for k, v in s.items()} for s in stats])
