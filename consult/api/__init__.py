"""The read API (/api/v1, NL API Design Rules), its personal tokens on the account page,
and a body's public Atom feed. It reads every domain, so it sits on top, like archive."""

from flask import Flask

from consult.api import models  # noqa: F401  (tables for migrations)


def init_app(app: Flask) -> None:
    from consult.api import account_views, feed_views, views
    from consult.extensions import csrf

    csrf.exempt(views.bp)  # read-only, token-authenticated: no form posts to protect
    app.register_blueprint(views.bp)
    app.register_blueprint(feed_views.bp)
    app.register_blueprint(account_views.bp)
    app.jinja_env.globals["api_token_panel"] = account_views.token_panel
