"""The delegate's workbench: per meeting the progress, per item all input beside the
statement editor; revisions; outcomes and the terugkoppeling."""

from flask import Blueprint, flash, make_response, redirect, request, url_for
from flask_login import current_user, login_required

from consult.comments.models import Mark
from consult.database import writes_on_get
from consult.pages import render_block, render_page, wants_fragment
from consult.permissions import comment_for, item_for, meeting_for, revision_for
from consult.statements import desk, overview, pages, services
from consult.statements import outcomes as outcome_services
from consult.statements.forms import MarkForm, StatementForm
from consult.statements.models import StatementStatus
from consult.transactions import keep_changes

bp = Blueprint("statements", __name__)


@bp.get("/vergaderingen/<int:meeting_id>/werkruimte")
@login_required
@writes_on_get
def workspace(meeting_id: int):
    meeting = meeting_for("consolidate", meeting_id, attachments=False)
    desk.record_visit(current_user, meeting)
    return render_page("statements/workspace.html", **pages.workspace_context(meeting))


@bp.get("/agendapunten/<int:item_id>/werkruimte")
@login_required
def item_workspace(item_id: int):
    item = item_for("consolidate_item", item_id)
    return render_page("statements/item.html", **pages.item_workspace_context(item, request.args))


@bp.post("/inbreng/<int:comment_id>/markeren")
@login_required
def mark(comment_id: int):
    comment = comment_for("consolidate_item", comment_id)
    item = comment.item
    form = MarkForm()
    value = Mark(form.mark.data) if form.mark.data in {m.value for m in Mark} else None
    try:
        services.mark_comment(current_user, comment, value, form.reason.data or "")
    except services.ConsolidationError as error:
        flash(str(error), "error")
        return redirect(url_for("statements.item_workspace", item_id=item.id), 303)
    if wants_fragment():
        return render_page("statements/item.html", block="comment_row",
                           **pages.mark_context(item, comment))
    return redirect(url_for("statements.item_workspace", item_id=item.id)
                    + f"#inbreng-{comment.id}", 303)


@bp.post("/agendapunten/<int:item_id>/overzicht/<key>/gebruiken")
@login_required
def use_group(item_id: int, key: str):
    """"Gebruik in standpunt": the group's sentence into this delegate's draft, its inputs
    verwerkt. With htmx the editor is swapped, the group and its rows out of band."""
    item = item_for("consolidate_item", item_id)
    form = StatementForm()
    text = form.text.data if "text" in request.form else None
    try:
        used = overview.use_group(item, current_user, key, text, form.base)
    except services.ConsolidationError as error:
        if wants_fragment():
            return render_page("statements/item.html", block="editor", status=422,
                               **pages.editor_context(item, message=str(error)))
        flash(str(error), "error")
        return redirect(url_for("statements.item_workspace", item_id=item.id) + "#overzicht",
                        303)
    if not wants_fragment():
        flash(pages.used_message(used), "success")
        return redirect(url_for("statements.item_workspace", item_id=item.id)
                        + f"#groep-{key}", 303)
    context = pages.used_context(item, used)
    parts = [render_block("statements/item.html", "editor", **context),
             render_block("statements/item.html", "group_card", **context, oob=True)]
    parts += [render_block("statements/item.html", "comment_row", **context, comment=comment,
                           oob=True) for comment in used.marked]
    response = make_response("".join(parts))
    response.vary.add("HX-Request")
    return response


@bp.post("/agendapunten/<int:item_id>/gezamenlijke-inbreng")
@login_required
def save(item_id: int):
    """Explicit save makes a revision; `autosave` keeps the text as this delegate's draft."""
    item = item_for("consolidate_item", item_id)
    statement = services.statement_for(item)
    form = StatementForm()
    try:
        if request.form.get("autosave") == "1":
            draft = services.autosave(statement, current_user, form.text.data, form.base)
            return render_page("statements/item.html", block="autosave_status", draft=draft)
        revision = services.save_statement(statement, current_user, form.text.data, form.base)
    except services.StatementConflict as conflict:
        keep_changes()  # the 409 keeps the author's text, as a draft
        services.keep_draft(conflict.statement, current_user, conflict.mine, form.base)
        merged = StatementForm(formdata=None, text=conflict.mine,
                               base_revision_id=conflict.statement.current_revision_id or "")
        return answer(item, status=409, form=merged, conflict=conflict.statement.text)
    except services.ConsolidationError as error:
        return answer(item, status=422, form=form, message=str(error))
    message = (f"Opgeslagen als versie {revision.number}." if revision
               else "Geen wijzigingen: er is geen nieuwe versie gemaakt.")
    return answer(item, message=message)


def answer(item, status=200, **context):
    if wants_fragment():
        return render_page("statements/item.html", block="editor", status=status,
                           **pages.editor_context(item, **context))
    if status >= 400:
        return render_page("statements/conflict.html", status=status,
                           **pages.editor_context(item, **context),
                           title=f"Inbreng {item.label} opslaan")
    flash(context.get("message", "Opgeslagen."), "success")
    return redirect(url_for("statements.item_workspace", item_id=item.id) + "#editor", 303)


@bp.post("/agendapunten/<int:item_id>/gezamenlijke-inbreng/status")
@login_required
def set_status(item_id: int):
    item = item_for("consolidate_item", item_id)
    statement = services.statement_for(item)
    wanted = (StatementStatus.FINAL if request.form.get("status") == "definitief"
              else StatementStatus.DRAFT)
    try:
        services.set_status(statement, current_user, wanted)
    except services.ConsolidationError as error:
        return answer(item, status=422, message=str(error))
    return answer(item, message="De inbreng is definitief." if wanted == StatementStatus.FINAL
                  else "De inbreng is heropend en weer te bewerken.")


@bp.get("/agendapunten/<int:item_id>/versies")
@login_required
def revisions(item_id: int):
    item = item_for("consolidate_item", item_id)
    return render_page("statements/revisions.html", **pages.revisions_context(
        item, request.args.get("van", type=int), request.args.get("naar", type=int)))


@bp.post("/versies/<int:revision_id>/herstellen")
@login_required
def restore(revision_id: int):
    revision = revision_for("consolidate_item", revision_id)
    statement = revision.statement
    try:
        new = services.restore_revision(statement, current_user, revision)
    except services.ConsolidationError as error:
        flash(str(error), "error")
    else:
        flash(f"Versie {revision.number} is teruggezet als versie {new.number}." if new
              else "Die versie is al de huidige tekst.", "success")
    return redirect(url_for("statements.revisions", item_id=statement.item_id), 303)


@bp.route("/vergaderingen/<int:meeting_id>/uitkomsten", methods=["GET", "POST"])
@login_required
def outcomes(meeting_id: int):
    meeting = meeting_for("consolidate", meeting_id)
    if request.method == "GET":
        return render_page("statements/outcomes.html", **pages.outcomes_context(meeting))
    texts = {item.id: request.form.get(f"uitkomst-{item.id}", "")
             for item in outcome_services.outcome_items(meeting)}
    try:
        outcome_services.record_outcomes(meeting, current_user, texts)
    except services.ConsolidationError as error:
        return render_page("statements/outcomes.html", status=422,
                           **pages.outcomes_context(meeting, texts, str(error)))
    flash("De uitkomsten zijn opgeslagen.", "success")
    return redirect(url_for("statements.outcomes", meeting_id=meeting.id), 303)


@bp.post("/vergaderingen/<int:meeting_id>/uitkomsten/publiceren")
@login_required
def publish_outcomes(meeting_id: int):
    meeting = meeting_for("consolidate", meeting_id)
    try:
        count = outcome_services.publish_outcomes(meeting, current_user)
    except services.ConsolidationError as error:
        flash(str(error), "error")
        return redirect(url_for("statements.outcomes", meeting_id=meeting.id), 303)
    flash(f"De uitkomsten zijn gepubliceerd. {count} leden die inbreng gaven krijgen een "
          "terugkoppeling per e-mail.", "success")
    return redirect(url_for("meetings.meeting", meeting_id=meeting.id), 303)
