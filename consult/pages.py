"""How every view answers: a whole page, or with htmx just the block it swaps."""

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, make_response, render_template
from htmx_flask import request
from jinja2_fragments.flask import render_block


def wants_fragment() -> bool:
    # A boosted request or a history restore needs the whole page, not a fragment.
    return bool(request.htmx) and not request.htmx.boosted and not (
        request.htmx.history_restore_request
    )


def render_page(template: str, block: str = "content", status: int = 200, **context):
    """Render `template`, or only its `block` for an htmx request."""
    if wants_fragment():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")
WEEKDAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")


def local_time(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))


def format_date(moment: datetime | None, with_time: bool = False) -> str:
    """"dinsdag 14 oktober 2026" (and "17.00 uur"), in Europe/Amsterdam."""
    if moment is None:
        return ""
    local = local_time(moment)
    text = f"{WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local.year}"
    if with_time:
        text += f" {local:%H.%M} uur"
    return text


def init_app(app: Flask) -> None:
    from consult.permissions import can

    app.jinja_env.globals["can"] = can
    app.jinja_env.filters["datum"] = format_date
    app.jinja_env.filters["datumtijd"] = lambda moment: format_date(moment, with_time=True)
