"""Consolidation: statements per item, their revisions, and outcomes."""

from flask import Flask

from consult.statements import models  # noqa: F401  (tables for migrations)


def init_app(app: Flask) -> None:
    from consult.mail.signals import reply_received
    from consult.statements import review_replies, review_views, views

    reply_received.connect(review_replies.answer_by_reply)
    app.register_blueprint(views.bp)
    app.register_blueprint(review_views.bp)
