"""stored files: attachments and exports in the database, where every web machine reaches them

`flask files import-folders` moves the files older versions kept in instance/ into it.

Revision ID: 9f514420c1ae
Revises: ea1d07ae60f7
Create Date: 2026-12-03 10:40:00

"""

import sqlalchemy as sa
from alembic import op

import consult.database

# revision identifiers, used by Alembic.
revision = "9f514420c1ae"
down_revision = "ea1d07ae60f7"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stored_file",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", consult.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_stored_file")),
    )


def downgrade():
    op.drop_table("stored_file")
