"""The posterior of a calibration: its particles in natural units, weighted quantiles and a summary."""

import math

import numpy as np
import pandas as pd

from .folder import CalibrationError, open_history, priors_of, read_manifest


def posterior_sample(out, spec=None, t=None) -> pd.DataFrame:
    """A generation's particles in natural units with normalized weights (default: the last stored one)."""
    priors = list(spec.priors) if spec is not None else priors_of(read_manifest(out))
    history = open_history(out)
    t = history.max_t if t is None else t
    if t < 0:
        raise CalibrationError(f"{out}: no generation finished yet")
    df, w = history.get_distribution(m=0, t=t)
    post = pd.DataFrame({p.name: p.natural(df[p.pyabc_name].to_numpy()) for p in priors})
    for p in priors:
        if p.integer:
            post[p.name] = post[p.name].astype(np.int64)
    post["weight"] = np.asarray(w, dtype=float) / float(np.sum(w))
    return post.reset_index(drop=True)


def weighted_quantile(values, weights, q) -> float:
    """The smallest value whose cumulative weight reaches ``q`` (interpolated between neighbours)."""
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return float(np.interp(q, cum, v))


def posterior_summary(posterior: pd.DataFrame, priors) -> pd.DataFrame:
    """Per fitted parameter: weighted median and 90% interval, the prior's range, and how much of it is left."""
    rows = []
    for p in priors:
        v, w = posterior[p.name], posterior["weight"]
        lo, med, hi = (weighted_quantile(v, w, q) for q in (0.05, 0.5, 0.95))
        if p.log:
            left = (math.log10(hi) - math.log10(lo)) / math.log10(p.high / p.low) if lo > 0 else math.nan
        else:
            left = (hi - lo) / (p.high - p.low)
        rows.append({"parameter": p.name, "prior": f"{p.kind} [{p.low:g}, {p.high:g}]", "median": med,
                     "q05": lo, "q95": hi, "interval_share_of_prior": left})
    return pd.DataFrame(rows)


