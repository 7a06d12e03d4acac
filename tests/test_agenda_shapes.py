"""One shape at a time: the phrasings, artefacts and report blocks real text brings."""

import pytest

from consult.meetings.agenda_import import parse_agenda_text, parse_report_text
from consult.meetings.agenda_import.clean import normalise_lines
from tests.agenda_scoring import key, lost_sentences


def keys(agenda) -> list[str]:
    return [key(item) for item in agenda.items]


@pytest.mark.parametrize("sentence, name", [
    ("Iris Jansen geeft een toelichting.", "Iris Jansen"),
    ("Ruben de Wit geeft een korte toelichting.", "Ruben de Wit"),
    ("Hierbij geeft Koen van 't Hek een toelichting.", "Koen van 't Hek"),
    ("Tom Hendriks licht dit toe.", "Tom Hendriks"),
    ("Femke Visser blikt terug op de pilot en heeft een oproep aan de regio's.", "Femke Visser"),
    ("Femke Visser heeft een oproep.", "Femke Visser"),
    ("In aanwezigheid van Bas Willems.", "Bas Willems"),
    ("Toelichting door Anne-Marie van der Berg.", "Anne-Marie van der Berg"),
    ("Presentatie: J. de Vries", "J. de Vries"),
    ("Lotte Verhagen en Sanne de Boer geven een toelichting.", "Lotte Verhagen en Sanne de Boer"),
    ("Daarna neemt Koen de Taskforce mee.", ""),
    ("Koen neemt de Taskforce mee in de planning.", "Koen"),
    ("Zij geeft een toelichting.", ""),
    ("Het programma wordt toegelicht.", ""),
])
def test_presenter_phrasings(sentence, name):
    agenda = parse_agenda_text(f"1. Opening\n\n2. Onderwerp\n\nEen zin vooraf. {sentence}")
    assert agenda.items[1].presenter == name


def test_copy_artefacts_are_removed():
    lines = normalise_lines("Inloggen Geen profiel? Registreer hier.\n\u00a0\n"
                            "de informatie[1]huishouding en her\u00adgebruik\u00a0van data\n"
                            "zie [1] en noot[2].\nMenu\n")
    assert lines == ["de informatiehuishouding en hergebruik van data", "zie [1] en noot[2]."]


def test_inline_bijlagen_are_split_off_their_paragraph():
    agenda = parse_agenda_text("1. Opening\n\n2. Woo\n\nTom geeft een toelichting. Bijlagen: "
                               "2a. Plan; 2b. Begroting\n\n3. Rondvraag")
    assert [(a.label, a.title) for a in agenda.items[1].attachments] == [
        ("2a", "Plan"), ("2b", "Begroting")]
    assert agenda.items[1].explanation == "Tom geeft een toelichting."


def test_sub_item_on_the_parents_line_with_a_colon():
    agenda = parse_agenda_text("1. Opening\n\n2. VNG: A. Digitale weerbaarheid\n\nTekst.\n\n"
                               "B.Programma Woo\n\nTekst.\n\n3. Rondvraag")
    assert keys(agenda) == ["1", "2", "2A", "2B", "3"]
    assert [item.title for item in agenda.items[1:4]] == [
        "VNG", "Digitale weerbaarheid", "Programma Woo"]


REPORT = """Verslag 15 oktober 2026

 1. Opening

Bespreking TF: De voorzitter opent.

 1. Informatieveiligheid

 1. VNG A. Digitale weerbaarheid

Tekst over weerbaarheid. Iris Jansen geeft een toelichting. Bijlage: 3a. Notitie

B. Inkoop SOC

Tekst over inkoop. Bijlage: 3b. Businesscase

Bespreking TF:

 1. Weerbaarheid

Akkoord met de aanpak.

 1. Inkoop SOC:

Wordt in december besloten.

 1. Digitale inkoop van diensten

Tekst. Bijlage: 4a. Plan

 1. Rondvraag
"""


def test_discussion_points_naming_sub_items_are_not_items():
    agenda = parse_report_text(REPORT)

    assert keys(agenda) == ["1", "2", "3", "3A", "3B", "4", "5"]
    parent = agenda.items[2]
    assert parent.title == "VNG"
    assert parent.outcome.startswith("1. Weerbaarheid\n\nAkkoord met de aanpak.")
    assert "1. Inkoop SOC:\n\nWordt in december besloten." in parent.outcome
    assert agenda.items[1].outcome == ""
    assert agenda.items[0].outcome == "De voorzitter opent."
    # "Digitale inkoop van diensten" shares words with the sub-items but names neither.
    assert agenda.items[5].title == "Digitale inkoop van diensten"
    assert lost_sentences(REPORT, agenda) == []


def test_as_an_agenda_the_blocks_stay_in_the_explanation():
    agenda = parse_agenda_text(REPORT)
    assert keys(agenda) == ["1", "2", "3", "3A", "3B", "4", "5"]
    assert agenda.items[0].explanation == "Bespreking TF: De voorzitter opent."
    assert agenda.items[2].explanation.startswith("Bespreking TF:\n\n1. Weerbaarheid")
    assert all(item.statement == item.outcome == "" for item in agenda.items)


def test_a_bodys_own_labels():
    text = ("CIO-Beraad 3 juni 2026\n\n1. Opening\n\n2. Cloud\n\nTekst.\n\n"
            "Inbreng VIAG/IMG+CIO: Zorg over exit.\n\nBespreking CIO-Beraad: Akkoord.\n\n"
            "Bespreking TF: dit is hier gewone tekst.")
    agenda = parse_report_text(text, outcome_labels=["Bespreking CIO-Beraad"])
    cloud = agenda.items[1]
    assert cloud.statement == "Zorg over exit."
    assert cloud.outcome == "Akkoord.\n\nBespreking TF: dit is hier gewone tekst."


def test_block_about_the_last_sub_item_alone_stays_there():
    text = ("1. Opening\n\n1. Dienstverlening\n2. Werkagenda\n\nTekst over het loket. "
            "Bijlage: 2a. Werkagenda\n\n1. Proactief\n\nTekst over regelingen. "
            "Bijlage: 2b. Plan\n\nBespreking TF:\n\nEr komt een uitvraag.\n\n1. Rondvraag")
    agenda = parse_report_text(text)
    assert keys(agenda) == ["1", "2", "2.1", "2.2", "3"]
    assert agenda.items[3].outcome == "Er komt een uitvraag."
    assert agenda.items[1].outcome == ""
