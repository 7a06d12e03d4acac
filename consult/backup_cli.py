"""flask --app wsgi backup DIR | restore DIR | files import-folders."""

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from consult import backup as backups
from consult.file_folders import import_folders

files_cli = AppGroup("files", help="Bestanden (bijlagen en exports) in de database.")


def report(result: backups.Result, verb: str) -> None:
    rows = sum(result.tables.values())
    click.echo(f"{verb}: {len(result.tables)} tabellen, {rows} rijen "
               f"(bestanden: {result.tables.get('stored_file', 0)}).")
    for name, count in result.tables.items():
        click.echo(f"  {name}: {count}")


@click.command("backup")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(folder: Path):
    """Back up the database (with every file) and the secret key into FOLDER."""
    try:
        result = backups.backup(folder)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    report(result, f"Backup in {folder}")
    if result.secret_key:
        click.echo("De geheime sleutel (instance/secret_key) zit in de backup: bewaar de map "
                   "even veilig als de database.")
    else:
        click.echo("De geheime sleutel staat in de configuratie (CONSULT_SECRET_KEY) en zit "
                   "niet in de backup: bewaar hem apart.")


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restore_command(folder: Path):
    """Restore the backup in FOLDER into an empty database."""
    try:
        result = backups.restore(folder)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from error
    report(result, "Hersteld")
    if result.secret_key:
        click.echo("De geheime sleutel is teruggezet in instance/secret_key; start de app "
                   "opnieuw.")


@files_cli.command("import-folders")
def import_folders_command():
    """Move the files of ATTACHMENT_DIR and EXPORT_DIR (instance/) into the database."""
    result = import_folders()
    click.echo(f"{result.moved} bestanden verplaatst naar de database, {result.present} "
               f"stonden er al, {len(result.missing)} niet gevonden.")
    for key in result.missing:
        click.echo(f"  niet gevonden: {key}")
    if result.moved:
        click.echo("De mappen zelf zijn niet gewijzigd; verwijder ze als alles werkt.")


def init_app(app: Flask) -> None:
    for command in (backup_command, restore_command, files_cli):
        app.cli.add_command(command)
