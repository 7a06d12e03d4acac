from dataclasses import dataclass, field
from functools import cached_property

from flask_login import current_user
from markupsafe import Markup
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from consult.accounts.forms import DutchForm
from consult.accounts.models import Organisation
from consult.comments.models import CommentKind, OnBehalf
from consult.comments.services import KIND_LABELS, MAX_TEXT, dutch_number, on_behalf_choices

KIND_CHOICES = [SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()]


class CommentForm(DutchForm):
    kind = SelectField("Soort", choices=KIND_CHOICES, default=CommentKind.INPUT.value)
    # No maxlength: the browser would cut a pasted text without a word. data-maxlength
    # gives a counter (static/js/consult.js); the server says how much is too long.
    text = TextAreaField(
        "Uw inbreng",
        description=f"Maximaal {dutch_number(MAX_TEXT)} tekens. Webadressen worden klikbare links.",
        render_kw={"data-maxlength": MAX_TEXT, "rows": 6},
    )
    on_behalf = SelectField("Namens", default=OnBehalf.SELF.value)
    # "meeting" when the form sits inline on the meeting page: answer with that fragment.
    context = HiddenField(default="item")

    def for_user(self, choices: list[tuple[str, str]]) -> "CommentForm":
        self.on_behalf.choices = [SelectChoice(value, label) for value, label in choices]
        return self

    @property
    def on_behalf_value(self) -> OnBehalf:
        return OnBehalf(self.on_behalf.data)

    @property
    def kind_value(self) -> CommentKind:
        return CommentKind(self.kind.data)


class OnBehalfForm(DutchForm):
    author_id = SelectField("Van wie komt de inbreng", coerce=int)
    on_behalf = SelectField("Namens", choices=[
        SelectChoice(OnBehalf.SELF.value, "Persoonlijk"),
        SelectChoice(OnBehalf.MUNICIPALITY.value, "Zijn of haar gemeente"),
        SelectChoice(OnBehalf.REGION.value, "De regio (regiovoorzitter)"),
        SelectChoice(OnBehalf.BOARD.value, "Het bestuur van een organisatie"),
    ])
    organisation = SelectField("Organisatie (bij namens een bestuur)", choices=[
        SelectChoice(o.value) for o in Organisation])
    received_via = StringField("Ontvangen via", validators=[Length(max=100)],
                               description="Bijvoorbeeld: per e-mail, telefonisch.")
    kind = SelectField("Soort", choices=KIND_CHOICES, default=CommentKind.INPUT.value)
    text = TextAreaField("Inbreng", render_kw={"data-maxlength": MAX_TEXT, "rows": 6})


class NotificationForm(DutchForm):
    notify_on_reply = BooleanField(
        "Stuur mij een e-mail als iemand inbreng geeft op een agendapunt waarop ik ook "
        "inbreng gaf")


def comment_form(item, *, submitted: bool = False, formdata=None, **values) -> CommentForm:
    """The input form of one item, empty, (submitted) filled from the request, or from
    `formdata` (a kept form). The prefix keeps field ids unique when the forms of many
    items share the meeting page."""
    prefix = f"i{item.id}"
    if formdata is not None:
        form = CommentForm(formdata=formdata, prefix=prefix)
    elif submitted:
        form = CommentForm(prefix=prefix)
    else:
        form = CommentForm(formdata=None, prefix=prefix, **values)
    return form.for_user(on_behalf_choices(current_user))


@dataclass(frozen=True)
class InputFormView:
    """What the hand-written input form (templates/comments/_form.html) shows: the values,
    the choices and the errors per field. The meeting page shows one form per item; building
    and rendering a WTForms form for each was most of its time, so the empty form is
    described once per page (`blank_form_view`) and a submitted one by `form_view`."""

    kind: str
    on_behalf: str
    text: str
    on_behalf_choices: tuple[tuple[str, str], ...]
    errors: dict[str, list[str]] = field(default_factory=dict)
    kind_choices: tuple[tuple[str, str], ...] = tuple((c.value, c.label) for c in KIND_CHOICES)
    hint: str = CommentForm.text.kwargs["description"]
    max_text: int = MAX_TEXT

    @cached_property
    def kind_options(self) -> Markup:
        return options(self.kind_choices, self.kind)

    @cached_property
    def on_behalf_options(self) -> Markup:
        return options(self.on_behalf_choices, self.on_behalf)


def options(choices, selected: str) -> Markup:
    """The <option>s of a select, as WTForms writes them."""
    return Markup("").join(
        Markup('<option{} value="{}">{}</option>').format(
            Markup(" selected") if value == selected else "", value, label)
        for value, label in choices)


def blank_form_view(user) -> InputFormView:
    return InputFormView(kind=CommentKind.INPUT.value, on_behalf=OnBehalf.SELF.value, text="",
                         on_behalf_choices=tuple(on_behalf_choices(user)))


def form_view(form: CommentForm) -> InputFormView:
    """A (submitted) CommentForm as the template shows it, the member's text kept."""
    return InputFormView(
        kind=form.kind.data or "", on_behalf=form.on_behalf.data or "",
        text=form.text.data or "",
        on_behalf_choices=tuple((c.value, c.label) for c in form.on_behalf.choices),
        errors={name: list(form[name].errors) for name in ("kind", "on_behalf")
                if form[name].errors})
