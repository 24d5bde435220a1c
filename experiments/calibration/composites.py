"""Composites of fitted parameters that the targets pin better than any one of them: products of powers,
compared on a log10 scale. The stated chill (C11) and its ratio by generation (C13) rise with how strongly a
resident reacts to news of a detention (``fear_sensitivity``), how much news one detention makes
(``salience_per_detention``) and how long the news lasts (``salience_half_life_weeks``), and fall with how
fast fear fades (``fear_decay``): the data can pin their product long before each factor. Add one by adding a
row; the report shows every composite whose parameters a calibration fitted."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .posterior import weighted_quantile

PRIOR_DRAWS = 20_000  # draws from the prior that give each composite's prior 90% interval
PRIOR_SEED = 0


@dataclass(frozen=True)
class Composite:
    name: str
    powers: dict  # parameter -> exponent
    targets: tuple  # the targets that pin it
    meaning: str

    @property
    def formula(self) -> str:
        up = " x ".join(p for p, k in self.powers.items() if k > 0)
        down = " x ".join(p for p, k in self.powers.items() if k < 0)
        return f"log10({up}{' / ' + down if down else ''})"

    def of(self, values: pd.DataFrame) -> np.ndarray:
        """log10 of the composite for each row of parameter values (-inf where a factor is 0)."""
        with np.errstate(divide="ignore"):
            return sum(k * np.log10(values[p].to_numpy(dtype=float)) for p, k in self.powers.items())


COMPOSITES = (
    Composite("fear_dose", {"fear_sensitivity": 1, "salience_per_detention": 1, "salience_half_life_weeks": 1,
                            "fear_decay": -1}, ("C11", "C13"),
              "fear at rest after a steady stream of detention news: reaction x news per detention x how long the "
              "news lasts / how fast fear fades"),
)


def prior_draws(priors, n: int = PRIOR_DRAWS, seed: int = PRIOR_SEED) -> pd.DataFrame:
    """Draws from the calibration's prior (each parameter independent, uniform on its own scale)."""
    rng = np.random.default_rng(seed)
    out = {}
    for p in priors:
        lo, hi = p.internal_bounds
        out[p.name] = p.natural(rng.uniform(lo, hi, n))
    return pd.DataFrame(out)


def _interval(v, w=None) -> tuple:
    v = np.asarray(v, dtype=float)
    w = np.ones(len(v)) if w is None else np.asarray(w, dtype=float)
    keep = np.isfinite(v)
    v, w = v[keep], w[keep]
    return tuple(weighted_quantile(v, w, q) for q in (0.05, 0.5, 0.95))


def composite_summary(posterior: pd.DataFrame, priors) -> pd.DataFrame:
    """Per composite whose parameters were all fitted, and for comparison per factor (log10): the prior's and the
    posterior's median and 90% interval, and the posterior's 90% width over the prior's 90% width. (The prior of a
    composite is not flat, so the reference is the prior's 90% interval, not its range.)"""
    names = {p.name for p in priors}
    prior = prior_draws(priors)
    w = posterior["weight"].to_numpy(dtype=float)
    rows = []
    for c in COMPOSITES:
        if not set(c.powers) <= names:
            continue
        terms = [(c.formula, c, c.name)] + [(f"log10({p})", None, c.name) for p in c.powers]
        for label, comp, group in terms:
            if comp is not None:
                pr, po = comp.of(prior), comp.of(posterior)
            else:
                p = label[6:-1]
                with np.errstate(divide="ignore"):
                    pr, po = np.log10(prior[p].to_numpy(float)), np.log10(posterior[p].to_numpy(float))
            plo, pmed, phi = _interval(pr)
            qlo, qmed, qhi = _interval(po, w)
            rows.append({"composite": group, "quantity": label, "prior_median": pmed, "prior_q05": plo,
                         "prior_q95": phi, "posterior_median": qmed, "posterior_q05": qlo, "posterior_q95": qhi,
                         "width_share_of_prior": (qhi - qlo) / (phi - plo) if phi > plo else np.nan,
                         "targets": ", ".join(c.targets)})
    return pd.DataFrame(rows)
