"""The corpus of real-shaped replies (tests/fixtures/replies): each .eml against its .json.

The .json holds what a reader would say the mail means; only the keys it has are checked.
"text_from_html" checks the HTML part of a multipart/alternative mail gives the same new text
("same") or the text as given, so both paths are tried on every client's HTML.
"""

import json
from dataclasses import asdict
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

from consult.mail.replies import decode, read_reply
from consult.mail.reply_input import parse_input
from consult.mail.reply_text import html_to_text, new_text

CORPUS = Path(__file__).parent / "fixtures" / "replies"
LABELS = ["1", "2", "3A", "3B", "4"]
REPLY_DOMAIN = "antwoord.consult.example.nl"
OUR_SERVER = "mx.consult.example.nl"
NAMES = sorted(path.stem for path in CORPUS.glob("*.eml"))


def test_every_mail_has_its_expectation():
    assert len(NAMES) >= 17
    assert sorted(path.stem for path in CORPUS.glob("*.json")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_reply_reads_as_expected(name):
    raw = (CORPUS / f"{name}.eml").read_bytes()
    expected = json.loads((CORPUS / f"{name}.json").read_text(encoding="utf-8"))
    reply = read_reply(raw, authserv_id=OUR_SERVER)
    actual = {
        "text": reply.text,
        "from_address": reply.from_address,
        "token": reply.recipient_on(REPLY_DOMAIN),
        "automatic": reply.automatic,
        "forwarded": reply.forwarded,
        "from_html": reply.from_html,
        "message_id": reply.message_id,
        "in_reply_to": reply.in_reply_to,
        "authentication": reply.authentication,
        "authentication_failed": reply.authentication_failed,
        "attachments": [[a.filename, a.content_type, a.size, a.inline] for a in reply.attachments],
        "bounce": reply.bounce and asdict(reply.bounce) | {"permanent": reply.bounce.permanent},
        "inputs": [list(item) for item in parse_input(reply.text, LABELS)],
    }
    checked = {key: value for key, value in expected.items() if key != "text_from_html"}
    assert {key: actual[key] for key in checked} == checked
    # no quoted line, reply header or our own mail left in the new text
    lines = reply.text.splitlines()
    assert not any(line.startswith(">") or line.startswith("Verzonden:") for line in lines)
    assert "Consult VIAG" not in reply.text


@pytest.mark.parametrize("name", [n for n in NAMES if "text_from_html" in
                                  json.loads((CORPUS / f"{n}.json").read_text(encoding="utf-8"))])
def test_html_part_gives_the_same_new_text(name):
    message = BytesParser(policy=policy.default).parsebytes((CORPUS / f"{name}.eml").read_bytes())
    expected = json.loads((CORPUS / f"{name}.json").read_text(encoding="utf-8"))
    html = message.get_body(preferencelist=("html",))
    text = new_text(html_to_text(decode(html.get_payload(decode=True), html.get_content_charset())))
    want = expected["text"] if expected["text_from_html"] == "same" else expected["text_from_html"]
    assert text.text == want


def test_topmost_authentication_results_count_without_a_server_name():
    reply = read_reply((CORPUS / "forged_sender.eml").read_bytes())
    assert reply.authentication["dmarc"] == "fail"
    assert reply.authentication_failed


def test_full_text_keeps_what_the_new_text_leaves_out():
    reply = read_reply((CORPUS / "outlook_desktop_nl.eml").read_bytes())
    assert "Met vriendelijke groet," in reply.full_text
    assert "Aan dit bericht kunnen geen rechten worden ontleend." in reply.full_text
    assert "Onderwerp: Herinnering" in reply.full_text
    assert reply.subject == "RE: Herinnering: inbreng ALV VNG 10 december 2026"
    assert reply.from_name == "Jansen, Jan"
    assert reply.date is not None and reply.date.utcoffset().total_seconds() == 0


def test_full_text_of_an_html_reply_keeps_the_cited_mail():
    reply = read_reply((CORPUS / "outlook_web_nl.eml").read_bytes())
    assert reply.from_html and "Beste Marieke," in reply.full_text and "Marieke Bos" in reply.full_text
    message = BytesParser(policy=policy.default).parsebytes((CORPUS / "apple_mail_nl.eml").read_bytes())
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "het volgende geschreven" in html_to_text(html, quotes=True)
    assert "het volgende geschreven" not in html_to_text(html)
