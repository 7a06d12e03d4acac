"""The delegate's overview of many inputs in the browser: groups with their sources,
"Gebruik in standpunt" puts the sentence in the editor and marks the inputs verwerkt
(htmx), and axe finds no violations on the page before and after."""

import pytest

from tests.e2e.conftest import login_with_password
from tests.test_statements_overview import groups_of, seed

pytestmark = pytest.mark.e2e


def test_delegate_uses_a_group_in_the_statement(app, live_server, page, check_a11y, people,
                                                 world):
    seed(app, world["item"])
    group = groups_of(app, world["item"])[0]
    login_with_password(page, live_server, people["delegate"])
    page.goto(f"{live_server}/agendapunten/{world['item']}/werkruimte")
    overview = page.locator("#overzicht")
    assert overview.get_by_role("heading", name="Overzicht: wat zeggen de inbrengen?").is_visible()
    card = page.locator(f"#groep-{group.key}")
    assert card.get_by_text(group.sentence).is_visible()
    assert overview.get_by_text("gemeenten zeggen (bijna) hetzelfde").first.is_visible()
    check_a11y(page, "item workspace with overview")

    page.get_by_label("Tekst").fill("Onze eerste alinea.")
    card.get_by_role("button", name="Gebruik in standpunt").click()
    page.locator("#editor").get_by_text("De zin staat nu in uw concept").wait_for()
    assert page.get_by_label("Tekst").input_value() == f"Onze eerste alinea.\n\n{group.sentence}"
    for comment_id in group.ids:
        row = page.locator(f"#inbreng-{comment_id}")
        assert row.get_by_label("Verwerkt").is_checked()
        assert "comment--mark-used" in row.get_attribute("class")
    assert page.locator(f"#groep-{group.key}").get_by_text("verwerkt").first.is_visible()
    check_a11y(page, "after Gebruik in standpunt")
    assert page.console_errors == []

    # Without htmx the same happens after a reload: the draft keeps the sentence.
    page.reload()
    assert group.sentence in page.get_by_label("Tekst").input_value()
