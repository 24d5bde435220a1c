"""SecureCommunitiesModel: a county whose arrests feed the federal fingerprint pathway.

Each step is one week. The model owns the per-resident numpy arrays and the social
graph; the population processes (crime, fear) act on all residents at once, and the
agents (police, jail, ICE, households, residents) handle each arrest, booking, detainer
and removal as it happens.

Opting out is impossible here, as it was in law: ``sharing_active`` is a federal switch
(FBI-DHS sharing) and fingerprints always go to the FBI. The county's levers are the jail's
``detainer_policy`` and its arrest discretion (``cite_release_prob``, ``policing_intensity``).
"""

import inspect

import mesa
import numpy as np

from agents import ICE, Household, Jail, PoliceOfficer, Resident
from agents.codes import LEVEL_NAMES, WEEKS_PER_YEAR, Custody, Offense, Status, conviction_columns, sc_level

from . import crime
from .acquaintances import build_foci, empty_foci
from .fear import FearProcess
from .metrics import FLOWS, REPORTERS, EventLog, resident_cells, victim_groups, weekly_state
from .network import build_ties, to_networkx
from .on_demand import AgentsOnDemand
from .parameters import DEFAULTS, validate_parameters
from .population import build_county

# Detainer policies declared in public, whose announcement damps the news of enforcement.
DECLARED_POLICIES = {"full": False, "hennessey": True, "trust_act": True, "sanctuary": True}


class SecureCommunitiesModel(mesa.Model):
    """One county under Secure Communities. All parameters are keywords with defaults;
    see ``model.parameters.PARAMETERS`` for their sources and allowed values."""

    def __init__(self, rng=None, scenario=None, **params):
        if scenario is not None:  # a Mesa Scenario (e.g. model.CountyScenario) carries parameters and rng
            given = {k: v for k, v in scenario if k != "rng"}
            both = sorted(set(given) & set(params))
            if both:
                raise ValueError(f"{both} given both in the scenario and as keywords; give each once")
            params = {**given, **params}
        checked = validate_parameters(params)  # fails before any work is done
        super().__init__(rng=rng, scenario=scenario)
        for name, value in checked.items():
            setattr(self, name, value)

        county = build_county(checked, self.rng)
        self.status, self.hispanic, self.female = county.status, county.hispanic, county.female
        self.adult, self.household_of = county.adult, county.household_of
        self.neighborhood, self.propensity = county.neighborhood, county.propensity
        self.in_ident, self.record = county.in_ident, county.record
        self.parent_of_citizen_child = county.parent_of_citizen_child
        n = len(self.status)
        self.fear_shock = np.zeros(n)
        self.custody = np.full(n, Custody.FREE, dtype=np.int8)
        self.last_ice_week = np.full(n, -10**6, dtype=np.int64)
        self.in_foster_care = np.zeros(n, dtype=bool)
        self.nb_order = np.argsort(self.neighborhood, kind="stable")
        self.nb_counts = np.bincount(self.neighborhood)
        self.nb_offsets = np.concatenate([[0], np.cumsum(self.nb_counts)[:-1]])

        self.ties = build_ties(checked, self.rng, county)
        self.foci = (build_foci(checked, self.rng, county.neighborhood, county.hispanic, county.status, county.adult)
                     if self.acquaintance_channel else empty_foci(n))
        self.fear_process = FearProcess(checked, self.rng, self.ties, self.foci, self.status, self.hispanic,
                                        county.household_start, DECLARED_POLICIES[self.detainer_policy])
        self.fear = self.fear_process.fear
        self._graph = None

        self.residents = AgentsOnDemand(n, lambda i: Resident(self, i))
        self.households = AgentsOnDemand(len(county.household_start) - 1, self._make_household)
        self._household_start = county.household_start
        n_beats = len(self.nb_counts)
        n_officers = max(1, round(self.police_per_1000 * n / 1000))
        self.officers = [PoliceOfficer(self, beat=i % n_beats) for i in range(n_officers)]
        self.beat_officers = [[o for o in self.officers if o.beat == b] or [self.officers[b % n_officers]]
                              for b in range(n_beats)]
        self.jail = Jail(self, self.detainer_policy)
        n_undocumented = int((self.status == Status.UNDOCUMENTED).sum())
        self.ice = ICE(self, self.enforcement_regime,
                       weekly_capacity=self.ice_capacity_share * n_undocumented / WEEKS_PER_YEAR)

        self.events = EventLog()
        self.totals = dict.fromkeys(FLOWS, 0)
        self.flows = dict.fromkeys(FLOWS, 0)
        self.datacollector = mesa.DataCollector(
            model_reporters={name: (lambda m, key=name: m.metrics[key]) for name in REPORTERS})
        self.cohort = None  # the fixed cohort's group masks, frozen at the activation week
        self.fear_process.sync(self.status, self.custody)
        self.report_prob = crime.reporting_probability(self)
        self.baseline_neighborhood_reporting = crime.neighborhood_reporting(
            self, np.ones(n), self.report_prob)
        self._collect()

    def _make_household(self, h: int) -> Household:
        members = range(int(self._household_start[h]), int(self._household_start[h + 1]))
        return Household(self, members, [m for m in members if self.adult[m]],
                         [m for m in members if not self.adult[m]])

    # --- parameters (scikit-learn style) ---
    def get_params(self) -> dict:
        """The model's parameters as passed (defaults filled in)."""
        return {name: getattr(self, name) for name in DEFAULTS}

    @property
    def graph(self):
        """The social graph (household and friendship ties) as NetworkX, built on first use."""
        if self._graph is None:
            self._graph = to_networkx(self.ties, len(self.status), self.get_params())
        return self._graph

    @property
    def susceptibility(self) -> np.ndarray:
        """Each resident's effective susceptibility to fear (see model.fear)."""
        return self.fear_process.susceptibility

    @property
    def week(self) -> int:
        """The current week (1 during the first step; 0 before any step)."""
        return self.steps

    @property
    def sharing_is_active(self) -> bool:
        """Whether FBI-DHS fingerprint sharing reaches this county this week (federal, not local)."""
        return self.sharing_active and self.week >= self.activation_week

    # --- the week ---
    def step(self) -> None:
        self.flows = dict.fromkeys(FLOWS, 0)
        crime.run_week(self)  # offending, victims, reports, police: arrests and bookings
        self.ice.issue_detainers()  # IDENT matches -> detainers, within priorities and capacity
        self.jail.release_due()  # the county's detainer policy; ICE pickups
        self.ice.resolve_due()  # detention ends: removal, relief or release of a citizen
        self.fear_process.step(self)
        self._collect()

    def _collect(self) -> None:
        self.report_prob = crime.reporting_probability(self)
        cells = resident_cells(self)
        if self.cohort is None and self.week >= self.activation_week:
            self.cohort = cells  # followed from here on, removed members included
        state = weekly_state(self, self.report_prob, self.fear_process.knowing(), cells,
                             cells if self.cohort is None else self.cohort)
        cumulative = {f"{k}_cumulative": v for k, v in self.totals.items()}
        self.metrics = {**self.flows, **state, **cumulative}
        self.datacollector.collect(self)

    # --- hooks the agents call for each event ---
    def count(self, name: str, k: int = 1) -> None:
        self.flows[name] += k
        self.totals[name] += k

    def log_event(self, stage: str, resident: int, offense=None) -> None:
        self.events.add(self, stage, resident, offense)

    def officer_for(self, resident: int) -> PoliceOfficer:
        """An officer on the beat where the resident lives."""
        officers = self.beat_officers[int(self.neighborhood[resident])]
        return officers[int(self.rng.integers(len(officers)))] if len(officers) > 1 else officers[0]

    def record_victimizations(self, victims, offense, reported) -> None:
        """This week's crimes with victims: who suffered them, which type, which were reported."""
        self.count("crimes", len(victims))
        self.count("crimes_reported", int(reported.sum()))
        violent = offense == Offense.VIOLENT
        for name, mask in (("violent", violent), ("property", ~violent)):
            self.count(f"crimes_{name}", int(mask.sum()))
            self.count(f"crimes_reported_{name}", int((mask & reported).sum()))
        for group, mask in victim_groups(self, victims).items():
            self.count(f"victimizations_{group}", int(mask.sum()))
            self.count(f"victimizations_reported_{group}", int((mask & reported).sum()))

    def record_clearances(self, victims, offense) -> None:
        """Crimes cleared this week, by type and by the victim's group (the total is counted by the officers)."""
        violent = offense == Offense.VIOLENT
        self.count("crimes_cleared_violent", int(violent.sum()))
        self.count("crimes_cleared_property", int((~violent).sum()))
        for group, mask in victim_groups(self, victims).items():
            self.count(f"crimes_cleared_{group}", int(mask.sum()))

    def resolve_charge(self, resident: int, offense, felony: bool) -> None:
        """At release the booking charge becomes a conviction, or not."""
        if self.rng.random() < self.conviction_prob:
            self.residents[resident].convict(conviction_columns(int(offense), felony))

    def mark_ice_contact(self, resident: int, shock: float) -> None:
        """A detention or removal: the person's ties will feel it this week."""
        self.last_ice_week[resident] = self.week
        self.fear_shock[resident] += shock

    def remove_resident(self, resident: int) -> None:
        """Deport a resident, and book what it does to the household."""
        if self.custody[resident] == Custody.REMOVED:
            raise RuntimeError(f"resident {resident} removed twice")
        r = self.record[resident]
        level = sc_level(int(r[0]), int(r[1]), int(r[2]))
        self.custody[resident] = Custody.REMOVED
        self.count("removals")
        self.count(f"removals_{LEVEL_NAMES[level]}")
        self.log_event("removal", resident)
        self.mark_ice_contact(resident, self.removal_shock)
        effect = self.households[int(self.household_of[resident])].record_removal(resident)
        if effect["separated"]:
            self.count("households_separated")
            self.count("citizen_children_separated", effect["citizen_children"])
            self.count("foster_placements", effect["foster"])
            self.log_event("separation", resident)

    def event_log(self):
        """Pathway events as a DataFrame, one row per event (see metrics.EVENT_COLUMNS)."""
        return self.events.frame()


# Show every parameter as an explicit keyword (for help(), SolaraViz and batch_run).
SecureCommunitiesModel.__init__.__signature__ = inspect.Signature(
    [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
     inspect.Parameter("rng", inspect.Parameter.KEYWORD_ONLY, default=None),
     inspect.Parameter("scenario", inspect.Parameter.KEYWORD_ONLY, default=None)]
    + [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=value)
       for name, value in DEFAULTS.items()])
