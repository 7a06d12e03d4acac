"""Consolidation: statements per item, their revisions, and outcomes."""

from consult.statements import models  # noqa: F401  (tables for migrations)
