"""Accounts: members, login by link or password, login sessions (views.py), login with
the organisation account (OpenID Connect: oidc*.py), rate limits (throttle.py), and the
admins' member management (members.py, admin_views.py)."""

from flask import Flask

from consult.accounts import kept_forms, models, oidc_models  # noqa: F401  (tables for migrations)


def init_app(app: Flask) -> None:
    from consult.accounts import (
        admin_views,
        kept_views,
        link_views,
        oidc_admin_views,
        oidc_login,
        oidc_views,
        services,
        views,
    )
    from consult.extensions import login_manager
    from consult.permissions.link_access import link_principal

    login_manager.login_view = "accounts.login"
    # One answer for "log in first": htmx gets HX-Redirect, a POST keeps its form.
    login_manager.unauthorized_handler(kept_forms.login_required_answer)
    login_manager.user_loader(services.load_session_user)
    # Only on the pages a meeting's personal link opens, and only without a login.
    login_manager.request_loader(link_principal)
    app.register_blueprint(views.bp)
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(oidc_views.bp)
    app.register_blueprint(oidc_admin_views.bp)
    # For the login page's buttons only (a global, not a context processor: no query on
    # every other page).
    app.jinja_env.globals["organisation_logins"] = oidc_login.login_providers
    app.register_blueprint(kept_views.bp)
    app.register_blueprint(link_views.bp)
