"""Member input on agenda items."""

from consult.comments import models  # noqa: F401  (tables for migrations)
