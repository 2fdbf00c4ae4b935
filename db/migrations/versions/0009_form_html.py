"""Forms issued as HTML, typeset on first download

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 23:16:57.406195
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode, so SQLite (which cannot alter a column) rebuilds the table.
    with op.batch_alter_table('dossier_form') as batch:
        batch.add_column(sa.Column('html', sa.Text(), nullable=True))
        batch.alter_column('content', existing_type=sa.LargeBinary(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('dossier_form') as batch:
        batch.alter_column('content', existing_type=sa.LargeBinary(), nullable=False)
        batch.drop_column('html')
