"""A submission as the author sends it: loading it and its rules (who may change it, which round a file belongs
to, what is still missing), submitting, resubmitting a revision, withdrawing, and what the author sees of it.

The wizard's steps are in drafts.py, the author list in contributors.py, the author's files in manuscripts.py.
"""

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from journal import pdf
from journal import orcid
from journal.audit import audit
from journal.extensions import db
from journal.mail import external_url, queue_mail
from journal.models import (CompileStatus, Contributor, FileKind, Journal, LatexCompile, ReferenceCounter, ReviewMode,
                            ReviewRound, Submission, SubmissionFile, SubmissionStatus, User, utcnow)
from journal.permissions import can
from journal.services.errors import DomainError, NotFound, PermissionDenied
from journal.services.handlers import managing_editors_of, managing_editors_to_tell
from journal.services.scheduled_runs import long_date
from journal.services.unit import transactional
from journal.workflow import check_version, transition


S = SubmissionStatus
ANONYMIZING_MODES = {ReviewMode.DOUBLE_ANONYMOUS, ReviewMode.TRIPLE_ANONYMOUS}
EDITABLE = {S.DRAFT, S.REVISION_REQUESTED}


@dataclass(frozen=True)
class Missing:
    step: str
    message: str


# --- loading and rules ------------------------------------------------------------------------

def get_submission(submission_id: int) -> Submission:
    submission = db.session.scalar(
        select(Submission).where(Submission.id == submission_id)
        .options(selectinload(Submission.contributors), selectinload(Submission.files),
                 selectinload(Submission.journal), selectinload(Submission.section))
    )
    if submission is None:
        raise NotFound(_("There is no such submission."))
    return submission


def require_author(actor: User, submission: Submission, *, editable: bool = True) -> None:
    if not can(actor, "submission.author", submission):
        raise PermissionDenied(_("Only the submitting author changes this submission."))
    if editable and submission.status not in EDITABLE:
        raise DomainError(_("%(reference)s is “%(status)s”; it can no longer be changed.",
                            reference=submission.display_reference, status=submission.status.label))


def require_draft(actor: User, submission: Submission) -> None:
    require_author(actor, submission)
    if submission.status is not S.DRAFT:
        raise DomainError(_("The authors and the journal section can be changed only before the first submission."))


def upload_round(submission: Submission) -> int:
    """Files uploaded now belong to round 1 for a draft, to the next round for a revision."""
    return submission.current_round + 1 if submission.status is S.REVISION_REQUESTED else 1


def manuscript_of(submission: Submission, round_number: int | None = None) -> SubmissionFile | None:
    round_number = upload_round(submission) if round_number is None else round_number
    files = [f for f in submission.files if f.kind is FileKind.MANUSCRIPT and f.round == round_number]
    return files[-1] if files else None


def unfinished_compile(submission: Submission) -> LatexCompile | None:
    """The round's last LaTeX source when it has not made its PDF yet (main file to choose, queued or compiling)."""
    if submission.id is None:
        return None
    last = db.session.scalars(select(LatexCompile).where(LatexCompile.submission_id == submission.id,
                                                         LatexCompile.round == upload_round(submission))
                              .order_by(LatexCompile.id.desc()).limit(1)).first()
    waiting = (CompileStatus.CHOOSING, CompileStatus.QUEUED, CompileStatus.RUNNING)
    return last if last is not None and last.status in waiting else None


def reviewer_copy_of(submission: Submission, round_number: int) -> SubmissionFile | None:
    """The file reviewers download for a round: the anonymized copy where the journal anonymizes."""
    manuscript = manuscript_of(submission, round_number)
    if manuscript is None:
        return None
    copies = [f for f in submission.files if f.kind is FileKind.ANONYMIZED_MANUSCRIPT and f.derived_from_id == manuscript.id]
    return copies[-1] if copies else manuscript


def supplements_of(submission: Submission, round_number: int | None = None) -> list[SubmissionFile]:
    round_number = upload_round(submission) if round_number is None else round_number
    return [f for f in submission.files if f.kind is FileKind.SUPPLEMENT and f.round <= round_number]


def names_reaching_reviewers(file: SubmissionFile | None) -> list:
    """The names the PDF check found in places the reviewers' copy keeps: not the document properties, which it
    drops (journal/pdf.py make_reviewer_copy)."""
    found = ((file.pdf_report or {}).get("found") or []) if file is not None else []
    return [hit for hit in found if pdf.place_parts(hit[1])[0] != "properties"]


def needs_anonymity_decision(submission: Submission) -> bool:
    """The author must confirm (or upload a cleaned file) only for names that would reach the reviewers."""
    manuscript = manuscript_of(submission)
    return bool(
        submission.journal.review_mode in ANONYMIZING_MODES and names_reaching_reviewers(manuscript)
        and submission.anonymity_confirmed_at is None
    )


def missing_items(submission: Submission) -> list[Missing]:
    """Everything that stops this submission from being submitted, by wizard step."""
    missing: list[Missing] = []
    journal = submission.journal
    revising = submission.status is S.REVISION_REQUESTED
    if not revising:
        if submission.section is None or not submission.section.active:
            missing.append(Missing("start", _("Choose the section (article type).")))
        if journal.submission_checklist and submission.checklist_confirmed_at is None:
            missing.append(Missing("start", _("Confirm every statement of the submission checklist.")))
    if not submission.title.strip():
        missing.append(Missing("metadata", _("Give the title.")))
    if len(submission.abstract.strip()) < 50:
        missing.append(Missing("metadata", _("Give the abstract (at least 50 characters).")))
    if not submission.keywords:
        missing.append(Missing("metadata", _("Give at least one keyword.")))
    if not submission.contributors:
        missing.append(Missing("metadata", _("List the authors.")))
    elif sum(1 for c in submission.contributors if c.is_corresponding) != 1:
        missing.append(Missing("metadata", _("Mark exactly one author as the corresponding author.")))
    pending = unfinished_compile(submission)
    if pending is not None:
        # An earlier PDF of the round would otherwise be sent while the source the author sent last is compiling.
        missing.append(Missing("files", _("Choose the main file of your LaTeX source.")
                               if pending.status is CompileStatus.CHOOSING else
                               _("Wait until your LaTeX source is compiled: its PDF becomes the manuscript.")))
    elif manuscript_of(submission) is None:
        missing.append(Missing("files", _("Upload the revised manuscript (PDF).") if revising else
                               _("Upload the manuscript (PDF).")))
    elif needs_anonymity_decision(submission):
        missing.append(Missing("files", _("Upload a manuscript without the authors' names, or confirm that the "
                                          "names found may stay.")))
    if not revising:
        if not submission.competing_interests.strip():
            missing.append(Missing("declarations", _("Declare competing interests (write “None” if there are none).")))
        if not submission.funding.strip():
            missing.append(Missing("declarations", _("Declare the funding (write “None” if there was none).")))
        if not submission.data_availability.strip():
            missing.append(Missing("declarations", _("Give the data availability statement.")))
    if not submission.submitter.email_verified:
        missing.append(Missing("review", _("Confirm your email address with the link we sent you.")))
    return missing


def neutral_name(submission: Submission, round_number: int) -> str:
    base = submission.reference or f"{submission.journal.reference_prefix}-draft-{submission.id}"
    return f"{base}-v{round_number}.pdf"


# --- submitting, revising, withdrawing ---------------------------------------------------------------

def _next_reference(journal: Journal) -> str:
    year = utcnow().year
    bump = (update(ReferenceCounter)
            .where(ReferenceCounter.journal_id == journal.id, ReferenceCounter.year == year)
            .values(last_number=ReferenceCounter.last_number + 1)
            .returning(ReferenceCounter.last_number))
    number = db.session.execute(bump).scalar()
    if number is None:
        try:
            with db.session.begin_nested():
                db.session.add(ReferenceCounter(journal_id=journal.id, year=year, last_number=1))
            number = 1
        except IntegrityError:  # another submission created this year's counter at the same moment
            number = db.session.execute(bump).scalar()
    return f"{journal.reference_prefix}-{year}-{number:04d}"


def _link_contributor_accounts(submission: Submission) -> None:
    emails = {c.email for c in submission.contributors if c.user_id is None}
    if not emails:
        return
    users = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
    for contributor in submission.contributors:
        if contributor.user_id is None and contributor.email in users:
            contributor.user = users[contributor.email]


# The link mailed to each listed co-author on submitting; contributors.object_to_listing reads it back.
def objection_token(contributor: Contributor) -> str:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="journal.contributor-objection").dumps(
        {"c": contributor.id, "e": contributor.email})


def contributor_for_token(token: str) -> Contributor:
    try:
        data = URLSafeSerializer(current_app.config["SECRET_KEY"], salt="journal.contributor-objection").loads(token)
    except BadSignature:
        raise NotFound(_("This link is not valid.")) from None
    contributor = db.session.get(Contributor, data["c"])
    if contributor is None or contributor.email != data["e"]:
        raise NotFound(_("This link is no longer valid: the author list has changed."))
    return contributor


@transactional
def submit(actor: User, submission: Submission, *, expected_version: int | None = None) -> None:
    """Draft → submitted: a reference number, round 1, and the mails that acknowledge it."""
    require_author(actor, submission, editable=False)
    check_version(submission, expected_version)
    missing = missing_items(submission)
    if missing:
        raise DomainError(_("The submission is not complete yet: %(missing)s",
                            missing=" ".join(m.message for m in missing)))
    submission.reference = _next_reference(submission.journal)
    submission.current_round = 1
    submission.rounds.append(ReviewRound(number=1))
    _link_contributor_accounts(submission)
    for file in submission.files:
        if file.kind is FileKind.ANONYMIZED_MANUSCRIPT:
            file.original_name = neutral_name(submission, file.round)
    transition(actor, submission, "submit", reference=submission.reference)
    link = external_url("author.submission", submission_id=submission.id)
    queue_mail(actor, "submission_received",
               subject=_l('%(reference)s received: %(title)s', reference=submission.reference, title=submission.title),
               related=submission, submission=submission, link=link)
    for contributor in submission.contributors:
        if contributor.email == actor.email:
            continue
        queue_mail(contributor.email, "coauthor_listed",
                   subject=_l('You are listed as an author of %(reference)s', reference=submission.reference),
                   related=submission, language=contributor.mail_language or None,
                   submission=submission, contributor=contributor,
                   object_link=external_url("author.object_to_listing", token=objection_token(contributor)),
                   orcid_link=external_url("orcid.contributor", token=objection_token(contributor))
                   if orcid.configured() else None)
    for editor in managing_editors_to_tell(submission, waiting_for="a handling editor"):
        queue_mail(editor, "new_submission", subject=_l('New submission %(reference)s', reference=submission.reference),
                   related=submission,
                   submission=submission, link=external_url("editorial.queue", slug=submission.journal.slug))


@transactional
def resubmit(actor: User, submission: Submission, *, response: str | None,
             expected_version: int | None = None) -> None:
    """Revision requested → submitted: the next round opens with the authors' response (None: the draft of it
    they kept while revising)."""
    require_author(actor, submission, editable=False)
    check_version(submission, expected_version)
    if submission.status is not S.REVISION_REQUESTED:
        transition(actor, submission, "resubmit")  # raises the clear "cannot be resubmitted now"
    if response is None:
        response = submission.response_draft or ""
    missing = missing_items(submission)
    response = (response or "").strip()
    has_letter = any(f.kind is FileKind.RESPONSE_LETTER and f.round == upload_round(submission) for f in submission.files)
    if not response and not has_letter:
        missing.append(Missing("revise", _("Write your response to the reviewers, or upload it as a file.")))
    if missing:
        raise DomainError(_("The revision is not complete yet: %(missing)s",
                            missing=" ".join(m.message for m in missing)))
    submission.current_round += 1
    submission.rounds.append(ReviewRound(number=submission.current_round, author_response=response))
    submission.response_draft = ""
    transition(actor, submission, "resubmit", round=submission.current_round)
    queue_mail(actor, "revision_received",
               subject=_l('%(reference)s: revision received (round %(round)s)', reference=submission.reference,
                           round=submission.current_round),
               related=submission, submission=submission, link=external_url("author.submission",
                                                                             submission_id=submission.id))
    editors = [submission.handling_editor] if submission.handling_editor else managing_editors_to_tell(
        submission, waiting_for="an editor to look at its revision")
    for editor in editors:
        queue_mail(editor, "revision_to_editor",
                   subject=_l('Revision of %(reference)s submitted', reference=submission.reference),
                   related=submission, submission=submission,
                   link=external_url("editorial.queue", slug=submission.journal.slug))


@transactional
def save_response_draft(actor: User, submission: Submission, *, response: str) -> None:
    """Keep the response to the reviewers being written, so that uploading a file or confirming the anonymity
    check first loses nothing; it fills the response box until the revision is submitted."""
    require_author(actor, submission, editable=False)
    if submission.status is not S.REVISION_REQUESTED:
        raise DomainError(_("%(reference)s is “%(status)s”; there is no revision to write a response for.",
                            reference=submission.display_reference, status=submission.status.label))
    response = (response or "").replace("\r\n", "\n").strip()
    if len(response) > 50_000:
        raise DomainError(_("Keep the response under 50,000 characters, or upload it as a file."), "response")
    if response != submission.response_draft:
        submission.response_draft = response
        audit(actor, "submission.response_draft_saved", submission, characters=len(response))


@transactional
def withdraw(actor: User, submission: Submission, *, reason: str, expected_version: int | None = None) -> None:
    """Before a final decision the authors may withdraw, saying why; the editors are told."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Please say why you withdraw the submission."), "reason")
    require_author(actor, submission, editable=False)
    check_version(submission, expected_version)
    submission.withdraw_reason = reason
    transition(actor, submission, "withdraw", reason=reason)
    editors = {e.id: e for e in managing_editors_of(submission)}
    if submission.handling_editor:
        editors[submission.handling_editor.id] = submission.handling_editor
    for editor in editors.values():
        queue_mail(editor, "submission_withdrawn",
                   subject=_l('%(reference)s was withdrawn', reference=submission.reference),
                   related=submission, submission=submission, reason=reason)
    _release_reviewers(submission)


def _release_reviewers(submission: Submission) -> None:
    """A withdrawn paper needs no more reviews: open invitations and reviews in progress are cancelled and the
    reviewers told (without the authors' reason, which may name them)."""
    from journal.models import AssignmentStatus, ReviewAssignment

    open_ones = db.session.scalars(select(ReviewAssignment).where(
        ReviewAssignment.submission_id == submission.id,
        ReviewAssignment.status.in_([AssignmentStatus.INVITED, AssignmentStatus.ACCEPTED]))).all()
    for assignment in open_ones:
        assignment.status = AssignmentStatus.CANCELLED
        assignment.cancelled_at = utcnow()
        audit(None, "review.cancelled", submission, reviewer=assignment.label, because="withdrawn")
        queue_mail(assignment.reviewer or assignment.invitee_email, "review_no_longer_needed",
                   subject=_l('%(reference)s: your review is no longer needed', reference=submission.reference),
                   related=submission,
                   submission=submission, assignment=assignment, withdrawn=True)


# --- what the author sees ---------------------------------------------------------------------------

AUTHOR_VISIBLE_ACTIONS = {
    "submission.created": _l("Draft started"),
    "submission.submit": _l("Submitted"),
    "submission.resubmit": _l("Revision submitted"),
    "submission.withdraw": _l("Withdrawn"),
    "submission.desk_reject": _l("Rejected without review"),
    "submission.send_to_review": _l("Sent to peer review"),
    "submission.decide": _l("Decision"),
    "submission.schedule": _l("Scheduled for publication"),
    "submission.publish": _l("Published"),
    "contributor.objected": _l("A listed author objected"),
    "submission.review_publication_consent": _l("The authors' agreement to publish the peer review changed"),
    # The conversation with the editors; never the reviewers' (journal/services/conversations.py).
    "message.from_authors": _l("Message from the authors to the editors"),
    "message.to_authors": _l("Message from the editors to the authors"),
}


def author_history(submission: Submission) -> list[dict]:
    """The events an author may see, with editors shown as 'Editorial office' (no names, no private notes)."""
    from journal.audit import history

    rows = []
    for event in history(submission):
        label = AUTHOR_VISIBLE_ACTIONS.get(event.action)
        if label is None:
            continue
        authors = {submission.submitter_id} | {c.user_id for c in submission.contributors if c.user_id}
        who = event.actor.full_name if event.actor_id in authors and event.actor else _("Editorial office")
        if event.action == "contributor.objected":
            who = event.payload.get("name", "")
        rows.append({"when": event.created_at, "what": str(label), "who": who,
                     "to": SubmissionStatus(event.payload["to"]).label if "to" in event.payload else None})
    return rows


def next_step_for_author(submission: Submission) -> str:
    """What is expected of the author now, in plain words."""
    if submission.status is S.REVISION_REQUESTED and submission.revision_due_at is not None:
        return _("Revise the paper and submit the revision with your response to the reviewers by %(date)s.",
                 date=long_date(submission.revision_due_at))
    return {
        S.DRAFT: _("Finish the submission and submit it."),
        S.SUBMITTED: _("Nothing for now: the editors are looking at your submission."),
        S.UNDER_REVIEW: _("Nothing for now: your paper is with the reviewers."),
        S.REVISION_REQUESTED: _("Revise the paper and submit the revision with your response to the reviewers."),
        S.ACCEPTED: _("Nothing for now: the paper is accepted and goes into production."),
        S.SCHEDULED: _("Nothing for now: the paper is scheduled for an issue."),
        S.PUBLISHED: _("Nothing: the paper is published."),
        S.REJECTED: _("Nothing: the journal has declined the paper."),
        S.WITHDRAWN: _("Nothing: you withdrew the paper."),
    }[submission.status]


def authored_by(user: User):
    """The papers a person is an author of (a condition on Submission): submitted by them, or listing them as a
    co-author linked to their account; what `submission.contributor` allows, for lists."""
    contributed = select(Contributor.submission_id).where(Contributor.user_id == user.id)
    return or_(Submission.submitter_id == user.id, Submission.id.in_(contributed))


def submissions_of_author(user: User) -> list[Submission]:
    return list(db.session.scalars(
        select(Submission)
        .where(authored_by(user))
        .options(selectinload(Submission.journal), selectinload(Submission.article),
                 selectinload(Submission.contributors))
        .order_by(Submission.updated_at.desc())
    ))


def revisions_requested_of(user: User) -> list[Submission]:
    """The papers waiting for this person's revision (they submitted them), soonest due first, each with its
    `revision_due_at` (None for a revision requested without a due date): for the person's home page."""
    return list(db.session.scalars(
        select(Submission)
        .where(Submission.submitter_id == user.id, Submission.status == S.REVISION_REQUESTED)
        .options(selectinload(Submission.journal))
        .order_by(Submission.revision_due_at.is_(None), Submission.revision_due_at, Submission.id)
    ))
