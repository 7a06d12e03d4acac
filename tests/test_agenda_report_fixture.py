"""The real-shaped Taskforce report (numbering lost, inline bijlagen, label blocks) scored
against its expected JSON, as an agenda and as a past report."""

import pytest

from consult.meetings.agenda_import import docx_to_text, parse_agenda_text, parse_report_text
from tests.agenda_scoring import (
    expected_for,
    lost_sentences,
    paragraphs_docx,
    report_fixtures,
    score,
)

FIXTURES = report_fixtures()


@pytest.fixture(params=FIXTURES, ids=[path.name for path in FIXTURES])
def report(request):
    return request.param.read_text("utf-8"), expected_for(request.param)


def test_there_is_a_fixture_to_score():
    assert any(path.name == "verslag-taskforce.txt" for path in FIXTURES)


def test_report_scores_fully_as_a_past_report(report):
    text, expected = report
    result = score(parse_report_text(text), expected, report=True)
    print(f"score as report: {result}")
    assert result.perfect, result.misses


def test_report_scores_fully_as_an_agenda(report):
    text, expected = report
    result = score(parse_agenda_text(text), expected, report=False)
    print(f"score as agenda: {result}")
    assert result.perfect, result.misses


@pytest.mark.parametrize("as_report", [True, False], ids=["report", "agenda"])
def test_no_sentence_of_the_report_is_lost(report, as_report):
    text, _ = report
    agenda = parse_agenda_text(text, as_report=as_report)
    assert lost_sentences(text, agenda) == []


def test_report_as_word_paragraphs_scores_fully(report):
    text, expected = report
    agenda = parse_report_text(docx_to_text(paragraphs_docx(text)))
    result = score(agenda, expected, report=True)
    print(f"score from .docx: {result}")
    assert result.perfect, result.misses
    assert lost_sentences(text, agenda) == []
