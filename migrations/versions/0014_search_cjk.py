"""search: Chinese found inside its runs of characters; titles and abstracts in the second language searched too

Chinese is written without spaces, so a word inside a run of characters was never found (月球样品 inside
嫦娥五号月球样品). The index gets a `cjk` column holding every run as overlapping pairs of characters, and a
`translated` column (title, keywords and abstract in the paper's second language); journal/search.py says how
queries use them. SQLite's FTS5 table is made again with the two columns; on PostgreSQL the pairs get a tsvector
column of their own (`pairs`, GIN-indexed) and the documents are rebuilt. Both are filled again from the published articles.

Revision ID: 0014_search_cjk
Revises: 0013_languages
Create Date: 2026-12-05 09:30:00.000000

"""
from alembic import op

from journal.search import index_rows

# revision identifiers, used by Alembic.
revision = '0014_search_cjk'
down_revision = '0013_languages'
branch_labels = None
depends_on = None

FTS5 = "tokenize = 'porter unicode61 remove_diacritics 2'"


def _sqlite_table(columns: str) -> None:
    op.execute("DROP TRIGGER IF EXISTS article_search_article_deleted")
    op.execute("DROP TABLE IF EXISTS article_search")
    op.execute(f"CREATE VIRTUAL TABLE article_search USING fts5({columns}, {FTS5})")
    op.execute("CREATE TRIGGER article_search_article_deleted AFTER DELETE ON articles "
               "BEGIN DELETE FROM article_search WHERE rowid = old.id; END")


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute("DELETE FROM article_search")
        op.execute("ALTER TABLE article_search ADD COLUMN pairs tsvector NOT NULL DEFAULT ''::tsvector")
        op.execute("CREATE INDEX ix_article_search_pairs ON article_search USING gin (pairs)")
    else:
        _sqlite_table("title, keywords, authors, abstract, translated, cjk")
    index_rows(bind, bind.dialect.name)


def downgrade():
    # The index as migration 0007 made it: the four columns, filled by that migration's statements.
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute("DELETE FROM article_search")
        op.execute("DROP INDEX ix_article_search_pairs")
        op.execute("ALTER TABLE article_search DROP COLUMN pairs")
        op.execute(_POSTGRES_0007)
    else:
        _sqlite_table("title, keywords, authors, abstract")
        op.execute(_SQLITE_0007)


_SQLITE_0007 = """
INSERT INTO article_search (rowid, title, keywords, authors, abstract)
SELECT a.id, v.title,
       coalesce((SELECT group_concat(k.value, '; ') FROM json_each(v.keywords) k), ''),
       coalesce((SELECT group_concat(trim(coalesce(json_extract(c.value, '$.given_name'), '') || ' ' ||
                                          coalesce(json_extract(c.value, '$.family_name'), '')), '; ')
                 FROM json_each(v.contributors) c), ''),
       v.abstract
FROM articles a JOIN article_versions v ON v.id = a.current_version_id WHERE a.published_at IS NOT NULL
"""
_POSTGRES_0007 = """
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
