"""What happens to members' input, for the domains that follow it (the delegate's daily
digest hears of late input) without the comments package importing them back."""

from blinker import Namespace

_signals = Namespace()

# sender: the Comment, flushed (it has an id); sent after the deadline, for the delegates
late_input_sent = _signals.signal("late-input-sent")
