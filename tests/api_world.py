"""The world of the API tests: a body with meetings in every phase, statements and
outcomes published and not, a confidential attachment, another body, and tokens."""

import io
from datetime import timedelta

from werkzeug.datastructures import FileStorage

from consult.extensions import db
from tests.factories import make_body, make_meeting, make_user


def add_statement(item, author, text: str, final: bool):
    from consult.statements.models import Statement, StatementRevision, StatementStatus

    statement = Statement(item=item, status=StatementStatus.FINAL if final else StatementStatus.DRAFT)
    db.session.add(statement)
    db.session.flush()
    revision = StatementRevision(statement_id=statement.id, number=1, text=text, author_id=author.id)
    db.session.add(revision)
    db.session.flush()
    statement.current_revision_id = revision.id
    return statement


def add_outcome(item, author, text: str):
    from consult.statements.models import Outcome

    outcome = Outcome(item=item, text=text, recorded_by_id=author.id)
    db.session.add(outcome)
    db.session.flush()
    return outcome


def build(app, users) -> dict:
    from consult.accounts.models import User
    from consult.api import tokens
    from consult.database import utcnow
    from consult.demo.meetings import tiny_pdf
    from consult.meetings.attachments.files import store_upload

    with app.test_request_context():
        delegate, admin = db.session.get(User, users["delegate"]), db.session.get(User, users["admin"])
        other_delegate = make_user("delegate", name="Andere Gedelegeerde")
        body = make_body(delegates=[delegate])
        other = make_body("CIO-Beraad – VNG", short_name="CIO", delegates=[other_delegate])
        held = make_meeting(body, starts_in_days=-30, deadline_in_days=-34)
        held.outcomes_published_at = utcnow() - timedelta(days=20)
        recent = make_meeting(body, starts_in_days=-3, deadline_in_days=-6)
        upcoming = make_meeting(body, starts_in_days=10, deadline_in_days=6)
        draft = make_meeting(body, published=False, starts_in_days=40, deadline_in_days=35)
        foreign = make_meeting(other, starts_in_days=-30, deadline_in_days=-34)
        foreign.outcomes_published_at = utcnow() - timedelta(days=20)
        statement = add_statement(held.items[0], delegate, "Standpunt één: graag samen optrekken.", True)
        add_statement(held.items[1], delegate, "Concept twee, nog niet af.", False)
        outcome = add_outcome(held.items[0], delegate, "Uitkomst één: de Taskforce neemt het over.")
        add_statement(recent.items[0], delegate, "Definitief, vóór de terugkoppeling.", True)
        add_outcome(recent.items[0], delegate, "Uitkomst nog niet gepubliceerd.")
        add_statement(foreign.items[0], other_delegate, "Standpunt van het andere overleg.", True)
        add_outcome(foreign.items[0], other_delegate, "Uitkomst van het andere overleg.")

        def upload(label: str, confidential: bool):
            file = FileStorage(io.BytesIO(tiny_pdf("Bijlage")), filename=f"{label}.pdf")
            return store_upload(upcoming.items[0], file, label=label, title=f"Bijlage {label}",
                                confidential=confidential, by=delegate)

        public, confidential = upload("1a", False), upload("1b", True)
        _, delegate_token = tokens.create_token(delegate, body, "Website", 30)
        _, admin_token = tokens.create_token(admin, body, "Beheer", 30)
        _, other_token = tokens.create_token(other_delegate, other, "Ander", 30)
        db.session.commit()
        return {"body": body.id, "other": other.id, "held": held.id, "recent": recent.id,
                "upcoming": upcoming.id, "draft": draft.id, "foreign": foreign.id,
                "item": upcoming.items[0].id, "draft_item": draft.items[0].id,
                "statement": statement.id, "outcome": outcome.id,
                "attachment": public.id, "confidential": confidential.id,
                "token": delegate_token, "admin_token": admin_token, "other_token": other_token,
                "other_delegate": other_delegate.id}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
