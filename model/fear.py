"""Fear of immigration enforcement: exposure through ties, contagion, decay.

One sparse matrix product per week carries, for every resident at once, (1) this week's
detentions and removals among their ties, weighted by tie strength (family more than
friends), (2) the fear of their ties, and (3) whether a tie was detained or removed in
the past 52 weeks.
"""

import numpy as np

from agents.codes import KNOWING_WINDOW_WEEKS, Custody


def update_fear(model) -> np.ndarray:
    """Advance fear one week; return who knows someone detained or removed in the past year."""
    present = model.custody != Custody.REMOVED
    recent = (model.week - model.last_ice_week) < KNOWING_WINDOW_WEEKS
    heard = model.ties.weights @ np.column_stack([model.fear_shock, model.fear * present, recent])
    exposure, ties_fear, knows = heard[:, 0], heard[:, 1], heard[:, 2] > 0
    ties_mean_fear = np.divide(ties_fear, model.tie_strength, out=np.zeros_like(ties_fear),
                               where=model.tie_strength > 0)
    fear = model.fear
    fear *= 1.0 - model.fear_decay
    shock = (1.0 - fear) * -np.expm1(-model.fear_sensitivity * exposure)
    contagion = model.fear_contagion * np.maximum(ties_mean_fear - fear, 0.0)
    fear += np.where(present, model.susceptibility * (shock + contagion), 0.0)
    np.clip(fear, 0.0, 1.0, out=fear)
    model.fear_shock[:] = 0.0
    return knows
