"""The county table (validation, the shipped synthetic nation) and the rollout rule."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from experiments.panel import build_design, county_parameters
from experiments.panel.counties import CountyTableError, read_counties, validate_counties
from experiments.panel.nation import generate_counties
from experiments.panel.rollout import activation_weeks, week_of
from experiments.panel.spec import load_panel_spec, parse_panel_spec
from experiments.sweep.spec import SpecError
from model import SecureCommunitiesModel

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "experiments" / "data" / "counties_national.csv"
GOOD = """county_id,population,share_undocumented,share_lpr,share_naturalized,hispanic_share,border,\
policing_intensity,detainer_policy
6037,9800000,0.10,0.09,0.14,0.48,false,1.0,full
6073,3100000,0.06,0.08,0.12,0.33,true,1.2,full
48201,4100000,0.09,0.07,0.08,0.41,false,1.1,hennessey
"""


def write(tmp_path, text, name="counties.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_good_table_reads_with_canonical_types(tmp_path):
    t = read_counties(write(tmp_path, GOOD))
    assert list(t["county_id"]) == [6037, 6073, 48201] and t["border"].tolist() == [False, True, False]
    assert t["population"].dtype == np.int64 and t["activation_week"].isna().all()


@pytest.mark.parametrize("line, column, bad, message", [
    (3, "share_lpr", "1.3", "must be in [0, 1]"),
    (2, "population", "-5", "must be >= 1"),
    (4, "border", "maybe", "must be true or false"),
    (3, "detainer_policy", "ice_first", "detainer_policy"),
    (2, "policing_intensity", "40", "policing_intensity"),
    (3, "hispanic_share", "0.01", "below the Hispanic undocumented alone"),
    (4, "share_naturalized", "0.9", "> 1"),
])
def test_a_bad_table_is_refused_naming_the_line_the_county_and_the_column(tmp_path, line, column, bad, message):
    rows = GOOD.splitlines()
    header = rows[0].split(",")
    cells = rows[line - 1].split(",")
    cells[header.index(column)] = bad
    rows[line - 1] = ",".join(cells)
    with pytest.raises(CountyTableError) as err:
        read_counties(write(tmp_path, "\n".join(rows) + "\n"))
    text = str(err.value)
    county = cells[0]
    if column == "share_naturalized":  # the sum check names the last share
        assert f"line {line} (county_id {county}), share_naturalized" in text and message in text
    else:
        assert f"counties.csv line {line} (county_id {county}), {column}: " in text and message in text


def test_every_bad_row_is_named_and_duplicates_and_missing_columns_too(tmp_path):
    text = GOOD.replace("0.48,false", "0.48,").replace("48201,", "6073,").replace(",full\n6073", ",\n6073")
    with pytest.raises(CountyTableError) as err:
        read_counties(write(tmp_path, text))
    assert "line 2 (county_id 6037), border: missing value" in str(err.value)
    assert "line 2 (county_id 6037), detainer_policy: missing value" in str(err.value)
    with pytest.raises(CountyTableError, match=r"line 3, line 4, county_id: 6073 appears more than once"):
        read_counties(write(tmp_path, GOOD.replace("48201,", "6073,")))
    with pytest.raises(CountyTableError, match=r"missing column\(s\) \['border'\]"):
        validate_counties(pd.read_csv(write(tmp_path, GOOD)).drop(columns="border"))
    with pytest.raises(CountyTableError, match="give both or neither"):
        validate_counties(pd.read_csv(write(tmp_path, GOOD)).assign(policy_change_date=["2012-01-01", "", ""]),
                          source="t")


def test_parquet_tables_are_checked_the_same_way(tmp_path):
    df = pd.read_csv(write(tmp_path, GOOD))
    df.loc[1, "share_undocumented"] = -0.2
    df.to_parquet(tmp_path / "c.parquet")
    with pytest.raises(CountyTableError, match=r"c.parquet row 1 \(county_id 6073\), share_undocumented: must be in"):
        read_counties(tmp_path / "c.parquet")


def test_the_cli_refuses_a_bad_table_naming_it(tmp_path):
    write(tmp_path, GOOD.replace("0.06,0.08", "0.06,2.5"))
    spec = write(tmp_path, 'name = "bad"\n[counties]\ntable = "counties.csv"\n', "bad.toml")
    proc = subprocess.run([sys.executable, "-m", "experiments", "panel", str(spec), "--out", str(tmp_path / "o")],
                          cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 2
    assert "counties.csv line 3 (county_id 6073), share_lpr: must be in [0, 1], got '2.5'" in proc.stderr


def test_the_shipped_nation_is_what_its_documented_command_makes(tmp_path):
    out = tmp_path / "n.csv"
    subprocess.run([sys.executable, "-m", "experiments.panel.nation", "--n", "3000", "--seed", "20100401", "--out",
                    str(out)], cwd=ROOT, check=True, capture_output=True)
    assert out.read_bytes() == SHIPPED.read_bytes()


def test_the_synthetic_nation_looks_like_one():
    t = read_counties(SHIPPED)
    pop = t["population"]
    assert len(t) == 3000 and 2.5e8 < pop.sum() < 3.2e8
    assert pop.max() > 100 * pop.median()  # heavy-tailed sizes
    w = pop / pop.sum()
    assert 0.03 < (w * t["share_undocumented"]).sum() < 0.045  # about 3.7% undocumented nationally
    assert 0.12 < (w * t["hispanic_share"]).sum() < 0.2
    immigrant = t["share_undocumented"] + t["share_lpr"] + t["share_naturalized"]
    assert np.corrcoef(np.log(pop), immigrant)[0, 1] > 0.3  # shares rise with size
    assert t["share_undocumented"].quantile(0.95) > 5 * t["share_undocumented"].quantile(0.05)  # and vary widely
    assert t.loc[t["border"], "hispanic_share"].median() > 3 * t.loc[~t["border"], "hispanic_share"].median()
    assert generate_counties(50, seed=1).equals(generate_counties(50, seed=1))
    per_state = t.groupby("state").size()
    assert len(per_state) == 50 and per_state.max() > 5 * per_state.min()  # states of unequal size
    assert t.loc[t["border"], "state"].nunique() == 4  # the border counties in four border states
    assert t.loc[~t["border"], "state"].nunique() == 50  # which hold inland counties too


def test_the_states_are_drawn_after_everything_else(monkeypatch):
    """The synthetic states take their random numbers after the counties' composition: those columns are as
    they were without them (the limits on detainers follow the states: state laws)."""
    import experiments.panel.nation as nation

    with_states = generate_counties(300, seed=4)
    monkeypatch.setattr(nation, "_states", lambda rng, border: np.full(len(border), "one nation"))
    policy = ["state", "policy_change_date", "detainer_policy_after"]
    pd.testing.assert_frame_equal(with_states.drop(columns=policy),
                                  nation.generate_counties(300, seed=4).drop(columns=policy))


def test_limits_on_detainers_come_in_the_records_waves():
    """Local policies of large, Hispanic counties from June 2011; a state law in every county of the border state
    with the most Hispanic residents on 1 January 2014; after Miranda-Olivares (11 April 2014) jails that hold no
    one on a detainer alone: a whole inland state within weeks and counties elsewhere to the end of 2014."""
    from experiments.panel.nation import WAVES

    t = read_counties(SHIPPED)
    changed = t[t["policy_change_date"].notna()]
    dates = changed["policy_change_date"].astype(str)
    assert dates.min() >= "2011-06-01" and dates.max() <= "2014-12-31"
    assert (dates[changed["detainer_policy_after"] == "sanctuary"] >= "2011-06-01").all()
    local = dates < "2014-01-01"
    assert 10 < local.sum() < 60  # a few dozen early local policies
    assert changed.loc[local, "population"].median() > 5 * t["population"].median()  # large counties first
    hispanic = (t["population"] * t["hispanic_share"]).groupby(t["state"]).sum()
    border = t.loc[t["border"], "state"].unique()
    california = max(border, key=lambda s: hispanic[s])
    in_state = t[t["state"] == california]
    assert in_state["policy_change_date"].notna().all()
    assert (in_state.loc[in_state["policy_change_date"].astype(str) == "2014-01-01", "detainer_policy_after"]
            == "trust_act").all()
    court = changed[dates >= "2014-04-14"]
    assert (court["detainer_policy_after"] == "sanctuary").all() and court["state"].nunique() > 10
    assert [w.name for w in WAVES][0] == "local_2011" and all(w.source for w in WAVES)


def test_the_rollout_rule():
    t = read_counties(SHIPPED)
    args = dict(start="2006-10-02", window_start="2008-10-27", window_end="2013-01-22")
    weeks = activation_weeks(t, "hispanic", seed_sequence=np.random.SeedSequence(5), **args)
    assert weeks.min() == week_of("2008-10-27", "2006-10-02") and weeks.max() == week_of("2013-01-22", "2006-10-02")
    hispanic = np.log1p(t["population"] * t["hispanic_share"])
    assert np.corrcoef(weeks, hispanic)[0, 1] < -0.5  # a large Hispanic population goes first
    assert np.median(weeks[t["border"]]) < np.median(weeks)
    again = activation_weeks(t, "hispanic", seed_sequence=np.random.SeedSequence(5), **args)
    assert (weeks == again).all()
    rand = activation_weeks(t, "random", seed_sequence=np.random.SeedSequence(5), **args)
    assert abs(np.corrcoef(rand, hispanic)[0, 1]) < 0.1 and sorted(rand) == sorted(weeks)  # same pace
    given = t.assign(activation_week=pd.array(np.arange(len(t)) % 7 + 1, dtype="Int64"))
    assert (activation_weeks(given, "table", seed_sequence=None, **args) == np.arange(len(t)) % 7 + 1).all()
    with pytest.raises(ValueError, match="no activation week"):
        activation_weeks(t, "table", seed_sequence=None, **args)


def test_the_shipped_specs_validate_and_scale_as_documented():
    smoke = load_panel_spec(ROOT / "experiments" / "specs" / "panel_smoke.toml")
    national = load_panel_spec(ROOT / "experiments" / "specs" / "panel_national.toml")
    d = build_design(national)
    assert len(d) == 3000 and 2.5e6 < d["n_residents"].sum() < 3.2e6  # about 3 million residents at 1:100
    assert (d["n_residents"] >= 20).all() and d["n_raised"].sum() == (d["population"] * 0.01 < 19.5).sum()
    assert national.weeks == 520 and d["activation_week"].max() <= 520
    s = build_design(smoke)
    assert len(s) == 60 and set(s["county_id"]) <= set(d["county_id"])
    with pytest.raises(SpecError, match="model.activation_week: is set per county"):
        parse_panel_spec({**smoke.source, "model": {"activation_week": 3}}, base=smoke.base)
    with pytest.raises(SpecError, match="policy_changes"):
        parse_panel_spec({**smoke.source, "policy_changes": "sometimes"}, base=smoke.base)
    with pytest.raises(SpecError, match="burn_in_weeks: must be >= 0"):
        parse_panel_spec({**smoke.source, "burn_in_weeks": -1}, base=smoke.base)
    with pytest.raises(SpecError, match=r"estimation.estimators\[0\]: unknown 'callaway'"):
        parse_panel_spec({**smoke.source, "estimation": {"estimators": ["callaway"]}}, base=smoke.base)


def test_the_docs_name_every_outcome_column_and_reporter():
    from experiments.panel.counties import OPTIONAL, REQUIRED
    from experiments.panel.outcomes import OUTCOMES, WEEKLY

    text = (ROOT / "docs" / "panel.md").read_text()
    missing = [n for n in (*OUTCOMES, *WEEKLY, *REQUIRED, *OPTIONAL) if f"`{n}`" not in text]
    assert not missing, f"not described in docs/panel.md: {missing}"


def test_a_jail_that_changed_its_policy_gets_the_change_in_its_week_and_so_does_its_twin():
    national = load_panel_spec(ROOT / "experiments" / "specs" / "panel_national.toml")
    design = build_design(national)
    params = county_parameters(national, design)
    changed = design["policy_change_week"].notna().to_numpy()
    assert changed.sum() > 0
    burn = national.burn_in_weeks  # the model's week is the panel's week plus the burn-in (none: the model starts
    assert burn == 0               # at rest by its own spin-up, docs/panel.md section 4)
    changed_params = [p for p, c in zip(params, changed, strict=True) if c]
    for row, p in zip(design[changed].itertuples(), changed_params, strict=True):
        week = int(row.policy_change_week)
        expected = row.detainer_policy_after if week <= 1 else \
            f"{row.detainer_policy};{row.detainer_policy_after}@{week + burn}"
        assert p["detainer_policy"] == expected
        assert p["activation_week"] == row.activation_week + burn
        SecureCommunitiesModel(rng=1, **{**p, "n_residents": 50})  # the model takes it
    assert all(p["detainer_policy"] == "full" for p, c in zip(params, changed, strict=True) if not c)
    assert all(p["enforcement_regime"] == f"sc;pep@{425 + burn}" for p in params)
    ignore = parse_panel_spec({**national.source, "policy_changes": "ignore"}, base=national.base)
    assert all(p["detainer_policy"] == "full" for p in county_parameters(ignore, design))


def test_the_replications_panel_gives_each_adopting_county_a_twin_that_never_adopts():
    from experiments.panel.design import build_design, county_parameters, panel_tasks, stay_parameters

    spec = load_panel_spec(ROOT / "experiments" / "specs" / "panel_replications.toml")
    d = build_design(spec)
    assert d["n_residents"].min() >= 250 and len(d) == 300  # the scale test's smallest county
    inside = d["adoption_week"].notna()
    assert (d["adoption_twin"] == inside).all() and inside.sum() >= 20
    assert (d.loc[~inside, "adoption_cohort"] == spec.weeks // 13 + 1).all()  # never within the panel
    params = county_parameters(spec, d)
    stays = stay_parameters(spec, d, params)
    for row, p, s in zip(d.itertuples(), params, stays, strict=True):
        if row.adoption_twin:
            assert p["detainer_policy"].startswith(f"{row.detainer_policy};") and s["detainer_policy"] == "full"
            assert {k: v for k, v in s.items() if k != "detainer_policy"} == {
                k: v for k, v in p.items() if k != "detainer_policy"}
        else:
            assert s is None
    task = panel_tasks(spec, d)[0]
    assert len(task.stay) == len(task.counties)
    with pytest.raises(SpecError, match="adoption.outcomes"):
        parse_panel_spec({**spec.source, "policy_changes": "ignore"}, base=spec.base)
    with pytest.raises(SpecError, match=r"adoption.outcomes\[0\]"):
        parse_panel_spec({**spec.source, "adoption": {"outcomes": ["removals"]}}, base=spec.base)
    smoke = load_panel_spec(ROOT / "experiments" / "specs" / "panel_smoke.toml")
    assert not build_design(smoke)["adoption_twin"].any()  # off unless asked for: no third run


def test_every_county_of_the_nation_runs_at_full_scale_and_a_bigger_one_is_refused_naming_it():
    """The model's bound on residents (a little above Los Angeles County) lets the shipped nation run at fraction 1,
    its largest county included; a county above it is refused before anything runs, named with its size."""
    from dataclasses import replace

    from model.parameters import PARAMETER_TABLE

    spec = load_panel_spec(ROOT / "experiments" / "specs" / "panel_national.toml")
    full = build_design(replace(spec, fraction=1.0))
    assert full["n_residents"].max() == full["population"].max() > 8_000_000
    high = PARAMETER_TABLE["n_residents"].constraint.high
    with pytest.raises(CountyTableError, match=rf"county_id {full.loc[full['population'].idxmax(), 'county_id']}, "
                                               rf"population: .* model residents, above the model's {high:,}"):
        build_design(replace(spec, fraction=1.0 * (high + 1) / full["population"].max() + 1e-9))
