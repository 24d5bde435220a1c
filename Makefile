# Two commands for a new user: `make run` and `make test`. Both create .venv first.
# .python-version pins 3.12 for pyenv; otherwise any python3.12+ on PATH is used.
PY ?= $(shell command -v python3.12 || command -v python3)
VENV := .venv
PYTHON := $(VENV)/bin/python
# set up again when the dependencies, the project's build or its compiled loops (model/_kernels.c) change
STAMP := $(VENV)/.installed-$(shell cat requirements.txt pyproject.toml model/_kernels.c | md5sum | cut -c1-12)

.PHONY: setup run test bench bench-sweep bench-panel viz lint clean docs

$(STAMP): requirements.txt pyproject.toml model/_kernels.c
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Python 3.12+ is needed (found " + sys.version.split()[0] + "); install it or set PY=/path/to/python3.12")'
	$(PY) -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -r requirements.txt
	$(PYTHON) -m pip install --quiet --no-deps -e .  # the project itself (import model from any folder) and its C loops
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

setup: $(STAMP)

run: setup  ## the presets side by side (results/policy_comparison/), their effects propagated (results/propagation/)
	$(PYTHON) -m experiments run experiments/specs/propagation.toml --out results/propagation
	$(PYTHON) -m experiments run experiments/specs/policy_comparison.toml --out results/policy_comparison
	$(PYTHON) -m experiments report results/policy_comparison

test: setup  ## the whole suite on every core (a test file per worker), browser tests included where Chromium is installed
	$(PYTHON) -m pytest -n auto --dist loadfile

bench: setup  ## build time, resident-steps per second and peak memory
	$(PYTHON) -m experiments.bench

.PHONY: bench-viz

bench-sweep: setup  ## sweep runner: overhead per run, 2-worker throughput, memory over 1,000 runs
	$(PYTHON) -m experiments.bench.sweep

bench-panel: setup  ## the national county panel at 1:100 (about 12 min): time, memory, 2-worker speed-up, cost model
	$(PYTHON) -m experiments.bench.panel --json results/bench_panel.json

viz: setup  ## the browser visualizer on http://127.0.0.1:8765 (offline: JS/CSS from the solara-assets wheel, no npm)
	SOLARA_TELEMETRY_MIXPANEL_ENABLE=False SOLARA_THEME_SHOW_BANNER=False \
	  $(VENV)/bin/solara run app.py --host 127.0.0.1 --production

bench-viz: setup  ## one step plus a redraw of the page: 1,000 and 2,000 residents (budget 250 ms), compare mode (400 ms)
	$(PYTHON) scripts/bench_viz.py --residents 1000 --budget-ms 250
	$(PYTHON) scripts/bench_viz.py --residents 2000 --budget-ms 250
	$(PYTHON) scripts/bench_viz.py --residents 2000 --compare sc_hennessey --budget-ms 400

lint: setup
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) results .pytest_cache .hypothesis build model/_kernels*.so

docs: setup  ## regenerate the parameter table in docs/ODD.md from model/parameters.py
	$(PYTHON) -c 'from model.parameters import update_document; update_document("docs/ODD.md")'
