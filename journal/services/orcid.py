"""ORCID iDs proved through ORCID (journal/orcid.py checks ORCID's answer): signing in with one, an account made
from one, linking one to an account and unlinking it, and a listed co-author's iD authenticated from their mail.

The rule between typed and proved iDs: an iD that ORCID vouched for belongs to the person who proved it. Typed on
another account (anyone can type anyone's iD), it is taken off that account, on the record; proved on another
account already, it is refused. Only a proved iD signs anyone in.
"""

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select

from journal.audit import audit
from journal.extensions import db
from journal.i18n import known
from journal.models import Contributor, OrcidToken, User, utcnow
from journal.orcid import Grant
from journal.services.accounts import find_user_by_email, normalize_email, queue_verification, \
    tell_owner_of_registration
from journal.services.errors import DomainError
from journal.services.sign_ins import log_in_here
from journal.services.submissions import contributor_for_token
from journal.services.unit import transactional

NO_PASSWORD = ""  # an account made through ORCID has no password until its owner sets one (a reset link)


def _holder(orcid: str) -> User | None:
    return db.session.scalar(select(User).where(User.orcid == orcid))


def _claim(user: User, orcid: str) -> None:
    """Give `user` the proved iD, taking a typed copy off another account (audited there); in the caller's
    transaction."""
    holder = _holder(orcid)
    if holder is not None and holder is not user:
        if holder.orcid_authenticated_at is not None:
            raise DomainError(_("This ORCID iD is linked to another account here. Sign in with ORCID to reach it, "
                                "or write to the editorial office."))
        holder.orcid = None
        audit(None, "user.orcid_released", holder, reason="proved by another account")
        db.session.flush()  # the unique iD leaves that row before it reaches this one
    user.orcid = orcid
    user.orcid_authenticated_at = utcnow()


def _keep_grant(user: User, grant: Grant | None) -> None:
    """Keep ORCID's permission to add to the user's record (the latest one replaces the earlier); audited without
    the token."""
    if grant is None:
        return
    row = db.session.scalar(select(OrcidToken).where(OrcidToken.user_id == user.id))
    if row is None:
        row = OrcidToken(user=user)
        db.session.add(row)
    row.orcid, row.scope, row.sealed_token = user.orcid, grant.scope, grant.sealed_token
    row.created_at = utcnow()
    row.expires_at = utcnow() + timedelta(seconds=grant.expires_in) if grant.expires_in else None
    audit(user, "user.orcid_update_granted", user, scope=grant.scope)


def update_token(user: User) -> OrcidToken | None:
    """The user's kept permission to add to their ORCID record, if it is for their current proved iD and unexpired."""
    row = db.session.scalar(select(OrcidToken).where(OrcidToken.user_id == user.id))
    if row is None or row.orcid != user.orcid or user.orcid_authenticated_at is None:
        return None
    if row.expires_at is not None and row.expires_at <= utcnow():
        return None
    return row


def account_for(orcid: str) -> User | None:
    """The account this proved iD signs in to: only one where it was proved too, never one where it was typed."""
    holder = _holder(orcid)
    return holder if holder is not None and holder.orcid_authenticated_at is not None else None


@transactional
def sign_in(orcid: str, *, grant: Grant | None = None, user_agent: str = "",
            client_address: str = "") -> User | None:
    """A new sign-in for the account linked to this proved iD (its token in `user.sign_in_token`); None when no
    account is."""
    user = account_for(orcid)
    if user is None:
        return None
    if not user.active:
        raise DomainError(_("This account has been deactivated. Write to the editorial office if you "
                            "think this is a mistake."))
    log_in_here(user, user_agent=user_agent, client_address=client_address, via="orcid")
    _keep_grant(user, grant)
    return user


@transactional
def sign_up(orcid: str, *, email: str, given_name: str, family_name: str, affiliation: str = "", country: str = "",
            language: str | None = None, grant: Grant | None = None) -> User | None:
    """A new account for the holder of a proved iD, with the address they gave (ORCID rarely tells one), unconfirmed
    until the emailed link is followed; no password (they sign in with ORCID, or set one by a reset link). An
    address that has an account already gets the answer registering gives: its owner is mailed (returns None)."""
    email = normalize_email(email)
    if account_for(orcid) is not None:
        raise DomainError(_("This ORCID iD is linked to an account here already: sign in with ORCID."))
    owner = find_user_by_email(email)
    if owner is not None:
        tell_owner_of_registration(owner)
        return None
    for name, value in (("given_name", given_name), ("family_name", family_name)):
        if not (value or "").strip():
            raise DomainError(_("Please give your name."), name)
    user = User(email=email, password_hash=NO_PASSWORD, given_name=given_name.strip(),
                family_name=family_name.strip(), affiliation=(affiliation or "").strip(), country=country or "",
                expertise_keywords=[], language=known(language))
    db.session.add(user)
    db.session.flush()
    audit(user, "user.registered", user, via="orcid")
    _claim(user, orcid)
    audit(user, "user.orcid_linked", user, orcid=orcid)
    _keep_grant(user, grant)
    queue_verification(user)
    return user


@transactional
def link(user: User, orcid: str, grant: Grant | None = None) -> bool:
    """Link the proved iD to the account (replacing a typed one); False when it was linked already. A permission
    to add to the record given on the way is kept either way."""
    if user.orcid == orcid and user.orcid_authenticated_at is not None:
        _keep_grant(user, grant)
        return False
    previous = user.orcid if user.orcid != orcid else None
    if previous:
        user.orcid = None
        db.session.flush()
    _claim(user, orcid)
    audit(user, "user.orcid_linked", user, orcid=orcid, **({"replaces": previous} if previous else {}))
    _keep_grant(user, grant)
    return True


@transactional
def unlink(user: User) -> str:
    """Take the proved iD off the account; refused while it is the only way in (no password yet)."""
    if user.orcid is None or user.orcid_authenticated_at is None:
        raise DomainError(_("No ORCID iD is linked to your account."))
    if user.password_hash == NO_PASSWORD:
        raise DomainError(_("You sign in only with ORCID: set a password first (“Forgot your password?” on the "
                            "login page mails you a link), then unlink the iD."))
    orcid, user.orcid, user.orcid_authenticated_at = user.orcid, None, None
    db.session.execute(delete(OrcidToken).where(OrcidToken.user_id == user.id))  # it writes to that iD's record
    audit(user, "user.orcid_unlinked", user, orcid=orcid)
    return orcid


@transactional
def authenticate_contributor(token: str, orcid: str) -> Contributor:
    """A listed co-author proved their iD from the link in their mail: the author list shows it authenticated.
    The audit event names the author, not the iD (the paper's history is read by its editors)."""
    contributor = contributor_for_token(token)
    changed = contributor.orcid != orcid
    contributor.orcid = orcid
    contributor.orcid_authenticated_at = utcnow()
    audit(None, "contributor.orcid_authenticated", contributor.submission, name=contributor.full_name,
          changed=changed)
    return contributor
