"""Rendering a reminder once per shape of message, not once per member (the fan-out's
hot path: firing.write_chunk)."""

from flask import render_template
from markupsafe import escape


class Placeholders:
    """A reminder's text and HTML rendered once per shape of message (the items still
    awaiting the member's input, a chair's list, whether replying works), with
    placeholders for what is the member's own (name, unsubscribe link, her personal
    links into the meeting and its items), filled in per message: rendering both
    templates for each of 10,000 members was most of a fan-out's time.
    tests/test_fanout_messages.py compares it with rendering each."""

    NAME, UNSUBSCRIBE, URL = ("\x1fconsult-name\x1f", "\x1fconsult-unsubscribe\x1f",
                              "\x1fconsult-url\x1f")

    class User:
        """Stands in for the member: the templates may use her name, nothing else."""

        def __init__(self, name: str):
            self.name = name

        def __getattr__(self, attribute):
            # Not AttributeError (Jinja would print nothing): the shape must grow instead.
            raise RuntimeError(f"reminder template uses user.{attribute}: add it to "
                               "Placeholders.shape")

    def __init__(self, subject: str):
        self.subject = subject
        self.rendered: dict[tuple, tuple[str, str]] = {}

    @staticmethod
    def shape(context: dict) -> tuple:
        return (tuple(item.id for item in context["awaiting"]),
                getattr(context["region"], "id", None),
                tuple(person.id for person in context["names"] or ()),
                bool(context.get("reply_address")))

    def bodies(self, context: dict) -> tuple[str, str]:
        key = self.shape(context)
        if key not in self.rendered:
            blank = {**context, "user": self.User(self.NAME), "unsubscribe_url": self.UNSUBSCRIBE,
                     "url": self.URL, "item_links": {item_id: self.item(item_id)
                                                     for item_id in context["item_links"]}}
            self.rendered[key] = (
                render_template("emails/reminder.txt", **blank),
                render_template("emails/reminder.html", subject=self.subject, **blank))
        text, html = self.rendered[key]
        own = {self.NAME: context["user"].name, self.UNSUBSCRIBE: context["unsubscribe_url"],
               self.URL: context["url"]}
        own.update({self.item(item_id): link for item_id, link in context["item_links"].items()
                    if item_id in key[0]})
        for placeholder, value in own.items():
            text = text.replace(placeholder, value)
            html = html.replace(placeholder, str(escape(value)))
        return text, html

    @staticmethod
    def item(item_id: int) -> str:
        return f"\x1fconsult-item-{item_id}\x1f"
