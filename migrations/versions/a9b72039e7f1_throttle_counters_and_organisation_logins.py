"""Throttle counters (atomic rate limits) replace login attempts; organisation logins (OIDC)

Revision ID: a9b72039e7f1
Revises: 9f514420c1ae
Create Date: 2026-12-03 10:32:49.648863

"""
import sqlalchemy as sa
from alembic import op

import consult.database

# revision identifiers, used by Alembic.
revision = 'a9b72039e7f1'
down_revision = '9f514420c1ae'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'oidc_provider',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('discovery_url', sa.String(length=500), nullable=False),
        sa.Column('client_id', sa.String(length=255), nullable=False),
        sa.Column('client_secret', sa.String(length=500), nullable=False),
        sa.Column('allowed_issuers', sa.Text(), nullable=False),
        sa.Column('municipalities', sa.Text(), nullable=False),
        sa.Column('allow_self_registration', sa.Boolean(), nullable=False),
        sa.Column('self_registration_organisation',
                  sa.Enum('VIAG', 'IMG', 'CIO-Beraad', name='organisation', native_enum=False,
                          length=20), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', consult.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_oidc_provider'))
    )
    op.create_table(
        'throttle_counter',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('window_start', consult.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_throttle_counter'))
    )
    with op.batch_alter_table('throttle_counter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_throttle_counter_window_start'), ['window_start'],
                              unique=False)

    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempt_kind_email_created_at'))
        batch_op.drop_index(batch_op.f('ix_login_attempt_kind_ip_created_at'))
    op.drop_table('login_attempt')


def downgrade():
    op.create_table(
        'login_attempt',
        sa.Column('id', sa.INTEGER(), nullable=False),
        sa.Column('kind', sa.VARCHAR(length=20), nullable=False),
        sa.Column('email', sa.VARCHAR(length=254), nullable=False),
        sa.Column('ip', sa.VARCHAR(length=45), nullable=False),
        sa.Column('created_at', consult.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempt'))
    )
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempt_kind_ip_created_at'),
                              ['kind', 'ip', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempt_kind_email_created_at'),
                              ['kind', 'email', 'created_at'], unique=False)

    with op.batch_alter_table('throttle_counter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_throttle_counter_window_start'))
    op.drop_table('throttle_counter')
    op.drop_table('oidc_provider')
