"""The model's parameters: one declaration of each, with default, constraint, source and sweep range.

One table (``PARAMETERS``) holds every keyword the model takes, its default, the values it
allows (a typed constraint from ``model.constraints``, with a documented ceiling), where the
default comes from and, where the record gives one, the range a sweep should cover. Sources are
listed in ``docs/sources.md``; "assumption" marks a default the published record does not pin
down.

Calibrated values are data: ``model/calibrated.toml`` (written by ``python -m experiments.calibrate
apply-defaults``) replaces the declared default of each fitted parameter and puts the calibration
before its source, which stays as the prior's source.

``make_params`` checks a full set before any work is done, raising ``ValueError`` naming the
parameter and what is allowed, and returns the one frozen parameter object (``Params``) that the
model and its agents read, under the parameters' own names. ``validate_parameters`` gives the same
set as plain values (schedules as their text), for specs, tables and JSON.
"""

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path

from agents import DETAINER_POLICIES, ENFORCEMENT_REGIMES

from .constraints import PROBABILITY, Boolean, Constraint, Interval, Levels, Schedule, Timeline, count, rate

CALIBRATED_FILE = Path(__file__).with_name("calibrated.toml")


@dataclass(frozen=True)
class Parameter:
    name: str
    default: object
    constraint: Constraint
    source: str
    sweep: tuple | None = None  # natural sweep bounds from the record, if any
    calibration: dict | None = None  # the entry of model/calibrated.toml that set the default, if any
    program: bool = False  # acts only once the federal program reaches the county (the SC door, the jail's
    # policy, the announcement): runs that differ only in such parameters share their spin-up

    def check(self, value):
        """The value in canonical plain form, or ValueError naming the parameter."""
        return self.constraint.check(self.name, value)

    def parse(self, value, activation: int | None = None):
        """The value as the model reads it (a ``Timeline`` for a schedule, ``@activation`` resolved to the
        given activation week), or ValueError."""
        if isinstance(self.constraint, Schedule):
            return self.constraint.parse(self.name, value, activation)
        return self.constraint.parse(self.name, value)


def _p(name, default, constraint, source, sweep=None, program=False):
    return Parameter(name, default, constraint, source, sweep, program=program)


DECLARED = [
    # --- the county ---
    _p("n_residents", 2000, count(20, 10_500_000), "model size: 300-2,000 in class, 10^4-10^6 in studies; at most "
       "a little above the largest US county at full scale (US Census 2010: Los Angeles County, 9.8 million)"),
    _p("spin_up_weeks", 260, count(0, 2_600), "model choice: weeks the county runs, unrecorded, before week 0 "
       "under the world before the program (its regime, ICE's own operations, their news), so that week 0 is at "
       "rest; runs of one seed that differ only in the program's levers share it (docs/ODD.md 4, 7.1)",
       (104, 520)),
    _p("neighborhood_size", 500, count(10, 1_000_000), "assumption: residents per neighborhood (police beat)"),
    _p("share_undocumented", 0.10, PROBABILITY, "Passel & Cohn, Pew 2011; PPIC; MPI: US 3.7%, "
       "California 6-7.5%, Los Angeles County about 10%", (0.037, 0.10)),
    _p("share_lpr", 0.09, PROBABILITY, "assumption: lawful permanent residents (LA County scale)"),
    _p("share_naturalized", 0.14, PROBABILITY, "assumption: naturalized citizens (LA County scale)"),
    _p("hispanic_share_undocumented", 0.81, PROBABILITY, "Pew 2011: 81% of the unauthorized are Hispanic"),
    _p("hispanic_share_others", 0.40, PROBABILITY, "assumption: Hispanic share of everyone else (LA County scale)"),
    _p("female_share_undocumented_adults", 0.40, PROBABILITY, "Passel, Pew 2013: 40% of unauthorized adults are women"),
    _p("median_age_undocumented_adults", 36.2, rate(90.0, low=18.0), "Pew Hispanic Center 2011 (Unauthorized "
       "Immigrants: Length of Residency, Patterns of Parenthood): median age of unauthorized adults 36.2, a decade "
       "younger than legal immigrant (46.1) and US-born adults (46.5): the median of household heads' ages"),
    _p("median_age_legal_immigrant_adults", 46.1, rate(90.0, low=18.0), "Pew Hispanic Center 2011: median age "
       "of legal immigrant adults"),
    _p("median_age_us_born_adults", 46.5, rate(90.0, low=18.0), "Pew Hispanic Center 2011: median age of US-born "
       "adults"),
    _p("age_spread_undocumented", 11.0, rate(40.0, low=1.0), "assumption: standard deviation of undocumented "
       "heads' ages in years (Pew 2009: men 18-39 are 35% of the unauthorized, a young population)", (8.0, 15.0)),
    _p("age_spread_others", 17.0, rate(40.0, low=1.0), "assumption: standard deviation of other heads' ages in "
       "years (adults of every age)", (14.0, 20.0)),
    _p("couples_with_children_share_undocumented", 0.47, PROBABILITY, "Pew 2009: 47% of unauthorized households"),
    _p("couples_with_children_share_legal_immigrant", 0.35, PROBABILITY, "Pew 2009: 35% of legal-immigrant households"),
    _p("couples_with_children_share_us_born", 0.21, PROBABILITY, "Pew 2009: 21% of US-born households"),
    _p("single_parent_share", 0.09, PROBABILITY, "assumption: single-parent households, all groups"),
    _p("single_adult_share", 0.28, PROBABILITY, "assumption: one-person households (Census order of magnitude)"),
    _p("mean_children", 1.9, rate(10.0, low=1.0), "Census CPS: Hispanic families with children have 1.9 "
       "children", (1.5, 2.2)),
    _p("citizen_child_share_undocumented_parents", 0.73, PROBABILITY,
       "Pew 2009: about 73% of children of unauthorized parents are US citizens"),
    _p("undocumented_partner_citizen_prob", 0.25, PROBABILITY, "derived: Mathema, CAP 2017 (8M citizens in "
       "mixed-status families, 5.9M of them children, so about 2M citizen adults)"),
    _p("ident_share_undocumented", 0.7, PROBABILITY, "assumption, set jointly with ident_share_legal_immigrants "
       "and detainer_prob so that at the national composition P(match | booked) and P(detainer | match) "
       "come near Alsan & Yang's 0.09 and 0.31 (tests/test_calibration.py): undocumented residents with "
       "a prior DHS encounter (border, visa)", (0.5, 0.9)),
    _p("ident_share_legal_immigrants", 0.3, PROBABILITY, "assumption (see ident_share_undocumented): LPRs and "
       "naturalized citizens enrolled in IDENT; older cases predate it", (0.2, 0.6)),
    # --- the social graph ---
    _p("friends_per_resident", 6.0, rate(100.0), "assumption: mean friendship and neighbor ties", (2.0, 15.0)),
    _p("tie_homophily", 0.7, PROBABILITY, "assumption: share of local friendships within one's ethnic "
       "and nativity group", (0.3, 0.9)),
    _p("cross_neighborhood_share", 0.2, PROBABILITY, "assumption: share of friendships outside the neighborhood"),
    _p("segregation", 0.6, PROBABILITY, "assumption: 0 random, 1 fully sorted neighborhoods by "
       "ethnicity and nativity (Hispanic-white dissimilarity in large metros is about 0.6)", (0.0, 0.9)),
    _p("family_tie_weight", 1.0, rate(10.0), "assumption: strength of a household tie"),
    _p("kin_tie_weight", 0.8, rate(10.0), "assumption: strength of the tie between an adult child and an immigrant "
       "parent living in another household", (0.5, 1.0)),
    _p("second_generation_share_hispanic", 0.60, PROBABILITY, "Pew Research Center 2017 (Hispanic identity by "
       "generation, survey of 2015): 60% of US-born adults of Hispanic ancestry who self-identify as Hispanic are "
       "second generation, with at least one immigrant parent", (0.5, 0.7)),
    _p("second_generation_share_others", 0.065, PROBABILITY, "derived (approximate): Pew 2013, Second-Generation "
       "Americans: about 20 million adult children of immigrants, about half of them Hispanic or Asian American, "
       "so about 12 million non-Hispanic, over about 185 million US-born non-Hispanic adults", (0.04, 0.08)),
    _p("parent_nearby_prob", 0.7, PROBABILITY, "assumption: a second-generation adult's immigrant parent lives in "
       "the same county (a kin tie in the model)", (0.4, 0.9)),
    _p("friend_tie_weight", 0.3, rate(10.0), "assumption: strength of a friendship tie", (0.1, 0.6)),
    # --- crime, reporting and policing ---
    _p("violent_victimization_rate", 0.023, rate(1.0), "BJS Criminal Victimization 2011-2016: 21-26 per 1,000 "
       "persons per year", (0.021, 0.026)),
    _p("property_victimization_rate", 0.045, rate(2.0), "assumption from BJS household property victimization "
       "(about 110-155 per 1,000 households) over 2.57 persons per household"),
    _p("proactive_arrest_rate", 0.030, rate(2.0), "derived: FBI UCR 2012, 3,888 arrests per 100,000 residents a "
       "year, less the arrests that follow reported violent and property crimes"),
    _p("offending_concentration", 1.0, rate(3.0), "assumption: sigma of the lognormal offending propensity"),
    _p("male_offending_ratio", 3.0, rate(20.0), "derived: UCR, men are about three quarters of arrestees"),
    _p("victim_from_ties_prob", 0.3, PROBABILITY, "assumption: victims chosen among the offender's ties"),
    _p("offenders_target_nonreporters", True, Boolean(), "switch (offender response), Comino, Mastrobuoni & "
       "Nicolo 2020: offenders prefer victims unlikely to report (silence of the innocents)"),
    _p("victim_candidates", 3, count(1, 20), "assumption: candidates an offender weighs when targeting", (2, 6)),
    _p("offender_response_strength", 0.5, PROBABILITY, "assumption: chance an offender picks the candidate least "
       "likely to report rather than the first at hand (Comino et al. 2020 document the mechanism, not its "
       "size)", (0.0, 1.0)),
    _p("offending_deterrence_elasticity", 0.2, rate(2.0), "assumption: elasticity of offending in a neighborhood "
       "to its residents' mean chance of reporting (more crime where victims fall silent; 0 keeps crime "
       "volume fixed)", (0.0, 0.5)),
    _p("reporting_prob_violent", 0.45, PROBABILITY, "BJS: 42-48% of violent victimizations reported", (0.42, 0.48)),
    _p("reporting_prob_property", 0.35, PROBABILITY, "BJS: about 35% of property victimizations reported"),
    _p("undocumented_reporting_ratio", 0.46, PROBABILITY, "derived: Comino et al. 2020, undocumented victims "
       "report about 17% of crimes; legalization raised it about 20 points (17/37)"),
    _p("clearance_prob_violent", 0.45, PROBABILITY, "assumption: FBI UCR violent clearance order of magnitude"),
    _p("clearance_prob_property", 0.18, PROBABILITY, "assumption: FBI UCR property clearance order of magnitude"),
    _p("conviction_prob", 0.6, PROBABILITY, "assumption: share of bookings that end in a conviction"),
    _p("prior_record_years", 10, count(0, 50), "assumption: years of offending history at week 0: drawn at build "
       "for the years before the spin-up, simulated during it"),
    _p("police_per_1000", 2.4, rate(50.0), "UCR benchmark: about 2.4 sworn officers per 1,000 residents"),
    _p("policing_intensity", 1.0, rate(10.0), "lever: multiplies proactive stops (1 = UCR arrest volume)", (0.5, 2.0)),
    _p("cite_release_prob", 0.0, PROBABILITY, "lever: county discretion to cite and release minor public-order "
       "and traffic offenses instead of booking (0 reproduces UCR arrest volume)"),
    # --- the federal pathway ---
    _p("sharing_active", True, Boolean(), "federal switch: FBI-DHS fingerprint sharing (Secure Communities); "
       "no county can turn it off (NILC 2011; Kubrin 2014)", program=True),
    _p("activation_week", 52, count(0, 5_200), "week the federal program reaches the county (rollout 2008-2013)",
       program=True),
    _p("detainer_policy", "full", Schedule(DETAINER_POLICIES), "county lever: what the jail does with a detainer, "
       "a table of named rules in agents/policies.py (TRAC 330, 2013; Hennessey 2011; CA TRUST Act, AB 4 2013; "
       "Miranda-Olivares 2014); one policy or a schedule of them, for a county that changed its policy "
       "(`full;trust_act@300`: full cooperation until week 300, the TRUST Act from then)", program=True),
    _p("enforcement_regime", "sc", Schedule(ENFORCEMENT_REGIMES), "federal: ICE priorities (Morton memo 10072.1; "
       "Johnson memo 2014; EO 13768), one regime or a schedule of them (SC-era levels until Nov 2014, PEP "
       "2015-16, EO 13768 from Jan 2017)"),
    _p("detainer_prob", 0.7, PROBABILITY, "derived: Alsan & Yang Table A1 give P(detainer | match) about 0.31 "
       "over all matches, citizens and non-removable LPRs included; this is per removable priority match",
       (0.31, 1.0), program=True),
    _p("detainer_decline_prob", 0.04, PROBABILITY, "TRAC 2016; ICE 2017: jails decline 2-7% of detainers "
       "nationally", (0.02, 0.07), program=True),
    _p("detainer_extra_jail_weeks", 1, count(0, 52), "8 CFR 287.7(d): the 48-hour hold past release, excluding "
       "weekends and holidays (2-4 days), added to every honored detainer", program=True),
    _p("pretrial_release_prob", 0.65, PROBABILITY, "BJS, Pretrial Release of Felony Defendants 1988 (75 largest "
       "counties): about two thirds of felony defendants were released before their case was decided (violent 59%, "
       "property 62%, drug 72%, public order 70%): the chance that a booking on a charge that goes to bail is "
       "released before trial, the rest detained until the case is decided", (0.59, 0.72)),
    _p("adjudication_weeks", 12, count(0, 104), "BJS, Felony Defendants in Large Urban Counties 2004, Table 18: "
       "median time from arrest to adjudication 85 days (12 weeks; violent 130 days, drug 66): weeks from a "
       "booking on a charge that goes to bail to the decision of the case. An honored detainer keeps the person "
       "in until then (Justice Strategies 2010: with a detainer pretrial release is lost in practice, NYC +73 "
       "days in jail on drug charges)", (9, 19)),
    _p("minor_disposition_weeks", 4, count(0, 52), "assumption: weeks from a public-order or traffic booking (cited "
       "to appear, released at once) to the decision of the case", (1, 8)),
    _p("pretrial_conviction_effect", 0.14, PROBABILITY, "Dobbie, Goldin & Yang 2018: pretrial release lowers "
       "the probability of conviction by 14 points (10.8 through fewer guilty pleas); added to "
       "conviction_prob for a person a detainer keeps in jail before trial", (0.05, 0.2), program=True),
    _p("ice_pickup_prob", 1.0, PROBABILITY, "assumption: ICE comes for a hold when it has a place for the person "
       "(1: always). The published share of detainers after which ICE took custody (TRAC: 72% in 2008 to 55% in "
       "2012, target C3) is now an outcome of ICE's places (ice_capacity_share, national_demand_rate); a lower "
       "value adds holds ICE leaves for other reasons (TRAC 2016: failure to take custody 29-87% by state). "
       "The pep_2015 preset sets 0.40 (TRAC: under 40% under PEP)", (0.6, 1.0), program=True),
    _p("ice_capacity_share", 0.0122, rate(10.0), "derived: ICE's national pool. Morton memo 10072.1, resources for "
       "about 400,000 removals a year, under 4% (0.036) of the unauthorized, times the interior share of removals "
       "(ICE FY2013: 36%; FY2014: 32%): removals ICE can carry out from the interior a year per unauthorized "
       "resident, nationally. With national_removed_share it gives the people ICE can take into custody",
       (0.0115, 0.036)),
    _p("national_removed_share", 0.67, PROBABILITY, "TRAC report 320 (2013): of the people ICE takes into custody, "
       "about two in three are removed and about one in four released on bond, recognizance or otherwise: "
       "turns the pool's removals (ice_capacity_share) into people taken into custody", (0.5, 0.84)),
    _p("national_demand_rate", 0.0281, rate(1.0), "derived: ICE's candidates a year per unauthorized resident, "
       "nationally: TRAC report 330, 347,691 people given a detainer in the 16 months to January 2013 (260,800 a "
       "year) over about 11.4 million unauthorized (Passel & Cohn 2011), 0.0229, plus the people ICE's own "
       "operations arrest (background_arrest_rate, 0.0052). The national take rate, the places a county's "
       "candidate brings, is ice_capacity_share / national_removed_share / this", (0.02, 0.04)),
    _p("ice_detention_weeks", 4, count(1, 104), "Warren Institute 2011: mean ICE detention about 28 days"),
    _p("relief_prob", 0.02, PROBABILITY, "Warren Institute 2011: relief granted in about 2% of SC cases; relief "
       "makes the person a lawful permanent resident (not open to aggravated felons, INA 240A); the same chance at "
       "the hearing of a pending case (assumption)"),
    _p("discretion_prob", 0.06, PROBABILITY, "TRAC report 339: prosecutorial discretion closed 4.7% (FY2012) and "
       "8.5% (FY2013) of immigration court cases after the Morton memo of June 2011; here the chance that ICE "
       "closes a case, for the ranks the regime in force names (agents/policies.py: SC Level 3 and no conviction; "
       "PEP's lower priorities and non-priorities; none under EO 13768)", (0.047, 0.085)),
    _p("ice_release_prob", 0.25, PROBABILITY, "TRAC report 320 (2013): about one in four people ICE takes into "
       "custody are released on bond, on recognizance or otherwise, with their case pending; not open to Level 1 "
       "(mandatory detention of aggravated felons, INA 236(c))", (0.15, 0.35)),
    _p("voluntary_departure_prob", 0.05, PROBABILITY, "assumption: voluntary departure at the end of a detention "
       "(TRAC report 320: what is neither a removal, two in three, nor a release, one in four, is about 8%, "
       "voluntary departure among it); the person leaves with no removal order", (0.0, 0.1)),
    _p("case_mean_weeks", 80, count(1, 1040), "TRAC (October 2013): cases pending in immigration court at the end "
       "of FY2013 had waited 562 days on average (80 weeks): the mean wait (geometric) of a released person's "
       "hearing", (52, 130)),
    _p("case_termination_prob", 0.1, PROBABILITY, "assumption: a pending case terminated at its hearing (not "
       "removable as charged, or dismissed), after relief and discretion", (0.05, 0.2)),
    _p("citizen_detainer_error_prob", 0.01, PROBABILITY, "assumption: matched naturalized citizens wrongly given "
       "a detainer (Warren 2011: citizens 1-2% of SC arrests; contested by CIS 2012)", (0.0, 0.05), program=True),
    _p("kin_care_prob", 0.9, PROBABILITY, "assumption: children left with no caregiver in the household go to "
       "relatives outside it rather than foster care (Wessler, ARC 2011, counts foster cases in the "
       "thousands nationally against about 400,000 removals a year)"),
    _p("at_large_arrest_prob", 0.06, PROBABILITY, "Capps et al. 2018 (MPI), from ICE's public data for FY2017: about "
       "6% of the people a jail released despite a detainer were arrested again by ICE after the release (the "
       "at-large door; R2, quoted by TRAC). Measured under EO 13768, when ICE sought such people most, and within "
       "the fiscal year, so a short follow-up; the SC-era rate is not published: the range runs from half that "
       "figure to about three times it", (0.03, 0.2), program=True),
    _p("at_large_delay_weeks", 4, count(0, 104), "assumption: weeks from the release to ICE's at-large arrest",
       (1, 13), program=True),
    _p("background_arrest_rate", 0.0052, rate(1.0), "derived: ICE arrests in the interior outside this jail's SC "
       "door (fugitive operations, worksite, jail interviews outside SC) per undocumented resident a year: "
       "FY2013 interior removals 133,551 (ICE) less SC's share of removals (about 20%, Alsan & Yang 2022) of "
       "368,644, over about 11.4 million unauthorized (3.7% of the US, Passel & Cohn 2011); under a regime "
       "that pursues only priorities, only they are arrested", (0.002, 0.008)),
    _p("background_history_weight", 5.0, rate(100.0, low=1.0), "assumption: how much likelier a background "
       "arrest is for a person with a prior removal or a final order (ICE FY2014: 95% of non-criminal removals "
       "were border crossers, repeat immigration violators or fugitives)", (1.0, 20.0)),
    _p("unlicensed_driving", True, Boolean(), "assumption (NCSL: most states denied the unauthorized a driver's "
       "license in 2008-2013): a traffic stop of an undocumented driver ends in a booking where others are cited "
       "(bites only where cite_release_prob > 0)"),
    _p("ethnic_profiling", False, Boolean(), "assumption, off by default (the literature disagrees on whether "
       "SC-era stops profiled Hispanic residents): proactive stops weight Hispanic residents by "
       "profiling_stop_ratio, with the same number of stops"),
    _p("profiling_stop_ratio", 2.0, rate(10.0, low=1.0), "assumption: with ethnic_profiling, how much likelier a "
       "Hispanic resident is to be the one stopped", (1.0, 3.0)),
    # --- records and immigration history ---
    _p("wobbler_share", 0.3, PROBABILITY, "assumption: share of misdemeanor convictions for violent, property and "
       "drug offenses that are wobblers, chargeable as felonies (domestic violence, grand theft, second-degree "
       "burglary, drug possession before 2014); the TRUST Act holds for one within 5 years (AB 4, 2013)",
       (0.1, 0.6)),
    _p("prior_removal_share_undocumented", 0.05, PROBABILITY, "assumption: undocumented adults with a prior "
       "removal at the start (DHS OIS: reinstated prior orders were 33-36% of removals in 2010-2012, so "
       "many people are removed more than once)", (0.02, 0.15)),
    _p("final_order_share_undocumented", 0.03, PROBABILITY, "assumption: undocumented adults with an "
       "outstanding final order of removal (fugitives) at the start (ICE FY2014: fugitives among the "
       "non-criminal removals)", (0.01, 0.08)),
    _p("reentry_prob", 0.3, PROBABILITY, "assumption: a removed resident comes back to the county (DHS OIS: "
       "about a third of removals in 2010-2012 reinstated a prior order)", (0.1, 0.5)),
    _p("reentry_mean_weeks", 52, count(1, 1040), "assumption: mean weeks abroad before a return (geometric)",
       (13, 156)),
    # --- fear and silence ---
    _p("fear_sensitivity", 1.0, rate(20.0), "assumption: fear gained per unit of exposure (a household "
       "member's removal is 1) by a resident of susceptibility 1", (0.25, 3.0)),
    _p("detention_shock", 0.5, rate(10.0), "assumption: exposure from a tie taken into ICE custody"),
    _p("removal_shock", 1.0, rate(10.0), "assumption: exposure from a tie removed"),
    _p("fear_contagion", 0.05, PROBABILITY, "assumption: weekly pull of a resident's fear toward the "
       "tie-weighted mean fear of their household, kin and friends, up or down (worry told, or calmed, within "
       "families and friendships)", (0.0, 0.2)),
    _p("fear_decay", 0.02, PROBABILITY, "assumption: weekly decay of fear (half-life about 34 weeks)", (0.005, 0.1)),
    _p("chill_reporting_effect", 0.5, PROBABILITY, "assumption: how much a chilled victim cuts reporting, of the "
       "order of the gap between undocumented and legalized victims (17% against 37%, Comino et al. 2020); "
       "stated-intent surveys (Theodore 2013; Wong et al. 2019) measure who is chilled, not this", (0.25, 0.9)),
    _p("chill_witness_effect", 0.5, PROBABILITY, "assumption: how much a chilled witness cuts cooperation (Theodore "
       "2013: 45% of Latinos less likely to volunteer information; Wong et al. 2019: 60.8% less likely to "
       "report crimes they witness, both stated intent)", (0.25, 0.9)),
    _p("witness_channel", True, Boolean(), "switch: clearance falls with the chilled share of the victim's ties "
       "and acquaintances (the witnesses)"),
    # --- the reach of enforcement: acquaintances, salience, fear on behalf of others ---
    _p("acquaintance_channel", True, Boolean(), "switch: acquaintances (people sharing a focus: block, work or "
       "school, congregation or club; Feld 1981) carry knowing and a weak fear shock"),
    _p("acquaintances_mean", 290.0, rate(2_000.0), "McCarty, Killworth, Bernard, Johnsen & Shelley 2001: about 290 "
       "people known by name; McCormick, Salganik & Zheng 2010: about 611", (290.0, 611.0)),
    _p("acquaintance_size_dispersion", 1.0, rate(3.0), "assumption: sigma of lognormal focus sizes, which makes "
       "network size very unequal across people (Zheng, Salganik & Gelman 2006)", (0.5, 1.5)),
    _p("acquaintance_knowing_prob", 0.05, PROBABILITY, "assumption: chance of knowing a given acquaintance's "
       "immigration status, a private fact (pinned by C9: 53% of Latinos know someone unauthorized, Pew "
       "2021/22); hearing of a detention is acquaintance_hears_prob", (0.01, 0.3)),
    _p("acquaintance_shock_weight", 0.05, rate(10.0), "assumption: fear exposure from hearing of an acquaintance's "
       "detention or removal, against 1 for a household member", (0.01, 0.2)),
    _p("friend_hears_prob", 0.8, PROBABILITY, "assumption: chance that a friend of a detained person hears of the "
       "detention (close ties learn of it from the family or notice the absence)", (0.5, 1.0)),
    _p("acquaintance_hears_prob", 0.15, PROBABILITY, "assumption: chance that an acquaintance (a co-member of a "
       "block, workplace or school, congregation) hears of a detention: coworkers and congregations notice an "
       "absence and the household tells some; network scale-up studies find that people often do not know an "
       "acquaintance's membership in a stigmatized group (transmission bias: Maltiel et al. 2015; Salganik et "
       "al. 2011, the game of contacts)",
       (0.05, 0.5)),
    _p("retell_prob", 0.3, PROBABILITY, "assumption: chance that someone who knew the detained person tells each "
       "of their own household, kin and friends (news heard second-hand: 'my coworker's cousin was taken')",
       (0.1, 0.6)),
    _p("second_hand_weight", 0.1, rate(10.0), "assumption: fear exposure from hearing of a detention second-hand, "
       "against 1 for a household member's", (0.02, 0.3)),
    _p("salience_channel", True, Boolean(), "switch: the news media: county-wide news of enforcement reaches "
       "residents beyond the people who knew the detained (Alsan & Yang 2022: a community-wide chill, damped "
       "where the county declares limits)"),
    _p("media_audience", 50.0, rate(100_000.0, low=1.0), "assumption: residents of the detained person's ethnic "
       "group who hear of one detention through local news, community radio, church bulletins or social media "
       "(salience_cross_group times as many of the other group); a county's groups need at least this many "
       "model residents for its rates to stay those of the real county (docs/ODD.md 7.9)", (10.0, 200.0)),
    _p("salience_activation_shock", 0.01, rate(10.0), "assumption: one-time exposure when the program reaches the "
       "county and is announced", (0.0, 0.05), program=True),
    _p("salience_per_detention", 0.005, rate(10.0), "assumption: the news media's weight: exposure one detention or "
       "removal adds, on average, per 1,000 residents of the listener's own group, times that event's shock "
       "(detention_shock, removal_shock); each of the media_audience hearers gets 1,000 / media_audience "
       "times it", (0.0, 0.02)),
    _p("salience_half_life_weeks", 26.0, rate(520.0, low=1.0), "assumption: half-life of a resident's memory of "
       "the news in weeks",
       (8.0, 104.0)),
    _p("salience_cross_group", 0.25, PROBABILITY, "assumption: weight of enforcement against the other ethnic "
       "group (Hispanic or not) against one's own", (0.0, 1.0)),
    _p("outside_news", "0", Levels(1000.0, "detentions per 1,000 Hispanic residents a week"), "input: "
       "detentions in the county's surroundings heard about as news, per 1,000 Hispanic residents a week, a "
       "level or a schedule of levels; each reaches the news media's audience as a detention of a Hispanic "
       "resident of the county would (shock detention_shock), treated run and twin alike. The county panel "
       "sets it from the activation of the other counties of the state (spillover, docs/panel.md); 0: no news "
       "from outside"),
    _p("policy_salience_damping", 0.5, PROBABILITY, "assumption: share of the news signal a detainer policy "
       "declared in public removes from the news of the jail's own transfers to ICE, from the week it is declared "
       "(Alsan & Yang 2022: damped, not eliminated, in sanctuary places)", (0.2, 0.8), program=True),
    _p("fear_for_others", True, Boolean(), "switch: fear on behalf of the people one lives with (Theodore 2013 "
       "asks about 'the status of others they know'; Alsan & Yang 2022: citizens in mixed-status households)"),
    _p("fear_for_others_weight", 0.75, PROBABILITY, "assumption: a resident's susceptibility is at least this share "
       "of the susceptibility of the most vulnerable member of their household", (0.25, 1.0)),
    _p("fear_susceptibility_undocumented", 1.0, PROBABILITY, "Pew 2021/22: worry about deportation, non-LPR "
       "noncitizens 0.80 (the reference)"),
    _p("fear_susceptibility_lpr", 0.66, PROBABILITY, "derived: Pew 2021/22, LPRs 0.53 / 0.80"),
    _p("fear_susceptibility_naturalized", 0.43, PROBABILITY, "derived: Pew 2021/22, naturalized 0.34 / 0.80"),
    _p("fear_susceptibility_hispanic_us_born", 0.35, PROBABILITY, "derived: Pew 2021/22, US-born Latinos 0.28 / 0.80"),
    _p("fear_susceptibility_non_hispanic", 0.15, PROBABILITY, "derived: Pew 2021/22, non-Latino whites 0.12 / 0.80"),
]



def calibration_source(entry: dict, spec: str, declared_source: str) -> str:
    """The source of a calibrated default: the calibration, then the prior's own source."""
    lo, hi = entry["interval"]
    return (f"calibrated ({', '.join(entry['targets'])}): posterior median of `{spec}` (90% interval "
            f"{lo:.3g}-{hi:.3g}; prior {entry['prior']}); prior's source: {declared_source}")


def apply_calibration(declared: list, path: Path = CALIBRATED_FILE) -> list:
    """The declared parameters with the calibrated defaults of ``path`` (if it exists) in place."""
    if not path.exists():
        return list(declared)
    data = tomllib.loads(path.read_text())
    entries = data.get("parameters", {})
    by_name = {p.name: p for p in declared}
    unknown = sorted(set(entries) - set(by_name))
    if unknown:
        raise ValueError(f"{path.name}: no parameter named {unknown}")
    out = []
    for p in declared:
        entry = entries.get(p.name)
        if entry is None:
            out.append(p)
            continue
        value = p.check(entry["value"])
        out.append(dataclasses.replace(p, default=value, calibration=dict(entry),
                                       source=calibration_source(entry, data["spec"], p.source)))
    return out


PARAMETERS = apply_calibration(DECLARED)

PARAMETER_TABLE = {p.name: p for p in PARAMETERS}
DEFAULTS = {p.name: p.default for p in PARAMETERS}

# Policy presets: only the program and policy levers, never the county's size. A preset acts only from
# its date: before activation every preset is the same county (the regime of the SC era; a detainer
# policy has nothing to act on before the program), so the later regimes change "@activation".
PRESETS = {
    "pre_sc": {"sharing_active": False, "detainer_policy": "full", "enforcement_regime": "sc"},
    "sc_full": {"sharing_active": True, "activation_week": 52, "detainer_policy": "full",
                "enforcement_regime": "sc"},
    "sc_hennessey": {"sharing_active": True, "activation_week": 52, "detainer_policy": "hennessey",
                     "enforcement_regime": "sc"},
    "sc_trust_act": {"sharing_active": True, "activation_week": 52, "detainer_policy": "trust_act",
                     "enforcement_regime": "sc"},
    "sc_sanctuary": {"sharing_active": True, "activation_week": 52, "detainer_policy": "sanctuary",
                     "enforcement_regime": "sc"},
    "pep_2015": {"sharing_active": True, "activation_week": 52, "detainer_policy": "full",
                 "enforcement_regime": "sc;pep@activation", "ice_pickup_prob": 0.40},
    "eo_2017": {"sharing_active": True, "activation_week": 52, "detainer_policy": "full",
                "enforcement_regime": "sc;eo2017@activation", "detainer_prob": 1.0},
}


def _county_scenario_class():
    """A Mesa ``Scenario`` subclass with every parameter as a typed field and its default."""
    from mesa.experimental.scenarios import Scenario

    namespace = {"__annotations__": {p.name: type(p.default) for p in PARAMETERS}, **DEFAULTS,
                 "__doc__": "A county's parameters as a Mesa Scenario: "
                            "``SecureCommunitiesModel(scenario=CountyScenario(rng=42, n_residents=5000))``. "
                            "Values are validated when the model is built, as keywords are.",
                 "__module__": __name__}
    return type("CountyScenario", (Scenario,), namespace)


CountyScenario = _county_scenario_class()


def scenario(name: str) -> dict:
    """The policy parameters of a preset, to splat into the model: ``Model(**scenario(name))``."""
    if name not in PRESETS:
        raise ValueError(f"scenario must be one of {tuple(PRESETS)}, got {name!r}")
    return dict(PRESETS[name])


def _annotation(constraint: Constraint) -> type:
    if isinstance(constraint, (Schedule, Levels)):
        return Timeline
    if isinstance(constraint, Boolean):
        return bool
    if isinstance(constraint, Interval):
        return constraint.kind
    return str


_SCHEDULES = tuple(p.name for p in PARAMETERS if isinstance(p.constraint, (Schedule, Levels)))


def _as_dict(self) -> dict:
    """The parameters as plain values (schedules as their text): what ``Model(**...)`` takes back."""
    out = {name: getattr(self, name) for name in DEFAULTS}
    for name in _SCHEDULES:
        out[name] = PARAMETER_TABLE[name].check(out[name])
    return out


def _replace(self, **changes) -> "Params":
    """A new checked parameter object with ``changes`` (this one is frozen)."""
    return make_params({**self.as_dict(), **changes})


Params = dataclasses.make_dataclass(
    "Params", [(p.name, _annotation(p.constraint), dataclasses.field(default=p.parse(p.default)))
               for p in PARAMETERS],
    frozen=True, slots=True, kw_only=True, module=__name__,
    namespace={"__doc__": "The model's parameters, checked and frozen: one attribute per parameter, under "
                          "its own name (schedules as ``Timeline``). Built by ``make_params``.",
               "as_dict": _as_dict, "replace": _replace})


def make_params(params: dict) -> Params:
    """Check a set of keyword parameters; return the frozen parameter object, defaults filled in.

    Raises ValueError on an unknown name, a value outside what is allowed, or shares
    that cannot add up.
    """
    unknown = sorted(set(params) - set(PARAMETER_TABLE))
    if unknown:
        raise ValueError(f"unknown parameter(s) {unknown}; known parameters are listed in "
                         "model.parameters.PARAMETERS")
    full = {**DEFAULTS, **params}
    activation = PARAMETER_TABLE["activation_week"].parse(full["activation_week"])
    checked = {name: PARAMETER_TABLE[name].parse(full[name], activation) for name in DEFAULTS}
    migrants = checked["share_undocumented"] + checked["share_lpr"] + checked["share_naturalized"]
    if migrants > 1 + 1e-9:
        raise ValueError("share_undocumented + share_lpr + share_naturalized must sum to at most 1 "
                         f"(US-born citizens are the remainder), got {migrants:.3f}")
    for group in ("undocumented", "legal_immigrant", "us_born"):
        key = f"couples_with_children_share_{group}"
        total = checked[key] + checked["single_parent_share"] + checked["single_adult_share"]
        if total > 1 + 1e-9:
            raise ValueError(f"{key} + single_parent_share + single_adult_share must sum to at most 1 "
                             f"(couples without children are the remainder), got {total:.3f}")
    params = Params(**checked)
    from .population import household_head_rates  # composition must be attainable
    household_head_rates(params)
    return params


def validate_parameters(params: dict) -> dict:
    """Check a set of keyword parameters (as ``make_params``); return the full set as plain values."""
    return make_params(params).as_dict()


def markdown_table() -> str:
    """The parameter table as Markdown (docs/ODD.md embeds it; tests keep the two equal)."""
    lines = ["| parameter | default | allowed | sweep range | source |", "|---|---|---|---|---|"]
    for p in PARAMETERS:
        allowed = p.constraint.describe()
        sweep = "" if p.sweep is None else f"{p.sweep[0]} - {p.sweep[1]}"
        default = f"`{p.default!r}`" if not isinstance(p.default, bool) else f"`{str(p.default).lower()}`"
        lines.append(f"| `{p.name}` | {default} | {allowed} | {sweep} | {p.source} |")
    return "\n".join(lines)


TABLE_START, TABLE_END = "<!-- parameters:start -->", "<!-- parameters:end -->"


def update_document(path: str) -> None:
    """Rewrite the table between the markers in a Markdown file."""
    with open(path) as fh:
        text = fh.read()
    head, _, rest = text.partition(TABLE_START)
    _, _, tail = rest.partition(TABLE_END)
    with open(path, "w") as fh:
        fh.write(f"{head}{TABLE_START}\n{markdown_table()}\n{TABLE_END}{tail}")

