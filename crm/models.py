"""Imports every CRM model so the shared metadata (and Alembic) sees all tables."""

from crm.accounts.models import Department, Group, Role, User  # noqa: F401
