"""Attachments (bijlagen) of agenda items: files.py stores and checks the files,
forms.py and views.py are the delegates' upload forms and the download."""

from flask import Flask


def init_app(app: Flask) -> None:
    from consult.meetings.attachments import files, forms, views

    app.register_blueprint(views.bp)
    app.add_template_filter(files.format_size, "bestandsgrootte")
    app.add_template_filter(files.type_label, "bestandstype")
    app.add_template_global(forms.attachment_form, "attachment_form")
    app.add_template_test(lambda value: isinstance(value, forms.AttachmentForm), "attachment_form")
    app.add_template_global(files.ACCEPT, "attachment_accept")
