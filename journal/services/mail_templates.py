"""A journal's own wording of its mails and letters, per language, with named placeholders.

Editors write `{reviewer_name}`, `{title}`…; each key declares its placeholders (KEYS). The text is parsed by
the standard library's string.Formatter: a placeholder is a bare name, never an attribute or an index, and is
replaced by a plain string; nothing else of Python or of the database is reachable from the text. Where a journal
has no text of its own for a key in a language, the built-in template in that language is used (the mail
templates in templates/mail/, the letters in templates/mail/letters/); the built-in wording is offered, with
placeholders, as the starting text (`default_text`)."""

import re
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from sqlalchemy import select

from journal.audit import audit
from journal.extensions import db
from journal.i18n import known, offered
from journal.models import DecisionKind, Journal, MailTemplate, Submission, User, utcnow
from journal.services.errors import DomainError, NotFound
from journal.services.scheduled_runs import relative_day
from journal.services.shared_reviews import reviews_for_letter
from journal.services.unit import transactional
from journal.templating import format_datetime

REVIEWERS, AUTHORS = "reviewers", "authors"
SUBJECT_MAX = 255
BODY_MAX = 20_000


@dataclass(frozen=True)
class TemplateKey:
    key: str
    label: object  # a lazy string
    audience: str  # who receives it: REVIEWERS or AUTHORS
    placeholders: dict = field(default_factory=dict)  # name -> lazy description
    letter: bool = False  # a letter the editor reads and may change before it leaves (the decision page)


def _p(*names: str) -> dict:
    return {name: PLACEHOLDERS[name] for name in names}


PLACEHOLDERS = {
    "reviewer_name": _l("the reviewer's name"),
    "journal": _l("the journal's title"),
    "title": _l("the manuscript's title"),
    "reference": _l("the manuscript's reference"),
    "abstract": _l("the abstract"),
    "section": _l("the section, if any"),
    "respond_by": _l("the date to answer the invitation by"),
    "due": _l("the date the review is due"),
    "when": _l("when the review is due, in words (“in 3 days”)"),
    "link": _l("the reviewer's personal link"),
    "revision_note": _l("in a revision round, to a reviewer of an earlier round: a sentence saying the manuscript "
                        "is a revision of one they reviewed (empty otherwise)"),
    "reviewer_label": _l("the reviewer's label (“Reviewer 2”)"),
    "decision": _l("the decision"),
    "greeting": _l("the greeting, with the corresponding author's name unless names are hidden from you"),
    "reviews": _l("the reviewers' comments shared with the authors, each under its label"),
}

# Reviewer mails never offer an author's name (anonymous review): tests/test_mail_templates.py checks it.
KEYS: dict[str, TemplateKey] = {k.key: k for k in (
    TemplateKey("review_invitation", _l("Invitation to review"), REVIEWERS,
                _p("reviewer_name", "journal", "title", "abstract", "section", "respond_by", "due", "link",
                   "revision_note")),
    TemplateKey("review_reminder", _l("Reminder: review due"), REVIEWERS,
                _p("reviewer_name", "journal", "title", "due", "when", "link")),
    TemplateKey("review_thanks", _l("Thank you to the reviewer"), REVIEWERS,
                _p("reviewer_name", "reviewer_label", "reference", "title", "journal", "decision")),
    TemplateKey("decision_accept", _l("Decision letter: accept"), AUTHORS,
                _p("greeting", "title", "reference", "journal", "reviews"), letter=True),
    TemplateKey("decision_minor_revision", _l("Decision letter: minor revision"), AUTHORS,
                _p("greeting", "title", "reference", "journal", "reviews"), letter=True),
    TemplateKey("decision_major_revision", _l("Decision letter: major revision"), AUTHORS,
                _p("greeting", "title", "reference", "journal", "reviews"), letter=True),
    TemplateKey("decision_reject", _l("Decision letter: reject"), AUTHORS,
                _p("greeting", "title", "reference", "journal", "reviews"), letter=True),
    TemplateKey("desk_reject", _l("Decision letter: desk reject"), AUTHORS,
                _p("greeting", "title", "reference", "journal"), letter=True),
)}


def key_for_decision(kind: DecisionKind | str) -> str:
    kind = DecisionKind(kind)
    return "desk_reject" if kind is DecisionKind.DESK_REJECT else f"decision_{kind.value}"


def template_key(key: str) -> TemplateKey:
    if key not in KEYS:
        raise NotFound(_("There is no such mail."))
    return KEYS[key]


# --- the text: parse, check, render ---------------------------------------------------------------------------

def _pieces(text: str) -> list[tuple[str, str | None]]:
    """(literal, placeholder name or None) pairs; DomainError for a brace left open or a placeholder written
    with a format or a conversion."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise DomainError(_("A brace is not closed (or closed without being opened). Placeholders are written "
                            "{name}; to write a brace itself, double it: {{ or }}."))
    pieces = []
    for literal, name, spec, conversion in parsed:
        if name is not None and (spec or conversion):
            raise DomainError(_("Write the placeholder {%(name)s} without “:” or “!”.", name=name))
        pieces.append((literal, name))
    return pieces


def check_text(key: str, text: str) -> None:
    """Refuse a placeholder the key does not declare, by its name, and a brace left open."""
    known_names = template_key(key).placeholders
    for _literal, name in _pieces(text):
        if name is not None and name not in known_names:
            raise DomainError(_("Unknown placeholder {%(name)s}. This mail can use: %(names)s.",
                                name=name, names=", ".join("{%s}" % n for n in known_names)))


def render_text(text: str, values: dict[str, str]) -> str:
    """The text with each placeholder replaced by its value, a plain string (an empty placeholder leaves no
    run of blank lines)."""
    out = []
    for literal, name in _pieces(text):
        out.append(literal)
        if name is not None:
            out.append(str(values.get(name, "")))
    return re.sub(r"\n{3,}", "\n\n", "".join(out)).strip() + "\n"


# --- the built-in wording, with placeholders -------------------------------------------------------------------

def _ph(name: str) -> str:
    return "{" + name + "}"


def _closing() -> str:
    return _("Yours sincerely,\nthe editors of %(journal)s", journal=_ph("journal"))


def _letter(middle: list[str]) -> str:
    parts = [_ph("greeting"),
             _("thank you for submitting “%(title)s” (%(reference)s) to %(journal)s.", title=_ph("title"),
               reference=_ph("reference"), journal=_ph("journal")),
             *middle, _closing()]
    return "\n\n".join(parts) + "\n"


def default_text(key: str) -> tuple[str, str]:
    """The built-in subject and body of `key` in the current language, written with placeholders."""
    journal, title = _ph("journal"), _ph("title")
    if key == "review_invitation":
        return (_("Invitation to review for %(journal)s", journal=journal), "\n\n".join([
            _("Dear %(name)s,", name=_ph("reviewer_name")),
            _("the editors of %(journal)s invite you to review a manuscript:", journal=journal),
            "“" + title + "”\n" + _ph("section"),
            _ph("revision_note"),
            _("Abstract:") + "\n" + _ph("abstract"),
            _("Please answer by %(respond_by)s. If you accept, your review is due by %(due)s.",
              respond_by=_ph("respond_by"), due=_ph("due")),
            _("Accept or decline through this personal link (no login needed):") + "\n" + _ph("link"),
            _("The manuscript opens once you have accepted. Please do not pass the link on: it is for you alone."),
        ]) + "\n")
    if key == "review_reminder":
        return (_("Reminder: your review for %(journal)s is due %(when)s", journal=journal, when=_ph("when")),
                "\n\n".join([
                    _("Dear %(name)s,", name=_ph("reviewer_name")),
                    _("a reminder: your review of “%(title)s” for %(journal)s is due %(when)s (%(date)s).",
                      title=title, journal=journal, when=_ph("when"), date=_ph("due")),
                    _("Your review page, with the manuscript and your saved draft:") + "\n" + _ph("link"),
                    _("If you need more time, please tell the editorial office of %(journal)s, so that they can "
                      "plan.", journal=journal),
                ]) + "\n")
    if key == "review_thanks":
        return (_("Thank you for reviewing %(reference)s", reference=_ph("reference")), "\n\n".join([
            _("Dear %(name)s,", name=_ph("reviewer_name")),
            _("thank you for your review (%(label)s) of %(reference)s, “%(title)s”, for %(journal)s.",
              label=_ph("reviewer_label"), reference=_ph("reference"), title=title, journal=journal),
            _("The editors have decided: %(decision)s.", decision=_ph("decision")),
        ]) + "\n")
    subject = _("Decision on %(reference)s: %(title)s", reference=_ph("reference"), title=title)
    if key == "desk_reject":
        return subject, _letter([
            _("The editors have read your manuscript and decided not to send it out for peer review, because"),
            _("[the reasons]"),
            _("We hope that you will consider %(journal)s for your future work.", journal=journal)])
    middle = {
        "decision_accept": _("I am pleased to tell you that your manuscript has been accepted for publication. It "
                             "now goes into production; we will ask you to approve the proofs."),
        "decision_minor_revision": _("The reviewers and I think your manuscript can be published after minor "
                                     "revisions. Please revise it as the reviewers ask and explain your changes in "
                                     "a response to the reviewers."),
        "decision_major_revision": _("The reviewers raised substantial points. We invite you to submit a thoroughly "
                                     "revised manuscript, with a response that answers each point below."),
        "decision_reject": _("I regret that, after review, we are not able to publish your manuscript in "
                             "%(journal)s.", journal=journal),
    }[template_key(key).key]
    return subject, _letter([middle, _ph("reviews")])


# --- stored texts ------------------------------------------------------------------------------------------------

def stored(journal: Journal, key: str, language: str) -> MailTemplate | None:
    return db.session.scalar(select(MailTemplate).where(
        MailTemplate.journal_id == journal.id, MailTemplate.key == key, MailTemplate.language == language))


def stored_of(journal: Journal) -> dict[tuple[str, str], MailTemplate]:
    rows = db.session.scalars(select(MailTemplate).where(MailTemplate.journal_id == journal.id))
    return {(row.key, row.language): row for row in rows}


def text_for(journal: Journal, key: str, language: str) -> tuple[str, str, bool]:
    """(subject, body, whether it is the journal's own) for the editor, in `language`."""
    row = stored(journal, key, language)
    if row is not None:
        return row.subject, row.body, True
    with force_locale(language):
        return (*default_text(key), False)


def _language(journal: Journal, language: str) -> str:
    code = known(language)
    if code is None or code not in offered(journal):
        raise NotFound(_("The journal does not offer this language."))
    return code


def checked(key: str, subject: str, body: str) -> tuple[str, str]:
    subject, body = " ".join((subject or "").split()), (body or "").replace("\r\n", "\n").strip()
    if not subject:
        raise DomainError(_("Write the subject."), "subject")
    if not body:
        raise DomainError(_("Write the text."), "body")
    if len(subject) > SUBJECT_MAX or len(body) > BODY_MAX:
        raise DomainError(_("The text is too long."), "body")
    for name, text in (("subject", subject), ("body", body)):
        try:
            check_text(key, text)
        except DomainError as error:
            raise DomainError(error.message, name) from None
    return subject, body


@transactional
def save_template(actor: User, journal: Journal, key: str, language: str, *, subject: str, body: str) -> MailTemplate:
    """The journal's wording of `key` in `language`, checked (placeholders, braces) before it is kept."""
    template_key(key)
    language = _language(journal, language)
    subject, body = checked(key, subject, body)
    row = stored(journal, key, language)
    if row is None:
        row = MailTemplate(journal_id=journal.id, key=key, language=language)
        db.session.add(row)
    row.subject, row.body, row.updated_by, row.updated_at = subject, body, actor, utcnow()
    audit(actor, "mail_template.saved", journal, key=key, language=language)
    return row


@transactional
def reset_template(actor: User, journal: Journal, key: str, language: str) -> bool:
    """Back to the built-in wording: the journal's text is deleted. False when there was none."""
    template_key(key)
    row = stored(journal, key, _language(journal, language))
    if row is None:
        return False
    db.session.delete(row)
    audit(actor, "mail_template.reset", journal, key=key, language=row.language)
    return True


# --- values of the placeholders ------------------------------------------------------------------------------------

def _day(value) -> str:
    return format_datetime(value, with_time=False) if value else ""


def revision_note(assignment=None, *, submission: Submission | None = None, round_number: int | None = None,
                  reviewer_id: int | None = None, email: str | None = None) -> str:
    """In a revision round, to a person who reviewed an earlier round of the paper: say so (else "")."""
    from journal.services.review_assignments import assignments_of

    if assignment is not None:
        submission, round_number = assignment.submission, assignment.round.number
        reviewer_id, email = assignment.reviewer_id, assignment.invitee_email
    if submission is None or not round_number or round_number < 2:
        return ""
    earlier = [a for a in assignments_of(submission) if a.round.number < round_number and a.review is not None
               and ((reviewer_id and a.reviewer_id == reviewer_id) or (email and a.invitee_email == email))]
    if not earlier:
        return ""
    return _("This is a revised version (round %(round)s) of a manuscript you reviewed in an earlier round; the "
             "authors have answered the reviewers.", round=round_number)


def reviewer_values(submission: Submission, *, name: str, respond_by=None, due_at=None, link: str = "",
                    assignment=None, when: str = "", decision: str = "", note: str | None = None) -> dict[str, str]:
    """What a reviewer's mail may say, as plain strings in the current language: never an author's name."""
    return {
        "reviewer_name": name, "journal": submission.journal.title, "title": submission.title,
        "reference": submission.reference, "abstract": submission.abstract or "",
        "section": submission.section.title if submission.section else "",
        "respond_by": _day(respond_by or getattr(assignment, "respond_by", None)),
        "due": _day(due_at or getattr(assignment, "due_at", None)), "link": link, "when": when,
        "revision_note": revision_note(assignment) if note is None else note,
        "reviewer_label": assignment.label if assignment is not None else "", "decision": decision,
    }


def author_values(submission: Submission, *, show_names: bool, reviews: list | None = None) -> dict[str, str]:
    """What a letter to the authors may say, in the current language; `reviews` are the letter's SharedReviews
    (shared_reviews.reviews_for_letter), under the labels the authors read."""
    if show_names:
        corresponding = next((c for c in submission.contributors if c.is_corresponding), None)
        greeting = _("Dear %(name)s,", name=corresponding.full_name if corresponding
                     else submission.submitter.full_name)
    else:
        greeting = _("Dear author,")
    comments = "\n\n".join(f"{review.label}:\n{review.comments}" for review in reviews or [])
    return {"greeting": greeting, "title": submission.title, "reference": submission.reference,
            "journal": submission.journal.title, "reviews": comments}


def wording(journal: Journal, key: str, values: Callable[[], dict[str, str]],
            custom: tuple[str, str] | None = None) -> Callable[[str], tuple[str, str] | None]:
    """For queue_mail: given the recipient's language, the journal's text (or `custom`, worded for this one mail)
    rendered with `values` (called in that language), or None for the built-in template."""
    def in_language(code: str) -> tuple[str, str] | None:
        if custom is not None:
            subject, body = custom
        else:
            row = stored(journal, key, code)
            if row is None:
                return None
            subject, body = row.subject, row.body
        given = values()
        return render_text(subject, given).strip(), render_text(body, given)
    return in_language


def letter_from_journal(submission: Submission, key: str, language: str, *, show_names: bool,
                        reviews: list | None = None) -> str | None:
    """The journal's own letter for `key` in `language`, filled in; None where it has none."""
    row = stored(submission.journal, key, language)
    if row is None:
        return None
    with force_locale(language):
        return render_text(row.body, author_values(submission, show_names=show_names, reviews=reviews))


# --- preview -----------------------------------------------------------------------------------------------------

def recent_submissions(journal: Journal, limit: int = 20) -> list[Submission]:
    return list(db.session.scalars(select(Submission).where(Submission.journal_id == journal.id,
                                                            Submission.submitted_at.is_not(None))
                                   .order_by(Submission.submitted_at.desc(), Submission.id.desc()).limit(limit)))


def preview(actor: User, journal: Journal, key: str, language: str, submission: Submission, *, subject: str,
            body: str) -> tuple[str, str]:
    """The text as it would be sent about `submission`, in `language` (checked first, as saving does). A reviewer
    mail is shown with the paper's latest reviewer, else with the editor's own name."""
    from journal.services.review_assignments import assignments_of
    spec = template_key(key)
    language = _language(journal, language)
    if submission.journal_id != journal.id:
        raise NotFound(_("There is no such submission."))
    subject, body = checked(key, subject, body)
    with force_locale(language):
        if spec.audience == REVIEWERS:
            assignment = next(iter(reversed(assignments_of(submission))), None)
            now = utcnow()
            values = reviewer_values(
                submission, name=assignment.reviewer_name if assignment else actor.full_name,
                respond_by=None if assignment else now + timedelta(days=journal.response_days),
                due_at=None if assignment else now + timedelta(days=journal.review_days),
                assignment=assignment, link=_("(the reviewer's personal link)"),
                when=relative_day(3),
                decision=DecisionKind.MINOR_REVISION.label)
        else:
            values = author_values(submission, show_names=True, reviews=reviews_for_letter(submission))
        return render_text(subject, values).strip(), render_text(body, values)
