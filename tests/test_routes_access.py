"""Every route, for every role: anonymous users are sent to the login page, and
members, chairs and delegates get 403 on admin pages. A route missing from ACCESS
fails test_every_route_is_listed, so a new route cannot slip in unchecked."""

import pytest

from tests.conftest import ROLES

LOGIN = "login"  # anonymous: redirected to /inloggen
PUBLIC = {role: 200 for role in ROLES}
LOGGED_IN = {"anonymous": LOGIN, "member": 200, "chair": 200, "delegate": 200, "admin": 200}
ADMIN_ONLY = {"anonymous": LOGIN, "member": 403, "chair": 403, "delegate": 403, "admin": 200}


def admin_only(ok=200):
    return {**ADMIN_ONLY, "admin": ok}


def logged_in(ok=200):
    return {**LOGGED_IN, **{role: ok for role in ("member", "chair", "delegate", "admin")}}


# endpoint: (method, path, expected status per role). {member} is the member's id.
ACCESS = {
    "meetings.dashboard": ("GET", "/", LOGGED_IN),
    "health.healthz": ("GET", "/healthz", PUBLIC),
    "accounts.login": ("GET", "/inloggen", {**PUBLIC, "member": 302, "chair": 302,
                                             "delegate": 302, "admin": 302}),
    "accounts.request_link": ("POST", "/inloggen", {role: 422 for role in ROLES}),
    "accounts.link_sent": ("GET", "/inloggen/verstuurd", PUBLIC),
    "accounts.password_login": ("POST", "/inloggen/wachtwoord", {role: 422 for role in ROLES}),
    "accounts.login_link": ("GET", "/inloggen/link/onbekend", {role: 410 for role in ROLES}),
    "accounts.use_login_link": ("POST", "/inloggen/link/onbekend", {role: 410 for role in ROLES}),
    "accounts.logout": ("POST", "/uitloggen", logged_in(303)),
    "accounts.logout_everywhere": ("POST", "/uitloggen/overal", logged_in(303)),
    "accounts.account": ("GET", "/account", LOGGED_IN),
    "accounts.remove_password": ("POST", "/account/wachtwoord-verwijderen", logged_in(303)),
    "members.index": ("GET", "/beheer/leden", ADMIN_ONLY),
    "members.invite": ("GET", "/beheer/leden/nieuw", ADMIN_ONLY),
    "members.edit": ("GET", "/beheer/leden/{member}", ADMIN_ONLY),
    "members.deactivate": ("POST", "/beheer/leden/{member}/deactiveren", admin_only(303)),
    "members.reactivate": ("POST", "/beheer/leden/{member}/heractiveren", admin_only(303)),
    "members.import_upload": ("GET", "/beheer/leden/import", ADMIN_ONLY),
    "members.import_confirm": ("POST", "/beheer/leden/import/bevestigen", admin_only(303)),
    "static": ("GET", "/static/css/consult.css", PUBLIC),
}


def test_every_route_is_listed(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(ACCESS), "add new routes to ACCESS with their expected status"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(ACCESS))
def test_route_access(client, auth, users, role, endpoint):
    method, path, expected = ACCESS[endpoint]
    if role != "anonymous":
        auth.login(role)
    response = client.open(path.format(member=users["member"]), method=method)
    if expected[role] == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/inloggen?next=")
    else:
        assert response.status_code == expected[role]


@pytest.mark.parametrize("member_id", [999999, "abc"])
def test_unknown_member_is_404_for_admins(client, auth, member_id):
    auth.login("admin")
    assert client.get(f"/beheer/leden/{member_id}").status_code == 404
