"""a reviewer's confirmation that an attachment naming them may reach the authors

Revision ID: 0011_attachment_confirmation
Revises: 0010_sign_ins
Create Date: 2026-12-05 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_attachment_confirmation'
down_revision = '0010_sign_ins'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('submission_files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('names_confirmed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('submission_files', schema=None) as batch_op:
        batch_op.drop_column('names_confirmed_at')
