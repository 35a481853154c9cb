"""ORCID iDs proved through ORCID: when an account's iD, or a listed co-author's, was authenticated

An iD obtained from ORCID by signing in (journal/orcid.py) is marked authenticated; one typed in a form is not, and
the pages say which (issue 18).

Revision ID: 0025_orcid
Revises: 0024_latex_sources
Create Date: 2026-12-06 21:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

from journal.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0025_orcid'
down_revision = '0024_latex_sources'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users') as batch_op:
        batch_op.add_column(sa.Column('orcid_authenticated_at', UTCDateTime(), nullable=True))
    with op.batch_alter_table('contributors') as batch_op:
        batch_op.add_column(sa.Column('orcid_authenticated_at', UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('contributors') as batch_op:
        batch_op.drop_column('orcid_authenticated_at')
    with op.batch_alter_table('users') as batch_op:
        batch_op.drop_column('orcid_authenticated_at')
