"""The submission's state machine: one table of transitions, who may take each, and what it does.

Services call `transition(...)`; nothing else assigns `Submission.status`. An illegal move is a
`IllegalTransition` with a message naming the current state and what can be done from it;
a stale form (another person acted first) is a `SubmissionChanged`.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

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
    _t("submit", _l("Submit"), {S.DRAFT}, {S.SUBMITTED}, "submission.author", "submitted_at"),
    _t("resubmit", _l("Submit the revision"), {S.REVISION_REQUESTED}, {S.SUBMITTED}, "submission.author"),
    _t("withdraw", _l("Withdraw"), {S.SUBMITTED, S.UNDER_REVIEW, S.REVISION_REQUESTED}, {S.WITHDRAWN},
       "submission.author", "withdrawn_at"),
    _t("desk_reject", _l("Reject without review"), {S.SUBMITTED}, {S.REJECTED}, "submission.final_decision",
       "rejected_at"),
    _t("send_to_review", _l("Send to review"), {S.SUBMITTED}, {S.UNDER_REVIEW}, "submission.decide"),
    # From "submitted" only for a revision (round 2 or later) that the editor decides without review.
    _t("decide", _l("Decide"), {S.UNDER_REVIEW, S.SUBMITTED}, {S.REVISION_REQUESTED, S.ACCEPTED, S.REJECTED},
       "submission.final_decision"),
    _t("schedule", _l("Schedule into an issue"), {S.ACCEPTED}, {S.SCHEDULED}, "submission.produce"),
    _t("publish", _l("Publish"), {S.SCHEDULED}, {S.PUBLISHED}, "submission.produce", "published_at"),
    # Online first, in a journal that publishes continuously: on its own, before (or without yet) its issue.
    _t("publish_online", _l("Publish online first"), {S.ACCEPTED, S.SCHEDULED}, {S.PUBLISHED}, "submission.produce",
       "published_at"),
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
        raise SubmissionChanged(_("%(reference)s was changed by someone else a moment ago; it is now “%(status)s”. "
                                  "Please look at it again before you act.",
                                  reference=submission.display_reference, status=submission.status.label))


def transition(actor: User | None, submission: Submission, name: str, *, target: SubmissionStatus | None = None,
               expected_version: int | None = None, **payload) -> None:
    """Move the submission along one transition and record it; the caller commits."""
    spec = TRANSITIONS[name]
    check_version(submission, expected_version)
    if submission.status not in spec.sources:
        allowed = ", ".join(sorted(str(t.label).lower() for t in TRANSITIONS.values()
                                   if submission.status in t.sources))
        raise IllegalTransition(_cannot_now(spec, reference=submission.display_reference,
                                            status=submission.status.label, allowed=allowed))
    if actor is not None and not can(actor, spec.permission, submission):
        raise PermissionDenied(_may_not(spec, reference=submission.display_reference))
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


def _cannot_now(spec: Transition, **values) -> str:
    """Why a transition cannot be taken from the current state, one whole sentence per transition (word order
    differs between languages); values: reference, status and allowed (the transitions possible now, if any)."""
    if values.get("allowed"):
        return {
            "submit": _("%(reference)s is “%(status)s”, so it cannot be submitted now "
                        "(possible now: %(allowed)s).", **values),
            "resubmit": _("%(reference)s is “%(status)s”, so it cannot be resubmitted now "
                          "(possible now: %(allowed)s).", **values),
            "withdraw": _("%(reference)s is “%(status)s”, so it cannot be withdrawn now "
                          "(possible now: %(allowed)s).", **values),
            "desk_reject": _("%(reference)s is “%(status)s”, so it cannot be rejected now "
                             "(possible now: %(allowed)s).", **values),
            "send_to_review": _("%(reference)s is “%(status)s”, so it cannot be sent to review now "
                                "(possible now: %(allowed)s).", **values),
            "decide": _("%(reference)s is “%(status)s”, so it cannot be decided now "
                        "(possible now: %(allowed)s).", **values),
            "schedule": _("%(reference)s is “%(status)s”, so it cannot be scheduled now "
                          "(possible now: %(allowed)s).", **values),
            "publish": _("%(reference)s is “%(status)s”, so it cannot be published now "
                         "(possible now: %(allowed)s).", **values),
            "publish_online": _("%(reference)s is “%(status)s”, so it cannot be published online first now "
                                "(possible now: %(allowed)s).", **values),
        }[spec.name]
    return {
        "submit": _("%(reference)s is “%(status)s”, so it cannot be submitted now.", **values),
        "resubmit": _("%(reference)s is “%(status)s”, so it cannot be resubmitted now.", **values),
        "withdraw": _("%(reference)s is “%(status)s”, so it cannot be withdrawn now.", **values),
        "desk_reject": _("%(reference)s is “%(status)s”, so it cannot be rejected now.", **values),
        "send_to_review": _("%(reference)s is “%(status)s”, so it cannot be sent to review now.", **values),
        "decide": _("%(reference)s is “%(status)s”, so it cannot be decided now.", **values),
        "schedule": _("%(reference)s is “%(status)s”, so it cannot be scheduled now.", **values),
        "publish": _("%(reference)s is “%(status)s”, so it cannot be published now.", **values),
        "publish_online": _("%(reference)s is “%(status)s”, so it cannot be published online first now.", **values),
    }[spec.name]


def _may_not(spec: Transition, **values) -> str:
    return {
        "submit": _("You may not submit %(reference)s.", **values),
        "resubmit": _("You may not submit the revision %(reference)s.", **values),
        "withdraw": _("You may not withdraw %(reference)s.", **values),
        "desk_reject": _("You may not reject without review %(reference)s.", **values),
        "send_to_review": _("You may not send to review %(reference)s.", **values),
        "decide": _("You may not decide %(reference)s.", **values),
        "schedule": _("You may not schedule into an issue %(reference)s.", **values),
        "publish": _("You may not publish %(reference)s.", **values),
        "publish_online": _("You may not publish online first %(reference)s.", **values),
    }[spec.name]
