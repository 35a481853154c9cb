"""revision due: a revision request carries a due date; the journal's default days for minor and major revisions;
the author's response to the reviewers kept as a draft while they upload the revision's files

Revision ID: 0017_revision_due
Revises: 0016_mail_templates
Create Date: 2026-12-05 14:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0017_revision_due'
down_revision = '0016_mail_templates'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('journals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('minor_revision_days', sa.Integer(), nullable=False, server_default='30'))
        batch_op.add_column(sa.Column('major_revision_days', sa.Integer(), nullable=False, server_default='60'))
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('response_draft', sa.Text(), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_column('response_draft')
        batch_op.drop_column('revision_due_at')
    with op.batch_alter_table('journals', schema=None) as batch_op:
        batch_op.drop_column('major_revision_days')
        batch_op.drop_column('minor_revision_days')
