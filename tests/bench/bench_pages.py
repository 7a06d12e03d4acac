"""B1 of `make bench` (issue 17), the cost of a page and the deadline hour.

B1a: CPU time per request in-process (Flask's test client, a logged-in member; the
workspace as the delegate) for the meeting page, the item page, the dashboard, the
workspace and the archive search, each beside a *reference page* this module registers
on the same app: the same rows loaded with one joined query and rendered by a plain
Jinja loop (escaped text, names, dates). The ratio says what our own work costs on top
of Flask + SQLAlchemy + Jinja in the same run. Also the SQL statements per page.

B1b: an open-loop load at a fixed arrival rate against gunicorn: requests start on a
fixed schedule whatever the answers (latency counts from the scheduled moment, so a
slow server cannot slow down the load), the mix of the deadline hour, each virtual
member with its own session. A small asyncio HTTP/1.1 client (one connection per
request: gunicorn's sync workers close it after each answer anyway). First the
deadline hour (B1B_RATE for B1B_SECONDS), then rising rates for B1B_STEP_SECONDS each,
until p95 passes 250 ms or a request fails: the highest rate that held (when the
deadline hour itself does not hold, falling rates from BENCH_B1B_LOWER).

Environment: BENCH_B1A_RUNS (60), BENCH_B1B_RATE (60), BENCH_B1B_SECONDS (60),
BENCH_B1B_STEP_SECONDS (20), BENCH_B1B_STEPS ("80,100,120,150,180,240"),
BENCH_B1B_MEMBERS (300), BENCH_B1B_LOWER ("45,30,20,10"); e.g. BENCH_B1B_SECONDS=10
BENCH_B1B_STEPS=80 to try it.
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import time
from urllib.parse import urlencode

_env = os.environ
B1A_RUNS = int(_env.get("BENCH_B1A_RUNS", "60"))
B1B_RATE = float(_env.get("BENCH_B1B_RATE", "60"))
B1B_SECONDS = float(_env.get("BENCH_B1B_SECONDS", "60"))
B1B_STEP_SECONDS = float(_env.get("BENCH_B1B_STEP_SECONDS", "20"))
B1B_STEPS = [float(r) for r in _env.get("BENCH_B1B_STEPS", "80,100,120,150,180,240").split(",") if r]
B1B_MEMBERS = int(_env.get("BENCH_B1B_MEMBERS", "300"))
# When the deadline hour does not hold: the rates tried below it.
B1B_LOWER = [float(r) for r in _env.get("BENCH_B1B_LOWER", "45,30,20,10").split(",") if r]
P95_LIMIT_MS = 250
REQUEST_TIMEOUT = 10
# The deadline hour's mix, in the order requests are sent (repeated): what members do.
MIX = ("meeting", "item", "dashboard", "meeting", "input", "item", "dashboard", "meeting",
       "no_input", "input")

REFERENCE = {
    "meeting": """<ol>{% for r in rows %}<li><h3>{{ r.number }}. {{ r.title }}</h3>
<p>{{ r.explanation }}</p><p>{{ r.purpose.value }} {{ r.presenter }}</p>
{% if r.text %}<p>{{ r.name }}, {{ r.created_at.strftime("%d-%m-%Y %H.%M") }}: {{ r.text }}</p>{% endif %}
</li>{% endfor %}</ol>""",
    "item": """<h1>{{ rows[0].title if rows else "" }}</h1><ol>{% for r in rows %}<li>
<p><strong>{{ r.name }}</strong>, {{ r.municipality }} {{ r.created_at.strftime("%d-%m-%Y %H.%M") }}</p>
<div>{{ r.text }}</div></li>{% endfor %}</ol>""",
    "dashboard": """<ul>{% for r in rows %}<li><h2>{{ r.name }}</h2>
<p>{{ r.starts_at.strftime("%d-%m-%Y %H.%M") }},
deadline {{ r.input_deadline.strftime("%d-%m-%Y %H.%M") }}</p>
<p>{{ r.items }} agendapunten</p></li>{% endfor %}</ul>""",
    "workspace": """<table>{% for r in rows %}<tr><td>{{ r.number }}. {{ r.title }}</td>
<td>{{ r.inputs }}</td><td>{{ r.unmarked }}</td></tr>{% endfor %}</table>""",
    "archive": """<ol>{% for r in rows %}<li><a href="/agendapunten/{{ r.id }}">{{ r.name }}
{{ r.starts_at.strftime("%d-%m-%Y") }}: {{ r.number }}. {{ r.title }}</a></li>{% endfor %}</ol>""",
}
ARCHIVE_QUERY = "regionale aanpak"


def register_reference_pages(app) -> None:
    """/bench/ref/<page>/<id>: one joined query, a plain Jinja loop (autoescaped).
    /bench/ref-layout/<page>/<id>: the same inside our page layout (templates/base.html:
    header, navigation, footer), to tell what the layout costs from what the page does."""
    from flask import Blueprint, request
    from flask_login import current_user, login_required
    from sqlalchemy import and_, func, select

    from consult.accounts.models import User
    from consult.comments.models import Comment
    from consult.extensions import db
    from consult.meetings.models import AgendaItem, Body, Meeting

    templates = {name: app.jinja_env.from_string(text) for name, text in REFERENCE.items()}
    in_layout = {name: app.jinja_env.from_string(
        '{% extends "base.html" %}{% block content %}' + text + "{% endblock %}")
        for name, text in REFERENCE.items()}
    bp = Blueprint("bench_reference", __name__)

    def queries(page: str, object_id: int):
        if page == "meeting":
            mine = and_(Comment.item_id == AgendaItem.id, Comment.author_id == current_user.id,
                        Comment.withdrawn_at.is_(None))
            return (select(AgendaItem.number, AgendaItem.title, AgendaItem.explanation,
                           AgendaItem.purpose, AgendaItem.presenter, Comment.text,
                           Comment.created_at, User.name)
                    .outerjoin(Comment, mine).outerjoin(User, User.id == Comment.author_id)
                    .where(AgendaItem.meeting_id == object_id).order_by(AgendaItem.position))
        if page == "item":
            return (select(AgendaItem.title, Comment.text, Comment.created_at, User.name,
                           User.municipality)
                    .join(Comment, Comment.item_id == AgendaItem.id)
                    .join(User, User.id == Comment.author_id)
                    .where(AgendaItem.id == object_id, Comment.withdrawn_at.is_(None))
                    .order_by(Comment.created_at, Comment.id))
        if page == "dashboard":
            return (select(Body.name, Meeting.starts_at, Meeting.input_deadline,
                           func.count(AgendaItem.id).label("items"))
                    .join(Body, Body.id == Meeting.body_id)
                    .outerjoin(AgendaItem, AgendaItem.meeting_id == Meeting.id)
                    .where(Meeting.published_at.is_not(None))
                    .group_by(Meeting.id, Body.name).order_by(Meeting.starts_at))
        if page == "workspace":
            return (select(AgendaItem.number, AgendaItem.title,
                           func.count(Comment.id).label("inputs"),
                           func.count(Comment.id).filter(Comment.mark.is_(None)).label("unmarked"))
                    .outerjoin(Comment, Comment.item_id == AgendaItem.id)
                    .where(AgendaItem.meeting_id == object_id)
                    .group_by(AgendaItem.id).order_by(AgendaItem.position))
        pattern = f"%{request.args.get('q', '').lower()}%"
        return (select(AgendaItem.id, AgendaItem.number, AgendaItem.title, Meeting.starts_at,
                       Body.name).distinct()
                .join(Meeting, Meeting.id == AgendaItem.meeting_id)
                .join(Body, Body.id == Meeting.body_id)
                .join(Comment, Comment.item_id == AgendaItem.id)
                .where(func.lower(Comment.text).like(pattern))
                .order_by(Meeting.starts_at, AgendaItem.id).limit(20))

    @bp.get("/bench/ref/<page>/<int:object_id>")
    @login_required
    def reference(page: str, object_id: int):
        rows = db.session.execute(queries(page, object_id)).all()
        return templates[page].render(rows=rows)

    @bp.get("/bench/ref-layout/<page>/<int:object_id>")
    @login_required
    def reference_in_layout(page: str, object_id: int):
        rows = db.session.execute(queries(page, object_id)).all()
        app.update_template_context(context := {"rows": rows})
        return in_layout[page].render(context)

    app.register_blueprint(bp)


# --- B1a: in-process ------------------------------------------------------------------

def _login(client, email: str, password: str) -> None:
    page = client.get("/inloggen").get_data(as_text=True)
    token = re.search(r'name="pw-csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/inloggen/wachtwoord", data={
        "pw-csrf_token": token, "pw-email": email, "pw-password": password, "pw-next": ""})
    if response.status_code != 303:
        raise RuntimeError(f"in-process login of {email} failed: {response.status_code}")


def _cost(app, client, path: str, runs: int) -> dict:
    """Median CPU and wall time per request (ms) after warming up, and the statements."""
    import sqlalchemy as sa

    from consult.extensions import db

    for _ in range(5):
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        client.get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    cpu, wall = [], []
    for _ in range(runs):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        client.get(path)
        cpu.append((time.process_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start_wall) * 1000)
    return {"cpu_ms": statistics.median(cpu), "wall_ms": statistics.median(wall),
            "statements": len(statements), "bytes": len(response.get_data())}


def b1a_costs(backend, ids: dict, password: str, runs: int = B1A_RUNS) -> dict:
    """Per page: our page and its reference, CPU ms (median of `runs`), statements."""
    app = backend.app(SESSION_COOKIE_SECURE=False)
    register_reference_pages(app)
    member, delegate = app.test_client(), app.test_client()
    _login(member, ids["reader_email"], password)
    _login(delegate, ids["delegate_email"], password)
    pages = {
        "meeting": (member, f"/vergaderingen/{ids['meeting_a']}", ids["meeting_a"]),
        "item": (member, f"/agendapunten/{ids['item_b']}", ids["item_b"]),
        "dashboard": (member, "/", 0),
        "workspace": (delegate, f"/vergaderingen/{ids['meeting_a']}/werkruimte", ids["meeting_a"]),
        "archive": (member, f"/archief?{urlencode({'q': ARCHIVE_QUERY})}", 0),
    }
    result = {"healthz": _cost(app, member, "/healthz", runs)}
    for name, (client, path, object_id) in pages.items():
        reference = f"/bench/ref/{name}/{object_id}"
        if name == "archive":
            reference += f"?{urlencode({'q': ARCHIVE_QUERY})}"
        query = f"?{urlencode({'q': ARCHIVE_QUERY})}" if name == "archive" else ""
        result[name] = {"page": _cost(app, client, path, runs),
                        "reference": _cost(app, client, reference, runs),
                        "in_layout": _cost(app, client, f"/bench/ref-layout/{name}/{object_id}"
                                           + query, runs)}
    from consult.extensions import db

    with app.app_context():
        db.engine.dispose()
    return result


# --- B1b: open loop against gunicorn -------------------------------------------------------

class Member:
    """A virtual member: a session cookie, a CSRF token, the item she gives input on."""

    def __init__(self, email: str, item: int, other_item: int):
        self.email, self.item, self.other_item = email, item, other_item
        self.cookies: dict[str, str] = {}
        self.token = ""
        self.no_input = False  # toggled by each "geen inbreng" request
        self.number = 0


async def request(port: int, method: str, path: str, member: Member | None = None,
                  form: dict | None = None) -> tuple[int, str]:
    """One HTTP/1.1 request on its own connection; keeps the member's cookies."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        body = urlencode(form).encode() if form is not None else b""
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
        if member and member.cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in member.cookies.items()))
        if form is not None:
            lines += ["Content-Type: application/x-www-form-urlencoded",
                      f"Content-Length: {len(body)}"]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    head, _, content = data.partition(b"\r\n\r\n")
    head_lines = head.decode("latin-1").split("\r\n")
    status = int(head_lines[0].split()[1])
    for line in head_lines[1:]:
        name, _, value = line.partition(":")
        if member is not None and name.lower() == "set-cookie":
            key, _, rest = value.strip().partition("=")
            member.cookies[key] = rest.split(";", 1)[0]
    return status, content.decode("utf-8", "replace")


async def log_in(port: int, member: Member, password: str) -> None:
    _, page = await request(port, "GET", "/inloggen", member)
    token = re.search(r'name="pw-csrf_token"[^>]*value="([^"]+)"', page).group(1)
    status, _ = await request(port, "POST", "/inloggen/wachtwoord", member, {
        "pw-csrf_token": token, "pw-email": member.email, "pw-password": password,
        "pw-next": ""})
    if status != 303:
        raise RuntimeError(f"login of {member.email} failed: {status}")
    _, page = await request(port, "GET", f"/agendapunten/{member.item}", member)
    member.token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


async def prepare(port: int, ids: dict, password: str, count: int) -> list[Member]:
    """`count` members logged in over HTTP, three at a time: on SQLite a login holds the
    write lock while argon2 checks the password (its transaction begins IMMEDIATE), so
    many at once queue past the busy timeout on a busy machine."""
    items = ids["items_c"]
    members = [Member(email, items[n % len(items)], items[(n + 1) % len(items)])
               for n, email in enumerate(ids["load_emails"][:count])]
    gate = asyncio.Semaphore(3)

    async def one(member):
        async with gate:
            await log_in(port, member, password)

    await asyncio.gather(*(one(member) for member in members))
    return members


def action(kind: str, member: Member, ids: dict) -> tuple[str, str, dict | None]:
    if kind == "meeting":
        return "GET", f"/vergaderingen/{ids['meeting_a']}", None
    if kind == "item":
        return "GET", f"/agendapunten/{ids['item_b']}", None
    if kind == "dashboard":
        return "GET", "/", None
    if kind == "input":
        member.number += 1
        prefix = f"i{member.item}"
        return "POST", f"/agendapunten/{member.item}/inbreng", {
            "csrf_token": member.token, f"{prefix}-kind": "inbreng",
            f"{prefix}-text": f"Inbreng {member.email} {member.number}: bench",
            f"{prefix}-on_behalf": "self", f"{prefix}-context": "item"}
    member.no_input = not member.no_input
    suffix = "" if member.no_input else "/ongedaan"
    return "POST", f"/agendapunten/{member.other_item}/geen-inbreng{suffix}", {
        "csrf_token": member.token}


async def open_loop(port: int, members: list[Member], ids: dict, rate: float,
                    seconds: float) -> dict:
    """Requests at `rate` per second for `seconds`, whatever the answers."""
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    errors: list[str] = []
    total = max(1, int(rate * seconds))
    start = loop.time() + 0.1

    async def one(number: int, at: float) -> None:
        member = members[number % len(members)]
        method, path, form = action(MIX[number % len(MIX)], member, ids)
        try:
            status, _ = await asyncio.wait_for(request(port, method, path, member, form),
                                               REQUEST_TIMEOUT)
        except (TimeoutError, OSError, ValueError, IndexError) as error:
            errors.append(f"{method} {path}: {error!r}")
            return
        if status not in (200, 303):
            errors.append(f"{method} {path}: {status}")
            return
        latencies.append((loop.time() - at) * 1000)

    tasks = []
    for number in range(total):
        at = start + number / rate
        delay = at - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(number, at)))
    await asyncio.gather(*tasks)
    elapsed = loop.time() - start
    ordered = sorted(latencies) or [float("nan")]

    def percentile(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    return {"rate": rate, "seconds": seconds, "requests": total, "answered": len(latencies),
            "achieved_rps": len(latencies) / elapsed if elapsed else 0,
            "p50": percentile(50), "p95": percentile(95), "p99": percentile(99),
            "errors": len(errors), "error_samples": errors[:3]}


async def warm_up(port: int, members: list[Member], ids: dict, rounds: int = 6) -> None:
    """Every worker compiles its templates and fills its rendered-text cache first: a
    few rounds of five concurrent requests (one per worker) for each page."""
    for kind in ("meeting", "item", "dashboard"):
        for _ in range(rounds):
            await asyncio.gather(*(request(port, *action(kind, member, ids)[:2], member)
                                   for member in members[:5]))


def b1b_load(port: int, ids: dict, password: str, drain) -> dict:
    """The deadline hour, then rising rates until p95 passes 250 ms (or errors)."""

    async def run() -> dict:
        members = await prepare(port, ids, password, B1B_MEMBERS)
        await warm_up(port, members, ids)
        result = {"members": len(members), "deadline_hour":
                  await open_loop(port, members, ids, B1B_RATE, B1B_SECONDS), "steps": []}
        held = result["deadline_hour"]["rate"] if holds(result["deadline_hour"]) else None
        # Up from the deadline hour while p95 holds; down from it when it did not.
        rates = [r for r in B1B_STEPS if r > B1B_RATE] if held is not None else \
            [r for r in B1B_LOWER if r < B1B_RATE]
        for rate in rates:
            await asyncio.get_running_loop().run_in_executor(None, drain)
            step = await open_loop(port, members, ids, rate, B1B_STEP_SECONDS)
            result["steps"].append(step)
            if held is not None and not holds(step):
                break
            if holds(step):
                held = rate
                if rate < B1B_RATE:
                    break
        result["highest_rate"] = held
        return result

    return asyncio.run(run())


def holds(run: dict) -> bool:
    return run["errors"] == 0 and run["p95"] <= P95_LIMIT_MS


# --- the table's rows -------------------------------------------------------------------

PAGE_LABELS = {"meeting": "meeting page (15 items × 40 inputs)", "item": "item page (200 inputs)",
               "dashboard": "dashboard", "workspace": "workspace (delegate, 15 items)",
               "archive": f"archive search ({ARCHIVE_QUERY!r})"}


def table_rows(add, safe) -> None:
    """The B1a and B1b rows of bench_run's table (`add(bench, metric, target, figure)`)."""
    add("B1a", "GET /healthz: CPU per request, SQL statements", "(reference)", safe(
        lambda r: f"{r['b1a']['healthz']['cpu_ms']:.1f} ms, {r['b1a']['healthz']['statements']}"))
    for page, label in PAGE_LABELS.items():
        target = "≤ 5 × healthz, ≤ 8 SQL" if page == "dashboard" else "≤ 1.5 × reference, ≤ 8 SQL"

        def figure(r, page=page):
            ours, ref = r["b1a"][page]["page"], r["b1a"][page]["reference"]
            healthz = r["b1a"]["healthz"]["cpu_ms"]
            extra = f", {ours['cpu_ms'] / healthz:.1f} × healthz" if page == "dashboard" else ""
            layout = r["b1a"][page].get("in_layout")
            layout = (f"; reference in the layout {layout['cpu_ms']:.1f} ms "
                      f"({ours['cpu_ms'] / layout['cpu_ms']:.1f} ×)") if layout else ""
            return (f"{ours['cpu_ms']:.1f} ms vs {ref['cpu_ms']:.1f} ms "
                    f"({ours['cpu_ms'] / ref['cpu_ms']:.1f} ×{extra}), {ours['statements']} SQL"
                    + layout)

        add("B1a", f"{label}: CPU per request vs reference (ratio), SQL statements", target,
            safe(figure))
    add("B1b", f"open loop {B1B_RATE:.0f} req/s for {B1B_SECONDS:.0f} s (mix): p50/p95/p99, errors",
        "p95 ≤ 250 ms, 0 errors", safe(lambda r: _run(r["b1b"]["deadline_hour"])))
    add("B1b", "highest rate with p95 ≤ 250 ms (steps)", "≥ 120 req/s", safe(lambda r: (
        (f"{r['b1b']['highest_rate']:.0f} req/s" if r["b1b"]["highest_rate"] else "none")
        + " (" + "; ".join(f"{s['rate']:.0f}/s: p95 {s['p95']:.0f} ms"
                           + (f", {s['errors']} errors" if s["errors"] else "")
                           for s in r["b1b"]["steps"]) + ")")))


def _run(run: dict) -> str:
    return (f"{run['p50']:.0f}/{run['p95']:.0f}/{run['p99']:.0f} ms, {run['errors']} errors "
            f"({run['achieved_rps']:.0f} answered/s)")
