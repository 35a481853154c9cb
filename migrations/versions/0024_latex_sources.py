"""LaTeX source archives as manuscripts: the file kind latex_source and the compilations of each archive

Revision ID: 0024_latex_sources
Revises: 0023_full_text
Create Date: 2026-12-06 21:40:00.000000

"""
import sqlalchemy as sa
from alembic import op

from journal.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0024_latex_sources'
down_revision = '0023_full_text'
branch_labels = None
depends_on = None

# Written out, so that this migration keeps its meaning when the models change.
OLD_KINDS = ['manuscript', 'anonymized_manuscript', 'supplement', 'response_letter', 'review_attachment', 'galley']
NEW_KINDS = OLD_KINDS + ['latex_source']


def _file_kind(values):
    return sa.Enum(*values, name='file_kind', native_enum=False, create_constraint=True, length=32)


def upgrade():
    # The kind's CHECK constraint gains the new value (SQLite: the table is copied with the new constraint).
    with op.batch_alter_table('submission_files', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=_file_kind(OLD_KINDS), type_=_file_kind(NEW_KINDS),
                              existing_nullable=False)

    op.create_table('latex_compiles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('source_file_id', sa.Integer(), nullable=False),
    sa.Column('main', sa.String(length=500), nullable=False),
    sa.Column('mains', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('choosing', 'queued', 'running', 'succeeded', 'failed', name='compile_status',
                                native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('log_key', sa.String(length=255), nullable=True),
    sa.Column('pdf_file_id', sa.Integer(), nullable=True),
    sa.Column('seconds', sa.Float(), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('started_at', UTCDateTime(), nullable=True),
    sa.Column('finished_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['pdf_file_id'], ['submission_files.id'],
                            name=op.f('fk_latex_compiles_pdf_file_id_submission_files'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                            name=op.f('fk_latex_compiles_requested_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_file_id'], ['submission_files.id'],
                            name=op.f('fk_latex_compiles_source_file_id_submission_files'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'],
                            name=op.f('fk_latex_compiles_submission_id_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_latex_compiles'))
    )
    with op.batch_alter_table('latex_compiles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_latex_compiles_source_file_id'), ['source_file_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_latex_compiles_submission_id'), ['submission_id'], unique=False)


def downgrade():
    with op.batch_alter_table('latex_compiles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_latex_compiles_submission_id'))
        batch_op.drop_index(batch_op.f('ix_latex_compiles_source_file_id'))
    op.drop_table('latex_compiles')
    op.execute("DELETE FROM submission_files WHERE kind = 'latex_source'")
    with op.batch_alter_table('submission_files', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=_file_kind(NEW_KINDS), type_=_file_kind(OLD_KINDS),
                              existing_nullable=False)
