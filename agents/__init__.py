"""Who acts in the county: residents, households, police, the jail and ICE; the county policies
and ICE regimes they follow are tables in ``agents.policies``."""

from .codes import Custody, Offense, Status
from .household import Household
from .ice import ICE
from .jail import Jail
from .police import PoliceOfficer
from .policies import DETAINER_POLICIES, ENFORCEMENT_REGIMES, POLICIES, REGIMES
from .resident import Resident

__all__ = ["Custody", "Offense", "Status", "Household", "ICE", "ENFORCEMENT_REGIMES", "REGIMES",
           "Jail", "DETAINER_POLICIES", "POLICIES", "PoliceOfficer", "Resident"]
