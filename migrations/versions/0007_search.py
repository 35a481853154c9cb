"""search: the index of published articles (SQLite FTS5 table, or a PostgreSQL tsvector table with a GIN index)

Revision ID: 0007_search
Revises: 0006_publishing
Create Date: 2026-11-21 08:50:00

Neither table is in the models' metadata (journal/search.py keeps it in step; `include_object` in
journal/search.py keeps it out of autogenerate). Existing published articles are indexed here.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_search'
down_revision = '0006_publishing'
branch_labels = None
depends_on = None

SQLITE_ROWS = """
INSERT INTO article_search (rowid, title, keywords, authors, abstract)
SELECT a.id, v.title,
       coalesce((SELECT group_concat(k.value, '; ') FROM json_each(v.keywords) k), ''),
       coalesce((SELECT group_concat(trim(coalesce(json_extract(c.value, '$.given_name'), '') || ' ' ||
                                          coalesce(json_extract(c.value, '$.family_name'), '')), '; ')
                 FROM json_each(v.contributors) c), ''),
       v.abstract
FROM articles a JOIN article_versions v ON v.id = a.current_version_id WHERE a.published_at IS NOT NULL
"""

POSTGRES_ROWS = """
INSERT INTO article_search (article_id, document)
SELECT a.id,
       setweight(to_tsvector('english', v.title), 'A') ||
       setweight(to_tsvector('english', coalesce((SELECT string_agg(k, '; ') FROM json_array_elements_text(
           v.keywords::json) k), '')), 'B') ||
       setweight(to_tsvector('english', coalesce((SELECT string_agg(trim(coalesce(c->>'given_name', '') || ' ' ||
           coalesce(c->>'family_name', '')), '; ') FROM json_array_elements(v.contributors::json) c), '')), 'B') ||
       setweight(to_tsvector('english', v.abstract), 'C')
FROM articles a JOIN article_versions v ON v.id = a.current_version_id WHERE a.published_at IS NOT NULL
"""


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("CREATE TABLE article_search (article_id integer PRIMARY KEY REFERENCES articles (id) "
                   "ON DELETE CASCADE, document tsvector NOT NULL)")
        op.execute("CREATE INDEX ix_article_search_document ON article_search USING gin (document)")
        op.execute(POSTGRES_ROWS)
    else:
        op.execute("CREATE VIRTUAL TABLE article_search USING fts5(title, keywords, authors, abstract, "
                   "tokenize = 'porter unicode61 remove_diacritics 2')")
        op.execute("CREATE TRIGGER article_search_article_deleted AFTER DELETE ON articles "
                   "BEGIN DELETE FROM article_search WHERE rowid = old.id; END")
        op.execute(SQLITE_ROWS)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TABLE article_search")
    else:
        op.execute("DROP TRIGGER article_search_article_deleted")
        op.execute("DROP TABLE article_search")
