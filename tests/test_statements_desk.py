"""The delegate's home: the next action per meeting, and participation as pictures."""

import re
from datetime import timedelta

from consult.accounts.models import User
from consult.comments.models import Comment, NoInput
from consult.database import utcnow
from consult.extensions import db
from consult.meetings.models import Meeting
from consult.statements import desk
from consult.statements.models import Outcome, Statement, StatementStatus
from tests.conftest import count_queries
from tests.factories import make_body, make_meeting, make_user


def add_input(meeting, author_id, item=0, days_ago=0, late=False):
    comment = Comment(item=meeting.items[item], author_id=author_id, text="Inbreng", late=late,
                      created_at=utcnow() - timedelta(days=days_ago))
    db.session.add(comment)
    return comment


def test_the_delegate_sees_the_phase_and_the_next_actions(app, client, auth, users, world):
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        for number in range(3):
            add_input(meeting, users["member"], item=number)
        add_input(meeting, users["chair"], late=True)
        db.session.commit()
    auth.login("delegate")
    html = client.get("/").get_data(as_text=True)
    assert "Uw werk" in html and "als gedelegeerde" in html
    assert re.search(r"deadline over [56] dagen", html)
    assert "4 nieuwe inbrengen (werkruimte nog niet geopend)" in html
    assert "1 te laat ingediend" in html
    assert "0 van 3 standpunten definitief" in html
    assert f'href="/vergaderingen/{world["meeting"]}/werkruimte"' in html
    # The member's view of a meeting on the desk is not repeated below it.
    assert "Geef uw inbreng" not in html

    assert client.get(f"/vergaderingen/{world['meeting']}/werkruimte").status_code == 200
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        add_input(meeting, users["member"], item=1)
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "1 nieuwe inbreng sinds uw laatste bezoek" in html


def test_a_held_meeting_asks_for_outcomes_and_the_terugkoppeling(app, client, auth, world):
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        now = utcnow()
        meeting.input_deadline, meeting.starts_at = now - timedelta(days=5), now - timedelta(days=3)
        meeting.ends_at = now - timedelta(days=3) + timedelta(hours=2)
        db.session.add(Statement(item=meeting.items[0], status=StatementStatus.FINAL))
        db.session.add(Outcome(item=meeting.items[0], text="Besproken",
                               recorded_by_id=meeting.body.delegates[0].id))
        db.session.commit()
    auth.login("delegate")
    html = client.get("/").get_data(as_text=True)
    assert "uitkomsten vastleggen" in html
    assert "terugkoppeling nog niet verstuurd" in html
    assert f'href="/vergaderingen/{world["meeting"]}/uitkomsten"' in html
    with app.app_context():
        db.session.get(Meeting, world["meeting"]).outcomes_published_at = utcnow()
        db.session.commit()
    assert "terugkoppeling nog niet verstuurd" not in client.get("/").get_data(as_text=True)


def test_members_keep_their_view(client, auth, world):
    auth.login("member")
    html = client.get("/").get_data(as_text=True)
    assert "Uw werk" not in html and "Geef uw inbreng" in html


def test_a_delegate_made_a_member_again_has_no_desk(app, client, auth, users, world):
    """Still on the body's list of delegates, but rights follow role and list together:
    her home page is a member's (and the desk's query is not even run)."""
    from consult.accounts.models import Role

    with app.app_context():
        db.session.get(User, users["delegate"]).role = Role.MEMBER
        db.session.commit()
    auth.login("delegate")
    with count_queries(app) as statements:
        html = client.get("/").get_data(as_text=True)
    assert "Uw werk" not in html and "als gedelegeerde" not in html
    assert "werkruimte" not in html
    assert not [s for s in statements if "desk_visit" in s.lower()]
    # Chairing a region, she gets a chair's desk of that body, not the delegate's.
    with app.app_context():
        chair = db.session.get(User, users["chair"])
        db.session.get(User, users["delegate"]).chairs_region_id = chair.chairs_region_id
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "als regiovoorzitter" in html and "als gedelegeerde" not in html
    assert "werkruimte" not in html


def test_a_chair_sees_the_own_region(app, client, auth, users, world):
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        stranger = make_user(region="Zuid")
        add_input(meeting, users["member"])  # Noord, the chair's region
        add_input(meeting, stranger.id)
        db.session.commit()
    auth.login("chair")
    html = client.get("/").get_data(as_text=True)
    assert "als regiovoorzitter van Noord" in html
    assert "1 nieuwe inbreng uit uw regio sinds uw laatste bezoek" in html
    assert "Zuid" not in html
    assert client.get(f"/vergaderingen/{world['meeting']}/deelname").status_code == 200
    assert "nieuwe inbreng" not in client.get("/").get_data(as_text=True)


def test_figures_per_day_and_per_region_and_item(app, users, world):
    with app.test_request_context():
        meeting = db.session.get(Meeting, world["meeting"])
        meeting.published_at = utcnow() - timedelta(days=4)
        add_input(meeting, users["member"], item=0, days_ago=2)
        add_input(meeting, users["member"], item=1, days_ago=2)
        add_input(meeting, users["chair"], item=0)
        db.session.add(NoInput(user_id=make_user(region="Zuid").id, meeting_id=meeting.id))
        db.session.commit()
        row = next(r for r in desk.desk_rows(db.session.get(User, users["delegate"]))
                   if r.meeting.id == meeting.id)
        counts = dict(row.per_day)
        assert sum(counts.values()) == 4
        assert max(counts.values()) == 2
        assert row.per_day[-1][0] >= row.per_day[0][0]
        first, second, third = (item.id for item in meeting.items)
        assert row.regions == ["Noord", "Zuid"]
        assert row.grid[("Noord", first)] == 2 and row.grid[("Noord", second)] == 1
        assert row.grid[("Zuid", third)] == 1  # geen inbreng for the whole meeting


def test_the_pictures_are_svg_with_a_table_and_no_inline_style(app, client, auth, users, world):
    with app.app_context():
        add_input(db.session.get(Meeting, world["meeting"]), users["member"])
        db.session.commit()
    auth.login("delegate")
    html = client.get("/").get_data(as_text=True)
    assert html.count("<svg") == 2 and 'class="chart__bar"' in html
    assert "<caption>Leden die reageerden, per regio en agendapunt</caption>" in html
    assert "style=" not in html.split("<section", 1)[1].split("</section>", 1)[0]


def test_the_desk_issues_the_same_number_of_queries_for_1_and_6_meetings(app, client, auth,
                                                                         users):
    counts = []
    for meetings in (1, 6):
        with app.app_context():
            delegate = db.session.get(User, users["delegate"])
            body = make_body(f"Overleg {meetings}", delegates=[delegate])
            for number in range(meetings):
                meeting = make_meeting(body, items=2 + number, starts_in_days=10 + number)
                for item in range(len(meeting.items)):
                    add_input(meeting, make_user(region=f"Regio {number}").id, item=item)
            db.session.commit()
        auth.login("delegate")
        with count_queries(app) as statements:
            assert client.get("/").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_a_delegate_who_chairs_a_region_elsewhere_sees_all_input_of_her_own_body(
        app, users, world):
    with app.test_request_context():
        delegate = db.session.get(User, users["delegate"])
        delegate.chairs_region = db.session.get(User, users["chair"]).chairs_region
        other = make_body("Ander overleg", short_name="AO")
        chaired = make_meeting(other)
        mine = db.session.get(Meeting, world["meeting"])
        south = make_user(region="Zuid")
        for meeting in (mine, chaired):
            add_input(meeting, users["member"])  # Noord
            add_input(meeting, south.id)
        db.session.commit()
        rows = {row.meeting.id: row for row in desk.desk_rows(delegate)}
        assert rows[mine.id].role == "gedelegeerde" and rows[mine.id].regions == ["Noord", "Zuid"]
        assert rows[chaired.id].role == "regiovoorzitter"
        assert rows[chaired.id].regions == ["Noord"]
