"""SecureCommunitiesModel: a county whose arrests feed the federal fingerprint pathway.

Each step is one week. The model owns the per-resident numpy arrays and the social
graph; the population processes (crime, fear) act on all residents at once, and the
agents (police, jail, ICE, households, residents) handle each arrest, booking, detainer
and removal as it happens.

Opting out is impossible here, as it was in law: ``sharing_active`` is a federal switch
(FBI-DHS sharing) and fingerprints always go to the FBI. The county's levers are the jail's
``detainer_policy`` and its arrest discretion (``cite_release_prob``, ``policing_intensity``).
"""

import difflib
import inspect
from functools import cache
from operator import itemgetter

import mesa
import numpy as np
from mesa.time import EventGenerator, Priority, Schedule

from agents import ICE, Household, Jail, PoliceOfficer, Resident
from agents.capacity import NationalPool
from agents.codes import (
    CHARGE_NAMES,
    FINAL_ORDER,
    LEVEL_NAMES,
    OFFENSE_NAMES,
    PRIOR_REMOVAL,
    VICTIMIZATION_BY_AGE,
    WEEKS_PER_YEAR,
    Custody,
    Offense,
    Status,
    age_group,
    offending_by_age,
    sc_level,
    victimization_by_age,
)
from agents.court import NO_CASE, ImmigrationCourt
from agents.police import stop_weights
from agents.policies import POLICIES, REGIMES

from . import crime
from .acquaintances import build_foci, empty_foci
from .fear import FearProcess
from .metrics import (
    EventLog,
    fixed_cells,
    hispanic_rows_only,
    keeps_channels,
    resident_cells,
    state_blocks,
    victim_groups,
    weekly_state,
)
from .network import build_ties, to_networkx
from .on_demand import AgentsOnDemand
from .parameters import DEFAULTS, make_params
from .population import build_county
from .reporters import FLOWS, REPORTERS
from .spin_up import built, remember_built, restore, snapshot, spin_up, spin_up_key, spin_up_together
from .threads import single_threaded


def victim_weight(age) -> np.ndarray:
    """Violent victimization at each age over its highest (NCVS): the chance a candidate victim is kept."""
    return victimization_by_age(age) / VICTIMIZATION_BY_AGE.max()


_KNOWN_REPORTERS = frozenset(REPORTERS)
_CUMULATIVE = tuple(f"{k}_cumulative" for k in FLOWS)  # the running totals' reporters, in FLOWS's order
_NO_FLOWS = dict.fromkeys(FLOWS, 0)  # every flow at 0: a week's flows before it starts (copied: cheaper than built)


def recorded_reporters(reporters) -> tuple:
    """The reporters a model records: all for None, else the given names (checked, in the given order)."""
    if reporters is None:
        return REPORTERS
    if isinstance(reporters, str) or not all(isinstance(r, str) for r in reporters):
        raise ValueError(f"reporters: expected a list of reporter names, got {reporters!r}")
    unknown = [r for r in reporters if r not in _KNOWN_REPORTERS]
    if unknown:
        close = {r: difflib.get_close_matches(r, REPORTERS, n=1) for r in unknown}
        hints = "; ".join(f"{r!r}" + (f" (did you mean {c[0]!r}?)" if c else "") for r, c in close.items())
        raise ValueError(f"reporters: no reporter {hints}; the names are model.reporters.REPORTERS")
    return tuple(dict.fromkeys(reporters))


class MetricsCollector(mesa.DataCollector):
    """Mesa's DataCollector, with the same tables and methods, that records each week's ``model.metrics``
    directly: every reporter is a number of that dict, so Mesa's call and deep copy per reporter and
    week (about a tenth of a step) buy nothing. A week is kept as one row (its values in the table's order)
    and the rows go into ``model_vars``'s lists when anyone reads it. Reporters outside ``model.metrics``
    go through Mesa."""

    _checked = None  # the table whose names were last checked against model.metrics, and the answer
    _direct = False
    _names = ()  # the table's reporters, in its order
    _row = None  # their values in that order, from model.metrics (for two or more)
    _rows = ()  # weeks recorded since model_vars was last read

    @property
    def model_vars(self) -> dict:
        """Reporter -> list of weekly values (Mesa's table), the weeks kept as rows brought in first."""
        table = self.__dict__["_model_vars"]
        if self._rows:
            for values, column in zip(table.values(), zip(*self._rows, strict=True), strict=True):
                values.extend(column)
            self._rows = []
        return table

    @model_vars.setter
    def model_vars(self, table: dict) -> None:
        self.__dict__["_model_vars"] = table
        self._rows = []  # a new table (a restored snapshot's): the weeks kept for the old one go with it

    def collect(self, model):
        metrics = getattr(model, "metrics", None)
        table = self.__dict__["_model_vars"]
        if metrics is not None and self._checked is not table:  # once per table: the names never change
            self._checked, self._direct = table, set(table) <= metrics.keys()
            self._names = tuple(table)
            self._row = itemgetter(*self._names) if len(self._names) > 1 else None  # a tuple of the values
        if metrics is None or not self._direct:
            return super().collect(model)
        if hasattr(self, "_collection_steps"):
            self._collection_steps.append(model.time)
        if self._row is not None:
            self._rows.append(self._row(metrics))
        elif self._names:
            self._rows.append((metrics[self._names[0]],))


@cache
def _victimization_flows(groups: tuple) -> tuple:
    """The flows a week's crimes count (``_victim_rows``'s rows), then the same of the reported ones."""
    return (("crimes", "crimes_violent", "crimes_property", *(f"victimizations_{g}" for g in groups))
            + ("crimes_reported", "crimes_reported_violent", "crimes_reported_property",
               *(f"victimizations_reported_{g}" for g in groups)))


@cache
def _clearance_flows(groups: tuple) -> tuple:
    return ("crimes_cleared_violent", "crimes_cleared_property", *(f"crimes_cleared_{g}" for g in groups))


class SecureCommunitiesModel(mesa.Model):
    """One county under Secure Communities. All parameters are keywords with defaults;
    see ``model.parameters.PARAMETERS`` for their sources and allowed values."""

    def __init__(self, rng=None, scenario=None, reporters=None, events=True, **params):
        """``reporters``: the names of the reporters to record each week (all of ``REPORTERS`` for None);
        a sweep or a panel that keeps a few asks for those, and the rest are not computed. ``events``: whether
        to keep the event log (``events``, ``event_log``); a panel, which reads only reporters, does without
        it (the county is the same: nothing in a week reads the log)."""
        spin_up_later = params.pop("_spin_up_later", None)  # build_together's list, not a parameter
        if scenario is not None:  # a Mesa Scenario (e.g. model.CountyScenario) carries parameters and rng
            given = {k: v for k, v in scenario if k != "rng"}
            both = sorted(set(given) & set(params))
            if both:
                raise ValueError(f"{both} given both in the scenario and as keywords; give each once")
            params = {**given, **params}
        p = make_params(params)  # checked and frozen; fails before any work is done
        self.reporters = recorded_reporters(reporters)
        super().__init__(rng=rng, scenario=scenario)
        self.params = p

        key = spin_up_key(p, rng)  # a county built from this seed before in this process is read, not drawn again
        kept = built(key)
        if kept is None:
            county = build_county(p, self.rng)
            ties = build_ties(p, self.rng, county)
            foci = (build_foci(p, self.rng, county.neighborhood, county.hispanic, county.status, county.adult)
                    if p.acquaintance_channel else empty_foci(len(county.status)))
            remember_built(key, county, ties, foci, self.rng.bit_generator.state)
        else:
            county, ties, foci, state = kept
            self.rng.bit_generator.state = state
        self.status, self.hispanic, self.female = county.status, county.hispanic, county.female
        self.adult, self.household_of = county.adult, county.household_of
        self.neighborhood, self.propensity = county.neighborhood, county.propensity
        self.in_ident, self.record, self.record_week = county.in_ident, county.record, county.record_week
        self.parent_of_citizen_child = county.parent_of_citizen_child
        self.second_generation = county.second_generation
        self.age, self.base_propensity = county.age, county.base_propensity
        self.victim_weight = victim_weight(self.age)  # the chance a candidate victim of each age is kept
        self.fixed_cells = fixed_cells(self.hispanic, self.adult, self.second_generation)  # (model.metrics)
        n = len(self.status)
        self.ice_events = []  # this week's detentions and removals: (resident, shock, the jail's own transfer?)
        self.custody = np.full(n, Custody.FREE, dtype=np.int8)
        self.last_ice_week = np.full(n, -10**6, dtype=np.int64)
        self.in_foster_care = np.zeros(n, dtype=bool)
        self.ever_fostered = np.zeros(n, dtype=bool)
        self.ever_separated_child = np.zeros(n, dtype=bool)  # a citizen child separated from a parent
        self.ever_wrongly_held = np.zeros(n, dtype=bool)  # a citizen held past release on a detainer
        self.removed_in_run = np.zeros(n, dtype=bool)
        self.departed = np.zeros(n, dtype=bool)  # away after a voluntary departure (not a removal)
        self.case_due_week = np.full(n, NO_CASE, dtype=np.int32)  # hearing week of a pending case
        self.charge_state = np.zeros(n, dtype=np.int8)  # where the case of the latest booking stands
        self.foster_households = set()  # households with children in foster care
        self.reentry_schedule = {}  # week -> removed residents who come back that week
        self.stop_weight = stop_weights(self)  # per-resident multiplier on proactive stops
        self.nb_order = np.argsort(self.neighborhood, kind="stable")
        self.nb_counts = np.bincount(self.neighborhood)
        self.nb_offsets = np.concatenate([[0], np.cumsum(self.nb_counts)[:-1]])

        self.ties = ties
        self.victim_pool = crime.victim_pool(self.ties, self.nb_order)  # ties, then neighborhoods (model.crime)
        self.foci = foci
        policies = p.detainer_policy.map(POLICIES.__getitem__)  # the jail's rules, week by week
        self.fear_process = FearProcess(p, self.rng, self.ties, self.foci, self.status, self.hispanic,
                                        county.household_start, policies.map(lambda policy: policy.declared),
                                        channels=keeps_channels(None if reporters is None else self.reporters))
        self._graph = None

        self.residents = AgentsOnDemand(n, lambda i: Resident(self, i))
        self.households = AgentsOnDemand(len(county.household_start) - 1, self._make_household)
        self._household_start = county.household_start
        n_beats = len(self.nb_counts)
        n_officers = max(1, round(p.police_per_1000 * n / 1000))
        self.officers = [PoliceOfficer(self, beat=i % n_beats) for i in range(n_officers)]
        self.beat_officers = [[o for o in self.officers if o.beat == b] or [self.officers[b % n_officers]]
                              for b in range(n_beats)]
        self.jail = Jail(self, policies, p)
        regimes = p.enforcement_regime.map(REGIMES.__getitem__)  # ICE's priorities, week by week
        pool = NationalPool(capacity=p.ice_capacity_share / p.national_removed_share, demand=p.national_demand_rate)
        self.ice = ICE(self, regimes, p, pool=pool)
        self.court = ImmigrationCourt(self, regimes, p)

        self.events = EventLog()
        self.recording = True  # False during the spin-up: no event is logged
        self.keeps_events = bool(events)  # False: no event is ever logged
        self._spin_week = None  # the week during the spin-up (negative), None after it
        self.totals = _NO_FLOWS.copy()
        self.flows = _NO_FLOWS.copy()
        self.datacollector = MetricsCollector(
            model_reporters={name: (lambda m, key=name: m.metrics[key]) for name in self.reporters})
        self.blocks = state_blocks(None if reporters is None else self.reporters)  # what each week measures
        # asked only for reporters on Hispanic residents (the panel's), a week reads only their rows
        self.measured_rows = np.flatnonzero(self.hispanic) if hispanic_rows_only(
            None if reporters is None else self.reporters) else None
        # the running totals measured each week: all, or those among the reporters asked for
        kept = [(name, flow) for name, flow in zip(_CUMULATIVE, FLOWS, strict=True)
                if reporters is None or name in self.reporters]
        self._totals_kept = (tuple(name for name, _ in kept), tuple(flow for _, flow in kept))
        self.cohort = None  # the fixed cohort's group masks, frozen at the activation week
        self.fear_process.sync(self.status, self.custody)
        self.report_prob = crime.reporting_probability(self)
        self.baseline_neighborhood_reporting = crime.neighborhood_reporting(  # no fear of enforcement at all
            self, np.ones(n), self.report_prob)
        if spin_up_later is not None:  # build_together: the spin-up runs with the others' (then week 0)
            spin_up_later.append((self, rng))
            return
        spin_up(self, rng)  # the county before week 0, at rest in the world before the program
        self._collect()

    @classmethod
    def build_together(cls, counties) -> list:
        """One model for each dict of keywords in ``counties`` (``cls(**keywords)``), their spin-ups run
        together (``model.spin_up.spin_up_together``): the models each has built alone, for the fixed cost
        of the spin-up's weeks paid once per week rather than once per county."""
        later = []
        models = [cls(**keywords, _spin_up_later=later) for keywords in counties]
        spin_up_together(later)
        for model in models:
            model._collect()
        return models

    @classmethod
    def from_snapshot(cls, snap: dict, collector=None, **keywords):
        """``cls(**keywords)`` put at the snapshot's week (``restore``) without running its own spin-up first:
        the snapshot replaces every trace of it, so the model is the one built, spun up and restored (tested),
        for the cost of the build alone (a twin starts from its treated run's snapshot; a county of 3 million
        residents spins up in a minute). ``collector``: the DataCollector, or a stand-in, that receives the
        snapshot's recorded weeks (the model's own by default)."""
        model = cls(**keywords, _spin_up_later=[])
        if collector is not None:
            model.datacollector = collector
        model.restore(snap)
        if not snap["steps"]:  # week 0: measured as after a spin-up
            model._collect()
        return model

    def _make_household(self, h: int) -> Household:
        members = range(int(self._household_start[h]), int(self._household_start[h + 1]))
        return Household(self, h, members, [m for m in members if self.adult[m]],
                         [m for m in members if not self.adult[m]])

    # --- safe copies of the state (model.spin_up) ---
    def snapshot(self) -> dict:
        """Every piece of the changing state as plain data (see ``model.spin_up.snapshot``)."""
        return snapshot(self)

    def restore(self, snap: dict) -> None:
        """Continue from a snapshot of a county with the same seed and parameters (see ``model.spin_up``)."""
        restore(self, snap)

    def restart_clock(self, steps: int, time: float, recorded: dict) -> None:
        """Mesa's clock and the recorded weeks as a snapshot left them after ``steps`` recorded weeks."""
        self.set_clock(steps, time)
        self.datacollector.model_vars = {name: list(values) for name, values in recorded.items()}
        self.metrics = {name: values[-1] for name, values in recorded.items() if values}

    def set_clock(self, steps: int, time: float) -> None:
        """Mesa's clock at ``steps`` weeks, its next step scheduled for the next week."""
        self._default_schedule.stop()
        self.steps, self.time = int(steps), float(time)
        self._default_schedule = EventGenerator(self, self._do_step, Schedule(interval=1.0, start=self.time + 1.0),
                                                priority=Priority.HIGH).start()

    def hear_of_neighbours(self, level: float) -> None:
        """From now on, the news of detentions in the counties around this one, per 1,000 Hispanic residents a
        week, on top of ``outside_news`` (a coupled county panel sets it from its neighbours' runs)."""
        if not level >= 0:
            raise ValueError(f"a level of news is a rate >= 0, got {level}")
        self.fear_process.media.neighbours = float(level)

    # --- parameters (scikit-learn style) ---
    def get_params(self) -> dict:
        """The model's parameters as plain values (defaults filled in; schedules as their text)."""
        return self.params.as_dict()

    @property
    def graph(self):
        """The social graph (household and friendship ties) as NetworkX, built on first use."""
        if self._graph is None:
            self._graph = to_networkx(self.ties, len(self.status), self.params)
        return self._graph

    @property
    def fear(self) -> np.ndarray:
        """Each resident's fear of enforcement (see model.fear)."""
        return self.fear_process.fear

    @property
    def susceptibility(self) -> np.ndarray:
        """Each resident's effective susceptibility to fear (see model.fear)."""
        return self.fear_process.susceptibility

    @property
    def week(self) -> int:
        """The current week (1 during the first step; 0 before any step; negative during the spin-up)."""
        return self.steps if self._spin_week is None else self._spin_week

    @property
    def sharing_is_active(self) -> bool:
        """Whether FBI-DHS fingerprint sharing reaches this county this week (federal, not local)."""
        return self.params.sharing_active and self.week >= self.activation

    @property
    def activation(self) -> int:
        """The first week the program can act: ``activation_week``, or week 1 (the first recorded week)
        for an activation at week 0; never during the spin-up."""
        return max(self.params.activation_week, 1)

    # --- the week ---
    def step(self) -> None:
        with single_threaded():  # BLAS's thread pool only slows a week down (model/threads.py)
            self.advance()
            self._collect()

    def advance(self, crime_and_jail: bool = True, pull=None) -> None:
        """One week of the county's processes, without recording it (``step`` records it). Without
        ``crime_and_jail`` (the spin-up's early weeks, before the program, when crime leaves no trace
        but records drawn at build): ICE's own operations, removals, returns and fear only. ``pull``:
        this week's ``crime.deterrence``, if already computed (``model.batch``)."""
        self.flows = _NO_FLOWS.copy()
        if crime_and_jail:
            crime.run_week(self, pull)  # offending, victims, reports, police: arrests and bookings
            self.ice.issue_detainers()  # IDENT matches -> detainers for the regime's priorities
            self.jail.release_due()  # court outcomes; holds under the county's policy; declined: released
        self.ice.take_custody()  # every door (jail pickups, at large, background), by priority, in capacity
        self.ice.resolve_due()  # detention ends: removal, departure, release with a case pending, discretion, relief
        self.court.hearings_due()  # pending cases heard: removal order, relief, discretion or termination
        self._return_due()  # removed residents who come back this week
        self._birthdays()  # every 52 weeks everyone is a year older
        self.fear_process.step(self, *self._week_events())

    def _week_events(self):
        """This week's ICE events as distinct residents: their summed shock and whether any was the
        jail's own transfer to ICE."""
        events, self.ice_events = self.ice_events, []
        if not events:
            return np.empty(0, np.int64), np.empty(0), np.empty(0, dtype=bool)
        who = np.array([e[0] for e in events], dtype=np.int64)
        people, inverse = np.unique(who, return_inverse=True)
        shock = np.bincount(inverse, weights=[e[1] for e in events], minlength=len(people))
        transfer = np.bincount(inverse, weights=[e[2] for e in events], minlength=len(people)) > 0
        return people, shock, transfer

    def _collect(self) -> None:
        rows = None if self.measured_rows is None else [self.measured_rows]
        self.record_metrics(weekly_state([self], [self.week_inputs()], self.blocks, rows)[0])

    def week_inputs(self) -> tuple:
        """What this week's STATE reporters are computed from (``model.metrics.Week``): each resident's
        chance of reporting (kept for next week's crime), cell, and cell in the fixed cohort."""
        self.report_prob = crime.reporting_probability(self)
        cells = resident_cells(self)
        return self.report_prob, cells, self.cohort_cells(cells)

    def cohort_cells(self, cells: np.ndarray) -> np.ndarray:
        """The fixed cohort's cells given this week's: this week's until activation, then those of the
        activation week, which removed members keep (the cohort is followed from there)."""
        if self.cohort is None and self.week >= self.params.activation_week:
            self.cohort = cells
        return cells if self.cohort is None else self.cohort

    def record_metrics(self, state: dict) -> None:
        """This week's metrics (the flows, ``state``'s STATE reporters, the running totals; a model asked
        for some reporters measures only the STATE reporters and totals among them), recorded."""
        names, flows = self._totals_kept
        if self.measured_rows is not None:  # the blocks' other reporters were not measured (NaN): only those asked
            state = {name: value for name, value in state.items() if name in self.reporters}
        self.metrics = {**self.flows, **state, **dict(zip(names, map(self.totals.__getitem__, flows), strict=True))}
        self.datacollector.collect(self)

    # --- hooks the agents call for each event ---
    def count(self, name: str, k: int = 1) -> None:
        self.flows[name] += k
        self.totals[name] += k

    def log_event(self, stage: str, resident: int, offense=None, door=None, rule=None) -> None:
        if self.recording and self.keeps_events:
            self.events.add(self, stage, resident, offense, door, rule)

    def officer_for(self, resident: int) -> PoliceOfficer:
        """An officer on the beat where the resident lives."""
        officers = self.beat_officers[int(self.neighborhood[resident])]
        return officers[int(self.rng.integers(len(officers)))] if len(officers) > 1 else officers[0]

    def _victim_rows(self, victims, offense) -> tuple:
        """The week's crimes as rows of a boolean table: all, violent, property, then each victim group."""
        violent = offense == Offense.VIOLENT
        groups = victim_groups(self, victims)
        return np.array([np.ones_like(violent), violent, ~violent, *groups.values()]), tuple(groups)

    def record_victimizations(self, victims, offense, reported) -> None:
        """This week's crimes with victims: who suffered them, which type, which were reported."""
        rows, groups = self._victim_rows(victims, offense)
        counts = np.count_nonzero(rows, axis=1).tolist() + np.count_nonzero(rows & reported, axis=1).tolist()
        self._count_all(_victimization_flows(groups), counts)

    def record_clearances(self, victims, offense) -> None:
        """Crimes cleared this week, by type and by the victim's group (the total is counted by the officers)."""
        rows, groups = self._victim_rows(victims, offense)
        self._count_all(_clearance_flows(groups), np.count_nonzero(rows[1:], axis=1).tolist())

    def _count_all(self, names, counts) -> None:
        """``count`` of each name (several at once: a week's crimes count a dozen flows)."""
        flows, totals = self.flows, self.totals
        for name, k in zip(names, counts, strict=True):
            flows[name] += k
            totals[name] += k

    def mark_ice_contact(self, resident: int, shock: float, transfer: bool = False) -> None:
        """A detention or removal: the people who know the person will hear of it this week, and the news.
        ``transfer``: the jail handed the person to ICE (the news of which a declared policy damps)."""
        self.last_ice_week[resident] = self.week
        self.ice_events.append((resident, shock, transfer))

    # --- the pathway's bookkeeping (called by the jail and ICE) ---
    def free(self, resident: int) -> None:
        """The resident is free again (released from jail or ICE, granted relief, back from abroad).
        An adult's return ends the foster placement of the household's children."""
        self.custody[resident] = Custody.FREE
        if self.foster_households and self.adult[resident]:
            household = int(self.household_of[resident])
            if household in self.foster_households:
                children = self.households[household].reunify()
                self.count("reunifications", len(children))
                for child in children:
                    self.log_event("reunification", child)

    def count_citizen_held(self, resident: int) -> None:
        """A citizen held past release on a detainer the jail honored (each person counted once)."""
        if not self.ever_wrongly_held[resident]:
            self.ever_wrongly_held[resident] = True
            self.count("citizens_wrongly_held")

    def grant_relief(self, resident: int) -> None:
        """Relief in removal proceedings: lawful permanent residence, released from ICE custody."""
        self.status[resident] = Status.LPR
        self.record[resident, FINAL_ORDER] = 0
        self._status_changed(resident)
        self.count("reliefs")
        self.free(resident)

    def _status_changed(self, resident: int) -> None:
        """Refresh what depends on legal status (rare: relief, a status lost with a removal). Fear and
        reporting read status afresh each week (``FearProcess.sync``, ``crime.victim_scale``)."""
        self.households[int(self.household_of[resident])].update_status()
        self.ice.reweigh(resident)

    def remove_resident(self, resident: int, door: str = "sc", offense=None, rule=None) -> None:
        """Deport a resident: count the removal by door, level and triggering offense, book what it
        does to the household, and perhaps schedule a return (re-entry). A lawful permanent resident
        loses that status with the removal: whoever comes back comes back undocumented, with the
        removal on the record (reinstatement if removed again)."""
        if self.custody.item(resident) == Custody.REMOVED:
            raise RuntimeError(f"resident {resident} removed again while still removed")
        row = self.record[resident]
        self.count("removals")
        self.count(f"removals_{door}")
        self.count(f"removals_charge_{CHARGE_NAMES[int(self.charge_state[resident])]}")
        self.count(f"removals_age_{age_group(int(self.age[resident]))}")
        self.count(f"removals_{LEVEL_NAMES[sc_level(row)]}")
        if offense is not None:
            self.count(f"removals_after_{OFFENSE_NAMES[int(offense)]}")
        if row[PRIOR_REMOVAL] > 0:
            self.count("reinstatements")  # a prior order of removal reinstated
        if self.removed_in_run[resident]:
            self.count("repeat_removals")
        self.log_event("removal", resident, offense, door, rule)
        self.residents[resident].convict((PRIOR_REMOVAL,))  # the record now holds this removal
        self.record[resident, FINAL_ORDER] = 0  # an outstanding order, if any, is executed
        self.removed_in_run[resident] = True
        if self.status.item(resident) != Status.UNDOCUMENTED:
            self.count("statuses_lost")
            self.status[resident] = Status.UNDOCUMENTED
            self._status_changed(resident)
        else:
            self.ice.reweigh(resident)  # the removal is now a history
        self._leave(resident, self.params.removal_shock, transfer=door == "sc")

    def depart_resident(self, resident: int, door: str, offense=None) -> None:
        """Voluntary departure: the person leaves the country with no removal order. Away from the county
        like a removed person (the household is separated the same way), not counted as a removal, no
        removal on the record; may come back as a removed person may."""
        self.count("voluntary_departures")
        self.log_event("voluntary_departure", resident, offense, door)
        self.departed[resident] = True
        self._leave(resident, self.params.removal_shock, transfer=door == "sc")

    def _leave(self, resident: int, shock: float, transfer: bool = False) -> None:
        """The person is away from the county: the household's separation, the news of it, perhaps a return
        (``transfer``: the jail handed the person to ICE)."""
        self.custody[resident] = Custody.REMOVED
        self.mark_ice_contact(resident, shock, transfer)
        effect = self.households[int(self.household_of[resident])].record_removal(resident)
        if effect["separated"]:
            self.count("separations")
            self.count("separated_households", int(effect["first"]))
            self.count("separated_citizen_children", effect["new_citizen_children"])
            self.count("foster_placements", effect["foster"])
            self.count("foster_children", effect["new_foster"])
            self.log_event("separation", resident)
        if self.params.reentry_prob > 0 and self.rng.random() < self.params.reentry_prob:
            week = self.week + int(self.rng.geometric(1.0 / self.params.reentry_mean_weeks))
            self.reentry_schedule.setdefault(week, []).append(resident)

    def _return_due(self) -> None:
        """Residents away (removed, or departed) who come back this week: the same person, in the same
        household, undocumented, with any removal on their record."""
        for resident in self.reentry_schedule.pop(self.week, []):
            self.count("re_entries")
            self.log_event("re_entry", resident)
            self.departed[resident] = False
            self.free(resident)

    def _birthdays(self) -> None:
        """A year older every ``WEEKS_PER_YEAR`` weeks of the run; offending follows the age-crime curve
        (a resident turning 18 starts to offend, an older one offends less)."""
        if self.week > 0 and self.week % WEEKS_PER_YEAR == 0:  # not during the spin-up: ages are week 0's
            self.age += 1
            self.propensity = self.base_propensity * offending_by_age(self.age)
            self.victim_weight = victim_weight(self.age)

    def event_log(self):
        """Pathway events as a DataFrame, one row per event (see metrics.EVENT_COLUMNS)."""
        return self.events.frame()


# Show every parameter as an explicit keyword (for help(), SolaraViz and batch_run).
SecureCommunitiesModel.__init__.__signature__ = inspect.Signature(
    [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
     inspect.Parameter("rng", inspect.Parameter.KEYWORD_ONLY, default=None),
     inspect.Parameter("scenario", inspect.Parameter.KEYWORD_ONLY, default=None),
     inspect.Parameter("reporters", inspect.Parameter.KEYWORD_ONLY, default=None)]
    + [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=value)
       for name, value in DEFAULTS.items()])
