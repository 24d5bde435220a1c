"""ICE: turns IDENT matches into detainers under a priority regime and a capacity,
picks people up from the jail, detains them, and removes them."""

import mesa

from .codes import (
    FELONY,
    LEVEL1,
    LEVEL2,
    LEVEL3,
    MISDEMEANOR,
    NONCRIMINAL,
    SERIOUS_VIOLENT,
    SIGNIFICANT_MISDEMEANOR,
    Custody,
    Status,
    sc_level,
)

ENFORCEMENT_REGIMES = ("sc", "pep", "eo2017")


def priority_rank(regime: str, record_row) -> int | None:
    """Rank of a removable person under a regime (lower goes first), or None if not a priority.

    sc (Morton memo 2010/11): every level is a priority, Level 1 first, non-criminal last.
    pep (Johnson memo 2014): P1 felonies, P2 3+ misdemeanors or a significant misdemeanor;
    nobody else is pursued. eo2017 (EO 13768): no class exempted and no order of priority.
    """
    felonies, misdemeanors = int(record_row[FELONY]), int(record_row[MISDEMEANOR])
    serious, significant = int(record_row[SERIOUS_VIOLENT]), int(record_row[SIGNIFICANT_MISDEMEANOR])
    if regime == "sc":
        level = sc_level(felonies, misdemeanors, serious)
        return {LEVEL1: 0, LEVEL2: 1, LEVEL3: 2, NONCRIMINAL: 3}[level]
    if regime == "pep":
        if felonies > 0 or serious > 0:
            return 0
        if misdemeanors >= 3 or significant > 0:
            return 1
        return None
    return 0  # eo2017


class ICE(mesa.Agent):
    """Immigration and Customs Enforcement as seen from one county."""

    def __init__(self, model, regime: str, weekly_capacity: float):
        super().__init__(model)
        if regime not in ENFORCEMENT_REGIMES:
            raise ValueError(f"enforcement_regime must be one of {ENFORCEMENT_REGIMES}, got {regime!r}")
        self.regime = regime
        self.weekly_capacity = weekly_capacity
        self.budget = 0.0
        self.pending = []  # this week's IDENT matches, in arrival order
        self.release_schedule = {}  # week -> residents whose detention ends

    def notify(self, resident: int) -> None:
        """LESC notification of an IDENT match."""
        self.pending.append(resident)

    def issue_detainers(self) -> None:
        """Decide this week's detainers: priorities first, within capacity."""
        model = self.model
        self.budget = min(self.budget + self.weekly_capacity, 4 * self.weekly_capacity + 1)
        candidates = []
        for order, resident in enumerate(self.pending):
            if model.custody[resident] != Custody.JAILED:
                continue
            status = model.status[resident]
            if status == Status.NATURALIZED:  # a stale IDENT record flags a citizen by mistake
                if model.rng.random() < model.citizen_detainer_error_prob:
                    candidates.append((0, order, resident))
                continue
            if not model.residents[resident].removable:
                continue
            rank = priority_rank(self.regime, model.record[resident])
            if rank is not None and model.rng.random() < model.detainer_prob:
                candidates.append((rank, order, resident))
        self.pending = []
        for _, _, resident in sorted(candidates):
            if self.budget < 1:
                break
            self.budget -= 1
            model.count("detainers_issued")
            if model.status[resident] in (Status.US_BORN, Status.NATURALIZED):
                model.count("citizens_wrongly_held")
            model.log_event("detainer", resident, model.jail.charges[resident][0])
            model.jail.lodge_detainer(resident)

    def pick_up(self, resident: int, offense) -> bool:
        """Within the 48-hour hold ICE takes custody, or fails to come."""
        model = self.model
        if model.rng.random() >= model.ice_pickup_prob:
            return False
        model.custody[resident] = Custody.ICE
        model.count("ice_pickups")
        model.log_event("pickup", resident, offense)
        model.mark_ice_contact(resident, model.detention_shock)
        week = model.week + model.ice_detention_weeks
        self.release_schedule.setdefault(week, []).append(resident)
        return True

    def resolve_due(self) -> None:
        """End detentions due this week: release of a citizen, relief, or removal."""
        model = self.model
        for resident in self.release_schedule.pop(model.week, []):
            status = model.status[resident]
            if status in (Status.US_BORN, Status.NATURALIZED):
                model.custody[resident] = Custody.FREE
                model.log_event("citizen_release", resident)
            elif model.rng.random() < model.relief_prob:
                model.custody[resident] = Custody.FREE
                model.count("reliefs")
                model.log_event("relief", resident)
            else:
                model.remove_resident(resident)
