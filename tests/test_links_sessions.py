"""Issue 15 finding 10: setting or removing a password asks who is there (the current
password, or a fresh login for a member without one) and ends the other sessions; a
session unused for SESSION_IDLE_MINUTES ends; logout clears the drafts kept in the
browser."""

from datetime import timedelta

from sqlalchemy import func, select, update

from consult.accounts import services
from consult.accounts.models import LoginSession, ThrottleCounter, User
from consult.database import utcnow
from consult.extensions import db

PASSWORD = "een lange zin als wachtwoord"
NEW = {"password": "een andere lange zin", "password_confirm": "een andere lange zin"}


def other_session(app, user_id) -> int:
    """The member is logged in on another device too."""
    with app.app_context():
        services.start_session(db.session.get(User, user_id))
        db.session.commit()
        return db.session.scalar(select(func.max(LoginSession.id)))


def live_sessions(app, user_id) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LoginSession).where(
            LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None)))


def age_sessions(app, user_id, **ago):
    with app.app_context():
        db.session.execute(update(LoginSession).where(LoginSession.user_id == user_id)
                           .values(created_at=utcnow() - timedelta(**ago)))
        db.session.commit()


def test_a_fresh_login_sets_the_first_password_and_ends_the_other_sessions(
        app, client, auth, users):
    member = auth.login("member")
    other_session(app, member)
    assert live_sessions(app, member) == 2
    response = client.post("/account", data=NEW)
    assert response.status_code == 303
    assert live_sessions(app, member) == 1  # this one
    assert client.get("/account").status_code == 200
    with app.app_context():
        assert db.session.get(User, member).password_hash


def test_without_a_password_an_old_session_must_log_in_again_first(app, client, auth, users):
    member = auth.login("member")
    age_sessions(app, member, minutes=30)
    page = client.get("/account").get_data(as_text=True)
    assert "bevestigt u eerst dat u het bent" in page
    assert 'name="next" type="hidden" value="/account"' in page  # the login link's way back
    response = client.post("/account", data=NEW)
    assert response.status_code == 422
    assert "vraag hieronder een inloglink aan" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, member).password_hash is None


def test_changing_or_removing_a_password_needs_the_current_one(app, client, auth, users):
    member = auth.login("member")
    with app.app_context():
        services.set_password(db.session.get(User, member), PASSWORD)
        db.session.commit()
    other_session(app, member)
    missing = client.post("/account", data=NEW)
    assert missing.status_code == 422
    assert "Vul uw huidige wachtwoord in." in missing.get_data(as_text=True)
    wrong = client.post("/account", data={**NEW, "current_password": "niet het wachtwoord"})
    assert wrong.status_code == 422 and "klopt niet" in wrong.get_data(as_text=True)
    with app.app_context():  # counted like a failed login (the same throttle)
        counts = db.session.scalars(select(ThrottleCounter.count)).all()
        assert counts and set(counts) == {1}  # one failure under each of its limits
    assert live_sessions(app, member) == 2
    assert client.post("/account", data={**NEW, "current_password": PASSWORD}).status_code == 303
    assert live_sessions(app, member) == 1
    other_session(app, member)
    removed = client.post("/account/wachtwoord-verwijderen",
                          data={"rm-current_password": NEW["password"]})
    assert removed.status_code == 303
    assert live_sessions(app, member) == 1
    with app.app_context():
        assert db.session.get(User, member).password_hash is None


def test_an_idle_session_ends(app, client, auth, users):
    member = auth.login("member")
    with app.app_context():
        db.session.execute(update(LoginSession).values(
            last_seen_at=utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] - 30)))
        db.session.commit()
    assert client.get("/").status_code == 200  # within the idle timeout: and now seen
    with app.app_context():
        seen = db.session.scalar(select(LoginSession.last_seen_at))
        assert utcnow() - seen < timedelta(minutes=1)
        db.session.execute(update(LoginSession).values(
            last_seen_at=utcnow() - timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)))
        db.session.commit()
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/inloggen")
    assert live_sessions(app, member) == 1  # ended by time, not revoked: the row is kept


def test_a_new_session_counts_from_its_start(app, client, auth, users):
    member = auth.login("member")
    age_sessions(app, member, hours=9)  # never seen since: idle for 9 hours
    assert client.get("/").status_code == 302


def test_logout_clears_the_drafts_kept_in_the_browser(app, client, auth, users):
    auth.login("member")
    response = client.post("/uitloggen")
    assert response.status_code == 303
    assert response.headers["Clear-Site-Data"] == '"storage"'
    assert response.headers["Location"] == "/inloggen?uitgelogd=1"
    assert "data-drafts-clear" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert "data-drafts-clear" not in client.get("/inloggen").get_data(as_text=True)
    auth.login("member")
    everywhere = client.post("/uitloggen/overal")
    assert everywhere.headers["Clear-Site-Data"] == '"storage"'
