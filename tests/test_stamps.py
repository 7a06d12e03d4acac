"""The meeting page renders an item's empty input form once and fills in each item's id
and label (consult/stamps.py): the page must be the same as rendering it per item."""

import pytest
from flask import render_template

from consult.comments.models import Comment, NoInput
from consult.extensions import db
from consult.meetings.models import AgendaItem, Meeting
from consult.meetings.pages import meeting_context
from consult.permissions import meeting_for
from consult.stamps import ItemStandIn, Stamp


def _page(app, monkeypatch, meeting_id: int, *, stamped: bool, **extra) -> str:
    if not stamped:  # every item rendered by the macro itself
        monkeypatch.setitem(app.jinja_env.globals, "stamp", lambda macro: macro)
    else:
        monkeypatch.setitem(app.jinja_env.globals, "stamp", Stamp)
    context = meeting_context(meeting_for("view_meeting", meeting_id))
    return render_template("meetings/meeting.html", saved_item_id=None, **{**context, **extra})


@pytest.mark.parametrize("role", ["member", "delegate"])
def test_the_stamped_meeting_page_is_the_page_rendered_per_item(app, client, auth, world, users,
                                                                monkeypatch, role):
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        first, second, third = meeting.items[:3]
        # Labels that need escaping, input on one item, "geen inbreng" on another.
        first.number, first.sub = "1&", "<b>"
        second.sub = "a"
        db.session.add(Comment(item=second, author_id=users[role], text="Mijn inbreng"))
        db.session.add(NoInput(user_id=users[role], meeting_id=meeting.id, item_id=third.id,
                               created_at=meeting.published_at))
        db.session.add(AgendaItem(meeting=meeting, position=9, number="9", title="Laatste"))
        db.session.commit()
    auth.login(role)
    cookie = client.get_cookie("consult_session")
    headers = {"Cookie": f"consult_session={cookie.value}"}
    with app.test_request_context(f"/vergaderingen/{world['meeting']}", headers=headers):
        app.preprocess_request()
        stamped = _page(app, monkeypatch, world["meeting"], stamped=True)
        db.session.expunge_all()
        per_item = _page(app, monkeypatch, world["meeting"], stamped=False)
    assert stamped == per_item
    assert "op punt 1&amp;&lt;b&gt;</span>" in stamped  # the label filled in, escaped
    assert f'name="i{world["item"]}-text"' in stamped
    assert str(ItemStandIn.id) not in stamped and ItemStandIn.label not in stamped


def test_a_stamped_fragment_may_use_only_the_items_id_and_label():
    def macro(item):
        return f"{item.id} {item.title}"

    with pytest.raises(RuntimeError, match="item.title"):
        Stamp(macro)(AgendaItem(id=1, number="1", title="Een"))
