"""A dossier's documents and their access trail

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('dossier_document',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('dossier_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('part', sa.Integer(), nullable=False),
    sa.Column('form', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('media_type', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('key_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('uploaded_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('uploader_role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('channel', db.types.ChannelCode(), nullable=False),
    sa.Column('uploaded_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dossier_code', 'slot', 'version', 'part', name='uq_dossier_document_part')
    )
    op.create_index(op.f('ix_dossier_document_dossier_code'), 'dossier_document', ['dossier_code'], unique=False)
    op.create_index(op.f('ix_dossier_document_sha256'), 'dossier_document', ['sha256'], unique=False)
    op.create_table('document_access',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('document_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('dossier_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_document_access_document_id'), 'document_access', ['document_id'], unique=False)
    op.create_index(op.f('ix_document_access_dossier_code'), 'document_access', ['dossier_code'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_document_access_dossier_code'), table_name='document_access')
    op.drop_index(op.f('ix_document_access_document_id'), table_name='document_access')
    op.drop_table('document_access')
    op.drop_index(op.f('ix_dossier_document_sha256'), table_name='dossier_document')
    op.drop_index(op.f('ix_dossier_document_dossier_code'), table_name='dossier_document')
    op.drop_table('dossier_document')
