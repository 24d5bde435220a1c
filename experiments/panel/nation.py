"""The synthetic nation: a county table drawn from documented distributions (docs/panel.md), with a
synthetic ``state`` (S01 to S50). The table shipped in ``experiments/data/`` is made by::

    python -m experiments.panel.nation --n 3000 --seed 20100401 --out experiments/data/counties_national.csv

Who limits detainers, and when, follows the record in waves (``WAVES``, docs/panel.md and docs/sources.md):
local policies of large, Hispanic counties from June 2011, state laws on 1 January 2014, and the jails that
stopped holding on a detainer alone after *Miranda-Olivares v. Clackamas County* (11 April 2014). The early
local wave draws among every declared policy that declines some detainer (``agents.policies.POLICIES``), so
a new policy reaches the synthetic nation by itself.
"""

import argparse
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from agents import policies
from model import DEFAULTS

from .counties import SHARES, blank, composition_problem, validate_counties

BORDER_COUNTIES = 24          # about the number of US counties on the Mexican border
MEDIAN_POPULATION = 25_000    # Census 2010: the median county has about 25,000 residents
LOG_SD_POPULATION = 1.65      # spread of log population: 3,000 counties hold about 290 million people
FOREIGN_BORN_MIX = np.array([0.10, 0.09, 0.14])  # undocumented : LPR : naturalized, the model's defaults
FOREIGN_BORN_MIX_CONCENTRATION = 20.0
STATES = 50                   # synthetic states S01 .. S50
BORDER_STATES = 4             # the border counties lie in four of them (California, Arizona, New Mexico, Texas)
LOG_SD_STATE_SIZE = 0.8       # spread of a state's share of the counties (Delaware 3, Texas 254, median about 60)


def limiting_policies() -> tuple:
    """The policies a jail may adopt later: every declared detainer policy (``agents.policies.POLICIES``) that
    declines some detainer, in their declared order."""
    return tuple(name for name, policy in policies.POLICIES.items() if policy.limits_cooperation)


def _logistic(x):
    return 1 / (1 + np.exp(-x))


def _logit(p):
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class Wave:
    """A wave of limits on detainers in the record, as the synthetic nation draws it: between ``start`` and
    ``end`` (ISO dates; a county's date uniform between them), either every county of ``states`` whole states
    (``states_from``: "border" picks the border state with the most Hispanic residents, "inland" a state with
    no border county, at random) or each county with probability ``logistic(intercept + size x z +
    hispanic x z_H)`` (``z``: standardized log population, ``z_H``: standardized logit Hispanic share).
    ``policy``: the policy adopted (None: one of the limiting policies, alike)."""

    name: str
    policy: str | None
    start: str
    end: str
    source: str
    states: int = 0
    states_from: str = ""
    intercept: float = 0.0
    size: float = 0.0
    hispanic: float = 0.0


# The adoption rule before the waves drew three arrays here (chance, day in June 2011 - Dec 2014, policy); the
# main stream still draws them, unused, so the states drawn after them stay as they were (the waves have a
# stream of their own).
FORMER_ADOPTION_DAYS = 1309

WAVES = (
    Wave("local_2011", None, "2011-06-01", "2013-12-31", "San Francisco (June 2011), Cook County (Sept 2011), Santa "
         "Clara (Oct 2011), Washington DC (2012), Los Angeles (Dec 2012): large, urban, Hispanic counties first",
         intercept=-6.0, size=1.2, hispanic=1.0),
    Wave("state_law_2014", "trust_act", "2014-01-01", "2014-01-01", "California's TRUST Act (AB 4) and "
         "Connecticut's, in force 1 January 2014, in every county of the state", states=1, states_from="border"),
    Wave("state_law_2014_inland", "trust_act", "2014-01-01", "2014-01-01", "Connecticut's TRUST Act (2013), "
         "in force 1 January 2014", states=1, states_from="inland"),
    Wave("court_statewide_2014", "sanctuary", "2014-04-14", "2014-05-31", "Miranda-Olivares v. Clackamas County "
         "(D. Or., 11 April 2014): within weeks every Oregon sheriff stopped holding on a detainer alone",
         states=1, states_from="inland"),
    Wave("court_local_2014", "sanctuary", "2014-04-14", "2014-12-31", "after Miranda-Olivares, jails elsewhere "
         "(Washington, Colorado, Pennsylvania and others) asked ICE for a judicial warrant through 2014",
         intercept=-3.6, size=0.6, hispanic=0.6),
)


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
    shares = reachable(shares, h_others, h_u)
    hispanic = _hispanic(shares, h_others, h_u)
    intensity = np.round(np.clip(np.exp(rng.normal(0, 0.25, n)), 0.5, 2.0), 3)
    rng.random(n), rng.integers(0, FORMER_ADOPTION_DAYS + 1, n), rng.integers(0, 3, n)  # see FORMER_ADOPTION_DAYS
    state = _states(rng, border)
    change, after = adoptions(np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,))), z, hispanic,
                              population, state, border)
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


def adoptions(rng: np.random.Generator, z: np.ndarray, hispanic: np.ndarray, population: np.ndarray,
              state: np.ndarray, border: np.ndarray) -> tuple[list, list]:
    """Each county's first limit on detainers (``WAVES``, in order; a county keeps its earliest): the date
    (ISO, "" for none) and the policy adopted. Drawn from ``rng`` alone (its own stream), after the states."""
    n = len(z)
    hz = (_logit(hispanic) - _logit(hispanic).mean()) / _logit(hispanic).std()
    hispanic_residents = pd.Series(population * hispanic).groupby(state).sum()
    border_states = sorted(set(state[border]), key=lambda s: -hispanic_residents[s])
    inland = sorted(set(state) - set(state[border]))
    limiting = limiting_policies()
    date = np.full(n, "", dtype=object)
    policy = np.full(n, "", dtype=object)
    taken = set()
    for wave in WAVES:
        lo, hi = (dt.date.fromisoformat(d) for d in (wave.start, wave.end))
        if wave.states:
            pool = border_states if wave.states_from == "border" else [s for s in inland if s not in taken]
            chosen = pool[:wave.states] if wave.states_from == "border" else list(
                rng.choice(pool, size=min(wave.states, len(pool)), replace=False))
            taken.update(chosen)
            adopts = np.isin(state, chosen)
        else:
            adopts = rng.random(n) < _logistic(wave.intercept + wave.size * z + wave.hispanic * hz)
        days = rng.integers(0, (hi - lo).days + 1, n)
        which = rng.integers(0, len(limiting), n)
        for i in np.flatnonzero(adopts):
            when = (lo + dt.timedelta(days=int(days[i]))).isoformat()
            if not date[i] or when < date[i]:
                date[i], policy[i] = when, wave.policy or limiting[which[i]]
    return list(date), list(policy)


def _hispanic(shares: np.ndarray, h_others: np.ndarray, h_u: float) -> np.ndarray:
    hispanic = np.round(h_u * shares[:, 0] + h_others * (1 - shares[:, 0]), 5)
    return np.maximum(hispanic, np.ceil(h_u * shares[:, 0] * 1e5) / 1e5)  # rounding never breaks the floor


def reachable(shares: np.ndarray, h_others: np.ndarray, h_u: float) -> np.ndarray:
    """The foreign-born shares, each county the model cannot make (``counties.composition_problem``, the
    check the panel makes of every county) scaled down, 1% at a time, until it can: the generator writes
    only rows the panel accepts. Counties it can make are left as drawn (no draw is added or moved)."""
    out = shares.copy()
    for i in range(len(out)):
        factor = 1.0
        while composition_problem(*out[i], _hispanic(out[i:i + 1], h_others[i:i + 1], h_u)[0], h_u) is not None:
            factor -= 0.01
            if factor <= 0:
                raise ValueError(f"county {i + 1}: no foreign-born share the model can make")
            out[i] = np.round(shares[i] * factor, 5)
    return out


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
            "policy_changes": int(table["policy_change_date"].map(lambda v: not blank(v)).sum())}


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
