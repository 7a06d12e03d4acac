"""The outbox and mail delivery. No pages: delivery runs in the scheduler process."""

from consult.mail import inbound_models, models  # noqa: F401  (tables for migrations)
