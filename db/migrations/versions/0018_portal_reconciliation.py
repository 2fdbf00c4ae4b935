"""The daily portal reconciliation kept, one row a day

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 07:10:06.343277
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.types

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "portal_reconciliation",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("made_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("dossiers", sa.Integer(), nullable=False),
        sa.Column("in_step", sa.Integer(), nullable=False),
        sa.Column("mismatches", sa.Integer(), nullable=False),
        sa.Column("csv", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )


def downgrade() -> None:
    op.drop_table("portal_reconciliation")
