"""The import review in a browser, once with JavaScript (htmx swaps the review block)
and once without (every operation is a full page): paste a real report, split, merge,
indent, move, save, and find the corrected agenda on the meeting page."""

import re

import pytest

from tests.e2e.conftest import login_with_password
from tests.test_meetings_agenda_review_views import REPORT, empty_draft  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e


def operate(page, button: str, message: str) -> None:
    page.get_by_role("button", name=button, exact=True).click()
    page.get_by_text(message, exact=True).wait_for()


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "zonder-js"])
def test_review_operations_then_save(browser, live_server, people, empty_draft,  # noqa: F811
                                     check_a11y, javascript):
    context = browser.new_context(locale="nl-NL", viewport={"width": 1280, "height": 900},
                                  java_script_enabled=javascript)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login_with_password(page, live_server, people["delegate"])
    page.goto(f"{live_server}/vergaderingen/{empty_draft}/agenda/importeren")
    page.get_by_label("Agenda van deze vergadering").check()
    page.fill("#text", REPORT)
    page.get_by_role("button", name="Voorstel bekijken").click()
    page.get_by_role("heading", name="Agenda controleren").wait_for()
    if javascript:  # axe runs as a script: the page without JavaScript is the same HTML
        check_a11y(page, "import review")
    assert page.locator("#description").input_value().startswith("Taskforce Samen Organiseren")

    # Split Common Ground (4) at its "TF Inbreng" line, then merge the new 5 back.
    page.select_option("#items-5-split_at", "2")
    operate(page, "Splitsen (punt 4)", "Punt 4 is gesplitst: punt 5 is nieuw.")
    assert page.locator("#items-6-title").input_value() == "TF Inbreng VIAG/IMG+CIO:"
    assert page.locator("#items-7-title").input_value() == "Jaarplan GGU 2027"
    assert page.locator("#items-7-number").input_value() == "6"
    if javascript:
        assert page.evaluate("document.activeElement.id") == "voorstel-6-kop"
    operate(page, "Samenvoegen met het punt erboven (punt 5)",
            "Punt 5 is samengevoegd met punt 4.")
    assert page.locator("#items-6-title").input_value() == "Jaarplan GGU 2027"
    assert "TF Inbreng VIAG/IMG+CIO:" in page.locator("#items-5-explanation").input_value()

    # 8 becomes a sub-item of 7; Opening moves below Update.
    operate(page, "Subpunt maken (punt 8)", "Punt 8 is nu subpunt 7A.")
    operate(page, "Omlaag (punt 1)", "Punt 2 is omlaag verplaatst.")
    assert page.locator("#items-0-title").input_value() == "Update lopende zaken"
    if javascript:
        check_a11y(page, "import review after operations")

    page.get_by_role("button", name="Agendapunten opslaan").click()
    page.wait_for_url(re.compile(rf"/vergaderingen/{empty_draft}(#.*)?$"))
    assert page.get_by_text("16 agendapunten zijn toegevoegd.").is_visible()
    numbers = page.locator("#agenda .agenda-item__number").all_inner_texts()
    titles = page.locator("#agenda .agenda-item__title").all_inner_texts()
    agenda = [(number, re.sub(r"^Punt \S+:\s*", "", title))
              for number, title in zip(numbers, titles, strict=True)]
    assert agenda[:2] == [("1", "Update lopende zaken"), ("2", "Opening, mededelingen")]
    assert ("7A", "Federatief Datastelsel") in agenda
    assert agenda[-1] == ("12", "Rondvraag")  # 13 closed up when 8 became 7A

    # Moving on the meeting page: announced and focused with htmx, a redirect without.
    page.get_by_role("button", name="Omhoog (punt 2)").click()
    if javascript:
        page.locator("#status").get_by_text("Punt 2 is omhoog verplaatst.").wait_for()
        assert page.evaluate("document.activeElement.textContent") == "Omlaag (punt 2)"
    else:
        page.wait_for_url(re.compile(r"#punt-\d+$"))
        assert page.get_by_text("Punt 2 is omhoog verplaatst.").is_visible()
    assert page.locator("#agenda .agenda-item__number").first.inner_text() == "2"
    assert errors == []
    context.close()
