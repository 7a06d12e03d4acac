"""Scheduled reminders: rules per body, reminder rows per meeting, preferences.

The meetings package never imports this one: it sends signals (consult.meetings.signals)
and the receivers connected here create a new body's default rules and (re)plan a
meeting's reminders. The scheduler tick fires them (firing, digests)."""

from flask import Flask

from consult.reminders import models  # noqa: F401  (tables for migrations)


def init_app(app: Flask) -> None:
    from consult.comments.signals import late_input_sent
    from consult.meetings import signals
    from consult.reminders import digests, planning, rules, views

    # Module-level functions: blinker's weak references keep them, and connecting the
    # same receiver again (one app per test) is a no-op.
    signals.body_created.connect(rules.create_default_rules)
    for signal in (signals.meeting_published, signals.meeting_rescheduled,
                   signals.meeting_cancelled):
        signal.connect(planning.plan_reminders)
    late_input_sent.connect(digests.note_late_input)
    views.init_app(app)
