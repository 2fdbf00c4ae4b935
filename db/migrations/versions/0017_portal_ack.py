"""The portal's acknowledgements kept as evidence, append-only like the audit trail

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 22:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "portal_ack",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("sync_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("dossier_code", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("service", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("portal_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("acknowledged_at", db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["sync_id"], ["portal_sync.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sync_id"),
    )
    op.create_index(op.f("ix_portal_ack_dossier_code"), "portal_ack", ["dossier_code"], unique=False)
    # Acknowledgements already kept on the sync records become evidence too.
    op.execute(
        """
        INSERT INTO portal_ack (sync_id, dossier_code, seq, service, status_code, portal_id,
                                acknowledged_at)
        SELECT id, dossier_code, seq, service, status_code, coalesce(portal_id, ''), acked_at
        FROM portal_sync WHERE acked_at IS NOT NULL ORDER BY id
        """
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION motcua_refuse_ack_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'portal_ack is append-only: % refused', TG_OP;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            """
            CREATE TRIGGER portal_ack_append_only
            BEFORE UPDATE OR DELETE ON portal_ack
            FOR EACH ROW EXECUTE FUNCTION motcua_refuse_ack_change()
            """
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER portal_ack_append_only ON portal_ack")
        op.execute("DROP FUNCTION motcua_refuse_ack_change()")
    op.drop_index(op.f("ix_portal_ack_dossier_code"), table_name="portal_ack")
    op.drop_table("portal_ack")
