"""Not a word lost, seen in a browser (issue 13 part 7, issue 15 finding 2): an expired
session with and without JavaScript, the deadline passing on the meeting page, a pasted
text far over the limit, and the delegate told of late input."""

import re
from datetime import timedelta

import pytest

from consult.database import utcnow
from consult.extensions import db
from consult.meetings.models import Meeting
from tests.e2e.conftest import PASSWORD, login_with_password

pytestmark = pytest.mark.e2e

TEXT = "Wij vragen om een gefaseerde invoering,\nzodat kleine gemeenten kunnen aanhaken."


@pytest.fixture
def no_js_page(browser):
    context = browser.new_context(locale="nl-NL", java_script_enabled=False)
    yield context.new_page()
    context.close()


def close_deadline(app, world):
    with app.app_context():
        db.session.get(Meeting, world["meeting"]).input_deadline = (
            utcnow() - timedelta(seconds=1))
        db.session.commit()


def log_in_again(page, email):
    page.wait_for_url(re.compile(r"/inloggen\?next=/bewaard/"))
    assert page.get_by_text("Uw sessie is verlopen.").is_visible()
    page.fill("#pw-email", email)
    page.fill("#pw-password", PASSWORD)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url("**/bewaard/*")


def test_an_expired_session_without_javascript_keeps_the_text_in_the_real_form(
        live_server, no_js_page, people, world):
    page, item = no_js_page, world["item"]
    login_with_password(page, live_server, people["member"])
    page.goto(f"{live_server}/agendapunten/{item}")
    page.select_option(f"#i{item}-kind", "zorg")
    page.fill(f"#i{item}-text", TEXT)
    page.context.clear_cookies()  # the session (and with it the form's token) expired
    page.get_by_role("button", name="Inbreng versturen").click()
    log_in_again(page, people["member"])
    # The item's own input form, filled in: no raw field names, no 405.
    assert page.get_by_text("Uw tekst is bewaard.").is_visible()
    assert page.input_value(f"#i{item}-text") == TEXT
    assert page.input_value(f"#i{item}-kind") == "zorg"
    assert page.get_by_text(f"i{item}-text").count() == 0
    page.get_by_role("button", name="Inbreng versturen").click()
    page.wait_for_url(re.compile(rf"/agendapunten/{item}\?opgeslagen="))
    assert page.locator("#inbreng .comment").filter(
        has_text="zodat kleine gemeenten kunnen aanhaken.").count() == 1


def test_an_expired_session_with_htmx_is_a_login_prompt_not_a_500(live_server, page, people,
                                                                   world, check_a11y):
    item = world["item"]
    login_with_password(page, live_server, people["member"])
    page.goto(f"{live_server}/vergaderingen/{world['meeting']}")
    page.locator(f"#respons-{item} summary").click()
    page.fill(f"#i{item}-text", TEXT)
    page.context.clear_cookies()
    page.locator(f"#respons-{item}").get_by_role("button", name="Inbreng versturen").click()
    log_in_again(page, people["member"])
    assert page.input_value(f"#i{item}-text") == TEXT
    assert page.get_by_text("Er ging iets mis").count() == 0
    check_a11y(page, "the kept input in the item's form")
    page.get_by_role("button", name="Inbreng versturen").click()
    page.locator("#inbreng").get_by_text("Opgeslagen. Dank u wel.").wait_for()
    assert page.console_errors == []


def test_an_expired_form_while_logged_in_comes_back_filled_in(live_server, page, people,
                                                                world):
    item = world["item"]
    login_with_password(page, live_server, people["member"])
    page.goto(f"{live_server}/agendapunten/{item}")
    page.fill(f"#i{item}-text", TEXT)
    # The token of the page and of htmx's header is no longer valid.
    page.evaluate("""() => {
        document.querySelectorAll('input[name$=csrf_token]').forEach(i => i.value = 'verlopen');
        document.body.setAttribute('hx-headers', '{"X-CSRFToken": "verlopen"}');
    }""")
    page.get_by_role("button", name="Inbreng versturen").click()
    page.wait_for_url("**/bewaard/*")
    assert page.input_value(f"#i{item}-text") == TEXT
    page.get_by_role("button", name="Inbreng versturen").click()
    page.locator("#inbreng").get_by_text("Opgeslagen. Dank u wel.").wait_for()


@pytest.mark.parametrize("javascript", [True, False])
def test_the_deadline_passing_on_the_meeting_page_keeps_the_text_and_offers_late_input(
        app, browser, live_server, people, world, javascript, check_a11y):
    context = browser.new_context(locale="nl-NL", java_script_enabled=javascript)
    page = context.new_page()
    item = world["item"]
    login_with_password(page, live_server, people["member"])
    page.goto(f"{live_server}/vergaderingen/{world['meeting']}")
    page.locator(f"#respons-{item} summary").click()
    page.fill(f"#i{item}-text", TEXT)
    close_deadline(app, world)
    page.locator(f"#respons-{item}").get_by_role("button", name="Inbreng versturen").click()
    late_form = page.locator(f"form[action='/agendapunten/{item}/late-inbreng']")
    late_form.wait_for()
    if javascript:
        check_a11y(page, "the late form on the meeting page")
    assert page.get_by_text("Uw tekst staat hieronder").is_visible()  # once, not twice
    assert late_form.locator("textarea").input_value() == TEXT
    late_form.get_by_role("button", name="Stuur naar de gedelegeerde als late inbreng").click()
    if javascript:  # in place on the meeting page
        page.locator(f"#respons-{item}").get_by_text("Opgeslagen. Dank u wel.").wait_for()
    else:  # back to the meeting page
        page.wait_for_url(re.compile(rf"/vergaderingen/{world['meeting']}\?opgeslagen="))
    context.close()

    # The delegate is told on her desk.
    delegate = browser.new_context(locale="nl-NL").new_page()
    login_with_password(delegate, live_server, people["delegate"])
    link = delegate.locator("section.desk .desk__action--urgent").get_by_role(
        "link", name="te laat ingediend (1 nieuw)")
    assert link.is_visible()
    delegate.context.close()


def test_a_pasted_long_text_is_counted_never_cut(live_server, page, people, world, check_a11y):
    item = world["item"]
    login_with_password(page, live_server, people["member"])
    page.goto(f"{live_server}/agendapunten/{item}")
    counter = page.locator(f"#i{item}-text-counter")
    assert counter.inner_text() == "0 van 5.000 tekens"
    pasted = ("Een lange tekst uit een rapport. " * 3100)[:99_999] + "."
    page.locator(f"#i{item}-text").fill(pasted)
    assert page.input_value(f"#i{item}-text") == pasted  # nothing dropped
    assert counter.inner_text().startswith(
        "Uw tekst is 100.000 tekens; het maximum is 5.000. Maak hem 95.000 tekens korter.")
    check_a11y(page, "a text over the limit")
    page.get_by_role("button", name="Inbreng versturen").click()
    page.locator("#inbreng p.alert--error").get_by_text(  # the server's answer
        "Uw tekst is 100.000 tekens; het maximum is 5.000.").wait_for()
    assert page.input_value(f"#i{item}-text") == pasted
    page.locator(f"#i{item}-text").fill(pasted[:4000])
    assert counter.inner_text() == "4.000 van 5.000 tekens"
