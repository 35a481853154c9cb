"""Is the database consistent? What `flask journal check-consistency` reports, after a failure or a cluster's soak.

For every submission its audit trail of state changes (`submission.<transition>` events, each with `from` and
`to`, written by journal/workflow.py) is replayed through the transition table from "draft": every step must
start where the previous one ended and be a move the table allows, and the last must end at the submission's
status. Then what each status promises: a submitted paper has its submission time and reference, a published
one its published article, and no article is public whose paper is not published. The events are read a
submission at a time in id order, so memory stays flat however large the journal.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby

from sqlalchemy import select

from journal.extensions import db
from journal.models import Article, AuditEvent, Submission, SubmissionStatus
from journal.workflow import TRANSITIONS

S = SubmissionStatus


@dataclass
class ConsistencyReport:
    submissions_checked: int = 0
    events_replayed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _trails() -> Iterator[tuple[int, list[tuple[int, str, dict]]]]:
    rows = db.session.execute(
        select(AuditEvent.subject_id, AuditEvent.id, AuditEvent.action, AuditEvent.payload)
        .where(AuditEvent.subject_type == "submission",
               AuditEvent.action.in_([f"submission.{name}" for name in TRANSITIONS]))
        .order_by(AuditEvent.subject_id, AuditEvent.id).execution_options(yield_per=2000))
    for subject_id, events in groupby(rows, key=lambda row: row[0]):
        yield subject_id, [(event_id, action, payload or {}) for _s, event_id, action, payload in events]


def _replay(events: list[tuple[int, str, dict]]) -> tuple[str, str | None]:
    """The state the trail ends at, and the first step that breaks it (None when none does)."""
    state = S.DRAFT.value
    for event_id, action, payload in events:
        spec = TRANSITIONS[action.removeprefix("submission.")]
        source, target = payload.get("from"), payload.get("to")
        if source != state:
            return state, f"event {event_id} ({action}) starts from “{source}”, but the trail was at “{state}”"
        if S(source) not in spec.sources or target not in {t.value for t in spec.targets}:
            return state, f"event {event_id} ({action}) moves “{source}” to “{target}”, which the workflow forbids"
        state = target
    return state, None


def check_consistency() -> ConsistencyReport:
    report = ConsistencyReport()
    trails = _trails()
    pending = next(trails, None)
    submissions = db.session.execute(
        select(Submission.id, Submission.reference, Submission.status, Submission.submitted_at)
        .order_by(Submission.id).execution_options(yield_per=2000))
    published_articles = set(db.session.scalars(
        select(Article.submission_id).where(Article.published_at.is_not(None))))
    for submission_id, reference, status, submitted_at in submissions:
        report.submissions_checked += 1
        name = reference or f"submission {submission_id}"
        while pending is not None and pending[0] < submission_id:
            report.problems.append(f"audit events for submission {pending[0]}, which does not exist")
            pending = next(trails, None)
        events = []
        if pending is not None and pending[0] == submission_id:
            events = pending[1]
            pending = next(trails, None)
        report.events_replayed += len(events)
        state, broken = _replay(events)
        if broken:
            report.problems.append(f"{name}: its audit trail breaks: {broken}")
        elif state != status.value:
            report.problems.append(f"{name}: status “{status.value}”, but its audit trail ends at “{state}”")
        if status is not S.DRAFT and (submitted_at is None or not reference):
            report.problems.append(f"{name}: status “{status.value}” without a submission time and reference")
        if (status is S.PUBLISHED) != (submission_id in published_articles):
            report.problems.append(f"{name}: status “{status.value}”, but its article is "
                                   f"{'not ' if status is S.PUBLISHED else ''}published")
    while pending is not None:
        report.problems.append(f"audit events for submission {pending[0]}, which does not exist")
        pending = next(trails, None)
    return report
