"""How big a sweep may be: its points, runs, steps and stored rows, computed from the spec alone (before
the design is built or SALib is called) and held against ``Limits`` (``--max-points`` and friends). The
limits are the spec engine's (``core.schema``): calibrations and panels are held against the same ones."""

import math

from ..core.schema import DEFAULT_LIMITS, FLAGS, UNLIMITED, Limits, fail, over
from .factors import Design

__all__ = ["DEFAULT_LIMITS", "FLAGS", "UNLIMITED", "Limits", "over", "rows_per_run", "design_points", "check_size"]


def rows_per_run(steps: int, collect_every: int) -> int:
    """Collected rows a run keeps: weeks 0, k, 2k, ... and the last week."""
    return steps // collect_every + 1 + (1 if steps % collect_every else 0)


def design_points(factors, design: Design) -> tuple:
    """How many points the design has, computed without building it; and the key that sets it."""
    lists = [f for f in factors if not f.is_range or design.method == "factorial"]
    combos = math.prod(f.size() for f in lists) if lists else 1
    if design.method == "factorial":
        return combos, "parameters"
    d = sum(1 for f in factors if f.is_range)
    per_sample = {"lhs": 1, "sobol": (2 * d + 2) if design.second_order else (d + 2), "morris": d + 1,
                  "posterior": 1}
    return design.samples * per_sample[design.method] * combos, "design.samples"


def check_size(factors, design, replications, steps, collect_every, limits, where) -> int:
    """The design's points, or a ``SpecError`` naming the key that makes it too big."""
    points, key = design_points(factors, design)
    problem = over("points", points, limits)
    if problem:
        sizes = ", ".join(f"{f.name}: {f.size():,}" for f in factors
                          if not f.is_range or design.method == "factorial")
        shown = "an unbounded number of" if math.isinf(points) else f"{points:,}"
        fail(key, f"the {design.method} design has {shown} points ({sizes or 'no lists'}), {problem}", where)
    runs = points * replications
    problem = over("runs", runs, limits)
    if problem:
        fail("replications", f"{points:,} points x {replications:,} replications = {runs:,} runs, {problem}", where)
    rows = runs * rows_per_run(steps, collect_every)
    problem = over("rows", rows, limits)
    if problem:
        fail("steps", f"{runs:,} runs x {rows_per_run(steps, collect_every):,} collected weeks = {rows:,} rows "
             f"to store, {problem}; or keep fewer weeks (collect_every)", where)
    return int(points)
