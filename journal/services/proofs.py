"""The proofs: the galley and the confirmed metadata go to the corresponding author, who approves them or sends
corrections as text; the editor who sent them (else the managing editors) hears the answer."""

from flask_babel import lazy_gettext as _l
from flask_babel import gettext as _

from journal.audit import audit
from journal.mail import external_url, queue_mail
from journal.models import Article, ArticleStatus, User, utcnow
from journal.permissions import can
from journal.services.errors import DomainError, PermissionDenied
from journal.services.handlers import managing_editors_of
from journal.services.production import (check_article_version, corresponding_address, missing_codes,
                                         require_in_production, require_producer)
from journal.services.unit import transactional


A = ArticleStatus


@transactional
def request_proofs(actor: User, article: Article, *, expected_version: int | None = None) -> None:
    """Send the proofs (galley and metadata) to the corresponding author, who approves them or sends corrections."""
    check_article_version(article, expected_version)
    require_producer(actor, article)
    require_in_production(article)
    missing = [m for m in missing_codes(article) if m in ("no galley", "metadata not confirmed")]
    if missing:
        raise DomainError(_("Before the proofs go out: %(steps)s.", steps="; ".join(
            {"no galley": _("upload the galley"), "metadata not confirmed": _("confirm the metadata")}[m]
            for m in missing)))
    article.status = A.PROOFS_REQUESTED
    article.proofs_requested_at = utcnow()
    article.proofs_requested_by = actor
    article.proofs_approved_at = None
    article.proofs_approved_by = None
    submission = article.submission
    to, name = corresponding_address(submission)
    audit(actor, "article.proofs_requested", article)
    queue_mail(to, "proofs_requested", subject=_l('Proofs of %(reference)s: please check and approve',
                                                reference=submission.reference),
               related=article, submission=submission, article=article, name=name,
               link=external_url("author.proofs", submission_id=submission.id))


def _require_proofs_waiting(actor: User, article: Article) -> None:
    if not can(actor, "submission.proofs", article.submission):
        raise PermissionDenied(_("Only the corresponding author approves the proofs or sends corrections."))
    if article.status is not A.PROOFS_REQUESTED:
        raise DomainError({
            A.PROOFS_APPROVED: _("You have approved these proofs already."),
            A.CORRECTIONS_SENT: _("Your corrections are with the editorial office; new proofs will follow."),
        }.get(article.status, _("The proofs are not waiting for your answer now: the editorial office is still "
                                "working on the article.")))


def _production_editors(article: Article) -> list[User]:
    """Who hears the author's answer: the editor who sent the proofs, else the journal's managing editors."""
    requester = article.proofs_requested_by
    if requester is not None and requester.active and can(requester, "article.produce", article):
        return [requester]
    return managing_editors_of(article.submission)


@transactional
def approve_proofs(actor: User, article: Article, *, expected_version: int | None = None) -> None:
    """The corresponding author approves the proofs as shown; the article may then be published."""
    check_article_version(article, expected_version)
    _require_proofs_waiting(actor, article)
    article.status = A.PROOFS_APPROVED
    article.proofs_approved_at = utcnow()
    article.proofs_approved_by = actor
    audit(actor, "article.proofs_approved", article)
    submission = article.submission
    for editor in _production_editors(article):
        queue_mail(editor, "proofs_approved",
                   subject=_l('%(reference)s: proofs approved', reference=submission.reference), related=article,
                   submission=submission, article=article,
                   link=external_url("production.article", slug=submission.journal.slug, submission_id=submission.id))


@transactional
def send_proof_corrections(actor: User, article: Article, *, corrections: str,
                           expected_version: int | None = None) -> None:
    """The corresponding author sends corrections as text; the editor corrects and sends new proofs."""
    check_article_version(article, expected_version)
    _require_proofs_waiting(actor, article)
    corrections = (corrections or "").strip()
    if len(corrections) < 5:
        raise DomainError(_("Write the corrections (page, line, what should change)."), "corrections")
    if len(corrections) > 20_000:
        raise DomainError(_("Please keep the corrections under 20,000 characters, or send the longest ones as a "
                            "list of the pages concerned."), "corrections")
    article.status = A.CORRECTIONS_SENT
    article.proof_corrections = corrections
    article.proof_corrections_at = utcnow()
    audit(actor, "article.proof_corrections_sent", article, corrections=corrections[:2000])
    submission = article.submission
    for editor in _production_editors(article):
        queue_mail(editor, "proof_corrections", subject=_l('%(reference)s: corrections to the proofs',
                                                              reference=submission.reference),
                   related=article, submission=submission, article=article, corrections=corrections,
                   link=external_url("production.article", slug=submission.journal.slug, submission_id=submission.id))
