"""Published articles made directly as rows (Issue, Submission, Article, ArticleVersion), NOT through the
production services: for the tests of the outputs that read them (OAI-PMH, Crossref, JATS), which need many
articles, exact dates, corrections and retractions quickly. The whole path through the services is tested in
tests/test_production.py and tests/test_issues.py, and the outputs of an article made by those services
(reviewed, accepted, produced, published) in tests/test_crossref.py.
"""

import itertools
from datetime import UTC, datetime, timedelta

from journal.extensions import db
from journal.models import (Article, ArticleStatus, ArticleVersion, Issue, IssueStatus, Submission,
                            SubmissionStatus)

_numbers = itertools.count(1)
DEFAULT_PEOPLE = [
    {"given_name": "Mei", "family_name": "Chen", "orcid": "0000-0002-1825-0097", "affiliation": "Tohoku University",
     "country": "JP", "corresponding": True, "email": "mei@example.org"},
    {"given_name": "Kenji", "family_name": "Watanabe", "orcid": "", "affiliation": "Institute of Space Science",
     "country": "DE", "corresponding": False, "email": ""},
]


def make_issue(journal, *, volume=1, number=1, year=2026, published_at=None, status=IssueStatus.PUBLISHED):
    issue = Issue(journal=journal, volume=volume, number=number, year=year, status=status,
                  published_at=published_at if status is IssueStatus.PUBLISHED else None)
    if issue.published_at is None and status is IssueStatus.PUBLISHED:
        issue.published_at = datetime(year, 3, 1, 9, 30, tzinfo=UTC)
    db.session.add(issue)
    db.session.commit()
    return issue


def make_article(journal, submitter, *, issue=None, section=None, title=None, published_at=None,
                 status=ArticleStatus.PUBLISHED, pages=(1, 10), contributors=None, abstract=None, keywords=None,
                 licence="CC-BY-4.0", doi=None, position=0, commit=True) -> Article:
    """One article; published (with a DOI and version 1 published) unless `status` says otherwise."""
    n = next(_numbers)
    public = status in (ArticleStatus.PUBLISHED, ArticleStatus.RETRACTED)
    section = section if section is not None else journal.sections[0]
    submission = Submission(journal=journal, section=section, submitter=submitter, title=title or f"Article {n}",
                            status=SubmissionStatus.PUBLISHED if public else SubmissionStatus.SCHEDULED)
    moment = published_at or (issue.published_at if issue is not None and issue.published_at else
                              datetime(2026, 3, 1, 9, 30, tzinfo=UTC) + timedelta(seconds=n))
    article = Article(submission=submission, journal=journal, issue=issue, section=section, position=position,
                      first_page=pages[0] if pages else None, last_page=pages[1] if pages else None,
                      doi=(doi or f"{journal.doi_prefix or '10.59999'}/{journal.slug}.test.{n:05d}") if public else None,
                      status=status, published_at=moment if public else None, proof_corrections="",
                      retraction_notice="")
    version = ArticleVersion(article=article, number=1, title=submission.title,
                             abstract=abstract if abstract is not None else f"Findings of article {n}, with $E=mc^2$.",
                             keywords=keywords if keywords is not None else ["moon", "regolith"], language="en",
                             contributors=contributors if contributors is not None else DEFAULT_PEOPLE,
                             licence=licence, published_at=moment if public else None)
    db.session.add_all([submission, article, version])
    db.session.flush()
    article.current_version = version
    if commit:
        db.session.commit()
    return article
