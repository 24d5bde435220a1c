"""Calibrated defaults: a finished calibration's posterior medians written as data (``model/calibrated.toml``),
and the command line ``python -m experiments.calibrate apply-defaults|medians``."""

import argparse
import json
import sys
import tomllib
from pathlib import Path

from ..core.store import StoreError
from .folder import CalibrationError, priors_of, read_manifest, read_state
from .posterior import posterior_sample, weighted_quantile


def posterior_medians(out) -> dict:
    """The weighted posterior median of each fitted parameter (integers rounded)."""
    priors = priors_of(read_manifest(out))
    post = posterior_sample(out)
    return {p.name: (int(round(weighted_quantile(post[p.name], post["weight"], 0.5))) if p.integer else
                     float(f"{weighted_quantile(post[p.name], post['weight'], 0.5):.4g}")) for p in priors}


def write_posterior_file(out, dest) -> Path:
    """The last generation as a small CSV (parameters in natural units, ``weight``), for ``design = "posterior"``."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    post = posterior_sample(out)
    post.to_csv(dest, index=False, float_format="%.6g")
    return dest


def calibrated_toml(entries: dict, spec_path: str) -> str:
    """The text of ``model/calibrated.toml`` for {name: {value, targets, interval, prior}}."""
    lines = ["# Calibrated defaults: the weighted posterior medians of a finished calibration, one table per fitted",
             "# parameter. Written by `python -m experiments.calibrate apply-defaults RESULTS` (never by hand, but",
             "# to undo one: delete its table and the default declared in model/parameters.py returns).",
             "# model/parameters.py reads this file at import; docs/ODD.md shows the result (`make docs`).", "",
             f"spec = {json.dumps(spec_path)}", ""]
    for name in sorted(entries):
        e = entries[name]
        lines += [f"[parameters.{name}]", f"value = {e['value']!r}",
                  "targets = [" + ", ".join(json.dumps(t) for t in e["targets"]) + "]",
                  f"interval = [{e['interval'][0]:.3g}, {e['interval'][1]:.3g}]",
                  f"prior = {json.dumps(e['prior'])}", ""]
    return "\n".join(lines).rstrip() + "\n"


def apply_calibrated_defaults(out, calibrated_file="model/calibrated.toml",
                              posterior_file="experiments/posteriors/calibration.csv",
                              spec_path="experiments/specs/calibration.toml") -> dict:
    """Make the posterior medians of a finished calibration the model's defaults.

    Writes ``calibrated_file`` (data: each fitted parameter's median, the targets it was fitted to, its
    90% interval and its prior), which ``model/parameters.py`` reads at import, and the posterior sample
    to ``posterior_file``. No Python source is edited. Returns {name: (old default, new default)}.
    Regenerate the ODD table afterwards (``make docs``).
    """
    from model.parameters import PARAMETER_TABLE

    manifest = read_manifest(out)
    if not read_state(Path(out)).get("finished"):
        raise CalibrationError(f"{out}: the calibration has not finished; run it to the end first")
    priors = {p.name: p for p in priors_of(manifest)}
    medians = posterior_medians(out)
    post = posterior_sample(out)
    fitted_targets = manifest["fitted"]
    entries, changes = {}, {}
    for name, new in medians.items():
        p = priors[name]
        lo = weighted_quantile(post[name], post["weight"], 0.05)
        hi = weighted_quantile(post[name], post["weight"], 0.95)
        entries[name] = {"value": new, "targets": list(p.targets or fitted_targets), "interval": (lo, hi),
                         "prior": f"{p.kind} {p.low:g}-{p.high:g}"}
        changes[name] = (PARAMETER_TABLE[name].default, new)
    path = Path(calibrated_file)
    text = calibrated_toml(entries, spec_path)
    tomllib.loads(text)  # still TOML
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    write_posterior_file(out, posterior_file)
    return changes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments.calibrate",
                                     description="Calibration utilities (run a calibration with "
                                                 "`python -m experiments calibrate SPEC`).")
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("apply-defaults", help="make a finished calibration's posterior medians the model's defaults")
    d.add_argument("dir")
    d.add_argument("--calibrated", default="model/calibrated.toml", help="the data file the parameter table reads")
    d.add_argument("--posterior", default="experiments/posteriors/calibration.csv")
    d.add_argument("--spec", default="experiments/specs/calibration.toml", help="the spec the table cites")
    m = sub.add_parser("medians", help="print the posterior medians")
    m.add_argument("dir")
    args = parser.parse_args(argv)
    try:
        if args.command == "medians":
            print(json.dumps(posterior_medians(args.dir), indent=2))
            return 0
        changes = apply_calibrated_defaults(args.dir, args.calibrated, args.posterior, args.spec)
    except (CalibrationError, StoreError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for name, (old, new) in changes.items():
        print(f"{name}: {old!r} -> {new!r}")
    print(f"wrote {args.calibrated} and {args.posterior}; now run `make docs` to regenerate the ODD table")
    return 0


if __name__ == "__main__":
    sys.exit(main())
