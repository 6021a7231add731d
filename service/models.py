"""Every mapped table, imported in one place for Alembic and metadata-wide operations."""
from .cases.models import Case, CaseEvent
from .db import Base
from .households.incomes import HouseholdIncome
from .households.models import Household, HouseholdMember, HouseholdStatusChange
from .people.models import ApiToken, Organisation, User
from .process_models.models import ProcessModel, ProcessModelVersion
from .tasks.models import HumanTask

metadata = Base.metadata

__all__ = ["ApiToken", "Case", "CaseEvent", "HumanTask", "Household", "HouseholdIncome", "HouseholdMember", "HouseholdStatusChange", "Organisation", "ProcessModel",
           "ProcessModelVersion", "User", "metadata"]
