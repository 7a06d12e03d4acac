"""The agenda parser proposes items from whatever the secretariat sends, and never loses text."""

import io
import re
from collections import Counter
from pathlib import Path

import docx
import pytest

from consult.meetings.agenda_import import (
    PURPOSES,
    ProposedAgenda,
    docx_to_text,
    parse_agenda_text,
)

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
# The demo data carries a copy of the tidy agenda, so these tests also run in a worktree.
TASKFORCE = next((path for path in (FIXTURES / "agenda-taskforce.txt",
                                    Path(__file__).resolve().parents[1] / "consult" / "demo"
                                    / "agenda-taskforce.txt") if path.exists()),
                 FIXTURES / "agenda-taskforce.txt")


@pytest.fixture
def taskforce_text() -> str:
    if not TASKFORCE.exists():
        pytest.skip(f"fixture {TASKFORCE} not present (only in the shared workspace)")
    return TASKFORCE.read_text(encoding="utf-8")


def keys(agenda: ProposedAgenda) -> list[str]:
    return [item.number + item.sub for item in agenda.items]


def by_key(agenda: ProposedAgenda) -> dict:
    return {item.number + item.sub: item for item in agenda.items}


# Tokens the parser consumes on purpose: item numbers ("3.", "3A.", "A.", "6.1"),
# "Agendapunt", and bullets (they become "- ").
_CONSUMED = re.compile(
    r"^(?:agendapunt|\d{1,2}(?:\.\d{1,2})?[a-z]?[.):]?|[a-z][.)]|[-\u2013\u2022\u25aa])$", re.I
)
# Lines whose words must end up in attachments: "Bijlage(n): ..." and "3b. Title" under it.
_ATTACHMENT_LINE = re.compile(r"^\s*(?:bijlage|(?:- )?\d{1,2}[a-z]\b)", re.I)


def words(text: str, skip_consumed: bool = True) -> Counter:
    found = Counter()
    for token in text.split():
        if skip_consumed and _CONSUMED.match(token):
            continue
        word = token.strip(".,;:()\"'").lower()
        if word:
            found[word] += 1
    return found


def assert_no_word_lost(text: str, agenda: ProposedAgenda) -> None:
    """Every word of the input is in the preamble, a title, an explanation or an attachment."""
    parts = [agenda.preamble]
    attachments = []
    for item in agenda.items:
        parts += [item.title, item.explanation]
        attachments += [f"{a.label} {a.title}" for a in item.attachments]
    attachment_lines = [line for line in text.splitlines() if _ATTACHMENT_LINE.match(line)]
    other_lines = [line for line in text.splitlines() if not _ATTACHMENT_LINE.match(line)]
    # Attachment lines lose their keyword and the "en" of "3a, 3b en 3c" and nothing else.
    attachment_words = words("\n".join(attachment_lines)) - Counter(
        {"bijlage": 99, "bijlagen": 99, "bijlage(n": 99, "en": 99}
    )
    everything = words("\n".join(parts + attachments), skip_consumed=False)
    missing = words("\n".join(other_lines)) + attachment_words - everything
    assert not missing, f"words lost: {dict(missing)}"
    # ... and those words went to the attachments, unless the line stayed as text
    # ("Bijlage: geen" names no attachment).
    explanations = "\n".join(item.explanation for item in agenda.items)
    kept_as_text = words("\n".join(line for line in attachment_lines
                                   if line.strip() and line.strip() in explanations))
    in_attachments = words("\n".join(attachments), skip_consumed=False)
    assert not attachment_words - kept_as_text - in_attachments, "attachment words misplaced"


# --- the real-shaped fixture ---------------------------------------------------------------


def test_taskforce_fixture_items_titles_and_purposes(taskforce_text):
    agenda = parse_agenda_text(taskforce_text)

    assert keys(agenda) == ["1", "2", "3", "3A", "3B", "4", "5", "6", "6A", "6B", "7", "8"]
    titles = {key: item.title for key, item in by_key(agenda).items()}
    assert titles == {
        "1": "Opening, mededelingen",
        "2": "Update lopende zaken",
        "3": "Gezamenlijke Gemeentelijke Uitvoering",
        "3A": "Jaarplan GGU 2027",
        "3B": "Beheer van collectieve voorzieningen",
        "4": "Common Ground",
        "5": "Wet open overheid bij kleine gemeenten",
        "6": "Informatieveiligheid",
        "6A": "BIO2 en de Cyberbeveiligingswet",
        "6B": "Gezamenlijke inkoop van een security operations center",
        "7": "Single Digital Gateway",
        "8": "Rondvraag",
    }
    purposes = {key: item.purpose for key, item in by_key(agenda).items()}
    assert purposes == {
        "1": None, "2": "informatie", "3": None, "3A": "advisering", "3B": "bespreking",
        "4": "bespreking", "5": "advisering", "6": None, "6A": "informatie",
        "6B": "besluitvorming", "7": "informatie", "8": None,
    }
    assert all(item.purpose in (*PURPOSES, None) for item in agenda.items)


def test_taskforce_fixture_presenters_attachments_and_input(taskforce_text):
    agenda = parse_agenda_text(taskforce_text)
    items = by_key(agenda)

    presenters = {key: item.presenter for key, item in items.items() if item.presenter}
    assert presenters == {"3A": "Lotte Verhagen", "4": "Ruben de Wit"}

    attachments = {key: [(a.label, a.title) for a in item.attachments]
                   for key, item in items.items() if item.attachments}
    assert attachments == {
        "1": [("1a", "Concept verslag Taskforce vorige vergadering")],
        "3A": [("3a", "Concept jaarplan GGU 2027"),
               ("3b", "Overzicht portfolio en meerjarenbegroting")],
        "3B": [("3c", "RASCI beheerwerkzaamheden collectieve voorzieningen")],
        "4": [("4a", "Oplegger voortgangsrapportage Common Ground"),
              ("4b", "Voortgang transitieagenda Common Ground")],
        "5": [("5a", "Startnotitie implementatieprogramma Woo")],
        "6B": [("6a", "Notitie BIO2 en Cbw"), ("6b", "Businesscase collectief SOC")],
        "7": [("7a", "Taskforce update SDG")],
    }

    no_input = [key for key, item in items.items() if not item.asks_input]
    assert no_input == ["1", "3", "6", "8"]


def test_taskforce_fixture_keeps_preamble_and_explanations(taskforce_text):
    agenda = parse_agenda_text(taskforce_text)
    items = by_key(agenda)

    assert agenda.preamble == (
        "Agenda Taskforce Samen Organiseren\n\n"
        "Datum: {meeting_date}, 09.30 - 12.30 uur\n"
        "Locatie: VNG, Nassaulaan 12, Den Haag (en online via Teams)"
    )
    assert items["3A"].explanation.startswith("Het concept-jaarplan 2027 beschrijft")
    assert items["3A"].explanation.endswith("Lotte Verhagen geeft een toelichting.")
    assert "Bijlage" not in items["3A"].explanation
    # "50.000 inwoners" is text of 6B, not an item 50.
    assert "onder de 50.000 inwoners. Ter besluitvorming." in items["6B"].explanation
    assert items["3"].explanation == "" and items["8"].explanation == ""
    assert_no_word_lost(taskforce_text, agenda)


# --- variations ----------------------------------------------------------------------------


def test_agenda_without_purposes_or_presenters():
    text = (
        "Overleg CIO-Beraad\n\n"
        "1. Opening\n\n"
        "2. Verslag vorige vergadering\n\n"
        "3. Datastrategie\n"
        "De werkgroep heeft de datastrategie herschreven na de consultatie.\n\n"
        "4. Sluiting\n"
    )
    agenda = parse_agenda_text(text)

    assert keys(agenda) == ["1", "2", "3", "4"]
    assert [item.purpose for item in agenda.items] == [None] * 4
    assert [item.presenter for item in agenda.items] == [""] * 4
    assert [item.asks_input for item in agenda.items] == [False, False, True, False]
    assert agenda.items[2].explanation == (
        "De werkgroep heeft de datastrategie herschreven na de consultatie."
    )
    assert agenda.preamble == "Overleg CIO-Beraad"
    assert_no_word_lost(text, agenda)


def test_minutes_style_paragraphs_stay_with_the_item_before_them():
    text = (
        "Verslag en agenda\n\n"
        "1. Opening\n\n"
        "De voorzitter opent de vergadering om 9.30 uur.\n\n"
        "Aanwezig: Jansen, Pietersen, de Vries.\n\n"
        "2. Common Ground\n\n"
        "Ter bespreking.\n\n"
        "Naar aanleiding van de vorige keer: de planning is opgeschoven.\n\n\n\n"
        "Actie: secretariaat stuurt de planning rond.\n\n"
        "3. Rondvraag\n\n"
        "Geen vragen.\n"
    )
    agenda = parse_agenda_text(text)

    assert keys(agenda) == ["1", "2", "3"]
    items = by_key(agenda)
    assert items["1"].explanation == (
        "De voorzitter opent de vergadering om 9.30 uur.\n\n"
        "Aanwezig: Jansen, Pietersen, de Vries."
    )
    assert items["2"].explanation == (
        "Ter bespreking.\n\n"
        "Naar aanleiding van de vorige keer: de planning is opgeschoven.\n\n"
        "Actie: secretariaat stuurt de planning rond."
    )
    assert items["2"].purpose == "bespreking"
    assert items["3"].explanation == "Geen vragen."
    assert_no_word_lost(text, agenda)


def test_dotted_sub_item_numbering():
    text = (
        "1. Opening\n"
        "2. Informatieveiligheid\n"
        "2.1 BIO2 en de Cyberbeveiligingswet\n"
        "Toelichting door Anne-Marie van der Berg. Ter informatie.\n"
        "2.2. Collectief SOC\n"
        "De Taskforce wordt gevraagd in te stemmen met de aanbesteding.\n"
        "Bijlage: 2a - Businesscase SOC\n"
        "3. Rondvraag\n"
    )
    agenda = parse_agenda_text(text)

    assert [(item.number, item.sub) for item in agenda.items] == [
        ("1", ""), ("2", ""), ("2", "1"), ("2", "2"), ("3", ""),
    ]
    items = by_key(agenda)
    assert items["21"].title == "BIO2 en de Cyberbeveiligingswet"
    assert items["21"].presenter == "Anne-Marie van der Berg"
    assert items["21"].purpose == "informatie"
    assert items["22"].title == "Collectief SOC"
    assert items["22"].purpose == "besluitvorming"
    assert [(a.label, a.title) for a in items["22"].attachments] == [("2a", "Businesscase SOC")]
    assert items["2"].asks_input is False
    assert_no_word_lost(text, agenda)


def test_dotted_sub_items_without_parent_header():
    agenda = parse_agenda_text("5. Woo\n\n6.1 Eerste deel\n\n6.2 Tweede deel\n\n7. Sluiting")
    assert [(item.number, item.sub) for item in agenda.items] == [
        ("5", ""), ("6", "1"), ("6", "2"), ("7", ""),
    ]


def test_number_letter_sub_items_and_title_purpose():
    text = (
        "Agendapunt 1: Opening\n\n"
        "Agendapunt 2: Jaarplan\n\n"
        "2A. Concept jaarplan GGU 2027 (ter advisering)\n\n"
        "Presentatie: Koen van 't Hek\n\n"
        "Bijlagen: 2a. Concept jaarplan; 2b\n\n"
        "2b Meerjarenbegroting (ter bespreking)\n\n"
        "De begroting is geactualiseerd.\n\n"
        "3 Sluiting\n"
    )
    agenda = parse_agenda_text(text)

    assert keys(agenda) == ["1", "2", "2A", "2B", "3"]
    items = by_key(agenda)
    assert items["2A"].title == "Concept jaarplan GGU 2027"
    assert items["2A"].purpose == "advisering"
    assert items["2A"].presenter == "Koen van 't Hek"
    assert [(a.label, a.title) for a in items["2A"].attachments] == [
        ("2a", "Concept jaarplan"), ("2b", ""),
    ]
    # "2b Meerjarenbegroting" after the attachment line is the next sub-item, not an attachment.
    assert items["2B"].title == "Meerjarenbegroting"
    assert items["2B"].purpose == "bespreking"
    assert items["2B"].explanation == "De begroting is geactualiseerd."
    assert items["2"].asks_input is False


def test_stray_blank_lines_crlf_tabs_nbsp_and_bullets():
    text = (
        "\r\n\r\nAgenda\u00a0TF\r\n\r\n\r\n\r\n"
        "\t1.\tOpening\r\n\r\n\r\n"
        " 2.  Regionale\u00a0bijeenkomsten  \r\n"
        "\u2022\tNoord:   Groningen\r\n"
        "\u25aa Zuid: Eindhoven\r\n\r\n\r\n\r\n"
        "Ter\u00a0kennisname.\r\n"
        "  3. Rondvraag  \r\n\r\n"
    )
    agenda = parse_agenda_text(text)

    assert agenda.preamble == "Agenda TF"
    assert keys(agenda) == ["1", "2", "3"]
    item = agenda.items[1]
    assert item.title == "Regionale bijeenkomsten"
    assert item.explanation == "- Noord: Groningen\n- Zuid: Eindhoven\n\nTer kennisname."
    assert item.purpose == "informatie"
    assert_no_word_lost(text, agenda)


def test_bijlagen_with_labels_on_separate_lines():
    text = (
        "1. Opening\n\n"
        "2. Common Ground\n"
        "Ruben de Wit geeft een toelichting. Ter bespreking.\n"
        "Bijlagen:\n"
        "2a. Oplegger voortgangsrapportage\n"
        "- 2b - Voortgang transitieagenda\n\n"
        "2c\n\n"
        "Bijlage(n): 2d Planning; 2e. Risico's\n\n"
        "3. Woo\n"
        "BIJLAGE: 3a, 3b en 3c\n"
        "Bijlage: geen\n"
        "4. Sluiting\n"
    )
    agenda = parse_agenda_text(text)

    assert keys(agenda) == ["1", "2", "3", "4"]
    items = by_key(agenda)
    assert [(a.label, a.title) for a in items["2"].attachments] == [
        ("2a", "Oplegger voortgangsrapportage"),
        ("2b", "Voortgang transitieagenda"),
        ("2c", ""),
        ("2d", "Planning"),
        ("2e", "Risico's"),
    ]
    assert items["2"].explanation == "Ruben de Wit geeft een toelichting. Ter bespreking."
    assert [a.label for a in items["3"].attachments] == ["3a", "3b", "3c"]
    # "Bijlage: geen" names no attachment, so it stays as text.
    assert items["3"].explanation == "Bijlage: geen"
    assert_no_word_lost(text, agenda)


def test_numbers_inside_text_are_not_items():
    text = (
        "1. Opening\n\n"
        "2. Jaarplan\n\n"
        "2027 wordt een belangrijk jaar.\n"
        "50.000 inwoners is de grens voor de regeling.\n"
        "12 gemeenten doen mee.\n"
        "1.5 miljoen euro is begroot.\n"
        "1. Eerste vraag aan de Taskforce\n"
        "2. Tweede vraag aan de Taskforce\n"
        "3. Derde vraag aan de Taskforce\n"
        "40 Gemeenten hebben al gereageerd.\n"
        "12.30 Lunch\n\n"
        "3. Rondvraag\n"
    )
    agenda = parse_agenda_text(text)

    assert keys(agenda) == ["1", "2", "3"]
    explanation = agenda.items[1].explanation
    assert explanation.startswith("2027 wordt een belangrijk jaar.\n50.000 inwoners")
    assert "3. Derde vraag aan de Taskforce\n40 Gemeenten" in explanation
    assert explanation.endswith("12.30 Lunch")
    assert agenda.items[2].title == "Rondvraag"
    assert_no_word_lost(text, agenda)


def test_letter_lists_inside_an_explanation_are_not_sub_items():
    text = (
        "1. Opening\n\n"
        "2. Woo\n"
        "De Taskforce wordt gevraagd:\n"
        "a) in te stemmen met het programma;\n"
        "b) de regio's te betrekken.\n\n"
        "3. Sluiting\n"
    )
    agenda = parse_agenda_text(text)

    assert keys(agenda) == ["1", "2", "3"]
    assert "a) in te stemmen met het programma;" in agenda.items[1].explanation
    assert_no_word_lost(text, agenda)


def test_parent_header_with_own_question_asks_input():
    agenda = parse_agenda_text(
        "1. Opening\n\n3. Informatieveiligheid\n\nWelke onderwerpen missen nog?\n\n"
        "A. BIO2\n\nB. SOC\n"
    )
    assert keys(agenda) == ["1", "3", "3A", "3B"]
    assert agenda.items[1].asks_input is True


def test_purpose_phrases():
    cases = {
        "Ter kennisname.": "informatie",
        "ter discussie": "bespreking",
        "De Taskforce wordt gevraagd te adviseren over de aanpak.": "advisering",
        "Ter advies.": "advisering",
        "De Taskforce wordt gevraagd om in te stemmen met het voorstel.": "besluitvorming",
        "TER BESLUIT": "besluitvorming",
        "Ter vaststelling.": "besluitvorming",
        "Een update.": None,
    }
    for sentence, purpose in cases.items():
        agenda = parse_agenda_text(f"1. Onderwerp\n{sentence}")
        assert agenda.items[0].purpose == purpose, sentence


def test_text_before_first_item_is_preamble_even_without_items():
    text = "Zomaar een bericht\n\nzonder agendapunten.\nBijlage: 1a. Iets"
    agenda = parse_agenda_text(text)
    assert agenda.items == []
    assert agenda.preamble == "Zomaar een bericht\n\nzonder agendapunten.\nBijlage: 1a. Iets"
    assert parse_agenda_text("").items == []


# --- .docx ---------------------------------------------------------------------------------


def _docx_bytes(paragraphs: list[str], table_rows: list[list[str]] | None = None) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table_rows:
        table = document.add_table(rows=len(table_rows), cols=len(table_rows[0]))
        for row, cells in zip(table.rows, table_rows, strict=True):
            for cell, text in zip(row.cells, cells, strict=True):
                cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_gives_the_same_items_as_the_text(taskforce_text):
    lines = [line for line in taskforce_text.splitlines() if line.strip()]
    text = docx_to_text(_docx_bytes(lines))

    from_docx = parse_agenda_text(text)
    from_text = parse_agenda_text(taskforce_text)
    assert from_docx.items == from_text.items
    assert keys(from_docx)[:4] == ["1", "2", "3", "3A"]
    # Word has no line breaks inside the preamble, only paragraphs; the words are the same.
    assert words(from_docx.preamble) == words(from_text.preamble)
    assert_no_word_lost(taskforce_text, from_docx)


def test_docx_table_cells_are_read_in_order():
    data = _docx_bytes(
        ["Agenda CIO-Beraad"],
        [["1", "Opening", ""], ["2", "Datastrategie", "Ter bespreking"], ["3", "Rondvraag", ""]],
    )
    text = docx_to_text(data)
    assert text == (
        "Agenda CIO-Beraad\n\n1 Opening\n\n2 Datastrategie\n\nTer bespreking\n\n3 Rondvraag"
    )
    agenda = parse_agenda_text(text)
    assert keys(agenda) == ["1", "2", "3"]
    assert agenda.items[1].purpose == "bespreking"


@pytest.mark.parametrize("data", [b"", b"%PDF-1.7 not a word file", b"PK\x03\x04broken zip"])
def test_docx_rejects_other_files(data):
    with pytest.raises(ValueError, match="geen geldig Word-document"):
        docx_to_text(data)
