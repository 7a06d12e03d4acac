"""Publishing is a conditional update on `published_at`: of requests publishing the same
meeting at once exactly one publishes (one log entry); the others are told it already was."""

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import set_committed_value

from consult.accounts.models import User
from consult.extensions import db
from consult.meetings import services
from consult.meetings.models import Meeting, MeetingChange
from tests.factories import make_body, make_meeting, make_user


def build(app) -> tuple[int, int]:
    with app.app_context():
        delegate = make_user("delegate", name="Mirjam Kok")
        body = make_body(delegates=[delegate])
        meeting = make_meeting(body, published=False)
        db.session.commit()
        return meeting.id, delegate.id


def publish_entries(meeting_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(MeetingChange).where(
        MeetingChange.meeting_id == meeting_id, MeetingChange.action == "gepubliceerd"))


@pytest.mark.postgres_only
def test_concurrent_publishing_publishes_once(app):
    """Four transactions that all loaded the meeting as a draft publish at the same moment:
    one succeeds, three get "al gepubliceerd", and the log has one entry."""
    meeting_id, delegate_id = build(app)
    loaded = threading.Barrier(4, timeout=30)
    results: list[str] = []

    def publish():
        with app.app_context():
            try:
                meeting = db.session.get(Meeting, meeting_id)
                delegate = db.session.get(User, delegate_id)
                assert meeting.published_at is None and meeting.items
                loaded.wait()  # every one of them has read "not published yet"
                services.publish_meeting(meeting, delegate)
                db.session.commit()
                results.append("gepubliceerd")
            except services.MeetingRuleError as error:
                db.session.rollback()
                results.append(str(error))
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                db.session.rollback()
                results.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=publish) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["Deze vergadering is al gepubliceerd."] * 3 + ["gepubliceerd"]
    with app.app_context():
        assert publish_entries(meeting_id) == 1
        assert db.session.get(Meeting, meeting_id).published_at is not None


def test_publishing_a_meeting_published_meanwhile_is_refused(app):
    """The object in this session is stale (another request published it): the update
    finds nothing to do and the delegate gets the Dutch message, nothing is logged."""
    meeting_id, delegate_id = build(app)
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        deadline = meeting.input_deadline
        db.session.commit()  # SQLite: let the other writer in
        with db.engine.begin() as other:  # another request, committed in between
            other.execute(Meeting.__table__.update().where(Meeting.id == meeting_id)
                          .values(published_at=deadline.replace(year=2020)))
        set_committed_value(meeting, "published_at", None)  # what this request had read
        with pytest.raises(services.MeetingRuleError, match="al gepubliceerd"):
            services.publish_meeting(meeting, db.session.get(User, delegate_id))
        db.session.rollback()
        assert publish_entries(meeting_id) == 0


def test_publishing_twice_through_the_page_says_already_published(app, client, auth, users):
    meeting_id, _ = build(app)
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        meeting.body.delegates.append(db.session.get(User, users["delegate"]))
        db.session.commit()
    auth.login("delegate")
    first = client.post(f"/vergaderingen/{meeting_id}/publiceren", follow_redirects=True)
    assert "De agenda is gepubliceerd." in first.get_data(as_text=True)
    second = client.post(f"/vergaderingen/{meeting_id}/publiceren", follow_redirects=True)
    assert "Deze vergadering is al gepubliceerd." in second.get_data(as_text=True)
    with app.app_context():
        assert publish_entries(meeting_id) == 1
