"""The benchmarks: the model (``python -m experiments.bench``), the sweep runner (``experiments.bench.sweep``),
the county panel (``experiments.bench.panel``) and the calibration (``experiments.bench.calibration``)."""
