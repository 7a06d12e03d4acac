"""Any `?page=` or `?region=` on the member list gives a normal page: text, negative,
huge (beyond the database's INTEGER and OFFSET), unicode digits."""

import pytest

from consult.database import MAX_PAGE, id_number, page_number
from consult.extensions import db
from tests.factories import make_user

BAD_VALUES = ["99999999999999999999999", "-5", "abc", "", "²", "١٢", "1e9", "7x", "0",
              str(2**31), str(2**63), "9" * 400]


@pytest.mark.parametrize("value", BAD_VALUES)
def test_member_list_answers_any_page_and_region(app, client, auth, value):
    with app.app_context():
        make_user(name="Anouk Smit", region="Noord")
        db.session.commit()
    auth.login("admin")
    for query in (f"page={value}", f"region={value}", f"page={value}&region={value}"):
        response = client.get("/beheer/leden", query_string=query)
        assert response.status_code == 200, query
        assert "Leden" in response.get_data(as_text=True)
    # The first page still lists the member; a filter that cannot name a region is none.
    assert "Anouk Smit" in client.get("/beheer/leden", query_string={
        "region": value}).get_data(as_text=True)


def test_query_numbers():
    assert page_number("3") == 3
    assert page_number("-3") == 1
    assert page_number("99999999999999999999") == MAX_PAGE
    assert page_number("²") == page_number(None) == page_number("x") == 1
    assert id_number("7") == 7
    assert id_number(str(2**31)) == 0
    assert id_number("-7") == id_number("²") == id_number("") == id_number("0") == 0
