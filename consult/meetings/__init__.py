from flask import Flask

from consult.meetings import models  # noqa: F401  (tables for migrations)


def init_app(app: Flask) -> None:
    from consult.meetings import views

    app.register_blueprint(views.bp)
