"""Everything Consult stores about one member, as sections of rows: the JSON download
and the readable page of "Mijn gegevens" are made from the same data. Secrets (token
hashes, the calendar feed's token, reply nonces) are named, never shown; login links in
mail bodies are redacted."""

from datetime import datetime

from sqlalchemy import or_, select

from consult.accounts.models import LoginLink, LoginSession, MemberAddress, MemberEvent, User
from consult.comments.models import Comment, CommentEvent, NoInput
from consult.database import utcnow
from consult.exports.models import ExportJob
from consult.extensions import db
from consult.mail.inbound_models import InboundMessage, ReplyToken
from consult.mail.models import MailOptOut, OutboxMessage
from consult.mail.redaction import redacted
from consult.meetings.constituency import my_bodies_query
from consult.meetings.models import AgendaItem, Attachment, Body, Meeting, MeetingChange
from consult.reminders.models import MODE_LABELS, DigestEntry, ReminderPreference
from consult.statements.models import (
    DeskVisit,
    DraftReview,
    DraftReviewAnswer,
    Outcome,
    Statement,
    StatementDraft,
    StatementEvent,
    StatementRevision,
)

# (key in the JSON, heading on the page): the order of both.
SECTIONS = (
    ("profiel", "Profiel"),
    ("rollen", "Rollen en overleggen"),
    ("inbreng", "Uw inbreng"),
    ("inbreng_geschiedenis", "Geschiedenis van uw inbreng (elke versie)"),
    ("geen_inbreng", "Geen inbreng"),
    ("concept_ter_inzage", "Uw reacties op concepten ter inzage"),
    ("mailvoorkeuren", "Mailvoorkeuren en afmeldingen"),
    ("extra_adressen", "Extra e-mailadressen"),
    ("sessies", "Sessies (ingelogde apparaten)"),
    ("inloglinks", "Aangevraagde inloglinks"),
    ("verstuurde_mail", "Mail aan u"),
    ("verzamelberichten", "Herinneringen voor uw dagoverzicht"),
    ("antwoorden_per_mail", "Uw antwoorden per mail"),
    ("antwoordadressen", "Persoonlijke antwoordadressen"),
    ("bezoeken", "Laatste bezoeken (werkruimte, deelname)"),
    ("als_gedelegeerde", "Vastgelegd als gedelegeerde of beheerder"),
    ("logboek", "Logboek"),
)


def when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def item_label(item: AgendaItem) -> str:
    meeting = item.meeting
    return (f"{meeting.body.short_name} {meeting.starts_at.date().isoformat()}, "
            f"punt {item.label}: {item.title}")


def meeting_label(meeting: Meeting | None) -> str | None:
    if meeting is None:
        return None
    return f"{meeting.body.short_name} {meeting.starts_at.date().isoformat()}"


def member_data(user: User, now: datetime | None = None) -> dict:
    """All sections for `user`: {"gemaakt_op": ..., key: rows, ...} (rows are dicts)."""
    data = {"gemaakt_op": when(now or utcnow())}
    for key, _title in SECTIONS:
        data[key] = COLLECTORS[key](user)
    return data


def profile(user: User) -> list[dict]:
    return [{
        "naam": user.name, "e-mailadres": user.email,
        "organisatie": user.organisation.value, "gemeente": user.municipality,
        "regio": user.region.name if user.region else None,
        "actief": user.active, "aangemaakt": when(user.created_at),
        "gedeactiveerd": when(user.deactivated_at), "geanonimiseerd": when(user.anonymised_at),
        "wachtwoord ingesteld": user.password_hash is not None,
        "persoonlijke agenda-link": user.calendar_token is not None,
    }]


def roles(user: User) -> list[dict]:
    rows = [{"rol": user.role_label,
             "regiovoorzitter van": user.chairs_region.name if user.chairs_region else None}]
    bodies = db.session.scalars(select(Body).where(Body.delegates.any(User.id == user.id))
                                .order_by(Body.name))
    rows += [{"gedelegeerde van": body.name} for body in bodies]
    asked = db.session.scalars(select(Body).where(Body.id.in_(my_bodies_query(user)))
                               .order_by(Body.name))
    rows += [{"gevraagd om inbreng door": body.name} for body in asked]
    return rows


def comments(user: User) -> list[dict]:
    query = (select(Comment).where(or_(Comment.author_id == user.id,
                                       Comment.entered_by_id == user.id))
             .order_by(Comment.created_at, Comment.id))
    return [{
        "agendapunt": item_label(comment.item), "soort": comment.kind.value,
        "namens": comment.on_behalf.value, "tekst": comment.text,
        "door u gegeven": comment.author_id == user.id,
        "ingevoerd door": comment.entered_by.name if comment.entered_by else None,
        "ontvangen via": comment.received_via or None, "te laat": comment.late,
        "gegeven": when(comment.created_at), "gewijzigd": when(comment.updated_at),
        "ingetrokken": when(comment.withdrawn_at),
        "verwerking door de gedelegeerde": comment.mark.value if comment.mark else None,
        "toelichting bij de verwerking": comment.mark_reason or None,
    } for comment in db.session.scalars(query)]


def comment_events(user: User) -> list[dict]:
    query = (select(CommentEvent, Comment).join(Comment, CommentEvent.comment_id == Comment.id)
             .where(or_(Comment.author_id == user.id, CommentEvent.user_id == user.id))
             .order_by(CommentEvent.at, CommentEvent.id))
    return [{"agendapunt": item_label(comment.item), "actie": event.action,
             "soort": event.kind, "tekst": event.text, "moment": when(event.at)}
            for event, comment in db.session.execute(query)]


def no_inputs(user: User) -> list[dict]:
    query = select(NoInput).where(NoInput.user_id == user.id).order_by(NoInput.created_at)
    rows = []
    for row in db.session.scalars(query):
        meeting = db.session.get(Meeting, row.meeting_id)
        item = db.session.get(AgendaItem, row.item_id) if row.item_id else None
        rows.append({"vergadering": meeting_label(meeting),
                     "agendapunt": item_label(item) if item else "de hele vergadering",
                     "moment": when(row.created_at)})
    return rows


def review_answers(user: User) -> list[dict]:
    query = (select(DraftReviewAnswer).join(DraftReview)
             .where(DraftReviewAnswer.user_id == user.id).order_by(DraftReview.sent_at))
    return [{"agendapunt": item_label(answer.review.item),
             "concept verstuurd": when(answer.review.sent_at),
             "antwoord": answer.answer, "toelichting": answer.note or None,
             "beantwoord": when(answer.answered_at)} for answer in db.session.scalars(query)]


def mail_preferences(user: User) -> list[dict]:
    rows = [{"soort": "melding bij nieuwe inbreng op punten waarop u inbreng gaf",
             "stand": "aan" if user.notify_on_reply else "uit"}]
    preferences = (select(ReminderPreference, Body).join(Body, ReminderPreference.body_id == Body.id)
                   .where(ReminderPreference.user_id == user.id).order_by(Body.name))
    for preference, body in db.session.execute(preferences):
        rows.append({"soort": f"herinneringen van {body.name}",
                     "stand": MODE_LABELS[preference.mode],
                     "afgemeld via de link": when(preference.unsubscribed_at),
                     "gewijzigd": when(preference.updated_at)})
    opt_outs = select(MailOptOut).where(MailOptOut.user_id == user.id).order_by(MailOptOut.id)
    rows += [{"soort": f"afgemeld voor: {row.kind}", "stand": "uit",
              "afgemeld via de link": when(row.created_at)} for row in db.session.scalars(opt_outs)]
    return rows


def sessions(user: User) -> list[dict]:
    query = (select(LoginSession).where(LoginSession.user_id == user.id)
             .order_by(LoginSession.created_at))
    return [{"begonnen": when(row.created_at), "laatst gebruikt": when(row.last_seen_at),
             "beëindigd": when(row.revoked_at), "browser": row.user_agent}
            for row in db.session.scalars(query)]


def extra_addresses(user: User) -> list[dict]:
    query = (select(MemberAddress).where(MemberAddress.user_id == user.id)
             .order_by(MemberAddress.created_at))
    return [{"adres": row.email, "toegevoegd": when(row.created_at),
             "bevestigd": when(row.confirmed_at)} for row in db.session.scalars(query)]


def login_links(user: User) -> list[dict]:
    query = select(LoginLink).where(LoginLink.user_id == user.id).order_by(LoginLink.created_at)
    return [{"aangevraagd": when(row.created_at), "geldig tot": when(row.expires_at),
             "gebruikt": when(row.used_at)} for row in db.session.scalars(query)]


def outbox(user: User) -> list[dict]:
    query = (select(OutboxMessage).where(or_(OutboxMessage.user_id == user.id,
                                             OutboxMessage.recipient == user.email))
             .order_by(OutboxMessage.created_at, OutboxMessage.id))
    return [{"soort": row.kind, "aan": row.recipient, "onderwerp": row.subject,
             "status": row.status.value, "aangemaakt": when(row.created_at),
             "verzonden": when(row.sent_at),
             "tekst": redacted("login_link", redacted(row.kind, row.body_text))}
            for row in db.session.scalars(query)]


def digest_entries(user: User) -> list[dict]:
    query = (select(DigestEntry).where(DigestEntry.user_id == user.id)
             .order_by(DigestEntry.created_at))
    return [{"onderwerp": row.subject, "tekst": row.body_text, "aangemaakt": when(row.created_at),
             "in dagoverzicht": row.digest_key} for row in db.session.scalars(query)]


def inbound(user: User) -> list[dict]:
    query = (select(InboundMessage).where(or_(InboundMessage.user_id == user.id,
                                              InboundMessage.sender == user.email))
             .order_by(InboundMessage.received_at))
    return [{"ontvangen": when(row.received_at), "van": row.sender, "onderwerp": row.subject,
             "status": row.status.value, "reden": row.reason or None,
             "opgeslagen als": row.outcome or None, "bewaard bericht (bytes)": len(row.raw)}
            for row in db.session.scalars(query)]


def reply_tokens(user: User) -> list[dict]:
    query = select(ReplyToken).where(ReplyToken.user_id == user.id).order_by(ReplyToken.created_at)
    return [{"vergadering": meeting_label(db.session.get(Meeting, row.meeting_id)),
             "aangemaakt": when(row.created_at), "ingetrokken": when(row.revoked_at)}
            for row in db.session.scalars(query)]


def visits(user: User) -> list[dict]:
    query = select(DeskVisit).where(DeskVisit.user_id == user.id).order_by(DeskVisit.seen_at)
    return [{"vergadering": meeting_label(db.session.get(Meeting, row.meeting_id)),
             "laatst bekeken": when(row.seen_at)} for row in db.session.scalars(query)]


def delegate_work(user: User) -> list[dict]:
    """What the member recorded for others: statement versions and drafts, finalising,
    outcomes, reviews sent, attachments, exports, marks on input, replies handled."""
    rows = []

    def add(what: str, item: AgendaItem | None, moment, text: str | None = None):
        rows.append({"wat": what, "agendapunt": item_label(item) if item else None,
                     "moment": when(moment), "tekst": text})

    for revision in db.session.scalars(select(StatementRevision).where(
            StatementRevision.author_id == user.id).order_by(StatementRevision.created_at)):
        add(f"standpunt, versie {revision.number}", revision.statement.item,
            revision.created_at, revision.text)
    for draft in db.session.scalars(select(StatementDraft).where(StatementDraft.user_id == user.id)):
        statement = db.session.get(Statement, draft.statement_id)
        add("automatisch bewaard concept", statement.item, draft.updated_at, draft.text)
    for event in db.session.scalars(select(StatementEvent).where(StatementEvent.user_id == user.id)):
        add(f"standpunt {event.action}", db.session.get(Statement, event.statement_id).item,
            event.at)
    for outcome in db.session.scalars(select(Outcome).where(Outcome.recorded_by_id == user.id)):
        add("bespreking vastgelegd", outcome.item, outcome.recorded_at, outcome.text)
    for review in db.session.scalars(select(DraftReview).where(DraftReview.sent_by_id == user.id)):
        add("concept ter inzage verstuurd", review.item, review.sent_at)
    for attachment in db.session.scalars(select(Attachment).where(
            Attachment.uploaded_by_id == user.id)):
        add(f"bijlage geüpload: {attachment.filename}", attachment.item, attachment.uploaded_at)
    for job in db.session.scalars(select(ExportJob).where(ExportJob.user_id == user.id)):
        add(f"export ({job.format.value}) van {meeting_label(job.meeting)}", None, job.created_at)
    for comment in db.session.scalars(select(Comment).where(Comment.marked_by_id == user.id)):
        add(f"inbreng van {comment.author.name} gemarkeerd: {comment.mark}", comment.item,
            comment.marked_at)
    for message in db.session.scalars(select(InboundMessage).where(
            InboundMessage.handled_by_id == user.id)):
        add("antwoord per mail afgehandeld", None, message.handled_at, message.subject)
    return sorted(rows, key=lambda row: row["moment"] or "")


def audit(user: User) -> list[dict]:
    events = select(MemberEvent).where(MemberEvent.user_id == user.id).order_by(MemberEvent.at)
    rows = [{"moment": when(event.at), "wat": event.action, "toelichting": event.note or None,
             "door": event.actor.name if event.actor else "automatisch (bewaartermijn)"}
            for event in db.session.scalars(events)]
    changes = (select(MeetingChange).where(MeetingChange.user_id == user.id)
               .order_by(MeetingChange.at))
    rows += [{"moment": when(change.at), "wat": f"vergadering {change.action}",
              "toelichting": meeting_label(change.meeting), "door": user.name}
             for change in db.session.scalars(changes)]
    return rows


COLLECTORS = {
    "profiel": profile, "rollen": roles, "inbreng": comments,
    "inbreng_geschiedenis": comment_events, "geen_inbreng": no_inputs,
    "concept_ter_inzage": review_answers, "mailvoorkeuren": mail_preferences,
    "extra_adressen": extra_addresses, "sessies": sessions, "inloglinks": login_links,
    "verstuurde_mail": outbox, "verzamelberichten": digest_entries,
    "antwoorden_per_mail": inbound, "antwoordadressen": reply_tokens, "bezoeken": visits,
    "als_gedelegeerde": delegate_work, "logboek": audit,
}
