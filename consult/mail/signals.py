"""What comes in by mail, for the domains that answer it without the mail (or comments)
package importing them: a reply to a token of another purpose than input (the concept
ter inzage: consult.statements.review_replies) is handed on with `reply_received`."""

from blinker import Namespace

_signals = Namespace()

# sender: the token's TokenPurpose; kwargs: member (User), meeting (Meeting), text (the
# reply's new text), now. A receiver for that purpose returns what it stored (a list of
# {"item_id", "label", "action"}), or raises ReplyHold; others return None.
reply_received = _signals.signal("reply-received")


class ReplyHold(Exception):
    """The reply waits for the delegate; the message says why (Dutch), and the member's
    confirmation says it too."""
