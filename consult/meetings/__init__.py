from flask import Flask

from consult.meetings import models  # noqa: F401  (tables for migrations)


def init_app(app: Flask) -> None:
    from consult.meetings import bodies, calendar, manage, views  # noqa: F401  (manage: routes on views.bp)

    app.register_blueprint(views.bp)
    app.register_blueprint(bodies.bp)
    calendar.init_app(app)
    from consult.meetings import attachment_views; attachment_views.init_app(app)  # noqa: E702,I001
