"""meeting description: the text above an imported agenda, or the delegate's introduction

Revision ID: c2e08b6a643d
Revises: a41c7d2e9b10
Create Date: 2026-12-03 07:54:45.452752

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c2e08b6a643d"
down_revision = "a41c7d2e9b10"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.add_column(sa.Column("description", sa.Text(), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_column("description")
