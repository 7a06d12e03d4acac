"""Past reports into the archive: a held meeting with final statements and published
outcomes on the right items, marked as imported, no mail; the CLI imports a folder twice
without changing anything the second time."""

import pytest
from sqlalchemy import func, select

from consult.accounts.models import User
from consult.extensions import db
from consult.mail.models import OutboxMessage
from consult.meetings.models import AgendaItem, Meeting, MeetingChange
from consult.meetings.status import MeetingStatus, meeting_status
from consult.reminders.models import Reminder
from consult.statements import past_reports
from consult.statements.models import Outcome, Statement, StatementRevision, StatementStatus
from tests.agenda_scoring import LOCAL_FIXTURES, expected_for, paragraphs_docx
from tests.factories import make_body
from tests.test_agenda_html import as_web_page

SOURCE = LOCAL_FIXTURES / "verslag-taskforce.txt"


@pytest.fixture
def report_text() -> str:
    return SOURCE.read_text("utf-8")


@pytest.fixture
def body_id(app, users):
    with app.app_context():
        body = make_body(delegates=[db.session.get(User, users["delegate"])])
        db.session.commit()
        return body.id


def counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Meeting, AgendaItem, Statement, StatementRevision, Outcome,
                          MeetingChange, OutboxMessage, Reminder)}


def import_fixture(app, body_id, users, text, source="verslag-taskforce.txt"):
    with app.test_request_context():
        body = db.session.get(past_reports.Body, body_id)
        author = db.session.get(User, users["delegate"])
        result = past_reports.import_report(body, author, text, source=source)
        db.session.commit()
        return result


def test_report_becomes_a_held_meeting_with_statements_and_outcomes(app, users, body_id,
                                                                    report_text):
    result = import_fixture(app, body_id, users, report_text)

    assert result.outcome == "geïmporteerd"
    expected = expected_for(SOURCE)
    with app.app_context():
        meeting = db.session.get(Meeting, result.meeting_id)
        assert meeting_status(meeting) == MeetingStatus.DONE
        assert meeting.starts_at.date().isoformat() == "2026-10-15"
        items = {item.label: item for item in meeting.items}
        assert list(items)[:6] == ["1", "2", "3", "3A", "3B", "4"] and "10" in items
        statements = {s.item.label: s for s in db.session.scalars(select(Statement))}
        assert sorted(statements) == sorted(expected["statements_present_for"])
        assert all(s.status == StatementStatus.FINAL for s in statements.values())
        assert statements["3"].text.startswith("De notitie is goed")
        assert statements["3"].current_revision.note == "geïmporteerd uit verslag"
        outcomes = {o.item.label: o.text for o in db.session.scalars(select(Outcome))}
        assert sorted(outcomes) == sorted(expected["outcomes_present_for"])
        assert outcomes["3"].startswith("1. Digitale weerbaarheid:")
        assert outcomes["6.2"].startswith("Dit past in het spoor dienstverlening.")
        assert [a.label for a in items["4"].attachments] == ["4a", "4b"]
        assert items["4"].presenter == "Ruben de Wit"
        change = next(c for c in meeting.changes if c.action == "geïmporteerd")
        assert change.new_value.startswith("sha256:")
        assert "Neem contact op met Sanne de Boer" in change.note  # the preamble is kept
        assert "Neem contact op met Sanne de Boer" in meeting.description  # and shown
        # History, not a consultation: no mail, no reminders.
        assert counts()["OutboxMessage"] == 0 and counts()["Reminder"] == 0


def test_imported_report_is_found_by_the_archive_search(app, client, auth, users, body_id,
                                                        report_text):
    import_fixture(app, body_id, users, report_text)
    auth.login("member")

    for query in ("aansluitkalender", "ENSIA-verantwoording", "Logius en de basisvoorzieningen"):
        page = client.get(f"/archief?q={query}").get_data(as_text=True)
        assert "1 vergadering" in page, query


def test_importing_the_same_report_twice_changes_nothing(app, users, body_id, report_text):
    import_fixture(app, body_id, users, report_text)
    with app.app_context():
        before = counts()

    again = import_fixture(app, body_id, users, report_text.replace("\n", "\r\n"))

    assert again.outcome == "al geïmporteerd"
    with app.app_context():
        assert counts() == before


def test_report_without_a_date_or_items_is_refused(app, users, body_id):
    with pytest.raises(past_reports.ReportError, match="geen vergaderdatum"):
        import_fixture(app, body_id, users, "1. Opening\n\n2. Rondvraag")
    with pytest.raises(past_reports.ReportError, match="geen genummerde agendapunten"):
        import_fixture(app, body_id, users, "Verslag 15 oktober 2026\n\nAlleen tekst.")


def test_report_date_prefers_the_written_day():
    assert str(past_reports.report_date("Taskforce 15 oktober 2026\n\n29/10/2026")) == "2026-10-15"
    assert str(past_reports.report_date("Verslag\n\n29/10/2026")) == "2026-10-29"
    assert str(past_reports.report_date("Verslag", "tf-2026-09-17.docx")) == "2026-09-17"
    assert past_reports.report_date("31 februari 2026") is None


# --- the command ---------------------------------------------------------------------------


def test_cli_imports_a_folder_twice_without_changes(app, users, body_id, report_text, tmp_path):
    folder = tmp_path / "verslagen"
    folder.mkdir()
    (folder / "tf-oktober.txt").write_text(report_text, "utf-8")
    (folder / "tf-september.docx").write_bytes(paragraphs_docx(
        report_text.replace("15 oktober 2026", "17 september 2026")))
    (folder / "tf-november.html").write_text(as_web_page(
        report_text.replace("15 oktober 2026", "19 november 2026")), "utf-8")
    (folder / "notities.txt").write_text("Losse aantekeningen zonder datum.", "utf-8")
    (folder / "foto.jpg").write_bytes(b"\xff\xd8")
    runner = app.test_cli_runner()

    first = runner.invoke(args=["reports", "import", str(folder), "--body", "TF"])

    assert first.exit_code == 0, first.output
    assert "tf-oktober.txt: geïmporteerd (16 agendapunten, 4 keer Inbreng VIAG/IMG+CIO, " \
           "7 keer Bespreking TF)" in first.output
    assert "tf-september.docx: geïmporteerd (16 agendapunten" in first.output
    assert "tf-november.html: geïmporteerd" in first.output
    assert "notities.txt: overgeslagen (geen vergaderdatum" in first.output
    assert "3 geïmporteerd, 0 al geïmporteerd, 1 overgeslagen." in first.output
    with app.app_context():
        before = counts()
        assert before["Meeting"] == 3 and before["OutboxMessage"] == 0

    second = runner.invoke(args=["reports", "import", str(folder), "--body", "TF"])

    assert second.exit_code == 0, second.output
    assert "0 geïmporteerd, 3 al geïmporteerd, 1 overgeslagen." in second.output
    with app.app_context():
        assert counts() == before


def test_cli_names_an_unknown_body(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["reports", "import", str(tmp_path), "--body",
                                                "Onbekend"])
    assert result.exit_code != 0
    assert "Geen overleg met de naam 'Onbekend'" in result.output
