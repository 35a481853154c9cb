"""The author list of a draft: adding, changing, removing and ordering contributors, the corresponding author,
and a listed author's objection through the link mailed on submitting."""

from flask_babel import lazy_gettext as _l
from flask_babel import gettext as _

from journal.audit import audit
from journal.extensions import db
from journal.i18n import known
from journal.scholarly.identifiers import normalize_orcid
from journal.mail import queue_mail
from journal.models import Contributor, Submission, User, utcnow
from journal.services.accounts import normalize_email
from journal.services.errors import DomainError, NotFound
from journal.services.handlers import managing_editors_of
from journal.services.submissions import contributor_for_token, require_draft
from journal.services.unit import transactional


def _clean_contributor(values: dict) -> dict:
    clean = {k: (v or "").strip() for k, v in values.items() if k in
             ("given_name", "family_name", "email", "affiliation", "country", "orcid", "native_name",
              "translated_affiliation", "mail_language")}
    if "mail_language" in clean:  # the language mails to this co-author are written in, if they have no account
        clean["mail_language"] = known(clean["mail_language"]) or ""
    if not clean.get("family_name"):
        raise DomainError(_("Give the author's family name."), "family_name")
    if not clean.get("given_name"):
        raise DomainError(_("Give the author's given name."), "given_name")
    clean["email"] = normalize_email(clean.get("email", ""))
    if "@" not in clean["email"] or "." not in clean["email"].rsplit("@", 1)[-1]:
        raise DomainError(_("Give the author's email address."), "email")
    try:
        clean["orcid"] = normalize_orcid(clean.get("orcid"))
    except ValueError as exc:
        raise DomainError(str(exc), "orcid") from None
    return clean


@transactional
def add_contributor(actor: User, submission: Submission, **values) -> Contributor:
    require_draft(actor, submission)
    clean = _clean_contributor(values)
    if any(c.email == clean["email"] for c in submission.contributors):
        raise DomainError(_("This email address is on the author list already."), "email")
    position = max((c.position for c in submission.contributors), default=-1) + 1
    contributor = Contributor(submission=submission, position=position, is_corresponding=False, **clean)
    db.session.add(contributor)
    db.session.flush()
    audit(actor, "contributor.added", submission, name=f"{clean['given_name']} {clean['family_name']}")
    return contributor


def _contributor(submission: Submission, contributor_id: int) -> Contributor:
    contributor = next((c for c in submission.contributors if c.id == contributor_id), None)
    if contributor is None:
        raise NotFound(_("There is no such author on this submission."))
    return contributor


@transactional
def update_contributor(actor: User, submission: Submission, contributor_id: int, **values) -> None:
    require_draft(actor, submission)
    contributor = _contributor(submission, contributor_id)
    clean = _clean_contributor(values)
    if any(c.email == clean["email"] and c is not contributor for c in submission.contributors):
        raise DomainError(_("This email address is on the author list already."), "email")
    if clean.get("orcid", contributor.orcid) != contributor.orcid:
        contributor.orcid_authenticated_at = None  # ORCID vouched for the iD it gave, not for the one typed now
    for name, value in clean.items():
        setattr(contributor, name, value)
    audit(actor, "contributor.updated", submission, name=contributor.full_name)


@transactional
def remove_contributor(actor: User, submission: Submission, contributor_id: int) -> None:
    require_draft(actor, submission)
    contributor = _contributor(submission, contributor_id)
    if len(submission.contributors) == 1:
        raise DomainError(_("A submission needs at least one author."))
    if contributor.user_id == submission.submitter_id:
        raise DomainError(_("You submit the paper, so you stay on the author list."))
    was_corresponding = contributor.is_corresponding
    submission.contributors.remove(contributor)
    if was_corresponding:
        submission.contributors[0].is_corresponding = True
    _renumber(submission)
    audit(actor, "contributor.removed", submission, name=contributor.full_name)


def _renumber(submission: Submission) -> None:
    for position, contributor in enumerate(sorted(submission.contributors, key=lambda c: c.position)):
        contributor.position = position


@transactional
def move_contributor(actor: User, submission: Submission, contributor_id: int, offset: int) -> None:
    require_draft(actor, submission)
    ordered = sorted(submission.contributors, key=lambda c: c.position)
    contributor = _contributor(submission, contributor_id)
    index = ordered.index(contributor)
    target = max(0, min(len(ordered) - 1, index + offset))
    ordered.insert(target, ordered.pop(index))
    for position, item in enumerate(ordered):
        item.position = position
    audit(actor, "contributor.moved", submission, name=contributor.full_name, position=target + 1)


@transactional
def set_corresponding(actor: User, submission: Submission, contributor_id: int) -> None:
    require_draft(actor, submission)
    chosen = _contributor(submission, contributor_id)
    for contributor in submission.contributors:
        contributor.is_corresponding = contributor is chosen
    audit(actor, "contributor.corresponding", submission, name=chosen.full_name)


@transactional
def object_to_listing(token: str, *, reason: str) -> Contributor:
    """A co-author says they should not be on the author list; the editors and the submitter are told."""
    contributor = contributor_for_token(token)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please tell the editors why you should not be listed."), "reason")
    submission = contributor.submission
    contributor.objected_at = utcnow()
    contributor.objection = reason
    audit(None, "contributor.objected", submission, name=contributor.full_name, reason=reason)
    for editor in managing_editors_of(submission):
        queue_mail(editor, "coauthor_objected",
                   subject=_l('%(reference)s: a listed author objects', reference=submission.reference),
                   related=submission, submission=submission, contributor=contributor, reason=reason)
    queue_mail(submission.submitter, "coauthor_objected",
               subject=_l('%(reference)s: a listed author objects', reference=submission.reference),
               related=submission, submission=submission, contributor=contributor, reason=reason)
    return contributor
