"""Reading replies, rule by rule: what goes (quotes, signatures, automatic mail) and what stays."""

from email import policy
from email.parser import BytesParser

from hypothesis import given
from hypothesis import strategies as st

from consult.mail.replies import decode, read_reply, unflow
from consult.mail.reply_auto import AUTO_REPLY, AUTOMATIC, BOUNCE, READ_RECEIPT, bounce_of, is_automatic
from consult.mail.reply_input import ALL_ITEMS, is_no_input, parse_input
from consult.mail.reply_text import new_text

LABELS = ["1", "2", "3A", "3B", "4"]


def message(headers: str, body: str = "Tekst\n"):
    raw = f"{headers}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}"
    return BytesParser(policy=policy.default).parsebytes(raw.encode())


# --- parse_input ---------------------------------------------------------------------------

def test_one_label_per_line_with_text_until_the_next_label():
    text = "4: eerste regel\ntweede regel\n\nderde alinea\n3b: kort"
    assert parse_input(text, LABELS) == [("4", "eerste regel\ntweede regel\n\nderde alinea"),
                                          ("3B", "kort")]


def test_label_forms_and_case():
    text = "Punt 4: a\nagendapunt 3a - b\nAP 2. c\n#1) d\n3B:e"
    assert parse_input(text, LABELS) == [("4", "a"), ("3A", "b"), ("2", "c"), ("1", "d"), ("3B", "e")]


def test_label_alone_on_its_line_takes_the_lines_below():
    assert parse_input("4:\nWij zijn voor.\nEn nog iets.", LABELS) == [("4", "Wij zijn voor.\nEn nog iets.")]


def test_several_labels_share_one_text():
    assert parse_input("3A en 3B: akkoord", LABELS) == [("3A", "akkoord"), ("3B", "akkoord")]
    assert parse_input("1, 2: tegen", LABELS) == [("1", "tegen"), ("2", "tegen")]


def test_the_same_item_twice_is_joined():
    assert parse_input("4: a\n2: b\n4: c", LABELS) == [("4", "a\n\nc"), ("2", "b")]


def test_lists_times_and_unknown_items_are_not_taken_for_labels():
    text = "4: redenen\n1. kosten\n2. planning\nom 10:30 begint het\n7: ander punt"
    assert parse_input(text, LABELS) == [
        ("4", "redenen\n1. kosten\n2. planning\nom 10:30 begint het"), (None, "7: ander punt")]


def test_text_without_label_is_unassigned_and_a_greeting_is_not_input():
    assert parse_input("Beste Piet,\n\nWij zijn voor.", LABELS) == [(None, "Wij zijn voor.")]
    assert parse_input("Inleiding\n4: voor", LABELS) == [(None, "Inleiding"), ("4", "voor")]
    assert parse_input("", LABELS) == [] and parse_input("Hallo,\n", LABELS) == []


def test_geen_inbreng_for_everything_or_one_item():
    assert parse_input("Geen inbreng.", LABELS) == [(ALL_ITEMS, "Geen inbreng.")]
    assert parse_input("Wij hebben geen opmerkingen", LABELS)[0].label == ALL_ITEMS
    assert parse_input("4: geen inbreng\n3A: voor", LABELS) == [("4", "geen inbreng"), ("3A", "voor")]
    assert is_no_input("geen inbreng") and not is_no_input("geen inbreng op 4, wel op 3A:\nvoor")


WORDS = st.sampled_from(["akkoord", "tegen", "kosten", "10:30", "1.", "-", "voorstel", "5:", "Punt"])
LINES = st.tuples(st.sampled_from(["", "4: ", "3a: ", "punt 2: ", "3B) "]),
                  st.lists(WORDS, min_size=1, max_size=6))


@given(st.lists(LINES, min_size=1, max_size=8))
def test_no_word_is_dropped(lines):
    text = "\n".join(label + " ".join(words) for label, words in lines)
    out = " ".join(item.text for item in parse_input(text, LABELS)).split()
    for word in ("akkoord", "tegen", "kosten", "10:30", "voorstel"):
        assert out.count(word) == text.split().count(word)


# --- new_text --------------------------------------------------------------------------------

def test_outlook_plain_separator_and_original_message_line():
    text = "4: voor\n\n-----Oorspronkelijk bericht-----\nVan: X\nVerzonden: nu\n\noud"
    assert new_text(text).text == "4: voor"
    assert new_text("a\n\n-----Original Message-----\nFrom: X\nb").text == "a"


def test_a_members_own_van_line_or_intro_like_sentence_stays():
    assert new_text("Van: de gemeente Ede zijn wij voorstander.").text == (
        "Van: de gemeente Ede zijn wij voorstander.")
    own = "Op 3 december schreef de VNG het volgende:\nWij zijn het daar niet mee eens."
    assert new_text(own).text == own


def test_intro_wrapped_over_three_lines_goes_with_its_quote():
    text = "4: voor\n\nOn Tue, Dec 3, 2026 at 9:00 AM Consult VIAG\n<reply+x@a.nl>\nwrote:\n\n> oud"
    assert new_text(text).text == "4: voor"


def test_inline_answers_between_quotes_stay():
    text = "Op di 3 dec 2026 schreef X:\n> vraag 1\n\nantwoord 1\n\n> vraag 2\nantwoord 2"
    assert new_text(text).text == "antwoord 1\n\nantwoord 2"


def test_a_closing_followed_by_more_input_is_no_signature():
    text = "4: voor\n\nMet vriendelijke groet,\nJan\n\n3A: ook voor"
    assert new_text(text).text == text
    long_tail = "Groeten,\n" + "\n".join(f"regel {n}" for n in range(20))
    assert new_text("4: voor\n" + long_tail).text == "4: voor\n" + long_tail


def test_signatures_lists_and_phone_lines():
    assert new_text("4: voor\n- kosten\n- tijd\n\nMvg,\nJan").text == "4: voor\n- kosten\n- tijd"
    assert new_text("4: voor\n-- \nJan Jansen\nGemeente").text == "4: voor"
    assert new_text("4: voor\n\nVerzonden vanaf mijn Samsung Galaxy-smartphone.").text == "4: voor"
    assert new_text("Bedankt, wij zijn voor.\nNog iets.").text == "Bedankt, wij zijn voor.\nNog iets."


def test_disclaimer_paragraph_goes():
    text = ("4: voor\n\nDe informatie in dit e-mailbericht is vertrouwelijk en\nuitsluitend bestemd "
            "voor de geadresseerde.\nAan dit bericht kunnen geen rechten worden ontleend.")
    assert new_text(text).text == "4: voor"


def test_forward_marker_marks_a_forward():
    result = new_text("Zie onder.\n\n---------- Forwarded message ---------\nFrom: A\n\n4: x")
    assert result.text == "Zie onder." and result.forwarded


@given(st.lists(st.sampled_from([
    "4: voor", "> oud", "", "Van: X", "Verzonden: nu", "Op 3 dec schreef X:", "-- ", "Groet,",
    "Jan", "________________________", "Sent from my iPhone", "tekst"]), max_size=15))
def test_new_text_only_keeps_lines_of_the_mail_in_order(lines):
    kept = new_text("\n".join(lines)).text.split("\n")
    source = iter(line.rstrip() for line in lines)
    assert all(any(line == s for s in source) for line in kept if line)


# --- decoding --------------------------------------------------------------------------------

def test_decoding_survives_wrong_and_unknown_charsets():
    assert decode("€ één".encode("cp1252"), "iso-8859-1") == "€ één"
    assert decode("één".encode(), "iso-8859-1") == "één"
    assert decode("één".encode(), "us-ascii") == "één"
    assert decode("één".encode("cp1252"), "utf-8") == "één"
    assert decode("één".encode("cp1252"), "no-such-charset") == "één"
    assert decode(b"\x81\x8d\xff", "utf-8")  # undecodable bytes: replaced, never raised
    assert decode("één".encode("utf-16"), "utf-16") == "één"


def test_format_flowed_lines_are_joined():
    assert unflow("een \ntwee\n> a \n> b\n-- \nJan", delsp=False) == "een twee\n> a b\n-- \nJan"
    assert unflow("in elkaar \ngeschoven", delsp=True) == "in elkaargeschoven"


def test_broken_mail_does_not_crash():
    for raw in (b"", b"geen mail", b"From: <<<\nSubject: =?utf-8?q?kapot\n\n4: x\n",
                b"Content-Type: multipart/mixed; boundary=x\n\n--x\nnope"):
        reply = read_reply(raw)
        assert reply.automatic is None or isinstance(reply.automatic, str)


# --- automatic mail --------------------------------------------------------------------------

def test_automatic_by_headers():
    assert is_automatic(message("Auto-Submitted: no\nSubject: Re: x")) is None
    assert is_automatic(message("Auto-Submitted: auto-replied; owner-email=a@b.nl")) == AUTO_REPLY
    assert is_automatic(message("X-Autorespond: yes")) == AUTO_REPLY
    assert is_automatic(message("Precedence: bulk")) == AUTO_REPLY
    assert is_automatic(message("X-MS-Exchange-Inbox-Rules-Loop: a@b.nl")) == AUTO_REPLY
    assert is_automatic(message("Return-Path: <>\nSubject: Re: x")) == AUTOMATIC
    assert is_automatic(message("X-Auto-Response-Suppress: All\nSubject: RE: x")) is None


def test_automatic_by_subject_only_at_its_start():
    assert is_automatic(message("Subject: Automatisch antwoord: Herinnering")) == AUTO_REPLY
    assert is_automatic(message("Subject: Out of Office: Herinnering")) == AUTO_REPLY
    assert is_automatic(message("Subject: RE: Afwezig op 10 december, mijn inbreng")) is None


def test_reports_and_plain_bounces():
    mdn = message("Content-Type: multipart/report; report-type=disposition-notification; boundary=b")
    assert is_automatic(mdn) == READ_RECEIPT
    plain = message("From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\nSubject: Delivery",
                    "Address not found\n<oud@voorbeeld.nl>: 550 5.1.1 The email account does not exist\n")
    assert is_automatic(plain) == BOUNCE
    bounce = bounce_of(plain)
    assert (bounce.recipient, bounce.status, bounce.permanent) == ("oud@voorbeeld.nl", "5.1.1", True)
    exim = message("From: Mail Delivery System <Mailer-Daemon@x.nl>\nX-Failed-Recipients: weg@x.nl")
    assert bounce_of(exim).recipient == "weg@x.nl"


def test_recipient_on_the_reply_domain_from_the_envelope_first():
    raw = (b"Delivered-To: reply+abc@Antwoord.Example.nl\nTo: Consult <reply+old@antwoord.example.nl>\n"
           b"Cc: iemand@elders.nl\nFrom: a@b.nl\n\n4: x\n")
    reply = read_reply(raw)
    assert reply.recipient_on("antwoord.example.nl") == "reply+abc"
    assert reply.recipient_on("nergens.nl") is None
    assert reply.recipients == ("reply+abc@Antwoord.Example.nl", "reply+old@antwoord.example.nl",
                                "iemand@elders.nl")


def test_a_mail_attached_to_a_mail_is_one_attachment_and_no_text():
    inner = b"From: a@b.nl\nSubject: oud\nContent-Type: text/plain\n\n4: niet van mij\n"
    raw = (b"From: Jan <j@zwolle.nl>\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed; boundary=b\n\n"
           b"--b\nContent-Type: text/plain; charset=utf-8\n\n\n"
           b"--b\nContent-Type: text/html; charset=utf-8\n\n"
           b"<p>Zie bijlage.</p>\n--b\nContent-Type: message/rfc822\nContent-Disposition: attachment;"
           b' filename="oud.eml"\n\n' + inner + b"--b--\n")
    reply = read_reply(raw)
    assert reply.text == "Zie bijlage." and reply.from_html  # the empty text part is passed over
    assert [(a.filename, a.content_type, a.inline) for a in reply.attachments] == [
        ("oud.eml", "message/rfc822", False)]
    # the line break before a boundary belongs to the boundary (RFC 2046)
    assert reply.attachments[0].size == len(inner) - 1


@given(st.binary(max_size=400), st.sampled_from(["utf-8", "us-ascii", "x-onbekend", "iso-8859-1"]),
       st.sampled_from(["7bit", "8bit", "base64", "quoted-printable"]))
def test_any_body_bytes_read_without_error(body, charset, encoding):
    raw = (f"From: a@b.nl\nMIME-Version: 1.0\nContent-Type: text/plain; charset={charset}\n"
           f"Content-Transfer-Encoding: {encoding}\n\n").encode() + body
    reply = read_reply(raw)
    assert isinstance(reply.text, str) and isinstance(parse_input(reply.text, LABELS), list)


def test_a_members_sentence_like_a_disclaimer_stays_when_input_follows():
    text = ("Dit bericht is alleen bedoeld als reactie.\n\n"
            "4: Aan dit voorstel kunnen geen rechten worden ontleend.")
    assert new_text(text).text == text
    english = ("4: ok\n\nThis e-mail and any attachments are confidential and intended solely for"
               " the addressee.")
    assert new_text(english).text == "4: ok"
