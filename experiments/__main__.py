"""The command line: ``python -m experiments run|calibrate|panel|status|report``.

Exit codes: 0 all runs finished; 3 some runs failed (recorded; run again to redo them), or a calibration's
evaluation failed (finished generations are kept); 2 the inputs cannot be used (spec, folder, scheduler,
limits, a full disk), with a one-line message; 130 / 143 interrupted by Ctrl-C / SIGTERM (finished runs
are kept; run again to resume).
"""

import signal
import sys


def _stopped(signum, frame):
    """SIGTERM outside a run (while starting, reading or reporting): said in words, not a silent -15. During
    a run the executor's own handler (``core.execute.stop_on_sigterm``) takes over and keeps finished runs."""
    print(f"interrupted by {signal.Signals(signum).name}: run the same command again (finished runs are kept)",
          file=sys.stderr)
    sys.exit(128 + signum)


def _wants_local_pool(argv) -> bool:
    """Whether this command line runs a local pool of workers: ``run``, ``calibrate`` or ``panel`` without
    ``--scheduler`` and with ``--workers`` other than 1 (default: the cores). Read before the imports below,
    from the words alone; a guess that is wrong costs nothing but a second of one core (the command itself
    starts its pool as before)."""
    import argparse
    import os

    words = argparse.ArgumentParser(add_help=False)
    words.add_argument("command", nargs="?")
    words.add_argument("--workers")
    words.add_argument("--scheduler")
    try:
        args, _ = words.parse_known_args(argv)
        workers = (os.cpu_count() or 1) if args.workers is None else int(args.workers)
    except (SystemExit, ValueError):
        return False
    return args.command in ("run", "calibrate", "panel") and args.scheduler is None and workers >= 2


if __name__ == "__main__":  # the imports below take a second or two: a SIGTERM in them ends in words too
    signal.signal(signal.SIGTERM, _stopped)
    if _wants_local_pool(sys.argv[1:]):  # the pool's forkserver imports the model while this process does
        from .core.runner import start_forkserver

        start_forkserver()

import argparse  # noqa: E402

from .core.runner import SchedulerError  # noqa: E402
from .core.schema import CountyTableError, SpecError  # noqa: E402
from .core.store import StoreError  # noqa: E402
from .sweep.limits import DEFAULT_LIMITS, FLAGS, Limits  # noqa: E402

USAGE_ERRORS = (SpecError, StoreError, SchedulerError, FileNotFoundError, CountyTableError)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        try:
            number = float(text)  # 1e6
        except ValueError:
            number = None
        if number is None or not number.is_integer():
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        value = int(number)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text}")
    return value


def _limit_flags(parser) -> None:
    """The size limits, the same flags for every kind of spec (sweep, calibration, panel)."""
    for what, flag in FLAGS.items():
        parser.add_argument(flag, type=_positive, default=None, dest=f"max_{what}",
                            help=f"refuse specs above this many {what} (default {getattr(DEFAULT_LIMITS, what):,})")


def _limits(args) -> Limits:
    return Limits(**{w: getattr(args, f"max_{w}") or getattr(DEFAULT_LIMITS, w) for w in FLAGS})


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m experiments", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a sweep; run it again on the same folder to resume")
    run.add_argument("spec", help="a TOML sweep spec, e.g. experiments/specs/smoke.toml")
    run.add_argument("--out", help="results folder (default results/<spec name>)")
    run.add_argument("--workers", type=_positive,
                     help="local worker processes (default: the cores); 1 = serial, in this process")
    run.add_argument("--scheduler", help="run on a Dask distributed cluster at tcp://HOST:PORT")
    run.add_argument("--model", action="append", default=[], metavar="NAME=package.module:attribute",
                     help="register a model for this run (imports that code); the spec names it as model = NAME")
    run.add_argument("--retries", type=int, default=2,
                     help="times a run whose worker process died is tried again before it is recorded failed (2)")
    run.add_argument("--quiet", action="store_true", help="no progress bar (CI)")
    _limit_flags(run)
    cal = sub.add_parser("calibrate", help="fit parameters to the calibration targets (ABC-SMC); run it again to "
                                          "resume from the last finished generation")
    cal.add_argument("spec", help="a TOML calibration spec, e.g. experiments/specs/calibration_smoke.toml")
    cal.add_argument("--out", help="results folder (default results/<spec name>)")
    cal.add_argument("--workers", type=_positive,
                     help="local worker processes (default: the cores); 1 = serial, in this process")
    cal.add_argument("--scheduler", help="run on a Dask distributed cluster at tcp://HOST:PORT")
    cal.add_argument("--generations", type=_positive,
                     help="run up to this many generations instead of the spec's (goes on from a finished calibration)")
    cal.add_argument("--retries", type=int, default=2,
                     help="times an evaluation whose worker process died is tried again (2)")
    cal.add_argument("--hold-out", action="append", default=[], metavar="TARGET", dest="held_out",
                     help="fit without this target or family (C13, C11c) and report how the posterior predicts it "
                          "(repeatable; default folder results/<name>_without_<targets>)")
    cal.add_argument("--quiet", action="store_true", help="no progress bars (CI)")
    _limit_flags(cal)
    panel = sub.add_parser("panel", help="run a county panel (docs/panel.md); run it again to resume")
    panel.add_argument("spec", help="a TOML panel spec, e.g. experiments/specs/panel_smoke.toml")
    panel.add_argument("--out", help="results folder (default results/<spec name>)")
    panel.add_argument("--workers", type=_positive,
                       help="local worker processes (default: the cores); 1 = serial, in this process")
    panel.add_argument("--scheduler", help="run on a Dask distributed cluster at tcp://HOST:PORT")
    panel.add_argument("--quiet", action="store_true", help="no progress bar (CI)")
    _limit_flags(panel)
    status = sub.add_parser("status", help="show a sweep's, a calibration's or a panel's progress")
    status.add_argument("dir")
    report = sub.add_parser("report", help="analyze a sweep, a calibration or a panel; write figures and report.md "
                                           "(imports no code)")
    report.add_argument("dir")
    report.add_argument("--quiet", action="store_true")
    return parser


def _run(args) -> int:
    from .sweep import run_sweep
    from .sweep.registry import register_from_flag

    for text in args.model:
        try:
            register_from_flag(text)
        except ValueError as e:
            raise SpecError(str(e)) from None
    limits = _limits(args)
    if args.retries < 0:
        raise SpecError(f"--retries must be >= 0, got {args.retries}")
    result = run_sweep(args.spec, out=args.out, workers=args.workers, scheduler=args.scheduler, quiet=args.quiet,
                       limits=limits, max_retries=args.retries)
    print(result)
    return 0 if result.failed == 0 else 3


def _calibrate(args) -> int:
    from .calibration import calibrate

    if args.retries < 0:
        raise SpecError(f"--retries must be >= 0, got {args.retries}")
    print(calibrate(args.spec, out=args.out, workers=args.workers, scheduler=args.scheduler, quiet=args.quiet,
                    max_retries=args.retries, generations=args.generations, limits=_limits(args),
                    held_out=args.held_out))
    return 0


def _status(out) -> str:
    """``status``'s text for a sweep, a calibration or a panel (the folder's manifest says which)."""
    from .core.store import folder_kind

    kind = folder_kind(out)
    if kind == "panel":
        from .panel import format_panel_status, panel_status

        return format_panel_status(panel_status(out))
    if kind == "calibration":
        from .calibration import calibration_status, format_calibration_status

        return format_calibration_status(calibration_status(out))
    from .sweep import format_status, sweep_status

    return format_status(sweep_status(out))


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    from .calibration import CalibrationError
    from .core.execute import Interrupted

    try:
        if args.command == "run":
            return _run(args)
        if args.command == "calibrate":
            return _calibrate(args)
        if args.command == "panel":
            from .panel import run_panel

            result = run_panel(args.spec, out=args.out, workers=args.workers, scheduler=args.scheduler,
                               quiet=args.quiet, limits=_limits(args))
            print(result)
            return 0 if result.failed == 0 else 3
        if args.command == "status":
            print(_status(args.dir))
            return 0
        from .reports import build_report

        print(f"report: {build_report(args.dir, quiet=args.quiet)}")
        return 0
    except USAGE_ERRORS as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except CalibrationError as e:
        print(f"error: {e}", file=sys.stderr)
        return 3
    except OSError as e:  # a full disk, a folder that cannot be written
        where = f": {e.filename}" if e.filename else ""
        print(f"error: {e.strerror or e}{where}", file=sys.stderr)
        return 2
    except Interrupted as e:
        print(f"{e}: finished runs are kept; run the same command again to resume", file=sys.stderr)
        return 128 + e.signum
    except KeyboardInterrupt:
        print("interrupted: finished runs are kept; run the same command again to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
