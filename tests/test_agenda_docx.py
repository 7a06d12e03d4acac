"""Word documents as secretariats make them: items in a Word list with real numbering
definitions, heading styles, an agenda table; and files that must be refused."""

import io
import zipfile

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml

from consult.meetings.agenda_import import docx_text as docx_text_module
from consult.meetings.agenda_import import docx_to_text, parse_agenda_text
from tests.agenda_scoring import key

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def level(ilvl: int, fmt: str, text: str, start: int = 1) -> str:
    return (f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
            f'<w:lvlText w:val="{text}"/></w:lvl>')


def define_list(document, num_id: int, levels: list[str], start_override: int | None = None):
    """An abstract numbering definition and a w:num pointing to it, in numbering.xml."""
    numbering = document.part.numbering_part.element
    abstract_id = 100 + num_id
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {W} w:abstractNumId="{abstract_id}">{"".join(levels)}</w:abstractNum>'))
    override = (f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{start_override}"/>'
                f'</w:lvlOverride>' if start_override else "")
    numbering.append(parse_xml(f'<w:num {W} w:numId="{num_id}"><w:abstractNumId '
                               f'w:val="{abstract_id}"/>{override}</w:num>'))


def list_paragraph(document, text: str, num_id: int, ilvl: int = 0):
    paragraph = document.add_paragraph(text)
    paragraph._p.get_or_add_pPr().append(parse_xml(
        f'<w:numPr {W}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/></w:numPr>'))
    return paragraph


def save(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def keys(agenda) -> list[str]:
    return [key(item) for item in agenda.items]


AGENDA_LEVELS = [level(0, "decimal", "%1."), level(1, "upperLetter", "%1%2.")]


def test_word_list_gives_numbers_and_levels_not_typed_digits():
    document = docx.Document()
    define_list(document, 7, AGENDA_LEVELS)
    document.add_paragraph("Agenda Taskforce Samen Organiseren")
    list_paragraph(document, "Opening, mededelingen", 7)
    list_paragraph(document, "Gezamenlijke Gemeentelijke Uitvoering", 7)
    list_paragraph(document, "Jaarplan GGU 2027", 7, ilvl=1)
    document.add_paragraph("Lotte Verhagen geeft een toelichting. Ter advisering.")
    document.add_paragraph("Bijlage: 2a. Concept jaarplan")
    list_paragraph(document, "Beheer van collectieve voorzieningen", 7, ilvl=1)
    list_paragraph(document, "1. Common Ground", 7)  # a typed number does not count
    list_paragraph(document, "Rondvraag", 7)

    text = docx_to_text(save(document))
    agenda = parse_agenda_text(text)

    assert "3. Common Ground" in text and "1. 1." not in text
    assert keys(agenda) == ["1", "2", "2A", "2B", "3", "4"]
    assert agenda.items[2].presenter == "Lotte Verhagen"
    assert agenda.items[2].purpose == "advisering"
    assert [a.label for a in agenda.items[2].attachments] == ["2a"]
    assert agenda.preamble == "Agenda Taskforce Samen Organiseren"


def test_start_values_and_lvltext_without_separator():
    document = docx.Document()
    define_list(document, 3, [level(0, "decimal", "%1.", start=4),
                              level(1, "lowerLetter", "%1%2")], start_override=6)
    list_paragraph(document, "Common Ground", 3)
    list_paragraph(document, "Voortgang", 3, ilvl=1)
    list_paragraph(document, "Transitieagenda", 3, ilvl=1)
    list_paragraph(document, "Informatieveiligheid", 3)
    list_paragraph(document, "BIO2", 3, ilvl=1)

    agenda = parse_agenda_text(docx_to_text(save(document)))

    # startOverride (6) wins over the level's start (4); a new item restarts its sub-level.
    assert keys(agenda) == ["6", "6A", "6B", "7", "7A"]


def test_dotted_sub_levels_and_a_second_list_inside_an_explanation():
    document = docx.Document()
    define_list(document, 1, [level(0, "decimal", "%1."), level(1, "decimal", "%1.%2")])
    define_list(document, 2, [level(0, "decimal", "%1)")])
    define_list(document, 4, [level(0, "bullet", "\u2022")])
    list_paragraph(document, "Opening", 1)
    list_paragraph(document, "Dienstverlening", 1)
    list_paragraph(document, "Werkagenda Dienstverlening", 1, ilvl=1)
    document.add_paragraph("De Taskforce wordt gevraagd:")
    list_paragraph(document, "Verbinding te maken met het eigen netwerk", 2)
    list_paragraph(document, "Gemeenten aan te melden", 2)
    list_paragraph(document, "Loket voor ondernemers", 4)
    list_paragraph(document, "Programma Proactieve Dienstverlening", 1, ilvl=1)
    list_paragraph(document, "Rondvraag", 1)

    text = docx_to_text(save(document))
    agenda = parse_agenda_text(text)

    assert keys(agenda) == ["1", "2", "2.1", "2.2", "3"]
    explanation = agenda.items[2].explanation
    assert "- 1) Verbinding te maken met het eigen netwerk" in explanation
    assert "- 2) Gemeenten aan te melden" in explanation
    assert "- \u2022 Loket voor ondernemers" in explanation


def test_heading_styles_english_and_dutch():
    document = docx.Document()
    document.styles.add_style("Kop 2", WD_STYLE_TYPE.PARAGRAPH)
    document.add_heading("Agenda CIO-Beraad", level=0)
    for title, style in (("Opening", "Heading 1"), ("Datastrategie", "Heading 1"),
                         ("Koers 2027", "Kop 2"), ("Uitvoering", "Kop 2"),
                         ("Rondvraag", "Heading 1")):
        document.add_paragraph(title, style=style)
        if title == "Koers 2027":
            document.add_paragraph("Ter bespreking.")

    agenda = parse_agenda_text(docx_to_text(save(document)))

    assert keys(agenda) == ["1", "2", "2A", "2B", "3"]
    assert [item.title for item in agenda.items] == [
        "Opening", "Datastrategie", "Koers 2027", "Uitvoering", "Rondvraag"]
    assert agenda.items[2].purpose == "bespreking"
    assert agenda.preamble == "Agenda CIO-Beraad"


def test_agenda_laid_out_as_a_table():
    document = docx.Document()
    document.add_paragraph("Agenda Taskforce")
    rows = [["Nr", "Onderwerp", "Doel", "Stukken"],
            ["1", "Opening", "", ""],
            ["2", "Common Ground", "Bespreking", "2a. Oplegger\n2b. Voortgang"],
            ["3a", "Jaarplan GGU", "ter advisering", "3a. Concept jaarplan"],
            ["4", "Rondvraag", "-", ""]]
    table = document.add_table(rows=len(rows), cols=4)
    for row, cells in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text

    agenda = parse_agenda_text(docx_to_text(save(document)))

    assert keys(agenda) == ["1", "2", "3A", "4"]
    common_ground = agenda.items[1]
    assert common_ground.purpose == "bespreking"
    assert [(a.label, a.title) for a in common_ground.attachments] == [
        ("2a", "Oplegger"), ("2b", "Voortgang")]
    assert agenda.items[2].purpose == "advisering"
    assert agenda.preamble.startswith("Agenda Taskforce")


# --- refusing what cannot be read ------------------------------------------------------------


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in entries.items():
            package.writestr(name, content)
    return buffer.getvalue()


def test_refuses_a_file_that_unpacks_into_too_much():
    data = zipped({"word/document.xml": b"<x/>", "word/media/big.bin": bytes(41_000_000)})
    assert len(data) < 200_000
    with pytest.raises(ValueError, match="uitgepakt groter dan 40 MB"):
        docx_to_text(data)


def test_refuses_a_file_of_too_many_parts():
    data = zipped({f"word/part{n}.xml": b"<x/>" for n in range(501)})
    with pytest.raises(ValueError, match="meer dan 500 onderdelen"):
        docx_to_text(data)


def test_refuses_too_many_paragraphs(monkeypatch):
    monkeypatch.setattr(docx_text_module, "MAX_PARAGRAPHS", 50)
    document = docx.Document()
    for n in range(51):
        document.add_paragraph(f"Alinea {n}")
    with pytest.raises(ValueError, match="meer dan 50 alinea's"):
        docx_to_text(save(document))


def test_refuses_malformed_xml():
    document = docx.Document()
    document.add_paragraph("Opening")
    source = zipfile.ZipFile(io.BytesIO(save(document)))
    entries = {name: source.read(name) for name in source.namelist()}
    entries["word/document.xml"] = b"<w:document><w:body><w:p>kapot"
    with pytest.raises(ValueError, match="geen geldig Word-document"):
        docx_to_text(zipped(entries))
