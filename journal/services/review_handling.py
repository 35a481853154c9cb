"""What the editor does with submitted reviews: sharing them with the authors, returning one to its reviewer,
correcting the comments the authors get (and reverting the correction), and rating the review privately."""

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from journal.audit import audit, excerpt
from journal.mail import external_url, queue_mail
from journal.models import AssignmentStatus, Review, ReviewAssignment, SubmissionStatus, User, utcnow
from journal.services.errors import DomainError
from journal.services.invitations import as_deadline, check_decides
from journal.services.unit import transactional


A = AssignmentStatus


# What the authors get of a round's reviews is settled by its decision: the letter is drafted from the shared
# reviews (the corrected text where there is one). So sharing, correcting and returning are open only while the
# round is under review; ratings, which the authors never see, may be given and changed at any time.

RETURN_MIN_DAYS = 7
RATINGS = {1: _l("1 – poor"), 2: _l("2 – fair"), 3: _l("3 – good"), 4: _l("4 – very good"), 5: _l("5 – excellent")}


def _submitted_review(actor: User, assignment: ReviewAssignment) -> Review:
    check_decides(actor, assignment.submission)
    if assignment.status is not A.SUBMITTED or assignment.review is None or not assignment.review.is_submitted:
        raise DomainError(_("%(reviewer)s has no submitted review (the assignment is “%(status)s”).",
                            reviewer=assignment.label, status=assignment.status.label.lower()))
    return assignment.review


def round_is_open(assignment: ReviewAssignment) -> bool:
    """The assignment's round is the paper's current one and still under review (not decided, not withdrawn)."""
    submission = assignment.submission
    return submission.status is SubmissionStatus.UNDER_REVIEW and assignment.round.number == submission.current_round


def _check_round_open(assignment: ReviewAssignment) -> None:
    if not round_is_open(assignment):
        submission = assignment.submission
        raise DomainError(_("Round %(round)s of %(reference)s is no longer under review (%(status)s): what the "
                            "authors were sent of its reviews stays as it was.", round=assignment.round.number,
                            reference=submission.display_reference, status=submission.status.label.lower()))


@transactional
def set_shared_with_authors(actor: User, assignment: ReviewAssignment, shared: bool) -> Review:
    """The editor chooses whether the authors get this review's comments (confidential comments never)."""
    review = _submitted_review(actor, assignment)
    _check_round_open(assignment)
    shared = bool(shared)
    if review.shared_with_authors == shared:
        raise DomainError(_("%(reviewer)s's comments are already shared with the authors.", reviewer=assignment.label)
                          if shared else _("%(reviewer)s's comments are not shared with the authors.",
                                           reviewer=assignment.label))
    review.shared_with_authors = shared
    audit(actor, "review.shared" if shared else "review.unshared", assignment.submission, reviewer=assignment.label,
          round=assignment.round.number)
    return review


@transactional
def return_review(actor: User, assignment: ReviewAssignment, request: str) -> ReviewAssignment:
    """A submitted review goes back to its reviewer with the editor's request; they edit it and submit again.

    The due date is kept, or moved to at least a week from now. Until it is resubmitted the review does not count
    for the decision. An editor's correction of the old text is dropped: the reviewer rewrites it."""
    review = _submitted_review(actor, assignment)
    _check_round_open(assignment)
    request = (request or "").replace("\r\n", "\n").strip()
    if len(request) < 10:
        raise DomainError(_("Tell the reviewer what to change (at least a sentence)."), "request")
    if len(request) > 10_000:
        raise DomainError(_("Keep the request under 10,000 characters."), "request")
    now = utcnow()
    previous_due = assignment.due_at
    assignment.due_at = max(assignment.due_at, as_deadline((now + timedelta(days=RETURN_MIN_DAYS)).date()))
    assignment.status = A.ACCEPTED
    assignment.completed_at = None
    assignment.returned_at = now
    assignment.return_request = request
    review.submitted_at = None
    dropped = review.corrected_comments is not None
    review.corrected_comments, review.corrected_by_id, review.corrected_at = None, None, None
    submission = assignment.submission
    audit(actor, "review.returned", submission, reviewer=assignment.label, round=assignment.round.number,
          request=excerpt(request), due=assignment.due_at.date().isoformat(),
          **({"previous_due": previous_due.date().isoformat()} if previous_due != assignment.due_at else {}),
          **({"correction": "dropped"} if dropped else {}))
    queue_mail(assignment.reviewer or assignment.invitee_email, "review_returned",
               subject=_l('Please revise your review for %(journal)s', journal=submission.journal.title),
               related=submission,
               submission=submission, journal=submission.journal, assignment=assignment,
               name=assignment.reviewer_name, request=request,
               link=external_url("review.assignment", assignment_id=assignment.id))
    return assignment


def _same_text(a: str, b: str) -> bool:
    """Equal but for line endings and surrounding space (a browser sends CRLF)."""
    return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()


@transactional
def correct_review(actor: User, assignment: ReviewAssignment, text: str) -> Review:
    """The editor corrects the comments the authors will get (a slip, a signature, an unkind phrase).

    The reviewer's original stays as it was, shown to the editors beside the correction; the history records who
    corrected and how much, not the text. The original text again clears the correction."""
    review = _submitted_review(actor, assignment)
    _check_round_open(assignment)
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise DomainError(_("The corrected text cannot be empty. To keep this review from the authors, stop sharing "
                            "it instead."), "text")
    if len(text) > 100_000:
        raise DomainError(_("Keep the text under 100,000 characters."), "text")
    if _same_text(text, review.comments_to_authors):
        if review.corrected_comments is None:
            raise DomainError(_("This is the reviewer's text unchanged: there is nothing to correct."), "text")
        return _revert(actor, assignment, review)
    if review.corrected_comments is not None and _same_text(text, review.corrected_comments):
        raise DomainError(_("This is the corrected text already: nothing changed."), "text")
    import difflib

    before = review.comments_for_authors.replace("\r\n", "\n").strip()
    changed = sum(1 for line in difflib.ndiff(before.splitlines(), text.splitlines()) if line[:1] in "+-")
    review.corrected_comments = text
    review.corrected_by = actor
    review.corrected_at = utcnow()
    audit(actor, "review.corrected", assignment.submission, reviewer=assignment.label, round=assignment.round.number,
          note=f"{changed} line{'s' if changed != 1 else ''} changed; {len(before):,} → {len(text):,} characters")
    return review


def _revert(actor: User, assignment: ReviewAssignment, review: Review) -> Review:
    review.corrected_comments, review.corrected_by_id, review.corrected_at = None, None, None
    audit(actor, "review.correction_reverted", assignment.submission, reviewer=assignment.label,
          round=assignment.round.number)
    return review


@transactional
def revert_correction(actor: User, assignment: ReviewAssignment) -> Review:
    """The authors get the reviewer's original text again."""
    review = _submitted_review(actor, assignment)
    _check_round_open(assignment)
    if review.corrected_comments is None:
        raise DomainError(_("%(reviewer)s's text is not corrected; the authors get the reviewer's original.",
                            reviewer=assignment.label))
    return _revert(actor, assignment, review)


def _rating(value, field: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(_("Ratings are whole numbers from 1 to 5."), field) from None
    if not 1 <= number <= 5:
        raise DomainError(_("Ratings are whole numbers from 1 to 5."), field)
    return number


@transactional
def rate_review(actor: User, assignment: ReviewAssignment, timeliness: int, quality: int) -> ReviewAssignment:
    """The editor's private rating of a submitted review, for later reviewer searches; it can be changed.

    Neither the reviewer nor the authors ever see it."""
    _submitted_review(actor, assignment)
    timeliness, quality = _rating(timeliness, "timeliness"), _rating(quality, "quality")
    previous = (assignment.rating_timeliness, assignment.rating_quality)
    if previous == (timeliness, quality):
        raise DomainError(_("%(reviewer)s's review has this rating already.", reviewer=assignment.label))
    assignment.rating_timeliness, assignment.rating_quality = timeliness, quality
    assignment.rated_by = actor
    assignment.rated_at = utcnow()
    audit(actor, "review.rated", assignment.submission, reviewer=assignment.label, timeliness=timeliness,
          quality=quality, **({"previous": f"{previous[0]}/{previous[1]}"} if previous[0] is not None else {}))
    return assignment
