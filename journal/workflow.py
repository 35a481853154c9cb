"""The submission's state machine: one table of transitions, who may take each, and what it does.

Services call `transition(...)`; nothing else assigns `Submission.status`. An illegal move is a
`IllegalTransition` with a message naming the current state and what can be done from it;
a stale form (another person acted first) is a `SubmissionChanged`.
"""

from dataclasses import dataclass

from journal.audit import audit
from journal.models import Submission, SubmissionStatus, User, utcnow
from journal.permissions import can
from journal.services.errors import ConcurrentChange, DomainError, PermissionDenied

S = SubmissionStatus


class IllegalTransition(DomainError):
    pass


class SubmissionChanged(ConcurrentChange):
    """Someone else changed the submission since the form was loaded."""


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[SubmissionStatus]
    targets: frozenset[SubmissionStatus]
    permission: str  # the action asked of journal/permissions.py, about the submission
    milestone: str | None = None  # the Submission timestamp set on arrival


def _t(name, label, sources, targets, permission, milestone=None) -> Transition:
    return Transition(name, label, frozenset(sources), frozenset(targets), permission, milestone)


TRANSITIONS: dict[str, Transition] = {t.name: t for t in [
    _t("submit", "Submit", {S.DRAFT}, {S.SUBMITTED}, "submission.author", "submitted_at"),
    _t("resubmit", "Submit the revision", {S.REVISION_REQUESTED}, {S.SUBMITTED}, "submission.author"),
    _t("withdraw", "Withdraw", {S.SUBMITTED, S.UNDER_REVIEW, S.REVISION_REQUESTED}, {S.WITHDRAWN},
       "submission.author", "withdrawn_at"),
    _t("desk_reject", "Reject without review", {S.SUBMITTED}, {S.REJECTED}, "submission.final_decision",
       "rejected_at"),
    _t("send_to_review", "Send to review", {S.SUBMITTED}, {S.UNDER_REVIEW}, "submission.decide"),
    # From "submitted" only for a revision (round 2 or later) that the editor decides without review.
    _t("decide", "Decide", {S.UNDER_REVIEW, S.SUBMITTED}, {S.REVISION_REQUESTED, S.ACCEPTED, S.REJECTED},
       "submission.final_decision"),
    _t("schedule", "Schedule into an issue", {S.ACCEPTED}, {S.SCHEDULED}, "submission.produce"),
    _t("publish", "Publish", {S.SCHEDULED}, {S.PUBLISHED}, "submission.produce", "published_at"),
]}

MILESTONES_BY_TARGET = {S.ACCEPTED: "accepted_at", S.REJECTED: "rejected_at"}


def available(user: User | None, submission: Submission) -> list[Transition]:
    """The transitions this user may take now (for buttons and for error messages)."""
    return [t for t in TRANSITIONS.values() if submission.status in t.sources and can(user, t.permission, submission)
            and not (t.name == "decide" and submission.status is S.SUBMITTED and submission.current_round < 2)]


def check_version(submission: Submission, expected_version: int | None) -> None:
    """Refuse a form that showed an older version. Services call this before changing anything:
    any query flushes their own changes, which bumps the version."""
    if expected_version is not None and expected_version != submission.version:
        raise SubmissionChanged(f"{submission.display_reference} was changed by someone else a moment ago; it is "
                                f"now “{submission.status.label}”. Please look at it again before you act.")


def transition(actor: User | None, submission: Submission, name: str, *, target: SubmissionStatus | None = None,
               expected_version: int | None = None, **payload) -> None:
    """Move the submission along one transition and record it; the caller commits."""
    spec = TRANSITIONS[name]
    check_version(submission, expected_version)
    if submission.status not in spec.sources:
        allowed = ", ".join(sorted(t.label.lower() for t in TRANSITIONS.values() if submission.status in t.sources))
        raise IllegalTransition(f"{submission.display_reference} is “{submission.status.label}”, so it cannot "
                                f"be {_past(spec)} now" + (f" (possible now: {allowed})." if allowed else "."))
    if actor is not None and not can(actor, spec.permission, submission):
        raise PermissionDenied(f"You may not {spec.label.lower()} {submission.display_reference}.")
    if target is None:
        if len(spec.targets) != 1:
            raise ValueError(f"transition {name} needs a target state")
        (target,) = spec.targets
    if target not in spec.targets:
        raise ValueError(f"{name} cannot lead to {target}")
    previous = submission.status
    now = utcnow()
    submission.status = target
    submission.status_changed_at = now
    for milestone in filter(None, [spec.milestone, MILESTONES_BY_TARGET.get(target)]):
        setattr(submission, milestone, now)
    audit(actor, f"submission.{name}", submission, **{"from": previous.value, "to": target.value, **payload})


def _past(spec: Transition) -> str:
    return {
        "submit": "submitted", "resubmit": "resubmitted", "withdraw": "withdrawn", "desk_reject": "rejected",
        "send_to_review": "sent to review", "decide": "decided", "schedule": "scheduled", "publish": "published",
    }[spec.name]
