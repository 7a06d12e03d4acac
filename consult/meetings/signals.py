"""What happens to bodies and meetings, for the domains that follow them (reminders plan
their rows on these) without the meetings package importing them back."""

from blinker import Namespace

_signals = Namespace()

# sender: the Body, just added to the session (flushed, so it has an id)
body_created = _signals.signal("body-created")
# sender: the Meeting; kwargs: now (the moment of the change)
meeting_published = _signals.signal("meeting-published")
meeting_rescheduled = _signals.signal("meeting-rescheduled")
meeting_cancelled = _signals.signal("meeting-cancelled")
