"""Managers' monitoring: appeal SLA in business hours, manager control, sales funnel, alerts, and the CRM side
of process efficiency (departments, deal/appeal attributes for outliers). Generic figures live in
``engine.analytics``."""
