"""A fragment that a page repeats per agenda item, the same but for the item's id and
label: rendered once per page with stand-ins, filled in per item (issue 17: the meeting
page rendered its input form, some 35 escaped values, for each of its items)."""

import re

from markupsafe import Markup, escape


class ItemStandIn:
    """Stands in for the item: a fragment may use its id and label, nothing else. The id
    is a number (url_for needs one) that no page holds: no id comes near it, and the page's
    other values (a CSRF token, the member's id) are too short to hold its 16 digits."""

    id = 9087654321012345
    label = "\x1fconsult-punt\x1f"

    def __getattr__(self, attribute):
        # Not AttributeError (Jinja would print nothing): such a fragment is not a stamp.
        raise RuntimeError(f"a stamped fragment uses item.{attribute}: render it per item")


_STAND_INS = re.compile(f"({ItemStandIn.id}|{re.escape(ItemStandIn.label)})")
_ID, _LABEL = str(ItemStandIn.id), ItemStandIn.label


class Stamp:
    """`stamp(macro)` in a template: `macro(item, *shape)` for any item, rendered once
    per shape (a few flags) at its first use, so a page that needs it for no item
    renders nothing."""

    def __init__(self, macro):
        self.macro = macro
        self.parts: dict[tuple, list[str]] = {}

    def __call__(self, item, *shape) -> Markup:
        if shape not in self.parts:
            self.parts[shape] = _STAND_INS.split(str(self.macro(ItemStandIn(), *shape)))
        values = {_ID: str(item.id), _LABEL: str(escape(item.label))}
        return Markup("".join([values.get(part, part) for part in self.parts[shape]]))
