"""Bodies (gremia), managed by admins: labels, secretariat, deadline rule, constituency,
delegates, visibility of input. The Body model lives with the meetings
(consult.meetings.models)."""

from flask import Flask


def init_app(app: Flask) -> None:
    from consult.meetings.bodies import views

    app.register_blueprint(views.bp)
