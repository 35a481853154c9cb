"""The reader's site: the installation's journals, each journal's home and its archive of issues.

Articles and issues are in articles.py, the Atom feed, sitemap and robots.txt in feeds.py; search is in search.py.
Everything here is public and shows only what is published.
"""

from flask import render_template

from journal.models import Journal
from journal.page_cache import SITE, journal_tag
from journal.services import journals as journal_service
from journal.permissions import journal_from_slug, journal_with_sections_from_slug, permission
from journal.scholarly.records import licence_name, licence_url
from journal.web.public import reading
from journal.web.public.blueprint import bp
from journal.web.public.caching import Validators, journal_parts

LATEST_ON_HOME = 6


@bp.get("/")
@permission("public")
def home():
    journals = reading.journals_with_current_issue()
    cache = Validators([journal_parts(j) + ((i.id, i.published_at) if i else (),) for j, i in journals],
                       last_modified=max((i.published_at for _j, i in journals if i and i.published_at),
                                         default=None), tags=[SITE])
    return cache.not_modified() or cache.apply(render_template("public/home.html", journals=journals))


@bp.get("/j/<slug>/")
@permission("public", load=journal_with_sections_from_slug)
def journal_home(journal: Journal):
    issue, toc = reading.current_issue_with_toc(journal)
    # Only journals that publish continuously have articles outside issues (the archive lists them in any case).
    if journal.publishes_continuously:
        latest, early = reading.latest_and_online_first(journal, LATEST_ON_HOME)
    else:
        latest, early = reading.latest_articles(journal, LATEST_ON_HOME), []
    news = journal_service.announcements_of(journal, limit=3)
    moments = [a.current_version.published_at for a in latest] + [a.retracted_at for a in latest] + \
              ([issue.published_at] if issue else []) + [n.created_at for n in news]
    moments = [m for m in moments if m is not None]
    cache = Validators(journal_parts(journal), [s.title for s in journal.sections if s.active],
                       issue.id if issue else None, [(a.id, a.current_version_id, a.status.value) for a in latest],
                       [(n.id, n.title, n.body) for n in news], [(a.id, a.current_version_id) for a in early],
                       last_modified=max(moments, default=None), tags=[journal_tag(journal.id)])
    if (response := cache.not_modified()) is not None:
        return response
    return cache.apply(render_template("public/journal.html", journal=journal, issue=issue, articles=toc,
                                       latest=latest, news=news, online_first=early,
                                       licence_url=licence_url(journal.licence),
                                       licence_name=licence_name(journal.licence)))


@bp.get("/j/<slug>/issues")
@permission("public", load=journal_from_slug)
def archive(journal: Journal):
    issues = reading.published_issues(journal)
    early = reading.online_first(journal)
    cache = Validators(journal_parts(journal), [(i.id, i.title, i.volume, i.number, i.year, n) for i, n in issues],
                       [(a.id, a.current_version_id) for a in early],
                       last_modified=max([i.published_at for i, _n in issues if i.published_at]
                                         + [a.published_at for a in early], default=None),
                       tags=[journal_tag(journal.id)])
    return cache.not_modified() or cache.apply(
        render_template("public/archive.html", journal=journal, volumes=reading.by_volume(issues),
                        count=len(issues), online_first=early))

