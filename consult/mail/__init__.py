"""The outbox and mail delivery (in the scheduler process), and the admin page for mail
that did not arrive."""

from flask import Flask

from consult.mail import inbound_models, models  # noqa: F401  (tables for migrations)


def init_app(app: Flask) -> None:
    from consult.mail import demo_views, inbound_views, views

    views.init_app(app)
    inbound_views.init_app(app)
    app.register_blueprint(demo_views.bp)
