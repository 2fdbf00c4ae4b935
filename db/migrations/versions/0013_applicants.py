"""Applicant kinds, the counter's search (tax code, folded names, a trigram index), and
papers placed from one slot to another

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 16:00:00.000000
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from db.search import search_text
from schemas.dossier import Applicant

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('dossier') as batch:
        batch.add_column(sa.Column('applicant_tax_code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch.add_column(sa.Column('applicant_search', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False, server_default=''))
    # Folded in Python, as new rows are: the database's lower() and collations differ by
    # locale, and the search must fold what it is asked exactly as what it stored.
    bind = op.get_bind()
    dossier = sa.table('dossier', sa.column('code', sa.String), sa.column('applicant', sa.JSON), sa.column('applicant_search', sa.String))
    rows = bind.execute(sa.select(dossier.c.code, dossier.c.applicant)).all()
    for code, applicant in rows:
        data = json.loads(applicant) if isinstance(applicant, str) else applicant
        text = search_text(Applicant.model_validate(data))
        bind.execute(dossier.update().where(dossier.c.code == code).values(applicant_search=text))
    op.add_column('dossier_document', sa.Column('placed_from', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=True))
    op.create_index(op.f('ix_dossier_applicant_tax_code'), 'dossier', ['applicant_tax_code'], unique=False)
    op.create_index('ix_dossier_applicant_phone', 'dossier', ['applicant_phone'], unique=False)
    if bind.dialect.name == 'postgresql':
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.create_index('ix_dossier_applicant_search', 'dossier', ['applicant_search'], unique=False, postgresql_using='gin', postgresql_ops={'applicant_search': 'gin_trgm_ops'})


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_dossier_applicant_search', table_name='dossier')
    op.drop_index('ix_dossier_applicant_phone', table_name='dossier')
    with op.batch_alter_table('dossier_document') as batch:
        batch.drop_column('placed_from')
    op.drop_index(op.f('ix_dossier_applicant_tax_code'), table_name='dossier')
    with op.batch_alter_table('dossier') as batch:
        batch.drop_column('applicant_search')
        batch.drop_column('applicant_tax_code')
