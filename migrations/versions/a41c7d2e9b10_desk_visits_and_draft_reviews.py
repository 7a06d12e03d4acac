"""the delegate's desk: last visits of a workspace; concept ter inzage (draft reviews)

Revision ID: a41c7d2e9b10
Revises: b48cc3574d49
Create Date: 2026-12-03 07:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

import consult.database

# revision identifiers, used by Alembic.
revision = "a41c7d2e9b10"
down_revision = "b48cc3574d49"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "desk_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", consult.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"], ["meeting.id"], name=op.f("fk_desk_visit_meeting_id_meeting"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_desk_visit_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_desk_visit")),
        sa.UniqueConstraint("user_id", "meeting_id", name=op.f("uq_desk_visit_user_id_meeting_id")),
    )
    with op.batch_alter_table("desk_visit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_desk_visit_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "draft_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", consult.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answer_by", consult.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["agenda_item.id"],
            name=op.f("fk_draft_review_item_id_agenda_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"],
            ["statement_revision.id"],
            name=op.f("fk_draft_review_revision_id_statement_revision"),
        ),
        sa.ForeignKeyConstraint(["sent_by_id"], ["user.id"], name=op.f("fk_draft_review_sent_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_review")),
    )
    with op.batch_alter_table("draft_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_draft_review_item_id"), ["item_id"], unique=False)

    op.create_table(
        "draft_review_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_digest", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.String(length=10), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("answered_at", consult.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["draft_review.id"],
            name=op.f("fk_draft_review_answer_review_id_draft_review"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_draft_review_answer_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft_review_answer")),
        sa.UniqueConstraint("review_id", "user_id", name=op.f("uq_draft_review_answer_review_id_user_id")),
        sa.UniqueConstraint("token_digest", name=op.f("uq_draft_review_answer_token_digest")),
    )


def downgrade():
    op.drop_table("draft_review_answer")
    with op.batch_alter_table("draft_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_draft_review_item_id"))
    op.drop_table("draft_review")
    with op.batch_alter_table("desk_visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_visit_meeting_id"))
    op.drop_table("desk_visit")
