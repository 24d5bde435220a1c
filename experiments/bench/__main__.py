"""``python -m experiments.bench``: the model benchmark (``experiments.bench.model``)."""

import sys

from .model import main

if __name__ == "__main__":
    sys.exit(main())
