"""publishing: issues, articles and their versions (galley, frozen metadata), DOI counters and pattern

Revision ID: 0006_publishing
Revises: 0005_editorial_office
Create Date: 2026-11-21 07:42:28.813115

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_publishing'
down_revision = '0005_editorial_office'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('doi_counters',
    sa.Column('journal_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['journal_id'], ['journals.id'], name=op.f('fk_doi_counters_journal_id_journals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('journal_id', 'year', name=op.f('pk_doi_counters'))
    )
    op.create_table('issues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('journal_id', sa.Integer(), nullable=False),
    sa.Column('volume', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=255), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', name='issue_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('number >= 1', name=op.f('ck_issues_number_positive')),
    sa.CheckConstraint('volume >= 1', name=op.f('ck_issues_volume_positive')),
    sa.CheckConstraint('year between 1900 and 2200', name=op.f('ck_issues_year_range')),
    sa.ForeignKeyConstraint(['journal_id'], ['journals.id'], name=op.f('fk_issues_journal_id_journals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issues')),
    sa.UniqueConstraint('journal_id', 'volume', 'number', name=op.f('uq_issues_journal_id_volume_number'))
    )
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issues_journal_id'), ['journal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_issues_status'), ['status'], unique=False)

    op.create_table('articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('journal_id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=True),
    sa.Column('section_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('first_page', sa.Integer(), nullable=True),
    sa.Column('last_page', sa.Integer(), nullable=True),
    sa.Column('doi', sa.String(length=255), nullable=True),
    sa.Column('status', sa.Enum('in_production', 'proofs_requested', 'corrections_sent', 'proofs_approved', 'published', 'retracted', name='article_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('metadata_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('metadata_confirmed_by_id', sa.Integer(), nullable=True),
    sa.Column('proofs_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('proofs_requested_by_id', sa.Integer(), nullable=True),
    sa.Column('proofs_approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('proofs_approved_by_id', sa.Integer(), nullable=True),
    sa.Column('proof_corrections', sa.Text(), nullable=False),
    sa.Column('proof_corrections_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('retracted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('retraction_notice', sa.Text(), nullable=False),
    sa.Column('current_version_id', sa.Integer(), nullable=True),
    sa.Column('download_count', sa.Integer(), nullable=False),
    sa.Column('view_count', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lock_version', sa.Integer(), nullable=False),
    sa.CheckConstraint('first_page >= 1', name=op.f('ck_articles_first_page_positive')),
    sa.CheckConstraint('last_page >= first_page', name=op.f('ck_articles_page_range_order')),
    sa.ForeignKeyConstraint(['issue_id'], ['issues.id'], name=op.f('fk_articles_issue_id_issues')),
    sa.ForeignKeyConstraint(['journal_id'], ['journals.id'], name=op.f('fk_articles_journal_id_journals')),
    sa.ForeignKeyConstraint(['metadata_confirmed_by_id'], ['users.id'], name=op.f('fk_articles_metadata_confirmed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proofs_approved_by_id'], ['users.id'], name=op.f('fk_articles_proofs_approved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proofs_requested_by_id'], ['users.id'], name=op.f('fk_articles_proofs_requested_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['section_id'], ['sections.id'], name=op.f('fk_articles_section_id_sections')),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_articles_submission_id_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_articles')),
    sa.UniqueConstraint('doi', name=op.f('uq_articles_doi')),
    sa.UniqueConstraint('submission_id', name=op.f('uq_articles_submission_id'))
    )
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_articles_issue_id'), ['issue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_articles_journal_id'), ['journal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_articles_published_at'), ['published_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_articles_status'), ['status'], unique=False)

    op.create_table('article_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=500), nullable=False),
    sa.Column('abstract', sa.Text(), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('contributors', sa.JSON(), nullable=False),
    sa.Column('funding', sa.Text(), nullable=False),
    sa.Column('competing_interests', sa.Text(), nullable=False),
    sa.Column('data_availability', sa.Text(), nullable=False),
    sa.Column('licence', sa.String(length=40), nullable=False),
    sa.Column('galley_file_id', sa.Integer(), nullable=True),
    sa.Column('change_note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_article_versions_article_id_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_article_versions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['galley_file_id'], ['submission_files.id'], name=op.f('fk_article_versions_galley_file_id_submission_files')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_versions')),
    sa.UniqueConstraint('article_id', 'number', name=op.f('uq_article_versions_article_id_number'))
    )
    with op.batch_alter_table('article_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_article_versions_article_id'), ['article_id'], unique=False)

    # articles and article_versions point at each other: the article's pointer to its current version comes last.
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.create_foreign_key('fk_articles_current_version_id_article_versions', 'article_versions',
                                    ['current_version_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('journals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('doi_pattern', sa.String(length=100), nullable=False,
                                      server_default='{slug}.{year}.{number:04d}'))



def downgrade():
    with op.batch_alter_table('journals', schema=None) as batch_op:
        batch_op.drop_column('doi_pattern')

    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_constraint('fk_articles_current_version_id_article_versions', type_='foreignkey')

    with op.batch_alter_table('article_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_article_versions_article_id'))

    op.drop_table('article_versions')
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_articles_status'))
        batch_op.drop_index(batch_op.f('ix_articles_published_at'))
        batch_op.drop_index(batch_op.f('ix_articles_journal_id'))
        batch_op.drop_index(batch_op.f('ix_articles_issue_id'))

    op.drop_table('articles')
    with op.batch_alter_table('issues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_issues_status'))
        batch_op.drop_index(batch_op.f('ix_issues_journal_id'))

    op.drop_table('issues')
    op.drop_table('doi_counters')
