"""The notification outbox sent by a dispatcher: retry instant and last error

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 17:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('notification') as batch:
        batch.add_column(sa.Column('next_attempt_at', db.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('last_error', sa.String(length=500), nullable=True))
    op.create_index('ix_notification_next_attempt_at', 'notification', ['next_attempt_at'])
    # Rows the old activity left unsent are the dispatcher's now.
    op.execute("UPDATE notification SET next_attempt_at = created_at WHERE status <> 'sent'")


def downgrade() -> None:
    op.drop_index('ix_notification_next_attempt_at', table_name='notification')
    with op.batch_alter_table('notification') as batch:
        batch.drop_column('last_error')
        batch.drop_column('next_attempt_at')
