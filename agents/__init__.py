"""Who acts in the county: residents, households, police, the jail and ICE."""

from .codes import Custody, Offense, Status
from .household import Household
from .ice import ENFORCEMENT_REGIMES, ICE
from .jail import DETAINER_POLICIES, Jail
from .police import PoliceOfficer
from .resident import Resident

__all__ = ["Custody", "Offense", "Status", "Household", "ICE", "ENFORCEMENT_REGIMES",
           "Jail", "DETAINER_POLICIES", "PoliceOfficer", "Resident"]
