from consult.extensions import db
from tests.conftest import TEST_DB, make_app


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_503_when_the_database_does_not_answer(tmp_path):
    if TEST_DB == "postgresql":
        uri = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=1"
    else:
        uri = f"sqlite:///{tmp_path}/missing-folder/consult.db"
    app = make_app(uri, tmp_path)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    with app.app_context():
        db.engine.dispose()


def test_pages_answer_503_with_a_clear_page_when_the_database_is_down(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/missing-folder/consult.db", tmp_path)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "some-token"
    response = client.get("/")
    assert response.status_code == 503
    assert "Tijdelijk niet beschikbaar" in response.get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()
