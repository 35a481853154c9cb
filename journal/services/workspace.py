"""A person's home: what they must do next, across every journal and role, most urgent first.

Each kind of task is gathered from the service that owns its rule, so the home page and the pages where the
work is done never disagree: invitations and reviews from `services/invitations.py`, the papers needing an
editor's action from the queue's own rule (`services/queue.py`), stalled papers from the editors' digest
(`services/digest.py`), revisions and drafts from the author's submissions, proofs from the articles waiting
for their corresponding author, unread messages from `services/conversations.py`.

A task carries where it is done (an endpoint and its arguments), its date if it has one, and whether that date
has passed. Order: overdue first (oldest date first), then dated tasks (soonest first), then the rest by kind.
Nothing here names a paper's authors: a reviewer in an anonymous journal and a triple-anonymous handling editor
read their home like any other page of theirs.
"""

from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from journal.extensions import db
from journal.models import (Article, ArticleStatus, AssignmentStatus, Contributor, Journal, Membership, Role,
                            Submission, SubmissionStatus, User, utcnow)
from journal.permissions import has_role
from journal.services import conversations, digest, invitations, queue
from journal.services.queue import QueueFilters

A = AssignmentStatus
S = SubmissionStatus
# How many papers needing an editor's action are listed per journal before "and N more in the queue".
EDITOR_LINES = 10

# Kinds, in the order undated tasks of equal urgency are listed; each with its heading on the page.
KINDS = {
    "invitation": _l("Invitations to answer"),
    "review": _l("Reviews to write"),
    "proofs": _l("Proofs to approve"),
    "revision": _l("Revisions requested"),
    "decision": _l("Papers needing your action"),
    "stalled": _l("Stalled (from the editors' digest)"),
    "messages": _l("Unread messages"),
    "draft": _l("Unfinished drafts"),
}
RANK = {kind: number for number, kind in enumerate(KINDS)}


@dataclass
class Task:
    kind: str
    title: str  # the paper's title (never its authors)
    journal: str
    endpoint: str
    args: dict
    reference: str = ""
    due: datetime | None = None
    notes: list[str] = field(default_factory=list)
    count: int = 0  # unread messages
    url: str | None = None  # where the link is not an endpoint (the digest's, the invitation's token link)

    @property
    def heading(self) -> str:
        return KINDS[self.kind]

    def overdue(self, now: datetime) -> bool:
        return self.due is not None and self.due < now


@dataclass
class Workspace:
    tasks: list[Task]
    now: datetime
    more_in_queue: list[tuple[Journal, int]]  # journals whose "needs my action" list was cut, with the rest
    editor_journals: list[Journal]
    reviews: bool  # the person reviews for some journal (or has been invited)
    submitted: bool  # the person has submissions of their own

    @property
    def overdue(self) -> list[Task]:
        return [t for t in self.tasks if t.overdue(self.now)]


def _sort_key(task: Task, now: datetime):
    if task.overdue(now):
        return (0, task.due, RANK[task.kind])
    if task.due is not None:
        return (1, task.due, RANK[task.kind])
    return (2, datetime.min, RANK[task.kind])


def _review_tasks(user: User) -> tuple[list[Task], bool]:
    assignments = invitations.my_assignments(user)
    tasks = []
    for assignment in assignments:
        submission = assignment.submission
        if assignment.status is A.INVITED and submission.status is S.UNDER_REVIEW:
            tasks.append(Task("invitation", submission.title, submission.journal.title, "review.invitation",
                              {"token": invitations.invitation_token(assignment)}, due=assignment.respond_by))
        elif assignment.status is A.ACCEPTED and submission.status is S.UNDER_REVIEW:
            tasks.append(Task("review", submission.title, submission.journal.title, "review.assignment",
                              {"assignment_id": assignment.id}, due=assignment.due_at))
    return tasks, bool(assignments)


def _author_tasks(user: User) -> tuple[list[Task], bool]:
    """Drafts and revisions of the papers the person submitted, and proofs they answer as corresponding author."""
    linked = select(Contributor.submission_id).where(Contributor.user_id == user.id)
    papers = db.session.scalars(
        select(Submission).where(or_(Submission.submitter_id == user.id, Submission.id.in_(linked)))
        .options(selectinload(Submission.journal), selectinload(Submission.contributors))
        .order_by(Submission.updated_at.desc())
    ).all()
    tasks = []
    for submission in papers:
        answers = submission.submitter_id == user.id
        if submission.status is S.DRAFT and answers:
            tasks.append(Task("draft", submission.title or "", submission.journal.title, "author.submission",
                              {"submission_id": submission.id},
                              notes=[_l("last changed %(date)s", date=digest.LongDate(submission.updated_at))]))
        elif submission.status is S.REVISION_REQUESTED and answers:
            tasks.append(Task("revision", submission.title, submission.journal.title, "author.revise",
                              {"submission_id": submission.id}, reference=submission.display_reference,
                              due=submission.revision_due_at))
    corresponding = select(Contributor.submission_id).where(Contributor.user_id == user.id,
                                                            Contributor.is_corresponding.is_(True))
    for article in db.session.scalars(
        select(Article).join(Submission, Submission.id == Article.submission_id)
        .where(Article.status == ArticleStatus.PROOFS_REQUESTED,
               or_(Submission.submitter_id == user.id, Submission.id.in_(corresponding)))
        .options(selectinload(Article.submission).selectinload(Submission.journal))
    ):
        submission = article.submission
        tasks.append(Task("proofs", submission.title, submission.journal.title, "author.proofs",
                          {"submission_id": submission.id}, reference=submission.display_reference,
                          notes=[_l("sent to you %(date)s", date=digest.LongDate(article.proofs_requested_at))]
                          if article.proofs_requested_at else []))
    return tasks, bool(papers)


def _editor_journals(user: User) -> list[Journal]:
    member_of = select(Membership.journal_id).where(Membership.user_id == user.id,
                                                    Membership.role.in_((Role.EDITOR, Role.MANAGING_EDITOR)))
    return list(db.session.scalars(select(Journal).where(Journal.id.in_(member_of)).order_by(Journal.title)))


def _editor_tasks(user: User, journals: list[Journal], now: datetime) -> tuple[list[Task], list]:
    """The first papers of each journal's "needs my action" view (the queue's own rule), then what the editors'
    digest lists as stalled for this person that those lines do not already show."""
    tasks: dict[tuple[str, str], Task] = {}
    more = []
    for journal in journals:
        page = queue.queue_page(user, journal, QueueFilters(needs_action=True, sort="oldest"))
        for row in page.rows[:EDITOR_LINES]:
            submission = row.submission
            args = {"slug": journal.slug, "submission_id": submission.id}
            task = Task("decision", submission.title, journal.title, "editorial.submission", args,
                        reference=submission.display_reference, notes=[str(action) for action in row.actions])
            tasks[(journal.title, task.reference)] = task
        if page.total > EDITOR_LINES:
            more.append((journal, page.total - EDITOR_LINES))
    waiting = digest.editor_digests(now).get(user.id)
    for journal_digest in (waiting[1] if waiting else []):
        for _heading, entries in journal_digest.sections:
            for entry in entries:
                key = (journal_digest.title, entry.reference)
                if key in tasks:
                    tasks[key].notes.extend(str(note) for note in entry.notes)
                else:
                    tasks[key] = Task("stalled", entry.title, journal_digest.title, "", {}, reference=entry.reference,
                                      notes=[str(note) for note in entry.notes], url=urlsplit(entry.link).path)
    return list(tasks.values()), more


def _message_tasks(user: User) -> list[Task]:
    tasks = []
    for thread in conversations.unread_threads(user):
        submission = thread.submission
        kind_note = _l("with the editors") if thread.endpoint in ("author.messages", "review.messages") else \
            _l("with a reviewer") if thread.kind == "reviewer" else _l("with the authors")
        tasks.append(Task("messages", submission.title, submission.journal.title, thread.endpoint, thread.args,
                          reference="" if thread.endpoint == "review.messages" else submission.display_reference,
                          count=thread.unread, notes=[str(kind_note)]))
    return tasks


def workspace_for(user: User, now: datetime | None = None) -> Workspace:
    """Everything waiting for the person, most urgent first."""
    now = now or utcnow()
    review_tasks, reviews = _review_tasks(user)
    author_tasks, submitted = _author_tasks(user)
    journals = _editor_journals(user)
    editor_tasks, more = _editor_tasks(user, journals, now) if journals else ([], [])
    tasks = [*review_tasks, *author_tasks, *editor_tasks, *_message_tasks(user)]
    tasks.sort(key=lambda task: _sort_key(task, now))
    reviews = reviews or any(has_role(user, m.journal_id, Role.REVIEWER) for m in user.memberships)
    return Workspace(tasks, now, more, journals, reviews, submitted)
