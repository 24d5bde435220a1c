"""The calibration targets (``experiments/targets.toml``): C1-C13 as data, each a statistic of runs in some
county types over a window of weeks, with its published value, tolerance and source; the county types'
composition; and ``TargetCounty``, the project's model in one of those counties (``county = "national"``),
registered for sweeps as ``model = "target_county"`` (``experiments.sweep.registry``): the Morris screening
uses it. The file is declared and checked with the spec engine (``TargetsError`` names the key).
"""

import math
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np

from model import SecureCommunitiesModel, validate_parameters
from model.parameters import PARAMETER_TABLE

from ..core.schema import (
    ANY,
    PROSE,
    REQUIRED,
    Choice,
    Key,
    Number,
    SpecError,
    Table,
    Text,
    check_keys,
    fail,
    suggestion,
)
from .statistics import STATISTICS

TARGETS_FILE = Path(__file__).resolve().parents[1] / "targets.toml"  # experiments/targets.toml
# The parameters that describe a county's people rather than behavior: set per county type (targets.toml or a
# calibration spec's [counties.<name>]), never screened or fitted.
COMPOSITION = ("share_undocumented", "share_lpr", "share_naturalized", "hispanic_share_others")
WINDOWS = ("before", "build")
ROLES = ("fit", "check")  # a target's role: fitted (in the distance) or only checked (an identity of one input)


class TargetsError(ValueError):
    """A targets file that cannot be used; the message names the key."""


class _Statistic(Choice):
    """The name of a statistic function (``experiments.calibration.statistics.STATISTICS``)."""

    def __call__(self, value, key, where=""):
        if value not in self.options:
            fail(key, f"no statistic {value!r} in experiments/calibration/statistics.py"
                 f"{suggestion(value, self.options)}", where)
        return value


TARGET = Table({k: Key(check, REQUIRED, doc, missing="missing") for k, check, doc in (
    ("pattern", Text(), "the published pattern, in words"),
    ("statistic", _Statistic(tuple(STATISTICS)), "the function that computes it from runs"),
    ("counties", ANY, "the county types whose runs it pools"),
    ("window", ANY, "\"before\" activation, \"build\" (as built), or [a, b] weeks from activation"),
    ("value", Number(), "the published value"),
    ("low", Number(), "the low end of its tolerance"),
    ("high", Number(), "the high end of its tolerance"),
    ("source", Text(), "where the value comes from (docs/sources.md)"),
)} | {"role": Key(Choice(ROLES), "fit", "\"fit\" (in the distance) or \"check\" (an identity of one input: "
                                               "reported, never fitted)")})
FILE = Table({"targets": Key(ANY, {}, "the targets, by id"), "counties": Key(ANY, {}, "the county types, by name")})


@dataclass(frozen=True)
class Target:
    """One calibration target: a statistic of runs, its published value and tolerance range."""

    id: str
    pattern: str
    statistic: str
    counties: tuple
    window: object  # "before", "build" or (a, b) weeks from activation
    value: float
    low: float
    high: float
    source: str
    role: str = "fit"

    def z(self, s: float, value: float | None = None, noise: float = 0.0) -> float:
        """The miss of ``s`` in tolerances, signed, on the side it falls (the value may be replaced by
        an observed one: the tolerances are then the same distances around it). ``noise``: the statistic's
        seed-noise standard deviation; the miss is then in units of sqrt(tolerance^2 + noise^2)."""
        v = self.value if value is None else value
        if s is None or not np.isfinite(s):
            return math.nan
        tol = (self.high - self.value) if s >= v else (self.value - self.low)
        return (s - v) / math.sqrt(tol ** 2 + noise ** 2)

    def last_week(self, activation_week: int) -> int:
        """The last week a run must reach to measure this target."""
        if self.window == "build":
            return 0
        if self.window == "before":
            return activation_week - 1
        return activation_week + self.window[1] - 1


@dataclass(frozen=True)
class County:
    """A county type where targets are measured: a name and the model parameters of its composition."""

    name: str
    description: str
    params: dict = field(default_factory=dict)


def _county_type(name, table, where) -> County:
    if not isinstance(table, dict):
        fail(f"counties.{name}", "must be a table", where)
    check_keys(table, set(PARAMETER_TABLE) | {"description"}, f"counties.{name}.", where)
    params = {}
    for k, v in table.items():
        if k != "description":
            try:
                params[k] = PARAMETER_TABLE[k].check(v)
            except ValueError as e:
                fail(f"counties.{name}.{k}", str(e), where)
    return County(name, PROSE(table.get("description", ""), f"counties.{name}.description", where), params)


def _target(tid, t, counties, where) -> Target:
    key = f"targets.{tid}"
    if not isinstance(t, dict):
        fail(key, "must be a table", where)
    v = TARGET.read(t, key + ".", where)
    names = v["counties"]
    if not isinstance(names, list) or not names or not all(isinstance(c, str) for c in names):
        fail(f"{key}.counties", "must be a non-empty list of county names", where)
    for c in names:
        if c not in counties:
            fail(f"{key}.counties", f"unknown county {c!r} (defined: {sorted(counties)})", where)
    window = v["window"]
    if isinstance(window, list):
        if len(window) != 2 or not all(isinstance(w, int) and not isinstance(w, bool) for w in window) \
                or not 0 <= window[0] < window[1]:
            fail(f"{key}.window", f"must be \"before\", \"build\" or [a, b] with 0 <= a < b, got {window!r}", where)
        window = tuple(window)
    elif window not in WINDOWS:
        fail(f"{key}.window", f"must be \"before\", \"build\" or [a, b] weeks from activation, got {window!r}", where)
    if not v["low"] < v["value"] < v["high"]:
        fail(key, f"need low < value < high, got {v['low']}, {v['value']}, {v['high']}", where)
    return Target(tid, v["pattern"], v["statistic"], tuple(names), window, v["value"], v["low"], v["high"], v["source"],
                  v["role"])


def parse_targets(raw: dict, where: str = "") -> tuple:
    """Check a parsed targets file; return ({id: Target}, {name: County})."""
    try:
        values = FILE.read(raw, "", where)
        counties = {name: _county_type(name, table, where) for name, table in values["counties"].items()}
        targets = {tid: _target(tid, t, counties, where) for tid, t in values["targets"].items()}
        if not targets:
            fail("targets", "no targets", where)
    except SpecError as e:
        raise TargetsError(str(e)) from None
    return targets, counties


@cache
def load_targets(path=TARGETS_FILE) -> tuple:
    """The targets and county types of a targets file (default: the project's ``experiments/targets.toml``)."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise TargetsError(f"{path}: no such targets file") from None
    except tomllib.TOMLDecodeError as e:
        raise TargetsError(f"{path}: not valid TOML: {e}") from None
    return parse_targets(raw, f"{path.name}: ")


def select_targets(names, targets: dict) -> list:
    """Target ids from a list of ids or families ("C4" is C4a and C4b); raises KeyError naming an unknown one."""
    out = []
    for name in names:
        hits = [name] if name in targets else [t for t in targets if t[:-1] == name and t[-1].isalpha()]
        if not hits:
            raise KeyError(name)
        out += [h for h in hits if h not in out]
    return out


def weeks_needed(targets, activation_week: int) -> dict:
    """For each county the targets use, the last week its runs must reach."""
    need = {}
    for t in targets:
        for c in t.counties:
            need[c] = max(need.get(c, 0), t.last_week(activation_week))
    return need


# --- the model in a target county, for sweeps ---------------------------------------------------------------
class TargetCounty(SecureCommunitiesModel):
    """The project's model in a county type of ``experiments/targets.toml`` (``county="national"``): the
    county's composition first, then the given parameters (which win). Registered for sweeps as
    ``model = "target_county"`` (the Morris screening of the targets uses it)."""

    def __init__(self, rng=None, county: str = "national", **params):
        super().__init__(rng=rng, **{**_county(county).params, **params})
        self.county = county


def _county(name: str) -> County:
    counties = load_targets()[1]
    if name not in counties:
        raise ValueError(f"county must be one of {sorted(counties)}, got {name!r}")
    return counties[name]


def validate_target_county(params: dict) -> dict:
    """The model's validation, with the county's composition first."""
    params = dict(params)
    county = params.pop("county", "national")
    return {"county": county, **validate_parameters({**_county(county).params, **params})}
