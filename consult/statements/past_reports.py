"""Past reports into the archive: a published report of a body's meeting, with its
statements ("Inbreng VIAG/IMG+CIO") and outcomes ("Bespreking TF"), becomes a held meeting
whose outcomes are published. Nothing is mailed and no reminder is planned: the meeting is
history. The "geïmporteerd" entry in the meeting's change log marks it, carries a hash of
the report (importing it again changes nothing) and keeps the text before the first item.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path

from sqlalchemy import func, select

from consult.accounts.models import User
from consult.database import utcnow
from consult.extensions import db
from consult.meetings.agenda_import import (
    ProposedAgenda,
    docx_to_text,
    html_to_text,
    parse_report_text,
)
from consult.meetings.importing import clear_agenda, keep_description
from consult.meetings.models import Attachment, Body, Meeting, MeetingChange, Purpose
from consult.meetings.services import (
    add_item,
    create_meeting,
    local_datetime,
    record_change,
)
from consult.statements.models import (
    Outcome,
    Statement,
    StatementEvent,
    StatementRevision,
    StatementStatus,
)
from consult.statements.services import clean_statement

IMPORTED = "geïmporteerd"
REPORT_SUFFIXES = (".txt", ".docx", ".html", ".htm")
MAX_REPORT_BYTES = 10_000_000
MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")
_LONG_DATE = re.compile(rf"\b(\d{{1,2}})\s+({'|'.join(MONTHS)})\s+(\d{{4}})\b", re.I)
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
# A report does not say when the meeting started; the archive only needs the day.
MEETING_TIME = time(9, 30)


class ReportError(ValueError):
    """A report that cannot be imported; the message is for the delegate (Dutch)."""


@dataclass
class ReportResult:
    source: str
    outcome: str  # "geïmporteerd", "al geïmporteerd" or "overgeslagen"
    message: str
    meeting_id: int | None = None


def read_report(path: Path) -> str:
    """The text of a .txt, .docx or saved .html report."""
    suffix = path.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise ReportError(f"{path.suffix or 'zonder extensie'}: alleen .txt, .docx en .html")
    if path.stat().st_size > MAX_REPORT_BYTES:
        raise ReportError("het bestand is groter dan 10 MB")
    data = path.read_bytes()
    if suffix == ".docx":
        return docx_to_text(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return html_to_text(text) if suffix in (".html", ".htm") else text


def report_date(text: str, name: str = "") -> date | None:
    """The meeting's day: "15 oktober 2026" near the top wins over a numeric date (often
    the day the report was published); the file name is the last resort."""
    head = text[:2000]
    for match in _LONG_DATE.finditer(head):
        found = _safe_date(int(match.group(3)), MONTHS.index(match.group(2).lower()) + 1,
                           int(match.group(1)))
        if found:
            return found
    for pattern, order in ((_NUMERIC_DATE, (3, 2, 1)), (_ISO_DATE, (1, 2, 3))):
        for source in (head, name):
            for match in pattern.finditer(source):
                found = _safe_date(*(int(match.group(i)) for i in order))
                if found:
                    return found
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def content_hash(text: str) -> str:
    """Of the words only: the same report saved again with other line breaks is the same."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()


def _imported_with(body: Body, digest: str) -> Meeting | None:
    return db.session.scalar(
        select(Meeting).join(MeetingChange, MeetingChange.meeting_id == Meeting.id)
        .where(Meeting.body_id == body.id, MeetingChange.action == IMPORTED,
               MeetingChange.new_value == f"sha256:{digest}"))


def _meeting_on(body: Body, day: date) -> Meeting | None:
    start = local_datetime(day, time(0, 0))
    return db.session.scalar(select(Meeting).where(
        Meeting.body_id == body.id, Meeting.starts_at >= start,
        Meeting.starts_at < start + timedelta(days=1), Meeting.cancelled_at.is_(None)))


def parse_report(body: Body, text: str) -> ProposedAgenda:
    return parse_report_text(text, statement_labels=[body.statement_label],
                             outcome_labels=[body.outcome_label])


def import_report(body: Body, author: User, text: str, source: str = "") -> ReportResult:
    """Import one report as a held meeting of `body`, or say why not. Does not commit."""
    digest = content_hash(text)
    earlier = _imported_with(body, digest)
    if earlier is not None:
        return ReportResult(source, "al geïmporteerd", "dit verslag staat al in het archief",
                            earlier.id)
    day = report_date(text, source)
    if day is None:
        raise ReportError("geen vergaderdatum gevonden (zoals “15 oktober 2026”)")
    if local_datetime(day, MEETING_TIME) > utcnow():
        raise ReportError(f"de vergaderdatum {day:%d-%m-%Y} ligt in de toekomst")
    if _meeting_on(body, day) is not None:
        return ReportResult(source, "overgeslagen",
                            f"er is al een vergadering van {body.name} op {day:%d-%m-%Y}")
    agenda = parse_report(body, text)
    if not agenda.items:
        raise ReportError("geen genummerde agendapunten gevonden")
    meeting = _held_meeting(body, author, day)
    keep_description(meeting, agenda.preamble)
    statements, outcomes = _add_items(meeting, author, agenda)
    meeting.outcomes_published_at = meeting.ends_at
    record_change(meeting, author, IMPORTED, "verslag", "", f"sha256:{digest}",
                  _note(source, agenda.preamble))
    return ReportResult(source, IMPORTED, f"{len(agenda.items)} agendapunten, {statements} "
                        f"keer {body.statement_label}, {outcomes} keer {body.outcome_label}",
                        meeting.id)


def save_reviewed_report(meeting: Meeting, author: User, agenda: ProposedAgenda, *,
                         replace: bool = False, digest: str = "") -> ReportResult:
    """A report the delegate reviewed on screen, into `meeting` (held already): its items
    with final statements and published outcomes, no mail. Raises ReportError (or
    MeetingRuleError for `replace` on a published meeting) before writing anything."""
    if meeting.starts_at > utcnow():
        raise ReportError("Deze vergadering is nog niet gehouden. Een verslag importeert u "
                          "na de vergadering.")
    earlier = _imported_with(meeting.body, digest) if digest else None
    if earlier is not None:
        raise ReportError(f"Dit verslag staat al in het archief, bij de vergadering van "
                          f"{earlier.starts_at:%d-%m-%Y}.")
    if not agenda.items:
        raise ReportError("Er zijn geen punten om te importeren.")
    if replace:
        clear_agenda(meeting)
    keep_description(meeting, agenda.preamble, replace=replace)
    if meeting.published_at is None:
        # Published without the "agenda open" mails: the meeting is past.
        meeting.published_at = min(meeting.input_deadline, utcnow())
    statements, outcomes = _add_items(meeting, author, agenda)
    meeting.outcomes_published_at = meeting.outcomes_published_at or meeting.ends_at
    record_change(meeting, author, IMPORTED, "verslag", "",
                  f"sha256:{digest}" if digest else "", _note("", agenda.preamble))
    return ReportResult("", IMPORTED, f"{len(agenda.items)} agendapunten, {statements} "
                        f"keer {meeting.body.statement_label}, {outcomes} keer "
                        f"{meeting.body.outcome_label}", meeting.id)


def _held_meeting(body: Body, author: User, day: date) -> Meeting:
    starts_at = local_datetime(day, MEETING_TIME)
    meeting = create_meeting(body, author, starts_at=starts_at)
    # Published without the "agenda open" mails: the meeting is long past.
    meeting.published_at = meeting.input_deadline
    return meeting


def _note(source: str, preamble: str) -> str:
    parts = [f"Uit verslag {source}" if source else "Uit een verslag", preamble]
    return "\n\n".join(part for part in parts if part)


def _add_items(meeting: Meeting, author: User, agenda: ProposedAgenda) -> tuple[int, int]:
    statements = outcomes = 0
    for proposed in agenda.items:
        item = add_item(meeting, number=proposed.number, sub=proposed.sub,
                        title=proposed.title[:300], explanation=proposed.explanation,
                        presenter=proposed.presenter[:200],
                        purpose=Purpose(proposed.purpose) if proposed.purpose else None,
                        asks_input=proposed.asks_input)
        item.attachments += [Attachment(label=a.label[:20], title=a.title[:300])
                             for a in proposed.attachments]
        db.session.flush()
        if proposed.statement:
            _final_statement(item, author, proposed.statement)
            statements += 1
        if proposed.outcome:
            db.session.add(Outcome(item=item, text=clean_statement(proposed.outcome),
                                   recorded_by_id=author.id, recorded_at=meeting.ends_at))
            outcomes += 1
    return statements, outcomes


def _final_statement(item, author: User, text: str) -> None:
    """The statement as the report gives it: one revision, final, marked as imported."""
    statement = Statement(item=item, status=StatementStatus.FINAL, updated_at=utcnow())
    db.session.add(statement)
    db.session.flush()
    revision = StatementRevision(statement_id=statement.id, number=1,
                                 text=clean_statement(text), author_id=author.id,
                                 note=f"{IMPORTED} uit verslag")
    db.session.add(revision)
    db.session.flush()
    statement.current_revision_id = revision.id
    db.session.add(StatementEvent(statement_id=statement.id, user_id=author.id,
                                  action="definitief"))


def find_body(name: str) -> Body | None:
    """By its name or short name, ignoring case."""
    lowered = name.strip().lower()
    return db.session.scalar(select(Body).where(
        (func.lower(Body.name) == lowered) | (func.lower(Body.short_name) == lowered)))


def report_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir()
                  if path.is_file() and path.suffix.lower() in REPORT_SUFFIXES)


def import_report_file(body: Body, author: User, path: Path) -> ReportResult:
    """One file: imported and committed, or rolled back with the reason."""
    try:
        result = import_report(body, author, read_report(path), source=path.name)
    except (ReportError, ValueError) as error:
        db.session.rollback()
        return ReportResult(path.name, "overgeslagen", str(error))
    db.session.commit()
    return result
