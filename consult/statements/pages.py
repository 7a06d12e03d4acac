"""Page contexts of the delegate's workbench: what the workspace, the item's workbench
with its statement editor, the revisions and the outcomes pages show."""

from datetime import datetime, time, timedelta

from flask_login import current_user

from consult.accounts.models import Organisation
from consult.comments.services import KIND_LABELS
from consult.database import utcnow
from consult.meetings.models import AgendaItem, Meeting
from consult.meetings.status import MeetingStatus, meeting_status
from consult.pages import local_time
from consult.statements import draft_review, outcomes, overview, services
from consult.statements.forms import MarkForm, ReviewForm, StatementForm


def workspace_context(meeting: Meeting) -> dict:
    """Per meeting: the progress of every item asking for input."""
    progress = services.meeting_progress(meeting)
    asked, final = services.progress_summary(progress)
    return {"meeting": meeting, "progress": progress, "asked": asked, "final": final,
            "review_form": review_form(meeting),
            "editable": services.statements_editable(meeting),
            "state": meeting_status(meeting), "MeetingStatus": MeetingStatus,
            "title": f"Werkruimte: {meeting.body.name}"}


def editor_context(item: AgendaItem, form=None, conflict=None, message=None) -> dict:
    """The statement editor: the current text, or this delegate's unsaved draft of it."""
    statement = services.statement_for(item, create=False)
    draft = services.draft_of(statement, current_user) if statement.id else None
    if form is None:
        text = draft.text if draft else statement.text
        base = draft.base_revision_id if draft else statement.current_revision_id
        form = StatementForm(formdata=None, text=text, base_revision_id=base or "")
    return {"item": item, "meeting": item.meeting, "statement": statement, "form": form,
            "draft": draft, "conflict": conflict, "message": message,
            "editable": services.statements_editable(item.meeting),
            "used": services.used_comments(item), "tally": draft_review.review_tally(item),
            "review_form": review_form(item.meeting)}


def review_form(meeting: Meeting) -> ReviewForm:
    """Answers by 17.00 uur two days from now, or else the day before the meeting."""
    moment = local_time(utcnow()) + timedelta(days=2)
    latest = local_time(meeting.starts_at) - timedelta(days=1)
    moment = min(datetime.combine(moment.date(), time(17), moment.tzinfo), latest)
    return ReviewForm(formdata=None, answer_date=moment.date(),
                      answer_time=moment.time().replace(second=0, microsecond=0))


def review_answer_context(answer, form, error: str | None, thanks: bool) -> dict:
    """The contributor's page behind the mail's link: the concept as sent, the buttons."""
    review = answer.review
    return {"answer": answer, "review": review, "item": review.item,
            "meeting": review.item.meeting, "text": review.revision.text, "form": form,
            "error": error, "thanks": thanks, "state": draft_review.answer_state(answer),
            "title": f"Concept ter inzage: {review.item.label}. {review.item.title}"}


def item_workspace_context(item: AgendaItem, filters) -> dict:
    """All input on the item (filtered by `filters`, the query string) beside the editor."""
    previous, following = services.neighbours(item)
    comments = services.filtered_comments(
        item, kind=filters.get("kind"), organisation=filters.get("organisation"),
        region_id=filters.get("region", type=int), unmarked=bool(filters.get("unmarked")))
    # The overview is of all live input, whatever the list below is filtered on.
    filtered = any(filters.get(name) for name in ("kind", "organisation", "region", "unmarked"))
    everything = services.filtered_comments(item) if filtered else comments
    return {"comments": comments, "filters": filters, "kind_labels": KIND_LABELS,
            "organisations": list(Organisation), "regions": services.regions(),
            "previous": previous, "next": following, "mark_form": MarkForm(formdata=None),
            "title": f"Werkruimte {item.label}. {item.title}", **editor_context(item),
            **overview_context(item, everything)}


def overview_context(item: AgendaItem, comments) -> dict:
    """The overview of many inputs: groups with their inputs, and "overig"."""
    context = overview.overview_context(item, comments)
    context["kind_words"] = {kind.value: label.lower() for kind, label in KIND_LABELS.items()}
    return context


def used_context(item: AgendaItem, used: overview.Used) -> dict:
    """After "Gebruik in standpunt": the editor with the sentence, the group and the rows
    of its inputs (now verwerkt), for htmx to swap."""
    comments = services.filtered_comments(item)
    context = overview_context(item, comments)
    view = next((v for v in context["overview_groups"] if v.group.key == used.group.key),
                overview.GroupView(used.group, used.marked))
    message = used_message(used)
    return {**editor_context(item, message=message), **context, "view": view,
            "marked": used.marked, "kind_labels": KIND_LABELS,
            "mark_form": MarkForm(formdata=None), "message": message}


def used_message(used: overview.Used) -> str:
    count = len(used.marked)
    marked = f"{count} {'inbreng is' if count == 1 else 'inbrengen zijn'} gemarkeerd als verwerkt"
    if not used.added:
        return f"De zin stond al in uw concept; {marked}."
    return (f"De zin staat nu in uw concept (automatisch bewaard, nog geen versie); "
            f"{marked}.")


def mark_context(item: AgendaItem, comment) -> dict:
    """One input's row on the workbench, after marking it."""
    return {"comment": comment, "item": item, "kind_labels": KIND_LABELS,
            "mark_form": MarkForm(formdata=None), "editable": True}


def revisions_context(item: AgendaItem, old_number: int | None,
                      new_number: int | None) -> dict:
    statement = services.statement_for(item, create=False)
    history = services.revisions(statement) if statement.id else []
    old, new, diff = services.compared(history, old_number, new_number)
    return {"item": item, "statement": statement, "history": history, "old": old,
            "new": new, "diff": diff, "editable": services.statements_editable(item.meeting),
            "title": f"Versies van de inbreng op {item.label}"}


def outcomes_context(meeting: Meeting, texts: dict[int, str] | None = None,
                     error: str | None = None) -> dict:
    """The outcome form: the recorded texts, or what the delegate just sent (`texts`)."""
    items = outcomes.outcome_items(meeting)
    return {"meeting": meeting, "items": items, "error": error,
            "texts": texts if texts is not None else outcomes.outcome_texts(items),
            "editable": services.outcomes_editable(meeting),
            "state": meeting_status(meeting), "MeetingStatus": MeetingStatus,
            "title": f"{meeting.body.outcome_label}: {meeting.body.name}"}
