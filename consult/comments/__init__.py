"""Member input on agenda items."""

from flask import Flask

from consult.comments import models  # noqa: F401  (tables for migrations)


def init_app(app: Flask) -> None:
    from consult.comments import services, views

    app.register_blueprint(views.bp)
    app.jinja_env.globals["kind_labels"] = services.KIND_LABELS
    app.jinja_env.globals["on_behalf_label"] = services.on_behalf_label
