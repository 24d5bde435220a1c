"""What the model measures each week (the reporters declared in ``model.reporters``) and its event log."""

from functools import cache
from operator import itemgetter

import numpy as np
import pandas as pd

from agents.codes import CHARGE_NAMES, LEVEL_NAMES, OFFENSE_NAMES, WEEKS_PER_YEAR, Custody, Status, is_citizen, sc_level

from .hearing import CHANNEL_NAMES
from .reporters import CHILL_GROUPS, FEAR_GROUPS, REPORTING_GROUPS, VICTIM_GROUPS

STAGES = ("arrest", "booking", "match", "detainer", "honored", "declined", "turned_away", "lapsed", "pickup",
          "at_large_arrest", "background_arrest", "removal", "voluntary_departure", "ice_release", "discretion",
          "termination", "relief", "citizen_release", "separation", "reunification", "re_entry")
EVENT_COLUMNS = ("week", "resident_id", "stage", "offense", "priority_level", "convicted", "age", "status",
                 "hispanic", "sex", "parent_of_citizen_child", "door", "rule")


_STATUS_NAMES = tuple(s.name.lower() for s in sorted(Status))  # the event log's status column, by code


def _ratios(a, b) -> list:
    """``a / b`` county by county (NaN where ``b`` is 0), in Python's arithmetic."""
    return [x / y if y else float("nan") for x, y in zip(a, b, strict=True)]


# Residents fall into small cells (present or not, Hispanic, status, adult, second generation); every
# reported group is a union of cells, so a group mean is one bincount per value instead of a pass per group.
N_CELLS = 33  # 0: not in the county; 1 + 16 hispanic + 4 status + 2 adult + second generation
# A county's cells in a week's table of one or more counties: its N_CELLS, then one nobody is in (the
# groups' padding below). County k's cell c is row k * STRIDE + c.
STRIDE = N_CELLS + 1
_EMPTY = N_CELLS


def resident_cells(model) -> np.ndarray:
    """Each resident's cell this week (0 once removed), from the part that never changes (kept by the model)."""
    return cells_now(model.fixed_cells, model.status, model.custody)


def fixed_cells(hispanic, adult, second_generation) -> np.ndarray:
    """The part of each resident's cell that never changes (all but legal status and presence)."""
    return 1 + 16 * hispanic.astype(np.int64) + 2 * adult + second_generation


def cells_now(fixed, status, custody) -> np.ndarray:
    """Each resident's cell this week, from its fixed part (``fixed_cells``): 0 once removed."""
    cells = status.astype(np.int64)
    cells *= 4
    cells += fixed
    cells[custody == Custody.REMOVED] = 0
    return cells


def _cell_groups() -> dict:
    cells = np.arange(1, N_CELLS) - 1
    hispanic, status, adult, second = cells // 16 == 1, (cells % 16) // 4, (cells % 4) // 2 == 1, cells % 2 == 1
    citizen = is_citizen(status)
    us_born_adult = hispanic & adult & (status == Status.US_BORN)
    members = {
        "all": np.ones(len(cells), dtype=bool),
        "hispanic": hispanic,
        "undocumented": status == Status.UNDOCUMENTED,
        "lpr": status == Status.LPR,
        "hispanic_citizen": hispanic & citizen,
        "hispanic_us_born": hispanic & (status == Status.US_BORN),
        "hispanic_adults": hispanic & adult,
        "hispanic_second_generation": us_born_adult & second,
        "hispanic_third_generation": us_born_adult & ~second,
        "non_hispanic": ~hispanic,
    }
    return {g: np.concatenate([[False], m]) for g, m in members.items()}


CELL_GROUPS = _cell_groups()
GROUP_NAMES = tuple(CELL_GROUPS)
_GROUP_COLUMN = {g: i for i, g in enumerate(GROUP_NAMES)}


@cache
def _group_columns(groups: tuple) -> np.ndarray:
    return np.array([_GROUP_COLUMN[g] for g in groups])


def population_groups(model) -> dict:
    """Boolean masks over residents of the reporting groups, among residents still in the county."""
    cells = resident_cells(model)
    return {g: in_group[cells] for g, in_group in CELL_GROUPS.items()}


@cache
def _group_index(k: int, groups: tuple) -> tuple:
    """For ``k`` counties: each (county, group, member cell) in order, as the cell's place in the counties'
    table of cells and the (county, group)'s place in the totals."""
    members = [np.flatnonzero(CELL_GROUPS[g]) for g in groups]
    cells = np.concatenate([county * STRIDE + m for county in range(k) for m in members])
    totals = np.concatenate([np.full(len(m), county * len(groups) + i)
                             for county in range(k) for i, m in enumerate(members)])
    return cells, totals


def group_totals(table: np.ndarray, groups: tuple) -> np.ndarray:
    """County x group totals from a county x cell table (``STRIDE`` columns). A group's cells are added one
    after another (a bincount adds its weights in their order): the same totals for a county alone and in a
    batch, to the last digit. (A product with a 0/1 matrix, or numpy's ``sum``, orders its additions by the
    shapes, through BLAS or pairwise summation, so a county's total would differ.)"""
    k = len(table)
    cells, totals = _group_index(k, groups)
    return np.bincount(totals, weights=table.ravel()[cells], minlength=k * len(groups)).reshape(k, len(groups))


@cache
def _bits(flags: int) -> np.ndarray:
    """Combination x trait: 1 where the combination (bit j for trait j) has the trait."""
    return (np.arange(1 << flags)[:, None] >> np.arange(flags)) & 1


@cache
def _group_counts(groups: tuple) -> np.ndarray:
    return np.array([np.append(CELL_GROUPS[g], False) for g in groups], dtype=np.int64).T


def victim_groups(model, victims) -> dict:
    """Which of the VICTIM_GROUPS each victim belongs to (boolean arrays over ``victims``)."""
    status, hispanic = model.status[victims], model.hispanic[victims]
    citizen = is_citizen(status)
    return {"hispanic": hispanic, "undocumented": status == Status.UNDOCUMENTED,
            "hispanic_citizen": hispanic & citizen, "non_hispanic": ~hispanic}


def _cohort_row(model) -> np.ndarray:
    """The residents of each cell of ``model``'s fixed cohort (frozen at its activation), counted once: kept
    until ``model.cohort`` is another array (a restored snapshot)."""
    kept = getattr(model, "_cohort_row", None)
    if kept is None or kept[0] is not model.cohort:
        kept = model._cohort_row = (model.cohort, np.bincount(model.cohort, minlength=STRIDE))
    return kept[1]


def cohort_rows(model, cohort_cells, rows) -> np.ndarray:
    """``cohort_cells[rows]``, kept while they are the model's fixed cohort's (``model.cohort``, which never
    changes after activation; a restored snapshot brings another array)."""
    if model.cohort is None or cohort_cells is not model.cohort:
        return cohort_cells[rows]
    kept = getattr(model, "_cohort_rows", None)
    if kept is None or kept[0] is not model.cohort:
        kept = model._cohort_rows = (model.cohort, model.cohort[rows])
    return kept[1]


@cache
def _within_hispanic(groups: tuple) -> np.ndarray:
    """For each group, whether all its cells are Hispanic residents'."""
    return np.array([not (CELL_GROUPS[g] & ~CELL_GROUPS["hispanic"]).any() for g in groups])


def _joined(arrays) -> np.ndarray:
    """The counties' arrays one after another (the one array for one county)."""
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


class Week:
    """What this week's STATE reporters are computed from, for one county or several stepped together
    (``model.batch``): each county's residents' cells (``cells``), its fixed cohort's (``cohort_cells``,
    the cells at activation, which removed members keep) and each resident's reporting probability. A
    block computes its reporters for every county at once, as one value per county; the counties' cells
    are one table (county k's cell c at k * STRIDE + c), so a group mean is the same few numpy calls
    for one county or fifty, and each county's value is the one it has alone, to the last digit."""

    def __init__(self, models, report_prob, cells, cohort_cells, county_cells, rows=None):
        """``report_prob``: every county's residents' chances one after another; ``cells``, ``cohort_cells``:
        their cells in the counties' table (county k's cell c at k * STRIDE + c); ``county_cells``: each
        county's own cells (all its residents). (``from_counties`` makes them from each county's arrays.)
        ``rows``: for each county, the residents (rows of its arrays) the first three hold, when they hold only
        its Hispanic residents (``hispanic_rows_only``); None for all."""
        self.models, self.k = models, len(models)
        self.report_prob, self.cells, self.cohort_cells = report_prob, cells, cohort_cells
        self.county_cells, self.rows = county_cells, rows
        self.week = models[0].week
        self._counts = self._sizes = self._divisor = self._cohort_counts = None
        self._sums = []  # (cells, values, county x cell sums) computed this week (``sums``)
        self._knowing = {}  # kind -> who knows (``flag``)
        self._flags, self._tables, self._combined = (), {}, None  # the traits counted together (``expect_flags``)

    @classmethod
    def from_counties(cls, models, report_prob, cells, cohort_cells, rows=None) -> "Week":
        """The week of ``models`` from each one's reporting chances, cells and cohort's cells; of the residents
        ``rows`` of each (None: all)."""
        county_cells = cells
        if rows is not None:
            report_prob = [p[r] for p, r in zip(report_prob, rows, strict=True)]
            kept = [c[r] for c, r in zip(cells, rows, strict=True)]
            cohort_cells = [k if h is c else cohort_rows(m, h, r)
                            for m, h, c, k, r in zip(models, cohort_cells, cells, kept, rows, strict=True)]
            cells = kept

        def offset(parts):
            return _joined([c + i * STRIDE for i, c in enumerate(parts)]) if len(parts) > 1 else parts[0]
        return cls(models, _joined(report_prob), offset(cells), offset(cohort_cells), county_cells, rows)

    def of(self, get) -> np.ndarray:
        """``get(model)`` of each county's model (its ``rows``), one after another."""
        if self.rows is None:
            return _joined([get(m) for m in self.models])
        return _joined([get(m)[r] for m, r in zip(self.models, self.rows, strict=True)])

    def flow(self, name: str) -> list:
        """This week's count of a flow, county by county."""
        return [m.flows[name] for m in self.models]

    def table(self, cells, weights=None) -> np.ndarray:
        """County x cell: residents (no ``weights``) or the sum of ``weights`` over them."""
        return np.bincount(cells, weights=weights, minlength=self.k * STRIDE).reshape(self.k, STRIDE)

    def sums(self, cells, values) -> np.ndarray:
        """``table(cells, values)``, computed once a week for the same two arrays (a county's cohort is this
        week's cells until its activation, so the reporting rates of both come from one table then)."""
        for c, v, table in self._sums:
            if c is cells and v is values:
                return table
        table = self.table(cells, values)
        self._sums.append((cells, values, table))  # (the arrays are kept: identity is only compared while alive)
        return table

    def cohort_counts(self) -> np.ndarray:
        """County x cell: the residents of each county's fixed cohort. Until a county's activation its cohort's
        cells are this week's (its row of ``counts``); from then on they never change, and are counted once
        (``_cohort_row``)."""
        if self._cohort_counts is None:
            rows = [self.counts[i] if m.cohort is None else _cohort_row(m) for i, m in enumerate(self.models)]
            self._cohort_counts = np.stack(rows)
        return self._cohort_counts

    @property
    def counts(self) -> np.ndarray:
        if self._counts is None:
            self._counts = self.table(self.cells) if not self._flags else self._flag_counts().sum(axis=-1)
        return self._counts

    def expect_flags(self, names) -> None:
        """The yes/no traits (``flag``) this week's blocks will ask for: their tables, and the residents of each
        cell, are then counted in one pass (``_flag_counts``)."""
        self._flags = tuple(dict.fromkeys(names))[:8]  # a combination is one byte (more: counted on their own)

    def flag(self, name: str) -> np.ndarray:
        """A yes/no trait of every resident this week: ``chilled``, or a kind of ``FearProcess.KNOWING``."""
        if name == "chilled":
            return self.of(lambda m: m.fear_process.chilled)
        if name not in self._knowing:
            rows = self.rows or [None] * self.k  # (only these residents' are worked out)
            self._knowing[name] = _joined([m.fear_process.knows(self.week, name, r)
                                           for m, r in zip(self.models, rows, strict=True)])
        return self._knowing[name]

    def flag_table(self, name: str) -> np.ndarray:
        """County x cell: the residents with the trait ``name`` (whole numbers, as floats)."""
        if name not in self._flags:
            return self.table(self.cells, self.flag(name))
        if name not in self._tables:
            counts = self._flag_counts()  # county x cell x combination of the traits
            per_flag = (counts @ _bits(len(self._flags))).astype(np.float64)  # whole numbers: exact
            for bit, flag in enumerate(self._flags):
                self._tables[flag] = per_flag[..., bit]
        return self._tables[name]

    def _flag_counts(self) -> np.ndarray:
        """County x cell x combination of the expected traits (bit j for trait j): residents, in one bincount.
        Whole numbers, so every table summed from it equals the sum of the trait over each cell's residents."""
        if self._combined is None:
            combination = np.zeros(len(self.cells), dtype=np.uint8)
            for bit, name in enumerate(self._flags):
                combination |= self.flag(name).view(np.uint8) << np.uint8(bit)
            width = 1 << len(self._flags)
            key = self.cells * width
            key += combination
            self._combined = np.bincount(key, minlength=self.k * STRIDE * width).reshape(self.k, STRIDE, width)
        return self._combined

    def _group_sizes(self) -> None:
        """County x group (``GROUP_NAMES``) residents, once a week."""
        sizes = self._unknown(self.counts @ _group_counts(GROUP_NAMES), GROUP_NAMES)
        self._divisor = np.where(sizes > 0, sizes, np.nan)  # an empty group's mean is NaN (integers: exact)
        self._sizes = dict(zip(GROUP_NAMES, sizes.T.tolist(), strict=True))

    def _unknown(self, sizes, groups) -> np.ndarray:
        """``sizes`` (county x group), NaN for the groups with non-Hispanic residents when the week holds only
        the Hispanic ones' rows (their means are then NaN too: no reporter asked for reads them)."""
        if self.rows is not None:
            sizes = sizes.astype(np.float64)  # (whole numbers: exact)
            sizes[:, ~_within_hispanic(groups)] = np.nan
        return sizes

    def size(self, group: str) -> list:
        """Residents in the group, county by county."""
        if self._sizes is None:
            self._group_sizes()
        return self._sizes[group]

    def means(self, values, groups, cohort: bool = False) -> dict:
        """Mean of ``values`` (over every county's residents, one after another; or the name of a ``flag``) in
        each named group, county by county (NaN for an empty group); among the fixed cohort's cells with
        ``cohort``."""
        if cohort:
            values = self.flag(values) if isinstance(values, str) else values
            sizes = self._unknown(self.cohort_counts() @ _group_counts(groups), groups)
            divisor = np.where(sizes > 0, sizes, np.nan)
            sums = group_totals(self.sums(self.cohort_cells, values), groups)
        else:
            if self._sizes is None:
                self._group_sizes()
            divisor = self._divisor[:, _group_columns(groups)]
            table = self.flag_table(values) if isinstance(values, str) else self.sums(self.cells, values)
            sums = group_totals(table, groups)
        return dict(zip(groups, (sums / divisor).T.tolist(), strict=True))


def _reporting(w: Week) -> dict:
    reporting = w.means(w.report_prob, REPORTING_GROUPS)
    return {"reporting_rate": reporting["all"], **{f"reporting_rate_{g}": reporting[g] for g in VICTIM_GROUPS}}


def _cohort(w: Week) -> dict:
    cohort = w.means(w.report_prob, REPORTING_GROUPS, cohort=True)
    return {"reporting_rate_cohort": cohort["all"], **{f"reporting_rate_cohort_{g}": cohort[g] for g in VICTIM_GROUPS}}


# The realized rates: (reporter, numerator flow, denominator flow), each the ratio of this week's counts.
_REALIZED = (
    ("clearance_rate", "crimes_cleared", "crimes_reported"),
    *((f"realized_reporting_{g}", f"victimizations_reported_{g}", f"victimizations_{g}") for g in VICTIM_GROUPS),
    ("realized_reporting_violent", "crimes_reported_violent", "crimes_violent"),
    ("realized_reporting_property", "crimes_reported_property", "crimes_property"),
    *((f"clearance_rate_{g}", f"crimes_cleared_{g}", f"victimizations_reported_{g}") for g in VICTIM_GROUPS),
)


_REALIZED_NAMES = tuple(name for name, _, _ in _REALIZED)


def _realized(w: Week) -> dict:
    nan = float("nan")
    rows = [[f[n] / f[d] if f[d] else nan for _, n, d in _REALIZED] for f in (m.flows for m in w.models)]
    return dict(zip(_REALIZED_NAMES, map(list, zip(*rows, strict=True)), strict=True))


def _victimization(w: Week) -> dict:
    return {f"victimization_rate_{g}": _ratios([v * WEEKS_PER_YEAR * 1000 for v in w.flow(f"victimizations_{g}")],
                                               w.size(g))
            for g in VICTIM_GROUPS}


def _fear(w: Week) -> dict:
    fear = w.means(w.of(lambda m: m.fear), FEAR_GROUPS)
    return {f"fear_mean_{g}": fear[g] for g in FEAR_GROUPS}


def _chilled(w: Week) -> dict:
    chilled = w.means("chilled", CHILL_GROUPS)
    return {f"chilled_share_{g}": chilled[g] for g in CHILL_GROUPS}


_chilled.flags = ("chilled",)


_CHANNEL_REPORTERS = tuple(f"fear_channel_{c}_hispanic" for c in CHANNEL_NAMES)


def _channels(w: Week) -> dict:
    rows = []
    for m, cells, size in zip(w.models, w.county_cells, w.size("hispanic"), strict=True):
        sums = m.fear_process.channels @ CELL_GROUPS["hispanic"][cells].astype(np.float64)  # BLAS, one thread
        rows.append((sums / size).tolist() if size else [float("nan")] * len(sums))        # (model/threads.py)
    return dict(zip(_CHANNEL_REPORTERS, map(list, zip(*rows, strict=True)), strict=True))


_KNOWING = (("share_hispanic_knows_detained", "knows_detained", "hispanic"),
            ("share_hispanic_adults_knows_detained", "knows_detained", "hispanic_adults"),
            ("share_hispanic_adults_knows_detained_close", "knows_detained_close", "hispanic_adults"),
            ("share_hispanic_adults_knows_undocumented", "knows_undocumented", "hispanic_adults"),
            ("share_hispanic_adults_heard_detained", "heard_detained", "hispanic_adults"))


def _knowing_block(name: str, kind: str, group: str):
    """The block of one knowing reporter: a panel that keeps one computes neither the others nor their kinds."""
    def block(w: Week) -> dict:
        return {name: w.means(kind, (group,))[group]}
    block.__name__ = f"_{name}"
    block.flags = (kind,)
    return block


def _present(w: Week) -> dict:
    return {"residents_present": w.size("all"), "undocumented_present": w.size("undocumented")}


def _custody(w: Week) -> dict:
    stocks = [custody_stocks(m, away) for m, away in zip(w.models, w.counts[:, 0].tolist(), strict=True)]
    return {name: [s[name] for s in stocks] for name in stocks[0]}


# The STATE reporters, block by block: each block's names and the function that computes them. A model
# asked for some reporters (``SecureCommunitiesModel(reporters=...)``) computes only the blocks they need;
# tests/test_collector.py checks that the blocks name every STATE reporter once.
STATE_BLOCKS = (
    (_reporting, ("reporting_rate", *(f"reporting_rate_{g}" for g in VICTIM_GROUPS))),
    (_cohort, ("reporting_rate_cohort", *(f"reporting_rate_cohort_{g}" for g in VICTIM_GROUPS))),
    (_realized, ("clearance_rate", *(f"realized_reporting_{g}" for g in VICTIM_GROUPS), "realized_reporting_violent",
                 "realized_reporting_property", *(f"clearance_rate_{g}" for g in VICTIM_GROUPS))),
    (_victimization, tuple(f"victimization_rate_{g}" for g in VICTIM_GROUPS)),
    (_fear, tuple(f"fear_mean_{g}" for g in FEAR_GROUPS)),
    (_chilled, tuple(f"chilled_share_{g}" for g in CHILL_GROUPS)),
    (_channels, tuple(f"fear_channel_{c}_hispanic" for c in CHANNEL_NAMES)),
    *((_knowing_block(name, kind, group), (name,)) for name, kind, group in _KNOWING),
    (_present, ("residents_present", "undocumented_present")),
    (_custody, ("in_ice_custody", "pending_cases", "removed_away", "departed_away")),
)


EVERYONE = "everyone"  # a reporter that reads each county's own arrays whole (never some residents' rows)
# The cell group (``CELL_GROUPS``) whose residents each STATE reporter counts: None for one computed from this
# week's flows alone, EVERYONE for one that reads every resident as they are (the fear channels' stocks; the
# custody stocks, which count those outside the county). tests/test_collector.py checks it names each once.
READS = {
    "reporting_rate": "all", **{f"reporting_rate_{g}": g for g in VICTIM_GROUPS},
    "reporting_rate_cohort": "all", **{f"reporting_rate_cohort_{g}": g for g in VICTIM_GROUPS},
    **dict.fromkeys(_REALIZED_NAMES),
    **{f"victimization_rate_{g}": g for g in VICTIM_GROUPS},
    **{f"fear_mean_{g}": g for g in FEAR_GROUPS},
    **{f"chilled_share_{g}": g for g in CHILL_GROUPS},
    **dict.fromkeys(_CHANNEL_REPORTERS, EVERYONE),
    **{name: group for name, _kind, group in _KNOWING},
    "residents_present": "all", "undocumented_present": "undocumented",
    **dict.fromkeys(("in_ice_custody", "pending_cases", "removed_away", "departed_away"), EVERYONE),
}


def hispanic_rows_only(wanted) -> bool:
    """Whether every STATE reporter in ``wanted`` counts Hispanic residents alone (as the county panel's do),
    so that a week's measurement need read only their rows: each cell's sums over them are added in the same
    order as over everyone, so the reporters are the same to the last digit, for a fraction of the work."""
    if wanted is None:
        return False
    groups = {READS[name] for name in wanted if name in READS} - {None}
    return bool(groups) and EVERYONE not in groups and bool(_within_hispanic(tuple(sorted(groups))).all())


def state_blocks(wanted=None) -> tuple:
    """The blocks that compute any of ``wanted`` (every block for None)."""
    if wanted is None:
        return tuple(fn for fn, _ in STATE_BLOCKS)
    wanted = set(wanted)
    return tuple(fn for fn, names in STATE_BLOCKS if wanted.intersection(names))


def keeps_channels(wanted=None) -> bool:
    """Whether the reporters ``wanted`` (all for None) need the fear channels' stocks (``FearProcess``)."""
    return _channels in state_blocks(wanted)


def weekly_state(models, inputs, blocks=None, rows=None) -> list:
    """The STATE reporters for this week that ``blocks`` compute (all for None), one dict per model:
    ``inputs`` holds each model's (reporting probabilities, cells, cohort's cells); ``rows``, each model's
    residents to read (``Week``; None: all)."""
    return measure(Week.from_counties(models, *zip(*inputs, strict=True), rows=rows), blocks)


def measure(week: Week, blocks=None) -> list:
    """The STATE reporters of ``week`` that ``blocks`` compute (all for None), one dict per county."""
    out = {}
    blocks = blocks if blocks is not None else state_blocks()
    week.expect_flags(flag for block in blocks for flag in getattr(block, "flags", ()))
    for block in blocks:
        out.update(block(week))
    if week.k == 1:  # every block gives a list of one value per county
        return [{name: values[0] for name, values in out.items()}]
    return [dict(zip(out, row, strict=True)) for row in zip(*out.values(), strict=True)]


def custody_stocks(model, away: int) -> dict:
    """People in each place the pathway can leave them, now: in ICE custody, free with a case pending,
    away after a removal, away after a voluntary departure (``away``: everyone outside the county)."""
    departed = int(model.departed.sum())
    return {"in_ice_custody": len(model.ice.detained), "pending_cases": model.court.pending,
            "removed_away": away - departed, "departed_away": departed}


class EventLog:
    """Pathway events, one row each, kept as plain tuples until asked for."""

    def __init__(self):
        self.rows = []
        self.counts = {}  # (stage, offense) -> events so far

    def count(self, stage: str, offenses=None) -> int:
        """Events so far at a stage, optionally only those whose offense is one of ``offenses``."""
        return sum(n for (s, off), n in self.counts.items() if s == stage and (offenses is None or off in offenses))

    def add(self, model, stage, resident, offense=None, door=None, rule=None) -> None:
        """One event. ``door``: how ICE took the person (detentions, removals); ``rule``: the named
        rule that decided it (the regime's priority for a detainer or detention, the county policy's
        rule for a hold or a release)."""
        level = sc_level(model.record[resident])
        offense_name = None if offense is None else OFFENSE_NAMES[int(offense)]
        self.counts[stage, offense_name] = self.counts.get((stage, offense_name), 0) + 1
        self.rows.append((model.week, resident, stage, offense_name,
                          LEVEL_NAMES[level], CHARGE_NAMES[int(model.charge_state[resident])],
                          int(model.age[resident]),
                          _STATUS_NAMES[model.status[resident]],
                          bool(model.hispanic[resident]),
                          "female" if model.female[resident] else "male",
                          bool(model.parent_of_citizen_child[resident]), door, rule))

    def select(self, **where) -> list[dict]:
        """The events so far whose columns have the given values, oldest first, each as a dict keyed by
        ``EVENT_COLUMNS``: ``select(resident_id=7)`` is one resident's story (the page's inspector),
        ``select(stage="declined", rule="background_decline")`` one kind of event. A scan of the log,
        for the few questions a page asks; analyses read ``frame()``."""
        unknown = sorted(set(where) - set(EVENT_COLUMNS))
        if unknown:
            raise KeyError(f"no event column {unknown}; the columns are {EVENT_COLUMNS}")
        if not where:
            return [dict(zip(EVENT_COLUMNS, row, strict=True)) for row in self.rows]
        key = itemgetter(*(EVENT_COLUMNS.index(name) for name in where))
        wanted = tuple(where.values()) if len(where) > 1 else next(iter(where.values()))
        return [dict(zip(EVENT_COLUMNS, row, strict=True)) for row in self.rows if key(row) == wanted]

    def state(self) -> dict:
        return {"rows": list(self.rows), "counts": dict(self.counts)}

    def set_state(self, state: dict) -> None:
        self.rows = list(state["rows"])
        self.counts = dict(state["counts"])

    def frame(self) -> pd.DataFrame:
        df = pd.DataFrame(self.rows, columns=list(EVENT_COLUMNS))
        df["stage"] = pd.Categorical(df["stage"], categories=STAGES)
        df["week"] = df["week"].astype(np.int64)
        df["resident_id"] = df["resident_id"].astype(np.int64)
        df["age"] = df["age"].astype(np.int64)
        return df
