"""member anonymisation and retention: user.anonymised_at, body.keep_former_member_input,
member_event (the audit log of a member's data)

Revision ID: ea1d07ae60f7
Revises: c2e08b6a643d
Create Date: 2026-12-03 10:33:32.387101

"""
import sqlalchemy as sa
from alembic import op

import consult.database

# revision identifiers, used by Alembic.
revision = 'ea1d07ae60f7'
down_revision = 'c2e08b6a643d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'member_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('at', consult.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['user.id'],
                                name=op.f('fk_member_event_actor_id_user'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'],
                                name=op.f('fk_member_event_user_id_user'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_member_event'))
    )
    with op.batch_alter_table('member_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_event_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('body', schema=None) as batch_op:
        batch_op.add_column(sa.Column('keep_former_member_input', sa.Boolean(),
                                      server_default=sa.true(), nullable=False))

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', consult.database.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')

    with op.batch_alter_table('body', schema=None) as batch_op:
        batch_op.drop_column('keep_former_member_input')

    with op.batch_alter_table('member_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_event_user_id'))

    op.drop_table('member_event')
