"""The portal sync outbox: what the national portal is told of each dossier event, in order;
the dossiers filed on the portal, with its code; fees paid online

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 18:25:45.191409
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql
import db.types

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('portal_sync',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('dossier_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('service', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('acked_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('portal_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dossier_code', 'seq', 'service', name='uq_portal_sync_event')
    )
    op.create_index(op.f('ix_portal_sync_dossier_code'), 'portal_sync', ['dossier_code'], unique=False)
    op.create_index('ix_portal_sync_due', 'portal_sync', ['next_attempt_at'], unique=False, postgresql_where=sa.text('acked_at IS NULL'))
    op.create_table('portal_dossier',
    sa.Column('portal_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('dossier_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('imported_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['dossier_code'], ['dossier.code'], ),
    sa.PrimaryKeyConstraint('portal_code'),
    sa.UniqueConstraint('dossier_code')
    )
    op.create_table('payment_order',
    sa.Column('order', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('dossier_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('request_seq', sa.Integer(), nullable=False),
    sa.Column('amount_vnd', sa.Integer(), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('paid_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('gateway_transaction', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('bank', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.ForeignKeyConstraint(['dossier_code'], ['dossier.code'], ),
    sa.PrimaryKeyConstraint('order')
    )
    op.create_index(op.f('ix_payment_order_dossier_code'), 'payment_order', ['dossier_code'], unique=False)


def downgrade() -> None:
    op.drop_table('payment_order')
    op.drop_table('portal_dossier')
    op.drop_index('ix_portal_sync_due', table_name='portal_sync', postgresql_where=sa.text('acked_at IS NULL'))
    op.drop_index(op.f('ix_portal_sync_dossier_code'), table_name='portal_sync')
    op.drop_table('portal_sync')
