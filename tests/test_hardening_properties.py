"""The spec engine under generated hostile specs (issue 22): for every kind of spec (a sweep, a calibration, a
panel, a county table), one key given a hostile value (huge or negative numbers, NaN, text with control
characters, lists, tables, dates of 1850) is either accepted or refused with a ``SpecError`` of one line that
names a declared key, and never after a model is built (building one fails these tests)."""

import copy
import re
import tomllib
from unittest import mock

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import model
from experiments.calibration.spec import SPEC as CALIBRATION_KEYS
from experiments.calibration.spec import parse_calibration_spec
from experiments.core.schema import SpecError
from experiments.panel.counties import COLUMNS, OPTIONAL_COLUMNS, CountyTableError, validate_counties
from experiments.panel.spec import SPEC as PANEL_KEYS
from experiments.panel.spec import parse_panel_spec
from experiments.sweep.spec import SPEC as SWEEP_KEYS
from experiments.sweep.spec import parse_spec
from tests.hostile import PANEL, ROOT, TABLE

SWEEP = {"name": "s", "steps": 4, "replications": 1, "fixed": {"n_residents": 100},
         "parameters": {"preset": ["pre_sc", "sc_full"]}}
CALIBRATION = tomllib.loads((ROOT / "experiments" / "specs" / "calibration_smoke.toml").read_text())
KINDS = {
    "sweep": (SWEEP, SWEEP_KEYS, lambda raw: parse_spec(raw)),
    "calibration": (CALIBRATION, CALIBRATION_KEYS, lambda raw: parse_calibration_spec(raw)),
    "panel": (tomllib.loads(PANEL), PANEL_KEYS, lambda raw: parse_panel_spec(raw, base=ROOT)),
}

SCALARS = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 2**31, 2**63, 2**64 - 1, 10**9, 10**23]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=20),
    st.sampled_from(["\x1b[2J", "..", "../../etc/passwd", "x" * 3000, "1e23", "nan", "", "1850-01-01",
                     "full;trust_act@-5", "a\nb", "pre_sc"]),
    st.dates(),
)
HOSTILE = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=6)


def _set(raw: dict, key: str, value) -> dict:
    out = copy.deepcopy(raw)
    *path, last = key.split(".")
    table = out
    for p in path:
        table = table.setdefault(p, {}) if isinstance(table.get(p, {}), dict) else {}
    table[last] = value
    return out


def _no_model(*_, **__):
    raise AssertionError("a model was built while reading a spec")


def _names_a_key(message: str, declared) -> bool:
    lead = message.split(": ", 1)[0]
    top = re.split(r"[.\[]", lead, maxsplit=1)[0]
    return top in declared or lead == "spec"


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_hostile_value_is_refused_in_one_line_naming_a_key_before_any_model(kind, data):
    base, table, parse = KINDS[kind]
    keys = [row[0] for row in table.describe()]
    key = data.draw(st.sampled_from(keys), label="key")
    value = data.draw(HOSTILE, label="value")
    with mock.patch.object(model.SecureCommunitiesModel, "__init__", _no_model):
        try:
            parse(_set(base, key, value))
        except SpecError as e:
            message = str(e)
            assert "\n" not in message, message
            assert len(message) < 1000, message
            assert _names_a_key(message, {k.split(".")[0] for k in keys}), (key, message)


def test_a_name_the_spec_gave_is_echoed_in_the_key_on_one_line():
    """A calibration spec's ``counties`` table is keyed by county types the spec names: a type holding a line
    break, or a megabyte, is refused on one line, the name shown escaped and cut (found by the test above)."""
    base, _, parse = KINDS["calibration"]
    for name, shown in (("\n", "counties.\\n: unknown county type"), ("a\x1b[2Jb", "counties.a\\x1b[2Jb: unknown"),
                        ("x" * 5000, "counties.xxx")):
        with pytest.raises(SpecError) as refused:
            parse(_set(base, "counties", {name: 0}))
        message = str(refused.value)
        assert "\n" not in message and "\x1b" not in message and len(message) < 1000, message
        assert message.startswith(shown), message


COUNTY_COLUMNS = (*COLUMNS, *OPTIONAL_COLUMNS)
ROW_ERROR = re.compile(r"^t\.parquet row \d+( \(county_id .{1,24}\))?(, row \d+)*, (\w+): ")


@settings(max_examples=150, deadline=None)
@given(column=st.sampled_from(COUNTY_COLUMNS), row=st.integers(0, 2), value=HOSTILE)
def test_a_hostile_county_cell_is_refused_naming_its_row_and_column(column, row, value):
    table = pd.read_csv(TABLE, nrows=3, dtype=str, keep_default_na=False).astype(object)
    if column not in table:
        table[column] = None
    table.at[row, column] = value
    with mock.patch.object(model.SecureCommunitiesModel, "__init__", _no_model):
        try:
            validate_counties(table, source="t.parquet")
        except CountyTableError as e:
            head, *problems = str(e).split("\n")
            if not problems:  # a table-wide problem (no rows, two activation columns): one line naming it
                assert head.startswith("t.parquet: "), head
                return
            assert re.fullmatch(r"\d+ problem\(s\) in the county table( \(first errors only\))?:", head), head
            for line in problems:
                m = ROW_ERROR.match(line.strip())
                assert m and m[3] in COUNTY_COLUMNS, line
                assert len(line) < 1000, line
