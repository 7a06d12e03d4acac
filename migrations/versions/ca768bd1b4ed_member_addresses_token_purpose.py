"""member addresses, reply token purpose, login session last seen

Extra addresses a member confirmed (a reply from one counts as the member's); a reply
token per member x meeting x purpose (input, or answering the concept ter inzage); the
last request of a login session, for the idle timeout.

Revision ID: ca768bd1b4ed
Revises: 2a57cf2b9490
Create Date: 2026-12-03 10:30:48.720946

"""

import sqlalchemy as sa
from alembic import op

import consult.database

# revision identifiers, used by Alembic.
revision = "ca768bd1b4ed"
down_revision = "2a57cf2b9490"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "member_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", consult.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", consult.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"],
                                name=op.f("fk_member_address_user_id_user"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_address")),
        sa.UniqueConstraint("email", name=op.f("uq_member_address_email")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_member_address_token_hash")),
    )
    with op.batch_alter_table("member_address", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_address_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", consult.database.UTCDateTime(timezone=True),
                                      nullable=True))

    with op.batch_alter_table("reply_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            "purpose", sa.Enum("input", "draft_review", name="tokenpurpose", native_enum=False,
                               length=20), server_default="input", nullable=False))
        batch_op.drop_constraint(batch_op.f("uq_reply_token_user_id_meeting_id"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_reply_token_user_id_meeting_id_purpose"),
                                          ["user_id", "meeting_id", "purpose"])


def downgrade():
    with op.batch_alter_table("reply_token", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_reply_token_user_id_meeting_id_purpose"),
                                 type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_reply_token_user_id_meeting_id"),
                                          ["user_id", "meeting_id"])
        batch_op.drop_column("purpose")

    with op.batch_alter_table("login_session", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")

    with op.batch_alter_table("member_address", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_address_user_id"))

    op.drop_table("member_address")
