"""The page of a kept form (consult/accounts/kept_forms.py): the form's own page when its
domain registered one, else the fields with their labels and "Opnieuw versturen"."""

from flask import Blueprint, flash, url_for
from flask_login import current_user

from consult.accounts.kept_forms import RESUMERS, find_kept_form, go_to, kept_endpoint
from consult.database import writes_on_get
from consult.pages import render_page

bp = Blueprint("kept", __name__)

SESSION_ENDED = ("Uw sessie is verlopen. Log opnieuw in; daarna staat wat u invulde weer "
                 "klaar om te versturen.")

# How a posted field is named when it is shown back (also with a form prefix: "i5-text").
FIELD_LABELS = {"email": "E-mailadres", "name": "Naam", "text": "Tekst", "kind": "Soort",
                "municipality": "Gemeente", "body": "Tekst", "title": "Titel",
                "explanation": "Toelichting", "reason": "Reden", "subject": "Onderwerp"}


def shown_fields(formdata) -> list[tuple[str, str | None, str]]:
    """(name, label or None for a hidden field, value). A field we cannot name is kept
    hidden unless it holds a longer text the user should see."""
    fields = []
    for name, value in formdata.items(multi=True):
        label = FIELD_LABELS.get(name.rsplit("-", 1)[-1])
        if label is None and (len(value) > 60 or "\n" in value):
            label = "Tekst"
        fields.append((name, label, value))
    return fields


@bp.get("/bewaard/<token>")
@writes_on_get  # the first logged-in user to open it claims it
def show(token: str):
    kept = find_kept_form(token)
    if kept is None:
        return render_page("accounts/kept.html", status=404, kept=None,
                           title="Niets meer bewaard")
    match = kept_endpoint(kept)
    resume = RESUMERS.get(match[0]) if match else None
    if not current_user.is_authenticated and (
            resume is not None or kept.needs_login or kept.user_id is not None):
        flash(SESSION_ENDED, "info")
        return go_to(url_for("accounts.login", next=url_for("kept.show", token=token)),
                     status=401)
    if resume is not None:
        return resume(match[1], kept.formdata)
    return render_page("accounts/kept.html", kept=kept, fields=shown_fields(kept.formdata),
                       title="Uw formulier is verlopen")
