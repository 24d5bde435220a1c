"""``python -m experiments.calibrate apply-defaults|medians``, and the calibration's Python API under the name
the docs use (``from experiments.calibrate import calibrate, posterior_sample, ...``). The code lives in
``experiments.calibration``; run a calibration with ``python -m experiments calibrate SPEC``."""

import sys

from .calibration import *  # noqa: F403 - this module is the package's public face under its older name
from .calibration import __all__  # noqa: F401
from .calibration.defaults import main

if __name__ == "__main__":
    sys.exit(main())
