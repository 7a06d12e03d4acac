"""flask --app wsgi <command>: demo data, member import, mail and the scheduler (backup,
restore and files: backup_cli.py)."""

import logging
import signal
import sys
import threading
from collections import Counter
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from consult import backup_cli
from consult.accounts.members import MemberFileError, decode_csv, import_members, read_csv
from consult.accounts.models import User
from consult.demo import DEMO_PASSWORD, demo_logins, load_demo_data
from consult.extensions import db
from consult.mail.receiver import receiver
from consult.mail.services import deliver_pending
from consult.scheduler import run_scheduler, run_tick
from consult.statements import past_reports

members_cli = AppGroup("members", help="Leden beheren.")
mail_cli = AppGroup("mail", help="De outbox.")
reminders_cli = AppGroup("reminders", help="Herinneringen.")
reports_cli = AppGroup("reports", help="Oude verslagen in het archief.")


@click.command("demo-data")
@with_appcontext
def demo_data_command():
    """Load the demo members and bodies (running it twice changes nothing)."""
    result = load_demo_data()
    click.echo(
        f"Demo data: {result['members_created']} leden aangemaakt, "
        f"{result['members_updated']} bijgewerkt, {result['bodies_created']} overleggen aangemaakt, "
        f"{result['meetings_created']} vergaderingen aangemaakt."
    )


@click.command("demo-logins")
@with_appcontext
def demo_logins_command():
    """Print one demo login per role."""
    for user in demo_logins():
        role = "regiovoorzitter" if user.chairs_region_id else user.role_label.lower()
        click.echo(f"  {role:<16} {user.email}  (wachtwoord: {DEMO_PASSWORD})")


@members_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Alleen tonen wat er zou veranderen.")
def import_members_command(file: Path, dry_run: bool):
    """Import members from a CSV file (name,email,organisation,region,municipality,role)."""
    text = decode_csv(file.read_bytes())
    try:
        total = len(read_csv(text))
    except MemberFileError as error:
        raise click.ClickException(str(error)) from error
    with click.progressbar(length=total, label="Leden importeren", file=sys.stderr) as bar:
        report = import_members(text, apply=not dry_run, progress=bar.update)
    for row in report.rows:
        details = f" ({'; '.join(row.details)})" if row.details else ""
        click.echo(f"regel {row.line}: {row.email or '?'}: {row.outcome}{details}")
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    click.echo(
        f"{report.count('aangemaakt')} aangemaakt, {report.count('bijgewerkt')} bijgewerkt, "
        f"{report.count('ongewijzigd')} ongewijzigd, {report.count('geweigerd')} geweigerd."
        + (" (proef: niets opgeslagen)" if dry_run else "")
    )


@mail_cli.command("deliver")
def deliver_command():
    """Deliver pending outbox messages now."""
    report = deliver_pending()
    click.echo(f"{report.sent} verstuurd, {report.failed} mislukt.")


@mail_cli.command("receive")
@click.option("--smtp", is_flag=True, help="Gewone SMTP in plaats van LMTP.")
@click.option("--host", default=None, help="Standaard: MAIL_RECEIVE_HOST.")
@click.option("--port", type=int, default=None, help="Standaard: MAIL_RECEIVE_PORT.")
@with_appcontext
def receive_command(smtp: bool, host: str | None, port: int | None):
    """Receive replies over LMTP (or SMTP): each is stored before it is acknowledged."""
    app = current_app._get_current_object()
    controller = receiver(app, host, port, lmtp=not smtp)
    controller.start()
    click.echo(f"{'SMTP' if smtp else 'LMTP'} op {controller.hostname}:{controller.port}; "
               "stoppen met Ctrl-C.")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


@reminders_cli.command("tick")
@click.option("--now", "moment", default=None, metavar="ISO-8601",
              help="Het moment van de tick, bijv. 2026-10-13T17:00:00+02:00 "
                   "(zonder tijdzone: lokale tijd). Standaard: nu.")
def reminders_tick_command(moment: str | None):
    """Run one scheduler tick: due reminders, digests, outbox delivery."""
    now = None
    if moment:
        try:
            now = datetime.fromisoformat(moment)
        except ValueError as error:
            raise click.BadParameter(f"geen ISO-8601-moment: {moment}") from error
        if now.tzinfo is None:
            now = now.replace(tzinfo=ZoneInfo(current_app.config["TIMEZONE"]))
    result = run_tick(now)
    click.echo(", ".join(f"{name}: {count}" for name, count in result.items()))


@reports_cli.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--body", "body_name", required=True, help="Naam of afkorting van het overleg.")
@click.option("--door", "author_email", default=None, metavar="E-MAIL",
              help="Op wiens naam inbreng en uitkomsten komen (standaard: de eerste "
                   "gedelegeerde van het overleg).")
def import_reports_command(folder: Path, body_name: str, author_email: str | None):
    """Import past reports (.txt, .docx, .html) as held meetings; twice changes nothing."""
    body = past_reports.find_body(body_name)
    if body is None:
        raise click.ClickException(f"Geen overleg met de naam {body_name!r}.")
    author = (db.session.scalar(select(User).where(func.lower(User.email) == author_email.lower()))
              if author_email else (body.delegates[0] if body.delegates else None))
    if author is None:
        raise click.ClickException("Geef met --door het e-mailadres van de gedelegeerde: "
                                   f"{body.name} heeft er geen, of het adres is onbekend.")
    files = past_reports.report_files(folder)
    results = []
    with click.progressbar(files, label="Verslagen importeren", file=sys.stderr) as bar:
        for path in bar:
            results.append(past_reports.import_report_file(body, author, path))
    for result in results:
        click.echo(f"{result.source}: {result.outcome} ({result.message})")
    counts = Counter(result.outcome for result in results)
    click.echo(f"{counts[past_reports.IMPORTED]} geïmporteerd, {counts['al geïmporteerd']} al "
               f"geïmporteerd, {counts['overgeslagen']} overgeslagen.")


@click.command("scheduler")
@with_appcontext
def scheduler_command():
    """Run the scheduler process (one tick every SCHEDULER_INTERVAL_SECONDS)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    run_scheduler(current_app._get_current_object())


def init_app(app: Flask) -> None:
    for command in (demo_data_command, demo_logins_command, scheduler_command, members_cli,
                    mail_cli, reminders_cli, reports_cli):
        app.cli.add_command(command)
    backup_cli.init_app(app)  # backup, restore, files
