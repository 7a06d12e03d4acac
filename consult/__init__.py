"""Consult: the achterban of VIAG, IMG and the CIO-Beraad give input on VNG agendas."""

import os
import secrets
from pathlib import Path

from flask import Flask
from werkzeug.routing import IntegerConverter


class DatabaseIntegerConverter(IntegerConverter):
    """<int:…> that matches only ids an INTEGER column can hold (PostgreSQL: 32 bits)."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def instance_secret_key(instance: Path) -> str:
    """A random key made once per installation, so no default key is ever used."""
    path = instance / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


def load_config(app: Flask, test_config: dict | None) -> None:
    """Defaults, then instance/config.py and CONSULT_* variables (or the tests' mapping);
    what is left unset gets a value inside the instance folder."""
    app.config.from_object("consult.config")
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("CONSULT")
    else:
        app.config.from_mapping(test_config)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'consult.db'}"
    if app.config["SESSION_COOKIE_SECURE"] is None:
        app.config["SESSION_COOKIE_SECURE"] = not app.debug
    app.config["MAIL_FILE_DIR"] = app.config["MAIL_FILE_DIR"] or str(instance / "mail")
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = instance_secret_key(instance)


def instance_path(test_config: dict | None) -> str | None:
    """The instance folder: CONSULT_INSTANCE_PATH (the tests: INSTANCE_PATH), read before
    the configuration because instance/config.py lives in it; None: instance/ beside the
    code."""
    if test_config is not None:
        configured = test_config.get("INSTANCE_PATH")
    else:
        configured = os.environ.get("CONSULT_INSTANCE_PATH")
    return str(Path(configured).resolve()) if configured else None


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=instance_path(test_config),
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    # Ids in URLs fit a database INTEGER: a larger one is a 404, not an overflow error.
    app.url_map.converters["int"] = DatabaseIntegerConverter
    load_config(app, test_config)
    if app.config["PROXY_FIX_X_FOR"]:
        # Behind a reverse proxy: take the client's address from X-Forwarded-For.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=1, x_host=1
        )

    from consult import database, pages, security, transactions
    from consult.extensions import csrf, db, htmx, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent.parent / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            database.configure_sqlite(db.engine)
    for part in (transactions, security, pages):
        part.init_app(app)

    from consult import (
        accounts,
        api,
        cli,
        comments,
        exports,
        health,
        mail,
        meetings,
        privacy,
        reminders,
        statements,
    )

    for part in (health, accounts, mail, meetings, comments, reminders, statements, exports,
                 privacy, api, cli):
        part.init_app(app)
    return app
