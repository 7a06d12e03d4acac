"""Property: an agenda written in the shapes secretariats use (numbering lost or typed,
sub-items as "A.", "B.Title", on the parent's line or as a nested list, bijlagen on their own
line, inside a paragraph or several on one line) loses no text and gives back its items."""

from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consult.meetings.agenda_import import parse_agenda_text
from tests.agenda_scoring import key, lost_sentences

WORDS = ["Digitale", "weerbaarheid", "Programma", "Woo", "informatiehuishouding", "Common",
         "Ground", "Jaarplan", "Basisprocessen", "Datastelsel", "Logius", "voorzieningen",
         "Dienstverlening", "Werkagenda", "Proactieve", "Gemeentelijke", "Regionale",
         "samenwerking", "Inkoop", "cloud", "Archivering", "Privacy", "Datastrategie"]
SENTENCE_WORDS = ["gemeenten", "werken", "samen", "aan", "een", "nieuwe", "aanpak", "voor",
                  "de", "regio", "het", "programma", "loopt", "door", "tot", "volgend", "jaar",
                  "en", "vraagt", "om", "inzet", "van", "leveranciers", "kosten", "planning"]
NAMES = ["Iris Jansen", "Tom Hendriks", "Ruben de Wit", "Femke Visser", "Bas Willems",
         "Anne-Marie van der Berg"]
PRESENTER_SENTENCES = ["{} geeft een toelichting.", "{} licht dit toe.",
                       "{} blikt terug op de vorige keer en heeft een oproep.",
                       "In aanwezigheid van {}."]


@dataclass
class Item:
    number: int
    sub: str
    title: str
    sentences: list[str]
    presenter: str = ""
    bijlagen: list[tuple[str, str]] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.number}.{self.sub}" if self.sub.isdigit() else f"{self.number}{self.sub}"


titles = st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(
    lambda words: " ".join([words[0].capitalize(), *words[1:]]))
sentences = st.lists(st.sampled_from(SENTENCE_WORDS), min_size=3, max_size=10).map(
    lambda words: " ".join([words[0].capitalize(), *words[1:]]) + ".")


@st.composite
def explained(draw, number: int, sub: str, title: str, letters: list[str]) -> Item:
    item = Item(number, sub, title, draw(st.lists(sentences, min_size=1, max_size=3)))
    if draw(st.booleans()):
        item.presenter = draw(st.sampled_from(NAMES))
        item.sentences.append(draw(st.sampled_from(PRESENTER_SENTENCES)).format(item.presenter))
    for _ in range(draw(st.integers(0, 2))):
        item.bijlagen.append((f"{number}{letters.pop(0)}", draw(titles)))
    return item


@st.composite
def agendas(draw):
    """(items, text) for an agenda in one of the shapes; numbers may skip an item."""
    lost = draw(st.booleans())
    items: list[Item] = []
    lines: list[str] = []
    number = 0
    for _ in range(draw(st.integers(2, 7))):
        letters = list("abcdefghij")
        subs = draw(st.integers(0, 3)) if items else 0  # agendas open with a single item
        shapes = ["letter", "inline", "nested", "nested after a blank"] if lost else [
            "letter", "inline", "dotted"]
        shape = draw(st.sampled_from(shapes))
        subs = max(subs, 2) if shape == "nested after a blank" and items else subs
        number += draw(st.sampled_from([1, 1, 1, 2])) if number else 1
        typed = "1" if lost else str(number)
        if not subs:
            item = draw(explained(number, "", draw(titles), letters))
            if lost and number != items_end(items) + 1 and not item.bijlagen:
                item.bijlagen.append((f"{number}a", draw(titles)))
            items.append(item)
            lines += header(typed, item.title) + body(draw, item)
            continue
        parent = Item(number, "", draw(titles), [])
        items.append(parent)
        children = [draw(explained(number, str(n + 1) if shape.startswith(("nested", "dotted"))
                                   else "ABCD"[n], draw(titles), letters)) for n in range(subs)]
        for n, child in enumerate(children):
            gap = n == 0 and number != items_end(items[:-1]) + 1
            labelled = shape == "nested after a blank" or (n and shape == "nested")
            if lost and not child.bijlagen and (gap or labelled):
                child.bijlagen.append((f"{number}{letters.pop(0)}", draw(titles)))
        items += children
        lines += parent_lines(draw, shape, typed, parent, children)
    return items, "Agenda van het overleg\n\n" + "\n".join(lines)


def items_end(items: list[Item]) -> int:
    return max((item.number for item in items), default=0)


def header(typed: str, title: str) -> list[str]:
    return ["", f" {typed}. {title}", ""]


def body(draw, item: Item) -> list[str]:
    text = " ".join(item.sentences)
    if not item.bijlagen:
        return [text]
    style = draw(st.sampled_from(["own line", "in paragraph", "one line"]))
    if style == "one line" or len(item.bijlagen) > 1:
        bijlagen = "Bijlagen: " + "; ".join(f"{label}. {title}" for label, title in item.bijlagen)
    else:
        bijlagen = "Bijlage: {}. {}".format(*item.bijlagen[0])
    return [f"{text} {bijlagen}"] if style == "in paragraph" else [text, "", bijlagen]


def parent_lines(draw, shape: str, typed: str, parent: Item, children: list[Item]) -> list[str]:
    lines: list[str] = []
    for n, child in enumerate(children):
        if n == 0 and shape == "inline":
            lines += header(typed, f"{parent.title} A. {child.title}")
        elif n == 0 and shape == "nested":
            lines += ["", f" {typed}. {parent.title}", f" {draw(st.sampled_from('12'))}. "
                      f"{child.title}", ""]
        else:
            if n == 0:
                lines += header(typed, parent.title)
            lines += ["", {"nested": f" 1. {child.title}",
                           "nested after a blank": f" 1. {child.title}",
                           "dotted": f"{typed}.{child.sub} {child.title}"}.get(
                shape, f"{child.sub}.{draw(st.sampled_from(['', ' ']))}{child.title}"), ""]
        lines += body(draw, child)
    return lines


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(agendas())
def test_generated_agenda_loses_no_text_and_recovers_its_items(generated):
    items, text = generated
    agenda = parse_agenda_text(text)

    assert lost_sentences(text, agenda) == []
    assert [key(item) for item in agenda.items] == [item.key for item in items]
    assert [item.title for item in agenda.items] == [item.title for item in items]
    assert [[(a.label, a.title) for a in item.attachments] for item in agenda.items] == [
        item.bijlagen for item in items]
    assert [item.presenter for item in agenda.items] == [item.presenter for item in items]
    assert agenda.preamble == "Agenda van het overleg"
