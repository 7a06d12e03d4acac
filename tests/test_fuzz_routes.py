"""Bad input everywhere: for every rule of the URL map (generated, not a hand list), as a
role chosen by hypothesis, random and hostile values for the path ids, every form field
and every query parameter. Never a 5xx; and a 4xx leaves the database exactly as it was
(all rows of all tables compared), except for the writes a refusal makes on purpose.
How many examples per route: the Hypothesis profile (tests/conftest.py).

Form fields are discovered by reading the forms on the app's own pages (the GET paths of
tests/test_routes_access.py, as a member, a delegate and an admin), so prefixed fields
("i12-text", "pw-email") are found too; query parameters are the names the views read
from request.args. CSRF is off here (tests/conftest.py); test_security.py covers it.
"""

import hashlib
import re
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from consult.extensions import db
from consult.statements.models import StatementDraft
from tests.conftest import AuthActions
from tests.test_routes_access import CASES, ROLES

# Written on purpose by a refused request: failed logins are counted for throttling.
WRITTEN_ON_REFUSAL = {"throttle_counter"}
# ... and by one answer in particular: a save that conflicts with another delegate's
# version (409) keeps the text as the delegate's draft (transactions.keep_changes()).
WRITTEN_ON = {("statements.save", 409): {StatementDraft.__table__.name}}


def database_state() -> dict[str, str]:
    """A digest of every row of every table (call inside an app context)."""
    state = {}
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        state[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    db.session.rollback()
    return state


def settle(baseline: set[threading.Thread]) -> None:
    """Wait for work a request started in the background (an export job's thread), so
    its writes are not taken for those of a later request."""
    for thread in set(threading.enumerate()) - baseline:
        thread.join(timeout=60)
        assert not thread.is_alive(), f"background thread {thread.name} still runs"


# --- discovering fields -------------------------------------------------------------

class FormParser(HTMLParser):
    """(action, {field name: [option values]}) for every POST form of a page."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, list[str]]]] = []
        self.current: dict[str, list[str]] | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self.current = {}
            self.forms.append((attrs.get("action") or "", self.current))
        elif self.current is not None and tag in ("input", "textarea", "select", "button"):
            name = attrs.get("name")
            if name:
                values = self.current.setdefault(name, [])
                if attrs.get("value"):
                    values.append(attrs["value"])
                self.select = name if tag == "select" else None
        elif tag == "option" and self.current is not None and self.select:
            self.current[self.select].append(attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


QUERY_PARAMETER = re.compile(r"request\.(?:args|values)\.get\(\s*\"([^\"]+)\"")


def query_parameters() -> set[str]:
    names = set()
    for path in Path(__file__).resolve().parents[1].joinpath("consult").rglob("*.py"):
        names.update(QUERY_PARAMETER.findall(path.read_text()))
    return names


_discovered: dict[str, dict[str, list[str]]] = {}


def discover_fields(app, client, auth, ids) -> dict[str, dict[str, list[str]]]:
    """{endpoint: {field name template: example values}}; a number in a field name that
    equals one of the action's path values becomes "{argument}"."""
    if _discovered:
        return _discovered
    adapter = app.url_map.bind("localhost")
    pages = [path.format(**ids) for _, method, path, _ in CASES if method == "GET"]
    for role in ("member", "delegate", "admin"):
        auth.login(role)
        for page in pages:
            response = client.get(page)
            if response.status_code != 200 or "html" not in response.content_type:
                continue
            parser = FormParser()
            parser.feed(response.get_data(as_text=True))
            for action, fields in parser.forms:
                path = urlsplit(action or page).path
                try:
                    endpoint, arguments = adapter.match(path, method="POST")
                except Exception:  # noqa: BLE001 - a form to elsewhere, or no match
                    continue
                known = _discovered.setdefault(endpoint, {})
                for name, values in fields.items():
                    for argument, value in arguments.items():
                        name = re.sub(rf"(?<!\d){value}(?!\d)", f"{{{argument}}}", name) \
                            if isinstance(value, int) else name
                    known.setdefault(name, [])
                    known[name] += [v for v in values if v not in known[name]][:10]
    return _discovered


# --- hostile values --------------------------------------------------------------------

HOSTILE = [
    "", " ", "\x00", "a\x00b", "' OR '1'='1", "1; DROP TABLE user; --", "\"; --",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "{{7*7}}", "${7*7}",
    "../../../../etc/passwd", "%00", "\u202e\u0000\ufeff", "😀" * 50, "Ωmega ßtraße",
    "-1", "0", "2147483648", "9223372036854775808", "-9223372036854775809", "1e309",
    "NaN", "true", "null", "[]", "{}", "x" * 6000, "é" * 70_000,
]
values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=300),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)
path_values = st.one_of(
    st.integers(min_value=-5, max_value=10),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from(HOSTILE[:20]),
    st.text(min_size=1, max_size=40),
)
ARGUMENT = re.compile(r"<(?:([a-zA-Z_]+)(?:\([^)]*\))?:)?([a-zA-Z_]+)>")


def rule_cases(app) -> list[tuple[str, str, str]]:
    return sorted({(rule.endpoint, method, rule.rule) for rule in app.url_map.iter_rules()
                   for method in rule.methods - {"HEAD", "OPTIONS"}})


def _all_rules():
    from consult import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return rule_cases(app)


RULES = _all_rules()


@pytest.mark.parametrize(("endpoint", "method", "rule"), RULES,
                         ids=[f"{method} {rule}" for _, method, rule in RULES])
def test_hostile_input_never_breaks_a_route(app, client, auth, route_world, endpoint, method,
                                            rule):
    fields = discover_fields(app, client, auth, route_world).get(endpoint, {})
    if not fields and method == "POST":
        fields = {name: [] for name in ("text", "name", "email", "title", "kind")}
    parameters = sorted(query_parameters())
    known_ids = sorted({value for value in route_world.values() if isinstance(value, int)})
    arguments = ARGUMENT.findall(rule)
    baseline = set(threading.enumerate())

    # No shrinking: a failure is reported with the example as found, and the run stays
    # bounded (shrinking slow HTTP examples can take minutes).
    @settings(phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def attempt(data):
        role = data.draw(st.sampled_from(ROLES), label="role")
        path_args = {}
        for converter, name in arguments:
            if converter == "int" and data.draw(st.booleans(), label=f"{name} known"):
                path_args[name] = data.draw(st.sampled_from(known_ids), label=name)
            else:
                path_args[name] = data.draw(path_values, label=name)
        path = ARGUMENT.sub(lambda m: quote(str(path_args[m.group(2)]), safe=""), rule)
        form = {}
        for name, examples in fields.items():
            if data.draw(st.integers(0, 4), label=f"{name} present") == 0:
                continue  # a missing field
            choices = st.one_of(st.sampled_from(examples), values) if examples else values
            form[name.format(**path_args)] = data.draw(choices, label=name)
        query = {name: data.draw(values, label=f"?{name}") for name in parameters
                 if data.draw(st.integers(0, 3), label=f"?{name} present") == 0}

        visitor = app.test_client()  # a fresh browser: no cookies of an earlier example
        if role != "anonymous":
            AuthActions(app, visitor, auth.users).login(role)
        settle(baseline)
        with app.app_context():
            before = database_state()
        response = visitor.open(path, method=method, query_string=query,
                               data=form if method == "POST" else None)
        settle(baseline)
        assert response.status_code < 500, (
            f"{method} {path} as {role}: {response.status_code}\n{form}\n{query}")
        if 400 <= response.status_code < 500:
            with app.app_context():
                after = database_state()
            changed = {table for table in before if before[table] != after[table]}
            allowed = WRITTEN_ON_REFUSAL | WRITTEN_ON.get((endpoint, response.status_code), set())
            assert changed <= allowed, (
                f"{method} {path} as {role} answered {response.status_code} but changed "
                f"{changed}\n{form}")

    attempt()
    settle(baseline)
