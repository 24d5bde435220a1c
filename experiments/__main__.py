"""The command line: ``python -m experiments run|status|report``."""

import argparse
import sys

from .counties import CountyTableError
from .spec import SpecError
from .store import StoreMismatch


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m experiments", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a sweep; run it again on the same folder to resume")
    run.add_argument("spec", help="a TOML sweep spec, e.g. experiments/specs/smoke.toml")
    run.add_argument("--out", help="results folder (default results/<spec name>)")
    run.add_argument("--workers", type=int, help="local worker processes (default: the cores; 1 = serial)")
    run.add_argument("--scheduler", help="run on a Dask distributed cluster at tcp://HOST:PORT")
    run.add_argument("--quiet", action="store_true", help="no progress bar (CI)")
    panel = sub.add_parser("panel", help="run a county panel (docs/panel.md); run it again to resume")
    panel.add_argument("spec", help="a TOML panel spec, e.g. experiments/specs/panel_smoke.toml")
    panel.add_argument("--out", help="results folder (default results/<spec name>)")
    panel.add_argument("--workers", type=int, help="local worker processes (default: the cores; 1 = serial)")
    panel.add_argument("--scheduler", help="run on a Dask distributed cluster at tcp://HOST:PORT")
    panel.add_argument("--quiet", action="store_true", help="no progress bar (CI)")
    status = sub.add_parser("status", help="show a sweep's or a panel's progress")
    status.add_argument("dir")
    report = sub.add_parser("report", help="analyze a sweep or a panel; write figures and report.md")
    report.add_argument("dir")
    report.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    try:
        if args.command == "run":
            from .sweep import run_sweep

            result = run_sweep(args.spec, out=args.out, workers=args.workers, scheduler=args.scheduler,
                               quiet=args.quiet)
            print(result)
            return 0 if result.failed == 0 else 3
        if args.command == "panel":
            from .panel import run_panel

            result = run_panel(args.spec, out=args.out, workers=args.workers, scheduler=args.scheduler,
                               quiet=args.quiet)
            print(result)
            return 0 if result.failed == 0 else 3
        from .panel import is_panel

        if is_panel(args.dir):
            from .panel import format_panel_status, panel_status
            from .panel_report import build_panel_report

            if args.command == "status":
                print(format_panel_status(panel_status(args.dir)))
            else:
                print(f"report: {build_panel_report(args.dir, quiet=args.quiet)}")
            return 0
        if args.command == "status":
            from .sweep import format_status, sweep_status

            print(format_status(sweep_status(args.dir)))
            return 0
        from .report import build_report

        path = build_report(args.dir, quiet=args.quiet)
        print(f"report: {path}")
        return 0
    except (SpecError, StoreMismatch, FileNotFoundError, CountyTableError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
