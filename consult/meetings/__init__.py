"""Meetings: bodies, their meetings, agenda items and attachments.

- the meeting itself: models.py, status.py, services.py (its rules), signals.py,
  forms.py, agenda_import.py (reading an agenda), pages.py (page contexts);
- its pages, one blueprint "meetings" (blueprint.py): views.py (members), manage_views.py
  (a meeting's times, publishing, cancelling), agenda_views.py (items, importing);
- subpackages with their own blueprint: attachments/ (bijlagen), calendar/ (.ics and the
  feed), bodies/ (admins manage the bodies).
The archive's search reads input and statements too, so it lives above them
(consult/archive); its page is meetings.archive.
"""

from flask import Flask

from consult.meetings import models  # noqa: F401  (tables for migrations)


def init_app(app: Flask) -> None:
    from consult.meetings import (  # noqa: F401  (agenda_views, views: their routes on bp)
        agenda_views,
        attachments,
        bodies,
        calendar,
        manage_views,
        views,
    )
    from consult.meetings.blueprint import bp
    from consult.permissions import ReadOnly

    app.register_blueprint(bp)
    # Any loader asked for "change_agenda" of a held meeting raises ReadOnly.
    app.register_error_handler(ReadOnly, manage_views.read_only)
    bodies.init_app(app)
    calendar.init_app(app)
    attachments.init_app(app)
