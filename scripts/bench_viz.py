"""Benchmark the visualizer: one step plus a full redraw, at classroom size.

Two measures, both as medians over many steps:
  figures  step every county (shown ones and the no-program twin) + recolor the graph(s) + update
           the plots + encode every figure as PNG (what the server sends the browser after a step;
           compare mode: two graphs, three overlays and the lesson's five plots for each county);
  page     the whole page rendered in-process with solara.render, pressing its Step button
           (widgets, components and figures: the server-side cost of one click).

    python scripts/bench_viz.py [--residents 1000] [--compare sc_hennessey] [--steps 40] [--budget-ms 250]
                                [--from-week 200]

``--from-week`` runs the counties that far first (unmeasured): late in the lesson the event log
and the readout's counts are longer than in its first weeks.

Exits 1 when the page median exceeds the budget.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def bench_figures(n: int, steps: int, compare: str = "", from_week: int = 0) -> dict:
    from viz.graph_view import PAIR, SINGLE, GraphView
    from viz.plots import PANELS, TimeSeriesPanel, compare_panels, county_panels
    from viz.session import Counties
    from viz.settings import CountySettings

    counties = Counties(CountySettings(n_residents=n, compare_with=compare))
    counties.step(from_week)
    views = [GraphView(m, frame=PAIR if compare else SINGLE) for m in counties.shown]
    if compare:  # what the page draws: the overlays, then every lesson plot for each county
        drawn = [(spec, [*counties.shown, counties.baseline], None) for spec in compare_panels(counties)]
        drawn += county_panels(counties)
    else:
        drawn = [(spec, [counties.left], None) for spec in PANELS]
    panels = [(TimeSeriesPanel(spec, models, scale_with), models) for spec, models, scale_with in drawn]
    parts = {"step": [], "graph": [], "plots": [], "total": []}
    for i in range(steps + 3):
        t0 = time.perf_counter()
        counties.step()
        t1 = time.perf_counter()
        for view, model in zip(views, counties.shown, strict=True):
            view.png(model)
        t2 = time.perf_counter()
        for panel, models in panels:
            panel.png(models)
        t3 = time.perf_counter()
        if i >= 3:  # warm-up: font cache, first draws
            for key, value in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t3 - t0), strict=True):
                parts[key].append(value)
    return {key: 1000 * statistics.median(values) for key, values in parts.items()}


def bench_page(n: int, steps: int, compare: str = "", from_week: int = 0) -> float:
    import ipyvuetify as v
    import solara

    import app
    from viz.session import Counties
    from viz.settings import CountySettings

    settings = CountySettings(n_residents=n, compare_with=compare)
    counties = Counties(settings)
    counties.step(from_week)
    page = app.Page(counties=solara.reactive(counties), settings=solara.reactive(settings))
    _, rc = solara.render(solara.AppLayout(children=[page]), handle_error=False)
    step = rc.find(v.Btn, children=["Step"]).widget
    times = []
    for i in range(steps + 3):
        t0 = time.perf_counter()
        step.click()
        if i >= 3:
            times.append(time.perf_counter() - t0)
    rc.close()
    return 1000 * statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=1000)
    parser.add_argument("--compare", default="", help="a second preset: compare mode (full cooperation against it)")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--budget-ms", type=float, default=250.0)
    parser.add_argument("--from-week", type=int, default=0, help="run the counties this many weeks first")
    args = parser.parse_args(argv)
    figures = bench_figures(args.residents, args.steps, args.compare, args.from_week)
    mode = (f"compare mode (sc_full vs {args.compare}, + no-program twin)" if args.compare
            else "one county (+ no-program twin)")
    print(f"{args.residents} residents, {mode}, median of {args.steps} steps from week {args.from_week} (ms): "
          + ", ".join(f"{key} {value:.1f}" for key, value in figures.items()))
    page = bench_page(args.residents, args.steps, args.compare, args.from_week)
    verdict = "ok" if page <= args.budget_ms else "OVER BUDGET"
    print(f"page (Step click, in-process, all figures re-rendered): median {page:.1f} ms "
          f"[budget {args.budget_ms:.0f} ms: {verdict}]")
    return 0 if page <= args.budget_ms else 1


if __name__ == "__main__":
    sys.exit(main())
