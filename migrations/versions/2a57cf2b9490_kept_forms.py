"""kept forms (what a member typed when the session or the form expired, shown again);
digest entries for late input (a comment instead of a reminder)

Revision ID: 2a57cf2b9490
Revises: b1da28940020
Create Date: 2026-12-03 10:33:55.667127

"""
import sqlalchemy as sa
from alembic import op

import consult.database

# revision identifiers, used by Alembic.
revision = '2a57cf2b9490'
down_revision = 'b1da28940020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'kept_form',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('path', sa.String(length=500), nullable=False),
        sa.Column('fields', sa.Text(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('needs_login', sa.Boolean(), nullable=False),
        sa.Column('created_at', consult.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_kept_form_user_id_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kept_form')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_kept_form_token_hash')),
    )
    with op.batch_alter_table('kept_form', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kept_form_created_at'), ['created_at'], unique=False)
    with op.batch_alter_table('digest_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('comment_id', sa.Integer(), nullable=True))
        batch_op.alter_column('reminder_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_digest_entry_comment_id_user_id'),
                                          ['comment_id', 'user_id'])
        batch_op.create_foreign_key(batch_op.f('fk_digest_entry_comment_id_comment'), 'comment',
                                    ['comment_id'], ['id'], ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('digest_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_digest_entry_comment_id_comment'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_digest_entry_comment_id_user_id'), type_='unique')
        batch_op.alter_column('reminder_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('comment_id')
    with op.batch_alter_table('kept_form', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kept_form_created_at'))
    op.drop_table('kept_form')
