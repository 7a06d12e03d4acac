"""Admins set up organisation logins in /beheer/organisatie-accounts; the client secret
is stored but never shown back."""

from sqlalchemy import select

from consult.accounts.models import Organisation
from consult.accounts.oidc_models import OidcProvider
from consult.extensions import db

FORM = {"name": "Gemeente Zeist", "discovery_url": "https://login.microsoftonline.com/organizations/v2.0",
        "client_id": "c0ffee", "client_secret": "zeer geheim",
        "allowed_issuers": "72f988bf-86f1-41af-91ab-2d7cd011db47\nhttps://sso.zeist.example.org/realms/zeist",
        "municipalities": "Zeist", "self_registration_organisation": "", "active": "y"}


def stored(app) -> OidcProvider:
    with app.app_context():
        return db.session.scalars(select(OidcProvider)).one()


def test_an_admin_adds_a_provider_and_the_secret_is_never_shown(app, client, auth):
    auth.login("admin")
    assert client.post("/beheer/organisatie-accounts/nieuw", data=FORM).status_code == 303
    provider = stored(app)
    assert (provider.client_secret, provider.municipalities) == ("zeer geheim", "Zeist")
    assert provider.allow_self_registration is False
    page = client.get(f"/beheer/organisatie-accounts/{provider.id}").get_data(as_text=True)
    assert "zeer geheim" not in page and "Er is een clientgeheim opgeslagen" in page
    assert "http://localhost/inloggen/organisatie/terug" in page  # the redirect URI
    # Saving without a new secret keeps the stored one.
    changed = {**FORM, "client_secret": "", "name": "Gemeente Zeist (Entra)"}
    assert client.post(f"/beheer/organisatie-accounts/{provider.id}",
                       data=changed).status_code == 303
    assert (stored(app).name, stored(app).client_secret) == ("Gemeente Zeist (Entra)",
                                                             "zeer geheim")
    client.post("/uitloggen")
    assert "Gemeente Zeist (Entra)" in client.get("/inloggen").get_data(as_text=True)


def test_bad_settings_are_explained_and_kept(app, client, auth):
    auth.login("admin")
    bad = {**FORM, "discovery_url": "http://sso.example.org", "client_secret": "",
           "allowed_issuers": "geen adres", "allow_self_registration": "y"}
    answer = client.post("/beheer/organisatie-accounts/nieuw", data=bad)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "Gebruik een https-adres." in html
    assert "‘geen adres’ is geen https-adres en geen tenant-ID." in html
    assert "Kies de organisatie" in html and "Vul het clientgeheim in." in html
    assert 'value="http://sso.example.org"' in html
    with app.app_context():
        assert db.session.scalars(select(OidcProvider)).all() == []


def test_a_new_provider_needs_a_secret_and_self_registration_an_organisation(app, client,
                                                                             auth):
    auth.login("admin")
    answer = client.post("/beheer/organisatie-accounts/nieuw", data={**FORM, "client_secret": ""})
    assert answer.status_code == 422 and "Vul het clientgeheim in." in answer.get_data(as_text=True)
    allowed = {**FORM, "allow_self_registration": "y", "self_registration_organisation": "IMG"}
    assert client.post("/beheer/organisatie-accounts/nieuw", data=allowed).status_code == 303
    assert stored(app).self_registration_organisation == Organisation.IMG


def test_a_removed_or_switched_off_provider_leaves_the_login_page(app, client, auth):
    auth.login("admin")
    client.post("/beheer/organisatie-accounts/nieuw", data=FORM)
    provider = stored(app)
    client.post(f"/beheer/organisatie-accounts/{provider.id}", data={**FORM, "active": ""})
    client.post("/uitloggen")
    assert "organisatie-account" not in client.get("/inloggen").get_data(as_text=True)
    assert client.get(f"/inloggen/organisatie/{provider.id}").status_code == 404
    auth.login("admin")
    assert client.post(f"/beheer/organisatie-accounts/{provider.id}/verwijderen").status_code == 303
    with app.app_context():
        assert db.session.scalars(select(OidcProvider)).all() == []
