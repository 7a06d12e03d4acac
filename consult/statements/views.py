"""The delegate's workbench: per meeting the progress, per item all input beside the
statement editor; revisions; outcomes and the terugkoppeling."""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.accounts.models import Organisation, User
from consult.comments.models import Comment, CommentKind, Mark
from consult.comments.services import KIND_LABELS
from consult.extensions import db
from consult.meetings.models import AgendaItem
from consult.meetings.services import MeetingStatus, meeting_status
from consult.meetings.views import load_item, load_meeting
from consult.pages import render_page, wants_fragment
from consult.permissions import can_manage_meetings
from consult.statements import services
from consult.statements.forms import MarkForm, StatementForm
from consult.statements.models import Outcome, StatementRevision, StatementStatus

bp = Blueprint("statements", __name__)


def consolidated_meeting(meeting_id: int):
    meeting = load_meeting(meeting_id)
    if not can_manage_meetings(current_user, meeting.body) or meeting.published_at is None:
        abort(403)
    return meeting


def consolidated_item(item_id: int) -> AgendaItem:
    item = load_item(item_id)
    if not can_manage_meetings(current_user, item.meeting.body) or (
            item.meeting.published_at is None or not item.asks_input):
        abort(403)
    return item


@bp.get("/vergaderingen/<int:meeting_id>/werkruimte")
@login_required
def workspace(meeting_id: int):
    meeting = consolidated_meeting(meeting_id)
    progress = services.meeting_progress(meeting)
    asked = [p for p in progress if p.item.open_for_input]
    final = sum(1 for p in asked if p.statement and p.statement.status == StatementStatus.FINAL)
    return render_page("statements/workspace.html", meeting=meeting, progress=progress,
                       asked=len(asked), final=final, state=meeting_status(meeting),
                       MeetingStatus=MeetingStatus,
                       title=f"Werkruimte: {meeting.body.name}")


def filtered_comments(item: AgendaItem, args) -> list[Comment]:
    query = (select(Comment).where(Comment.item_id == item.id, Comment.withdrawn_at.is_(None))
             .join(User, User.id == Comment.author_id)
             .options(selectinload(Comment.author).selectinload(User.region),
                      selectinload(Comment.author).selectinload(User.chairs_region),
                      selectinload(Comment.entered_by))
             .order_by(Comment.created_at, Comment.id))
    if (kind := args.get("kind")) in {k.value for k in CommentKind}:
        query = query.where(Comment.kind == CommentKind(kind))
    if (organisation := args.get("organisation")) in {o.value for o in Organisation}:
        query = query.where(User.organisation == Organisation(organisation))
    if region := args.get("region", type=int):
        query = query.where(User.region_id == region)
    if args.get("unmarked"):
        query = query.where(Comment.mark.is_(None))
    return list(db.session.scalars(query))


def editor_context(item, form=None, conflict=None, message=None, status=None) -> dict:
    statement = services.statement_for(item)
    draft = services.draft_of(statement, current_user)
    if form is None:
        text = draft.text if draft else statement.text
        base = draft.base_revision_id if draft else statement.current_revision_id
        form = StatementForm(formdata=None, text=text, base_revision_id=base or "")
    return {"item": item, "meeting": item.meeting, "statement": statement, "form": form,
            "draft": draft, "conflict": conflict, "message": message,
            "editable": services.statements_editable(item.meeting),
            "used": [c for c in db.session.scalars(select(Comment).where(
                Comment.item_id == item.id, Comment.withdrawn_at.is_(None),
                Comment.mark == Mark.USED).options(selectinload(Comment.author)))]}


@bp.get("/agendapunten/<int:item_id>/werkruimte")
@login_required
def item_workspace(item_id: int):
    item = consolidated_item(item_id)
    meeting = item.meeting
    asked = [i for i in meeting.items if i.asks_input]
    index = asked.index(item)
    from consult.accounts.models import Region

    return render_page(
        "statements/item.html",
        comments=filtered_comments(item, request.args),
        filters=request.args,
        kind_labels=KIND_LABELS,
        organisations=list(Organisation),
        regions=db.session.scalars(select(Region).order_by(Region.name)).all(),
        previous=asked[index - 1] if index > 0 else None,
        next=asked[index + 1] if index + 1 < len(asked) else None,
        mark_form=MarkForm(formdata=None),
        title=f"Werkruimte {item.label}. {item.title}",
        **editor_context(item),
    )


@bp.post("/inbreng/<int:comment_id>/markeren")
@login_required
def mark(comment_id: int):
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.withdrawn_at is not None:
        abort(404)
    item = consolidated_item(comment.item_id)
    form = MarkForm()
    value = Mark(form.mark.data) if form.mark.data in {m.value for m in Mark} else None
    try:
        services.mark_comment(current_user, comment, value, form.reason.data or "")
    except services.ConsolidationError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("statements.item_workspace", item_id=item.id), 303)
    db.session.commit()
    if wants_fragment():
        return render_page("statements/item.html", block="comment_row", comment=comment,
                           kind_labels=KIND_LABELS, mark_form=MarkForm(formdata=None),
                           editable=True, item=item)
    return redirect(url_for("statements.item_workspace", item_id=item.id)
                    + f"#inbreng-{comment.id}", 303)


@bp.post("/agendapunten/<int:item_id>/gezamenlijke-inbreng")
@login_required
def save(item_id: int):
    """Explicit save makes a revision; `autosave` keeps the text as this delegate's draft."""
    item = consolidated_item(item_id)
    statement = services.statement_for(item)
    form = StatementForm()
    autosave = request.form.get("autosave") == "1"
    try:
        if autosave:
            services.require(services.statements_editable(item.meeting),
                             "De vergadering is begonnen: de inbreng is nu alleen nog te lezen.")
            draft = services.keep_draft(statement, current_user, form.text.data, form.base)
            db.session.commit()
            return render_page("statements/item.html", block="autosave_status", draft=draft)
        revision = services.save_statement(statement, current_user, form.text.data, form.base)
    except services.StatementConflict as conflict:
        db.session.rollback()
        statement = services.statement_for(item)
        services.keep_draft(statement, current_user, conflict.mine, form.base)
        db.session.commit()
        merged = StatementForm(formdata=None, text=conflict.mine,
                               base_revision_id=statement.current_revision_id or "")
        return answer(item, status=409, form=merged, conflict=statement.text)
    except services.ConsolidationError as error:
        db.session.rollback()
        return answer(item, status=422, form=form, message=str(error))
    db.session.commit()
    message = (f"Opgeslagen als versie {revision.number}." if revision
               else "Geen wijzigingen: er is geen nieuwe versie gemaakt.")
    return answer(item, message=message)


def answer(item, status=200, **context):
    if wants_fragment():
        return render_page("statements/item.html", block="editor", status=status,
                           **editor_context(item, **context))
    if status >= 400:
        return render_page("statements/conflict.html", status=status,
                           **editor_context(item, **context),
                           title=f"Inbreng {item.label} opslaan")
    flash(context.get("message", "Opgeslagen."), "success")
    return redirect(url_for("statements.item_workspace", item_id=item.id) + "#editor", 303)


@bp.post("/agendapunten/<int:item_id>/gezamenlijke-inbreng/status")
@login_required
def set_status(item_id: int):
    item = consolidated_item(item_id)
    statement = services.statement_for(item)
    wanted = (StatementStatus.FINAL if request.form.get("status") == "definitief"
              else StatementStatus.DRAFT)
    try:
        services.set_status(statement, current_user, wanted)
    except services.ConsolidationError as error:
        db.session.rollback()
        return answer(item, status=422, message=str(error))
    db.session.commit()
    return answer(item, message="De inbreng is definitief." if wanted == StatementStatus.FINAL
                  else "De inbreng is heropend en weer te bewerken.")


@bp.get("/agendapunten/<int:item_id>/versies")
@login_required
def revisions(item_id: int):
    item = consolidated_item(item_id)
    statement = services.statement_for(item)
    history = services.revisions(statement)
    by_number = {r.number: r for r in history}
    old = by_number.get(request.args.get("van", type=int))
    new = by_number.get(request.args.get("naar", type=int))
    if history and (old is None or new is None):
        new = history[0]
        old = history[1] if len(history) > 1 else history[0]
    diff = services.word_diff(old.text, new.text) if history else None
    return render_page("statements/revisions.html", item=item, statement=statement,
                       history=history, old=old, new=new, diff=diff,
                       editable=services.statements_editable(item.meeting),
                       title=f"Versies van de inbreng op {item.label}")


@bp.post("/versies/<int:revision_id>/herstellen")
@login_required
def restore(revision_id: int):
    revision = db.get_or_404(StatementRevision, revision_id)
    from consult.statements.models import Statement

    statement = db.session.get(Statement, revision.statement_id)
    item = consolidated_item(statement.item_id)
    try:
        new = services.restore_revision(statement, current_user, revision)
    except services.ConsolidationError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Versie {revision.number} is teruggezet als versie {new.number}." if new
              else "Die versie is al de huidige tekst.", "success")
    return redirect(url_for("statements.revisions", item_id=item.id), 303)


@bp.route("/vergaderingen/<int:meeting_id>/uitkomsten", methods=["GET", "POST"])
@login_required
def outcomes(meeting_id: int):
    meeting = consolidated_meeting(meeting_id)
    items = [item for item in meeting.items if not item.withdrawn_at]
    existing = {o.item_id: o for o in db.session.scalars(
        select(Outcome).where(Outcome.item_id.in_([i.id for i in items])))}
    error = None
    if request.method == "POST":
        try:
            for item in items:
                services.record_outcome(item, current_user,
                                        request.form.get(f"uitkomst-{item.id}", ""))
        except services.ConsolidationError as problem:
            db.session.rollback()
            error = str(problem)
        else:
            db.session.commit()
            flash("De uitkomsten zijn opgeslagen.", "success")
            return redirect(url_for("statements.outcomes", meeting_id=meeting.id), 303)
    texts = {item.id: request.form.get(f"uitkomst-{item.id}",
                                       existing[item.id].text if item.id in existing else "")
             for item in items}
    return render_page("statements/outcomes.html", status=422 if error else 200,
                       meeting=meeting, items=items, texts=texts, error=error,
                       editable=services.outcomes_editable(meeting),
                       state=meeting_status(meeting), MeetingStatus=MeetingStatus,
                       title=f"{meeting.body.outcome_label}: {meeting.body.name}")


@bp.post("/vergaderingen/<int:meeting_id>/uitkomsten/publiceren")
@login_required
def publish_outcomes(meeting_id: int):
    meeting = consolidated_meeting(meeting_id)
    try:
        count = services.publish_outcomes(meeting, current_user)
    except services.ConsolidationError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("statements.outcomes", meeting_id=meeting.id), 303)
    db.session.commit()
    flash(f"De uitkomsten zijn gepubliceerd. {count} leden die inbreng gaven krijgen een "
          "terugkoppeling per e-mail.", "success")
    return redirect(url_for("meetings.meeting", meeting_id=meeting.id), 303)
