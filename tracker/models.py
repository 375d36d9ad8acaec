"""Imports every feature's models so that metadata (and Alembic) sees the whole schema."""

from tracker.accountability.models import Chase  # noqa: F401
from tracker.accounts.models import Role, User  # noqa: F401
from tracker.accounts.tokens import ApiToken  # noqa: F401
from tracker.alerts.models import Alert, Notification, ScanRun  # noqa: F401
from tracker.audit.models import AuditEvent  # noqa: F401
from tracker.core.changes import data_version  # noqa: F401
from tracker.core.submissions import FormSubmission, KeptForm  # noqa: F401
from tracker.discussion.models import Comment, Directive, Question  # noqa: F401
from tracker.exports.models import ExportJob  # noqa: F401
from tracker.mail.models import OutboxMessage  # noqa: F401
from tracker.overview.models import SharedTotal  # noqa: F401
from tracker.periods.models import ReportingPeriod  # noqa: F401
from tracker.plan.models import Assignment, Milestone, Plan, PlanNarrative, Task  # noqa: F401
from tracker.planfile.models import PlanVersion  # noqa: F401
from tracker.planimport.models import PlanDraft  # noqa: F401
from tracker.progress.models import Evidence, ProgressUpdate  # noqa: F401
from tracker.reports.models import UnitReport, UnitReportEvent, UnitReportSection, UnitReportVersion  # noqa: F401
from tracker.scheduler.models import SchedulerHeartbeat  # noqa: F401
from tracker.standing.models import PlanStanding, StoredLead, StoredOwedReport, StoredStanding  # noqa: F401
from tracker.targets.models import (  # noqa: F401
    Indicator,
    IndicatorValue,  # noqa: F401
    PovertyStandard,
    Target,
)
from tracker.units.models import Unit  # noqa: F401
from tracker.ward_reports.models import WardReport  # noqa: F401
from tracker.wards.models import Ward  # noqa: F401
