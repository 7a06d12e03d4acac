"""The review operations on a proposed agenda are pure functions: split, merge, add,
indent, outdent and move, with numbers and sub-letters that follow."""

import pytest

from consult.meetings import agenda_review as review
from consult.meetings.agenda_import import ProposedAgenda, ProposedAttachment, parse_agenda_text
from consult.meetings.agenda_review import ReviewError, ReviewItem
from tests.agenda_scoring import LOCAL_FIXTURES


def item(number, sub="", title="", explanation="", **fields) -> ReviewItem:
    return ReviewItem(number=number, sub=sub, title=title or f"Punt {number}{sub}",
                      explanation=explanation, purpose=None, presenter="", asks_input=True,
                      **fields)


def agenda(*items) -> ProposedAgenda:
    return ProposedAgenda(items=list(items), preamble="Voorwoord")


def labels(result) -> list[str]:
    return [review.label(i) for i in result.items]


SAMPLE = agenda(item("1", title="Opening"),
                item("2", title="Common Ground", explanation="Tekst\n3. Jaarplan\nNog meer"),
                item("3", title="VNG"), item("3", "A", title="Weerbaarheid"),
                item("3", "B", title="Woo"), item("4", title="Rondvraag"))


def test_split_makes_the_chosen_line_a_new_item_and_renumbers():
    result, message, focus = review.split(SAMPLE, 1, 1)
    assert labels(result) == ["1", "2", "3", "4", "4A", "4B", "5"]
    assert (result.items[1].explanation, result.items[2].title,
            result.items[2].explanation) == ("Tekst", "Jaarplan", "Nog meer")
    assert message == "Punt 2 is gesplitst: punt 3 is nieuw." and focus == 2
    assert result.preamble == "Voorwoord"
    assert labels(SAMPLE) == ["1", "2", "3", "3A", "3B", "4"]  # the input is untouched


def test_split_needs_a_line_and_names_the_item():
    with pytest.raises(ReviewError, match="^Punt 1: kies een regel"):
        review.split(SAMPLE, 0, 0)
    with pytest.raises(ReviewError, match="bestaat niet"):
        review.split(SAMPLE, 9, 0)


def test_split_a_sub_item_gives_a_new_sub_item():
    source = agenda(item("3"), item("3", "A", explanation="a\nB. Tweede"), item("4"))
    result, _, _ = review.split(source, 1, 1)
    assert labels(result) == ["3", "3A", "3B", "4"] and result.items[2].title == "Tweede"


def test_merge_keeps_every_word_and_closes_up_the_numbers():
    source = agenda(item("1", title="Opening"),
                    item("2", title="Toelichting", explanation="door Iris",
                         attachments=[ProposedAttachment("2a", "Notitie")],
                         statement="Inbreng", outcome="Akkoord"),
                    item("3"), item("3", "A"), item("4"))
    result, message, focus = review.merge(source, 1)
    assert labels(result) == ["1", "2", "2A", "3"]
    assert result.items[0].explanation == "Toelichting\ndoor Iris"
    assert [a.label for a in result.items[0].attachments] == ["2a"]
    assert (result.items[0].statement, result.items[0].outcome) == ("Inbreng", "Akkoord")
    assert message == "Punt 2 is samengevoegd met punt 1." and focus == 0
    with pytest.raises(ReviewError, match="^Punt 1: er staat geen punt boven"):
        review.merge(source, 0)


def test_merge_a_sub_item_into_its_parent_reletters_the_rest():
    result, _, _ = review.merge(SAMPLE, 3)
    assert labels(result) == ["1", "2", "3", "3A", "4"]
    assert result.items[3].title == "Woo"


def test_add_after_an_item_on_its_level():
    result, message, focus = review.add(SAMPLE, 1)
    assert labels(result) == ["1", "2", "3", "4", "4A", "4B", "5"]
    assert result.items[2].title == "" and focus == 2
    assert message == "Punt 3 is toegevoegd. Vul de titel in."
    result, _, focus = review.add(SAMPLE, 3)
    assert labels(result) == ["1", "2", "3", "3A", "3B", "3C", "4"] and focus == 4
    result, _, focus = review.add(agenda(), -1)
    assert labels(result) == ["1"] and focus == 0


def test_indent_makes_a_sub_item_with_its_own_sub_items():
    result, message, _ = review.indent(SAMPLE, 5)
    assert labels(result) == ["1", "2", "3", "3A", "3B", "3C"]
    assert message == "Punt 4 is nu subpunt 3C."
    result, _, _ = review.indent(SAMPLE, 2)
    assert labels(result) == ["1", "2", "2A", "2B", "2C", "3"]
    assert [i.title for i in result.items[2:5]] == ["VNG", "Weerbaarheid", "Woo"]
    with pytest.raises(ReviewError, match="^Punt 1: er staat geen hoofdpunt boven"):
        review.indent(SAMPLE, 0)
    with pytest.raises(ReviewError, match="^Punt 3A is al een subpunt"):
        review.indent(SAMPLE, 3)


def test_outdent_makes_a_main_item_and_takes_the_siblings_below():
    result, message, _ = review.outdent(SAMPLE, 3)
    assert labels(result) == ["1", "2", "3", "4", "4A", "5"]
    assert [i.title for i in result.items[3:5]] == ["Weerbaarheid", "Woo"]
    assert message == "Subpunt 3A is nu punt 4."
    with pytest.raises(ReviewError, match="^Punt 4 is geen subpunt"):
        review.outdent(SAMPLE, 5)


def test_indent_then_outdent_gives_the_agenda_back():
    indented, _, _ = review.indent(SAMPLE, 5)
    back, _, _ = review.outdent(indented, 5)
    assert labels(back) == labels(SAMPLE)


def test_digit_sub_items_stay_digits():
    source = agenda(item("6"), item("6", "1"), item("6", "2"), item("7"))
    result, _, _ = review.indent(source, 3)
    assert labels(result) == ["6", "6.1", "6.2", "6.3"]


def test_move_a_main_item_with_its_sub_items():
    result, message, focus = review.move(SAMPLE, 2, "up")
    assert [i.title for i in result.items] == [
        "Opening", "VNG", "Weerbaarheid", "Woo", "Common Ground", "Rondvraag"]
    assert labels(result) == ["1", "2", "2A", "2B", "3", "4"]
    assert message == "Punt 2 is omhoog verplaatst." and focus == 1
    result, _, focus = review.move(SAMPLE, 2, "down")
    assert [i.title for i in result.items][2:] == ["Rondvraag", "VNG", "Weerbaarheid", "Woo"]
    assert labels(result) == ["1", "2", "3", "4", "4A", "4B"] and focus == 3
    with pytest.raises(ReviewError, match="^Punt 1 kan niet verder omhoog"):
        review.move(SAMPLE, 0, "up")
    with pytest.raises(ReviewError, match="^Punt 4 kan niet verder omlaag"):
        review.move(SAMPLE, 5, "down")


def test_move_a_sub_item_among_its_siblings_only():
    result, message, focus = review.move(SAMPLE, 4, "up")
    assert [i.title for i in result.items[3:5]] == ["Woo", "Weerbaarheid"]
    assert labels(result) == labels(SAMPLE) and focus == 3
    assert message == "Punt 3A is omhoog verplaatst."
    with pytest.raises(ReviewError, match="^Punt 3A kan niet verder omhoog"):
        review.move(SAMPLE, 3, "up")


def test_apply_reads_the_button():
    result, _, _ = review.apply(SAMPLE, "split:1:1")
    assert len(result.items) == 7
    result, _, _ = review.apply(SAMPLE, "split:1", split_at={1: 2})
    assert result.items[2].title == "Nog meer"
    assert labels(review.apply(SAMPLE, "down:0")[0])[:2] == ["1", "2"]
    for bad in ("explode:1", "merge", "merge:x", "split:1", "split:--5", "up:²", "up:999999",
                "down:-1"):
        with pytest.raises(ReviewError):
            review.apply(SAMPLE, bad)


def test_the_real_report_can_be_corrected_without_losing_text():
    parsed = parse_agenda_text((LOCAL_FIXTURES / "verslag-taskforce.txt").read_text("utf-8"))
    words = sorted(" ".join(f"{i.title} {i.explanation}" for i in parsed.items).split())
    result = parsed
    for op in ("indent:11", "merge:9", "up:5", "outdent:4", "add:0", "down:0"):
        result = review.apply(result, op)[0]
    after = sorted(" ".join(f"{i.title} {i.explanation}" for i in result.items).split())
    assert after == words


def test_numbers_that_are_not_digits_stay_as_typed():
    source = agenda(item("²", title="Vreemd", explanation="a\nb"), item("IV"), item("7"))
    result, _, _ = review.split(source, 0, 1)
    assert labels(result) == ["²", "²", "IV", "8"]
    result, _, _ = review.add(source, 0)
    assert labels(result) == ["²", "", "IV", "8"]
