"""Form validators for text that ends up in a mail header (a subject, a name in a
subject or From line)."""

from wtforms.validators import ValidationError

from consult.mail.building import has_line_break


def no_line_breaks(form, field) -> None:
    """A WTForms validator: a line break (or another control character) in a header
    value would make the message impossible to send, or add a header of its own."""
    if isinstance(field.data, str) and has_line_break(field.data):
        raise ValidationError("Gebruik hier geen regeleinde of andere stuurtekens.")
