"""Calibration: fit the uncertain parameters to the published patterns (C1-C13) by ABC-SMC (pyabc).

    from experiments.calibrate import calibrate
    calibrate("experiments/specs/calibration_smoke.toml", out="results/calibration_smoke", workers=2)

or ``python -m experiments calibrate SPEC --out DIR [--workers N] [--scheduler tcp://HOST:PORT]``.

A calibration spec (TOML, checked before any run: ``SpecError`` names the key) lists the parameters
to fit with their priors, the targets to fit (ids of ``experiments/targets.toml``) and those only
to check, each county's size, the activation week, replications per particle, the ABC-SMC schedule
and a root seed. Each particle runs every county its targets need, as long as their windows need,
and computes the targets' statistics (``experiments.calibration.statistics``). The distance is the root mean
square of each fitted target's miss in units of its tolerance, widened by the statistic's seed noise when the
spec measures it (``noise = N`` runs at the prior's centre, ``experiments.calibration.noise``; ``Target.z``).
Targets with role = "check" (identities of one input) are computed and reported, never in the distance.

The results folder holds pyabc's history as SQLite (``history.db``: every generation, readable while
the calibration runs), the manifest and lock of the sweep store, ``posterior.csv`` (the last
generation, natural units, with weights), ``predictive.parquet`` (fresh runs at posterior draws)
and ``calibration.json`` (per-generation bookkeeping). Running the same command again resumes from
the last finished generation.

Seeds: evaluation ``i`` of generation ``t`` seeds numpy's global generator (which pyabc draws
proposals from) and the model runs with the SeedSequence child ``(t + 1, i)`` of the spec's seed,
and a generation keeps the first ``n`` accepted particles in evaluation order, whatever finished
first. So the posterior is the same with 1 or N workers, on processes or Dask (``SeededSampler``).
"""


import math
import os
import sys
import time
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.runner import DaskExecutor, ProcessExecutor, SerialExecutor, run_seed
from ..core.schema import DEFAULT_LIMITS
from ..core.store import (
    Store,
    StoreMismatch,
    git_commit,
    package_versions,
    safe_target,
    write_json,
    write_parquet,
)
from .abc import build_abc, pyabc_module
from .folder import HISTORY, KIND, POSTERIOR, PREDICTIVE, STATE, CalibrationError, check_history, read_state
from .noise import NOISE, noise_of
from .posterior import posterior_sample
from .sampler import make_sampler
from .simulator import EvalTask, Simulator, simulate_point
from .spec import CalibrationSpec, SpecError, hold_out, load_calibration_spec, observed_values


@dataclass
class CalibrationResult:
    out: Path
    generations: int  # finished generations in the history
    ran: int  # generations run this session
    resumed_at: int  # the generation this session started with (1-based); 1 for a new calibration
    stopped: str  # why it stopped
    epsilon: float  # of the last generation
    evaluations: int  # model evaluations this session (kept ones)
    wall_time: float
    executor: str

    def __str__(self):
        if self.ran == 0 and self.resumed_at > self.generations:
            return f"{self.out}: already finished ({self.generations} generation(s), last epsilon {self.epsilon:.4g})"
        start = f"resumed at generation {self.resumed_at}, " if self.resumed_at > 1 else ""
        return (f"{self.out}: {self.generations} generation(s) in the history ({start}{self.ran} run this session, "
                f"{self.evaluations} evaluations); last epsilon {self.epsilon:.4g}; {self.stopped}; executor "
                f"{self.executor}; {self.wall_time:.1f} s")


def _executor(workers, scheduler, max_retries=2):
    if scheduler:
        return DaskExecutor(scheduler)
    if workers >= 2:
        return ProcessExecutor(workers, max_retries)
    return SerialExecutor()


def _check_folder(out: Path, fingerprint: str):
    store = Store(out, parts=())
    existing = store.check_target()
    for name in (HISTORY, STATE, POSTERIOR, PREDICTIVE, NOISE):  # no link or special file where they go
        safe_target(out / name, out)
    if existing is not None:
        if existing.get("kind") != KIND:
            raise StoreMismatch(f"{out} holds a sweep, not a calibration; give another --out folder")
        if existing["fingerprint"] != fingerprint:
            raise StoreMismatch(f"{out} holds calibration {existing.get('name')!r} with a different spec or targets; "
                                "give another --out folder (or delete this one) to start afresh")
    return store


def calibrate(spec, out=None, workers=None, scheduler=None, quiet=False, observed=None,
              max_retries: int = 2, generations: int | None = None, limits=None,
              held_out=()) -> CalibrationResult:
    """Run a calibration, or resume it from its history; then write the posterior and the predictive runs.

    spec: a path or a ``CalibrationSpec``. out: the folder (default ``results/<name>``). workers: local
    processes (default: the cores; 1 runs in this process). scheduler: ``tcp://HOST:PORT`` of a Dask
    cluster. observed: values to fit instead of the published ones (synthetic targets), by target id.
    generations: run up to this many generations instead of the spec's ``abc.generations`` (a finished
    calibration goes on from its last generation). held_out: target ids or families fitted without, computed
    and reported against their prior and posterior predictions (``spec.hold_out``; default folder
    ``results/<name>_without_<ids>``). Everything is checked before the folder is created;
    then it is locked (one driver per folder). limits: the sizes refused (``core.schema.Limits``; default the
    sweep's defaults).
    """
    import logging

    from ..core.execute import stop_on_sigterm
    from ..core.runner import check_scheduler

    t_start = time.perf_counter()
    if not isinstance(spec, CalibrationSpec):
        spec = load_calibration_spec(spec, limits or DEFAULT_LIMITS)
    spec = hold_out(with_generations(spec, generations), list(held_out or ()))
    obs = observed_values(spec, observed)
    fingerprint = spec.fingerprint(observed)
    out = Path(out) if out is not None else Path("results") / spec.name
    workers = (os.cpu_count() or 1) if workers is None else workers
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be a whole number >= 1, got {workers!r}")
    store = _check_folder(out, fingerprint)
    if scheduler:
        check_scheduler(scheduler)
    db = out / HISTORY
    if db.exists():
        check_history(db)
    pyabc = pyabc_module()
    logging.getLogger("ABC").setLevel(logging.WARNING)
    meta = {"kind": KIND, **spec.resolved(observed), "git": git_commit(),
            "packages": {**package_versions(), "pyabc": pyabc.__version__}}
    executor = None
    sampler = None
    with stop_on_sigterm():
        store.open(spec.name, fingerprint, meta, {})
        try:
            if store.lock.stale:
                print(f"{out}: took over the lock left by {store.lock.who(store.lock.stale)}", file=sys.stderr)
            executor = _executor(workers, scheduler, max_retries)
            log = dict(read_state(out).get("generations", {}))

            def progress(t, entry):  # calibration.json follows the calibration generation by generation
                if t >= 0:
                    log[str(t + 1)] = entry
                    write_json(out / STATE, {"finished": False, "stopped": None, "planned": spec.generations,
                                             "generations": log}, out)

            sampler = make_sampler(spec.seed, executor, quiet, spec.generations, progress)
            abc = build_abc(spec, sampler, noise_of(out, spec, executor))
            url = f"sqlite:///{db.resolve()}"
            history = _history_of(abc, url, db, obs, spec.name, fingerprint)
            np.random.seed(spec.seed % 2**32)  # pyabc's driver side draws nothing; pinned in case a version does
            done = history.max_t + 1
            resumed_at = done + 1
            stopped = _stopped(history, spec)
            ran = 0
            if stopped is None:
                if done and not quiet:
                    print(f"{out}: resuming at generation {done + 1} of {spec.generations} ({done} finished)",
                          file=sys.stderr)
                with warnings.catch_warnings():  # pyabc subtracts epsilons, inf - inf after a first generation at inf
                    warnings.filterwarnings("ignore", "invalid value encountered", RuntimeWarning)
                    abc.run(minimum_epsilon=spec.min_epsilon, max_nr_populations=spec.generations - done,
                            min_acceptance_rate=spec.min_acceptance_rate)
                history = pyabc.History(url, _id=history.id)
                ran = history.max_t + 1 - done
                stopped = _stopped(history, spec) or ("stopped: the acceptance rate fell below min_acceptance_rate "
                                                      f"in generation {history.max_t + 2} (not kept)")
            _finish(out, spec, history.max_t + 1, executor, quiet, log, stopped)
        finally:
            if executor is not None:
                executor.close()
            store.close()
    pops = pyabc.History(f"sqlite:///{db.resolve()}").get_all_populations()
    pops = pops[pops.t >= 0]
    evaluations = int(sum(v["evaluations"] for t, v in sampler.log.items() if t >= 0))
    return CalibrationResult(out, int(len(pops)), ran, resumed_at, stopped,
                             float(pops.epsilon.iloc[-1]) if len(pops) else math.nan, evaluations,
                             time.perf_counter() - t_start, executor.name)


def with_generations(spec: CalibrationSpec, generations: int | None) -> CalibrationSpec:
    """The spec with ``generations`` instead of its own (``--generations``), checked; unchanged for None."""
    if generations is None:
        return spec
    if isinstance(generations, bool) or not isinstance(generations, int) or generations < 1:
        raise SpecError(f"--generations must be a whole number >= 1, got {generations!r}")
    if isinstance(spec.epsilon, tuple) and generations > len(spec.epsilon):
        raise SpecError(f"--generations {generations}: abc.epsilon lists {len(spec.epsilon)} thresholds")
    return replace(spec, generations=generations)


def _history_of(abc, url: str, db: Path, observed: dict, name: str, fingerprint: str):
    """pyabc's history of this calibration: the stored one, loaded to go on from, or a new one."""
    if db.exists():
        h = pyabc_module().History(url)
        if h.id is not None or h.all_runs():
            return abc.load(url, abc_id=h.id or h.all_runs()[-1].id)
    return abc.new(url, observed, meta_info={"calibration": name, "fingerprint": fingerprint})


def _finish(out: Path, spec: CalibrationSpec, n_done: int, executor, quiet: bool, log: dict, stopped: str) -> None:
    """After the last generation: the posterior file, the predictive runs (once per generation) and the state."""
    from ..core.store import atomic_write

    log = {k: v for k, v in log.items() if int(k) <= n_done}  # a generation sampled but not stored
    posterior = posterior_sample(out, spec)
    atomic_write(out / POSTERIOR, lambda p: posterior.to_csv(p, index=False, float_format="%.10g"), out)
    if spec.predictive and _predictive_generation(out) != n_done:
        write_parquet(out / PREDICTIVE, run_predictive(spec, posterior, executor, quiet, n_done), out)
    write_json(out / STATE, {"finished": True, "stopped": stopped, "planned": spec.generations, "generations": log},
               out)


def _stopped(history, spec) -> str | None:
    """Why a calibration has nothing left to run (None: it has)."""
    done = history.max_t + 1
    if done >= spec.generations:
        return f"stopped after {done} generations (the spec's limit)"
    if done:
        pops = history.get_all_populations()
        last = float(pops[pops.t >= 0].epsilon.iloc[-1])
        if last <= spec.min_epsilon:
            return f"stopped: epsilon {last:.4g} reached min_epsilon {spec.min_epsilon}"
    return None


def _predictive_generation(out) -> int | None:
    """The generation the predictive runs were drawn from (None: none yet)."""
    path = Path(out) / PREDICTIVE
    if not path.is_file():
        return None
    try:
        g = pd.read_parquet(path, columns=["generation"])["generation"]
        return int(g.iloc[0]) if len(g) else None
    except (OSError, ValueError, KeyError):
        return None


def run_predictive(spec: CalibrationSpec, posterior: pd.DataFrame, executor, quiet=True,
                   generation: int = 0) -> pd.DataFrame:
    """Fresh runs at ``spec.predictive`` draws from the posterior (by weight), each with its own seed:
    the posterior predictive distribution of every target's statistic."""
    from tqdm.auto import tqdm

    names = [p.name for p in spec.priors]
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(2**31,)))
    w = posterior["weight"].to_numpy(dtype=float)
    rows = rng.choice(len(posterior), size=spec.predictive, p=w / w.sum())
    simulator = Simulator.of(spec)
    tasks = []
    for i, row in enumerate(rows):
        params = {n: (int(v) if p.integer else float(v))
                  for n, p, v in zip(names, spec.priors, posterior.iloc[row][names], strict=True)}
        tasks.append(EvalTask(f"predictive-{i}", i, run_seed(spec.seed, 2**31, i), (simulator, params)))
    out = []
    bar = tqdm(total=len(tasks), desc="posterior predictive", unit="run", disable=quiet, dynamic_ncols=True)
    try:
        for res in executor.map(iter(tasks), fn=simulate_point):
            rec = res["record"]
            if rec["status"] != "ok":
                raise CalibrationError(f"posterior predictive run {rec['point_id']} failed: {rec['error']}")
            task = tasks[rec["point_id"]]
            out.append({"generation": generation, "draw": rec["point_id"], "particle": int(rows[rec["point_id"]]),
                        "seed": task.seed, **task.payload[1], **res["stats"]})
            bar.update(1)
    finally:
        bar.close()
    return pd.DataFrame(out).sort_values("draw").reset_index(drop=True)


