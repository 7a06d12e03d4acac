"""The rules for reading a member's reply, as data: one place to add a mail client or phrase.

No reply-parsing library on PyPI handled Dutch Outlook, Gmail and Apple Mail well enough
(see replies.py), so the patterns live here. Every pattern is matched against one line
(quote marks and surrounding whitespace stripped) unless said otherwise, case-insensitively.
"""

import re


def _lines(*patterns: str) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


# The line a client writes above the quoted mail ("On … wrote:"). Gmail wraps it over two or
# three lines, so the reader also tries a line joined with the next ones.
QUOTE_INTROS = _lines(
    r"^Op .{4,160}? schreef .{0,200}:$",  # Gmail, Thunderbird (nl)
    r"^Op .{4,160}? heeft .{1,200}? (?:het volgende )?geschreven:$",  # Apple Mail, iPhone (nl)
    r"^On .{4,160}? wrote:$",  # Gmail, Apple Mail, Thunderbird (en)
    r"^.{1,120} (?:schreef|wrote) (?:op|on) .{4,80}:$",  # Thunderbird with the name first
    r"^Am .{4,160}? schrieb .{0,200}:$",
)

# A line that begins a quoted or forwarded mail: everything from here on is not new text.
SEPARATORS = _lines(
    r"^-{2,}\s*(?:Oorspronkelijk|Origineel|Original)\s+(?:bericht|message)\s*-{2,}$",
    r"^-{2,}\s*(?:Doorgestuurd|Forwarded)\s+(?:bericht|message)\s*-{2,}$",
    r"^Begin (?:doorgestuurd bericht|forwarded message):$",
    r"^_{20,}$",  # Outlook web and Outlook for phones, above the header block
)

# Separators that mean the member forwarded a mail instead of replying to it.
FORWARD_SEPARATORS = _lines(
    r"^-{2,}\s*(?:Doorgestuurd|Forwarded)\s+(?:bericht|message)\s*-{2,}$",
    r"^Begin (?:doorgestuurd bericht|forwarded message):$",
)
FORWARD_SUBJECT = re.compile(r"^\s*(?:fwd?|doorst|tr|wg)\s*:", re.IGNORECASE)

# Outlook's header block of the mail it replies to: a "From" line followed closely by at least
# one more of these names (Outlook desktop writes "Van:/Verzonden:/Aan:/Onderwerp:").
HEADER_BLOCK_START = re.compile(r"^\*?(?:Van|From|De|Von)\s*:\*?\s*\S", re.IGNORECASE)
HEADER_BLOCK_FIELD = re.compile(
    r"^\*?(?:Verzonden|Sent|Datum|Date|Aan|To|Onderwerp|Subject|CC|Kopie|Beantwoorden aan"
    r"|Reply-To)\s*:\*?", re.IGNORECASE
)
HEADER_BLOCK_WINDOW = 4  # lines after the From line in which another field must appear

# A signature begins at one of these lines; the rest of the new text is the signature.
SIGNATURE_DASHES = re.compile(r"^--\s?$")  # RFC 3676 "-- "
CLOSINGS = _lines(
    r"^(?:met\s+)?(?:vriendelijke|hartelijke|collegiale|beste|warme)\s+groet(?:en)?\b.{0,40}$",
    r"^(?:groet(?:en)?|groetjes|mvg|m\.?\s?vr\.?\s?gr\.?|vr\.?\s?gr\.?|gr\.?)\s*[,.!]?(?:\s+\S+){0,3}$",
    r"^(?:kind|best|warm)\s+regards\b.{0,40}$",
    r"^(?:regards|best|cheers|thanks|with regards|sincerely|yours sincerely)\s*[,.!]?$",
)
# A closing only starts a signature when at most this many non-empty lines follow it:
# a closing followed by a long text is more likely part of the input.
SIGNATURE_MAX_LINES = 12

# Lines phones and Outlook apps add; removed wherever they stand.
_DEVICES = (
    r"(?:iphone|ipad|samsung|galaxy|android|smartphone|mobiel|telefoon|tablet|outlook|mail"
    r"|huawei|xiaomi|oneplus|pixel|blackberry|windows|ios)"
)
DEVICE_LINES = _lines(
    r"^(?:verzonden|verstuurd)\s+(?:vanaf|vanuit|met|via)\s+(?:mijn\s+|de\s+)?\S{0,20}\s?"
    + _DEVICES + r".{0,60}$",
    r"^sent\s+(?:from|with|via)\s+(?:my\s+)?\S{0,20}\s?" + _DEVICES + r".{0,60}$",
    r"^(?:get|download)\s+outlook\s+(?:for|voor)\s+\w+.{0,60}$",
    r"^outlook\s+(?:voor|for)\s+(?:android|ios)\s+downloaden.{0,40}$",
    r"^<https?://aka\.ms/\S+>$",
)

# Disclaimers: the paragraph holding one of these phrases and everything after it go.
DISCLAIMERS = _lines(
    r"(?:uitsluitend|alleen|enkel)\s+bestemd\s+voor\s+(?:de\s+)?geadresseerde",
    r"kunnen\s+geen\s+rechten\s+(?:worden\s+)?(?:aan\s+)?ontleend",
    r"(?:dit|deze)\s+(?:e-?mail(?:bericht)?|bericht)\s+(?:ten\s+onrechte|onterecht|per\s+vergissing)",
    r"denk\s+aan\s+het\s+milieu\s+(?:voordat|voor)",
    r"(?:intended|meant)\s+(?:solely|only|exclusively)\s+for\s+the\s+(?:use\s+of\s+the\s+)?"
    r"(?:addressee|recipient|individual|person)",
    r"(?:this|the)\s+(?:e-?mail|message)(?:\s+and\s+any\s+attachments?)?\s+(?:is|are|may\s+be)\s+"
    r"(?:strictly\s+)?confidential",
    r"^disclaimer\s*:",
)

# A line that looks like an item's input: a closing above it is no signature.
ITEMISH = re.compile(r"^\s*(?:(?:agenda)?punt\s+)?#?\d{1,2}[a-z]?\s*[:)](?!\d)", re.IGNORECASE)

# A greeting on the first line is not input ("Beste Piet,").
SALUTATION = re.compile(
    r"^(?:beste|hallo|hoi|hey|dag|geachte|goedemorgen|goedemiddag|goedenavond|hi|hello|dear)"
    r"\b[^:]{0,60}[,!]?$",
    re.IGNORECASE,
)

# The whole reply says "no input" ("geen inbreng", "Geen inbreng van onze kant.").
NO_INPUT = re.compile(
    r"^\s*(?:wij\s+hebben\s+|we\s+hebben\s+|ik\s+heb\s+)?geen\s+(?:inbreng|opmerkingen|reactie)"
    r"\b[^\n]{0,60}$",
    re.IGNORECASE,
)

# A line that names an agenda item: "4: …", "3A: …", "punt 4: …", "Agendapunt 3b - …".
# LABEL is filled in with the meeting's labels; ":" or ")" is needed after a bare label so
# that "1. eerste argument" in a list or "10:30" is not taken for an item.
ITEM_LINE_BARE = r"^\s*#?\s*(?P<label>{labels})\s*[:)](?!\d)\s*(?P<rest>.*)$"
ITEM_LINE_NAMED = (
    r"^\s*(?:agenda\s*punt|agendapunt|punt|item|ap)\.?\s*#?\s*(?P<label>{labels})\b"
    r"\s*(?:[:.)\-\u2013]\s*|$)(?P<rest>.*)$"
)

# Automatic mail: header values that mark a message as not written by a person.
AUTO_SUBMITTED_HUMAN = "no"
AUTO_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Auto-Response")
AUTO_PRECEDENCE = ("bulk", "junk", "auto_reply")
LOOP_HEADERS = ("X-MS-Exchange-Inbox-Rules-Loop", "X-MS-Exchange-Generated-Message-Source")
AUTO_SUBJECTS = _lines(
    r"^(?:automatisch\s+antwoord|automatisch\s+bericht|automatische\s+reactie|afwezig"
    r"|out\s+of\s+(?:the\s+)?office|automatic\s+reply|auto(?:matic)?[\s-]?reply|autoreply"
    r"|abwesenheitsnotiz|niet\s+aanwezig|vakantie\s*:)\b",
)
BOUNCE_SENDERS = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon)@", re.IGNORECASE)
BOUNCE_SUBJECTS = _lines(
    r"^(?:onbestelbaar|niet\s+bezorgd|undeliverable|undelivered\s+mail|delivery\s+status\s+"
    r"notification\s+\(failure\)|mail\s+delivery\s+(?:failed|failure|system)|returned\s+mail"
    r"|failure\s+notice)\b",
)
