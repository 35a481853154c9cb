"""peer review published with the article

The journal's choice (never, always, with consent), the reviewer's consent to publish and to be named, the
authors' consent, and the published items (reports, decision letters, authors' responses), each with its DOI.

Revision ID: 0027_published_peer_review
Revises: 0026_api_tokens
Create Date: 2026-12-07 01:10:00.000000

"""
import sqlalchemy as sa
from alembic import op

from journal.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0027_published_peer_review'
down_revision = '0026_api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('journals') as batch:
        # A plain column first, then its check: SQLite's batch copy cannot name a column in a check it adds with it.
        batch.add_column(sa.Column('peer_review_publication', sa.String(length=32), nullable=False,
                                   server_default='never'))
        batch.create_check_constraint(op.f('ck_journals_peer_review_publication'),
                                      "peer_review_publication IN ('never', 'always', 'with_consent')")
    with op.batch_alter_table('reviews') as batch:
        batch.add_column(sa.Column('consent_to_publish', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('name_published', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('submissions') as batch:
        batch.add_column(sa.Column('authors_agree_to_publish_reviews', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        'published_reviews',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('article_id', sa.Integer(), nullable=False),
        sa.Column('round_number', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('referee_report', 'decision_letter', 'author_response',
                                  name='published_review_kind', native_enum=False, create_constraint=True,
                                  length=32), nullable=False),
        sa.Column('label_number', sa.Integer(), nullable=True),
        sa.Column('reviewer_name', sa.String(length=200), nullable=True),
        sa.Column('reviewer_orcid', sa.String(length=19), nullable=True),
        sa.Column('recommendation', sa.String(length=32), nullable=True),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('written_at', UTCDateTime(), nullable=False),
        sa.Column('published_at', UTCDateTime(), nullable=False),
        sa.Column('doi', sa.String(length=255), nullable=True),
        sa.Column('assignment_id', sa.Integer(), nullable=True),
        sa.Column('decision_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['article_id'], ['articles.id'], name=op.f('fk_published_reviews_article_id_articles'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['assignment_id'], ['review_assignments.id'],
                                name=op.f('fk_published_reviews_assignment_id_review_assignments'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'],
                                name=op.f('fk_published_reviews_decision_id_decisions'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_published_reviews')),
        sa.UniqueConstraint('article_id', 'round_number', 'position', name='uq_published_reviews_article_place'),
        sa.UniqueConstraint('doi', name=op.f('uq_published_reviews_doi')),
    )
    op.create_index('ix_published_reviews_article', 'published_reviews', ['article_id', 'round_number', 'position'],
                    unique=False)


def downgrade():
    op.drop_index('ix_published_reviews_article', table_name='published_reviews')
    op.drop_table('published_reviews')
    with op.batch_alter_table('submissions') as batch:
        batch.drop_column('authors_agree_to_publish_reviews')
    with op.batch_alter_table('reviews') as batch:
        batch.drop_column('name_published')
        batch.drop_column('consent_to_publish')
    with op.batch_alter_table('journals') as batch:
        batch.drop_constraint(op.f('ck_journals_peer_review_publication'), type_='check')
        batch.drop_column('peer_review_publication')
