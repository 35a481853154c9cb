"""Search over published articles for readers: /search?q=…&journal=slug&year=2026&section=3&page=2.

A GET form, so a search is a link readers can share; the work is journal/search.py. A page past the last is
not found; anything else odd in the address (a page that is not a number, an unknown year) is ignored.
"""

from flask import abort, render_template, request
from flask_babel import format_number, gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from journal.extensions import db
from journal.models import Issue, IssueStatus, Journal
from journal.permissions import permission
from journal.search import parse_query, search_articles
from journal.page_cache import SITE
from journal.web.public.blueprint import bp
from journal.web.public.caching import cacheable

PER_PAGE = 20


def _int(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


@bp.get("/search")
@permission("public")
def search():
    text = request.args.get("q", "")[:500]
    # The filter lists in two queries: the journals with their sections, the years of published issues.
    journals = db.session.scalars(select(Journal).options(joinedload(Journal.sections))
                                  .order_by(Journal.title)).unique().all()
    journal = next((j for j in journals if j.slug == request.args.get("journal")), None)
    years = db.session.scalars(select(Issue.year).where(Issue.status == IssueStatus.PUBLISHED)
                               .group_by(Issue.year).order_by(Issue.year.desc())).all()
    year = _int("year") if _int("year") in years else None
    sections = sorted((s for j in ([journal] if journal else journals) for s in j.sections),
                      key=lambda s: (s.journal_id, s.position))
    section = next((s for s in sections if s.id == _int("section")), None)
    page = _int("page") or 1
    results = None
    if parse_query(text):
        results = search_articles(text, journal=journal, year=year, section=section.id if section else None,
                                  page=page, per_page=PER_PAGE)
        if page > results.pages:
            if results.more_than_shown:
                abort(404, description=_("Only the first %(shown)s results can be paged through: narrow the search "
                                         "with more words or the lists.", shown=format_number(results.shown)))
            abort(404, description=_("There is no page %(page)s of results: they fit on %(pages)s.", page=page,
                                 pages=results.pages))
    by_id = {j.id: j for j in journals}
    filters = {"q": text, "journal": journal.slug if journal else None, "year": year,
               "section": section.id if section else None}
    return cacheable(render_template("public/search.html", text=text, results=results, journals=journals, journal=None,
                           chosen_journal=journal, years=years, year=year, sections=sections, section=section,
                           journal_of=by_id, filters={k: v for k, v in filters.items() if v}), [SITE])
