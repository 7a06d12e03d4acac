"""How every view answers: a whole page, or with htmx just the block it swaps."""

from datetime import datetime
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from flask import Flask, current_app, make_response, render_template
from htmx_flask import request
from jinja2 import Template, nodes

from consult.database import utcnow


def wants_fragment() -> bool:
    # A boosted request or a history restore needs the whole page, not a fragment.
    return bool(request.htmx) and not request.htmx.boosted and not (
        request.htmx.history_restore_request
    )


# What a template declares at its top level (imports, macros, `set`): a block rendered
# on its own needs these too, as it does inside the whole page.
DECLARATIONS = (nodes.Import, nodes.FromImport, nodes.Macro, nodes.Assign, nodes.AssignBlock)
_preludes: "WeakKeyDictionary[Template, Template]" = WeakKeyDictionary()


def prelude(template: Template) -> Template:
    """A template of only `template`'s top-level declarations, compiled once per
    (re)loaded template."""
    if template not in _preludes:
        env = template.environment
        source, filename, _ = env.loader.get_source(env, template.name)
        tree = env.parse(source, template.name, filename)
        body = [node for node in tree.body if isinstance(node, DECLARATIONS)]
        code = env.compile(nodes.Template(body, lineno=1).set_environment(env),
                           template.name, filename)
        _preludes[template] = env.template_class.from_code(env, code, template.globals)
    return _preludes[template]


def render_block(template_name: str, block: str, **context) -> str:
    """One block of a template, with everything the template imports or declares at
    its top level in scope (jinja2-fragments' render_block leaves those out, so a
    block that uses a macro imported at the top failed with "'field' is undefined")."""
    app = current_app._get_current_object()
    app.update_template_context(context)
    template = app.jinja_env.get_template(template_name)
    ctx = template.new_context(context)
    try:
        for _ in prelude(template).root_render_func(ctx):
            pass  # declarations only: they fill ctx.vars, their output is not wanted
        return app.jinja_env.concat(template.blocks[block](ctx))
    except Exception:
        return app.jinja_env.handle_exception()


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


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_time(moment: datetime) -> datetime:
    return moment.astimezone(local_zone())


def format_date(moment: datetime | None, with_time: bool = False,
                zone: ZoneInfo | None = None) -> str:
    """"dinsdag 14 oktober 2026" (and "17.00 uur"), in Europe/Amsterdam (`zone`: that
    zone, looked up once by a caller that formats many dates)."""
    if moment is None:
        return ""
    local = moment.astimezone(zone or local_zone())
    text = f"{WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local.year}"
    if with_time:
        text += f" {local.hour:02}.{local.minute:02} uur"  # not strftime: a page formats hundreds
    return text


def init_app(app: Flask) -> None:
    from consult.permissions import can
    from consult.stamps import Stamp
    from consult.text import excerpt, render_markdown, render_plain

    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["stamp"] = Stamp
    app.jinja_env.tests["visible_attachment"] = lambda attachment: can("view_attachment", attachment)
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["plain"] = render_plain
    app.jinja_env.filters["excerpt"] = excerpt
    app.jinja_env.filters["countdown"] = countdown
    app.jinja_env.filters["deadline_in_words"] = deadline_in_words
    app.jinja_env.filters["tijd"] = lambda moment: f"{local_time(moment):%H.%M}"
    app.jinja_env.filters["datum"] = format_date
    app.jinja_env.filters["datumtijd"] = lambda moment: format_date(moment, with_time=True)


def countdown(moment: datetime, now: datetime | None = None) -> str:
    """"nog 5 dagen en 3 uur", "nog 40 minuten", "verlopen"."""
    seconds = int((moment - (now or utcnow())).total_seconds())
    if seconds <= 0:
        return "verlopen"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        text = f"nog {days} {'dag' if days == 1 else 'dagen'}"
        return text + (f" en {hours} uur" if hours else "")
    if hours:
        return f"nog {hours} uur" + (f" en {minutes} min." if minutes else "")
    return f"nog {max(minutes, 1)} {'minuut' if minutes <= 1 else 'minuten'}"


def deadline_in_words(moment: datetime, now: datetime | None = None) -> str:
    """"nog 5 dagen, tot dinsdag 14 oktober 17.00 uur"."""
    local = local_time(moment)
    when = f"{WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local:%H.%M} uur"
    left = countdown(moment, now)
    return f"verlopen sinds {when}" if left == "verlopen" else f"{left}, tot {when}"


def external_url(endpoint: str, **values) -> str:
    """An absolute URL on BASE_URL, for emails and calendars: works in a request, in
    the scheduler and in CLI commands alike (url_for needs a request there)."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)
