"""The import review screen: its operations post the whole proposed list and get it back
changed (nothing stored before "opslaan"), with or without htmx; replacing or adding to
an agenda that has items; a past report with statements and outcomes; moving a main item
on the meeting page takes its sub-items along."""

import re
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from consult.database import utcnow
from consult.extensions import db
from consult.mail.models import OutboxMessage
from consult.meetings import importing, services
from consult.meetings.models import AgendaItem, Meeting, MeetingChange
from consult.meetings.status import MeetingStatus, meeting_status
from consult.statements.models import Outcome, Statement, StatementStatus
from tests.agenda_scoring import LOCAL_FIXTURES

REPORT = (LOCAL_FIXTURES / "verslag-taskforce.txt").read_text("utf-8")
HTMX = {"HX-Request": "true"}


class FormReader(HTMLParser):
    """What a browser would post from the page's forms: inputs, checked boxes, textareas
    and the selected (or first) option."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields: dict[str, str] = {}
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields[name] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and (
                self._select not in self.fields or "selected" in attrs):
            self.fields[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def posted(html: str) -> dict[str, str]:
    reader = FormReader()
    reader.feed(html)
    # A textarea's first newline belongs to the markup.
    return {name: value.removeprefix("\r\n").removeprefix("\n")
            for name, value in reader.fields.items()}


def titles(fields: dict[str, str]) -> list[tuple[str, str, str]]:
    count = len([name for name in fields if name.endswith("-title")])
    return [(fields[f"items-{i}-number"], fields[f"items-{i}-sub"], fields[f"items-{i}-title"])
            for i in range(count)]


def item_count(app, meeting_id) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AgendaItem.id))
                                 .where(AgendaItem.meeting_id == meeting_id))


@pytest.fixture
def empty_draft(app, world):
    with app.app_context():
        draft = db.session.get(Meeting, world["draft"])
        for item in list(draft.items):
            services.delete_item(item)
        db.session.commit()
    return world["draft"]


def propose(client, meeting_id, text=REPORT, kind="agenda"):
    return client.post(f"/vergaderingen/{meeting_id}/agenda/importeren",
                       data={"text": text, "kind": kind})


def operate(client, meeting_id, fields, op, headers=None):
    return client.post(f"/vergaderingen/{meeting_id}/agenda/importeren/opslaan",
                       data={**fields, "op": op}, headers=headers or {})


def test_operations_without_javascript_store_nothing_until_saved(app, client, auth,
                                                                  empty_draft):
    auth.login("delegate")
    review = propose(client, empty_draft)
    assert review.status_code == 200
    fields = posted(review.get_data(as_text=True))
    assert fields["description"].startswith("Taskforce Samen Organiseren 15 oktober 2026")
    assert titles(fields)[:3] == [("1", "", "Opening, mededelingen"),
                                  ("2", "", "Update lopende zaken"), ("3", "", "VNG")]
    # 8 (Federatief Datastelsel) becomes a sub-item of 7, then moves above 7A's parent.
    answer = operate(client, empty_draft, fields, "indent:11")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Punt 8 is nu subpunt 7A." in html
    fields = posted(html)
    assert titles(fields)[10:13] == [("7", "", "Gemeentelijke Basisprocessen"),
                                     ("7", "A", "Federatief Datastelsel"),
                                     ("9", "", "Logius en de basisvoorzieningen")]
    fields = posted(operate(client, empty_draft, fields, "merge:1").get_data(as_text=True))
    # The merged title stays as a line of the text above it.
    assert "\n\nUpdate lopende zaken\nBespreking TF: Er wordt gevraagd" in fields[
        "items-0-explanation"]
    assert titles(fields)[1] == ("2", "", "VNG")
    fields = posted(operate(client, empty_draft, fields, "down:0").get_data(as_text=True))
    assert [t[2] for t in titles(fields)[:4]] == [
        "VNG", "Digitale weerbaarheid", "Programma Woo en informatiehuishouding",
        "Opening, mededelingen"]
    assert item_count(app, empty_draft) == 0
    saved = operate(client, empty_draft, fields, "opslaan")
    assert saved.status_code == 303
    with app.app_context():
        meeting = db.session.get(Meeting, empty_draft)
        assert [i.label for i in meeting.items][:5] == ["1", "1A", "1B", "2", "3"]
        assert meeting.changes[-1].action == "agenda geïmporteerd"
        assert "Taskforce Samen Organiseren" in meeting.changes[-1].note
        # The text above the agenda is the meeting's description, on the meeting page.
        assert meeting.description == fields["description"].strip()
    page = client.get(f"/vergaderingen/{empty_draft}").get_data(as_text=True)
    assert 'class="meeting-description"' in page
    assert "Taskforce Samen Organiseren 15 oktober 2026" in unescape(page)


def test_split_at_a_chosen_line_and_htmx_answers_the_block(app, client, auth, empty_draft):
    auth.login("delegate")
    fields = posted(propose(client, empty_draft).get_data(as_text=True))
    lines = fields["items-2-explanation"].splitlines()
    line = next(n for n, text in enumerate(lines) if text.strip() and n > 0)
    fields["items-2-split_at"] = str(line)
    answer = operate(client, empty_draft, fields, "split:2", HTMX)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and html.lstrip().startswith('<div id="review"')
    assert "<html" not in html and 'hx-swap-oob="innerHTML:#status"' in html
    assert 'id="voorstel-3-kop" tabindex="-1" data-focus-after-swap' in html
    fields = posted(html)
    assert fields["items-3-title"] == lines[line].strip()
    assert titles(fields)[3][0] == "4" and titles(fields)[-1][0] == "14"


def test_an_error_names_the_item(client, auth, empty_draft):
    auth.login("delegate")
    fields = posted(propose(client, empty_draft).get_data(as_text=True))
    refused = operate(client, empty_draft, fields, "merge:0")
    assert refused.status_code == 422
    assert "Punt 1: er staat geen punt boven" in unescape(refused.get_data(as_text=True))
    fields["items-3-title"] = ""
    missing = operate(client, empty_draft, fields, "opslaan")
    assert missing.status_code == 422
    assert "Punt 3A: de titel ontbreekt." in unescape(missing.get_data(as_text=True))
    assert 'href="#items-3-title"' in missing.get_data(as_text=True)


def test_replace_removes_the_draft_items_and_add_keeps_them(app, client, auth, world):
    auth.login("delegate")
    draft = world["draft"]
    before = item_count(app, draft)
    html = propose(client, draft).get_data(as_text=True)
    assert "Vervangen: de punten die er nu staan verdwijnen" in html
    fields = posted(html)
    count = len(titles(fields))
    assert operate(client, draft, fields, "opslaan").status_code == 422  # no choice made
    assert operate(client, draft, {**fields, "mode": "vervangen"}, "opslaan").status_code == 303
    with app.app_context():
        titles_now = [i.title for i in db.session.get(Meeting, draft).items]
    assert len(titles_now) == count and "Agendapunt 1" not in titles_now
    fields = posted(propose(client, draft).get_data(as_text=True))
    assert operate(client, draft, {**fields, "mode": "toevoegen"}, "opslaan").status_code == 303
    assert item_count(app, draft) == 2 * count != before


def test_a_published_meeting_only_allows_adding(app, client, auth, world):
    auth.login("delegate")
    meeting = world["meeting"]
    html = propose(client, meeting).get_data(as_text=True)
    assert "Vervangen:" not in html and "alleen zolang de vergadering niet is gepubliceerd" in html
    fields = posted(html)
    forged = operate(client, meeting, {**fields, "mode": "vervangen"}, "opslaan")
    assert forged.status_code == 422
    with app.app_context():
        assert db.session.get(AgendaItem, world["item"]) is not None
    with app.test_request_context(), pytest.raises(services.MeetingRuleError):
        importing.clear_agenda(db.session.get(Meeting, meeting))


def test_a_past_report_is_saved_as_a_held_meeting_without_mail(app, client, auth, empty_draft):
    auth.login("delegate")
    future = propose(client, empty_draft, kind="verslag")
    assert future.status_code == 422
    assert "Een verslag importeert u bij een vergadering die al is gehouden." in (
        future.get_data(as_text=True))
    with app.app_context():
        draft = db.session.get(Meeting, empty_draft)
        draft.starts_at = utcnow() - timedelta(days=30)
        draft.ends_at = draft.starts_at + timedelta(hours=3)
        draft.input_deadline = draft.starts_at - timedelta(days=3)
        db.session.commit()
    source = client.get(f"/vergaderingen/{empty_draft}/agenda/importeren").get_data(as_text=True)
    assert re.search(r'<input[^>]* checked[^>]*value="verslag"', source)  # the likely choice
    html = propose(client, empty_draft, kind="verslag").get_data(as_text=True)
    assert "Verslag controleren" in html and "Inbreng VIAG/IMG+CIO" in html
    fields = posted(html)
    assert fields["items-2-statement"].startswith("De notitie is goed")
    assert fields["items-0-outcome"].startswith("De voorzitter heet de nieuwe leden welkom.")
    fields["items-0-outcome"] = "Akkoord, zoals verbeterd."
    saved = operate(client, empty_draft, fields, "opslaan")
    assert saved.status_code == 303, saved.get_data(as_text=True)
    with app.app_context():
        meeting = db.session.get(Meeting, empty_draft)
        assert meeting_status(meeting) == MeetingStatus.DONE
        statements = db.session.scalars(select(Statement).join(AgendaItem).where(
            AgendaItem.meeting_id == meeting.id)).all()
        assert statements and all(s.status == StatementStatus.FINAL for s in statements)
        outcome = db.session.scalar(select(Outcome).where(
            Outcome.item_id == meeting.items[0].id))
        assert outcome.text == "Akkoord, zoals verbeterd."
        assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.meeting_id == meeting.id)) == 0
        assert db.session.scalar(select(func.count(MeetingChange.id)).where(
            MeetingChange.meeting_id == meeting.id,
            MeetingChange.action == "geïmporteerd")) == 1
    # The same report again is refused, by its hash.
    fields = posted(propose(client, empty_draft, kind="verslag").get_data(as_text=True))
    again = operate(client, empty_draft, {**fields, "mode": "toevoegen"}, "opslaan")
    assert again.status_code == 422 and "staat al in het archief" in again.get_data(as_text=True)


def test_a_held_meeting_takes_a_report_not_an_agenda(app, client, auth, world):
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        meeting.input_deadline = utcnow() - timedelta(days=2)
        meeting.starts_at, meeting.ends_at = (utcnow() - timedelta(hours=3),
                                              utcnow() - timedelta(hours=1))
        db.session.commit()
    auth.login("delegate")
    agenda = propose(client, world["meeting"], kind="agenda")
    assert agenda.status_code == 422 and "al gehouden" in agenda.get_data(as_text=True)
    assert propose(client, world["meeting"], kind="verslag").status_code == 200


def make_parent_with_subs(app, meeting_id) -> dict[str, int]:
    """Items 1, 2, 2A, 2B, 3 (the world's three, with two sub-items under 2)."""
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        first, second, third = meeting.items
        third.position = 10
        for position, sub in ((5, "A"), (6, "B")):
            meeting.items.append(AgendaItem(position=position, number="2", sub=sub,
                                            title=f"Subpunt 2{sub}"))
        db.session.commit()
        return {item.label: item.id for item in meeting.items}


def order(app, meeting_id) -> list[str]:
    with app.app_context():
        return [i.label for i in sorted(db.session.get(Meeting, meeting_id).items,
                                        key=lambda i: i.position)]


def test_moving_a_main_item_takes_its_sub_items(app, client, auth, world):
    ids = make_parent_with_subs(app, world["draft"])
    auth.login("delegate")
    moved = client.post(f"/agendapunten/{ids['2']}/omhoog")
    assert moved.status_code == 303
    assert moved.headers["Location"].endswith(f"#punt-{ids['2']}")
    assert order(app, world["draft"]) == ["2", "2A", "2B", "1", "3"]
    client.post(f"/agendapunten/{ids['2']}/omlaag")
    client.post(f"/agendapunten/{ids['2']}/omlaag")
    assert order(app, world["draft"]) == ["1", "3", "2", "2A", "2B"]
    # A sub-item moves among its siblings only.
    client.post(f"/agendapunten/{ids['2B']}/omhoog")
    client.post(f"/agendapunten/{ids['2B']}/omhoog")
    assert order(app, world["draft"]) == ["1", "3", "2", "2B", "2A"]


def test_an_htmx_move_keeps_the_focus_and_is_announced(app, client, auth, world):
    ids = make_parent_with_subs(app, world["draft"])
    auth.login("delegate")
    moved = client.post(f"/agendapunten/{ids['2']}/omhoog", headers=HTMX)
    html = moved.get_data(as_text=True)
    assert moved.status_code == 200 and html.lstrip().startswith('<section id="agenda"')
    assert '<div hx-swap-oob="innerHTML:#status"><p class="alert alert--success">Punt 2 is ' \
           'omhoog verplaatst.</p></div>' in html
    # At the top now: "omhoog" is disabled, so the focus goes to "omlaag".
    button = html.split(f'action="/agendapunten/{ids["2"]}/omlaag"', 1)[1].split("</button>")[0]
    assert "data-focus-after-swap" in button
    assert html.count("data-focus-after-swap") == 1


def test_the_delegate_edits_the_description_and_a_replacing_import_replaces_it(
        app, client, auth, world):
    auth.login("delegate")
    meeting_id = world["draft"]
    form = posted(client.get(f"/vergaderingen/{meeting_id}/bewerken").get_data(as_text=True))
    form["description"] = "Extra vergadering over **de begroting**."
    assert client.post(f"/vergaderingen/{meeting_id}/bewerken", data=form).status_code == 303
    page = client.get(f"/vergaderingen/{meeting_id}").get_data(as_text=True)
    assert "Extra vergadering over <strong>de begroting</strong>." in page
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        importing.keep_description(meeting, "Vooraf: de agenda.")
        assert meeting.description == ("Extra vergadering over **de begroting**.\n\n"
                                       "Vooraf: de agenda.")
        importing.keep_description(meeting, "Vooraf: de agenda.")  # not twice
        importing.keep_description(meeting, "Nieuw", replace=True)
        assert meeting.description == "Nieuw"
        db.session.rollback()

