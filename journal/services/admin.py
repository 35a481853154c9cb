"""What platform administrators do: administrators, users, the mail outbox."""

from flask_babel import gettext as _
from sqlalchemy import select

from journal.audit import audit
from journal.extensions import db
from journal.mail import retry_message
from journal.models import OutboxMessage, OutboxStatus, User, utcnow
from journal.permissions import can
from journal.services.accounts import check_password_strength, find_user_by_email, hash_password, normalize_email
from journal.services.errors import DomainError, PermissionDenied
from journal.services.sign_ins import end_sign_ins
from journal.services.unit import transactional


@transactional
def make_platform_admin(*, email: str, password: str | None = None, given_name: str = "Platform",
                        family_name: str = "Administrator") -> User:
    """Command-line bootstrap: the first administrator has nobody to appoint them."""
    user = find_user_by_email(email)
    if user is None:
        if not password:
            raise DomainError(_("A new administrator account needs a password."))
        check_password_strength(password, email)
        user = User(email=normalize_email(email), password_hash=hash_password(password), given_name=given_name,
                    family_name=family_name, email_verified_at=utcnow(), expertise_keywords=[])
        db.session.add(user)
        db.session.flush()
    user.is_platform_admin = True
    audit(None, "user.made_platform_admin", user)
    return user


@transactional
def set_user_flags(actor: User, user: User, *, active: bool | None = None, is_platform_admin: bool | None = None) -> None:
    if not can(actor, "admin"):
        raise PermissionDenied(_("Only platform administrators change accounts."))
    if user.id == actor.id and (active is False or is_platform_admin is False):
        raise DomainError(_("You cannot deactivate yourself or remove your own administrator rights; ask "
                            "another administrator."))
    changes = {}
    if active is not None and active != user.active:
        user.active = active
        changes["active"] = active
        if not active:
            user.session_version += 1  # a reset link mailed before no longer works
            end_sign_ins(actor, user, reason="account deactivated")
    if is_platform_admin is not None and is_platform_admin != user.is_platform_admin:
        user.is_platform_admin = is_platform_admin
        changes["is_platform_admin"] = is_platform_admin
    if changes:
        audit(actor, "user.flags_changed", user, **changes)


@transactional
def retry_outbox_message(actor: User, message: OutboxMessage) -> None:
    """A message the worker gave up on goes back in the queue, due at once, for one more try."""
    if not can(actor, "admin"):
        raise PermissionDenied(_("Only platform administrators manage the outbox."))
    if message.status is OutboxStatus.SENT:
        raise DomainError(_("This message was sent already."))
    if message.status is not OutboxStatus.FAILED:
        raise DomainError(_("This message is still queued; the mail worker tries it again by itself."))
    retry_message(message)
    audit(actor, "outbox.retried", message, recipient=message.recipient)


def outbox_page(*, status: str | None = None, before_id: int | None = None, per_page: int = 50):
    """Newest first, keyset-paged by id."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(per_page + 1)
    if status:
        query = query.where(OutboxMessage.status == OutboxStatus(status))
    if before_id:
        query = query.where(OutboxMessage.id < before_id)
    rows = list(db.session.scalars(query))
    return rows[:per_page], (rows[per_page - 1].id if len(rows) > per_page else None)
