"""The seed noise of each fitted statistic, measured once at the prior's centre: ``spec.noise`` runs with the
same parameters and their own seeds; the standard deviation of each target's statistic over them. The distance
divides each miss by sqrt(tolerance^2 + noise^2) (``Target.z``), so a statistic that one run measures
poorly weighs less, and a statistic that is mostly noise cannot drive the fit. Stored in the results folder
(``noise.json``) so a resumed calibration uses the same figures."""

import json
from pathlib import Path

import numpy as np

from ..core.runner import run_seed
from ..core.store import write_json
from .simulator import EvalTask, Simulator, simulate_point

NOISE = "noise.json"
NOISE_STREAM = 2**30  # the seed stream of the noise runs (evaluations use generation + 1, predictive runs 2**31)


def centre(spec) -> dict:
    """The fitted parameters at their prior's centre (geometric for a log-uniform prior)."""
    return {p.name: p.centre for p in spec.priors}


def measure_noise(spec, executor) -> dict:
    """{"params": the centre, "runs": [{target id: value}], "sd": {fitted target id: sd}}; sd over the runs that
    measured it (NaN when fewer than two did)."""
    simulator = Simulator.of(spec)
    params = centre(spec)
    tasks = [EvalTask(f"noise-{i}", i, run_seed(spec.seed, NOISE_STREAM, i), (simulator, params))
             for i in range(spec.noise)]
    runs = [None] * len(tasks)
    for res in executor.map(iter(tasks), fn=simulate_point):
        rec = res["record"]
        if rec["status"] != "ok":
            from .folder import CalibrationError

            raise CalibrationError(f"noise run {rec['point_id']} at the prior's centre failed: {rec['error']}")
        runs[rec["point_id"]] = res["stats"]
    return {"params": params, "runs": runs, "sd": noise_sd(runs, spec.targets)}


def noise_sd(runs, targets) -> dict:
    """Each target's standard deviation over runs (ddof 1, finite values only; NaN with fewer than two)."""
    out = {}
    for t in targets:
        v = np.array([r.get(t.id, np.nan) for r in runs], dtype=float)
        v = v[np.isfinite(v)]
        out[t.id] = float(np.std(v, ddof=1)) if len(v) >= 2 else float("nan")
    return out


def noise_of(out: Path, spec, executor) -> dict:
    """The folder's noise figures ({target id: sd}, finite ones only), measured and stored on first use; {} when
    the spec measures none."""
    if not spec.noise:
        return {}
    path = Path(out) / NOISE
    if path.is_file():
        stored = json.loads(path.read_text())
    else:
        stored = measure_noise(spec, executor)
        write_json(path, stored, out)
    return {k: v for k, v in stored["sd"].items() if v == v}
