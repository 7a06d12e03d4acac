"""Calendars: the .ics of a meeting and each member's feed (services.py), and their
routes (views.py). Other domains use the three names below: reminders attach a
meeting's .ics to their messages."""

from flask import Flask

from consult.meetings.calendar.services import feed_calendar, meeting_calendar, meeting_filename

__all__ = ["feed_calendar", "init_app", "meeting_calendar", "meeting_filename"]


def init_app(app: Flask) -> None:
    from consult.meetings.calendar import views

    app.register_blueprint(views.bp)
