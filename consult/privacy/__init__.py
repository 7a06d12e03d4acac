"""Privacy (AVG): a member's own data as a download ("Mijn gegevens"), anonymising former
members (by an admin, or by the scheduler after the retention period), and the privacy
and accessibility statements. It reads the tables of every domain, so it sits above them,
like the archive."""

from flask import Flask


def init_app(app: Flask) -> None:
    from consult.privacy import views

    app.register_blueprint(views.bp)
