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
