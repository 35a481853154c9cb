"""Journals, their sections and settings, and who holds which role in them."""

import re

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_babel import gettext as _
from sqlalchemy import func, select

from journal.audit import audit
from journal.extensions import db
from journal.i18n import LANGUAGES, known
from journal.mail import external_url, queue_mail
from journal.models import Journal, Membership, PeerReviewPublication, ReviewMode, Role, Section, User
from journal.models.journals import DEFAULT_REVISION_REMINDER_DAYS, default_reminder_days
from journal.models.publishing import DEFAULT_DOI_PATTERN
from journal.permissions import can, forget_roles
from journal.scholarly.doi import check_doi_pattern
from journal.scholarly.identifiers import normalize_doi_prefix, normalize_issn
from journal.services.accounts import find_user_by_email
from journal.services.errors import DomainError, NotFound, PermissionDenied
from journal.services.unit import transactional

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
RESERVED_SLUGS = {"admin", "account", "auth", "manage", "editorial", "review", "submit", "files", "static",
                  "healthz", "oai", "search", "api", "my"}
SETTINGS = ("title", "abbreviation", "reference_prefix", "issn_print", "issn_online", "description",
            "author_guidelines", "publisher", "doi_prefix", "review_mode", "review_days", "response_days",
            "reviews_required", "licence", "accepting_submissions", "page_limit", "submission_checklist",
            "editors_recommend_only", "reviewers_see_reviews", "reminder_days", "doi_pattern", "default_language",
            "languages", "minor_revision_days", "major_revision_days", "publishes_continuously", "prints",
            "peer_review_publication")
# Reminder offsets: days relative to a deadline (negative = before), a few per deadline.
REMINDER_KINDS = {"respond_by": "answer by", "due": "review due", "revision": "revision due"}
REMINDER_MAX_DAYS = 60
REMINDER_MAX_COUNT = 6
DEFAULT_SECTIONS = ("Research Article", "Review", "Letter")


def journal_by_slug(slug: str) -> Journal:
    journal = db.session.scalar(select(Journal).where(Journal.slug == slug))
    if journal is None:
        raise NotFound(_("There is no journal at “%(slug)s”.", slug=slug))
    return journal


def parse_reminder_days(value: str | list | None, field: str) -> list[int]:
    """"-2, 2" (or a list) as sorted distinct whole days from -60 to 60, at most six; a readable error otherwise."""
    if value is None:
        return []
    if isinstance(value, str):
        # A typographic minus or dash pasted from a document counts as a minus.
        items = [i for i in re.split(r"[,;\s]+", value.replace("\u2212", "-").replace("\u2013", "-")) if i]
    else:
        items = list(value)
    days = set()
    for item in items:
        try:
            number = int(item)
        except (TypeError, ValueError):
            raise DomainError(_("“%(item)s” is not a whole number of days. Write days before (−) and after (+) the "
                                "date, separated "
                                "by commas, e.g. “-2, 2”.", item=item), field) from None
        if not -REMINDER_MAX_DAYS <= number <= REMINDER_MAX_DAYS:
            raise DomainError(_("%(number)s days is too far: use days from −%(maximum)s to %(maximum)s.",
                                number=number, maximum=REMINDER_MAX_DAYS), field)
        days.add(number)
    if len(days) > REMINDER_MAX_COUNT:
        raise DomainError(_("At most %(maximum)s reminders per date, please (you gave %(count)s).",
                            maximum=REMINDER_MAX_COUNT, count=len(days)), field)
    return sorted(days)


def reminder_days_of(journal: Journal, kind: str) -> list[int]:
    """The journal's reminder days for one deadline; the default days for a deadline its settings never named
    (journals saved before revision reminders existed)."""
    days = journal.reminder_days or {}
    defaults = {**default_reminder_days(), "revision": list(DEFAULT_REVISION_REMINDER_DAYS)}
    return [int(d) for d in (days[kind] if kind in days else defaults.get(kind, []))]


def format_reminder_days(days: list[int]) -> str:
    """[-2, 2] as "-2, +2" (the form's text and the history's wording)."""
    return ", ".join(f"{d:+d}" if d else "0" for d in days)


def _clean_settings(values: dict, journal: Journal | None = None) -> dict:
    unknown = set(values) - set(SETTINGS)
    if unknown:
        raise ValueError(f"not journal settings: {sorted(unknown)}")
    clean = dict(values)
    for field in ("issn_print", "issn_online"):
        if field in clean:
            try:
                clean[field] = normalize_issn(clean[field])
            except ValueError as exc:
                raise DomainError(str(exc), field) from None
    if "doi_prefix" in clean:
        try:
            clean["doi_prefix"] = normalize_doi_prefix(clean["doi_prefix"])
        except ValueError as exc:
            raise DomainError(str(exc), "doi_prefix") from None
    if "doi_pattern" in clean:  # journal/scholarly/doi.py: an empty field means the default pattern
        try:
            clean["doi_pattern"] = check_doi_pattern(clean["doi_pattern"] or DEFAULT_DOI_PATTERN)
        except ValueError as exc:
            raise DomainError(str(exc), "doi_pattern") from None
    if "title" in clean and not clean["title"].strip():
        raise DomainError(_("A journal needs a title."), "title")
    if "reference_prefix" in clean:
        clean["reference_prefix"] = clean["reference_prefix"].strip().upper()
        if not re.fullmatch(r"[A-Z][A-Z0-9]{1,11}", clean["reference_prefix"]):
            raise DomainError(_("Use 2 to 12 capital letters or digits, starting with a letter (e.g. JDSE)."),
                              "reference_prefix")
    if "review_mode" in clean:
        clean["review_mode"] = ReviewMode(clean["review_mode"])
    if "peer_review_publication" in clean:
        try:
            clean["peer_review_publication"] = PeerReviewPublication(clean["peer_review_publication"])
        except ValueError:
            raise DomainError(_("Choose one of the ways of publishing peer review."),
                              "peer_review_publication") from None
    if "languages" in clean:  # in the platform's order; all of them is stored as None (new languages offered too)
        given = {known(code) for code in clean["languages"] or []}
        if None in given or not given:
            raise DomainError(_("Choose at least one of the languages listed."), "languages")
        clean["languages"] = None if given == set(LANGUAGES) else [code for code in LANGUAGES if code in given]
    if "default_language" in clean:
        clean["default_language"] = known(clean["default_language"])
        if clean["default_language"] is None:
            raise DomainError(_("Choose the default language from the list."), "default_language")
        offered = clean.get("languages", journal.languages if journal is not None else None) or list(LANGUAGES)
        if clean["default_language"] not in offered:
            raise DomainError(_("The default language must be one of the languages offered."), "default_language")
    if "submission_checklist" in clean:
        items = clean["submission_checklist"]
        lines = items.splitlines() if isinstance(items, str) else items
        clean["submission_checklist"] = [" ".join(line.split()) for line in lines if line.strip()][:20]
    if "reminder_days" in clean:
        given = clean["reminder_days"] or {}
        current = (journal.reminder_days if journal is not None else None) or default_reminder_days()
        # A deadline left out keeps its reminders; an empty value means none.
        clean["reminder_days"] = {kind: parse_reminder_days(given[kind], f"reminder_days_{kind}") if kind in given
                                  else list(current[kind]) for kind in REMINDER_KINDS
                                  if kind in given or kind in current}
    for flag in ("accepting_submissions", "editors_recommend_only", "reviewers_see_reviews", "publishes_continuously",
                 "prints"):
        if flag in clean:
            clean[flag] = bool(clean[flag])
    limits = {"review_days": (1, 365), "response_days": (1, 90), "reviews_required": (0, 10), "page_limit": (1, 2000),
              "minor_revision_days": (1, 365), "major_revision_days": (1, 365)}
    for field, (low, high) in limits.items():
        if field in clean and not low <= int(clean[field]) <= high:
            raise DomainError(_("Choose a number from %(low)s to %(high)s.", low=low, high=high), field)
    return {k: v.strip() if isinstance(v, str) else v for k, v in clean.items()}


@transactional
def create_journal(actor: User, *, slug: str, title: str, reference_prefix: str,
                   sections: tuple[str, ...] = DEFAULT_SECTIONS, **settings) -> Journal:
    """A platform admin opens a new journal with its default sections."""
    if not can(actor, "admin"):
        raise PermissionDenied(_("Only platform administrators create journals."))
    slug = (slug or "").strip().lower()
    if not SLUG.match(slug) or slug in RESERVED_SLUGS:
        raise DomainError(_("Use lower-case letters, digits and hyphens (e.g. jdse), not a reserved word."), "slug")
    if db.session.scalar(select(func.count()).select_from(Journal).where(Journal.slug == slug)):
        raise DomainError(_("The address “%(slug)s” is taken by another journal.", slug=slug), "slug")
    values = _clean_settings({"title": title, "reference_prefix": reference_prefix, **settings})
    journal = Journal(slug=slug, **values)
    journal.sections = [Section(title=name, position=i) for i, name in enumerate(sections)]
    db.session.add(journal)
    db.session.flush()
    audit(actor, "journal.created", journal, slug=slug, title=journal.title)
    return journal


@transactional
def update_journal_settings(actor: User, journal: Journal, **settings) -> list[str]:
    """A managing editor (or platform admin) changes the journal's settings; returns what changed."""
    if not can(actor, "journal.manage", journal):
        raise PermissionDenied(_("Only the journal's managing editors change its settings."))
    values = _clean_settings(settings, journal)
    changed = {name: value for name, value in values.items() if getattr(journal, name) != value}
    for name, value in changed.items():
        setattr(journal, name, value)
    if changed:
        audit(actor, "journal.settings_changed", journal,
              changes={k: _describe_setting(k, v) for k, v in changed.items()
                       if k not in ("description", "author_guidelines", "submission_checklist")},
              fields=sorted(changed))
    return sorted(changed)


def _describe_setting(name: str, value) -> str:
    if name == "reminder_days":
        return "; ".join(f"{label}: {format_reminder_days(value[kind]) or 'none'}"
                         for kind, label in REMINDER_KINDS.items() if kind in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _check_section_title(journal: Journal, title: str, section: Section | None = None) -> str:
    title = (title or "").strip()
    if not title:
        raise DomainError(_("A section needs a title."), "title")
    for other in journal.sections:
        if other is not section and other.title.casefold() == title.casefold():
            raise DomainError(_("The journal has a section “%(title)s” already.", title=other.title), "title")
    return title


@transactional
def add_section(actor: User, journal: Journal, *, title: str, abbreviation: str = "", policy: str = "") -> Section:
    if not can(actor, "journal.manage", journal):
        raise PermissionDenied(_("Only the journal's managing editors change its sections."))
    title = _check_section_title(journal, title)
    position = max((s.position for s in journal.sections), default=-1) + 1
    section = Section(journal=journal, title=title, abbreviation=abbreviation.strip(), policy=policy.strip(),
                      position=position)
    db.session.add(section)
    db.session.flush()
    audit(actor, "section.added", journal, section_id=section.id, title=title)
    return section


@transactional
def update_section(actor: User, section: Section, *, title: str, abbreviation: str = "", policy: str = "",
                   active: bool = True) -> None:
    journal = section.journal
    if not can(actor, "journal.manage", journal):
        raise PermissionDenied(_("Only the journal's managing editors change its sections."))
    section.title = _check_section_title(journal, title, section)
    section.abbreviation = abbreviation.strip()
    section.policy = policy.strip()
    if not active and section.active and sum(1 for s in journal.sections if s.active) <= 1:
        raise DomainError(_("A journal needs at least one open section for submissions."), "active")
    section.active = active
    audit(actor, "section.updated", journal, section_id=section.id, title=section.title, active=active)


@transactional
def move_section(actor: User, section: Section, offset: int) -> None:
    journal = section.journal
    if not can(actor, "journal.manage", journal):
        raise PermissionDenied(_("Only the journal's managing editors change its sections."))
    ordered = sorted(journal.sections, key=lambda s: (s.position, s.id))
    index = ordered.index(section)
    target = max(0, min(len(ordered) - 1, index + offset))
    ordered.insert(target, ordered.pop(index))
    for position, item in enumerate(ordered):
        item.position = position
    audit(actor, "section.moved", journal, section_id=section.id, position=target)


def members_of(journal: Journal) -> list[Membership]:
    from sqlalchemy.orm import joinedload

    return list(db.session.scalars(
        select(Membership).where(Membership.journal_id == journal.id)
        .options(joinedload(Membership.user))
        .join(Membership.user).order_by(Membership.role, User.family_name, User.given_name)
    ))


@transactional
def add_member(actor: User, journal: Journal, *, email: str, role: Role | str) -> Membership:
    """Give an existing user a role in the journal; they are told by mail."""
    role = Role(role)
    if not can(actor, "journal.manage", journal):
        raise PermissionDenied(_("Only the journal's managing editors change its members."))
    if role is Role.MANAGING_EDITOR and not can(actor, "admin"):
        raise PermissionDenied(_("Only platform administrators appoint managing editors."))
    user = find_user_by_email(email)
    if user is None:
        raise DomainError(_("No account uses this email address. Ask the person to register first, then "
                            "add them here."), "email")
    exists = db.session.scalar(select(Membership).where(
        Membership.journal_id == journal.id, Membership.user_id == user.id, Membership.role == role))
    if exists is not None:
        raise DomainError({
            Role.MANAGING_EDITOR: _("%(name)s is managing editor of this journal already.", name=user.full_name),
            Role.EDITOR: _("%(name)s is editor of this journal already.", name=user.full_name),
            Role.REVIEWER: _("%(name)s is reviewer of this journal already.", name=user.full_name),
        }[role], "email")
    membership = Membership(user=user, journal=journal, role=role)
    db.session.add(membership)
    db.session.flush()
    forget_roles()
    audit(actor, "member.added", journal, user_id=user.id, user=user.full_name, role=role.value)
    queue_mail(user, "role_granted", subject=_l('You are now %(role)s of %(journal)s',
                                          role=LazyString(lambda: role.label.lower()), journal=journal.title),
               related=journal, journal=journal, role=role, link=external_url("public.journal_home",
                                                                             slug=journal.slug))
    return membership


@transactional
def remove_member(actor: User, membership: Membership) -> None:
    journal = membership.journal
    if not can(actor, "journal.manage", journal):
        raise PermissionDenied(_("Only the journal's managing editors change its members."))
    if membership.role is Role.MANAGING_EDITOR:
        if not can(actor, "admin"):
            raise PermissionDenied(_("Only platform administrators remove managing editors."))
        others = db.session.scalar(select(func.count()).select_from(Membership).where(
            Membership.journal_id == journal.id, Membership.role == Role.MANAGING_EDITOR,
            Membership.id != membership.id))
        if not others:
            raise DomainError(_("A journal keeps at least one managing editor: appoint another one first."))
    audit(actor, "member.removed", journal, user_id=membership.user_id, user=membership.user.full_name,
          role=membership.role.value)
    db.session.delete(membership)
    forget_roles()


# --- Announcements on the journal's home page ------------------------------------------------------------------

def announcements_of(journal: Journal, limit: int | None = None) -> list:
    from journal.models import Announcement

    query = select(Announcement).where(Announcement.journal_id == journal.id).order_by(
        Announcement.created_at.desc(), Announcement.id.desc())
    return list(db.session.scalars(query.limit(limit) if limit else query))


@transactional
def post_announcement(actor: User, journal: Journal, *, title: str, body: str):
    """A managing editor posts news on the journal's home page (Markdown, sanitised when shown)."""
    from journal.models import Announcement

    if not can(actor, "journal.manage", journal):
        raise PermissionDenied(_("Only the journal's managing editors post announcements."))
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise DomainError(_("Give the announcement a title."), "title")
    if len(title) > 200:
        raise DomainError(_("Keep the title under 200 characters."), "title")
    if len(body) > 20_000:
        raise DomainError(_("Keep the announcement under 20,000 characters."), "body")
    announcement = Announcement(journal=journal, title=title, body=body, created_by=actor)
    db.session.add(announcement)
    db.session.flush()
    audit(actor, "announcement.posted", journal, title=title)
    return announcement


@transactional
def remove_announcement(actor: User, journal: Journal, announcement_id: int) -> None:
    from journal.models import Announcement

    if not can(actor, "journal.manage", journal):
        raise PermissionDenied(_("Only the journal's managing editors remove announcements."))
    announcement = db.session.get(Announcement, announcement_id)
    if announcement is None or announcement.journal_id != journal.id:
        raise NotFound(_("There is no such announcement."))
    audit(actor, "announcement.removed", journal, title=announcement.title)
    db.session.delete(announcement)
