"""The social graph: household cliques, kin across households, and homophilous friendship ties, built
with numpy.

Every draw comes from the model's generator and the cost grows linearly with the number
of residents (no O(N^2) generator), so the same code builds a classroom of 300 and a
county of 1,000,000.
"""

from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import scipy.sparse as sp

from agents.codes import Status

try:  # scipy's own kernel of ``A @ x``, which adds each row's terms to what y[row] holds
    from scipy.sparse._sparsetools import csr_matvec
except ImportError:  # pragma: no cover - another scipy: every product runs whole (the same numbers)
    csr_matvec = None

# Columns of a block of ``ColumnBlocks``: a block's slice of the vector (12 MB) stays in a 32 MB cache while
# the block's terms pick from it at random. Below, and up to this many residents, a county's product is one.
PRODUCT_BLOCK = 1_500_000


class ColumnBlocks:
    """``weights @ v`` for a county too large for its tie product to run well whole: its columns in blocks of
    at most ``block`` (equal, in column order), each a CSR matrix of the same rows, run one after another,
    each adding its terms to every row's running sum. The terms of a row are in column order (sorted indices)
    and a block's are the next of them, so each row adds the same terms in the same order: the same sums, to
    the last bit, as ``weights @ v`` (``tests/test_network.py``). What it buys is where the terms are read
    from. The friends a row's terms pick are anywhere in the county: at 3,000,000 residents the vector is 24 MB,
    and most picks miss the cache; a block's slice is 12 MB or less. ``weights @ v`` took 121 ms there, two
    blocks 85 ms; at 2,000,000 residents 65 against 47 ms (``scripts/tie_product.py``, docs/panel.md). The
    blocks are a copy of the ties (12 bytes a tie, about 95 bytes a resident), made once per county."""

    def __init__(self, weights: sp.csr_matrix, block: int):
        if not weights.has_sorted_indices:
            raise ValueError("the blocks add each row's terms in column order: sort the matrix's indices first")
        m, n = weights.shape
        k = -(-n // block)
        bounds = np.linspace(0, n, k + 1).round().astype(np.int64)
        row = np.repeat(np.arange(m), np.diff(weights.indptr))
        self.shape = weights.shape
        self.blocks = []
        for start, end in zip(bounds[:-1], bounds[1:], strict=True):
            keep = (weights.indices >= start) & (weights.indices < end)  # in the original order
            indptr = np.zeros(m + 1, dtype=weights.indptr.dtype)
            np.cumsum(np.bincount(row[keep], minlength=m), out=indptr[1:])
            self.blocks.append((int(start), int(end), indptr, (weights.indices[keep] - start).astype(
                weights.indices.dtype), weights.data[keep]))

    def __matmul__(self, v: np.ndarray) -> np.ndarray:
        m, _ = self.shape
        y = np.zeros(m, dtype=np.result_type(v, self.blocks[0][4]))
        for start, end, indptr, indices, data in self.blocks:
            csr_matvec(m, end - start, indptr, indices, data, v[start:end], y)
        return y


def blocks_bytes(n: int, ties: int, block: int = PRODUCT_BLOCK, index_bytes: int = 4, weight_bytes: int = 8) -> int:
    """Bytes of the ``ColumnBlocks`` copy ``tie_product`` makes of a county of ``n`` residents and ``ties``
    stored ties (none for ``block`` residents or fewer): each tie's column and weight, and each block's row
    pointers (``n + 1`` of them). Indices are 32-bit while the ties fit (scipy's choice)."""
    if n <= block:
        return 0
    return ties * (index_bytes + weight_bytes) + -(-n // block) * (n + 1) * index_bytes


def tie_product(weights: sp.csr_matrix, block: int | None = None):
    """What ``update_fear``'s contagion multiplies by each week: ``weights`` itself, or for more than ``block``
    (``PRODUCT_BLOCK``) residents its ``ColumnBlocks`` (the same numbers)."""
    block = PRODUCT_BLOCK if block is None else block
    if weights.shape[1] <= block or csr_matvec is None or not weights.has_sorted_indices:
        return weights
    return ColumnBlocks(weights, block)


@dataclass
class SocialTies:
    family: np.ndarray  # (m, 2) pairs inside households
    friends: np.ndarray  # (k, 2) friendship and neighbor pairs
    weights: sp.csr_matrix  # symmetric tie strengths: household, kin and friend weights (the close ties)
    family_weights: sp.csr_matrix  # the household ties alone
    friend_weights: sp.csr_matrix  # the friendship ties alone
    kin: np.ndarray  # (j, 2) pairs (adult child, immigrant parent) living in different households
    kin_weights: sp.csr_matrix  # the kin ties alone
    local_weights: sp.csr_matrix  # household and friends: whom an offender picks a victim among, the witnesses
    _product: object = field(default=None, repr=False)

    def product(self):
        """``tie_product(weights)``, made once (a twin built from its treated run's county shares it)."""
        if self._product is None:
            self._product = tie_product(self.weights)
        return self._product


def gather_rows(indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray):
    """The column indices of the given CSR rows, concatenated, and the position of each in ``indices``."""
    starts, ends = indptr[rows], indptr[rows + 1]
    lengths = ends - starts
    total = int(lengths.sum())
    if total == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, lengths
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths) + np.arange(total)
    return indices[offsets], offsets, lengths


class TieCounts:
    """For a set of residents that changes by a few members a week, how many of each resident's
    household and friendship ties (``close``) and co-members of foci (``acquaintances``) are in it.

    Members join and leave through ``add`` and ``remove``; the counts are updated by scattering
    over the member's ties and foci, so the cost is the member's ties, not the population."""

    def __init__(self, ties, foci, n: int):
        self.ties, self.foci = ties, foci
        self.close = np.zeros(n)
        self.acquaintances = np.zeros(n)
        self.changes = 0  # how often the counts changed (what is derived from them can be kept until then)

    def change(self, people: np.ndarray, sign: float) -> None:
        if len(people) == 0:
            return
        self.changes += 1
        w = self.ties.weights
        neighbors, _, _ = gather_rows(w.indptr, w.indices, people)
        np.add.at(self.close, neighbors, sign)
        np.add.at(self.acquaintances, self.foci.co_members_of(people)[0], sign)

    def reset(self, members: np.ndarray) -> None:
        """Count from scratch (two sparse products): for the whole population at once."""
        self.changes += 1
        x = members.astype(np.float64)
        self.close = (self.ties.weights > 0).astype(np.float64) @ x
        self.acquaintances = self.foci.co_members(x)

    def add(self, people) -> None:
        self.change(np.asarray(people, dtype=np.int64), 1.0)

    def remove(self, people) -> None:
        self.change(np.asarray(people, dtype=np.int64), -1.0)


def household_pairs(household_start: np.ndarray) -> np.ndarray:
    """All pairs of members of each household (households are contiguous index ranges)."""
    sizes = np.diff(household_start)
    pairs = []
    for s in np.unique(sizes[sizes >= 2]):
        starts = household_start[:-1][sizes == s]
        a, b = np.triu_indices(s, k=1)
        pairs.append(np.stack([(starts[:, None] + a).ravel(), (starts[:, None] + b).ravel()], axis=1))
    return np.concatenate(pairs) if pairs else np.empty((0, 2), dtype=np.int64)


def _uniform_member(keys: np.ndarray, wanted: np.ndarray, rng) -> np.ndarray:
    """For each entry of ``wanted`` (a key), a uniformly drawn resident with that key."""
    order = np.argsort(keys, kind="stable")
    counts = np.bincount(keys, minlength=int(keys.max()) + 1)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pick = offsets[wanted] + (rng.random(len(wanted)) * counts[wanted]).astype(np.int64)
    return order[pick]


def friendship_pairs(params, rng, neighborhood, hispanic, status) -> np.ndarray:
    """Friendship ties: mostly in the neighborhood, homophilous by ethnicity and nativity."""
    n = len(neighborhood)
    stubs = rng.poisson(params.friends_per_resident / 2.0, n)
    source = np.repeat(np.arange(n), stubs)
    k = len(source)
    group = hispanic.astype(np.int64) * 2 + (status != Status.US_BORN)
    local_key = neighborhood.astype(np.int64) * 4 + group
    target = np.empty(k, dtype=np.int64)
    draw = rng.random(k)
    cross = draw < params.cross_neighborhood_share
    homophilous = ~cross & (rng.random(k) < params.tie_homophily)
    mixed = ~cross & ~homophilous
    target[cross] = rng.integers(0, n, int(cross.sum()))
    target[homophilous] = _uniform_member(local_key, local_key[source[homophilous]], rng)
    target[mixed] = _uniform_member(neighborhood.astype(np.int64), neighborhood[source[mixed]], rng)
    pairs = np.stack([np.minimum(source, target), np.maximum(source, target)], axis=1)
    return pairs[pairs[:, 0] != pairs[:, 1]]


def _unique_pairs(pairs: np.ndarray, n: int, exclude: np.ndarray | None = None) -> np.ndarray:
    """Distinct pairs (sorted, without those in ``exclude``): sort-based, linear after the sort."""
    codes = np.sort(pairs[:, 0].astype(np.int64) * n + pairs[:, 1])
    if len(codes):
        codes = codes[np.concatenate([[True], codes[1:] != codes[:-1]])]
    if exclude is not None and len(exclude) and len(codes):
        excluded = np.sort(exclude[:, 0].astype(np.int64) * n + exclude[:, 1])
        at = np.minimum(np.searchsorted(excluded, codes), len(excluded) - 1)
        codes = codes[excluded[at] != codes]
    return np.stack([codes // n, codes % n], axis=1)


def kin_pairs(params, rng, county) -> np.ndarray:
    """Ties between a second-generation adult (``county.second_generation``) and an immigrant parent who
    lives in the county (``parent_nearby_prob``) in another household: an immigrant adult of the same
    ethnicity, in the same neighborhood but for ``cross_neighborhood_share`` of them. Sorted pairs; a
    person may be the parent of several."""
    child = np.flatnonzero(county.second_generation & (rng.random(len(county.status)) < params.parent_nearby_prob))
    immigrant_adult = county.adult & (county.status != Status.US_BORN)
    if len(child) == 0 or not immigrant_adult.any():
        return np.empty((0, 2), dtype=np.int64)
    pool = np.flatnonzero(immigrant_adult)
    n_nb = int(county.neighborhood.max()) + 1
    # keys: ethnicity x neighborhood (local), or ethnicity alone (anywhere in the county)
    local_key = county.hispanic[pool].astype(np.int64) * n_nb + county.neighborhood[pool]
    wide = rng.random(len(child)) < params.cross_neighborhood_share
    want_local = county.hispanic[child].astype(np.int64) * n_nb + county.neighborhood[child]
    counts_local = np.bincount(local_key, minlength=2 * n_nb)
    local = ~wide & (counts_local[want_local] > 0)
    parent = np.full(len(child), -1, dtype=np.int64)
    if local.any():
        parent[local] = pool[_uniform_member(local_key, want_local[local], rng)]
    county_key = county.hispanic[pool].astype(np.int64)
    want_county = county.hispanic[child].astype(np.int64)
    rest = (parent < 0) & (np.bincount(county_key, minlength=2)[want_county] > 0)
    if rest.any():
        parent[rest] = pool[_uniform_member(county_key, want_county[rest], rng)]
    ok = (parent >= 0) & (county.household_of[np.maximum(parent, 0)] != county.household_of[child])
    pairs = np.stack([child[ok], parent[ok]], axis=1)
    return np.sort(pairs, axis=1)


def build_ties(params, rng, county) -> SocialTies:
    """Household cliques, kin across households and friendships (family, then kin, win where several
    exist), and their weights."""
    n = len(county.status)
    family = household_pairs(county.household_start)
    kin = _unique_pairs(kin_pairs(params, rng, county), n, exclude=family)
    friends = friendship_pairs(params, rng, county.neighborhood, county.hispanic, county.status)
    friends = _unique_pairs(friends, n, exclude=np.concatenate([family, kin]))
    family_weights = _symmetric(family, params.family_tie_weight, n)
    kin_weights = _symmetric(kin, params.kin_tie_weight, n)
    friend_weights = _symmetric(friends, params.friend_tie_weight, n)
    local = (family_weights + friend_weights).tocsr()
    return SocialTies(family, friends, (local + kin_weights).tocsr(), family_weights, friend_weights, kin, kin_weights,
                      local)


def _symmetric(pairs: np.ndarray, weight: float, n: int) -> sp.csr_matrix:
    rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
    return sp.csr_matrix((np.full(len(rows), weight), (rows, cols)), shape=(n, n))


def to_networkx(ties: SocialTies, n: int, params) -> nx.Graph:
    """The same ties as a NetworkX graph; edges carry ``kind`` (family/kin/friend) and ``weight``."""
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(ties.family.tolist(), kind="family", weight=params.family_tie_weight)
    graph.add_edges_from(ties.kin.tolist(), kind="kin", weight=params.kin_tie_weight)
    graph.add_edges_from(ties.friends.tolist(), kind="friend", weight=params.friend_tie_weight)
    return graph
