"""The results registry (kho kết quả), and the signed result a dossier delivers

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 17:13:13.509329
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import db.types

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('issued_result',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('attempt', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=130), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('decision', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('dossier_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('procedure_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('issuing_unit', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('holder_name', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('holder_id_number', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('issued_at', db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('valid_until', db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('signer', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('signed_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('document_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.ForeignKeyConstraint(['dossier_code'], ['dossier.code'], ),
    sa.ForeignKeyConstraint(['issuing_unit'], ['org_unit.code'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('attempt')
    )
    op.create_index(op.f('ix_issued_result_dossier_code'), 'issued_result', ['dossier_code'], unique=False)
    op.create_index(op.f('ix_issued_result_holder_id_number'), 'issued_result', ['holder_id_number'], unique=False)
    op.create_index(op.f('ix_issued_result_issued_at'), 'issued_result', ['issued_at'], unique=False)
    op.create_index(op.f('ix_issued_result_issuing_unit'), 'issued_result', ['issuing_unit'], unique=False)
    op.create_index(op.f('ix_issued_result_number'), 'issued_result', ['number'], unique=False)
    op.create_index(op.f('ix_issued_result_sha256'), 'issued_result', ['sha256'], unique=False)
    op.add_column('dossier', sa.Column('result_document_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
    # 4.1 now counts a result returned electronically only with a signed file: the roll-up
    # is counted again, by 0015 (which reads the complaints this revision predates).


def downgrade() -> None:
    op.drop_column('dossier', 'result_document_id')
    op.drop_index(op.f('ix_issued_result_sha256'), table_name='issued_result')
    op.drop_index(op.f('ix_issued_result_number'), table_name='issued_result')
    op.drop_index(op.f('ix_issued_result_issuing_unit'), table_name='issued_result')
    op.drop_index(op.f('ix_issued_result_issued_at'), table_name='issued_result')
    op.drop_index(op.f('ix_issued_result_holder_id_number'), table_name='issued_result')
    op.drop_index(op.f('ix_issued_result_dossier_code'), table_name='issued_result')
    op.drop_table('issued_result')
