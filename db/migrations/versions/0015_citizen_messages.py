"""Messages to citizens: the language each message is written in, one message per event,
kind, channel and recipient; the legal reference of a calendar change; ratings by the
official criteria, tied to the counter clerk and the unit; complaints handled as cases

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 17:50:00.000000
"""

from collections.abc import Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types
from db.models import DossierDailyRow
from db.statistics import daily_rows, facts_query
from db.upsert import table_of

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
    with op.batch_alter_table('dossier_feedback') as batch:
        for criterion in ('publicity', 'attitude', 'timeliness', 'outcome'):
            batch.add_column(sa.Column(criterion, sa.Integer(), nullable=True))
        batch.add_column(sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True))
        batch.add_column(sa.Column('clerk', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        batch.add_column(sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch.add_column(sa.Column('via', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False, server_default='online'))
    op.create_index(op.f('ix_dossier_feedback_unit'), 'dossier_feedback', ['unit'], unique=False)
    op.create_table('complaint',
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('dossier_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('owner_unit', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('full_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('received_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('answered_at', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['dossier_code'], ['dossier.code'], ),
    sa.ForeignKeyConstraint(['owner_unit'], ['org_unit.code'], ),
    sa.PrimaryKeyConstraint('code')
    )
    for column in ('dossier_code', 'owner_unit', 'status', 'due_at'):
        op.create_index(op.f(f'ix_complaint_{column}'), 'complaint', [column], unique=False)
    # The roll-up counted again from the projection: 4.1 now asks for a signed result (0014),
    # 5.4 for complaints filed as cases too. It reads today's fact columns, so a later
    # migration that adds one moves this recount there.
    tz = ZoneInfo(op.get_context().config.attributes["timezone"])
    op.execute(sa.table('dossier_daily').delete())
    rows = daily_rows(op.get_bind().execute(facts_query()).mappings(), tz)
    if rows:
        op.bulk_insert(table_of(DossierDailyRow), rows)


def downgrade() -> None:
    op.drop_table('complaint')
    op.drop_index(op.f('ix_dossier_feedback_unit'), table_name='dossier_feedback')
    with op.batch_alter_table('dossier_feedback') as batch:
        for column in ('via', 'unit', 'clerk', 'comment', 'outcome', 'timeliness', 'attitude', 'publicity'):
            batch.drop_column(column)
    with op.batch_alter_table('notification') as batch:
        batch.drop_constraint('uq_notification_message', type_='unique')
        batch.create_unique_constraint('uq_notification_recipient', ['dossier_code', 'seq', 'recipient'])
        batch.drop_column('language')
    op.drop_column('calendar_override', 'legal_reference')
