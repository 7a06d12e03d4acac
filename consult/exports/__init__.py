"""Exports of a meeting's inbreng: DOCX, PDF, Markdown and CSV."""

from consult.exports import models  # noqa: F401  (tables for migrations)


def init_app(app) -> None:
    from consult.exports import views

    views.init_app(app)
