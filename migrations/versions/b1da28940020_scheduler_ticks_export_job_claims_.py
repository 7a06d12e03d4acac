"""scheduler ticks; export jobs claimed by the scheduler; reminder claim attempts

One row per tick (for /healthz and the status page); an export job's send note, claim
time and attempts; the attempts of a reminder's fan-out.

Revision ID: b1da28940020
Revises: b094ea45cb0c
Create Date: 2026-12-03 10:33:09.968049

"""
import sqlalchemy as sa
from alembic import op

import consult.database

# revision identifiers, used by Alembic.
revision = "b1da28940020"
down_revision = "b094ea45cb0c"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scheduler_tick",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", consult.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("seen_at", consult.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", consult.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("process", sa.String(length=120), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduler_tick")),
    )
    with op.batch_alter_table("scheduler_tick", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scheduler_tick_started_at"), ["started_at"],
                              unique=False)

    with op.batch_alter_table("export_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("send_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("claimed_at", consult.database.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0",
                                      nullable=False))

    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0",
                                      nullable=False))


def downgrade():
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.drop_column("attempts")

    with op.batch_alter_table("export_job", schema=None) as batch_op:
        batch_op.drop_column("attempts")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("send_note")

    with op.batch_alter_table("scheduler_tick", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduler_tick_started_at"))

    op.drop_table("scheduler_tick")
