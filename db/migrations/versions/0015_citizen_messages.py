"""Messages to citizens: the language each message is written in, one message per event,
kind, channel and recipient; the legal reference of a calendar change

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 17:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('calendar_override', sa.Column('legal_reference', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
    # Batch mode, so SQLite (which cannot alter a constraint) rebuilds the table.
    with op.batch_alter_table('notification') as batch:
        batch.add_column(sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False, server_default='vi'))
        batch.drop_constraint('uq_notification_recipient', type_='unique')
        batch.create_unique_constraint('uq_notification_message', ['dossier_code', 'seq', 'kind', 'channel', 'recipient'])


def downgrade() -> None:
    with op.batch_alter_table('notification') as batch:
        batch.drop_constraint('uq_notification_message', type_='unique')
        batch.create_unique_constraint('uq_notification_recipient', ['dossier_code', 'seq', 'recipient'])
        batch.drop_column('language')
    op.drop_column('calendar_override', 'legal_reference')
