"""Every route, for every role, on real objects: anonymous users are sent to the login
page; members, regional chairs and the delegate of another body get 403 where only the
body's delegates and admins may act. A route missing from CASES fails
test_every_route_is_listed, so a new route cannot slip in unchecked."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import AuthActions, clean_database, create_users, create_world, extend_world

ROLES = ("anonymous", "member", "chair", "other_delegate", "delegate", "admin")
LOGIN = "login"  # anonymous: redirected to /inloggen


def statuses(anonymous=LOGIN, member=200, chair=None, other_delegate=None, delegate=None,
             admin=None):
    """Expected status per role; each unspecified role is like the one before it."""
    chair = member if chair is None else chair
    other_delegate = chair if other_delegate is None else other_delegate
    delegate = other_delegate if delegate is None else delegate
    admin = delegate if admin is None else admin
    return dict(zip(ROLES, (anonymous, member, chair, other_delegate, delegate, admin),
                    strict=True))


PUBLIC = statuses(200)
LOGGED_IN = statuses()
ADMIN_ONLY = statuses(member=403, admin=200)
MANAGERS = statuses(member=403, delegate=200)  # the body's delegate and admins


# A draft: members get 403 (not visible); its managers get 403 too (nobody is asked yet).
MANAGERS_ONLY_403 = statuses(member=403)


# The API answers the token, never the session: anonymous (no token) 401; a member's or
# chair's token (made while she was a delegate) 403; another body's token 403.
API = statuses(401, member=403, delegate=200)


def managers(ok):
    return statuses(member=403, delegate=ok)


def everyone(code):
    return statuses(code, code)


# (endpoint, method, path, expected per role). Paths are formatted with the ids of the
# `route_world` fixture (tests/conftest.py).
CASES = [
    ("health.healthz", "GET", "/healthz", PUBLIC),
    ("static", "GET", "/static/css/consult.css", PUBLIC),
    ("accounts.login", "GET", "/inloggen", statuses(200, 302)),
    ("accounts.request_link", "POST", "/inloggen", everyone(422)),
    ("accounts.link_sent", "GET", "/inloggen/verstuurd", PUBLIC),
    ("accounts.password_login", "POST", "/inloggen/wachtwoord", everyone(422)),
    ("accounts.login_link", "GET", "/inloggen/link/onbekend", everyone(410)),
    ("accounts.use_login_link", "POST", "/inloggen/link/onbekend", everyone(410)),
    ("accounts.logout", "POST", "/uitloggen", statuses(member=303)),
    ("accounts.logout_everywhere", "POST", "/uitloggen/overal", statuses(member=303)),
    ("accounts.account", "GET", "/account", LOGGED_IN),
    ("accounts.remove_password", "POST", "/account/wachtwoord-verwijderen", statuses(member=303)),
    # Only ever one's own data: the URL names nobody (tests/test_privacy_export.py).
    ("privacy.my_data", "GET", "/account/mijn-gegevens", LOGGED_IN),
    ("privacy.my_data_json", "GET", "/account/mijn-gegevens.json", LOGGED_IN),
    # An active member is never anonymised, not even by an admin (a former one: 303,
    # tests/test_privacy_anonymise.py).
    ("privacy.anonymise", "POST", "/beheer/leden/{member}/anonimiseren", statuses(member=403)),
    ("privacy.statement", "GET", "/privacy", PUBLIC),
    ("privacy.accessibility", "GET", "/toegankelijkheid", PUBLIC),
    # Organisation login: an unknown provider is a 404; coming back without a login under
    # way a 400 with a Dutch message (tests/test_accounts_oidc.py runs the real flow).
    ("organisation_login.start", "GET", "/inloggen/organisatie/onbekend", everyone(404)),
    ("organisation_login.callback", "GET", "/inloggen/organisatie/terug", everyone(400)),
    ("login_providers.index", "GET", "/beheer/organisatie-accounts", ADMIN_ONLY),
    ("login_providers.new", "GET", "/beheer/organisatie-accounts/nieuw", ADMIN_ONLY),
    ("login_providers.edit", "GET", "/beheer/organisatie-accounts/{login_provider}", ADMIN_ONLY),
    ("login_providers.delete", "POST", "/beheer/organisatie-accounts/{login_provider}/verwijderen",
     statuses(member=403, admin=303)),
    # A kept form (session or form expired): unknown tokens show "niets meer bewaard".
    ("kept.show", "GET", "/bewaard/onbekend", everyone(404)),
    ("accounts.add_address", "POST", "/account/adressen", statuses(member=422)),
    ("accounts.remove_address", "POST", "/account/adressen/999999/verwijderen",
     statuses(member=404)),
    ("accounts.confirm_address", "GET", "/adres-bevestigen/onbekend", everyone(410)),
    ("accounts.confirm_address", "POST", "/adres-bevestigen/onbekend", everyone(410)),
    ("links.open", "GET", "/toegang/1/onbekend", everyone(410)),
    ("links.revoke", "POST", "/account/links-intrekken", statuses(member=303)),
    # Demo mode only (tests/test_links_demo_mail.py): a 404 otherwise, for everyone.
    ("demo_mail.index", "GET", "/demo/mail", everyone(404)),
    ("demo_mail.message", "GET", "/demo/mail/1", everyone(404)),
    ("members.index", "GET", "/beheer/leden", ADMIN_ONLY),
    ("members.invite", "GET", "/beheer/leden/nieuw", ADMIN_ONLY),
    ("members.edit", "GET", "/beheer/leden/{member}", ADMIN_ONLY),
    ("members.deactivate", "POST", "/beheer/leden/{member}/deactiveren",
     statuses(member=403, admin=303)),
    ("members.reactivate", "POST", "/beheer/leden/{member}/heractiveren",
     statuses(member=403, admin=303)),
    ("members.import_upload", "GET", "/beheer/leden/import", ADMIN_ONLY),
    ("members.import_confirm", "POST", "/beheer/leden/import/bevestigen",
     statuses(member=403, admin=303)),
    ("bodies.index", "GET", "/beheer/overleggen", ADMIN_ONLY),
    ("bodies.new", "GET", "/beheer/overleggen/nieuw", ADMIN_ONLY),
    ("bodies.edit", "GET", "/beheer/overleggen/{body}", ADMIN_ONLY),
    ("meetings.dashboard", "GET", "/", LOGGED_IN),
    ("meetings.archive", "GET", "/archief", LOGGED_IN),
    ("meetings.meeting", "GET", "/vergaderingen/{meeting}", LOGGED_IN),
    ("meetings.meeting", "GET", "/vergaderingen/{draft}", MANAGERS),
    ("meetings.meeting", "GET", "/vergaderingen/999999", statuses(member=404)),
    ("meetings.item", "GET", "/agendapunten/{item}", LOGGED_IN),
    ("meetings.item", "GET", "/agendapunten/{draft_item}", MANAGERS),
    ("meetings.new_meeting", "GET", "/vergaderingen/nieuw", statuses(member=403,
                                                                      other_delegate=200)),
    ("meetings.edit_meeting", "GET", "/vergaderingen/{meeting}/bewerken", MANAGERS),
    ("meetings.publish", "POST", "/vergaderingen/{draft}/publiceren", managers(303)),
    ("meetings.cancel", "GET", "/vergaderingen/{meeting}/annuleren", MANAGERS),
    ("meetings.new_item", "GET", "/vergaderingen/{meeting}/agendapunten/nieuw", MANAGERS),
    ("meetings.edit_item", "GET", "/agendapunten/{item}/bewerken", MANAGERS),
    ("meetings.move_up", "POST", "/agendapunten/{item}/omhoog", managers(303)),
    ("meetings.move_down", "POST", "/agendapunten/{item}/omlaag", managers(303)),
    ("meetings.withdraw_item", "GET", "/agendapunten/{item}/terugtrekken", MANAGERS),
    ("meetings.restore_item", "POST", "/agendapunten/{item}/terugzetten", managers(303)),
    ("meetings.delete_item", "POST", "/agendapunten/{draft_item}/verwijderen", managers(303)),
    ("meetings.import_agenda", "GET", "/vergaderingen/{draft}/agenda/importeren", MANAGERS),
    # The draft has items: saving without the replace-or-add choice is a 422.
    ("meetings.save_import", "POST", "/vergaderingen/{draft}/agenda/importeren/opslaan",
     managers(422)),
    ("meetings.import_agenda", "GET", "/vergaderingen/{meeting}/agenda/importeren", MANAGERS),
    ("attachments.download", "GET", "/bijlagen/{attachment}", LOGGED_IN),
    ("attachments.download", "GET", "/bijlagen/{confidential}", MANAGERS),
    ("attachments.download", "GET", "/bijlagen/{placeholder}", statuses(member=404)),
    ("attachments.upload", "POST", "/agendapunten/{item}/bijlagen", managers(422)),
    ("attachments.attach", "POST", "/bijlagen/{placeholder}/bestand", managers(422)),
    ("attachments.delete", "POST", "/bijlagen/{attachment}/verwijderen", managers(303)),
    ("comments.give", "POST", "/agendapunten/{item}/inbreng", statuses(member=422)),
    ("comments.late", "POST", "/agendapunten/{item}/late-inbreng", statuses(member=422)),
    ("comments.edit", "GET", "/inbreng/{comment}/bewerken", statuses(member=200, chair=403)),
    ("comments.withdraw", "POST", "/inbreng/{comment}/intrekken", statuses(member=303, chair=403)),
    ("comments.no_input_item", "POST", "/agendapunten/{item}/geen-inbreng", statuses(member=303)),
    ("comments.undo_no_input_item", "POST", "/agendapunten/{item}/geen-inbreng/ongedaan",
     statuses(member=303)),
    ("comments.no_input_meeting", "POST", "/vergaderingen/{meeting}/geen-inbreng",
     statuses(member=303)),
    ("comments.undo_no_input_meeting", "POST", "/vergaderingen/{meeting}/geen-inbreng/ongedaan",
     statuses(member=303)),
    ("comments.no_input_meeting", "POST", "/vergaderingen/{draft}/geen-inbreng", MANAGERS_ONLY_403),
    ("comments.on_behalf", "GET", "/agendapunten/{item}/namens", MANAGERS),
    ("comments.participation", "GET", "/vergaderingen/{meeting}/deelname",
     statuses(member=403, chair=200, other_delegate=403, delegate=200)),
    ("comments.nudge", "POST", "/vergaderingen/{meeting}/herinneren/{member}",
     statuses(member=403, chair=303, other_delegate=403, delegate=303)),
    ("comments.notifications", "POST", "/account/meldingen", statuses(member=303)),
    ("statements.workspace", "GET", "/vergaderingen/{meeting}/werkruimte", MANAGERS),
    ("statements.item_workspace", "GET", "/agendapunten/{item}/werkruimte", MANAGERS),
    ("statements.mark", "POST", "/inbreng/{comment}/markeren", managers(303)),
    ("statements.use_group", "POST", "/agendapunten/{item}/overzicht/onbekend/gebruiken",
     managers(303)),  # a group that does not exist: back to the workspace with a message
    ("statements.save", "POST", "/agendapunten/{item}/gezamenlijke-inbreng", managers(409)),
    ("statements.set_status", "POST", "/agendapunten/{item}/gezamenlijke-inbreng/status",
     managers(303)),
    ("statements.revisions", "GET", "/agendapunten/{item}/versies", MANAGERS),
    ("statements.restore", "POST", "/versies/{revision}/herstellen", managers(303)),
    ("statements.outcomes", "GET", "/vergaderingen/{meeting}/uitkomsten", MANAGERS),
    ("reviews.send_item", "POST", "/agendapunten/{item}/ter-inzage", managers(303)),
    ("reviews.send_meeting", "POST", "/vergaderingen/{meeting}/ter-inzage", managers(303)),
    # The link in the mail needs no login: the token is the key (unknown: 404 for all).
    ("reviews.answer", "GET", "/concept/onbekend", everyone(404)),
    ("reviews.answer", "POST", "/concept/onbekend", everyone(404)),
    ("statements.publish_outcomes", "POST", "/vergaderingen/{meeting}/uitkomsten/publiceren",
     managers(303)),
    ("calendar.meeting_ics", "GET", "/vergaderingen/{meeting}/agenda.ics", LOGGED_IN),
    ("calendar.meeting_ics", "GET", "/vergaderingen/{draft}/agenda.ics", MANAGERS),
    ("calendar.feed", "GET", "/agenda/onbekend.ics", everyone(404)),
    ("calendar.renew", "POST", "/account/agenda-link/vernieuwen", statuses(member=303)),
    ("calendar.create", "POST", "/account/agenda-link/maken", statuses(member=303)),
    ("reminders.index", "GET", "/herinneringen", statuses(member=403, other_delegate=200)),
    ("reminders.rules", "GET", "/overleggen/{body}/herinneringen", MANAGERS),
    ("reminders.new_rule", "GET", "/overleggen/{body}/herinneringen/nieuw", MANAGERS),
    ("reminders.edit_rule", "GET", "/herinneringsregels/{rule}", MANAGERS),
    ("reminders.toggle_rule", "POST", "/herinneringsregels/{rule}/aan-uit", managers(303)),
    ("reminders.delete_rule", "POST", "/herinneringsregels/{rule}/verwijderen", managers(303)),
    ("reminders.overview", "GET", "/vergaderingen/{meeting}/herinneringen", MANAGERS),
    ("reminders.resend", "POST", "/vergaderingen/{meeting}/berichten/999999/opnieuw",
     managers(404)),
    ("mail.failed", "GET", "/beheer/berichten", ADMIN_ONLY),
    ("status.index", "GET", "/beheer/status", ADMIN_ONLY),
    ("mail.resend", "POST", "/beheer/berichten/999999/opnieuw", statuses(member=403, admin=404)),
    ("optout.unsubscribe", "GET", "/afmelden/bericht/onbekend", everyone(404)),
    ("optout.unsubscribe", "POST", "/afmelden/bericht/onbekend", everyone(404)),
    ("reminders.preferences", "POST", "/account/herinneringen", statuses(member=303)),
    ("reminders.unsubscribe", "GET", "/afmelden/onbekend", everyone(404)),
    ("reminders.unsubscribe", "POST", "/afmelden/onbekend", everyone(404)),
    ("inbox.index", "GET", "/inbox", statuses(member=403, other_delegate=200)),
    ("inbox.message", "GET", "/inbox/999999", statuses(member=404)),
    ("inbox.assign", "POST", "/inbox/999999/toewijzen", statuses(member=404)),
    ("inbox.ignore", "POST", "/inbox/999999/negeren", statuses(member=404)),
    ("exports.export_form", "GET", "/vergaderingen/{meeting}/exporteren", MANAGERS),
    ("exports.start_export", "POST", "/vergaderingen/{meeting}/exporteren", managers(422)),
    ("exports.job", "GET", "/exports/{export_job}", MANAGERS),
    ("exports.job", "GET", "/exports/999999", statuses(member=404)),
    ("exports.download", "GET", "/exports/{export_job}/bestand", managers(404)),
    ("exports.send_to_secretariat", "POST", "/vergaderingen/{meeting}/naar-secretariaat",
     managers(422)),  # the world's body has no secretariat address
    ("api_tokens.index", "GET", "/account/api-tokens", statuses(member=403, other_delegate=200)),
    ("api_tokens.index", "POST", "/account/api-tokens", statuses(member=403, other_delegate=422)),
    ("api_tokens.revoke", "POST", "/account/api-tokens/999999/intrekken", statuses(member=404)),
    ("api_feed.body_feed", "GET", "/overleggen/{body}/feed.atom", PUBLIC),
    ("api_feed.body_feed", "GET", "/overleggen/999999/feed.atom", everyone(404)),
    ("api.openapi", "GET", "/api/v1/openapi.json", everyone(200)),
    ("api.bodies", "GET", "/api/v1/overleggen", statuses(401, member=403, other_delegate=200)),
    ("api.body", "GET", "/api/v1/overleggen/{body}", API),
    ("api.body", "GET", "/api/v1/overleggen/999999", statuses(401, member=403, other_delegate=404)),
    ("api.body_meetings", "GET", "/api/v1/overleggen/{body}/vergaderingen", API),
    ("api.body_statements", "GET", "/api/v1/overleggen/{body}/standpunten", API),
    ("api.body_outcomes", "GET", "/api/v1/overleggen/{body}/uitkomsten", API),
    ("api.meeting", "GET", "/api/v1/vergaderingen/{meeting}", API),
    ("api.meeting", "GET", "/api/v1/vergaderingen/{draft}", API),
    ("api.meeting", "GET", "/api/v1/vergaderingen/{foreign}",  # a draft of the other body
     statuses(401, member=403, other_delegate=200, delegate=403)),
    ("api.meeting_items", "GET", "/api/v1/vergaderingen/{meeting}/agendapunten", API),
    ("api.item", "GET", "/api/v1/agendapunten/{item}", API),
    ("api.item", "GET", "/api/v1/agendapunten/{draft_item}", API),
    ("api.item_attachments", "GET", "/api/v1/agendapunten/{item}/bijlagen", API),
    ("api.attachment", "GET", "/api/v1/bijlagen/{attachment}", API),
    ("api.attachment", "GET", "/api/v1/bijlagen/{confidential}", API),
    ("api.attachment_file", "GET", "/api/v1/bijlagen/{attachment}/bestand", API),
    ("api.attachment_file", "GET", "/api/v1/bijlagen/{placeholder}/bestand",
     statuses(401, member=403, delegate=404)),
    ("api.statement", "GET", "/api/v1/standpunten/999999", statuses(401, member=403, other_delegate=404)),
    ("api.outcome", "GET", "/api/v1/uitkomsten/999999", statuses(401, member=403, other_delegate=404)),
    ("api.unknown", "GET", "/api/v1", statuses(401, member=403, other_delegate=404)),
    ("api.unknown", "GET", "/api/v1/onbekend", statuses(401, member=403, other_delegate=404)),
    ("api.unknown", "POST", "/api/v1/overleggen", statuses(401, member=403, other_delegate=405)),
]


def api_headers(app, role: str, users: dict, world: dict) -> dict:
    """A token for the role's user on the world's body (the other delegate's: on her own
    body), made directly: a member's stands for one made while she was a delegate."""
    if role == "anonymous":
        return {}
    from datetime import timedelta

    from consult.accounts.models import hash_token
    from consult.api.models import ApiToken
    from consult.database import utcnow
    from consult.extensions import db

    raw = f"cst_route-matrix-{role}-{len(users)}-{world['meeting']}"
    with app.app_context():
        if db.session.scalar(db.select(ApiToken).where(ApiToken.token_hash == hash_token(raw))) is None:
            db.session.add(ApiToken(
                user_id=users[role], body_id=world["other" if role == "other_delegate" else "body"],
                name=role, token_hash=hash_token(raw), prefix=raw[:10],
                expires_at=utcnow() + timedelta(days=1)))
            db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def test_every_route_is_listed(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == {case[0] for case in CASES}, "add new routes to CASES"


@pytest.mark.parametrize(("endpoint", "method", "path", "expected"), CASES,
                         ids=[f"{case[0]}:{case[2]}" for case in CASES])
def test_route_access(app, endpoint, method, path, expected):
    """Each role in turn. A GET changes nothing, so the roles share one world; a POST
    may (a delegate deletes what the admin would try next), so each role gets a fresh one."""
    wrong = {}
    world = None
    for role in ROLES:
        if world is None or method != "GET":
            with app.app_context():
                clean_database()
            users = create_users(app)
            world = extend_world(app, users, create_world(app, users))
        client = app.test_client()
        if role != "anonymous":
            AuthActions(app, client, users).login(role)
        headers = api_headers(app, role, users, world) if path.startswith("/api/v1") else {}
        response = client.open(path.format(**world), method=method, headers=headers)
        if expected[role] == LOGIN:
            ok = response.status_code == 302 and response.headers["Location"].startswith(
                "/inloggen?next=")
        else:
            ok = response.status_code == expected[role]
        if not ok:
            wrong[role] = (response.status_code, expected[role])
    assert wrong == {}, f"{method} {path}: {{role: (got, expected)}}"


GET_CASES = [case for case in CASES if case[1] == "GET"]


@pytest.mark.parametrize(("endpoint", "method", "path", "expected"), GET_CASES,
                         ids=[f"{case[0]}:{case[2]}" for case in GET_CASES])
def test_every_page_answers_an_htmx_request(app, endpoint, method, path, expected):
    """htmx sends `HX-Request: true` also when it follows a redirect, so any page can be
    asked for as a fragment: never a 500 (a block used a macro imported at the top of its
    template), the same status as without htmx, and "log in first" is an HX-Redirect to
    the login page with this page as `next` (a 302 would be followed into the fragment)."""
    with app.app_context():
        clean_database()
    users = create_users(app)
    world = extend_world(app, users, create_world(app, users))
    wrong = {}
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            AuthActions(app, client, users).login(role)
        url = path.format(**world)
        headers = api_headers(app, role, users, world) if path.startswith("/api/v1") else {}
        response = client.get(url, headers={"HX-Request": "true", **headers})
        if expected[role] == LOGIN:
            target = urlsplit(response.headers.get("HX-Redirect", ""))
            ok = (response.status_code == 401 and target.path == "/inloggen"
                  and parse_qs(target.query)["next"] == [url])
        else:
            ok = response.status_code == expected[role]
        if not ok:
            wrong[role] = (response.status_code, expected[role])
    assert wrong == {}, f"GET {path} with HX-Request: {{role: (got, expected)}}"


@pytest.mark.parametrize("member_id", [999999, "abc"])
def test_unknown_member_is_404_for_admins(client, auth, member_id):
    auth.login("admin")
    assert client.get(f"/beheer/leden/{member_id}").status_code == 404
