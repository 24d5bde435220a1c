"""Acquaintances: the people one knows by name beyond household and friends (Feld's foci).

Every resident belongs to a few foci: a block, a workplace or school, and for some a
congregation or club (Feld 1981). Acquaintances are the people who share a focus. The layer is
held as one sparse resident-by-focus membership matrix ``M`` (a few entries per resident), never
as acquaintance pairs: everything that travels along acquaintance ties is two sparse products,
``M @ (M.T @ x) - memberships * x`` (what each resident's co-members add up to, less their own
share), so memory and weekly cost grow with residents and memberships, not with the hundreds of
acquaintances each resident has.

Sizes: focus sizes are lognormal, so the number of acquaintances is very unequal across people
(McCarty et al. 2001; Zheng, Salganik & Gelman 2006). Their scale is solved so that the mean
number of acquaintances is ``acquaintances_mean`` (McCarty et al. 2001: about 290).

Segregation: foci are filled within the neighborhood (blocks always, other foci with the type's
locality) and within one's ethnic and nativity group with probability ``tie_homophily``, the
same rule as friendships, so the acquaintance network is about as segregated as close ties
(DiPrete et al. 2011).
"""

import hashlib
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from agents.codes import Status

from .network import gather_rows


@dataclass(frozen=True)
class FocusType:
    """A kind of focus: who joins it, how local it is, and its share of a resident's acquaintances."""

    name: str
    adults: float  # probability that an adult is a member of one focus of this type
    children: float  # probability that a child is
    locality: float  # probability that a member's focus is drawn in their own neighborhood
    acquaintance_share: float  # share of the mean acquaintance count this type supplies


# Assumptions (the order of magnitude of Feld's examples); the shares sum to one.
FOCUS_TYPES = (
    FocusType("block", adults=1.0, children=1.0, locality=1.0, acquaintance_share=0.2),
    FocusType("work_or_school", adults=0.75, children=1.0, locality=0.5, acquaintance_share=0.45),
    FocusType("congregation_or_club", adults=0.5, children=0.3, locality=0.8, acquaintance_share=0.35),
)


DISTINCT_KEPT = 256  # counties whose exact count of distinct acquaintances a process keeps (a number each)
_DISTINCT: OrderedDict = OrderedDict()  # digest of a membership matrix -> its mean distinct acquaintances


@dataclass
class Foci:
    membership: sp.csr_matrix  # residents x foci, 1 where the resident is a member
    membership_t: sp.csr_matrix  # its transpose, kept in CSR for fast products
    size: np.ndarray  # members of each focus
    memberships: np.ndarray  # foci of each resident
    acquaintances: np.ndarray  # co-members of each resident (an upper bound: overlaps count twice)

    def co_members(self, x: np.ndarray) -> np.ndarray:
        """For each resident, the sum of ``x`` over the co-members of all their foci (self excluded).

        ``x`` may be a vector or an (n, k) array; a co-member met in two foci counts twice.
        """
        total = self.membership @ (self.membership_t @ x)
        own = self.memberships if x.ndim == 1 else self.memberships[:, None]
        return total - own * x

    def distinct_acquaintances(self) -> float:
        """The mean number of distinct acquaintances per resident (people sharing any focus). Counted
        exactly where foci overlap a lot (a county small for its foci); elsewhere, overlaps are rare and
        the co-member count stands for it."""
        n = self.membership.shape[0]
        if n == 0 or self.membership.shape[1] == 0:
            return 0.0
        mean = float(self.acquaintances.mean())
        if n > 5_000 or mean < n / 20:
            return mean
        m = self.membership
        key = hashlib.blake2b(b"%d,%d:" % m.shape + m.indptr.tobytes() + m.indices.tobytes(), digest_size=16).digest()
        if key in _DISTINCT:  # runs of one seed build the same foci: the product is not done again
            _DISTINCT.move_to_end(key)
            return _DISTINCT[key]
        pairs = (m.astype(bool) @ self.membership_t.astype(bool)).tocsr()  # who shares a focus with whom
        value = float((np.diff(pairs.indptr) - (pairs.diagonal() > 0)).mean())
        _DISTINCT[key] = value
        if len(_DISTINCT) > DISTINCT_KEPT:
            _DISTINCT.popitem(last=False)
        return value

    def co_members_of(self, people: np.ndarray, slots: bool = False):
        """Every co-member of every focus of each person (self excluded; repeats for shared foci),
        and for each, the person whose focus it was (with ``slots``: that person's place in ``people``)."""
        m = self.membership
        if m.shape[1] == 0 or len(people) == 0:
            empty = np.empty(0, dtype=np.int64)
            return empty, empty
        their_foci, _, per_person = gather_rows(m.indptr, m.indices, people)
        members, _, per_focus = gather_rows(self.membership_t.indptr, self.membership_t.indices, their_foci)
        slot = np.repeat(np.repeat(np.arange(len(people)), per_person), per_focus)
        owner = people[slot]
        other = members != owner
        return members[other], (slot if slots else owner)[other]


def _group(hispanic, status) -> np.ndarray:
    return hispanic.astype(np.int64) * 2 + (status != Status.US_BORN)


def build_foci(params, rng: np.random.Generator, neighborhood, hispanic, status, adult) -> Foci:
    """Draw each resident's foci (every draw from ``rng``; numpy, linear in residents)."""
    n = len(neighborhood)
    group = _group(hispanic, status)
    n_groups = 4
    n_nb = int(neighborhood.max()) + 1 if n else 1
    sigma = params.acquaintance_size_dispersion
    rows, cols, first_focus = [], [], 0
    for ft in FOCUS_TYPES:
        member = rng.random(n) < np.where(adult, ft.adults, ft.children)
        people = np.flatnonzero(member)
        if len(people) == 0:
            continue
        # the focus's pool: own neighborhood or the county at large; own group or a random one
        local = rng.random(len(people)) < ft.locality
        region = np.where(local, neighborhood[people], n_nb)
        same = rng.random(len(people)) < params.tie_homophily
        key_group = np.where(same, group[people], rng.integers(0, n_groups, len(people)))
        order = np.lexsort((rng.random(len(people)), key_group, region))
        wanted = ft.acquaintance_share * params.acquaintances_mean * n / len(people)
        ends = np.cumsum(focus_sizes(rng, len(people), wanted, sigma))
        focus = np.searchsorted(ends, np.arange(len(people)), side="right")
        rows.append(people[order])
        cols.append(first_focus + focus)
        first_focus += int(focus[-1]) + 1
    if rows:
        r, c = np.concatenate(rows), np.concatenate(cols)
    else:
        r = c = np.empty(0, dtype=np.int64)
    membership = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(n, first_focus))
    size = np.asarray(membership.sum(axis=0)).ravel()
    memberships = np.diff(membership.indptr).astype(np.float64)
    acquaintances = membership @ size - memberships
    return Foci(membership, membership.T.tocsr(), size, memberships, acquaintances)


def focus_sizes(rng, members: int, wanted: float, sigma: float) -> np.ndarray:
    """Sizes of the foci that hold ``members`` people, lognormal in shape (dispersion ``sigma``), scaled
    so that a member's mean number of co-members, sum s(s - 1) / members, is ``wanted``.

    The shape is drawn once; the scale is found by bisection, because a heavy-tailed sample of a few
    dozen foci would otherwise miss the mean by a fifth in either direction."""
    if wanted <= 0 or members < 2:
        return np.ones(members, dtype=np.int64)
    mean_size = max((wanted + 1.0) / np.exp(sigma**2), 1.0)
    shape = rng.lognormal(-sigma**2 / 2, sigma, int(4 * members / mean_size) + 16)

    def sizes(scale):
        s = np.maximum(1, np.rint(scale * shape)).astype(np.int64)
        ends = np.cumsum(s)
        if ends[-1] < members:  # pad with singletons (only at tiny scales)
            return np.concatenate([s, np.ones(members - ends[-1], dtype=np.int64)])
        last = int(np.searchsorted(ends, members))
        s = s[:last + 1].copy()
        s[-1] -= ends[last] - members
        return s

    def co_members(scale):
        s = sizes(scale)
        return float((s * (s - 1)).sum()) / members

    low, high = mean_size / 64, mean_size * 64
    for _ in range(40):
        mid = np.sqrt(low * high)
        low, high = (mid, high) if co_members(mid) < wanted else (low, mid)
    return sizes(np.sqrt(low * high))


def empty_foci(n: int) -> Foci:
    """No acquaintance layer (the channel switched off)."""
    membership = sp.csr_matrix((n, 0))
    return Foci(membership, membership.T.tocsr(), np.zeros(0), np.zeros(n), np.zeros(n))
