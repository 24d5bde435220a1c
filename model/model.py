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
from agents.codes import LEVEL_NAMES, WEEKS_PER_YEAR, Custody, Status, conviction_columns, sc_level

from . import crime
from .fear import update_fear
from .metrics import FLOWS, REPORTERS, EventLog, weekly_state
from .network import build_ties, to_networkx
from .parameters import DEFAULTS, validate_parameters
from .population import build_county


class SecureCommunitiesModel(mesa.Model):
    """One county under Secure Communities. All parameters are keywords with defaults;
    see ``model.parameters.PARAMETERS`` for their sources and allowed values."""

    def __init__(self, rng=None, **params):
        checked = validate_parameters(params)  # fails before any work is done
        super().__init__(rng=rng)
        for name, value in checked.items():
            setattr(self, name, value)

        county = build_county(checked, self.rng)
        self.status, self.hispanic, self.female = county.status, county.hispanic, county.female
        self.adult, self.household_of = county.adult, county.household_of
        self.neighborhood, self.propensity = county.neighborhood, county.propensity
        self.in_ident, self.record = county.in_ident, county.record
        self.parent_of_citizen_child = county.parent_of_citizen_child
        n = len(self.status)
        self.fear = np.zeros(n)
        self.fear_shock = np.zeros(n)
        self.custody = np.full(n, Custody.FREE, dtype=np.int8)
        self.last_ice_week = np.full(n, -10**6, dtype=np.int64)
        self.in_foster_care = np.zeros(n, dtype=bool)
        self.susceptibility = self._susceptibility()
        self.baseline_reporting_scale = crime.baseline_reporting_scale(
            self.status, self.undocumented_reporting_ratio)
        self.nb_order = np.argsort(self.neighborhood, kind="stable")
        self.nb_counts = np.bincount(self.neighborhood)
        self.nb_offsets = np.concatenate([[0], np.cumsum(self.nb_counts)[:-1]])

        self.ties = build_ties(checked, self.rng, county)
        self.tie_strength = np.asarray(self.ties.weights.sum(axis=1)).ravel()
        self.graph = to_networkx(self.ties, n, checked)

        self.residents = [Resident(self, i) for i in range(n)]
        starts = county.household_start
        self.households = [
            Household(self, range(a, b), [m for m in range(a, b) if self.adult[m]],
                      [m for m in range(a, b) if not self.adult[m]])
            for a, b in zip(starts[:-1], starts[1:], strict=True)
        ]
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
        self._victims = [0, 0]  # Hispanic, non-Hispanic victims this week
        self.datacollector = mesa.DataCollector(
            model_reporters={name: (lambda m, key=name: m.metrics[key]) for name in REPORTERS})
        self._collect(np.zeros(n, dtype=bool))

    # --- parameters (scikit-learn style) ---
    def get_params(self) -> dict:
        """The model's parameters as passed (defaults filled in)."""
        return {name: getattr(self, name) for name in DEFAULTS}

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
        self._victims = [0, 0]
        crime.run_week(self)  # offending, victims, reports, police: arrests and bookings
        self.ice.issue_detainers()  # IDENT matches -> detainers, within priorities and capacity
        self.jail.release_due()  # the county's detainer policy; ICE pickups
        self.ice.resolve_due()  # detention ends: removal, relief or release of a citizen
        knows_removed = update_fear(self)
        self._collect(knows_removed)

    def _collect(self, knows_removed) -> None:
        report_prob = crime.reporting_probability(self)
        state = weekly_state(self, report_prob, knows_removed, *self._victims)
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

    def record_victimizations(self, victims, reported) -> None:
        self.count("crimes", len(victims))
        self.count("crimes_reported", int(reported.sum()))
        hisp = int(self.hispanic[victims].sum())
        self._victims = [self._victims[0] + hisp, self._victims[1] + len(victims) - hisp]

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

    def _susceptibility(self) -> np.ndarray:
        """How much a unit of exposure moves each resident's fear (Pew 2021/22 worry ratios)."""
        by_status = np.array([0.0, self.fear_susceptibility_naturalized, self.fear_susceptibility_lpr,
                              self.fear_susceptibility_undocumented])
        s = by_status[self.status]
        us_born = self.status == Status.US_BORN
        s[us_born] = np.where(self.hispanic[us_born], self.fear_susceptibility_hispanic_us_born,
                              self.fear_susceptibility_non_hispanic)
        return s

    def event_log(self):
        """Pathway events as a DataFrame, one row per event (see metrics.EVENT_COLUMNS)."""
        return self.events.frame()


# Show every parameter as an explicit keyword (for help(), SolaraViz and batch_run).
SecureCommunitiesModel.__init__.__signature__ = inspect.Signature(
    [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
     inspect.Parameter("rng", inspect.Parameter.KEYWORD_ONLY, default=None)]
    + [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=value)
       for name, value in DEFAULTS.items()])
