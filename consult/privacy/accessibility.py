"""The pages the accessibility test (tests/e2e/test_axe_every_page.py) checks with axe,
one list for both: the test runs axe on every page named here, as an admin and as a
member, and the accessibility statement (/toegankelijkheid) lists them.
tests/test_privacy_pages.py fails when a page of the route matrix is missing here, so a
new page is either checked and listed, or named in NOT_PAGES as no HTML page at all."""

from datetime import UTC, datetime

# The date of the statement, and of the last review of its known limitations.
STATEMENT_DATE = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
STANDARD = "WCAG 2.1, niveau A en AA"

# Routes of the matrix that answer files or data, not pages: axe has nothing to check.
NOT_PAGES = frozenset({
    "static", "health.healthz", "calendar.meeting_ics", "calendar.feed",
    "attachments.download", "exports.download", "privacy.my_data_json",
    # Redirects to and from the organisation's login (an error there is a plain message).
    "organisation_login.start", "organisation_login.callback",
    # The API and the Atom feed answer JSON and XML (tests/test_api*.py).
    "api_feed.body_feed",
})

# endpoint: the page's name in the statement. Grouped as the statement shows them.
CHECKED_PAGES = {
    # Openbaar
    "accounts.login": "Inloggen",
    "accounts.link_sent": "Inloglink verstuurd",
    "accounts.login_link": "Inloglink openen (ook een verlopen of onbekende link)",
    "reviews.answer": "Reageren op een concept ter inzage (via de link in de mail)",
    "optout.unsubscribe": "Afmelden voor een soort bericht",
    "reminders.unsubscribe": "Afmelden voor herinneringen",
    "kept.show": "Bewaarde tekst na een verlopen sessie (ook een onbekende)",
    "links.open": "Persoonlijke link uit een mail (ook een verlopen of onbekende)",
    "accounts.confirm_address": "Extra e-mailadres bevestigen (ook een verlopen link)",
    "demo_mail.index": "Verzonden mail (alleen in de demo)",
    "demo_mail.message": "Een verzonden bericht (alleen in de demo)",
    "privacy.statement": "Privacyverklaring",
    "privacy.accessibility": "Toegankelijkheidsverklaring",
    # Leden
    "meetings.dashboard": "Mijn overleggen (startpagina)",
    "meetings.archive": "Archief en zoeken",
    "meetings.meeting": "Vergadering met agenda",
    "meetings.item": "Agendapunt met inbreng",
    "comments.edit": "Inbreng wijzigen",
    "accounts.account": "Mijn account",
    "api_tokens.index": "API-tokens (gedelegeerden en beheerders)",
    "privacy.my_data": "Mijn gegevens",
    "reminders.index": "Mijn herinneringen",
    # Gedelegeerden en regiovoorzitters
    "meetings.new_meeting": "Nieuwe vergadering",
    "meetings.edit_meeting": "Vergadering wijzigen",
    "meetings.cancel": "Vergadering annuleren",
    "meetings.new_item": "Nieuw agendapunt",
    "meetings.edit_item": "Agendapunt wijzigen",
    "meetings.withdraw_item": "Agendapunt van de agenda halen",
    "meetings.import_agenda": "Agenda importeren",
    "comments.on_behalf": "Inbreng namens een lid invoeren",
    "comments.participation": "Deelname per regio en organisatie",
    "statements.workspace": "Werkruimte van een vergadering",
    "statements.item_workspace": "Standpunt per agendapunt opstellen",
    "statements.revisions": "Versies van een standpunt",
    "statements.outcomes": "Uitkomsten vastleggen",
    "reminders.rules": "Herinneringsregels van een overleg",
    "reminders.new_rule": "Nieuwe herinneringsregel",
    "reminders.edit_rule": "Herinneringsregel wijzigen",
    "reminders.overview": "Herinneringen en mail van een vergadering",
    "inbox.index": "Inbox met antwoorden per mail",
    "inbox.message": "Een antwoord per mail",
    "exports.export_form": "Exporteren",
    "exports.job": "Voortgang van een export",
    # Beheer
    "members.index": "Leden",
    "members.invite": "Lid uitnodigen",
    "members.edit": "Lid wijzigen",
    "members.import_upload": "Leden importeren",
    "bodies.index": "Overleggen",
    "bodies.new": "Nieuw overleg",
    "bodies.edit": "Overleg wijzigen",
    "mail.failed": "Mislukte berichten",
    "status.index": "Status van de achtergrondverwerking",
    "login_providers.index": "Organisatie-accounts",
    "login_providers.new": "Nieuw organisatie-account",
    "login_providers.edit": "Organisatie-account wijzigen",
}
