"""Sessions that end, shared rate counters, and a commit-safe position in the event log

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('app_user') as batch:
        batch.add_column(sa.Column('tokens_valid_after', db.types.UTCDateTime(timezone=True), nullable=True))
    op.create_table('revoked_session',
    sa.Column('session_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('expires_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('session_id')
    )
    op.create_index(op.f('ix_revoked_session_expires_at'), 'revoked_session', ['expires_at'], unique=False)
    op.create_table('rate_counter',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('window_start', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    if op.get_bind().dialect.name == 'postgresql':
        # The writing transaction's id, for readers that must not pass an event whose
        # transaction has not committed yet (db/log_position.py).
        # Added empty, then given its default: a volatile default on ADD COLUMN would rewrite
        # the whole log. Earlier rows read as transaction 0, before every later one.
        op.add_column('dossier_event', sa.Column('xid', sa.BigInteger(), nullable=True))
        op.execute(
            "ALTER TABLE dossier_event ALTER COLUMN xid "
            "SET DEFAULT (pg_current_xact_id()::text)::bigint"
        )
    else:
        with op.batch_alter_table('dossier_event') as batch:
            batch.add_column(sa.Column('xid', sa.BigInteger(), nullable=True))
    op.execute("CREATE INDEX ix_dossier_event_xid_id ON dossier_event ((coalesce(xid, 0)), id)")


def downgrade() -> None:
    op.drop_index('ix_dossier_event_xid_id', table_name='dossier_event')
    with op.batch_alter_table('dossier_event') as batch:
        batch.drop_column('xid')
    op.drop_table('rate_counter')
    op.drop_index(op.f('ix_revoked_session_expires_at'), table_name='revoked_session')
    op.drop_table('revoked_session')
    with op.batch_alter_table('app_user') as batch:
        batch.drop_column('tokens_valid_after')
