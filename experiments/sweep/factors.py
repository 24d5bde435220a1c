"""What a sweep varies and how its points are sampled: the spec's factors and design, as values."""

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Factor:
    """One varied parameter: explicit values, or a range [low, high] (``num``/``step`` for grids)."""

    name: str
    values: tuple | None = None
    low: float | None = None
    high: float | None = None
    num: int | None = None
    step: float | None = None
    integer: bool = False

    @property
    def is_range(self) -> bool:
        return self.values is None

    def size(self) -> float:
        """How many values ``grid()`` gives, computed without building it (inf if absurdly many)."""
        if self.values is not None:
            return len(self.values)
        if self.num is not None:
            return self.num
        if self.step is None:
            return math.inf  # a sampled range: no grid
        q = (self.high - self.low) / self.step
        if not math.isfinite(q) or q > 1e15:
            return math.inf
        n = int(round(q)) + 1
        if self.low + (n - 1) * self.step > self.high + 1e-12:
            n -= 1
        return n

    def grid(self) -> tuple:
        """The values a full factorial takes."""
        if self.values is not None:
            return self.values
        if self.step is not None:
            n = int(round((self.high - self.low) / self.step)) + 1
            vals = [self.low + i * self.step for i in range(n) if self.low + i * self.step <= self.high + 1e-12]
        else:
            n = self.num
            vals = [self.low + (self.high - self.low) * i / (n - 1) for i in range(n)]
        return tuple(int(round(v)) if self.integer else round(float(v), 12) for v in vals)


@dataclass(frozen=True)
class Design:
    method: str = "factorial"
    samples: int | None = None
    second_order: bool = False
    levels: int = 4
    seed: int | None = None  # sampler seed (LHS, Morris, Sobol scrambling); defaults to the root seed
    posterior: str | None = None  # method "posterior": the sample file, resolved (sweep/posterior_design.py)
    sha256: str | None = None  # ... and its checksum
