import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from consult.accounts import members
from consult.accounts.members import import_members
from consult.accounts.models import LoginSession, Organisation, Region, Role, User
from consult.demo import demo_members_csv
from consult.extensions import db
from consult.mail.models import OutboxMessage
from tests.conftest import SHARED
from tests.factories import make_user


def fixture_csv() -> str:
    path = SHARED / "fixtures" / "members.csv"
    return path.read_text(encoding="utf-8") if path.exists() else demo_members_csv()


def test_import_creates_members_and_twice_changes_nothing(app):
    text = fixture_csv()
    rows = len(text.strip().splitlines()) - 1
    with app.app_context():
        first = import_members(text, apply=True)
        db.session.commit()
        assert first.count("aangemaakt") == rows
        assert db.session.scalar(select(func.count(User.id))) == rows
        second = import_members(text, apply=True)
        db.session.commit()
        assert second.count("ongewijzigd") == rows
        assert not db.session.dirty
        chair = db.session.scalar(select(User).where(User.email == "pieter.bakker@tynaarlo.example.org"))
        assert chair.role == Role.MEMBER and chair.chairs_region.name == "Noord"
        delegate = db.session.scalar(select(User).where(User.email == "mirjam.kok@zeist.example.org"))
        assert delegate.role == Role.DELEGATE and delegate.region is None
        cio = db.session.scalar(select(User).where(User.organisation == Organisation.CIO))
        assert cio is not None


def test_import_reports_updates_and_rejections_per_row(app):
    with app.app_context():
        import_members("name,email,organisation,region,municipality,role\n"
                       "Ilse van Dijk,ilse@lopik.example.org,VIAG,Midden,Lopik,member\n", apply=True)
        db.session.commit()
        report = import_members(
            "name,email,organisation,region,municipality,role\n"
            "Ilse van Dijk,ILSE@lopik.example.org,VIAG,Midden,Lopik,chair\n"
            ",leeg@example.org,VIAG,,Ede,member\n"
            "Bert,geen-adres,VIAG,,Ede,member\n"
            "Carla,carla@example.org,VNG,,Ede,member\n"
            "Dirk,dirk@example.org,IMG,,Ede,baas\n"
            "Eva,eva@example.org,IMG,,Ede,chair\n"
            "Ilse dubbel,ilse@lopik.example.org,VIAG,Midden,Lopik,member\n",
            apply=True,
        )
        db.session.commit()
        outcomes = [(row.line, row.outcome) for row in report.rows]
        assert outcomes == [(2, "bijgewerkt"), (3, "geweigerd"), (4, "geweigerd"),
                            (5, "geweigerd"), (6, "geweigerd"), (7, "geweigerd"),
                            (8, "geweigerd")]
        details = {row.line: " ".join(row.details) for row in report.rows}
        assert "regiovoorzitter" in details[2]
        assert "naam ontbreekt" in details[3]
        assert "ongeldig e-mailadres" in details[4]
        assert "onbekende organisatie 'VNG'" in details[5]
        assert "onbekende rol 'baas'" in details[6]
        assert "regio nodig" in details[7]
        assert "al eerder in het bestand" in details[8]
        assert db.session.scalar(select(func.count(User.id))) == 1


def test_import_accepts_semicolons_and_a_bom(app):
    with app.app_context():
        report = import_members("\ufeffname;email;organisation;region;municipality;role\n"
                                "Jan;jan@ede.example.org;img;Oost;Ede;member\n", apply=True)
        assert report.count("aangemaakt") == 1
        db.session.commit()
        assert db.session.scalar(select(User.organisation)) == Organisation.IMG


def test_import_preview_writes_nothing(app):
    with app.app_context():
        report = import_members(fixture_csv(), apply=False)
        db.session.commit()
        assert report.count("aangemaakt") > 0
        assert db.session.scalar(select(func.count(User.id))) == 0
        assert db.session.scalar(select(func.count(Region.id))) == 0


def test_web_import_upload_preview_confirm(app, client, auth):
    auth.login("admin")
    data = {"file": (io.BytesIO(fixture_csv().encode()), "leden.csv")}
    preview = client.post("/beheer/leden/import", data=data, content_type="multipart/form-data")
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "Voorbeeld: dit gaat er veranderen" in html
    assert "Import bevestigen" in html
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 4  # only the role fixtures
    text = fixture_csv()
    done = client.post("/beheer/leden/import/bevestigen", data={"csv_text": text})
    assert "Resultaat van de import" in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 4 + len(text.strip().splitlines()) - 1


def test_web_import_with_wrong_columns_explains(client, auth):
    auth.login("admin")
    data = {"file": (io.BytesIO(b"naam,mail\nJan,jan@example.org\n"), "leden.csv")}
    response = client.post("/beheer/leden/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "mist de kolom(men)" in response.get_data(as_text=True)


def test_cli_import_reports_each_row(app, tmp_path):
    path = Path(tmp_path) / "leden.csv"
    path.write_text(fixture_csv() + "Zonder Adres,,VIAG,,Ede,member\n", encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["members", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "regel 2: mirjam.kok@zeist.example.org: aangemaakt" in result.output
    assert "geweigerd (ongeldig e-mailadres" in result.output
    again = runner.invoke(args=["members", "import", str(path)])
    assert "0 aangemaakt, 0 bijgewerkt" in again.output


def test_member_list_search_and_filters(app, client, auth):
    with app.app_context():
        import_members(fixture_csv(), apply=True)
        db.session.commit()
        noord = db.session.scalar(select(Region.id).where(Region.name == "Noord"))
    auth.login("admin")
    html = client.get("/beheer/leden?q=tynaarlo").get_data(as_text=True)
    assert "Pieter Bakker" in html and "Anouk Smit" not in html
    html = client.get("/beheer/leden?organisation=CIO-Beraad").get_data(as_text=True)
    assert "Yasmin Bouzid" in html and "Pieter Bakker" not in html
    html = client.get(f"/beheer/leden?region={noord}&role=chair").get_data(as_text=True)
    assert "Pieter Bakker" in html and "Anouk Smit" not in html and "Sanne de Boer" not in html
    fragment = client.get("/beheer/leden?q=kok", headers={"HX-Request": "true"})
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="results"')
    assert "HX-Request" in fragment.headers["Vary"]


def test_invite_member_queues_an_invitation(app, client, auth):
    auth.login("admin")
    response = client.post("/beheer/leden/nieuw", data={
        "name": "Nieuw Lid", "email": "Nieuw@Ede.example.org", "organisation": "IMG",
        "municipality": "Ede", "region_id": 0, "role": "member", "chairs_region_id": 0})
    assert response.status_code == 303
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "nieuw@ede.example.org"))
        assert user.organisation == Organisation.IMG
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "invite"))
        assert message.recipient == "nieuw@ede.example.org"
        assert "Ada Beheer heeft u uitgenodigd" in message.body_text
    duplicate = client.post("/beheer/leden/nieuw", data={
        "name": "Nog eens", "email": "NIEUW@ede.example.org", "organisation": "IMG",
        "municipality": "Ede", "region_id": 0, "role": "member", "chairs_region_id": 0})
    assert duplicate.status_code == 422
    html = duplicate.get_data(as_text=True)
    assert "Er is al een lid met dit e-mailadres." in html and 'value="Nog eens"' in html


def test_edit_role_region_and_chair(app, client, auth, users):
    auth.login("admin")
    with app.app_context():
        oost = Region(name="Oost")
        db.session.add(oost)
        db.session.commit()
        oost_id = oost.id
    response = client.post(f"/beheer/leden/{users['member']}", data={
        "name": "Anouk Smit", "email": "anouk@example.org", "organisation": "VIAG",
        "municipality": "Westerkwartier", "region_id": oost_id, "role": "delegate",
        "chairs_region_id": oost_id})
    assert response.status_code == 303
    with app.app_context():
        user = db.session.get(User, users["member"])
        assert (user.role, user.region.name, user.chairs_region.name) == (Role.DELEGATE, "Oost", "Oost")


def test_admin_cannot_remove_own_admin_role_or_deactivate_self(client, auth, users):
    auth.login("admin")
    response = client.post(f"/beheer/leden/{users['admin']}", data={
        "name": "Ada Beheer", "email": "ada@example.org", "organisation": "VIAG",
        "municipality": "Zeist", "region_id": 0, "role": "member", "chairs_region_id": 0})
    assert response.status_code == 422
    assert "eigen beheerdersrol" in response.get_data(as_text=True)
    assert client.post(f"/beheer/leden/{users['admin']}/deactiveren").status_code == 403


def test_deactivate_keeps_history_and_ends_sessions(app, client, auth, users):
    member = app.test_client()
    type(auth)(app, member, users).login("member")
    auth.login("admin")
    done = client.post(f"/beheer/leden/{users['member']}/deactiveren", follow_redirects=True)
    assert "Anouk Smit is gedeactiveerd" in done.get_data(as_text=True)
    assert member.get("/").status_code == 302
    with app.app_context():
        user = db.session.get(User, users["member"])
        assert user is not None and not user.active and user.deactivated_at is not None
        assert db.session.scalar(select(func.count(LoginSession.id)).where(
            LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))) == 0
    html = client.get("/beheer/leden").get_data(as_text=True)
    assert "Anouk Smit" not in html
    assert "Anouk Smit" in client.get("/beheer/leden?status=inactive").get_data(as_text=True)
    client.post(f"/beheer/leden/{users['member']}/heractiveren")
    with app.app_context():
        assert db.session.get(User, users["member"]).active


def member_fields(user: User, **changes) -> dict:
    values = {"name": user.name, "email": user.email, "organisation": user.organisation,
              "municipality": user.municipality, "role": user.role,
              "region_id": user.region_id, "chairs_region_id": user.chairs_region_id}
    return values | changes


def test_update_member_refuses_a_taken_address_and_an_admin_demoting_themself(app):
    with app.app_context():
        admin = make_user("admin", email="ada@example.org")
        member = make_user(email="anouk@example.org")
        with pytest.raises(members.MemberRuleError) as taken:
            members.update_member(member, by=admin, **member_fields(
                member, name="Anders", email="ada@example.org"))
        assert taken.value.field == "email" and member.name != "Anders"  # nothing written
        with pytest.raises(members.MemberRuleError) as own:
            members.update_member(admin, by=admin, **member_fields(admin, role=Role.MEMBER))
        assert own.value.field == "role" and admin.role == Role.ADMIN
        members.update_member(member, by=admin, **member_fields(member, role=Role.DELEGATE))
        assert member.role == Role.DELEGATE
        other_admin = make_user("admin")
        members.update_member(other_admin, by=admin, **member_fields(other_admin,
                                                                     role=Role.MEMBER))
        assert other_admin.role == Role.MEMBER  # another admin may be demoted


def test_invite_member_refuses_a_taken_address_before_writing(app):
    with app.app_context():
        admin = make_user("admin", email="ada@example.org")
        with pytest.raises(members.MemberRuleError):
            members.invite_member(invited_by=admin, name="Ada Twee", email="ada@example.org",
                                  organisation=Organisation.VIAG)
        assert db.session.scalar(select(func.count(User.id))) == 1
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_member_filters_ignore_what_the_list_does_not_offer():
    filters = members.MemberFilters.from_args({
        "q": "  kok ", "organisation": "Gemeente X", "role": "chair", "region": "abc",
        "status": "inactive"})
    assert filters == members.MemberFilters(q="kok", role="chair", status="inactive")
    assert members.MemberFilters.from_args({"region": "7", "role": "admin"}).region == 7


def test_member_csv_from_excel_on_windows_is_read():
    assert members.decode_csv("name;Zoë\n".encode("cp1252")) == "name;Zoë\n"
    assert members.decode_csv("\ufeffname,Zoë".encode()) == "name,Zoë"


@pytest.mark.parametrize("path", ["/vergaderingen/{meeting}/werkruimte",
                                  "/vergaderingen/{meeting}/herinneringen",
                                  "/vergaderingen/{meeting}/exporteren",
                                  "/vergaderingen/{draft}"])
def test_a_demoted_delegate_keeps_no_rights(app, client, auth, users, world, path):
    """The admin changes a delegate's role to member in the admin UI: the body still lists
    her, but the workspace, reminders, exports and drafts are closed to her at once."""
    url = path.format(**world)
    auth.login("delegate")
    assert client.get(url).status_code == 200
    admin = app.test_client()
    type(auth)(app, admin, users).login("admin")
    form = {"name": "Mirjam Kok", "email": "mirjam@example.org", "organisation": "VIAG",
            "municipality": "Zeist", "region_id": 0, "role": "member", "chairs_region_id": 0}
    assert admin.post(f"/beheer/leden/{users['delegate']}", data=form).status_code == 303
    assert client.get(url).status_code == 403
