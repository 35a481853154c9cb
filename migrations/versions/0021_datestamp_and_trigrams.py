"""a stored, indexed OAI-PMH datestamp on articles; trigram indexes for the queue's text search (PostgreSQL)

OAI-PMH lists are ordered and paged by (datestamp, id). The datestamp was computed in each query (the latest of
the article's publication, its current version's publication and its retraction), which no index covers: every
page sorted the whole archive. `articles.datestamp` stores it (kept at every flush by the model,
journal/models/publishing.py), filled here for the published articles; indexes by (datestamp, id) and per journal
and section (the OAI sets) let a page read only its rows (scripts/bench_oai.py).

The editorial queue's text search asks for a part of the reference or title (`lower(title) LIKE '%plasma%'`),
which read all 50,000 submissions for each count and page; on PostgreSQL trigram indexes (pg_trgm, an extension
any database owner may create) on the two lower-cased columns find them (scripts/bench_queue.py). SQLite has none.

Revision ID: 0021_datestamp_and_trigrams
Revises: 0020_usage_counting
Create Date: 2026-12-06 05:20:00.000000

"""
import sqlalchemy as sa
from alembic import op

from journal.models.base import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0021_datestamp_and_trigrams'
down_revision = '0020_usage_counting'
branch_labels = None
depends_on = None

INDEXES = [
    ('ix_articles_datestamp', ['datestamp', 'id']),
    ('ix_articles_journal_datestamp', ['journal_id', 'datestamp', 'id']),
    ('ix_articles_section_datestamp', ['section_id', 'datestamp', 'id']),
]
TRIGRAMS = [
    ('ix_submissions_title_trigrams', 'title'),
    ('ix_submissions_reference_trigrams', 'reference'),
]
VERSION_PUBLISHED = "(SELECT v.published_at FROM article_versions v WHERE v.id = articles.current_version_id)"


def latest(dialect: str) -> str:
    """The datestamp of an `articles` row in SQL (scripts/bench_oai.py fills its bulk rows with it too)."""
    if dialect == 'postgresql':  # GREATEST skips nulls
        return f"GREATEST(published_at, retracted_at, {VERSION_PUBLISHED})"
    # SQLite's max() of several values is null if one is: the publication stands in for a missing one.
    return f"max(published_at, coalesce(retracted_at, published_at), coalesce({VERSION_PUBLISHED}, published_at))"


def upgrade():
    with op.batch_alter_table('articles') as batch:
        batch.add_column(sa.Column('datestamp', UTCDateTime(), nullable=True))
    op.execute(f"UPDATE articles SET datestamp = {latest(op.get_bind().dialect.name)} "
               f"WHERE published_at IS NOT NULL")
    for name, columns in INDEXES:
        op.create_index(name, 'articles', columns)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, column in TRIGRAMS:
            op.execute(f"CREATE INDEX {name} ON submissions USING gin (lower({column}) gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':  # the extension stays: other things may use it
        for name, _column in reversed(TRIGRAMS):
            op.execute(f"DROP INDEX {name}")
    for name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name='articles')
    with op.batch_alter_table('articles') as batch:
        batch.drop_column('datestamp')
