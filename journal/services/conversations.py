"""Conversations on a paper: the editors with its authors, and the editors with each reviewer, one thread each.

Never a thread between authors and reviewers. A thread is (submission, assignment): no assignment for the authors'
thread. Who is on which side is `side_of`; the names each side reads are `messages_of` (the authors are "The
authors" to an editor who may not know them, `submission.see_authors`). A message may carry one file, checked like
a review attachment (PDF copied without its document properties, or UTF-8 text) and stored under a neutral name.
Each post is audited on the submission (its history) and mailed to the other side with a link to the thread.
"""

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePath
from types import SimpleNamespace

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from journal import pdf
from journal.audit import audit
from journal.extensions import db
from journal.mail import external_url, queue_mail
from journal.models import (AssignmentStatus, Contributor, Membership, Message, MessageRead, ReviewAssignment,
                            ReviewMode, Role, Submission, SubmissionStatus, User)
from journal.permissions import can, contributor_condition, is_contributor
from journal.services.errors import DomainError, NotFound
from journal.services.files import StagedObjects
from journal.services.handlers import managing_editors_of
from journal.services.review_attachments import REVIEW_ATTACHMENT_MAX_PAGES, REVIEW_ATTACHMENT_TYPES, names_in_text
from journal.services.uploads import file_limit, pdf_limits, pdf_slots, spool

EDITORS, AUTHORS, REVIEWER = "editors", "authors", "reviewer"
MESSAGE_MAX = 20_000
# A reviewer's thread is open while the reviewer has the paper in hand or has reviewed it.
THREAD_STATUSES = (AssignmentStatus.ACCEPTED, AssignmentStatus.SUBMITTED)
ACTIONS = {(None, EDITORS): "message.to_authors", (None, AUTHORS): "message.from_authors",
           (REVIEWER, EDITORS): "message.to_reviewer", (REVIEWER, REVIEWER): "message.from_reviewer"}


def thread_key(assignment: ReviewAssignment | None) -> int:
    return assignment.id if assignment is not None else 0


def side_of(user, submission: Submission, assignment: ReviewAssignment | None = None) -> str | None:
    """The side this person is on in the thread, or None when it is not theirs to read."""
    if submission.status is SubmissionStatus.DRAFT:
        return None
    if assignment is not None:
        if assignment.submission_id != submission.id or assignment.status not in THREAD_STATUSES:
            return None
        if can(user, "submission.editorial", submission):
            return EDITORS
        return REVIEWER if can(user, "assignment.review", assignment) else None
    if can(user, "submission.editorial", submission):
        return EDITORS
    return AUTHORS if can(user, "submission.contributor", submission) else None


def _check_side(user, submission, assignment) -> str:
    side = side_of(user, submission, assignment)
    if side is None:
        raise NotFound(_("There is no such conversation."))
    return side


def display_name(viewer, message: Message) -> str:
    """Who wrote the message, as this reader may know them."""
    submission = message.submission
    if message.side == AUTHORS and not can(viewer, "submission.see_authors", submission):
        return _("The authors")
    if message.author is None:
        return _("Former user")
    if message.side == REVIEWER and message.assignment is not None and message.author_id != viewer.id:
        return _("%(name)s (%(label)s)", name=message.author.full_name, label=message.assignment.display_label)
    return message.author.full_name


def messages_of(viewer, submission: Submission, assignment: ReviewAssignment | None = None) -> list:
    """The thread, oldest first, with each author's name as the reader may know it."""
    _check_side(viewer, submission, assignment)
    rows = db.session.scalars(select(Message).where(
        Message.submission_id == submission.id,
        Message.assignment_id == assignment.id if assignment else Message.assignment_id.is_(None))
        .order_by(Message.id))
    return [SimpleNamespace(id=m.id, who=display_name(viewer, m), mine=m.author_id == viewer.id, side=m.side,
                            created_at=m.created_at, body=m.body, file_name=m.file_name, has_file=bool(m.file_key))
            for m in rows]


def message_file(viewer, submission: Submission, assignment: ReviewAssignment | None, message_id: int) -> Message:
    """A message's file, for a reader of its thread only."""
    _check_side(viewer, submission, assignment)
    message = db.session.get(Message, message_id)
    if (message is None or message.submission_id != submission.id or not message.file_key
            or message.assignment_id != (assignment.id if assignment else None)):
        raise NotFound(_("There is no such file."))
    return message


def _read_marker(user, submission: Submission, assignment) -> MessageRead | None:
    return db.session.scalar(select(MessageRead).where(
        MessageRead.user_id == user.id, MessageRead.submission_id == submission.id,
        MessageRead.thread == thread_key(assignment)))


def mark_read(user, submission: Submission, assignment: ReviewAssignment | None = None) -> None:
    """The reader has seen the thread up to its newest message (opening it says so)."""
    newest = db.session.scalar(select(func.max(Message.id)).where(
        Message.submission_id == submission.id,
        Message.assignment_id == assignment.id if assignment else Message.assignment_id.is_(None))) or 0
    marker = _read_marker(user, submission, assignment)
    if marker is None:
        db.session.add(MessageRead(user_id=user.id, submission_id=submission.id, thread=thread_key(assignment),
                                   last_read_id=newest))
    elif marker.last_read_id < newest:
        marker.last_read_id = newest
    else:
        return
    db.session.commit()


def unread_count(user, submission: Submission, assignment: ReviewAssignment | None = None) -> int:
    """Messages of the other side this person has not yet seen in the thread."""
    side = side_of(user, submission, assignment)
    if side is None:
        return 0
    marker = _read_marker(user, submission, assignment)
    return db.session.scalar(select(func.count(Message.id)).where(
        Message.submission_id == submission.id,
        Message.assignment_id == assignment.id if assignment else Message.assignment_id.is_(None),
        Message.side != side, Message.id > (marker.last_read_id if marker else 0))) or 0


@dataclass(frozen=True)
class ThreadLink:
    """One thread of a paper as its page lists it."""
    label: str
    endpoint: str
    args: dict
    unread: int
    count: int


def threads_for(user, submission: Submission, assignments=()) -> list[ThreadLink]:
    """The paper's threads this person may open, with their unread counts (for the paper's page). `assignments`:
    the paper's assignments, for an editor's page."""
    links = []
    # By assignment (None: the authors' thread); grouped on the column itself, which every database accepts.
    counts = {assignment_id or 0: number for assignment_id, number in db.session.execute(
        select(Message.assignment_id, func.count(Message.id)).where(Message.submission_id == submission.id)
        .group_by(Message.assignment_id)).all()}
    side = side_of(user, submission)
    if side == EDITORS:
        links.append(ThreadLink(_("Conversation with the authors"), "editorial.author_messages",
                                {"slug": submission.journal.slug, "submission_id": submission.id},
                                unread_count(user, submission), counts.get(0, 0)))
        for assignment in assignments:
            if assignment.status in THREAD_STATUSES:
                label = _("Conversation with %(name)s (%(label)s)", name=assignment.reviewer_name,
                          label=assignment.display_label)
                links.append(ThreadLink(label, "editorial.reviewer_messages",
                                        {"slug": submission.journal.slug, "submission_id": submission.id,
                                         "assignment_id": assignment.id},
                                        unread_count(user, submission, assignment), counts.get(assignment.id, 0)))
    elif side == AUTHORS:
        links.append(ThreadLink(_("Conversation with the editors"), "author.messages",
                                {"submission_id": submission.id}, unread_count(user, submission), counts.get(0, 0)))
    return links


def reviewer_thread(user, assignment: ReviewAssignment) -> ThreadLink | None:
    """The reviewer's thread with the editors, for the review page."""
    if side_of(user, assignment.submission, assignment) != REVIEWER:
        return None
    count = db.session.scalar(select(func.count(Message.id)).where(Message.assignment_id == assignment.id)) or 0
    return ThreadLink(_("Conversation with the editors"), "review.messages", {"assignment_id": assignment.id},
                      unread_count(user, assignment.submission, assignment), count)


@dataclass(frozen=True)
class UnreadThread:
    """A thread with messages this person has not read (the home page lists them)."""
    submission: Submission
    kind: str  # "authors": the editors with the authors; "reviewer": the editors with one reviewer
    assignment_id: int | None
    unread: int
    newest_at: datetime
    endpoint: str
    args: dict


def _unread_rows(user, side_condition, scope):
    read = MessageRead
    return db.session.execute(
        select(Message.submission_id, Message.assignment_id, func.count(Message.id), func.max(Message.created_at))
        .join(Submission, Submission.id == Message.submission_id)
        .outerjoin(read, and_(read.user_id == user.id, read.submission_id == Message.submission_id,
                              read.thread == func.coalesce(Message.assignment_id, 0)))
        .where(side_condition, scope, Submission.status != SubmissionStatus.DRAFT,
               Message.id > func.coalesce(read.last_read_id, 0))
        .group_by(Message.submission_id, Message.assignment_id)).all()


def unread_threads(user) -> list[UnreadThread]:
    """Every thread with messages unread by this person, across journals and roles, newest first: as an author
    (the editors wrote), as a reviewer (the editors wrote in their assignment's thread), and as an editor on the
    papers they handle, or as a managing editor on the papers that have no handling editor yet (those to whom
    the other side's mails go)."""
    if not getattr(user, "is_authenticated", False):
        return []
    found: list[tuple] = []
    linked = or_(Submission.submitter_id == user.id,
                 Submission.id.in_(select(Contributor.submission_id).where(Contributor.user_id == user.id)))
    for sub_id, _a, count, newest in _unread_rows(user, and_(Message.side == EDITORS,
                                                             Message.assignment_id.is_(None)), linked):
        found.append((sub_id, AUTHORS, None, count, newest, "author.messages", {"submission_id": sub_id}))
    mine = select(ReviewAssignment.id).where(ReviewAssignment.reviewer_id == user.id,
                                             ReviewAssignment.status.in_(THREAD_STATUSES))
    for sub_id, assignment_id, count, newest in _unread_rows(user, Message.side == EDITORS,
                                                             Message.assignment_id.in_(mine)):
        found.append((sub_id, REVIEWER, assignment_id, count, newest, "review.messages",
                      {"assignment_id": assignment_id}))
    editing = select(Membership.journal_id).where(Membership.user_id == user.id,
                                                  Membership.role.in_((Role.EDITOR, Role.MANAGING_EDITOR)))
    managing = select(Membership.journal_id).where(Membership.user_id == user.id,
                                                   Membership.role == Role.MANAGING_EDITOR)
    handled = and_(or_(and_(Submission.handling_editor_id == user.id, Submission.journal_id.in_(editing)),
                       and_(Submission.handling_editor_id.is_(None), Submission.journal_id.in_(managing))),
                   ~contributor_condition(user.id, user.email))
    open_thread = or_(Message.assignment_id.is_(None), Message.assignment_id.in_(
        select(ReviewAssignment.id).where(ReviewAssignment.status.in_(THREAD_STATUSES))))
    for sub_id, assignment_id, count, newest in _unread_rows(user, and_(Message.side != EDITORS, open_thread),
                                                             handled):
        args = {"submission_id": sub_id}
        found.append((sub_id, REVIEWER if assignment_id else AUTHORS, assignment_id, count, newest,
                      "editorial.reviewer_messages" if assignment_id else "editorial.author_messages", args))
    papers = {s.id: s for s in db.session.scalars(select(Submission).where(
        Submission.id.in_({row[0] for row in found})))} if found else {}
    threads = []
    for sub_id, kind, assignment_id, count, newest, endpoint, args in found:
        submission = papers[sub_id]
        if endpoint.startswith("editorial."):
            args = {"slug": submission.journal.slug, **args}
            if assignment_id:
                args["assignment_id"] = assignment_id
        threads.append(UnreadThread(submission, kind, assignment_id, count, newest, endpoint, args))
    return sorted(threads, key=lambda t: t.newest_at, reverse=True)


# --- posting -----------------------------------------------------------------------------------------------------

def _store_file(actor, submission: Submission, side: str, assignment, stream, filename: str, staged: StagedObjects):
    """Check the file as a review attachment is checked and store it; returns (stored object, media type, name).
    In a triple-anonymous journal an author's file that names an author is refused: the handling editor reads it."""
    suffix = PurePath(filename or "").suffix.lower()
    media_type = REVIEW_ATTACHMENT_TYPES.get(suffix)
    if media_type is None:
        raise DomainError(_("Attach a PDF (or a plain-text .txt or .csv file). Save a Word document as PDF first: "
                            "the PDF's document properties, which name you, are then removed."), "attachment")
    hidden_authors = side == AUTHORS and submission.journal.review_mode is ReviewMode.TRIPLE_ANONYMOUS
    names = ([n for c in submission.contributors for n in (c.full_name, c.email) if n] if hidden_authors else [])
    with spool(stream, file_limit(), "attachment") as spooled, tempfile.TemporaryFile() as copy:
        if media_type == "application/pdf":
            try:
                with pdf_slots:
                    report = pdf.inspect_pdf(spooled, max_pages=REVIEW_ATTACHMENT_MAX_PAGES,
                                             names_to_find=names, **pdf_limits())
                    spooled.seek(0)
                    pdf.make_reviewer_copy(spooled, copy, max_pages=REVIEW_ATTACHMENT_MAX_PAGES, **pdf_limits())
            except pdf.PdfRejected as exc:
                raise DomainError(_("This file is not a PDF.") if exc.reason == pdf.NOT_PDF else exc.message,
                                  "attachment") from None
            found = [hit for hit in report.found if hit[1] != pdf.DOCUMENT_PROPERTIES]
            stored_from = copy
        else:
            found = names_in_text(spooled, names) if names else []
            stored_from = spooled
        if found:
            raise DomainError(_("The handling editor must not learn who wrote the paper, and this file names an "
                                "author (%(where)s). Remove the names and attach it again.",
                                where=", ".join(dict.fromkeys(pdf.place_label(where) for _term, where in found))), "attachment")
        stored_from.seek(0)
        stored = staged.put(f"submissions/{submission.id}", stored_from, media_type=media_type)
    if stored.size == 0:
        raise DomainError(_("The file is empty."), "attachment")
    return stored, media_type, suffix


def post_message(actor: User, submission: Submission, assignment: ReviewAssignment | None, body: str,
                 stream=None, filename: str = "") -> Message:
    """Add a message to the thread, with its file if one is given, audit it on the submission and mail the other
    side (in their language) a link that opens the thread."""
    side = _check_side(actor, submission, assignment)
    body = (body or "").strip()
    if not body:
        raise DomainError(_("Write your message."), "body")
    if len(body) > MESSAGE_MAX:
        raise DomainError(_("A message is at most %(count)s characters long.", count=MESSAGE_MAX), "body")
    with StagedObjects() as staged:
        message = Message(submission=submission, assignment=assignment, author=actor, side=side, body=body)
        if stream is not None and filename:
            stored, media_type, suffix = _store_file(actor, submission, side, assignment, stream, filename, staged)
            message.file_key, message.file_size, message.file_sha256 = stored.key, stored.size, stored.sha256
            message.file_media_type = media_type
        db.session.add(message)
        db.session.flush()
        if message.file_key:
            message.file_name = f"{submission.display_reference} – message {message.id}{suffix}"
        action = ACTIONS[(REVIEWER if assignment else None, side)]
        payload = {"message_id": message.id}
        if assignment is not None:
            payload["reviewer"] = assignment.label
        if message.file_name:
            payload["name"] = message.file_name
        audit(actor, action, submission, **payload)
        _mail_other_side(actor, submission, assignment, side)
        marker = _read_marker(actor, submission, assignment)
        if marker is None:
            db.session.add(MessageRead(user_id=actor.id, submission_id=submission.id,
                                       thread=thread_key(assignment), last_read_id=message.id))
        else:
            marker.last_read_id = message.id
        db.session.commit()
    return message


def editors_to_tell(submission: Submission) -> list[User]:
    """Who hears of a message to the editors: the handling editor, else the journal's managing editors."""
    editor = submission.handling_editor
    if editor is not None and editor.active and not is_contributor(editor, submission):
        return [editor]
    return managing_editors_of(submission)


def _mail_other_side(actor: User, submission: Submission, assignment, side: str) -> None:
    journal = submission.journal
    subject = _l("%(journal)s: a new message about %(reference)s", journal=journal.title,
                 reference=submission.display_reference)
    if side == EDITORS and assignment is None:
        authors = {submission.submitter_id: submission.submitter}
        authors.update({c.user_id: c.user for c in submission.contributors if c.user_id})
        recipients = [u for u in authors.values() if u is not None and u.active]
        link, sender = external_url("author.messages", submission_id=submission.id), actor.full_name
    elif side == EDITORS:
        recipients = [assignment.reviewer] if assignment.reviewer is not None else []
        link, sender = external_url("review.messages", assignment_id=assignment.id), actor.full_name
    elif side == AUTHORS:
        recipients = editors_to_tell(submission)
        link = external_url("editorial.author_messages", slug=journal.slug, submission_id=submission.id)
        sender = None  # "the authors": a triple-anonymous handling editor must not learn who
    else:
        recipients = editors_to_tell(submission)
        link = external_url("editorial.reviewer_messages", slug=journal.slug, submission_id=submission.id,
                            assignment_id=assignment.id)
        sender = actor.full_name
    for recipient in recipients:
        if recipient.id == actor.id:
            continue
        queue_mail(recipient, "message_posted", subject=subject, related=submission, journal=journal,
                   submission=submission, name=recipient.full_name, sender=sender,
                   label=assignment.label_number if side == REVIEWER else None, link=link)
