"""agenda open rule for every body; every meeting message knows its meeting

Revision ID: 25902854dd35
Revises: d7e69da14cad
Create Date: 2026-12-03 06:37:07.155016

"""

import sqlalchemy as sa
from alembic import op

import consult.database

# revision identifiers, used by Alembic.
revision = "25902854dd35"
down_revision = "d7e69da14cad"
branch_labels = None
depends_on = None


def upgrade():
    """Data only. "Agenda open" used to be queued by publishing itself; now it is a
    reminder rule like the others, so every body needs one (and a body without any rule
    gets the defaults). Its old outbox rows, and other messages about a meeting, get
    their meeting_id: the overview lists a meeting's messages by it."""
    connection = op.get_bind()
    add_agenda_open_rules(connection)
    backfill_meeting_ids(connection)


def is_agenda_open(fields) -> bool:
    return fields["anchor"] == "publication" and fields["offset_minutes"] == 0 and fields["audience"] == "all"


def add_agenda_open_rules(connection):
    from datetime import UTC, datetime

    from consult.reminders.rules import DEFAULT_RULES

    defaults = [
        {
            **fields,
            "anchor": fields["anchor"].value,
            "audience": fields["audience"].value,
            "condition": str(fields.get("condition", "none")),
        }
        for fields in DEFAULT_RULES
    ]
    [agenda_open] = [fields for fields in defaults if is_agenda_open(fields)]
    rules = {}
    for body_id, anchor, offset, audience in connection.execute(
        sa.text(
            "SELECT body.id, r.anchor, r.offset_minutes, r.audience FROM body "
            "LEFT JOIN reminder_rule r ON r.body_id = body.id"
        )
    ):
        rules.setdefault(body_id, [])
        if anchor is not None:
            rules[body_id].append(dict(anchor=anchor, offset_minutes=offset, audience=audience))
    now = datetime.now(UTC)
    rows = []
    for body_id, existing in sorted(rules.items()):
        if not existing:
            missing = defaults
        elif not any(is_agenda_open(fields) for fields in existing):
            missing = [agenda_open]
        else:
            continue
        rows += [{"body_id": body_id, **fields, "active": True, "created_at": now} for fields in missing]
    if rows:
        op.bulk_insert(RULE, rows)


RULE = sa.table(
    "reminder_rule",
    sa.column("body_id", sa.Integer),
    sa.column("anchor", sa.String),
    sa.column("offset_minutes", sa.Integer),
    sa.column("audience", sa.String),
    sa.column("condition", sa.String),
    sa.column("subject", sa.String),
    sa.column("message", sa.Text),
    sa.column("active", sa.Boolean),
    sa.column("created_at", consult.database.UTCDateTime(timezone=True)),
)


def backfill_meeting_ids(connection):
    """agenda_open:<meeting>:<user>, feedback:<meeting>:<user>, new_input:<comment>:<user>."""
    meetings = set(connection.execute(sa.text("SELECT id FROM meeting")).scalars())
    comment_meeting = dict(
        connection.execute(
            sa.text(
                "SELECT comment.id, agenda_item.meeting_id FROM comment "
                "JOIN agenda_item ON agenda_item.id = comment.item_id"
            )
        ).all()
    )
    updates = []
    for message_id, kind, key in connection.execute(
        sa.text(
            "SELECT id, kind, idempotency_key FROM outbox_message WHERE meeting_id IS NULL "
            "AND kind IN ('agenda_open', 'feedback', 'new_input')"
        )
    ):
        parts = key.split(":")
        if len(parts) != 3 or not parts[1].isdigit():
            continue
        meeting_id = comment_meeting.get(int(parts[1])) if kind == "new_input" else int(parts[1])
        if meeting_id in meetings:
            updates.append({"message_id": message_id, "meeting_id": meeting_id})
    if updates:
        connection.execute(
            sa.text("UPDATE outbox_message SET meeting_id = :meeting_id WHERE id = :message_id"), updates
        )


def downgrade():
    """Nothing to undo: the rules and meeting ids are valid data for the older schema."""
