"""The county panel: a nation of counties, each run with Secure Communities and as its twin without
(docs/panel.md).

    from experiments.panel import run_panel, load_panel
    run_panel("experiments/specs/panel_smoke.toml", out="results/panel_smoke", workers=2)
    q = load_panel("results/panel_smoke")              # county x quarter, outcomes and twin outcomes
    w = load_panel("results/panel_smoke", "week")      # county x week, the kept reporters

The panel lives in the same resumable store as sweeps (``experiments.core.store``): one task per batch
of counties per replication, named ``r<replication>-b<batch>``; a task's weekly rows go to
``data/<task>.parquet`` and its quarterly rows to ``quarters/<task>.parquet`` before its record
marks it finished. It runs serially, on local processes or on Dask (``experiments.core.runner``), and
stores identical results on each: every county's seed derives from the root seed, the replication
and the county id (``tasks.county_seed``), never from the executor.

Folder::

    panel.json              the spec, the county table's path and checksum (marks a panel folder)
    counties.parquet        the design: the county table, model size, activation week and quarter, batch
    manifest.json, points.parquet, runs/, data/, runs.parquet     as for sweeps (points = batches)
    quarters/<task>.parquet that task's county x quarter rows
    panel_quarter.parquet   the whole county x quarter panel with covariates (when complete)
"""

from .counties import CountyTableError
from .design import build_design, county_parameters, panel_tasks, policy_schedule, shift_weeks
from .estimators import event_study
from .outcomes import OUTCOMES
from .results import (
    format_panel_status,
    is_panel,
    load_design,
    load_panel,
    panel_info,
    panel_spec_of,
    panel_status,
    panel_store,
)
from .run import PanelResult, run_panel
from .spec import PanelSpec, load_panel_spec, parse_panel_spec

__all__ = ["run_panel", "PanelResult", "load_panel", "load_design", "panel_status", "format_panel_status",
           "panel_store", "panel_info", "panel_spec_of", "is_panel", "build_design", "county_parameters",
           "panel_tasks", "policy_schedule", "shift_weeks", "event_study", "OUTCOMES", "PanelSpec", "load_panel_spec",
           "parse_panel_spec", "CountyTableError"]
