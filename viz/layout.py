"""A seeded, stable layout of the social graph, readable from the back of a classroom.

Households are laid out first, as points of a smaller graph whose edges count the friendships
between them (a Fruchterman-Reingold force layout in numpy, seeded). The points are then snapped
to a grid of equal cells, one household each, keeping their order left to right and, within a
column, bottom to top: neighborhoods (where most friendships are) stay next to one another, but
no cluster is so dense that its residents overlap, so every dot can be drawn large. Each
household's members sit on a small ring inside its cell. Positions are in cell units: the grid
spans ``[0, columns] x [0, rows]``. The same county (same seed and size) always gets the same picture.
"""

import numpy as np

# Layouts are cached by the county's ties, so a preset change on the same seed keeps the picture.
_CACHE: dict = {}
_CACHE_SIZE = 8
GRAVITY = 0.05  # pull toward the middle, relative to the repulsion of the whole crowd
MEMBER_SPACING = 0.34  # household members sit this far apart on their ring (cell units): a dot is 0.3 wide
MAX_RING = 0.34  # no dot reaches into the next cell (a household of seven or more is a little tighter)


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


def member_offsets(household_of: np.ndarray, spacing: float = MEMBER_SPACING) -> np.ndarray:
    """Each resident's offset from its household's point: members evenly spaced on a circle,
    ``spacing`` apart (a lone resident sits on the point)."""
    order = np.argsort(household_of, kind="stable")
    sizes = np.bincount(household_of)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.empty(len(household_of), dtype=np.int64)
    rank[order] = np.arange(len(household_of)) - np.repeat(starts, sizes)
    size = sizes[household_of]
    angle = 2 * np.pi * rank / np.maximum(size, 1) + 0.3
    r = np.where(size > 1, np.minimum(spacing / (2.0 * np.sin(np.pi / np.maximum(size, 2))), MAX_RING), 0.0)
    return np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)


def grid_shape(n: int, aspect: float) -> tuple[int, int]:
    """(columns, rows) of the smallest grid of about ``aspect`` (width / height) holding n cells."""
    columns = max(1, int(np.ceil(np.sqrt(n * aspect))))
    return columns, max(1, int(np.ceil(n / columns)))


def snap_to_grid(points: np.ndarray, aspect: float) -> np.ndarray:
    """Each point to the centre of a cell of its own (cell units), keeping the points' order: sorted
    by x they fill the columns, and each column is sorted by y (a partly filled last column is centred)."""
    n = len(points)
    columns, rows = grid_shape(n, aspect)
    order = np.argsort(points[:, 0], kind="stable")
    cells = np.empty((n, 2))
    for column in range(columns):  # a few dozen columns, never a loop over residents
        members = order[column * rows:(column + 1) * rows]
        members = members[np.argsort(points[members, 1], kind="stable")]
        cells[members, 0] = column
        cells[members, 1] = np.arange(len(members)) + (rows - len(members)) // 2
    return cells + 0.5


def household_layout(household_of: np.ndarray, friends: np.ndarray, seed: int, aspect: float = 1.6) -> np.ndarray:
    """Positions (n, 2) in cell units: households placed by force layout, snapped to a grid of
    about ``aspect`` (width / height), members on a ring inside their household's cell."""
    household_of = np.asarray(household_of, dtype=np.int64)
    n_households, pairs, weights = household_graph(household_of, np.asarray(friends, dtype=np.int64))
    centers = snap_to_grid(force_layout(n_households, pairs, weights, seed), aspect)
    return centers[household_of] + member_offsets(household_of)



def layout_for(model, seed: int = 0, aspect: float = 1.6) -> np.ndarray:
    """The cached layout of a model's graph (the same ties always give the same positions)."""
    key = (len(model.household_of), hash(model.household_of.tobytes()), hash(model.ties.friends.tobytes()), seed,
           aspect)
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = household_layout(model.household_of, model.ties.friends, seed, aspect)
    return _CACHE[key]
