"""Every mapped table, imported in one place for Alembic and metadata-wide operations."""
from .audit.models import AuditEntry
from .calendar import CalendarDay, CalendarYear
from .cases.models import Case, CaseEvent
from .db import Base
from .forms.models import FormDraft
from .households.incomes import HouseholdIncome
from .households.models import Household, HouseholdMember, HouseholdStatusChange
from .messages.models import MessageRead, MessagesReadBefore
from .money.models import (AccountVerification, AdjustmentLine, AdjustmentList, Award, BankResultImport,
                           FundStandard, FundStandardItem, Instalment, PaymentBatch, PaymentLine,
                           ProgrammeBudget)
from .people.models import ApiToken, Delegation, Organisation, PageSession, SignInThrottle, User, UserRole
from .process_models.models import ProcessModel, ProcessModelVersion
from .scheduler.models import ScheduledFiring, ScheduledJob, Timer
from .tasks.models import HumanTask

metadata = Base.metadata

__all__ = ["AccountVerification", "AdjustmentLine", "AdjustmentList", "ApiToken", "AuditEntry", "Award",
           "BankResultImport", "Delegation", "UserRole",
           "FormDraft", "FundStandard", "FundStandardItem", "Instalment", "PaymentBatch", "PaymentLine", "ProgrammeBudget",
           "CalendarDay", "CalendarYear", "Case", "CaseEvent", "Household", "HouseholdIncome",
           "HouseholdMember", "HouseholdStatusChange", "HumanTask", "MessageRead", "MessagesReadBefore", "Organisation",
           "PageSession", "ProcessModel", "ProcessModelVersion", "ScheduledFiring", "ScheduledJob", "SignInThrottle",
           "Timer", "User", "metadata"]
