from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from consult.accounts.models import Organisation, User
from consult.comments import participation, services
from consult.comments.models import Comment, CommentEvent, CommentKind, NoInput
from consult.database import utcnow
from consult.extensions import db
from consult.mail.models import OutboxMessage
from consult.meetings.models import AgendaItem, Body, Meeting
from tests.conftest import count_queries
from tests.factories import make_body, make_meeting, make_user

XSS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<a href=\"javascript:alert(1)\">klik</a>",
    "[klik](javascript:alert(1))",
    "javascript:alert(1)",
    "<svg/onload=alert(1)>",
    "\"><iframe src=//evil.example>",
    "{{ 7*7 }} {% raw %}",
    "<style>body{display:none}</style>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
]


class ActiveContent(HTMLParser):
    """Collects what a browser would run or load from the <main> of a page."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "img", "svg", "iframe", "style", "object", "embed"}:
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{tag}[{name}]")


def active_content(html: str) -> list[str]:
    parser = ActiveContent()
    parser.feed(html.split("<main", 1)[-1].split("</main>", 1)[0])
    return parser.found


def post_input(client, item_id, text, kind="inbreng", on_behalf="self", **extra):
    return client.post(f"/agendapunten/{item_id}/inbreng", data={
        f"i{item_id}-kind": kind, f"i{item_id}-text": text,
        f"i{item_id}-on_behalf": on_behalf, **extra.pop("data", {})}, **extra)


def comments_of(app, item_id):
    with app.app_context():
        return db.session.scalars(select(Comment).where(Comment.item_id == item_id)
                                  .order_by(Comment.id)).all()


def test_give_input_without_javascript(app, client, auth, world):
    auth.login("member")
    response = post_input(client, world["item"], "Regel een\nRegel twee https://vng.nl/a?b=1")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"?opgeslagen={world['item']}#inbreng")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Regel een<br>" in page
    assert '<a href="https://vng.nl/a?b=1" rel="noopener noreferrer nofollow">' in page
    assert f'data-draft-saved="inbreng-{world["member"]}-{world["item"]}"' in page


def test_give_input_with_htmx_returns_the_section(client, auth, world):
    auth.login("member")
    response = post_input(client, world["item"], "Via htmx", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="inbreng"')
    assert "Via htmx" in html and "Opgeslagen. Dank u wel." in html and "<html" not in html
    inline = post_input(client, world["item"], "Vanaf de vergaderpagina",
                        data={f"i{world['item']}-context": "meeting"},
                        headers={"HX-Request": "true"})
    assert inline.get_data(as_text=True).lstrip().startswith(
        f'<div class="item-response" id="respons-{world["item"]}"')


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_empty_input_is_refused_with_a_message(client, auth, world, text):
    auth.login("member")
    response = post_input(client, world["item"], text)
    assert response.status_code == 422
    assert "Schrijf uw inbreng in het tekstvak." in response.get_data(as_text=True)


def test_5000_characters_is_the_limit_and_the_text_stays(app, client, auth, world):
    auth.login("member")
    assert post_input(client, world["item"], "a" * 5000).status_code == 303
    too_long = "b" * 5001
    response = post_input(client, world["item"], too_long)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "het maximum is 5.000" in html and too_long in html
    # Windows line endings count once.
    assert post_input(client, world["item"], "c\r\n" * 2500).status_code == 303


def test_unicode_is_kept_intact(app, client, auth, world):
    text = "Goed idee 👍🏽 — مرحبا بالعالم — e\u0301 a\u0308 — 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 — 中文"
    auth.login("member")
    post_input(client, world["item"], text)
    assert comments_of(app, world["item"])[0].text == text
    assert text in client.get(f"/agendapunten/{world['item']}").get_data(as_text=True)


@pytest.mark.parametrize("payload", XSS)
def test_xss_payloads_render_inert(app, client, auth, world, payload):
    with app.app_context():
        viewer = db.session.get(User, world["member"])
        viewer.notify_on_reply = True
        db.session.add(Comment(item_id=world["item"], author_id=world["member"], text="eerst"))
        db.session.commit()
    auth.login("chair")
    post_input(client, world["item"], f"Tekst {payload} einde")
    pages = [client.get(f"/agendapunten/{world['item']}").get_data(as_text=True),
             post_input(client, world["item"], payload,
                        headers={"HX-Request": "true"}).get_data(as_text=True),
             client.get(f"/vergaderingen/{world['meeting']}").get_data(as_text=True)]
    with app.app_context():
        mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "new_input"))
        pages.append(mail.body_html)
    for html in pages:
        assert active_content(html) == [], payload
    assert "einde" in pages[0]  # the text itself is shown, as text


def test_only_the_author_edits_or_withdraws(app, client, auth, world):
    auth.login("member")
    post_input(client, world["item"], "Mijn tekst")
    comment_id = comments_of(app, world["item"])[0].id
    auth.login("chair")
    assert client.get(f"/inbreng/{comment_id}/bewerken").status_code == 403
    assert client.post(f"/inbreng/{comment_id}/bewerken", data={}).status_code == 403
    assert client.post(f"/inbreng/{comment_id}/intrekken").status_code == 403
    auth.login("delegate")  # delegates see all input, but do not rewrite it
    assert client.post(f"/inbreng/{comment_id}/intrekken").status_code == 403
    assert comments_of(app, world["item"])[0].withdrawn_at is None
    assert client.get("/inbreng/999999/bewerken").status_code == 404


def test_edit_and_withdraw_keep_an_audit_trail(app, client, auth, world):
    auth.login("member")
    post_input(client, world["item"], "Eerste versie")
    comment_id = comments_of(app, world["item"])[0].id
    prefix = f"i{world['item']}"
    edit_page = client.get(f"/inbreng/{comment_id}/bewerken").get_data(as_text=True)
    assert "Eerste versie" in edit_page
    data = {f"{prefix}-kind": "zorg", f"{prefix}-text": "Tweede versie",
            f"{prefix}-on_behalf": "municipality"}
    assert client.post(f"/inbreng/{comment_id}/bewerken", data=data).status_code == 303
    client.post(f"/inbreng/{comment_id}/bewerken", data=data)  # no change: no event
    assert client.post(f"/inbreng/{comment_id}/intrekken").status_code == 303
    with app.app_context():
        events = db.session.scalars(select(CommentEvent).where(
            CommentEvent.comment_id == comment_id).order_by(CommentEvent.id)).all()
        assert [(e.action, e.text) for e in events] == [
            ("created", "Eerste versie"), ("edited", "Tweede versie"),
            ("withdrawn", "Tweede versie")]
    auth.login("delegate")
    assert "Tweede versie" not in client.get(f"/agendapunten/{world['item']}").get_data(
        as_text=True)


def test_input_after_the_deadline_keeps_the_text_and_offers_late_input(app, client, auth,
                                                                        world):
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        meeting.input_deadline = utcnow() - timedelta(seconds=1)
        db.session.commit()
    auth.login("member")
    response = post_input(client, world["item"], "Net te laat getypt")
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "De deadline voor inbreng is verstreken." in html
    assert "Net te laat getypt" in html
    assert "Stuur naar de gedelegeerde als late inbreng" in html
    prefix = f"i{world['item']}"
    late = client.post(f"/agendapunten/{world['item']}/late-inbreng", data={
        f"{prefix}-kind": "inbreng", f"{prefix}-text": "Net te laat getypt",
        f"{prefix}-on_behalf": "self"})
    assert late.status_code == 303
    [comment] = comments_of(app, world["item"])
    assert comment.late
    page = client.get(f"/agendapunten/{world['item']}").get_data(as_text=True)
    section = page.split('id="inbreng"')[1].split("</section>")[0]
    assert "De termijn voor inbreng is gesloten" in section and "<textarea" not in section
    auth.login("chair")  # late input is for the delegate, not for other members
    assert "Net te laat getypt" not in client.get(f"/agendapunten/{world['item']}").get_data(
        as_text=True)
    auth.login("delegate")
    delegate_page = client.get(f"/agendapunten/{world['item']}").get_data(as_text=True)
    assert "Net te laat getypt" in delegate_page and "te laat ingediend" in delegate_page


def test_deadline_at_the_exact_second_across_dst(app):
    with app.app_context():
        member = make_user("member")
        meeting = make_meeting(make_body())
        # Sunday 25 October 2026: clocks go back at 03.00 CEST. A 17.00 CET deadline is
        # 16.00 UTC, not 15.00 as it would have been the day before.
        meeting.input_deadline = datetime(2026, 10, 25, 16, 0, tzinfo=UTC)
        item = meeting.items[0]
        before = datetime(2026, 10, 25, 15, 59, 59, tzinfo=UTC)
        services.give_input(member, item, kind=CommentKind.INPUT, text="op tijd", now=before)
        with pytest.raises(services.DeadlinePassed):
            services.give_input(member, item, kind=CommentKind.INPUT, text="te laat",
                                now=meeting.input_deadline)
        from zoneinfo import ZoneInfo

        assert meeting.input_deadline.astimezone(ZoneInfo("Europe/Amsterdam")).hour == 17
        with pytest.raises(services.InputError):
            services.mark_no_input(member, meeting, now=meeting.input_deadline)
        services.mark_no_input(member, meeting, now=before)
        db.session.rollback()


def test_geen_inbreng_for_an_item_and_the_meeting_and_undo(app, client, auth, world):
    auth.login("member")
    assert client.post(f"/agendapunten/{world['item']}/geen-inbreng").status_code == 303
    client.post(f"/agendapunten/{world['item']}/geen-inbreng")  # twice: still one
    with app.app_context():
        assert db.session.scalar(select(func.count(NoInput.id))) == 1
        assert services.responded_item_ids(world["member"], [world["meeting"]]) == {world["item"]}
    client.post(f"/agendapunten/{world['item']}/geen-inbreng/ongedaan")
    client.post(f"/vergaderingen/{world['meeting']}/geen-inbreng")
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        assert services.responded_item_ids(world["member"], [meeting.id]) == {
            item.id for item in meeting.items}
    page = client.get(f"/vergaderingen/{world['meeting']}").get_data(as_text=True)
    assert "U heeft aangegeven geen inbreng te hebben voor deze vergadering." in page
    client.post(f"/vergaderingen/{world['meeting']}/geen-inbreng/ongedaan")
    with app.app_context():
        assert services.responded_item_ids(world["member"], [world["meeting"]]) == set()


def test_members_see_only_their_own_input_when_the_body_says_so(app, client, auth, world):
    auth.login("member")
    post_input(client, world["item"], "Van Anouk")
    auth.login("chair")
    post_input(client, world["item"], "Van Pieter")
    assert "Van Anouk" in client.get(f"/agendapunten/{world['item']}").get_data(as_text=True)
    with app.app_context():
        db.session.get(Body, world["body"]).members_see_each_other = False
        db.session.commit()
    html = client.get(f"/agendapunten/{world['item']}").get_data(as_text=True)
    assert "Van Pieter" in html and "Van Anouk" not in html
    fragment = post_input(client, world["item"], "Nog een", headers={"HX-Request": "true"})
    assert "Van Anouk" not in fragment.get_data(as_text=True)
    auth.login("delegate")
    html = client.get(f"/agendapunten/{world['item']}").get_data(as_text=True)
    assert "Van Pieter" in html and "Van Anouk" in html


def test_members_outside_the_constituency_cannot_give_input(app, client, auth, world):
    with app.app_context():
        db.session.get(Body, world["body"]).organisations = [Organisation.CIO]
        db.session.commit()
    auth.login("member")
    assert post_input(client, world["item"], "mag niet").status_code == 403
    assert comments_of(app, world["item"]) == []


def test_no_input_on_items_that_do_not_ask_for_it(app, client, auth, world):
    with app.app_context():
        db.session.get(AgendaItem, world["item"]).asks_input = False
        db.session.commit()
    auth.login("member")
    assert post_input(client, world["item"], "mag niet").status_code == 403
    assert client.post(f"/agendapunten/{world['item']}/geen-inbreng").status_code == 403


def test_delegate_records_input_on_behalf_of_a_member(app, client, auth, world):
    auth.login("member")
    assert client.get(f"/agendapunten/{world['item']}/namens").status_code == 403
    auth.login("delegate")
    response = client.post(f"/agendapunten/{world['item']}/namens", data={
        "author_id": world["member"], "on_behalf": "board", "organisation": "IMG",
        "received_via": "per e-mail", "kind": "zorg", "text": "Zorgen over de kosten"})
    assert response.status_code == 303
    [comment] = comments_of(app, world["item"])
    with app.app_context():
        comment = db.session.get(Comment, comment.id)
        assert comment.author_id == world["member"]
        assert comment.entered_by.name == "Mirjam Kok"
        assert services.on_behalf_label(comment) == "namens het bestuur van IMG"
    html = client.get(f"/agendapunten/{world['item']}").get_data(as_text=True)
    assert "vastgelegd door Mirjam Kok, per e-mail" in html


def enter_for_member(app, client, world, text):
    """The delegate records input received by mail for the member ("namens")."""
    response = client.post(f"/agendapunten/{world['item']}/namens", data={
        "author_id": world["member"], "on_behalf": "self", "organisation": "IMG",
        "received_via": "per e-mail", "kind": "inbreng", "text": text})
    assert response.status_code == 303
    return next(c.id for c in comments_of(app, world["item"]) if c.text == text)


def test_a_member_changes_the_input_a_delegate_entered_for_them(app, client, auth, world):
    """The "namens" bug: the member whose input a delegate entered got 409 ("De deadline
    is verstreken") days before the deadline. The author and the delegate who entered it
    may change it until the deadline; others may not; after the deadline: 409."""
    auth.login("delegate")
    first = enter_for_member(app, client, world, "Per mail ontvangen")
    second = enter_for_member(app, client, world, "Ook per mail")
    prefix = f"i{world['item']}"
    data = {f"{prefix}-kind": "zorg", f"{prefix}-text": "Door Anouk gewijzigd",
            f"{prefix}-on_behalf": "self"}
    auth.login("member")
    assert "Per mail ontvangen" in client.get(f"/inbreng/{first}/bewerken").get_data(
        as_text=True)
    # not on behalf of a region the member does not chair
    assert client.post(f"/inbreng/{first}/bewerken", data={
        **data, f"{prefix}-on_behalf": "region"}).status_code == 422
    assert client.post(f"/inbreng/{first}/bewerken", data=data).status_code == 303
    auth.login("chair")  # another member of the constituency
    assert client.get(f"/inbreng/{first}/bewerken").status_code == 403
    assert client.post(f"/inbreng/{first}/bewerken", data=data).status_code == 403
    assert client.post(f"/inbreng/{first}/intrekken").status_code == 403
    auth.login("delegate")  # who entered it may correct it too
    data[f"{prefix}-text"] = "Door Mirjam verbeterd"
    assert client.post(f"/inbreng/{first}/bewerken", data=data).status_code == 303
    auth.login("member")
    assert client.post(f"/inbreng/{first}/intrekken").status_code == 303
    with app.app_context():
        comment = db.session.get(Comment, first)
        assert comment.withdrawn_at is not None and comment.text == "Door Mirjam verbeterd"
        assert [e.action for e in db.session.scalars(select(CommentEvent).where(
            CommentEvent.comment_id == first).order_by(CommentEvent.id))] == [
            "created", "edited", "edited", "withdrawn"]
        db.session.get(Meeting, world["meeting"]).input_deadline = utcnow() - timedelta(
            seconds=1)
        db.session.commit()
    assert client.get(f"/inbreng/{second}/bewerken").status_code == 409
    assert client.post(f"/inbreng/{second}/bewerken", data=data).status_code == 409
    assert client.post(f"/inbreng/{second}/intrekken").status_code == 409
    auth.login("chair")
    assert client.post(f"/inbreng/{second}/intrekken").status_code == 403
    assert comments_of(app, world["item"])[1].withdrawn_at is None


def test_participation_for_delegates_and_chairs(app, client, auth, world, users):
    with app.app_context():
        oost = make_user("member", name="Oost Lid", region="Oost")
        db.session.add(Comment(item_id=world["item"], author_id=users["member"], text="x"))
        db.session.add(NoInput(user_id=oost.id, meeting_id=world["meeting"]))
        db.session.commit()
        oost_id = oost.id
    auth.login("member")
    assert client.get(f"/vergaderingen/{world['meeting']}/deelname").status_code == 403
    auth.login("delegate")
    html = client.get(f"/vergaderingen/{world['meeting']}/deelname").get_data(as_text=True)
    assert "Oost Lid" in html and "Anouk Smit" in html
    assert "Reacties per regio en agendapunt" in html
    auth.login("chair")  # chairs Noord
    html = client.get(f"/vergaderingen/{world['meeting']}/deelname").get_data(as_text=True)
    assert "Anouk Smit" in html and "Oost Lid" not in html and "regio Noord" in html
    # A chair nudges a member of the own region once; not members elsewhere.
    assert client.post(f"/vergaderingen/{world['meeting']}/herinneren/{oost_id}"
                       ).status_code == 403
    pieter = users["chair"]
    client.post(f"/vergaderingen/{world['meeting']}/herinneren/{pieter}")
    again = client.post(f"/vergaderingen/{world['meeting']}/herinneren/{pieter}",
                        follow_redirects=True)
    assert "al een herinnering gehad" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.kind == "nudge")) == 1


def test_nudging_after_the_deadline_is_a_message_not_a_403(app, client, auth, world, users):
    participation_page = f"/vergaderingen/{world['meeting']}/deelname"
    for role in ("delegate", "chair"):  # while open: a button per member of the region
        auth.login(role)
        assert f"herinneren/{users['member']}" in client.get(participation_page).get_data(
            as_text=True)
    with app.app_context():
        db.session.get(Meeting, world["meeting"]).input_deadline = utcnow() - timedelta(
            seconds=1)
        db.session.commit()
    for role in ("delegate", "chair"):
        auth.login(role)
        response = client.post(f"/vergaderingen/{world['meeting']}/herinneren/"
                               f"{users['member']}", follow_redirects=True)
        assert response.status_code == 200
        assert "De termijn voor inbreng is gesloten" in response.get_data(as_text=True)
        page = client.get(participation_page).get_data(as_text=True)
        assert "Herinner<span" not in page and "herinneren/" not in page
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
            OutboxMessage.kind == "nudge")) == 0


def test_participation_figures(app, world, users):
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        first, second, _ = meeting.items
        db.session.add(Comment(item_id=first.id, author_id=users["member"], text="x"))
        db.session.add(NoInput(user_id=users["chair"], meeting_id=meeting.id,
                               item_id=second.id))
        db.session.commit()
        overview = participation.participation(meeting)
        assert overview.count(first.id, "input") == 1
        assert overview.count(second.id, "no_input") == 1
        assert overview.region_share("Noord", first.id) == (1, 2)
        states = {m.user.id: m.overall for m in overview.members}
        assert states[users["member"]] == "input" and states[users["admin"]] == "none"


def test_reply_notifications_only_for_those_who_asked(app, client, auth, world, users):
    with app.app_context():
        chair = db.session.get(User, users["chair"])
        chair.notify_on_reply = True
        db.session.add(Comment(item_id=world["item"], author_id=users["chair"], text="eerst"))
        db.session.add(Comment(item_id=world["item"], author_id=users["admin"], text="ook"))
        db.session.commit()
    auth.login("member")
    post_input(client, world["item"], "Reactie")
    with app.app_context():
        recipients = db.session.scalars(select(OutboxMessage.recipient).where(
            OutboxMessage.kind == "new_input")).all()
        assert recipients == [db.session.get(User, users["chair"]).email]
    auth.login("admin")
    client.post("/account/meldingen", data={"notify_on_reply": "y"})
    with app.app_context():
        assert db.session.get(User, users["admin"]).notify_on_reply


def test_item_page_query_count_does_not_grow_with_input(app, client, auth, world):
    """The same number of statements for an item with 2 and with 200 inputs."""
    with app.app_context():
        meeting = db.session.get(Meeting, world["meeting"])
        few, many = meeting.items[1], meeting.items[2]
        authors = [make_user("member", region="Noord") for _ in range(5)]
        for item, count in ((few, 2), (many, 200)):
            for number in range(count):
                db.session.add(Comment(item_id=item.id, author_id=authors[number % 5].id,
                                       text=f"Inbreng {number}"))
        db.session.commit()
        ids = (few.id, many.id)
    auth.login("delegate")
    counts = []
    for item_id, expected in zip(ids, (2, 200), strict=True):
        with count_queries(app) as statements:
            html = client.get(f"/agendapunten/{item_id}").get_data(as_text=True)
        assert html.count('<li class="comment') == expected
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
