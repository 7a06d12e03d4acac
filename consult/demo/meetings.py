"""Demo meetings, imported through the project's own agenda import, with dates
relative to today so the demo always shows an open consultation."""

import io
from datetime import date, time, timedelta
from importlib.resources import files

from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from consult.accounts.models import Organisation, User
from consult.comments.models import Comment, CommentEvent, CommentKind, Mark, NoInput
from consult.database import utcnow
from consult.extensions import db
from consult.meetings import importing, services
from consult.meetings.agenda_import import parse_agenda_text
from consult.meetings.attachments.files import store_upload
from consult.meetings.models import Body, Meeting
from consult.pages import MONTHS, WEEKDAYS
from consult.statements.models import Outcome, Statement, StatementRevision, StatementStatus

DELEGATE_EMAIL = "mirjam.kok@zeist.example.org"

PAST_INPUT = [
    ("anouk.smit@westerkwartier.example.org", "3A", CommentKind.INPUT,
     "Voor kleine gemeenten is vooral de opschaling naar beheer een zorg: wie betaalt het "
     "beheer na de projectfase? Graag een dekkingsvoorstel in het jaarplan."),
    ("jeroen.visser@oldebroek.example.org", "3A", CommentKind.SUPPORT,
     "Eens met de prioritering; Woo en informatieveiligheid bovenaan."),
    ("yasmin.bouzid@rotterdam.example.org", "4", CommentKind.QUESTION,
     "Hoe verhoudt de planning van Burgerzaken zich tot de aanbesteding van de nieuwe "
     "zaaksystemen in de G4?"),
    ("ilse.vandijk@lopik.example.org", "5", CommentKind.CONCERN,
     "Een landelijke publicatievoorziening is goed, maar de kosten voor aansluiting mogen "
     "niet bij de kleinste gemeenten landen."),
]


def demo_text(name: str) -> str:
    return files("consult.demo").joinpath(name).read_text(encoding="utf-8")


def tiny_pdf(title: str) -> bytes:
    """A valid one-page PDF with a title: demo attachments without a PDF library."""
    safe = title.encode("latin-1", "replace").replace(b"\\", b"").replace(b"(", b"").replace(
        b")", b"")
    stream = b"BT /F1 16 Tf 72 760 Td (" + safe + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
              .encode())
    return out.getvalue()


def long_date(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]} {day.year}"


def import_meeting(body: Body, delegate: User, agenda_file: str, day: date, start: time,
                   end: time, location: str, deadline_day: date, with_files: bool) -> Meeting:
    meeting = services.create_meeting(
        body, delegate,
        starts_at=services.local_datetime(day, start),
        ends_at=services.local_datetime(day, end),
        location=location,
        online="online" in location.lower(),
        input_deadline=services.local_datetime(deadline_day, time(17, 0)),
    )
    agenda = parse_agenda_text(demo_text(agenda_file).replace("{meeting_date}", long_date(day)))
    importing.save_imported_agenda(meeting, agenda)
    db.session.flush()
    if with_files:
        for item in meeting.items:
            for attachment in item.attachments:
                upload = FileStorage(io.BytesIO(tiny_pdf(f"{attachment.label} {attachment.title}")),
                                     filename=f"{attachment.label} {attachment.title}.pdf",
                                     content_type="application/pdf")
                store_upload(item, upload, label=attachment.label, title=attachment.title,
                             confidential=False, by=delegate, attachment=attachment)
    return meeting


def setup_demo_bodies(delegate: User) -> tuple[Body, Body]:
    taskforce = db.session.scalar(select(Body).where(Body.name == "Taskforce Samen Organiseren"))
    cio = db.session.scalar(select(Body).where(Body.name == "CIO-Beraad – VNG"))
    if not taskforce.delegates:
        taskforce.delegates = [delegate]
        taskforce.secretariat_email = "secretariaat.taskforce@vng.example.org"
        taskforce.organisations = list(Organisation)
    if not cio.delegates:
        cio.delegates = [delegate]
        cio.secretariat_email = "secretariaat.cio@vng.example.org"
        cio.outcome_label = "Bespreking CIO-Beraad"
        cio.organisations = [Organisation.CIO, Organisation.VIAG]
    return taskforce, cio


def load_demo_meetings() -> int:
    """Create the demo meetings once; returns how many were created."""
    delegate = db.session.scalar(select(User).where(User.email == DELEGATE_EMAIL))
    taskforce, cio = setup_demo_bodies(delegate)
    existing = db.session.scalar(select(func.count(Meeting.id)).where(
        Meeting.body_id.in_([taskforce.id, cio.id])))
    if existing:
        return 0
    today = utcnow().astimezone(services.local_zone()).date()

    upcoming = import_meeting(
        taskforce, delegate, "agenda-taskforce.txt", today + timedelta(days=10),
        time(9, 30), time(12, 30), "VNG, Nassaulaan 12, Den Haag (en online via Teams)",
        today + timedelta(days=6), with_files=True)
    services.publish_meeting(upcoming, delegate)

    past = import_meeting(
        taskforce, delegate, "agenda-taskforce.txt", today - timedelta(days=25),
        time(9, 30), time(12, 30), "VNG, Nassaulaan 12, Den Haag",
        today - timedelta(days=29), with_files=False)
    past.published_at = past.starts_at - timedelta(days=14)
    add_past_input(past)

    quarterly = import_meeting(
        cio, delegate, "agenda-cio.txt", today + timedelta(days=40), time(13, 30),
        time(16, 0), "online via Teams", today + timedelta(days=35), with_files=False)
    services.publish_meeting(quarterly, delegate)
    return 3


def add_past_input(meeting: Meeting) -> None:
    items = {item.label: item for item in meeting.items}
    users = {user.email: user for user in db.session.scalars(select(User))}
    moment = meeting.input_deadline - timedelta(days=2)
    for email, label, kind, text in PAST_INPUT:
        comment = Comment(item=items[label], author=users[email], kind=kind, text=text,
                          created_at=moment, updated_at=moment)
        db.session.add(comment)
        db.session.flush()
        db.session.add(CommentEvent(comment_id=comment.id, user_id=users[email].id, at=moment,
                                    action="created", kind=kind.value, text=text))
    db.session.add(NoInput(user_id=users["ruud.claassen@bergeijk.example.org"].id,
                           meeting_id=meeting.id))
    add_past_consolidation(meeting, items, users[DELEGATE_EMAIL])


PAST_STATEMENTS = {
    "3A": ("De achterban steunt de prioritering, met **Woo** en **informatieveiligheid** "
           "bovenaan. Voorwaarde: een dekkingsvoorstel voor het beheer na de projectfase, "
           "zodat kleine gemeenten niet achteraf de rekening krijgen.",
           "De Taskforce neemt het advies over; VNG werkt een dekkingsvoorstel uit voor de "
           "volgende vergadering."),
    "4": ("Graag een planning die aansluit op de aanbestedingen van de grote gemeenten, en "
          "heldere mijlpalen voor Burgerzaken.",
          "Besproken. De planning wordt afgestemd met de G4 en komt terug in het voorjaar."),
    "5": ("Positief over een landelijke publicatievoorziening, mits de aansluitkosten niet "
          "bij de kleinste gemeenten landen.",
          "De Taskforce adviseert collectief op te trekken; de kostenverdeling volgt."),
}


def add_past_consolidation(meeting: Meeting, items: dict, delegate: User) -> None:
    """Final statements, marks and published outcomes for the past demo meeting."""
    for label, (statement_text, outcome_text) in PAST_STATEMENTS.items():
        item = items[label]
        statement = Statement(item=item, status=StatementStatus.FINAL)
        db.session.add(statement)
        db.session.flush()
        revision = StatementRevision(statement_id=statement.id, number=1, text=statement_text,
                                     author_id=delegate.id,
                                     created_at=meeting.input_deadline + timedelta(days=1))
        db.session.add(revision)
        db.session.flush()
        statement.current_revision_id = revision.id
        db.session.add(Outcome(item=item, text=outcome_text, recorded_by_id=delegate.id,
                               recorded_at=meeting.ends_at + timedelta(days=1)))
    for comment in db.session.scalars(select(Comment).join(Comment.item).where(
            Comment.item_id.in_([i.id for i in items.values()]))):
        comment.mark = Mark.USED if comment.item.label in PAST_STATEMENTS else Mark.READ
        comment.marked_by_id = delegate.id
        comment.marked_at = meeting.input_deadline + timedelta(days=1)
    meeting.outcomes_published_at = meeting.ends_at + timedelta(days=1)
