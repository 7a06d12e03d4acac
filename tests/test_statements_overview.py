"""The overview of many inputs per item: quality on the labelled set, nothing invented,
nothing lost, the cache, and "Gebruik in standpunt" (with and without htmx)."""

import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from consult.accounts.models import User
from consult.comments.models import Comment, CommentKind, Mark
from consult.database import utcnow
from consult.extensions import db
from consult.meetings.models import AgendaItem
from consult.statements import overview, services
from consult.statements.models import StatementDraft, StatementRevision, StatementStatus
from consult.statements.overview_cluster import Entry, build_overview
from tests.bench import bench_overview
from tests.factories import make_user

# Measured (make bench): ARI 0.850, purity 0.917 over the 120 inputs; the floors leave a
# margin for small changes of libraries, not for a worse method.
ARI_FLOOR = 0.78
PURITY_FLOOR = 0.88


@pytest.fixture(autouse=True)
def fresh_cache():
    overview.clear_cache()
    yield
    overview.clear_cache()


def test_quality_on_the_labelled_set():
    result = bench_overview.quality()["all"]
    assert result["ari"] >= ARI_FLOOR, result
    assert result["purity"] >= PURITY_FLOOR, result


@pytest.mark.parametrize("item", ["cg", "woo", "ib", "so"])
def test_nothing_invented_and_nothing_lost(item):
    rows = bench_overview.load()[item]
    texts = {row["id"]: row["text"] for row in rows}
    result = build_overview(bench_overview.entries(rows))
    placed = [i for group in result.groups for i in group.ids] + result.other
    assert sorted(placed) == sorted(texts), "every input in exactly one group or in overig"
    for group in result.groups:
        assert len(group.ids) >= 2
        assert group.source_id in group.ids
        assert group.sentence and group.sentence in texts[group.source_id]
        words = " ".join(texts[i] for i in group.ids).lower()
        assert all(phrase in words for phrase in group.phrases)


def test_near_duplicates_share_a_group():
    rows = bench_overview.load()["cg"]
    copied = [row["id"] for row in rows if row["label"] == "leveranciers"][:3]
    result = build_overview(bench_overview.entries(rows))
    [group] = [g for g in result.groups if copied[0] in g.ids]
    assert sorted(copied) in [sorted(ids) for ids in group.duplicates]
    assert group.same_words(copied) == 3  # three municipalities say the same


def test_few_or_empty_inputs():
    assert build_overview([]).groups == []
    assert build_overview([Entry(1, "Ja.")]).other == [1]
    result = build_overview([Entry(1, "de en van"), Entry(2, "het een")])
    assert result.groups == [] and result.other == [1, 2]


def test_web_workers_do_not_load_scikit_learn():
    code = ("import sys; from consult import create_app; import consult.statements.views; "
            "assert 'sklearn' not in sys.modules, 'sklearn imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


# --- in the workspace -----------------------------------------------------------

def seed(app, item_id, label_filter=None):
    """The labelled inputs on "cg" as input on the item, by one member per row."""
    rows = bench_overview.load()["cg"]
    ids = {}
    with app.app_context():
        item = db.session.get(AgendaItem, item_id)
        for row in rows:
            author = make_user(name=f"Lid {row['municipality']}", region=row["region"],
                               municipality=row["municipality"])
            comment = Comment(item=item, author=author, kind=CommentKind(row["kind"]),
                              text=row["text"])
            db.session.add(comment)
            db.session.flush()
            ids[comment.id] = row["label"]
        db.session.commit()
    return ids


def groups_of(app, item_id):
    with app.test_request_context():
        return overview.item_overview(db.session.get(AgendaItem, item_id)).groups


def draft_and_marks(app, item_id, ids):
    with app.app_context():
        draft = db.session.scalar(select(StatementDraft))
        marks = {c.id: c.mark for c in db.session.scalars(
            select(Comment).where(Comment.id.in_(ids)))}
        revisions = db.session.scalars(select(StatementRevision)).all()
        return draft, marks, len(revisions)


def test_workspace_shows_groups_with_their_sources(app, client, auth, world):
    seed(app, world["item"])
    auth.login("delegate")
    page = client.get(f"/agendapunten/{world['item']}/werkruimte").get_data(as_text=True)
    assert "Overzicht: wat zeggen de inbrengen?" in page
    assert "3 gemeenten zeggen (bijna) hetzelfde" in page
    for group in groups_of(app, world["item"]):
        assert group.sentence.replace("'", "&#39;") in page
        assert f'href="#inbreng-{group.source_id}"' in page
        assert f"/overzicht/{group.key}/gebruiken" in page
    assert page.count("Gebruik in standpunt") == len(groups_of(app, world["item"]))


def test_overview_is_cached_until_the_input_changes(app, world):
    seed(app, world["item"])
    with app.test_request_context():
        item = db.session.get(AgendaItem, world["item"])
        first = overview.item_overview(item)
        assert overview.item_overview(item) is first
        comment = db.session.scalars(select(Comment)).first()
        comment.mark = Mark.READ  # marks do not change what the inputs say
        db.session.commit()
        assert overview.item_overview(item) is first
        comment.text += " Ook wij."
        comment.updated_at = comment.updated_at + timedelta(seconds=1)
        db.session.commit()
        assert overview.item_overview(item) is not first


def delegate_with_a_version(app, client, auth, world, text, group_index):
    """The labelled inputs on the item; the delegate saved `text` as version 1."""
    ids = seed(app, world["item"])
    group = groups_of(app, world["item"])[group_index]
    auth.login("delegate")
    client.post(f"/agendapunten/{world['item']}/gezamenlijke-inbreng",
                data={"text": text, "base_revision_id": ""})
    return ids, group


def test_use_in_statement_without_javascript(app, client, auth, world):
    ids, group = delegate_with_a_version(app, client, auth, world, "Eerste alinea.", 0)
    response = client.post(f"/agendapunten/{world['item']}/overzicht/{group.key}/gebruiken")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"#groep-{group.key}")
    draft, marks, revisions = draft_and_marks(app, world["item"], list(ids))
    assert draft.text == f"Eerste alinea.\n\n{group.sentence}"
    assert revisions == 1 and draft.base_revision_id is not None  # a draft, not a version
    assert {i for i, mark in marks.items() if mark == Mark.USED} == set(group.ids)
    page = client.get(f"/agendapunten/{world['item']}/werkruimte").get_data(as_text=True)
    assert "De zin staat nu in uw concept" in page
    # Twice: the sentence is not repeated.
    client.post(f"/agendapunten/{world['item']}/overzicht/{group.key}/gebruiken")
    assert draft_and_marks(app, world["item"], [])[0].text.count(group.sentence) == 1


def test_use_in_statement_with_htmx_keeps_typed_text_and_conflicts(app, client, auth, world):
    ids, group = delegate_with_a_version(app, client, auth, world, "Versie 1", 1)
    with app.app_context():
        base = db.session.scalar(select(StatementRevision.id))
        other = db.session.get(User, make_user("admin").id)
        services.save_statement(services.statement_for(db.session.get(AgendaItem, world["item"])),
                                other, "Versie 2 van een ander", base)
        db.session.commit()
    response = client.post(f"/agendapunten/{world['item']}/overzicht/{group.key}/gebruiken",
                           data={"text": "Getypt, nog niet bewaard", "base_revision_id": base},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="editor"' in html and group.sentence in html
    assert f'id="groep-{group.key}"' in html and 'hx-swap-oob="true"' in html
    assert html.count('hx-swap-oob="true"') == 1 + len(group.ids)
    draft, marks, _ = draft_and_marks(app, world["item"], list(ids))
    assert draft.text == f"Getypt, nog niet bewaard\n\n{group.sentence}"
    assert draft.base_revision_id == base  # saving it now meets the other's version
    conflict = client.post(f"/agendapunten/{world['item']}/gezamenlijke-inbreng",
                           data={"text": draft.text, "base_revision_id": base})
    assert conflict.status_code == 409


def test_use_in_statement_refused(app, client, auth, world):
    ids = seed(app, world["item"])
    group = groups_of(app, world["item"])[0]
    auth.login("delegate")
    gone = client.post(f"/agendapunten/{world['item']}/overzicht/onbekend/gebruiken",
                       headers={"HX-Request": "true"})
    assert gone.status_code == 422 and "bestaat niet meer" in gone.get_data(as_text=True)
    with app.app_context():
        statement = services.statement_for(db.session.get(AgendaItem, world["item"]))
        services.save_statement(statement, db.session.get(User, make_user("admin").id),
                                "Klaar.", None)
        statement.status = StatementStatus.FINAL
        db.session.commit()
    final = client.post(f"/agendapunten/{world['item']}/overzicht/{group.key}/gebruiken",
                        follow_redirects=True)
    assert "Deze inbreng is definitief" in final.get_data(as_text=True)
    _, marks, _ = draft_and_marks(app, world["item"], list(ids))
    assert not any(marks.values())


def test_use_in_statement_when_the_meeting_is_read_only(app, client, auth, world):
    ids = seed(app, world["item"])
    group = groups_of(app, world["item"])[0]
    with app.app_context():
        meeting = db.session.get(AgendaItem, world["item"]).meeting
        meeting.input_deadline = meeting.starts_at = utcnow() - timedelta(hours=2)
        meeting.ends_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    auth.login("delegate")
    page = client.get(f"/agendapunten/{world['item']}/werkruimte").get_data(as_text=True)
    assert group.sentence in page and "Gebruik in standpunt" not in page
    refused = client.post(f"/agendapunten/{world['item']}/overzicht/{group.key}/gebruiken",
                          follow_redirects=True)
    assert "alleen nog te lezen" in refused.get_data(as_text=True)
    draft, marks, _ = draft_and_marks(app, world["item"], list(ids))
    assert draft is None and not any(marks.values())
