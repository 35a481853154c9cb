"""submissions: rounds, reference counters, checklist, anonymity, objections, pdf reports

Revision ID: 0002_submission_wizard
Revises: 0001_foundation
Create Date: 2026-11-21 05:28:39.984846

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_submission_wizard'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reference_counters',
    sa.Column('journal_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['journal_id'], ['journals.id'], name=op.f('fk_reference_counters_journal_id_journals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('journal_id', 'year', name=op.f('pk_reference_counters'))
    )
    op.create_table('review_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author_response', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_review_rounds_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_rounds')),
    sa.UniqueConstraint('submission_id', 'number', name=op.f('uq_review_rounds_submission_id_number'))
    )
    with op.batch_alter_table('review_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_rounds_submission_id'), ['submission_id'], unique=False)

    with op.batch_alter_table('contributors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('objected_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('objection', sa.Text(), nullable=False, server_default=''))

    with op.batch_alter_table('journals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('page_limit', sa.Integer(), nullable=False, server_default='60'))
        batch_op.add_column(sa.Column('submission_checklist', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.create_check_constraint(op.f('ck_journals_page_limit_range'), 'page_limit between 1 and 2000')

    with op.batch_alter_table('submission_files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pdf_report', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('derived_from_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_submission_files_derived_from_id_submission_files'), 'submission_files', ['derived_from_id'], ['id'])

    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('checklist_confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('anonymity_confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('withdraw_reason', sa.Text(), nullable=False, server_default=''))



def downgrade():
    with op.batch_alter_table('submissions', schema=None) as batch_op:
        batch_op.drop_column('withdraw_reason')
        batch_op.drop_column('anonymity_confirmed_at')
        batch_op.drop_column('checklist_confirmed_at')

    with op.batch_alter_table('submission_files', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_submission_files_derived_from_id_submission_files'), type_='foreignkey')
        batch_op.drop_column('derived_from_id')
        batch_op.drop_column('pdf_report')

    with op.batch_alter_table('journals', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_journals_page_limit_range'), type_='check')
        batch_op.drop_column('submission_checklist')
        batch_op.drop_column('page_limit')

    with op.batch_alter_table('contributors', schema=None) as batch_op:
        batch_op.drop_column('objection')
        batch_op.drop_column('objected_at')

    with op.batch_alter_table('review_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_rounds_submission_id'))

    op.drop_table('review_rounds')
    op.drop_table('reference_counters')
