"""Accounts: members, login by link or password, login sessions (views.py), and the
admins' member management (members.py, admin_views.py)."""

from flask import Flask

from consult.accounts import models  # noqa: F401  (tables for migrations)


def init_app(app: Flask) -> None:
    from consult.accounts import admin_views, link_views, services, views
    from consult.extensions import login_manager
    from consult.permissions.link_access import link_principal

    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Log in om deze pagina te bekijken."
    login_manager.login_message_category = "info"
    login_manager.user_loader(services.load_session_user)
    # Only on the pages a meeting's personal link opens, and only without a login.
    login_manager.request_loader(link_principal)
    app.register_blueprint(views.bp)
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(link_views.bp)
