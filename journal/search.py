"""Search over published articles: words in the title, abstract, keywords and author names, filtered by journal,
year and section, in order of relevance, a page at a time.

One function, `search_articles`, with two engines chosen by the database dialect:
- SQLite: an FTS5 table `article_search` (rowid = article id; columns title, keywords, authors, abstract; Porter
  stemming, accents folded), ranked by bm25 with the title weighted most.
- PostgreSQL: a table `article_search` (article id, `document` tsvector with a GIN index): weights A title,
  B keywords and authors, C abstract; `websearch_to_tsquery`, `ts_rank_cd`, `ts_headline` ('english').
Both are created by migration 0007_search and are not in the SQLAlchemy metadata (`include_object` keeps them out
of the model/migration comparison). The services keep them in step by calling `index_article(article)` when an
issue is published and when a published article is corrected or retracted; a deleted article's row goes with it
(a trigger on SQLite, ON DELETE CASCADE on PostgreSQL).

Chinese (and Japanese and Korean) is written without spaces between words, so neither engine can find a word
inside a run of characters: 月球样品 inside 嫦娥五号月球样品. Each such run is also indexed as overlapping pairs of
characters (嫦娥 娥五 五号 号月 月球 球样 样品, column `cjk`; `cjk_pairs`), and a query's run becomes the phrase of its
pairs (月球 球样 样品), as the CJK analyzers of Lucene and Elasticsearch do: any word of two or more characters is
found without a dictionary. On PostgreSQL the pairs are a tsvector of their own (`pairs`), matched and ranked
only for the Chinese part of a query. Migration 0014 added the `cjk` and `translated` columns (title, keywords and abstract
in the paper's second language).

Readers' queries never reach FTS5 as written: `parse_query` keeps words, "quoted phrases", `-excluded` words and
`or`, and each engine gets a query rebuilt from those, so quotes, stars, brackets or AND never cause an error.
"""

import json
import math
import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape
from sqlalchemy import select, text
from sqlalchemy.orm import joinedload

from journal.extensions import db
from journal.markup import readable_tex
from journal.models import Article, ArticleVersion, Journal

SEARCH_TABLE = "article_search"
MAX_PER_PAGE = 100
MAX_QUERY_LENGTH = 500
MAX_TERMS = 32
# A query is ranked among its newest matches up to this many, and counted up to one more ("more than 1,000"): a
# common word then costs what a rare one does, at 20,000 articles or 200,000 (scripts/bench_search.py).
CANDIDATES = 1000  # "newest" by article id, on both engines
RECENT = 10 * CANDIDATES  # PostgreSQL: the newest index rows where a common word's candidates are looked for first
# Highlight markers: control characters no stored text keeps (index_article strips them), so the snippet can be
# escaped as a whole and only the markers turned into <mark>.
START, STOP = "\x02", "\x03"
ELLIPSIS = "\u2026"
# title, keywords, authors, abstract, translated, cjk (bm25: higher counts more)
SQLITE_WEIGHTS = (10.0, 4.0, 4.0, 1.0, 2.0, 3.0)
WORD = re.compile(r"\w+", re.UNICODE)
# Scripts written without spaces between words: CJK ideographs (and extension A, compatibility), kana, Hangul.
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+")
SNIPPET_CHARS = 60  # either side of a match of Chinese text in the abstract
TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def include_object(object, name, type_, reflected, compare_to) -> bool:
    """For Alembic: what migrations create outside the models' metadata is left out of the comparison: the search
    tables (migration 0007) and PostgreSQL's trigram indexes for the editorial queue's text search (0021)."""
    if type_ == "index" and name and name.endswith("_trigrams"):
        return False
    return not (type_ == "table" and name and name.startswith(SEARCH_TABLE))


# --- the reader's query ----------------------------------------------------------------------------------

@dataclass
class Query:
    """A reader's query as groups of alternatives (all groups must match) and excluded terms; each term is a
    tuple of words (a phrase when longer than one)."""

    groups: list[list[tuple[str, ...]]] = field(default_factory=list)
    excluded: list[tuple[str, ...]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.groups)

    def fts5(self) -> str:
        def term(words):
            return '"' + " ".join(words) + '"'  # words are \w+ only: nothing inside needs quoting

        expression = " AND ".join("(" + " OR ".join(term(t) for t in group) + ")" for group in self.groups)
        if self.excluded:
            expression = "(" + expression + ")" + "".join(" NOT " + term(t) for t in self.excluded)
        return expression

    def split(self) -> tuple["Query", "Query"]:
        """(words, Chinese): the groups and exclusions made of Latin-script words, and those made of CJK character
        pairs, which PostgreSQL keeps in a column of their own (`pairs`) so that they weigh nothing on other
        searches."""
        def is_cjk(term) -> bool:
            return bool(CJK.search(term[0]))

        words = Query([g for g in self.groups if not all(is_cjk(t) for t in g)],
                      [t for t in self.excluded if not is_cjk(t)])
        chinese = Query([g for g in self.groups if all(is_cjk(t) for t in g)], [t for t in self.excluded if is_cjk(t)])
        return words, chinese

    def websearch(self) -> str:
        def term(words):
            return '"' + " ".join(words) + '"' if len(words) > 1 else words[0]

        parts = [" or ".join(term(t) for t in group) for group in self.groups]
        parts += ["-" + term(t) for t in self.excluded]
        return " ".join(parts)


def parse_query(raw: str) -> Query:
    """Words, "phrases", -excluded and `or` between terms; everything else in the text is ignored."""
    query = Query()
    join_next = False
    for match in TOKEN.finditer((raw or "")[:MAX_QUERY_LENGTH]):
        negated, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare is not None:
            if bare.lower() == "or" and query.groups:
                join_next = True
                continue
            if bare.lower() == "and":  # all words must match anyway (and PostgreSQL ignores the stop word)
                continue
            negated = "-" if bare.startswith("-") else ""
            phrase = bare
        terms = _terms(phrase)
        if not terms:
            continue
        for words in terms:
            if negated:
                query.excluded.append(words)
            elif join_next:
                query.groups[-1].append(words)
                join_next = False
            else:
                query.groups.append([words])
        join_next = False
        if len(query.groups) + len(query.excluded) >= MAX_TERMS:
            break
    return query


def cjk_pairs(run: str) -> list[str]:
    """嫦娥五号 → [嫦娥, 娥五, 五号]; one character stays itself."""
    return [run] if len(run) < 2 else [run[i:i + 2] for i in range(len(run) - 1)]


def cjk_text(value: str) -> str:
    """What the `cjk` column holds: every run of CJK characters in the text as its pairs, spaces between."""
    return " ".join(" ".join(cjk_pairs(run)) for run in CJK.findall(value or ""))


def _terms(phrase: str) -> list[tuple[str, ...]]:
    """A typed term as the engines' terms: its words (a phrase if several), and each run of CJK characters in it
    as the phrase of its pairs, searched on its own."""
    runs = CJK.findall(phrase)
    words = tuple(w.lower() for w in WORD.findall(CJK.sub(" ", phrase)))[:MAX_TERMS]
    return ([words] if words else []) + [tuple(cjk_pairs(run))[:MAX_TERMS] for run in runs]


def cjk_runs(query_text: str) -> list[str]:
    """The runs of CJK characters a reader typed, to mark where the engines' highlighting cannot."""
    return [run for run in CJK.findall(query_text or "") if len(run) >= 2]


# --- results -------------------------------------------------------------------------------------------

@dataclass
class SearchHit:
    article: Article
    version: ArticleVersion
    rank: float
    title: Markup  # the title with the matched words in <mark>, escaped
    snippet: Markup  # a passage of the abstract, the same way

    @property
    def is_retracted(self) -> bool:
        return self.article.is_retracted


@dataclass
class SearchPage:
    query: str
    hits: list[SearchHit]
    total: int  # counted up to CANDIDATES + 1
    page: int
    per_page: int

    @property
    def more_than_shown(self) -> bool:
        """More articles match than are ranked and paged (CANDIDATES): the page says "more than"."""
        return self.total > CANDIDATES

    @property
    def shown(self) -> int:
        """How many of the matches can be paged through: all, up to CANDIDATES."""
        return min(self.total, CANDIDATES)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.shown / self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_number(self) -> int:
        """The hit number of the page's first row, from 1."""
        return (self.page - 1) * self.per_page + 1


def marked(value: str) -> Markup:
    """Stored text escaped, then the engine's highlight markers turned into <mark>."""
    safe = str(escape(value or ""))
    return Markup(safe.replace(START, "<mark>").replace(STOP, "</mark>"))


# --- keeping the index in step --------------------------------------------------------------------------

def _clean(value: str) -> str:
    return (value or "").replace(START, " ").replace(STOP, " ")


def document_of(version: ArticleVersion) -> dict:
    """The six searched texts of an article version."""
    return search_texts(version.title, version.keywords, version.contributors, version.abstract,
                        version.translated_title, version.translated_keywords, version.translated_abstract)


def search_texts(title, keywords, contributors, abstract, translated_title="", translated_keywords=(),
                 translated_abstract="") -> dict:
    """The columns of the index from an article version's stored values (migration 0014 calls it too): the
    names include each author's name in their own script (李伟 beside Li Wei)."""
    names = []
    for c in contributors or []:
        names.append(f"{c.get('given_name', '')} {c.get('family_name', '')}".strip())
        if c.get("native_name"):
            names.append(c["native_name"])
    translated = " ".join(filter(None, [translated_title, "; ".join(translated_keywords or []), translated_abstract]))
    texts = {"title": title, "keywords": "; ".join(keywords or []), "authors": "; ".join(names),
             "abstract": abstract, "translated": translated}
    texts = {name: _clean(value) for name, value in texts.items()}
    texts["cjk"] = cjk_text(" ".join(texts.values()))
    return texts


def _dialect() -> str:
    return db.session.get_bind().dialect.name


POSTGRES_DOCUMENT = ("setweight(to_tsvector('english', :title), 'A') || "
                     "setweight(to_tsvector('english', :keywords), 'B') || "
                     "setweight(to_tsvector('english', :authors), 'B') || "
                     "setweight(to_tsvector('english', :abstract), 'C') || "
                     "setweight(to_tsvector('simple', :translated), 'C')")
# The CJK character pairs in a column of their own (GIN-indexed too): in `document` they tripled the size of a
# Chinese paper's vector and slowed the ranking of every search, Chinese or not (scripts/bench_search.py).
POSTGRES_PAIRS = "to_tsvector('simple', :cjk)"


def index_article(article: Article) -> None:
    """Put the article's current version into the search index, or take it out if readers cannot see it.
    Runs in the caller's transaction (the services call it where an article is published, corrected or
    retracted)."""
    db.session.flush()
    version = article.current_version
    public = article.published_at is not None and version is not None
    if _dialect() == "postgresql":
        db.session.execute(text("DELETE FROM article_search WHERE article_id = :id"), {"id": article.id})
        if public:
            db.session.execute(text(POSTGRES_INSERT), {"id": article.id, **document_of(version)})
    else:
        db.session.execute(text("DELETE FROM article_search WHERE rowid = :id"), {"id": article.id})
        if public:
            db.session.execute(text(SQLITE_INSERT), {"id": article.id, **document_of(version)})


SQLITE_INSERT = ("INSERT INTO article_search (rowid, title, keywords, authors, abstract, translated, cjk) "
                 "VALUES (:id, :title, :keywords, :authors, :abstract, :translated, :cjk)")
POSTGRES_INSERT = (f"INSERT INTO article_search (article_id, document, pairs) "
                   f"VALUES (:id, {POSTGRES_DOCUMENT}, {POSTGRES_PAIRS})")
PUBLISHED_VERSIONS = ("SELECT a.id, v.title, v.keywords, v.contributors, v.abstract, v.translated_title, "
                      "v.translated_keywords, v.translated_abstract FROM articles a "
                      "JOIN article_versions v ON v.id = a.current_version_id WHERE a.published_at IS NOT NULL")
REINDEX_BATCH = 1000


def index_rows(connection, dialect: str) -> int:
    """Fill the empty index from the published articles, a thousand at a time (reindex_all, migration 0014)."""
    def loaded(value):
        return json.loads(value) if isinstance(value, str) else (value or [])

    insert, count = text(POSTGRES_INSERT if dialect == "postgresql" else SQLITE_INSERT), 0
    result = connection.execute(text(PUBLISHED_VERSIONS))
    while rows := result.fetchmany(REINDEX_BATCH):
        batch = [{"id": row[0], **search_texts(row[1], loaded(row[2]), loaded(row[3]), row[4], row[5] or "",
                                               loaded(row[6]), row[7] or "")} for row in rows]
        connection.execute(insert, batch)
        count += len(batch)
    return count


def reindex_all() -> int:
    """Rebuild the whole index from the published articles (after a restore or a bulk load); returns how many
    articles it holds."""
    db.session.execute(text("DELETE FROM article_search"))
    index_rows(db.session.connection(), _dialect())
    count = db.session.scalar(text("SELECT count(*) FROM article_search"))
    db.session.commit()
    return count


# --- searching -----------------------------------------------------------------------------------------

def _journal_id(journal) -> int | None:
    if journal is None or journal == "":
        return None
    return journal.id if isinstance(journal, Journal) else int(journal)


def _filters(journal_id, year, section_id) -> tuple[str, dict]:
    clauses, params = ["a.published_at IS NOT NULL"], {}
    if journal_id is not None:
        clauses.append("a.journal_id = :journal_id")
        params["journal_id"] = journal_id
    if year is not None:
        clauses.append("i.year = :year")
        params["year"] = int(year)
    if section_id is not None:
        clauses.append("a.section_id = :section_id")
        params["section_id"] = int(section_id)
    return " AND ".join(clauses), params


def search_articles(query_text: str, *, journal=None, year=None, section=None, page: int = 1,
                    per_page: int = 20) -> SearchPage:
    """Published articles (retracted ones too, marked) whose title, abstract, keywords or author names hold the
    reader's words, best first; `journal` is a Journal or its id, `section` a section id. A page past the last
    comes back empty with the total, so the caller can say so."""
    per_page = max(1, min(int(per_page), MAX_PER_PAGE))
    page = max(1, int(page))
    query = parse_query(query_text)
    if not query:
        return SearchPage(query_text or "", [], 0, page, per_page)
    section_id = getattr(section, "id", section) or None
    where, params = _filters(_journal_id(journal), year or None, section_id)
    params.update(limit=per_page, offset=(page - 1) * per_page)
    if _dialect() == "postgresql":
        rows, total, marks = _search_postgresql(query, where, params)
    else:
        rows, total, marks = _search_sqlite(query, where, params)
    articles = {a.id: a for a in db.session.scalars(
        select(Article).where(Article.id.in_([r[0] for r in rows]))
        .options(joinedload(Article.current_version), joinedload(Article.issue), joinedload(Article.journal),
                 joinedload(Article.section)))}
    hits = []
    runs = cjk_runs(query_text)
    for article_id, rank in rows:
        article = articles.get(article_id)
        if article is None or article.current_version is None:
            continue
        title, snippet = marks.get(article_id, (article.current_version.title, ""))
        if runs:
            title, snippet = _mark_runs(title, runs), _cjk_snippet(article.current_version, runs) or snippet
        # Formulas and TeX commands read as text, not as their source ($\\alpha$ → α).
        hits.append(SearchHit(article, article.current_version, rank, marked(readable_tex(title, START + STOP)),
                              marked(readable_tex(snippet, START + STOP))))
    return SearchPage(query_text, hits, total or 0, page, per_page)


def _mark_runs(value: str, runs: list[str]) -> str:
    for run in sorted(set(runs), key=len, reverse=True):
        value = value.replace(run, START + run + STOP)
    return value


def _cjk_snippet(version: ArticleVersion, runs: list[str]) -> str | None:
    """A passage of the abstract (or its translation) around the first Chinese words the reader typed, marked: the
    engines' snippets cut text at spaces, which Chinese has none of."""
    for text_ in (version.abstract, version.translated_abstract):
        text_ = _clean(text_)
        at = min((i for i in (text_.find(run) for run in runs) if i >= 0), default=-1)
        if at >= 0:
            start, stop = max(0, at - SNIPPET_CHARS), min(len(text_), at + SNIPPET_CHARS)
            passage = (ELLIPSIS if start else "") + text_[start:stop] + (ELLIPSIS if stop < len(text_) else "")
            return _mark_runs(passage, runs)
    return None


def _search_sqlite(query: Query, where: str, params: dict):
    params = {**params, "q": query.fts5(), "cap": CANDIDATES}
    weights = ", ".join(str(w) for w in SQLITE_WEIGHTS)
    joins = ("FROM article_search JOIN articles a ON a.id = article_search.rowid "
             "LEFT JOIN issues i ON i.id = a.issue_id")
    # The newest CANDIDATES + 1 matches (FTS5 walks its rowids backwards, no sort), scored by bm25, then ranked,
    # counted and paged; snippets only for the page's rows.
    rows = db.session.execute(text(
        f"WITH candidates AS (SELECT article_search.rowid AS id, -bm25(article_search, {weights}) AS score, "
        f"a.published_at AS published_at {joins} WHERE article_search MATCH :q AND {where} "
        f"ORDER BY article_search.rowid DESC LIMIT :cap + 1), "
        f"ranked AS (SELECT id, score, published_at, count(*) OVER () AS total, "
        f"row_number() OVER (ORDER BY id DESC) AS n FROM candidates) "
        f"SELECT id, score, total FROM ranked WHERE n <= :cap "
        f"ORDER BY score DESC, published_at DESC, id LIMIT :limit OFFSET :offset"), params).all()
    if rows:
        total = rows[0][2]
    else:  # a page past the last: how many there are, up to the cap
        total = db.session.scalar(text(
            f"SELECT count(*) FROM (SELECT 1 {joins} WHERE article_search MATCH :q AND {where} LIMIT :cap + 1)"),
            params)
    marks = {}
    if rows:
        ids = ", ".join(str(int(r[0])) for r in rows)
        for article_id, title, snippet in db.session.execute(text(
                f"SELECT rowid, highlight(article_search, 0, :start, :stop), "
                f"snippet(article_search, 3, :start, :stop, :ellipsis, 40) FROM article_search "
                f"WHERE article_search MATCH :q AND rowid IN ({ids})"),
                {"q": params["q"], "start": START, "stop": STOP, "ellipsis": ELLIPSIS}):
            marks[article_id] = (title, snippet)
    return [(r[0], float(r[1])) for r in rows], total, marks


def _search_postgresql(query: Query, where: str, params: dict):
    words, chinese = query.split()
    params = {**params, "q": words.websearch(), "qc": chinese.websearch(), "cap": CANDIDATES}
    matches, ranks = [], []
    if words.groups or words.excluded:
        matches.append("s.document @@ query")
        ranks.append("ts_rank_cd(c.document, query)")
    if chinese.groups or chinese.excluded:
        matches.append("s.pairs @@ cquery")
        ranks.append("ts_rank_cd(c.pairs, cquery)")
    match, rank = " AND ".join(matches), " + ".join(ranks)
    queries = "websearch_to_tsquery('english', :q) query, websearch_to_tsquery('simple', :qc) cquery"
    joins = "JOIN articles a ON a.id = s.article_id LEFT JOIN issues i ON i.id = a.issue_id"
    picked = "s.article_id, a.published_at, a.current_version_id"
    columns = "s.article_id, s.document, s.pairs, a.published_at, a.current_version_id"
    if {"journal_id", "year", "section_id"} & params.keys():  # a journal, year or section: its newest rows
        window = (f"SELECT {columns} FROM articles a LEFT JOIN issues i ON i.id = a.issue_id "
                  f"JOIN article_search s ON s.article_id = a.id WHERE {where} ORDER BY a.id DESC LIMIT :recent")
    else:  # the newest rows of the index
        window = (f"SELECT {columns} FROM (SELECT article_id, document, pairs FROM article_search "
                  f"ORDER BY article_id DESC LIMIT :recent) s {joins} WHERE {where}")
    # The candidates are the newest CANDIDATES + 1 matches by article id (one more says "more than"). A common word
    # has them among the newest RECENT index rows (of the journal, year or section asked for), read backwards
    # along a primary key and stopped early; a rarer one (fewer there) takes them from all its matches through the
    # GIN index, which are few enough then. The planner is not left to choose: it estimates a phrase as its words together ("solar wind": 30 times too many).
    # Only the candidates are ranked, counted and paged; the page's headlines come in the same statement.
    options = f"StartSel={START}, StopSel={STOP}"
    params.update(recent=RECENT, title_options=options + ", HighlightAll=true",
                  abstract_options=options + f", MaxWords=40, MinWords=15, MaxFragments=2, "
                                             f"FragmentDelimiter=\" {ELLIPSIS} \"")
    rows = db.session.execute(text(
        f"WITH recent AS MATERIALIZED (SELECT s.article_id, s.published_at, s.current_version_id "
        f"FROM ({window}) s, {queries} WHERE {match} ORDER BY s.article_id DESC LIMIT :cap + 1), "
        f"chosen AS MATERIALIZED (SELECT * FROM recent WHERE (SELECT count(*) FROM recent) > :cap "
        f"UNION ALL (SELECT {picked} FROM article_search s {joins}, {queries} "
        f"WHERE {match} AND {where} AND (SELECT count(*) FROM recent) <= :cap "
        f"ORDER BY s.article_id + 0 DESC LIMIT :cap + 1)), "
        f"ranked AS (SELECT c.article_id, chosen.current_version_id, {rank} AS score, chosen.published_at, "
        f"count(*) OVER () AS total, row_number() OVER (ORDER BY c.article_id DESC) AS n "
        f"FROM chosen JOIN article_search c ON c.article_id = chosen.article_id, {queries}), "
        f"page AS (SELECT * FROM ranked WHERE n <= :cap ORDER BY score DESC, published_at DESC, article_id "
        f"LIMIT :limit OFFSET :offset) "
        f"SELECT p.article_id, p.score, p.total, ts_headline('english', v.title, query, :title_options), "
        f"ts_headline('english', v.abstract, query, :abstract_options) "
        f"FROM page p JOIN article_versions v ON v.id = p.current_version_id, {queries} "
        f"ORDER BY p.score DESC, p.published_at DESC, p.article_id"), params).all()
    if rows:
        total = rows[0][2]
    else:  # a page past the last: how many there are, up to the cap
        total = db.session.scalar(text(
            f"SELECT count(*) FROM (SELECT 1 FROM article_search s JOIN articles a ON a.id = s.article_id "
            f"LEFT JOIN issues i ON i.id = a.issue_id, {queries} WHERE {match} AND {where} LIMIT :cap + 1) found"),
            params)
    marks = {r[0]: (r[3], r[4]) for r in rows}
    return [(r[0], float(r[1])) for r in rows], total, marks
