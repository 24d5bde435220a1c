"""Mesa agents made on first use, so a county of a million residents does not build a million
agent objects that will never act.

The population's state lives in the model's numpy arrays; a ``Resident`` or ``Household`` agent
is a view onto a row plus the per-event actions (a conviction, a removal's bookkeeping). Most
residents never have an event, so their agents are made when something first asks for them (an
arrest, a removal, the visualizer, a user) and are the same object from then on.
"""

import operator
from collections.abc import Sequence


class AgentsOnDemand(Sequence):
    """A fixed-length sequence whose i-th element, an agent, is made by ``make(i)`` on first access."""

    def __init__(self, n: int, make):
        self._n = n
        self._make = make
        self._made = {}

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        i = operator.index(i)
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError(f"agent index {i} out of range for {self._n}")
        agent = self._made.get(i)
        if agent is None:
            agent = self._made[i] = self._make(i)
        return agent

    def __iter__(self):
        return (self[i] for i in range(self._n))

    def made(self) -> list:
        """The agents made so far, in index order."""
        return [self._made[i] for i in sorted(self._made)]
