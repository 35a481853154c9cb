"""After publication: a published article is corrected (a new version with a dated note; the earlier versions
stay readable and the DOI stays) or retracted with a notice (it stays reachable, marked); its readers are counted."""

from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from flask_babel import gettext as _

from journal.audit import audit
from journal.extensions import db
from journal.mail import external_url, queue_mail
from journal.models import Article, ArticleStatus, ArticleVersion, SubmissionFile, User, utcnow
from journal.search import index_article
from journal.services.errors import DomainError
from journal.services.production import (authors_addresses, check_article_version, clean_metadata,
                                         mark_authenticated, metadata_of, proved_orcids, require_producer,
                                         store_galley)
from journal.services.unit import transactional

A = ArticleStatus


def _require_published(article: Article) -> None:
    if not article.is_public:
        raise DomainError(_("The article is not published yet: change it in production."))
    if article.is_retracted:
        raise DomainError(_("The article is retracted; it is not corrected any more."))


def _change_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) < 10:
        raise DomainError(_("Say what was corrected and why: readers see this note with the date."), "change_note")
    if len(note) > 5000:
        raise DomainError(_("Please keep the note under 5,000 characters."), "change_note")
    return note


def _new_version(actor: User, article: Article, *, change_note: str, **changes) -> ArticleVersion:
    current = article.current_version
    values = {**metadata_of(current), "galley_file_id": current.galley_file_id,
              "full_text_id": current.full_text_id,  # the HTML full text stays with a corrected version
              "data_links": [dict(link) for link in current.data_links or []], **changes}
    version = ArticleVersion(article=article, number=current.number + 1, change_note=change_note, created_by=actor,
                             published_at=utcnow(), **values)
    db.session.add(version)
    db.session.flush()
    article.current_version = version
    index_article(article)
    return version


def _tell_authors(article: Article, template: str, subject: str, **context) -> None:
    submission = article.submission
    to, cc, name = authors_addresses(submission)
    queue_mail(to, template, subject=subject, related=article, cc=cc, submission=submission, article=article,
               name=name, link=external_url("public.article", slug=submission.journal.slug, article_id=article.id),
               **context)


@transactional
def correct_metadata(actor: User, article: Article, *, change_note: str, expected_version: int | None = None,
                     **values) -> ArticleVersion:
    """A published article's metadata corrected: a new version with a dated note; the old one stays readable
    and the DOI stays the same."""
    check_article_version(article, expected_version)
    require_producer(actor, article)
    _require_published(article)
    note = _change_note(change_note)
    clean = clean_metadata(**values)
    mark_authenticated(clean["contributors"], proved_orcids(article.submission))
    changed = sorted(name for name, value in clean.items() if getattr(article.current_version, name) != value)
    if not changed:
        raise DomainError(_("Nothing differs from the published version; change the metadata to correct it."))
    version = _new_version(actor, article, change_note=note, **clean)
    audit(actor, "article.corrected", article, version=version.number, fields=changed, note=note)
    _tell_authors(article, "article_corrected", _l('%(title)s: corrected version %(number)s',
                                                   title=article.current_version.title, number=version.number),
                  version=version)
    return version


def correct_galley(actor: User, article: Article, stream: BinaryIO, original_name: str, *,
                   change_note: str) -> ArticleVersion:
    """A published article's PDF replaced: a new version with a dated note; the old PDF stays downloadable."""
    require_producer(actor, article)
    _require_published(article)
    note = _change_note(change_note)
    created = []

    def record(galley: SubmissionFile) -> None:
        version = _new_version(actor, article, change_note=note, galley_file_id=galley.id)
        created.append(version)
        audit(actor, "article.corrected", article, version=version.number, fields=["galley"], note=note)
        _tell_authors(article, "article_corrected", _l('%(title)s: corrected version %(number)s',
                                                       title=version.title, number=version.number),
                      version=version)

    store_galley(actor, article, stream, original_name, record)
    return created[0]


@transactional
def retract(actor: User, article: Article, *, notice: str, expected_version: int | None = None) -> None:
    """Retract a published article with a notice: it stays reachable, marked as retracted, with the notice."""
    check_article_version(article, expected_version)
    require_producer(actor, article)
    _require_published(article)
    notice = (notice or "").strip()
    if len(notice) < 20:
        raise DomainError(_("Write the retraction notice readers will see: what is retracted, why, and at whose "
                            "request."), "notice")
    if len(notice) > 20_000:
        raise DomainError(_("Please keep the notice under 20,000 characters."), "notice")
    article.status = A.RETRACTED
    article.retracted_at = utcnow()
    article.retraction_notice = notice
    audit(actor, "article.retracted", article, notice=notice[:2000])
    index_article(article)
    _tell_authors(article, "article_retracted", _l('Retraction: %(title)s', title=article.current_version.title),
                  notice=notice)

