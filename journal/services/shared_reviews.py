"""What each side sees of the reviews: the reviewer's attachment while drafting, and after the editors' decision
the reviews shared with the authors (and, where the journal allows it, with the round's other reviewers).

The authors read reviews under labels of their own, gap-free: Reviewer 1, 2, … among the reviewers whose reviews
they are shown (authors_numbers), whatever the editors' number (ReviewAssignment.label_number, fixed at invitation,
so a declined or withheld review leaves gaps there). The author's page, the decision letter and the other
reviewers after the decision all read these labels.

Nothing here hands out a confidential comment. A reviewer is named beside a review only in open journals, after
the decision, and only where they agreed (Review.consent_to_name); otherwise the label ("Reviewer 2") stands alone.
A review attachment is found by (round, uploader): see add_review_attachment in
journal/services/review_attachments.py.
An attachment in which the PDF check found its reviewer's name or address goes to nobody but the editors until the
reviewer, shown what was found and where, confirms that it may (SubmissionFile.names_confirmed_at).
"""

import logging
import os
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from journal import pdf
from journal.audit import audit
from journal.extensions import db
from journal.models import (AssignmentStatus, Decision, FileKind, ReviewAssignment, ReviewMode, Submission,
                            SubmissionFile, utcnow)
from journal.services.errors import DomainError, NotFound
from journal.services.review_assignments import assignments_of, check_reviewer
from journal.services.unit import transactional
from journal.storage import StorageError, get_storage

A = AssignmentStatus
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SharedReview:
    """One review as the authors (or the other reviewers) read it."""

    comments: str
    attachment: SubmissionFile | None
    # Open journals, after the decision, with the reviewer's consent; None otherwise.
    reviewer_name: str | None
    assignment_id: int
    number: int  # the authors' number (authors_numbers)

    @property
    def label(self) -> str:
        """ "Reviewer 1" in the language of the moment it is read (a letter is written in the authors')."""
        return _("Reviewer %(number)s", number=self.number)

    @property
    def attachment_name(self) -> str:
        """The attachment's neutral name under the authors' number ("Reviewer 1 – attachment.pdf", in English as
        stored names are), not the stored one, which carries the editors' number."""
        if self.attachment is None:
            return ""
        return f"Reviewer {self.number} – attachment{os.path.splitext(self.attachment.original_name)[1]}"


def _attachments(submission: Submission) -> dict[tuple[int, int | None], SubmissionFile]:
    """The newest review attachment per (round, uploader)."""
    files = db.session.scalars(select(SubmissionFile).where(
        SubmissionFile.submission_id == submission.id, SubmissionFile.kind == FileKind.REVIEW_ATTACHMENT
    ).order_by(SubmissionFile.id))
    return {(f.round, f.uploaded_by_id): f for f in files}


def attachment_of(assignment: ReviewAssignment) -> SubmissionFile | None:
    if assignment.reviewer_id is None:
        return None
    return _attachments(assignment.submission).get((assignment.round.number, assignment.reviewer_id))


@transactional
def remove_review_attachment(actor, assignment: ReviewAssignment) -> None:
    """The reviewer takes the attachment off the draft review (never off a submitted one)."""
    check_reviewer(actor, assignment)
    file = attachment_of(assignment)
    if file is None:
        raise DomainError(_("There is no attachment to remove."), "attachment")
    key = file.storage_key
    audit(actor, "review.attachment_removed", assignment.submission, reviewer=assignment.label,
          round=assignment.round.number)
    db.session.delete(file)
    db.session.commit()
    try:
        get_storage().delete(key)
    except StorageError:  # check-storage lists the orphan
        log.exception("could not delete %s after removing its row", key)


@transactional
def confirm_review_attachment(actor, assignment: ReviewAssignment, file_id: int | None) -> SubmissionFile:
    """The reviewer, shown where their attachment names them, agrees that the authors may receive it as it is.

    The confirmation holds for the file they saw (file_id), never for one that replaced it since."""
    check_reviewer(actor, assignment)
    file = attachment_of(assignment)
    if file is None:
        raise DomainError(_("There is no attachment to confirm."), "attachment")
    if file.id != file_id:
        raise DomainError(_("The attachment changed since this page was shown: read what was found in it, then "
                            "confirm again."), "share_attachment")
    if file.withheld_for_names:
        file.names_confirmed_at = utcnow()
        # Where, not what: the history names no reviewer.
        audit(actor, "review.attachment_names_confirmed", assignment.submission, reviewer=assignment.label,
              round=assignment.round.number, found=[f"{_what(term)} ({where})" for term, where in file.names_found])
    return file


def _what(term: str) -> str:
    return "address" if "@" in term else "name"


def _place(where: str) -> str:
    """ "page 2" → "on page 2"; "page 2 (comment or link)" → "in a comment or link on page 2" (in the reader's
    language; `where` is stored as the PDF check reports it, in English)."""
    kind, number = pdf.place_parts(where)
    return {"comment": lambda: _("in a comment or link on page %(number)s", number=number),
            "page": lambda: _("on page %(number)s", number=number),
            "line": lambda: _("on line %(number)s", number=number),
            "properties": lambda: _("in the document properties")}.get(kind, lambda: f"in the {where}")()


def _places(file: SubmissionFile) -> list[tuple[str, str]]:
    """(term, "on page 2 and in the document properties") per name or address found, in the order found."""
    grouped: dict[str, list[str]] = {}
    for term, where in file.names_found:
        grouped.setdefault(term, []).append(_place(where))
    return [(term, places[0] if len(places) == 1 else _("%(places)s and %(last)s", places=", ".join(places[:-1]),
                                                       last=places[-1]))
            for term, places in grouped.items()]


def findings_for_reviewer(file: SubmissionFile | None) -> list[str]:
    """Where the reviewer's attachment names them, in their words: "your name (Rosa Lindqvist) on page 2"."""
    if file is None:
        return []
    return [_("your name (%(term)s) %(where)s", term=term, where=where) if _what(term) == "name"
            else _("your address (%(term)s) %(where)s", term=term, where=where) for term, where in _places(file)]


def findings_for_editors(files: list[SubmissionFile]) -> dict[int, str]:
    """Per review attachment naming its reviewer: "Rosa Lindqvist's name found on page 2; the reviewer confirmed it
    may be shared" (editors know who reviews; this is never shown to the authors)."""
    described = {}
    for file in files:
        if file.kind is not FileKind.REVIEW_ATTACHMENT or not file.names_found:
            continue
        owner = file.uploaded_by.full_name if file.uploaded_by is not None else None
        parts = [_("%(term)s's name found %(where)s", term=term, where=where) if _what(term) == "name"
                 else _("%(owner)s's address %(term)s found %(where)s", owner=owner, term=term, where=where) if owner
                 else _("the reviewer's address %(term)s found %(where)s", term=term, where=where)
                 for term, where in _places(file)]
        parts.append(_("the reviewer confirmed it may be shared") if file.names_confirmed_at is not None
                     else _("the reviewer has not confirmed it may be shared, so the authors do not get it"))
        text = "; ".join(parts)
        described[file.id] = text[0].upper() + text[1:]
    return described


def decisions_by_round(submission: Submission) -> dict[int, Decision]:
    """The decision on each round (the last one, should there be more)."""
    return {d.round: d for d in sorted(submission.decisions, key=lambda d: d.id)}


def _named(assignment: ReviewAssignment) -> str | None:
    if assignment.submission.journal.review_mode is ReviewMode.OPEN and assignment.review.consent_to_name \
            and assignment.reviewer is not None:
        return assignment.reviewer.full_name
    return None


def _shareable(attachments: dict, assignment: ReviewAssignment) -> SubmissionFile | None:
    """The review's attachment, unless it names its reviewer and they have not confirmed that it may be shared."""
    file = attachments.get((assignment.round.number, assignment.reviewer_id)) if assignment.reviewer_id else None
    return None if file is None or file.withheld_for_names else file


def _is_shared(assignment: ReviewAssignment) -> bool:
    return (assignment.status is A.SUBMITTED and assignment.review is not None and assignment.review.is_submitted
            and assignment.review.shared_with_authors)


def shown_to_authors(assignment: ReviewAssignment) -> bool:
    """A submitted review the editor shares with the authors (once its round is decided)."""
    return _is_shared(assignment)


def authors_numbers(submission: Submission, *, letter_round: int | None = None) -> dict[int, int]:
    """The editors' number (label_number) → the number the authors read. Counted over the reviews the authors are
    shown: those shared in decided rounds, and in `letter_round` those its decision letter carries. Numbered 1, 2,
    … in the order the authors first read them (by round, then the editors' number), so a reviewer keeps their
    number in later rounds and nobody declined, withheld or cancelled leaves a gap."""
    rounds = set(decisions_by_round(submission)) | ({letter_round} if letter_round else set())
    numbers: dict[int, int] = {}
    for assignment in sorted(assignments_of(submission), key=lambda a: (a.round.number, a.label_number)):
        if assignment.round.number in rounds and _is_shared(assignment) and assignment.label_number not in numbers:
            numbers[assignment.label_number] = len(numbers) + 1
    return numbers


def _shared(assignments: list[ReviewAssignment], attachments: dict, numbers: dict[int, int]) -> list[SharedReview]:
    """The submitted reviews the editor shares with the authors, under the authors' labels, in their order."""
    shared = sorted((a for a in assignments if _is_shared(a) and a.label_number in numbers),
                    key=lambda a: numbers[a.label_number])
    return [SharedReview(comments=a.review.comments_for_authors, attachment=_shareable(attachments, a),
                         reviewer_name=_named(a), assignment_id=a.id, number=numbers[a.label_number])
            for a in shared]


def reviews_for_authors(submission: Submission) -> list[tuple[int, Decision, list[SharedReview]]]:
    """Per decided round, newest first: the decision and the reviews shared with the authors.

    A round's reviews reach the authors only once the round is decided."""
    decided = decisions_by_round(submission)
    if not decided:
        return []
    by_round: dict[int, list[ReviewAssignment]] = {}
    for assignment in assignments_of(submission):
        by_round.setdefault(assignment.round.number, []).append(assignment)
    attachments, numbers = _attachments(submission), authors_numbers(submission)
    return [(number, decided[number], _shared(by_round.get(number, []), attachments, numbers))
            for number in sorted(decided, reverse=True)]


def reviews_for_letter(submission: Submission, round_number: int | None = None) -> list[SharedReview]:
    """The reviews a decision letter on the round (the current one by default) carries: those shared with the
    authors, under the labels the authors will read on their page once it is decided."""
    number = submission.current_round if round_number is None else round_number
    round_assignments = [a for a in assignments_of(submission) if a.round.number == number]
    return _shared(round_assignments, _attachments(submission), authors_numbers(submission, letter_round=number))


def shared_attachment(submission: Submission, file_id: int) -> tuple[SubmissionFile, str]:
    """A review attachment the authors may download (of a submitted, shared review in a decided round), with the
    name they read it under."""
    for _number, _decision, reviews in reviews_for_authors(submission):
        for review in reviews:
            if review.attachment is not None and review.attachment.id == file_id:
                return review.attachment, review.attachment_name
    raise NotFound(_("There is no such file."))


@dataclass(frozen=True)
class AfterDecision:
    """What a reviewer sees once their round is decided."""

    decision: Decision
    # The round's other submitted reviews, where the journal lets reviewers read each other's; else None.
    other_reviews: list[SharedReview] | None
    # The label the authors read this reviewer's review under; None when it was not shared with them.
    label_for_authors: str | None = None


def after_decision(assignment: ReviewAssignment) -> AfterDecision | None:
    """The decision on the reviewer's round and, where the journal allows it, the other reviews shared with the
    authors (their comments to the authors only, under their labels). None before the decision."""
    submission = assignment.submission
    decision = decisions_by_round(submission).get(assignment.round.number)
    if decision is None or assignment.status is not A.SUBMITTED:
        return None
    numbers = authors_numbers(submission)
    own = (_("Reviewer %(number)s", number=numbers[assignment.label_number])
           if _is_shared(assignment) and assignment.label_number in numbers else None)
    if not submission.journal.reviewers_see_reviews:
        return AfterDecision(decision=decision, other_reviews=None, label_for_authors=own)
    others = [a for a in assignments_of(submission)
              if a.round_id == assignment.round_id and a.id != assignment.id]
    return AfterDecision(decision=decision, other_reviews=_shared(others, _attachments(submission), numbers),
                         label_for_authors=own)


def attachment_for_reviewer(assignment: ReviewAssignment, file_id: int) -> tuple[SubmissionFile, str]:
    """The reviewer's own attachment, or after the decision another shared review's attachment of the round (under
    the name the authors read it under), with the name to download it as."""
    own = attachment_of(assignment)
    if own is not None and own.id == file_id:
        return own, own.original_name
    seen = after_decision(assignment)
    for review in (seen.other_reviews or []) if seen else []:
        if review.attachment is not None and review.attachment.id == file_id:
            return review.attachment, review.attachment_name
    raise NotFound(_("There is no such file."))


def decisions_for(assignments: list[ReviewAssignment]) -> dict[tuple[int, int], Decision]:
    """The decision on each assignment's round, keyed by (submission id, round number), in one query."""
    submission_ids = {a.submission_id for a in assignments}
    if not submission_ids:
        return {}
    decisions = db.session.scalars(select(Decision).where(Decision.submission_id.in_(submission_ids))
                                   .order_by(Decision.id))
    return {(d.submission_id, d.round): d for d in decisions}
