"""The county before week 0, and safe copies of a model's state.

**The spin-up.** A county does not start with nobody afraid and nobody knowing anyone detained: it
starts where the world before the program has brought it. The model runs ``spin_up_weeks`` weeks
up to week 0, unrecorded (weeks ``1 - spin_up_weeks`` to ``0``): ICE's own operations under the regime in
force before week 0, removals and returns, the news of them, fear and what people know. Before the
program, crime leaves no trace in the county's state but records and the jail's occupancy: records of
the years before are drawn at build, and only the last ``SPIN_UP_CRIME_WEEKS`` (26) weeks run crime,
arrests and the jail, which brings the jail to its own rest. The federal program cannot act then
(it acts from week ``max(activation_week, 1)``), nor can any parameter marked ``program`` in the parameter
table. Then every count starts again at week 0; who is where, what people fear and know, records and
who is abroad stay as the spin-up left them.

**Shared between runs.** Runs of one integer seed whose parameters differ only in the program's
levers (the presets, a detainer policy, ICE's pickup rate...) have the same spin-up. The first one
keeps a safe copy of its state at week 0 (``snapshot``: plain data, no live objects) and the others
``restore`` it instead of running the same weeks again, with identical results (tested). The copies
are kept in this process, the most recently used first, within ``CACHE_BYTES``.

**Snapshots.** ``snapshot(model)`` is every piece of the model's changing state as plain data (numpy
arrays, numbers, lists and dicts): the county's arrays, the random generators, the jail's and ICE's
queues, fear and what residents know, the households' and officers' counts, the event log and the
recorded weeks. ``restore(model, snap)`` puts it into a model built with the same seed and the same
parameters, as far as they can have acted by the snapshot's week, which then runs as the original would.

**The snapshot as an object.** A snapshot is a dict of plain data (no live object: no agent, no Mesa
model, no generator), with these keys: ``format`` (``SNAPSHOT_FORMAT``), ``county`` (a digest of what
the build made from the seed and never changes: who lives where, the households, the ties; a snapshot is
refused by a county built from another seed), ``params`` (the parameters, as plain values), ``steps``
and ``time`` (Mesa's clock), ``arrays`` (``MODEL_ARRAYS``), the generators' states (``rng``,
``random``; the fear process's own in ``fear``), the queues and counts of the agents (``jail``,
``ice``, ``court``, ``households``, ``officers``, ``events``, ``foster_households``,
``reentry_schedule``), the counts (``flows``, ``totals``, ``cohort``) and the recorded weeks
(``recorded``). ``to_bytes`` / ``from_bytes`` carry it across a process boundary or to a file
(a versioned pickle of that plain data: read only files you wrote).
"""

import hashlib
import pickle
from collections import OrderedDict
from contextlib import contextmanager

import numpy as np

from . import crime
from .constraints import Timeline
from .parameters import PARAMETERS, make_params
from .population import simulated_record_weeks
from .reporters import FLOWS
from .threads import single_threaded

CACHE_BYTES = 512 * 2**20  # keep at most this much of spun-up counties in a process
_CACHE: OrderedDict = OrderedDict()  # key -> (snapshot, its size in bytes), the most recently used last
_CACHED_BYTES = [0]  # the sizes of what _CACHE holds, summed as entries come and go

MODEL_ARRAYS = ("status", "custody", "record", "record_week", "in_ident", "last_ice_week", "in_foster_care",
                "ever_fostered", "ever_separated_child", "ever_wrongly_held", "removed_in_run", "departed",
                "case_due_week", "charge_state", "age", "propensity", "victim_weight")
REPLACED = ("propensity", "victim_weight")  # arrays the model replaces at birthdays (not shared views)
RUN_FLAGS = ("ever_fostered", "ever_separated_child", "ever_wrongly_held", "removed_in_run")
SNAPSHOT_FORMAT = 1  # raised whenever the snapshot's content changes; an older snapshot is refused
BUILT_ARRAYS = ("hispanic", "female", "adult", "household_of", "neighborhood", "base_propensity")
_MAGIC = b"SCSNAP"


def county_digest(model) -> str:
    """A digest of what the build drew from the seed and no week changes (who lives where, households,
    ties): two models with the same digest were built from the same seed and size."""
    digest = getattr(model, "_county_digest", None)
    if digest is None:
        h = hashlib.blake2b(digest_size=16)
        for name in BUILT_ARRAYS:
            h.update(np.ascontiguousarray(getattr(model, name)).tobytes())
        weights = model.ties.weights
        for part in (weights.indptr, weights.indices):
            h.update(np.ascontiguousarray(part).tobytes())
        digest = model._county_digest = h.hexdigest()
    return digest


def to_bytes(snap: dict) -> bytes:
    """A snapshot as bytes (to send to another process or keep in a file)."""
    return _MAGIC + pickle.dumps(snap, protocol=pickle.HIGHEST_PROTOCOL)


def from_bytes(data: bytes) -> dict:
    """The snapshot ``to_bytes`` wrote (ValueError for anything else). Unpickles: read only what you wrote."""
    if not isinstance(data, (bytes, bytearray, memoryview)) or bytes(data[:len(_MAGIC)]) != _MAGIC:
        raise ValueError("not a model snapshot (written by model.spin_up.to_bytes)")
    snap = pickle.loads(bytes(data[len(_MAGIC):]))
    if not isinstance(snap, dict) or snap.get("format") != SNAPSHOT_FORMAT:
        raise ValueError(f"a snapshot of format {snap.get('format') if isinstance(snap, dict) else None!r}; "
                         f"this model reads format {SNAPSHOT_FORMAT}")
    return snap


def acted_by(params, week: int) -> tuple:
    """Every parameter value that can have acted on a county by the end of ``week`` (the spin-up's weeks
    are 0 and before): for a schedule, the steps in force by then; the program's parameters (``program``)
    only once the program has reached the county. Two counties built from one seed with the same
    ``acted_by`` are the same county up to that week."""
    program_on = params.sharing_active and week >= max(params.activation_week, 1)
    items = []
    for p in PARAMETERS:
        if p.program and not program_on:
            continue
        value = getattr(params, p.name)
        if isinstance(value, Timeline):
            value = tuple(step for step in value.steps if step[0] <= max(week, 0))
        items.append((p.name, value))
    return tuple(items)


def common_weeks(params, other, last: int) -> int:
    """The last week, up to ``last``, by the end of which everything that can have acted on a county is the
    same under ``params`` and ``other`` (``acted_by``); -1 if it differs before week 1 (in the spin-up). Two
    runs of one seed are the same up to that week, so the second can start from the first's snapshot there.
    Once something differs it has acted and goes on differing, so the week is found by bisection."""
    if acted_by(params, 0) != acted_by(other, 0):
        return -1
    lo, hi = 0, last  # the same by week lo; the answer is in [lo, hi]
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if acted_by(params, mid) == acted_by(other, mid):
            lo = mid
        else:
            hi = mid - 1
    return lo


def spin_up_key(params, seed) -> tuple | None:
    """What a spin-up depends on: the integer seed and every parameter that can act before week 0.
    None when the seed is not a plain integer (a generator, or None: then nothing is shared)."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        return None
    return int(seed), acted_by(params, 0)


def spin_up(model, seed) -> None:
    """Bring a freshly built model to week 0 (see the module's docstring)."""
    spin_up_together([(model, seed)])


def spin_up_together(models) -> None:
    """``spin_up`` for freshly built (model, seed) pairs, each with the weeks it has alone. Those with the
    same number of spin-up weeks run them week by week together, their fear updated as one
    (``model.fear.JointFear``, where they share its parameters): a batch of small counties pays the fixed
    cost of a week once per week, not once per county. A pair whose spin-up is kept (``_CACHE``), or the
    same as an earlier pair's, restores it instead."""
    from .fear import JointFear

    run, later = {}, []  # key (or the model, without one) -> model to spin up; (model, key) to restore after
    for model, seed in models:
        if model.params.spin_up_weeks == 0:
            continue
        key = spin_up_key(model.params, seed)
        if key is not None and model.fear_process.channels is None:  # a snapshot without the channels' stocks
            key = (*key, "no channels")
        cached = _CACHE.get(key) if key is not None else None
        if cached is not None:
            _CACHE.move_to_end(key)
            restore(model, cached[0])
        elif key is not None and key in run:
            later.append((model, key))
        else:
            run[key if key is not None else id(model)] = model
    by_length = {}
    for key, model in run.items():
        by_length.setdefault(model.params.spin_up_weeks, []).append((key, model))
    for weeks, group in by_length.items():
        processes = [m.fear_process for _, m in group]
        joint = JointFear(processes) if len(group) > 1 and JointFear.can_join(processes) else None
        try:
            _run_spin_up([m for _, m in group], weeks, joint)
        finally:
            if joint is not None:
                joint.detach()
        for key, model in group:
            start_counting(model)
            if not isinstance(key, int):
                _remember(key, snapshot(model))
    for model, key in later:
        restore(model, _CACHE[key][0] if key in _CACHE else snapshot(run[key]))


def _run_spin_up(models, weeks: int, joint) -> None:
    """Weeks ``1 - weeks`` .. 0 of each model, unrecorded, the models one after another within each week."""
    crime_from = [1 - simulated_record_weeks(m.params) for m in models]
    for m in models:
        m.recording = False
    try:
        with single_threaded():  # as in model.step (model/threads.py)
            for week in range(1 - weeks, 1):  # the first recorded week is 1
                for m, first in zip(models, crime_from, strict=True):
                    m._spin_week = week
                    if week >= first:  # victims' reporting as fear stands now (model.step does it in _collect)
                        m.report_prob = crime.reporting_probability(m)
                    m.advance(crime_and_jail=week >= first)
                if joint is not None:
                    joint.update()
    finally:
        for m in models:
            m._spin_week = None
            m.recording = True


def start_counting(model) -> None:
    """Every count starts again (week 0 after the spin-up); the county's state stays."""
    model.flows = dict.fromkeys(FLOWS, 0)
    model.totals = dict.fromkeys(FLOWS, 0)
    for name in RUN_FLAGS:
        getattr(model, name)[:] = False
    for household in model.households.made():
        household.reset_counts()
    for officer in model.officers:
        officer.set_state(dict.fromkeys(officer.COUNTS, 0))
    model.events.set_state({"rows": [], "counts": {}})


def _size(snap) -> int:
    total = 0
    stack = [snap]
    while stack:
        item = stack.pop()
        if isinstance(item, np.ndarray):
            total += item.nbytes
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            total += 8 * len(item)
            stack.extend(x for x in item if isinstance(x, (np.ndarray, dict, list, tuple)))
    return total


def _remember(key, snap) -> None:
    """Keep a snapshot, then forget the least recently used ones beyond ``CACHE_BYTES``. Each entry's size
    is measured once, when it comes in (a calibration brings a new county with every particle: summing
    the sizes of all of them at every insertion made a long calibration slower and slower)."""
    size = _size(snap)
    if size > CACHE_BYTES:
        return
    if key in _CACHE:
        _CACHED_BYTES[0] -= _CACHE.pop(key)[1]
    _CACHE[key] = (snap, size)
    _CACHED_BYTES[0] += size
    while _CACHED_BYTES[0] > CACHE_BYTES:
        _CACHED_BYTES[0] -= _CACHE.popitem(last=False)[1][1]


def clear_cache() -> None:
    """Forget the spun-up and the built counties kept in this process."""
    _CACHE.clear()
    _CACHED_BYTES[0] = 0
    forget_built()


# --- the county as built (who lives where, the households, the ties, the foci), shared between runs ---
# A twin is the county of its treated run, built again from the same seed: it draws the same people, households,
# ties and foci, then restores the treated run's spin-up and snapshot. Within ``keeping_built`` (a panel's county
# and its twins), the second build reads them from here: the static ones shared (never written after the build;
# read-only arrays), the ones a run changes as copies of their values at build, and the generator where the first
# build left it, so the rest of the build draws the same. Elsewhere (a sweep, the page) nothing is kept.
BUILT_BYTES = 256 * 2**20  # keep at most this much of built counties in a process, and always the latest one
_BUILT: OrderedDict = OrderedDict()  # key -> (county, ties, foci, generator state, size), the most recent last
_BUILT_BYTES = [0]
_KEEPING = [0]  # how many ``keeping_built`` blocks are open


@contextmanager
def keeping_built():
    """Within the block, each county built from an integer seed is kept for a later build of the same county
    (its twins); they are forgotten when the outermost block ends."""
    _KEEPING[0] += 1
    try:
        yield
    finally:
        _KEEPING[0] -= 1
        if _KEEPING[0] == 0:
            forget_built()
CHANGING = ("status", "propensity", "in_ident", "record", "record_week", "age")  # the County fields a run writes


def built(key):
    """(county, ties, foci, generator state) of a county built with ``key`` (``spin_up_key``), or None."""
    entry = _BUILT.get(key) if key is not None else None
    if entry is None:
        return None
    _BUILT.move_to_end(key)
    county, ties, foci, state, _size = entry
    fresh = {name: getattr(county, name).copy() for name in CHANGING}  # this run's own, from their values at build
    return type(county)(**{**vars(county), **fresh}), ties, foci, state


def remember_built(key, county, ties, foci, state) -> None:
    """Keep what a build drew for ``key``: the county's static arrays, ties and foci shared (made read-only:
    nothing may write them), its changing arrays copied now. Only within ``keeping_built``."""
    if key is None or not _KEEPING[0]:
        return
    kept = type(county)(**{**vars(county), **{name: getattr(county, name).copy() for name in CHANGING}})
    for name, value in vars(county).items():
        if name not in CHANGING and isinstance(value, np.ndarray):
            value.flags.writeable = False
    size = _size({"county": dict(vars(kept))}) + _size_sparse(ties) + _size_sparse(foci)
    if key in _BUILT:
        _BUILT_BYTES[0] -= _BUILT.pop(key)[-1]
    _BUILT[key] = (kept, ties, foci, state, size)
    _BUILT_BYTES[0] += size
    while _BUILT_BYTES[0] > BUILT_BYTES and len(_BUILT) > 1:  # the latest is kept whatever its size
        _BUILT_BYTES[0] -= _BUILT.popitem(last=False)[1][-1]


def forget_built() -> None:
    """Forget the built counties kept in this process (a panel task's counties are built in no other task)."""
    _BUILT.clear()
    _BUILT_BYTES[0] = 0


def _size_sparse(obj) -> int:
    """Bytes of the arrays and sparse matrices an object holds as attributes."""
    total = 0
    for value in vars(obj).values():
        if isinstance(value, np.ndarray):
            total += value.nbytes
        elif hasattr(value, "indptr"):
            total += value.data.nbytes + value.indices.nbytes + value.indptr.nbytes
    return total


def snapshot(model) -> dict:
    """Every piece of the model's changing state, as plain data (a safe copy: nothing in it is shared
    with the model, and the model's later weeks leave it unchanged)."""
    recorded = getattr(model.datacollector, "model_vars", {})
    return {
        "format": SNAPSHOT_FORMAT, "county": county_digest(model),
        "params": model.params.as_dict(),
        "steps": int(model.steps), "time": float(model.time),
        "arrays": {name: getattr(model, name).copy() for name in MODEL_ARRAYS},
        "foster_households": sorted(int(h) for h in model.foster_households),
        "reentry_schedule": {int(w): [int(r) for r in v] for w, v in model.reentry_schedule.items()},
        "rng": model.rng.bit_generator.state, "random": model.random.getstate(),
        "flows": dict(model.flows), "totals": dict(model.totals),
        "cohort": None if model.cohort is None else model.cohort.copy(),
        "recorded": {name: list(values) for name, values in recorded.items()},
        "events": model.events.state(),
        "households": {int(h.index): h.state() for h in model.households.made()},
        "officers": [o.state() for o in model.officers],
        "jail": model.jail.state(), "ice": model.ice.state(), "court": model.court.state(),
        "fear": model.fear_process.state(),
    }


def restore(model, snap: dict) -> None:
    """Put a snapshot into ``model``, built with the same seed and the same parameters as far as they can
    have acted by the snapshot's week (``acted_by``; ValueError otherwise). The model then runs on as the
    one the snapshot was taken from."""
    if not isinstance(snap, dict) or snap.get("format") != SNAPSHOT_FORMAT:
        raise ValueError(f"not a snapshot of format {SNAPSHOT_FORMAT} (model.spin_up.snapshot)")
    if snap["county"] != county_digest(model):
        raise ValueError("the snapshot was taken from another county (another seed, size or composition): "
                         "restore it into a model built with the same seed and the same parameters")
    week = snap["steps"]
    theirs = dict(acted_by(make_params(snap["params"]), week))
    ours = dict(acted_by(model.params, week))
    differ = sorted(name for name in set(theirs) | set(ours) if theirs.get(name) != ours.get(name))
    if differ:
        raise ValueError(f"the snapshot was taken from a county whose parameters differ in what has acted by "
                         f"week {max(week, 0)}: {differ}")
    for name, values in snap["arrays"].items():
        if name in REPLACED:
            setattr(model, name, values.copy())
        else:
            getattr(model, name)[...] = values  # in place: other parts hold views of these
    model.foster_households = set(snap["foster_households"])
    model.reentry_schedule = {w: list(v) for w, v in snap["reentry_schedule"].items()}
    model.rng.bit_generator.state = snap["rng"]
    model.random.setstate(snap["random"])
    model.flows, model.totals = dict(snap["flows"]), dict(snap["totals"])
    model.cohort = None if snap["cohort"] is None else snap["cohort"].copy()
    model.events.set_state(snap["events"])
    for h, state in snap["households"].items():
        model.households[h].set_state(state)
    for officer, state in zip(model.officers, snap["officers"], strict=True):
        officer.set_state(state)
    model.jail.set_state(snap["jail"])
    model.ice.set_state(snap["ice"])
    model.court.set_state(snap["court"])
    model.fear_process.set_state(snap["fear"])
    model.report_prob = crime.reporting_probability(model)
    if snap["steps"]:
        model.restart_clock(snap["steps"], snap["time"], snap["recorded"])
