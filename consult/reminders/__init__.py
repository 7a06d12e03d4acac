"""Scheduled reminders: rules per body, reminder rows per meeting, preferences."""

from flask import Flask

from consult.reminders import models  # noqa: F401  (tables for migrations)


def init_app(app: Flask) -> None:
    from consult.reminders import services, views  # noqa: F401  (services: default rules)

    views.init_app(app)
