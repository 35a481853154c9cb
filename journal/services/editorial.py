"""The editorial office's first steps: assign a handling editor, then screen (desk reject or send to review).

Invitations, reviews and decisions after review come with the peer-review services.
"""

from functools import partial
from datetime import UTC, date, datetime, time, timedelta

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from journal.audit import audit
from journal.extensions import db
from journal.i18n import known, locale_for
from journal.mail import external_url, queue_mail
from journal.services import mail_templates
from journal.models import (Decision, DecisionKind, EditorRecommendation, Membership, RecommendationStatus, ReviewRound,
                            Role, Submission, SubmissionStatus, User, utcnow)
from journal.permissions import can, is_contributor, without_contributors
from journal.services.conflicts import Conflict, Person, conflicts_for, conflicts_of, require_override
from journal.services.errors import DomainError, PermissionDenied
from journal.services.handlers import managing_editors_to_tell
from journal.services.shared_reviews import reviews_for_letter
from journal.services.unit import transactional
from journal.workflow import check_version, transition

S = SubmissionStatus


def eligible_handling_editors(submission: Submission) -> list[User]:
    """The journal's editors and managing editors, except the paper's own authors."""
    editor_ids = select(Membership.user_id).where(Membership.journal_id == submission.journal_id,
                                                  Membership.role.in_([Role.EDITOR, Role.MANAGING_EDITOR]))
    users = db.session.scalars(  # no DISTINCT over users: PostgreSQL cannot compare its JSON columns
        select(User).where(User.id.in_(editor_ids), User.active.is_(True)).order_by(User.family_name, User.given_name)
    )
    return without_contributors(users, submission)


def handling_editor_choices(actor: User, submission: Submission) -> list[tuple[User, list[Conflict]]]:
    """The eligible editors, each with their conflicts of interest with the paper (the one conflict check)."""
    editors = eligible_handling_editors(submission)
    return list(zip(editors, conflicts_for(actor, submission, [Person.of(u) for u in editors])))


@transactional
def assign_handling_editor(actor: User, submission: Submission, editor_id: int,
                           expected_version: int | None = None, *, override: bool = False,
                           override_reason: str = "") -> User:
    """A managing editor gives the paper to an editor, who is told by mail.

    An editor with a conflict of interest (same institution as an author, co-author of one, opposed by the
    authors) is assigned only with an explicit override and a reason, which the audit event records; the authors
    learn nothing of it."""
    if not can(actor, "journal.manage", submission.journal) or not can(actor, "submission.produce", submission):
        raise PermissionDenied(_("Only the journal's managing editors assign handling editors."))
    check_version(submission, expected_version)
    if submission.status in (S.DRAFT, S.REJECTED, S.WITHDRAWN, S.PUBLISHED):
        raise DomainError(_("%(reference)s is “%(status)s”; it needs no handling editor now.",
                            reference=submission.display_reference, status=submission.status.label))
    editor = next((u for u in eligible_handling_editors(submission) if u.id == editor_id), None)
    if editor is None:
        raise DomainError(_("Choose one of the journal's editors who is not an author of this paper."), "editor_id")
    if submission.handling_editor_id == editor.id:
        raise DomainError(_("%(name)s handles this paper already.", name=editor.full_name), "editor_id")
    found = conflicts_of(actor, submission, Person.of(editor))
    if any(c.blocks for c in found):
        raise DomainError(_("%(name)s is an author of this paper and cannot handle it.",
                            name=editor.full_name), "editor_id")
    override_payload = require_override([(editor.full_name, found)], override=override, reason=override_reason)
    previous = submission.handling_editor
    submission.handling_editor = editor
    audit(actor, "submission.editor_assigned", submission, editor=editor.full_name,
          previous=previous.full_name if previous else None, **override_payload)
    queue_mail(editor, "editor_assigned", subject=_l('Please handle %(reference)s', reference=submission.reference),
               related=submission,
               submission=submission, link=external_url("editorial.submission", slug=submission.journal.slug,
                                                        submission_id=submission.id))
    return editor


def letter_language(submission: Submission) -> str:
    """The language letters to the authors are written in: the corresponding author's (their account's saved
    language, else the one the submitting author chose for them), else the journal's default."""
    corresponding = next((c for c in submission.contributors if c.is_corresponding), None)
    address = corresponding.email if corresponding else submission.submitter.email
    account = db.session.scalar(select(User).where(User.email == address))
    return locale_for(account, submission.journal, corresponding.mail_language if corresponding else None)


def default_desk_reject_letter(submission: Submission, *, show_names: bool = True, language: str | None = None) -> str:
    """The journal's template, in `language` (else the authors', `letter_language`); `show_names` is false for a
    triple-anonymous handling editor, whose letter then greets the author without naming them."""
    corresponding = next((c for c in submission.contributors if c.is_corresponding), None)
    language = language or letter_language(submission)
    own = mail_templates.letter_from_journal(submission, "desk_reject", language, show_names=show_names)
    if own is not None:
        return own
    with force_locale(language):
        return render_template("mail/letters/desk_reject.txt", submission=submission, corresponding=corresponding,
                               show_names=show_names)


def _corresponding_and_coauthors(submission: Submission) -> tuple[str, list[str]]:
    corresponding = next((c for c in submission.contributors if c.is_corresponding), None)
    to = corresponding.email if corresponding else submission.submitter.email
    return to, sorted({c.email for c in submission.contributors} - {to})


@transactional
def desk_reject(actor: User, submission: Submission, *, letter: str, expected_version: int | None = None,
                language: str | None = None) -> Decision:
    """Reject without review; the letter goes to the corresponding author, copied to the co-authors, in `language`
    (the one the editor wrote it in; else the authors')."""
    check_version(submission, expected_version)
    letter = (letter or "").strip()
    if len(letter) < 20:
        raise DomainError(_("Write the letter to the authors (why the paper is not sent to review)."), "letter")
    transition(actor, submission, "desk_reject")
    decision = Decision(submission=submission, round=max(submission.current_round, 1), editor=actor,
                        kind=DecisionKind.DESK_REJECT, letter=letter)
    db.session.add(decision)
    _resolve_recommendation(actor, submission, decision)
    to, cc = _corresponding_and_coauthors(submission)
    queue_mail(to, "decision", subject=_l('Decision on %(reference)s: %(title)s', reference=submission.reference,
                                                  title=submission.title), related=submission,
               cc=cc, submission=submission, letter=letter, in_language=known(language),
               link=external_url("author.submission", submission_id=submission.id))
    return decision


@transactional
def send_to_review(actor: User, submission: Submission, *, expected_version: int | None = None) -> None:
    """Screening passed: the paper goes out for peer review in its current round."""
    check_version(submission, expected_version)
    transition(actor, submission, "send_to_review", round=submission.current_round)
    if not any(r.number == submission.current_round for r in submission.rounds):
        submission.rounds.append(ReviewRound(number=submission.current_round))


DECISION_TARGETS = {
    DecisionKind.ACCEPT: S.ACCEPTED,
    DecisionKind.MINOR_REVISION: S.REVISION_REQUESTED,
    DecisionKind.MAJOR_REVISION: S.REVISION_REQUESTED,
    DecisionKind.REJECT: S.REJECTED,
}


def submitted_reviews(submission: Submission, round_number: int | None = None) -> list:
    """The round's submitted reviews, by reviewer label."""
    from journal.models import AssignmentStatus
    from journal.services.review_assignments import assignments_of

    number = submission.current_round if round_number is None else round_number
    return [a for a in assignments_of(submission)
            if a.round.number == number and a.status is AssignmentStatus.SUBMITTED and a.review is not None]


def default_decision_letter(submission: Submission, kind: DecisionKind, *, show_names: bool = True,
                            language: str | None = None) -> str:
    """The journal's letter, in `language` (else the authors', `letter_language`), with the comments of each review
    shared with the authors under the label the authors read (shared_reviews.reviews_for_letter), never a name: the editor's corrected text where there is one, never
    the confidential comments."""
    corresponding = next((c for c in submission.contributors if c.is_corresponding), None)
    shared = reviews_for_letter(submission)
    language = language or letter_language(submission)
    own = mail_templates.letter_from_journal(submission, mail_templates.key_for_decision(kind), language,
                                             show_names=show_names, reviews=shared)
    if own is not None:
        return own
    with force_locale(language):
        return render_template("mail/letters/decision.txt", submission=submission, corresponding=corresponding,
                               kind=kind, reviews=shared, show_names=show_names)


REVISION_KINDS = (DecisionKind.MINOR_REVISION, DecisionKind.MAJOR_REVISION)


def default_revision_due(submission: Submission, kind: DecisionKind | str) -> date | None:
    """The due date a revision decision proposes: today plus the journal's days for a minor or major revision."""
    kind = DecisionKind(kind)
    if kind not in REVISION_KINDS:
        return None
    journal = submission.journal
    days = journal.minor_revision_days if kind is DecisionKind.MINOR_REVISION else journal.major_revision_days
    return utcnow().date() + timedelta(days=days or 30)


def _revision_due(submission: Submission, kind: DecisionKind, due: date | datetime | None) -> datetime | None:
    if kind not in REVISION_KINDS:
        return None
    due = due or default_revision_due(submission, kind)
    if isinstance(due, datetime):
        due = due.astimezone(UTC).date()
    if due <= utcnow().date():
        raise DomainError(_("The revision must be due after today."), "revision_due")
    if due > utcnow().date() + timedelta(days=366):
        raise DomainError(_("Give the authors at most a year for the revision."), "revision_due")
    return datetime.combine(due, time(23, 59, 59), tzinfo=UTC)


@transactional
def decide(actor: User, submission: Submission, *, kind: DecisionKind | str, letter: str,
           override_reason: str = "", expected_version: int | None = None, language: str | None = None,
           revision_due: date | datetime | None = None) -> Decision:
    """Accept, request a minor or major revision, or reject after review; the mail around the letter is written
    in `language` (the one the editor wrote the letter in; else the authors').

    A revision is due on `revision_due` (default: the journal's days for a minor or major revision from today);
    the authors are reminded around it (services/reminders.py) until the revision comes in.

    Guard: the journal's required number of submitted reviews in this round, or an explicit
    override with a reason, which is recorded. The letter goes to the corresponding author,
    copied to the co-authors; the round's reviewers are thanked and told the decision, and
    invitations still open in the round are cancelled."""
    from journal.models import AssignmentStatus

    check_version(submission, expected_version)
    kind = DecisionKind(kind)
    if kind is DecisionKind.DESK_REJECT:
        raise DomainError(_("A paper under review is rejected with “Reject”, not without review."), "kind")
    letter, override_reason = (letter or "").strip(), (override_reason or "").strip()
    if len(letter) < 20:
        raise DomainError(_("Write the decision letter to the authors."), "letter")
    without_review = submission.status is S.SUBMITTED
    if without_review and submission.current_round < 2:
        raise DomainError(_("A first submission is sent to review or rejected without review before any decision."))
    reviews = [] if without_review else submitted_reviews(submission)
    required = submission.journal.reviews_required
    if not without_review and len(reviews) < required and not override_reason:
        raise DomainError(ngettext("This round has %(num)d submitted review; the journal asks for %(required)s. "
                                   "Wait for the reviews, or give the reason for deciding now.",
                                   "This round has %(num)d submitted reviews; the journal asks for %(required)s. "
                                   "Wait for the reviews, or give the reason for deciding now.",
                                   len(reviews), required=required), "override_reason")
    due_at = _revision_due(submission, kind, revision_due)
    transition(actor, submission, "decide", target=DECISION_TARGETS[kind], decision=kind.value,
               reviews=len(reviews), override=override_reason or None, without_review=without_review or None,
               revision_due=due_at.date().isoformat() if due_at else None)
    submission.revision_due_at = due_at
    decision = Decision(submission=submission, round=submission.current_round, editor=actor, kind=kind, letter=letter)
    db.session.add(decision)
    _resolve_recommendation(actor, submission, decision)
    to, cc = _corresponding_and_coauthors(submission)
    queue_mail(to, "decision", subject=_l('Decision on %(reference)s: %(title)s', reference=submission.reference,
                                                  title=submission.title), related=submission,
               cc=cc, submission=submission, letter=letter, in_language=known(language), revision_due=due_at,
               link=external_url("author.submission", submission_id=submission.id))
    from journal.services.review_assignments import assignments_of

    for assignment in assignments_of(submission):
        if without_review or assignment.round.number != submission.current_round:
            continue
        if assignment.status is AssignmentStatus.SUBMITTED and assignment.reviewer is not None:
            queue_mail(assignment.reviewer, "review_thanks", subject=_l('Thank you for reviewing %(reference)s',
                                                                     reference=submission.reference),
                       related=submission, submission=submission, assignment=assignment, kind=kind,
                       worded=mail_templates.wording(submission.journal, "review_thanks", partial(
                           mail_templates.reviewer_values, submission, name=assignment.reviewer_name,
                           assignment=assignment, decision=kind.label)))
        elif assignment.status in (AssignmentStatus.INVITED, AssignmentStatus.ACCEPTED):
            assignment.status = AssignmentStatus.CANCELLED
            assignment.cancelled_at = utcnow()
            queue_mail(assignment.reviewer or assignment.invitee_email, "review_no_longer_needed",
                       subject=_l('%(reference)s: your review is no longer needed',
                                  reference=submission.reference), related=submission,
                       submission=submission, assignment=assignment)
    return decision


# --- Recommend-only journals ------------------------------------------------------------------------------------

def recommendation_kinds(submission: Submission) -> list[DecisionKind]:
    """What the handling editor may recommend now: rejection without review at screening, else a decision."""
    if submission.status is S.SUBMITTED and submission.current_round < 2:
        return [DecisionKind.DESK_REJECT]
    if submission.status in (S.UNDER_REVIEW, S.SUBMITTED):
        return list(DECISION_TARGETS)
    return []


def pending_recommendation(submission: Submission) -> EditorRecommendation | None:
    """The handling editor's recommendation waiting for a managing editor, in the current round."""
    return db.session.scalar(
        select(EditorRecommendation).where(EditorRecommendation.submission_id == submission.id,
                                           EditorRecommendation.round == max(submission.current_round, 1),
                                           EditorRecommendation.status == RecommendationStatus.PENDING)
        .order_by(EditorRecommendation.id.desc())
    )


def recommendations_of(submission: Submission) -> list[EditorRecommendation]:
    return list(db.session.scalars(select(EditorRecommendation).where(
        EditorRecommendation.submission_id == submission.id).order_by(EditorRecommendation.id)))


@transactional
def recommend(actor: User, submission: Submission, *, kind: DecisionKind | str, reasons: str, letter: str = "",
              expected_version: int | None = None) -> EditorRecommendation:
    """The handling editor of a recommend-only journal recommends a decision, with reasons and a draft
    letter; the managing editors are told and confirm it or decide otherwise."""
    check_version(submission, expected_version)
    if not can(actor, "submission.recommend", submission):
        raise PermissionDenied(_("Only the handling editor of a journal whose editors recommend records a "
                                 "recommendation; managing editors decide."))
    try:
        kind = DecisionKind(kind)
    except ValueError:
        raise DomainError(_("Choose the decision you recommend."), "kind") from None
    allowed = recommendation_kinds(submission)
    if not allowed:
        raise DomainError(_("%(reference)s is “%(status)s”; there is no decision to recommend now.",
                            reference=submission.display_reference, status=submission.status.label))
    if kind not in allowed:
        raise DomainError(_("At screening you may recommend rejection without review, or send the paper to review "
                            "yourself.") if allowed == [DecisionKind.DESK_REJECT]
                          else _("A paper under review is recommended for acceptance, revision or rejection."), "kind")
    reasons = (reasons or "").strip()
    if len(reasons) < 10:
        raise DomainError(_("Give the reasons for your recommendation: the managing editor reads them."), "reasons")
    previous = pending_recommendation(submission)
    if previous is not None:
        previous.status = RecommendationStatus.WITHDRAWN
        previous.resolved_at = utcnow()
        previous.resolved_by = actor
    recommendation = EditorRecommendation(submission=submission, round=max(submission.current_round, 1),
                                          editor=actor, kind=kind, reasons=reasons[:20_000],
                                          letter=(letter or "").strip()[:100_000],
                                          status=RecommendationStatus.PENDING)
    db.session.add(recommendation)
    audit(actor, "submission.recommended", submission, recommendation=kind.value,
          replaces=previous.kind.value if previous else None)
    link = external_url("editorial.decide", slug=submission.journal.slug, submission_id=submission.id,
                        kind=kind.value) if kind is not DecisionKind.DESK_REJECT else external_url(
        "editorial.desk_reject", slug=submission.journal.slug, submission_id=submission.id)
    for manager in managing_editors_to_tell(submission, waiting_for="a managing editor to confirm its handling "
                                                                    "editor's recommendation"):
        queue_mail(manager, "recommendation_made",
                   subject=_l('%(reference)s: recommendation to confirm (%(recommendation)s)',
                              reference=submission.reference, recommendation=LazyString(lambda: kind.label.lower())),
                   related=submission, submission=submission, recommendation=recommendation,
                   editor_name=actor.full_name, link=link)
    return recommendation


def _resolve_recommendation(actor: User, submission: Submission, decision: Decision) -> None:
    """A decision settles the round's pending recommendation: confirmed when it is what was recommended,
    changed otherwise. The recommending editor is told."""
    recommendation = pending_recommendation(submission)
    if recommendation is None:
        return
    same = recommendation.kind is decision.kind
    recommendation.status = RecommendationStatus.CONFIRMED if same else RecommendationStatus.CHANGED
    recommendation.resolved_at = utcnow()
    recommendation.resolved_by = actor
    recommendation.decision = decision
    audit(actor, "submission.recommendation_confirmed" if same else "submission.recommendation_changed", submission,
          recommendation=recommendation.kind.value, decision=decision.kind.value)
    if recommendation.editor is not None and recommendation.editor.id != actor.id:
        queue_mail(recommendation.editor, "recommendation_resolved",
                   subject=(_l('%(reference)s: your recommendation was confirmed', reference=submission.reference)
                            if same else _l('%(reference)s: your recommendation was changed',
                                            reference=submission.reference)), related=submission,
                   submission=submission, recommendation=recommendation, decision=decision,
                   link=external_url("editorial.submission", slug=submission.journal.slug,
                                     submission_id=submission.id))


# --- History for editors who may not know the authors --------------------------------------------------------

# What the authors did is shown as theirs without a name; their payloads (file names, fields typed) are left out,
# since a file name or a title change may name them.
AUTHOR_ACTOR = "The authors"  # the English; shown as _("The authors")
# An override of the handling editor's own conflict would tell them something of the authors (their institution).
OVERRIDE_KEYS = ("conflicts_overridden", "override_reason")


def history_without_authors(submission: Submission) -> list:
    """The submission's history for a triple-anonymous handling editor: every event, but the authors' own
    acts under "The authors" and without details, and no payload naming a contributor."""
    from types import SimpleNamespace

    from journal.audit import history

    names = [n for c in submission.contributors for n in (c.full_name, c.family_name, c.email) if n]
    rows = []
    for event in history(submission):
        by_author = event.actor is not None and is_contributor(event.actor, submission)
        payload = {} if by_author else {k: v for k, v in (event.payload or {}).items()
                                        if not any(n.lower() in str(v).lower() for n in names)
                                        and not (event.action == "submission.editor_assigned"
                                                 and k in OVERRIDE_KEYS)}
        actor = SimpleNamespace(full_name=_("The authors")) if by_author else event.actor
        rows.append(SimpleNamespace(created_at=event.created_at, action=event.action, actor=actor, payload=payload))
    return rows
