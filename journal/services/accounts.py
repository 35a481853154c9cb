"""Accounts: registration, email verification, login, password reset, profile."""

from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import gettext as _
from flask_babel import ngettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update

from journal.audit import audit
from journal.extensions import db
from journal.i18n import known
from journal.mail import external_url, queue_mail
from journal.models import OutboxMessage, User, utcnow
from journal.scholarly.identifiers import normalize_orcid, parse_keywords
from journal.services.errors import DomainError
from journal.services.sign_ins import end_sign_ins, log_in_here, start_sign_in
from journal.services.unit import transactional

COMMON_PASSWORDS = {
    "password", "password1", "password123", "1234567890", "12345678910", "qwertyuiop", "123456789a",
    "iloveyou12", "letmein123", "administrator", "passw0rd123", "welcome123", "abcdefghij",
}
PROFILE_FIELDS = ("given_name", "family_name", "affiliation", "country", "orcid", "expertise_keywords",
                  "biography", "timezone", "language")


def _hasher() -> PasswordHasher:
    if current_app.config.get("PASSWORD_HASH_FAST"):
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()  # argon2id with the library's current recommended costs


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def check_password_strength(password: str, email: str = "") -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise DomainError(ngettext("Use at least %(num)d character; a few words together make a strong, "
                                   "memorable password.",
                                   "Use at least %(num)d characters; a few words together make a strong, "
                                   "memorable password.", minimum), "password")
    if len(password) > 256:
        raise DomainError(_("Use at most 256 characters."), "password")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 4:
        raise DomainError(_("This password is too easy to guess; please choose another."), "password")
    local = normalize_email(email).split("@")[0]
    if local and len(local) >= 4 and local in lowered:
        raise DomainError(_("Your password must not contain your email address."), "password")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"journal.{purpose}")


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalize_email(email)))


def _check_orcid(orcid: str | None, user: User | None = None) -> str | None:
    try:
        orcid = normalize_orcid(orcid)
    except ValueError as exc:
        raise DomainError(str(exc), "orcid") from None
    if orcid:
        owner = db.session.scalar(select(User.id).where(User.orcid == orcid))
        if owner is not None and (user is None or owner != user.id):
            raise DomainError(_("This ORCID iD belongs to another account. If it is yours, reset that "
                                "account's password or write to the editorial office."), "orcid")
    return orcid


def queue_verification(user: User) -> None:
    token = _serializer("verify").dumps({"u": user.id, "e": user.email})
    queue_mail(user, "verify_email", subject=_l('Confirm your email address'), related=user,
               link=external_url("auth.verify_email", token=token),
               hours=current_app.config["EMAIL_TOKEN_HOURS"])


@transactional
def register_user(*, email: str, password: str, given_name: str, family_name: str, affiliation: str = "",
                  country: str = "", orcid: str | None = None, language: str | None = None) -> User | None:
    """A new account, unverified until the emailed link is followed. An address that has an account already
    gets the same answer, so registering tells nobody who has one: its owner is mailed instead (returns None).
    `language` is the one the person registered in: their pages and mails stay in it until they choose another."""
    email = normalize_email(email)
    check_password_strength(password, email)
    orcid = _check_orcid(orcid)
    password_hash = hash_password(password)  # in both branches, so the time taken does not tell either
    owner = find_user_by_email(email)
    if owner is not None:
        tell_owner_of_registration(owner)
        return None
    user = User(
        email=email,
        password_hash=password_hash,
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        affiliation=affiliation.strip(),
        country=country or "",
        orcid=orcid,
        expertise_keywords=[],
        language=known(language),
    )
    db.session.add(user)
    db.session.flush()
    audit(user, "user.registered", user)
    queue_verification(user)
    return user


def tell_owner_of_registration(owner: User) -> None:
    """Mail the owner of an address someone tried to register, at most once in REGISTRATION_NOTICE_MINUTES,
    so that the form cannot be used to flood a mailbox."""
    since = utcnow() - timedelta(minutes=current_app.config["REGISTRATION_NOTICE_MINUTES"])
    recent = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.recipient_user_id == owner.id, OutboxMessage.template == "registration_attempt",
        OutboxMessage.created_at > since))
    audit(None, "user.registration_attempted", owner, mailed=not recent)
    if not recent:
        queue_mail(owner, "registration_attempt", subject=_l('Someone tried to register with your address'),
                   related=owner, login_link=external_url("auth.login"),
                   forgot_link=external_url("auth.forgot_password"))


@transactional
def set_language(user: User, code: str) -> None:
    """Save the language a person's pages and mails are written in (the language choice on every page)."""
    code = known(code)
    if code is None:
        raise DomainError("That language is not offered here.")
    if user.language != code:
        previous, user.language = user.language, code
        audit(user, "user.language_changed", user, language=code, previous=previous or "")


@transactional
def resend_verification(user: User) -> None:
    if user.email_verified:
        raise DomainError(_("Your email address is confirmed already."))
    audit(user, "user.verification_sent", user)
    queue_verification(user)


@transactional
def verify_email(token: str) -> User:
    max_age = current_app.config["EMAIL_TOKEN_HOURS"] * 3600
    try:
        data = _serializer("verify").loads(token, max_age=max_age)
    except SignatureExpired:
        raise DomainError(_("This confirmation link has expired. Log in and ask for a new one.")) from None
    except BadSignature:
        raise DomainError(_("This confirmation link is not valid. Copy the whole link from the mail, or "
                            "log in and ask for a new one.")) from None
    user = db.session.get(User, data["u"])
    if user is None or user.email != data["e"]:
        raise DomainError(_("This confirmation link belongs to an address that is no longer on the account. "
                            "Log in and ask for a new link."))
    if not user.email_verified:
        user.email_verified_at = utcnow()
        audit(user, "user.email_verified", user, email=user.email)
        _link_contributions(user)
    return user


def _link_contributions(user: User) -> None:
    """Papers that list this (now confirmed) address as an author become visible to the account."""
    from journal.models import Contributor

    db.session.execute(update(Contributor).where(Contributor.email == user.email, Contributor.user_id.is_(None))
                       .values(user_id=user.id))


@transactional
def log_in(email: str, password: str, *, user_agent: str = "", client_address: str = "") -> User:
    """The user whose email and password these are, with a new sign-in for this device (its token in
    `user.sign_in_token`); one vague message for every failure."""
    user = find_user_by_email(email)
    failure = DomainError(_("The email address or the password is not right."))
    if user is None:
        _hasher().hash(password)  # spend the same time, so timing does not tell which accounts exist
        raise failure
    try:
        _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        audit(None, "user.login_failed", user)
        db.session.commit()  # keep the failed attempt on record although we raise
        raise failure from None
    if not user.active:
        raise DomainError(_("This account has been deactivated. Write to the editorial office if you "
                            "think this is a mistake."))
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    log_in_here(user, user_agent=user_agent, client_address=client_address)
    return user


@transactional
def request_password_reset(email: str) -> None:
    """Mail a time-limited reset link if the account exists; say nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    token = _serializer("reset").dumps({"u": user.id, "v": user.session_version})
    audit(None, "user.password_reset_requested", user)
    queue_mail(user, "reset_password", subject=_l('Set a new password'), related=user,
               link=external_url("auth.reset_password", token=token),
               minutes=current_app.config["PASSWORD_RESET_MINUTES"])


def queue_set_password(user: User, **context) -> None:
    """Mail a new account (made for someone else's action, e.g. a reviewer accepting) a link to choose a password;
    in the caller's transaction."""
    token = _serializer("reset").dumps({"u": user.id, "v": user.session_version})
    queue_mail(user, "set_password", subject=_l('Choose a password for your account'), related=user,
               link=external_url("auth.reset_password", token=token),
               forgot_link=external_url("auth.forgot_password"),
               minutes=current_app.config["PASSWORD_RESET_MINUTES"], **context)


def user_for_reset_token(token: str) -> User:
    max_age = current_app.config["PASSWORD_RESET_MINUTES"] * 60
    try:
        data = _serializer("reset").loads(token, max_age=max_age)
    except SignatureExpired:
        raise DomainError(_("This password reset link has expired. Ask for a new one below.")) from None
    except BadSignature:
        raise DomainError(_("This password reset link is not valid. Ask for a new one below.")) from None
    user = db.session.get(User, data["u"])
    if user is None or user.session_version != data["v"] or not user.active:
        raise DomainError(_("This password reset link has been used already. Ask for a new one below."))
    return user


def _set_password(user: User, password: str) -> None:
    check_password_strength(password, user.email)
    user.password_hash = hash_password(password)
    user.session_version += 1  # a reset link mailed before no longer works
    queue_mail(user, "password_changed", subject=_l('Your password was changed'), related=user)


@transactional
def reset_password(token: str, password: str, *, user_agent: str = "", client_address: str = "") -> User:
    """Set the password from a mailed link: every sign-in ends (whoever had the old password is out), and
    this device gets a new one (its token in `user.sign_in_token`)."""
    user = user_for_reset_token(token)
    _set_password(user, password)
    if not user.email_verified:
        user.email_verified_at = utcnow()  # the reset link proved the address
    audit(user, "user.password_reset", user)
    end_sign_ins(user, user, reason="password reset")
    start_sign_in(user, user_agent=user_agent, client_address=client_address)
    return user


@transactional
def change_password(user: User, current_password: str, new_password: str) -> None:
    """A new password ends every other sign-in; the one it was changed from (`user.sign_in`) stays."""
    try:
        _hasher().verify(user.password_hash, current_password)
    except (VerificationError, InvalidHashError):
        raise DomainError(_("Your current password is not right."), "current_password") from None
    _set_password(user, new_password)
    audit(user, "user.password_changed", user)
    end_sign_ins(user, user, reason="password changed", keep=user.sign_in)


@transactional
def update_profile(actor: User, user: User, *, email: str | None = None, **fields) -> list[str]:
    """Change the profile; a new email address must be confirmed again. Returns the changed fields."""
    if actor.id != user.id and not actor.is_platform_admin:
        raise DomainError(_("You may change only your own profile."))
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    if "orcid" in fields:
        fields["orcid"] = _check_orcid(fields["orcid"], user)
    if "language" in fields:
        fields["language"] = known(fields["language"])  # none, or one the platform has a catalog for
    if "expertise_keywords" in fields:
        try:
            fields["expertise_keywords"] = parse_keywords(fields["expertise_keywords"])
        except ValueError as exc:
            raise DomainError(str(exc), "expertise_keywords") from None
    for name in ("given_name", "family_name"):
        if name in fields and not fields[name].strip():
            raise DomainError(_("Please give your name."), name)
    changed = [name for name, value in fields.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, fields[name].strip() if isinstance(fields[name], str) else fields[name])
    if "orcid" in changed:
        user.orcid_authenticated_at = None  # a typed iD is not one ORCID vouched for
    new_email = normalize_email(email) if email is not None else user.email
    if new_email != user.email:
        other = db.session.scalar(select(func.count()).select_from(User).where(User.email == new_email))
        if other:
            raise DomainError(_("Another account uses this email address."), "email")
        user.email = new_email
        user.email_verified_at = None
        changed.append("email")
        queue_verification(user)
    if changed:
        audit(actor, "user.profile_updated", user, fields=changed)
    return changed
