"""Imports every CRM model so the shared metadata (and Alembic) sees all tables."""

from crm.accounts.login_model import LoginAttempt  # noqa: F401
from crm.accounts.models import Department, Group, Role, User  # noqa: F401
