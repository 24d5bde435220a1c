"""ICE's capacity as a national pool: a county gets places in proportion to the candidates it presents.

ICE's capacity belongs to ICE, not to a county. Nationally it can take a number of people into
custody a year (the pool); the people identified to it through every door, nationally, are its
demand. A county is a small part of that system, so the share of its candidates ICE can take is
the national take rate, capacity over demand, whatever the county does: a county that arrests
more, or honors more detainers, presents more candidates and gets more places; one that declines
detainers presents fewer. Counties that share an ICE area share its pool (``allocate``), which the
county panel can call across counties.

Both sides are per unauthorized resident a year, nationally, so the rate does not depend on the
size of a county. Priorities decide who gets a county's places, not how many it gets: inside the
county ICE rations its places down the ranks of the regime in force (``agents.ice``). A strict
national allocation down the ranks would leave no place for a detainee with a minor or no
conviction (TRAC 330: 47.7% of the people given a detainer in FY2012-13 had no conviction, and
Level 1 was at most 14%), against the record that most removals through the program were of
such people.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class NationalPool:
    """ICE's national pool: ``capacity`` people it can take into custody a year and ``demand``
    candidates identified to it a year, both per unauthorized resident nationally."""

    capacity: float
    demand: float

    def __post_init__(self):
        if self.capacity < 0 or self.demand <= 0:
            raise ValueError(f"a pool needs capacity >= 0 and demand > 0, got {self.capacity}, {self.demand}")

    @property
    def take_rate(self) -> float:
        """Places per candidate: the share of the candidates ICE can take (at most 1)."""
        return min(1.0, self.capacity / self.demand)


def allocate(capacity: float, demands) -> np.ndarray:
    """Places of a shared pool for each of several counties, in proportion to their demand and never
    more than it: ``capacity`` places against ``demands`` candidates (one per county)."""
    demands = np.asarray(demands, dtype=np.float64)
    if np.any(demands < 0) or capacity < 0:
        raise ValueError("capacity and demands must not be negative")
    total = demands.sum()
    if total <= 0:
        return np.zeros_like(demands)
    return demands * min(1.0, capacity / total)


def allocate_by_priority(capacity: float, demands) -> np.ndarray:
    """Places of a shared pool for several counties, down ICE's priorities: ``demands[county, rank]``
    candidates (rank 0 first). The places go to every county's rank-0 candidates first (``allocate``
    within a rank), what is left to rank 1, and so on; the result is each county's places."""
    demands = np.asarray(demands, dtype=np.float64)
    if demands.ndim != 2:
        raise ValueError(f"demands must be a (county, rank) table, got shape {demands.shape}")
    places = np.zeros(demands.shape[0])
    left = float(capacity)
    for rank in range(demands.shape[1]):
        given = allocate(left, demands[:, rank])
        places += given
        left = max(0.0, left - float(given.sum()))
    return places
