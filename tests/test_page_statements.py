"""SQL per page (issue 17): the pages a member or delegate loads most run at most 8
statements, the same number for a small and a large meeting (items, inputs, members)."""

import pytest

from consult.accounts.models import User
from consult.comments.models import Comment, NoInput
from consult.extensions import db
from consult.meetings.models import Attachment
from consult.statements.models import Outcome, Statement, StatementRevision, StatementStatus
from tests.conftest import count_queries
from tests.factories import make_body, make_meeting, make_user

LIMIT = 8
PAGES = {
    "meeting": "/vergaderingen/{meeting}",
    "item": "/agendapunten/{item}",
    "dashboard": "/",
    "workspace": "/vergaderingen/{meeting}/werkruimte",
    "archive": "/archief?q=Agendapunt",
}
# Who loads the page: the workspace is the delegate's; a regional chair has a desk too.
VISITORS = [(page, who) for page in PAGES for who in ("member", "chair", "delegate")
            if not (page == "workspace" and who != "delegate")]


def build(size: int, users) -> dict:
    """A meeting with 2 × size items, each with 3 × size inputs by as many members (one
    of them "geen inbreng"), attachments, a past meeting for the archive, and the
    member's own input on the first item."""
    delegate = db.session.get(User, users["delegate"])
    body = make_body(f"Overleg {size}", delegates=[delegate], members_see_each_other=True)
    meeting = make_meeting(body, items=2 * size)
    past = make_meeting(body, items=2 * size, starts_in_days=-30, deadline_in_days=-35)
    authors = [make_user("chair" if n == 0 else "member", region=f"Regio {n % 3}")
               for n in range(3 * size)]
    for item in meeting.items + past.items:
        item.attachments.append(Attachment(label=f"{item.number}a", title="Bijlage"))
        for author in authors:
            db.session.add(Comment(item_id=item.id, author_id=author.id,
                                   text=f"Inbreng van {author.name} op {item.title}"))
    db.session.add(Comment(item_id=meeting.items[0].id, author_id=users["member"],
                           text="Mijn eigen inbreng"))
    db.session.add(Comment(item_id=meeting.items[-1].id, author_id=authors[-1].id,
                           entered_by_id=users["delegate"], received_via="per e-mail",
                           text="Namens een lid vastgelegd"))
    db.session.add(NoInput(user_id=users["member"], meeting_id=meeting.id,
                           item_id=meeting.items[1].id))
    db.session.add(NoInput(user_id=authors[0].id, meeting_id=meeting.id))
    # What became of the member's input: a final statement and a published outcome.
    past.outcomes_published_at = past.starts_at
    for item in past.items:
        db.session.add(Comment(item_id=item.id, author_id=users["member"], text="Eerder"))
        statement = Statement(item_id=item.id, status=StatementStatus.FINAL)
        db.session.add(statement)
        db.session.flush()
        revision = StatementRevision(statement_id=statement.id, number=1, text="Standpunt",
                                     author_id=users["delegate"])
        db.session.add(revision)
        db.session.flush()
        statement.current_revision_id = revision.id
        db.session.add(Outcome(item_id=item.id, text="Uitkomst", recorded_by_id=users["delegate"]))
    first = Statement(item_id=meeting.items[0].id)
    db.session.add(first)
    db.session.commit()
    return {"meeting": meeting.id, "item": meeting.items[-1].id}


@pytest.mark.parametrize(("page", "who"), VISITORS)
def test_a_page_runs_at_most_8_statements_whatever_its_size(app, client, auth, users,
                                                           page, who):
    counts = []
    for size in (1, 6):
        with app.app_context():
            ids = build(size, users)
        auth.login(who)
        client.get(PAGES[page].format(**ids))  # a first visit may record it (writes_on_get)
        with count_queries(app) as statements:
            response = client.get(PAGES[page].format(**ids))
        assert response.status_code == 200
        counts.append(len(statements))
        print(page, who, size, len(statements))
        for s in statements:
            print("   ", " ".join(s.split())[:200])
    assert counts[0] == counts[1], counts
    assert counts[1] <= LIMIT, counts
