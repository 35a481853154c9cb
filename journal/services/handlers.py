"""Who handles a paper for the journal: its managing editors, never one of the paper's own authors
(journal/permissions.py, `is_contributor`). A managing editor who submits to their own journal is handled by
another managing editor; when there is none (every managing editor is an author of the paper, or the journal has
none), the platform administrators are told, so that they appoint one at Manage → Members.

The administrators' mail names the paper by reference and title only, and the event is audited on the journal
(not on the paper, whose history a triple-anonymous handling editor reads: it would say who wrote it).
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from journal.audit import audit
from journal.extensions import db
from journal.mail import external_url, queue_mail
from journal.models import Membership, Role, Submission, User
from journal.permissions import without_contributors


def managing_editors_of(submission: Submission) -> list[User]:
    """The journal's active managing editors who are not authors of the paper."""
    managers = db.session.scalars(
        select(User).where(User.id.in_(select(Membership.user_id).where(
            Membership.journal_id == submission.journal_id, Membership.role == Role.MANAGING_EDITOR)),
            User.active.is_(True)).order_by(User.id)
    ).all()
    return without_contributors(managers, submission)


def managing_editors_to_tell(submission: Submission, *, waiting_for: str) -> list[User]:
    """The managing editors who hear of the paper when it needs one of them (`waiting_for` says why, in a few
    words: "a handling editor"). When none can, the platform administrators are told instead, by mail, and the
    event is audited; the list is then empty."""
    managers = managing_editors_of(submission)
    if not managers:
        tell_administrators(submission, waiting_for=waiting_for)
    return managers


def tell_administrators(submission: Submission, *, waiting_for: str) -> None:
    """No managing editor can handle the paper: every active platform administrator is asked to appoint one."""
    journal = submission.journal
    has_managers = db.session.scalar(select(Membership.id).where(
        Membership.journal_id == journal.id, Membership.role == Role.MANAGING_EDITOR).limit(1)) is not None
    admins = db.session.scalars(select(User).where(User.is_platform_admin.is_(True), User.active.is_(True))
                                .order_by(User.id)).all()
    audit(None, "journal.no_managing_editor", journal, paper=submission.reference, waiting_for=waiting_for,
          administrators_told=len(admins))
    link = external_url("manage.members", slug=journal.slug)
    for admin in admins:
        queue_mail(admin, "no_managing_editor", subject=_l('%(journal)s: no managing editor can handle %(reference)s',
                                                           journal=journal.title, reference=submission.reference),
                   related=submission,
                   journal=journal, submission=submission, waiting_for=waiting_for, has_managers=has_managers,
                   link=link)
