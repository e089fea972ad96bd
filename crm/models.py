"""Imports every CRM model so the shared metadata (and Alembic) sees all tables."""

from crm.absences.models import Absence  # noqa: F401
from crm.accounts.login_model import LoginAttempt  # noqa: F401
from crm.accounts.models import Department, Group, Role, User  # noqa: F401
from crm.activities.models import Interaction, Note  # noqa: F401
from crm.api_tokens import ApiToken  # noqa: F401
from crm.clients.models import (  # noqa: F401
    BusinessRegion,
    Client,
    ClientRelation,
    ContactDetail,
    ContactPerson,
    Lead,
    PortraitAttribute,
    Segment,
)
from crm.deals.models import CommercialProposal, Interest, InterestStage  # noqa: F401
from crm.feed.models import FeedEntry  # noqa: F401
from crm.history import ChangeLogEntry  # noqa: F401
from crm.importing.jobs_models import AdminJob  # noqa: F401
from crm.mail.models import (  # noqa: F401
    MailAccount,
    MailAccountMember,
    MailAttachment,
    MailAutoreplyLog,
    MailFolder,
    MailListView,
    MailMessage,
    MailOutbox,
    MailRawMessage,
    MailSettings,
    MailSignature,
    MailSortingRule,
)
from crm.monitoring.models import AlertRule, Notification, ReferenceFunnelStage, TicketSlaFact  # noqa: F401
from crm.notifications.models import NotificationScan, UserNotification  # noqa: F401
from crm.preferences import UserPreference  # noqa: F401
from crm.processes_models import ProcessNotification, TriggerSetting  # noqa: F401
from crm.quality.models import QualityRule  # noqa: F401
from crm.statuses.models import (  # noqa: F401
    ClientStatusChange,
    ClientWorkState,
    StatusRecalcSchedule,
    StatusRule,
)
from crm.support.models import AppealType, Ticket  # noqa: F401
