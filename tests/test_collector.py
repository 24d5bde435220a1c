"""The model's collector records exactly what Mesa's DataCollector would, without its per-reporter copies."""

import mesa

from model import SecureCommunitiesModel, scenario
from model.model import MetricsCollector


def test_the_metrics_collector_records_what_mesas_would():
    model = SecureCommunitiesModel(rng=3, n_residents=800, **{**scenario("sc_full"), "activation_week": 2})
    reporters = model.datacollector.model_reporters
    plain = mesa.DataCollector(model_reporters=reporters)
    plain.collect(model)
    for _ in range(6):
        model.step()
        plain.collect(model)
    assert isinstance(model.datacollector, MetricsCollector)
    ours = model.datacollector.get_model_vars_dataframe()
    theirs = plain.get_model_vars_dataframe()
    assert list(ours.columns) == list(theirs.columns) and len(ours) == len(theirs) == 7
    assert ours.equals(theirs)


def test_a_reporter_outside_the_metrics_goes_through_mesa():
    model = SecureCommunitiesModel(rng=3, n_residents=300)
    collector = MetricsCollector(model_reporters={"week": lambda m: m.week, "removals": "removals_total"})
    model.removals_total = 0
    collector.collect(model)
    model.step()
    collector.collect(model)
    assert collector.model_vars["week"] == [0, 1]


# --- a model records only the reporters it is asked for ---

def test_the_state_blocks_name_every_state_reporter_once():
    from model.metrics import STATE_BLOCKS
    from model.reporters import STATE
    names = [n for _, block in STATE_BLOCKS for n in block]
    assert sorted(names) == sorted(STATE) and len(names) == len(set(names))


def test_each_state_reporter_names_the_residents_it_counts():
    from model.metrics import CELL_GROUPS, EVERYONE, READS
    from model.reporters import STATE
    assert sorted(READS) == sorted(STATE)
    assert set(READS.values()) - {None, EVERYONE} <= set(CELL_GROUPS)


def test_asked_only_for_reporters_on_hispanic_residents_a_week_reads_their_rows_with_the_same_numbers():
    """The county panel's reporters all count Hispanic residents: its models' weeks read only their rows
    (each cell's sums over them are added in the same order as over everyone), and record the numbers of a
    model that reads every resident's, to the last digit, before and after activation (the fixed cohort)."""
    from experiments.panel.outcomes import WEEKLY
    from model.metrics import hispanic_rows_only

    assert hispanic_rows_only(WEEKLY)
    assert not hispanic_rows_only((*WEEKLY, "reporting_rate"))  # everyone's
    assert not hispanic_rows_only(("reporting_rate_undocumented",))  # not only Hispanic residents
    assert not hispanic_rows_only(("fear_channel_media_hispanic",))  # reads each county's stocks whole
    assert not hispanic_rows_only(("removals",)) and not hispanic_rows_only(None)  # (no resident counted)
    setup = dict(rng=4, n_residents=1500, spin_up_weeks=104, **{**scenario("sc_full"), "activation_week": 8})
    full, panel = SecureCommunitiesModel(**setup), SecureCommunitiesModel(reporters=WEEKLY, **setup)
    assert full.measured_rows is None
    assert panel.measured_rows.tolist() == [i for i in range(1500) if panel.hispanic[i]]
    for _ in range(30):
        full.step()
        panel.step()
    ours = panel.datacollector.get_model_vars_dataframe()
    assert ours.equals(full.datacollector.get_model_vars_dataframe()[list(WEEKLY)])
    assert set(panel.metrics) >= set(WEEKLY) and "reporting_rate" not in panel.metrics  # (not measured)


def test_a_model_asked_for_some_reporters_records_those_with_the_same_numbers():
    """Asking for fewer reporters changes what is recorded, never the county: the kept columns and the
    dynamics (removals, the generator's draws) are those of the model that records everything."""
    import pandas as pd

    kept = ["chilled_share_undocumented", "share_hispanic_adults_knows_detained", "removals_cumulative",
            "realized_reporting_hispanic"]
    setup = dict(rng=9, n_residents=1000, spin_up_weeks=104, **{**scenario("sc_full"), "activation_week": 5})
    full, some = SecureCommunitiesModel(**setup), SecureCommunitiesModel(reporters=kept, **setup)
    for _ in range(30):
        full.step()
        some.step()
    ours = some.datacollector.get_model_vars_dataframe()
    assert list(ours.columns) == kept
    pd.testing.assert_frame_equal(ours, full.datacollector.get_model_vars_dataframe()[kept])
    assert "fear_mean_hispanic" not in some.metrics  # its block was not computed
    assert some.rng.random() == full.rng.random()
    # no fear_channel_* reporter: no channel stocks kept (nothing but those reporters reads them), same fear
    assert some.fear_process.channels is None and full.fear_process.channels is not None
    assert (some.fear == full.fear).all() and (some.fear_process.chilled == full.fear_process.chilled).all()


def test_a_model_without_channel_stocks_refuses_to_hand_them_to_one_that_keeps_them():
    """A snapshot of a model asked for no channel reporter has no channel stocks to give: restoring it into
    a model that keeps them is refused (the other way round, the stocks are ignored)."""
    import pytest

    from model.spin_up import restore, snapshot

    setup = dict(rng=4, n_residents=300, spin_up_weeks=52, **scenario("sc_full"))
    without = SecureCommunitiesModel(reporters=["chilled_share_hispanic"], **setup)
    keeps = SecureCommunitiesModel(**setup)
    with pytest.raises(ValueError, match="keeps no channel stocks"):
        restore(keeps, snapshot(without))
    restore(without, snapshot(keeps))
    assert without.fear_process.channels is None and (without.fear == keeps.fear).all()
    with pytest.raises(ValueError, match="fear_channel"):
        without.fear_process.decomposition()


def test_a_model_without_an_event_log_is_the_same_county():
    """``events=False`` (the panel's models) keeps no event log; nothing in a week reads it, so every reporter,
    total and draw is that of the model that keeps it."""
    import pandas as pd

    setup = dict(rng=11, n_residents=1500, spin_up_weeks=52, **{**scenario("sc_full"), "activation_week": 3})
    logged, unlogged = SecureCommunitiesModel(**setup), SecureCommunitiesModel(events=False, **setup)
    for _ in range(40):
        logged.step()
        unlogged.step()
    assert len(logged.events.rows) > 50 and unlogged.events.rows == []
    pd.testing.assert_frame_equal(unlogged.datacollector.get_model_vars_dataframe(),
                                  logged.datacollector.get_model_vars_dataframe())
    assert unlogged.totals == logged.totals and unlogged.rng.random() == logged.rng.random()


def test_a_panels_models_keep_no_event_log():
    from experiments.panel.outcomes import WEEKLY
    from experiments.panel.tasks import build_model, build_models

    one = build_model({"n_residents": 300}, 2, WEEKLY)
    together = build_models([({"n_residents": 200}, 3)] * 2, WEEKLY)
    assert not one.keeps_events and not any(m.keeps_events for m in together)


def test_yes_no_traits_counted_together_are_each_traits_own_count():
    """A week counts the residents of each cell with each yes/no trait its blocks ask for (chilled, who knows)
    in one pass over a combination of the traits; every table equals the trait's own sum over the cell, and
    the residents of each cell their plain count, for one county and for several."""
    import numpy as np

    from model.batch import CountyBatch
    from model.metrics import Week

    setup = {**scenario("sc_full"), "activation_week": 1, "spin_up_weeks": 52}
    models = [SecureCommunitiesModel(rng=s, n_residents=n, **setup) for s, n in ((1, 3000), (2, 1500))]
    batch = CountyBatch(models)
    for _ in range(30):
        batch.step()
    flags = ("chilled", "knows_detained", "knows_detained_close", "heard_detained", "knows_undocumented")
    for week in (Week.from_counties(models[:1], *zip(models[0].week_inputs(), strict=True)), batch._week()):
        plain = {name: week.table(week.cells, week.flag(name)) for name in flags}
        counts = week.table(week.cells)
        week.expect_flags(flags)
        assert np.array_equal(week.counts, counts)
        for name in flags:
            assert week.flag(name).any() and np.array_equal(week.flag_table(name), plain[name]), name


def test_a_cohorts_residents_counted_once_are_its_cells_counted_each_week():
    """Each county's fixed cohort is counted once (its cells never change after activation), and before
    activation the cohort is the week's own residents: either way its table is the plain count of the cohort's
    cells that week, for one county and for several, and a restored cohort is counted again."""
    import numpy as np

    from model.batch import CountyBatch
    from model.metrics import Week
    from model.spin_up import restore, snapshot

    setup = {**scenario("sc_full"), "activation_week": 12, "spin_up_weeks": 52}
    models = [SecureCommunitiesModel(rng=s, n_residents=n, **setup) for s, n in ((1, 3000), (2, 1500))]
    batch = CountyBatch(models)
    for week_number in range(20):
        for week in (Week.from_counties(models[:1], *zip(models[0].week_inputs(), strict=True)), batch._week()):
            assert np.array_equal(week.cohort_counts(), week.table(week.cohort_cells)), week_number
        batch.step()
    assert all(m.cohort is not None for m in models)
    twin = SecureCommunitiesModel(rng=1, n_residents=3000, **setup)
    restore(twin, snapshot(models[0]))
    week = Week.from_counties([twin], *zip(twin.week_inputs(), strict=True))
    assert np.array_equal(week.cohort_counts(), week.table(week.cohort_cells))


def test_an_unknown_reporter_fails_before_any_work_naming_it():
    import pytest

    with pytest.raises(ValueError, match=r"reporters: no reporter 'chiled_share_hispanic' \(did you mean "
                                         r"'chilled_share_hispanic'\?\)"):
        SecureCommunitiesModel(reporters=["chiled_share_hispanic"], n_residents=5_000_000)  # never built
    with pytest.raises(ValueError, match="list of reporter names"):
        SecureCommunitiesModel(reporters="removals", n_residents=300)


def test_a_sweep_records_only_its_outputs(tmp_path):
    """The sweep's tasks ask the project's model for the spec's outputs only."""
    from experiments.core.runner import run_task
    from experiments.sweep.registry import get_model
    from experiments.sweep.run import tasks_for
    from experiments.sweep.spec import load_spec

    spec_file = tmp_path / "s.toml"
    spec_file.write_text('name = "s"\nseed = 1\nsteps = 3\nreplications = 1\n'
                         'outputs = ["chilled_share_hispanic", "removals"]\n'
                         '[fixed]\nn_residents = 300\nspin_up_weeks = 0\n'
                         '[parameters]\npolicing_intensity = [1.0]\n')
    spec = load_spec(spec_file)
    assert get_model("secure_communities").selects_reporters
    task = next(tasks_for(spec))
    assert task.select_reporters
    out = run_task(task)
    assert out["record"]["status"] == "ok", out["record"]["error"]
    assert list(out["data"].columns) == ["run_id", "step", "chilled_share_hispanic", "removals"]
