"""A seeded, stable layout of the social graph in which households visibly cluster.

Households are laid out first, as points of a smaller graph whose edges count the friendships
between them (a Fruchterman-Reingold force layout in numpy, seeded); each household's members
then sit on a small circle around its point. Family ties are therefore short and inside a
cluster, friendships run between clusters, and neighborhoods (where most friendships are) end
up near one another. The same county (same seed and size) always gets the same picture.
"""

import numpy as np

# Layouts are cached by the county's ties, so a preset change on the same seed keeps the picture.
_CACHE: dict = {}
_CACHE_SIZE = 8
GRAVITY = 0.05  # pull toward the middle, relative to the repulsion of the whole crowd


def household_graph(household_of: np.ndarray, friends: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """Households and the number of friendships between each pair: (count, pairs (k, 2), weights (k,))."""
    n_households = int(household_of.max()) + 1 if len(household_of) else 0
    a, b = household_of[friends[:, 0]], household_of[friends[:, 1]]
    keep = a != b
    lo, hi = np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])
    codes, weights = np.unique(lo.astype(np.int64) * max(n_households, 1) + hi, return_counts=True)
    pairs = np.stack([codes // max(n_households, 1), codes % max(n_households, 1)], axis=1)
    return n_households, pairs, weights.astype(float)


def force_layout(n: int, pairs: np.ndarray, weights: np.ndarray, seed: int, iterations: int = 80) -> np.ndarray:
    """Fruchterman-Reingold on n points (dense, O(n^2) per iteration; fine for a few thousand)."""
    rng = np.random.default_rng(seed)
    pos = rng.random((n, 2))
    if n <= 1:
        return pos
    k = 1.0 / np.sqrt(n)  # ideal distance
    temperature = 0.1
    cooling = temperature / (iterations + 1)
    for _ in range(iterations):
        # repulsion between all points, k^2 / d along each difference, written as matrix products
        sq = (pos ** 2).sum(axis=1)
        d2 = np.maximum(sq[:, None] + sq[None, :] - 2.0 * pos @ pos.T, 1e-4)
        factor = k * k / d2
        np.fill_diagonal(factor, 0.0)
        disp = pos * factor.sum(axis=1)[:, None] - factor @ pos
        if len(pairs):  # attraction along edges
            d = pos[pairs[:, 0]] - pos[pairs[:, 1]]
            length = np.maximum(np.sqrt((d ** 2).sum(axis=1)), 0.01)
            pull = d * (weights * length / k)[:, None]
            np.add.at(disp, pairs[:, 0], -pull)
            np.add.at(disp, pairs[:, 1], pull)
        disp -= GRAVITY * n * k * (pos - pos.mean(axis=0))  # keeps lone households near the rest
        length = np.maximum(np.sqrt((disp ** 2).sum(axis=1)), 0.01)
        pos += disp / length[:, None] * np.minimum(length, temperature)[:, None]
        temperature -= cooling
    return pos


def member_offsets(household_of: np.ndarray, radius: float) -> np.ndarray:
    """Each resident's offset from its household's point: members evenly spaced on a circle."""
    order = np.argsort(household_of, kind="stable")
    sizes = np.bincount(household_of)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.empty(len(household_of), dtype=np.int64)
    rank[order] = np.arange(len(household_of)) - np.repeat(starts, sizes)
    size = sizes[household_of]
    angle = 2 * np.pi * rank / np.maximum(size, 1) + 0.3
    r = np.where(size > 1, radius * np.sqrt(size / 4.0), 0.0)
    return np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)


def household_layout(household_of: np.ndarray, friends: np.ndarray, seed: int) -> np.ndarray:
    """Positions (n, 2) in [0, 1]^2: households placed by force layout, members around them."""
    household_of = np.asarray(household_of, dtype=np.int64)
    n_households, pairs, weights = household_graph(household_of, np.asarray(friends, dtype=np.int64))
    centers = force_layout(n_households, pairs, weights, seed)
    low, high = np.percentile(centers, [1, 99], axis=0) if n_households else (0.0, 1.0)
    span = np.where(high - low > 0, high - low, 1.0)
    centers = np.clip((centers - low) / span, -0.03, 1.03)  # a stray household cannot shrink the rest
    radius = 0.35 / np.sqrt(max(n_households, 1))  # well under the spacing between households
    pos = centers[household_of] + member_offsets(household_of, radius)
    return pos


def layout_for(model, seed: int = 0) -> np.ndarray:
    """The cached layout of a model's graph (the same ties always give the same positions)."""
    key = (len(model.household_of), hash(model.household_of.tobytes()), hash(model.ties.friends.tobytes()), seed)
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = household_layout(model.household_of, model.ties.friends, seed)
    return _CACHE[key]
