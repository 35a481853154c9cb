"""`flask journal send-reminders`: reviewers reminded around their dates, editors sent a digest of what is stalled."""

import io
import re
import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import event, func, select

from journal.audit import history
from journal.extensions import db
from journal.models import (AssignmentStatus, Contributor, DecisionKind, EditorRecommendation, RecommendationStatus,
                            ReviewAssignment, ReviewMode, ReviewRound, Role, SentReminder, Submission,
                            SubmissionStatus, utcnow)
from journal.services import contributors as contributor_service
from journal.services import drafts as draft_service
from journal.services import editorial
from journal.services import due_dates as due_date_service
from journal.services import invitations as invitation_service
from journal.services import manuscripts as manuscript_service
from journal.services import reviews as review_service
from journal.services import submissions as service
from journal.services.digest import REVISION_OVERDUE_DAYS, editor_digests
from journal.services.reminders import send_reminders
from tests.conftest import link_in
from tests.data.pdf.make_samples import text_page_pdf

A = AssignmentStatus
AUTHOR_TRACES = ("Mei", "Chen", "Kenji", "Watanabe", "Kyoto Space Lab", "mei@", "kenji@")


def at(day, days: int = 0, hour: int = 8) -> datetime:
    """`hour` o'clock UTC, `days` after the date of `day` (a date or datetime)."""
    day = day.date() if isinstance(day, datetime) else day
    return datetime.combine(day + timedelta(days=days), time(hour), tzinfo=UTC)


def reminders(outbox, to=None):
    return [m for m in outbox(to) if m.template == "review_reminder"]


def digests(outbox, to=None):
    return [m for m in outbox(to) if m.template == "editor_digest"]


@pytest.fixture
def office(make_journal, make_user):
    """A journal with its managing editor, a handling editor, an author and co-author, and a pool of reviewers;
    `office.paper(...)` submits a paper and (by default) sends it to review with the editor handling it."""

    class Office:
        def __init__(self, mode=ReviewMode.DOUBLE_ANONYMOUS):
            self.journal = make_journal("jdse", reference_prefix="JDSE", review_mode=mode)
            self.author = make_user("mei@jdse.example.org", given_name="Mei", family_name="Chen")
            self.manager = make_user("lin@jdse.example.org", given_name="Lin", family_name="Zhao",
                                     roles={self.journal: Role.MANAGING_EDITOR})
            self.editor = make_user("ada@jdse.example.org", given_name="Ada", family_name="Okafor",
                                    roles={self.journal: Role.EDITOR})
            self.reviewers = [make_user(f"{name.lower()}@jdse.example.org", given_name=name, family_name="Referee",
                                        roles={self.journal: Role.REVIEWER})
                              for name in ("Rosa", "Tomas", "Ines", "Yuki")]
            self.count = 0

        def paper(self, *, to_review=True, title=None):
            self.count += 1
            submission = draft_service.start_submission(self.author, self.journal,
                                                        section_id=self.journal.sections[0].id,
                                                        checklist_confirmed=True)
            draft_service.update_metadata(self.author, submission, title=title or f"Regolith heat flow {self.count}",
                                          keywords="moon", abstract="Heat flow through the lunar regolith over three lunar nights.")
            contributor_service.add_contributor(self.author, submission, given_name="Kenji", family_name="Watanabe",
                                                email="kenji@jdse.example.org", affiliation="Kyoto Space Lab")
            manuscript_service.upload_manuscript(self.author, submission,
                                                 io.BytesIO(text_page_pdf([["Regolith heat flow"]])),
                                                 "m.pdf")
            draft_service.update_declarations(self.author, submission, cover_letter="", competing_interests="None",
                                              funding="None", data_availability="On request.", suggested_reviewers=[],
                                              opposed_reviewers=[])
            service.submit(self.author, submission)
            if to_review:
                editorial.assign_handling_editor(self.manager, submission, self.editor.id)
                editorial.send_to_review(self.editor, submission)
            return submission

        def invite(self, submission, reviewer=0, *, accept=False, respond_in=5, due_in=30):
            today = utcnow().date()
            assignment, token = invitation_service.invite_reviewer(
                self.editor, submission, user_id=self.reviewers[reviewer].id,
                respond_by=today + timedelta(days=respond_in), due_at=today + timedelta(days=due_in))
            if accept:
                invitation_service.accept_invitation(token)
            return assignment

        def submit_review(self, assignment):
            reviewer = assignment.reviewer
            review_service.save_review(reviewer, assignment, scores=dict.fromkeys(
                ("originality", "significance", "soundness", "clarity"), 4), recommendation="minor_revision",
                comments_to_authors="A careful study; please add the error bars to figure 2.")
            review_service.submit_review(reviewer, assignment)

    return Office


# --- Reviewers -----------------------------------------------------------------------------------------------

def test_an_invited_reviewer_is_reminded_before_the_respond_by_date_with_the_personal_link(client, office, outbox):
    journal_office = office()
    submission = journal_office.paper()
    assignment = journal_office.invite(submission, 0)
    respond_by = assignment.respond_by

    assert send_reminders(at(respond_by, -3)).invitation_reminders == 0
    report = send_reminders(at(respond_by, -2))
    assert report.invitation_reminders == 1 and report.review_reminders == 0
    [mail] = reminders(outbox, "rosa@jdse.example.org")
    assert "Regolith heat flow 1" in mail.body_text and journal_office.journal.title in mail.body_text
    assert f"Your answer is due in 2 days ({respond_by:%-d %B %Y})" in mail.body_text
    assert f"your review will be due by {assignment.due_at:%-d %B %Y}" in mail.body_text
    for trace in AUTHOR_TRACES:
        assert trace not in mail.body_text and trace not in mail.subject, trace
    # The personal link answers the invitation without logging in.
    page = client.get(link_in(mail.body_text))
    assert page.status_code == 200 and "Accept the invitation" in page.get_data(as_text=True)

    # Later the same day, and the next day: nothing more (the next reminder is 2 days after the date).
    assert send_reminders(at(respond_by, -2, hour=20)).invitation_reminders == 0
    assert send_reminders(at(respond_by, -1)).invitation_reminders == 0
    assert len(reminders(outbox)) == 1
    db.session.expire_all()
    assert assignment.reminders_sent == 1


def test_an_unanswered_invitation_is_reminded_after_its_date_with_a_link_that_still_works(client, office, outbox):
    journal_office = office()
    submission = journal_office.paper()
    assignment = journal_office.invite(submission, 0)
    # The invitation went out a week ago and its respond-by date passed two days ago.
    assignment.created_at = utcnow() - timedelta(days=8)
    assignment.respond_by = at(utcnow(), -2, hour=23)
    db.session.commit()
    report = send_reminders(at(utcnow()))
    assert report.invitation_reminders == 1 and report.skipped == 1  # the -2 reminder was missed: skipped
    [mail] = reminders(outbox)
    assert "Your answer was due 2 days ago" in mail.body_text
    # The link stays open through the day of the journal's last reminder after the date (+2 here).
    assert "The invitation's link has closed" not in mail.body_text
    assert client.get(link_in(mail.body_text)).status_code == 200
    assert mail.subject.startswith("We have not heard from you")


def test_an_accepted_reviewer_is_reminded_before_and_after_the_due_date_with_the_review_page(client, login, office,
                                                                                            outbox):
    journal_office = office()
    submission = journal_office.paper()
    assignment = journal_office.invite(submission, 1, accept=True)
    due = assignment.due_at

    send_reminders(at(due, -7))
    [before] = reminders(outbox, "tomas@jdse.example.org")
    assert f"is due in 7 days ({due:%-d %B %Y})" in before.body_text
    assert before.subject == f"Reminder: your review for {journal_office.journal.title} is due in 7 days"
    assert f"http://journal.test/review/assignments/{assignment.id}" in before.body_text
    login(journal_office.reviewers[1])
    assert client.get(link_in(before.body_text)).status_code == 200

    report = send_reminders(at(due, 3))
    assert (report.review_reminders, report.skipped) == (1, 1)  # -1 was missed: skipped, not sent late
    after = reminders(outbox, "tomas@jdse.example.org")[-1]
    assert f"was due 3 days ago ({due:%-d %B %Y})" in after.body_text
    assert after.subject == f"Your review for {journal_office.journal.title} is overdue"
    assert send_reminders(at(due, 3, hour=22)).review_reminders == 0
    assert send_reminders(at(due, 5)).review_reminders == 0
    assert len(reminders(outbox)) == 2

    keys = dict(db.session.execute(select(SentReminder.key, SentReminder.kind).where(
        SentReminder.assignment_id == assignment.id)).all())
    day = due.date().isoformat()
    assert keys == {f"due:-7:assignment:{assignment.id}:{day}": "due",
                    f"due:-1:assignment:{assignment.id}:{day}": "due_skipped",
                    f"due:+3:assignment:{assignment.id}:{day}": "due"}
    db.session.expire_all()
    assert assignment.reminders_sent == 2


def test_a_late_first_run_sends_one_mail_for_the_latest_day_and_never_the_missed_ones(office, outbox):
    journal_office = office()
    submission = journal_office.paper()
    assignment = journal_office.invite(submission, 1, accept=True)
    due = assignment.due_at

    report = send_reminders(at(due, 12))  # the job did not run for weeks
    assert (report.review_reminders, report.skipped) == (1, 3)
    [mail] = reminders(outbox)
    assert "was due 12 days ago" in mail.body_text
    for day in range(13, 20):
        assert send_reminders(at(due, day)).review_reminders == 0
    assert len(reminders(outbox)) == 1


def test_a_moved_due_date_arms_its_reminders_again(office, outbox):
    journal_office = office()
    submission = journal_office.paper()
    assignment = journal_office.invite(submission, 1, accept=True)
    old_due = assignment.due_at
    send_reminders(at(old_due, -1))
    assert len(reminders(outbox)) == 1

    due_date_service.extend_due_date(journal_office.editor, assignment, old_due.date() + timedelta(days=20))
    new_due = assignment.due_at
    assert send_reminders(at(old_due, 3)).review_reminders == 0  # the new date is 17 days away
    send_reminders(at(new_due, -7))
    mail = reminders(outbox)[-1]
    assert f"is due in 7 days ({new_due:%-d %B %Y})" in mail.body_text
    assert send_reminders(at(new_due, -7, hour=21)).review_reminders == 0
    assert len(reminders(outbox)) == 2


def test_the_journal_chooses_the_days_and_no_reminder_repeats_the_day_of_the_invitation(office, outbox):
    journal_office = office()
    journal_office.journal.reminder_days = {"respond_by": [], "due": [0]}
    db.session.commit()
    submission = journal_office.paper()
    invited = journal_office.invite(submission, 0, respond_in=1)
    accepted = journal_office.invite(submission, 1, accept=True, respond_in=1, due_in=3)
    report = send_reminders(at(accepted.due_at))
    assert report.review_reminders == 1
    assert "is due today" in reminders(outbox)[-1].body_text
    assert send_reminders(at(invited.respond_by, 5)).invitation_reminders == 0  # none chosen for invitations

    # Default days (-2, 2): an invitation answerable by tomorrow gets no "-2" reminder on the day it was sent.
    journal_office.journal.reminder_days = {"respond_by": [-2, 2], "due": []}
    db.session.commit()
    assert send_reminders(at(utcnow())).invitation_reminders == 0


def test_declined_cancelled_submitted_withdrawn_and_decided_assignments_get_nothing(office, outbox):
    journal_office = office()
    paper = journal_office.paper()
    declined = journal_office.invite(paper, 0)
    invitation_service.decline_invitation(invitation_service.invitation_token(declined), reason="Too busy.")
    cancelled = journal_office.invite(paper, 1, accept=True)
    invitation_service.cancel_invitation(journal_office.editor, cancelled)
    done = journal_office.invite(paper, 2, accept=True)
    journal_office.submit_review(done)

    withdrawn = journal_office.paper()
    journal_office.invite(withdrawn, 3, accept=True)
    service.withdraw(journal_office.author, withdrawn, reason="We found an error.")

    decided = journal_office.paper()
    first = journal_office.invite(decided, 0, accept=True)
    journal_office.submit_review(first)
    journal_office.invite(decided, 1, accept=True)
    editorial.decide(journal_office.editor, decided, kind=DecisionKind.REJECT, letter="Dear authors, we decline it.",
                     override_reason="One review is conclusive.")

    horizon = at(utcnow(), 45)  # past every respond-by and due date above
    for days in range(0, 46, 3):
        report = send_reminders(at(utcnow(), days))
        assert report.invitation_reminders == report.review_reminders == 0, days
    assert send_reminders(horizon).review_reminders == 0
    assert reminders(outbox) == []
    assert db.session.scalar(select(func.count()).select_from(SentReminder).where(
        SentReminder.kind != "digest")) == 0


def test_reminders_show_in_the_editors_history_and_never_in_the_authors(client, login, office, outbox):
    journal_office = office()
    submission = journal_office.paper()
    assignment = journal_office.invite(submission, 1, accept=True)
    send_reminders(at(assignment.due_at, 3))

    login(journal_office.manager)
    page = client.get(f"/editorial/jdse/submissions/{submission.id}").get_data(as_text=True)
    assert "Reminder sent to a reviewer" in page
    assert (f"reviewer: Reviewer 1; kind: review; deadline: {assignment.due_at.date().isoformat()}; "
            "reminder: 3 days after") in page

    assert all("eminder" not in row["what"] for row in service.author_history(submission))
    client.post("/logout")
    login(journal_office.author)
    author_page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "eminder" not in author_page and "Tomas" not in author_page


@pytest.mark.parametrize("mode", [ReviewMode.DOUBLE_ANONYMOUS, ReviewMode.TRIPLE_ANONYMOUS])
def test_reminders_and_the_handling_editors_digest_name_no_author(office, outbox, mode):
    journal_office = office(mode)
    submission = journal_office.paper()
    journal_office.invite(submission, 0)
    journal_office.invite(submission, 1, accept=True)
    send_reminders(at(utcnow(), 3))  # two days before the invitation's date
    send_reminders(at(utcnow(), 40))  # after both dates: one reminder each, and a digest
    mails = reminders(outbox) + digests(outbox, "ada@jdse.example.org")
    assert len(mails) == 4
    for mail in mails:
        for trace in AUTHOR_TRACES:
            assert trace not in mail.body_text and trace not in mail.subject, (trace, mail.template)


# --- Editors' digest -------------------------------------------------------------------------------------------

def test_each_editor_gets_one_digest_a_day_of_what_is_stalled_in_their_queue(office, outbox, make_user):
    journal_office = office(ReviewMode.TRIPLE_ANONYMOUS)
    handled = journal_office.paper(title="Dust devils on Mars")
    journal_office.invite(handled, 0)  # will not answer
    journal_office.invite(handled, 1, accept=True)  # will not deliver
    unassigned = journal_office.paper(to_review=False, title="Comet tails")
    other_editor = make_user("sam@jdse.example.org", roles={journal_office.journal: Role.EDITOR})
    quiet = journal_office.paper(title="Quiet paper")
    editorial.assign_handling_editor(journal_office.manager, quiet, other_editor.id)

    assert send_reminders(at(utcnow(), 1)).digests == 0  # nothing is stalled yet
    report = send_reminders(at(utcnow(), 40))
    assert report.digests == 2
    [managing] = digests(outbox, "lin@jdse.example.org")
    [handling] = digests(outbox, "ada@jdse.example.org")
    assert managing.subject.startswith("Waiting in your editorial queue: 2 papers (")  # one paper in two sections
    assert digests(outbox, "sam@jdse.example.org") == []  # the other editor's paper is only waiting for screening

    assert "Submissions without a handling editor for more than 2 days" in managing.body_text
    assert f"{unassigned.reference} “Comet tails”" in managing.body_text
    assert f"http://journal.test/editorial/jdse/submissions/{unassigned.id}" in managing.body_text
    for text in (managing.body_text, handling.body_text):
        assert f"{handled.reference} “Dust devils on Mars”" in text
        assert "Invitations unanswered after their respond-by date" in text
        assert re.search(r"Reviewer \d \(Rosa Referee\): answer was due", text)
        assert "Reviews overdue" in text and "(Tomas Referee): review was due" in text
        assert "Quiet paper" not in text
        for trace in AUTHOR_TRACES:
            assert trace not in text, trace
    assert "Comet tails" not in handling.body_text and "without a handling editor" not in handling.body_text
    assert "(the papers you handle)" in handling.body_text
    assert f"{REVISION_OVERDUE_DAYS} days after it was requested" in handling.body_text

    assert send_reminders(at(utcnow(), 40, hour=18)).digests == 0  # once a day
    report = send_reminders(at(utcnow(), 41))
    assert report.digests == 2 and len(digests(outbox)) == 4  # still stalled the next day
    assert db.session.scalar(select(func.count()).select_from(SentReminder).where(SentReminder.kind == "digest")) == 4


def test_the_digest_lists_decisions_waiting_overdue_revisions_and_pending_recommendations(office, outbox):
    journal_office = office()
    ready = journal_office.paper(title="Ready for a decision")
    for reviewer in (0, 1):
        journal_office.submit_review(journal_office.invite(ready, reviewer, accept=True))
    revising = journal_office.paper(title="Being revised")
    journal_office.submit_review(journal_office.invite(revising, 2, accept=True))
    editorial.decide(journal_office.editor, revising, kind=DecisionKind.MAJOR_REVISION,
                     letter="Dear authors, please revise the model.", override_reason="One review suffices here.")
    recommended = journal_office.paper(title="Recommended paper")
    db.session.add(EditorRecommendation(submission_id=recommended.id, round=1, editor_id=journal_office.editor.id,
                                        kind=DecisionKind.REJECT, reasons="Out of scope.",
                                        status=RecommendationStatus.PENDING))
    db.session.commit()

    send_reminders(at(utcnow(), 2))  # enough reviews, but only for two days: only the recommendation waits
    [early] = digests(outbox)
    assert early.recipient == "lin@jdse.example.org" and "Recommended paper" in early.body_text
    assert "Decisions waiting" not in early.body_text

    send_reminders(at(utcnow(), REVISION_OVERDUE_DAYS + 1))
    managing = digests(outbox, "lin@jdse.example.org")[-1]
    [handling] = digests(outbox, "ada@jdse.example.org")
    text = managing.body_text
    assert "Decisions waiting for 3 days or more" in text and "“Ready for a decision”" in text
    assert "2 reviews in (2 required), enough since" in text
    assert "Revisions late (not back by their due date)" in text
    assert "“Being revised”" in text and ", yesterday" in text  # due 60 days (major revision) after the decision
    assert "Editors' recommendations waiting for a managing editor" in text
    assert "Ada Okafor recommends “Rejected without review”" not in text  # the label of REJECT, not desk reject
    assert "Ada Okafor recommends “Reject” (round 1)" in text
    # The handling editor sees their papers' decisions and revisions, not the managing editors' to-do list.
    assert "“Ready for a decision”" in handling.body_text and "“Being revised”" in handling.body_text
    assert "recommendations waiting" not in handling.body_text
    # A recommended paper is the managing editor's, not listed as a decision the editor still owes.
    assert handling.body_text.count("Recommended paper") == 0


def test_an_editor_is_never_sent_their_own_paper(office, outbox, make_user):
    journal_office = office()
    author_editor = make_user("kenji@jdse.example.org", given_name="Kenji", family_name="Watanabe",
                              roles={journal_office.journal: Role.MANAGING_EDITOR})
    submission = journal_office.paper(to_review=False, title="Kenji's own paper")  # lists Kenji as co-author
    assert any(c.user_id == author_editor.id for c in submission.contributors)
    send_reminders(at(utcnow(), 5))
    assert digests(outbox, "kenji@jdse.example.org") == []
    assert "Kenji's own paper" in digests(outbox, "lin@jdse.example.org")[0].body_text


def test_the_digest_takes_the_same_number_of_queries_for_few_or_many_papers(office):
    journal_office = office()
    long_ago = utcnow() - timedelta(days=40)

    def add_papers(n):
        """Stalled papers written as rows (the services would take a second each): under review with an
        unanswered invitation and an overdue review, and submitted without a handling editor."""
        for _ in range(n):
            journal_office.count += 1
            number = journal_office.count
            paper = Submission(journal_id=journal_office.journal.id, submitter_id=journal_office.author.id,
                               reference=f"JDSE-2026-{number:04d}", title=f"Paper {number}",
                               status=SubmissionStatus.UNDER_REVIEW, current_round=1, status_changed_at=long_ago,
                               handling_editor_id=journal_office.editor.id,
                               contributors=[Contributor(given_name="Mei", family_name="Chen", email="mei@x.org",
                                                         user_id=journal_office.author.id)])
            round_ = ReviewRound(submission=paper, number=1)
            for label, (reviewer, status) in enumerate([(0, A.INVITED), (1, A.ACCEPTED)], start=1):
                db.session.add(ReviewAssignment(
                    round=round_, submission=paper, reviewer_id=journal_office.reviewers[reviewer].id,
                    invitee_email=journal_office.reviewers[reviewer].email, status=status,
                    token_hash=f"{number:032d}{label:032d}", respond_by=long_ago, due_at=long_ago + timedelta(days=1),
                    label_number=label))
            db.session.add(Submission(journal_id=journal_office.journal.id, submitter_id=journal_office.author.id,
                                      reference=f"JDSE-2026-{number:04d}U", title=f"Unassigned {number}",
                                      status=SubmissionStatus.SUBMITTED, current_round=1, status_changed_at=long_ago))
        db.session.commit()

    def count_queries() -> tuple[int, int]:
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            result = editor_digests(utcnow())
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        entries = sum(len(entries) for _user, journals in result.values() for digest in journals
                      for _title, entries in digest.sections)
        return len(statements), entries

    add_papers(2)
    few, listed = count_queries()
    assert listed == 2 * 3 + 2 * 2  # the managing editor: 2 unassigned + 2 × (invitation, review); the editor 2 × 2
    add_papers(20)
    many, listed = count_queries()
    assert listed == 22 * 3 + 22 * 2
    assert many == few <= 12


# --- Two runs at once, and the command ---------------------------------------------------------------------------

def test_two_runs_at_once_send_every_reminder_and_digest_once(app, office, outbox):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race is PostgreSQL's")
    journal_office = office()
    papers = [journal_office.paper() for _ in range(3)]
    for paper in papers:
        for reviewer in range(4):
            journal_office.invite(paper, reviewer, accept=reviewer % 2 == 0)
    assignment_ids = list(db.session.scalars(select(ReviewAssignment.id)))  # ids read before the threads start
    moment = at(utcnow(), 40)
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def run():
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                reports.append(send_reminders(moment))
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and len(reports) == 2

    mails = reminders(outbox)
    per_assignment = {}
    for mail in mails:
        per_assignment[mail.subject_id] = per_assignment.get(mail.subject_id, 0) + 1
    assert len(mails) == len(assignment_ids) == 12
    assert sum(r.invitation_reminders + r.review_reminders for r in reports) == 12
    assert sum(r.digests for r in reports) == 2 and len(digests(outbox)) == 2
    counts = db.session.scalars(select(ReviewAssignment.reminders_sent).where(
        ReviewAssignment.id.in_(assignment_ids))).all()
    assert counts == [1] * 12
    assert db.session.scalar(select(func.count()).select_from(SentReminder).where(
        SentReminder.kind.in_(["due", "respond_by"]))) == 12


def test_a_key_another_run_committed_meanwhile_skips_that_reminder_cleanly(office, outbox, monkeypatch):
    from journal.services import reminders as reminder_service

    journal_office = office()
    submission = journal_office.paper()
    first = journal_office.invite(submission, 1, accept=True)
    second = journal_office.invite(submission, 2, accept=True)
    planned = reminder_service._plan

    def plan_then_lose_the_race(assignment, today, sent):
        plan = planned(assignment, today, sent)
        if plan is not None and assignment.id == first.id:
            # Another run inserts and commits the same key on its own connection, after this run has read the keys.
            with db.engine.begin() as connection:
                connection.execute(SentReminder.__table__.insert().values(
                    key=reminder_service.reminder_key(plan.kind, plan.offset, assignment.id,
                                                      plan.deadline.date()),
                    kind=plan.kind, assignment_id=assignment.id, submission_id=submission.id, sent_at=utcnow()))
        return plan

    monkeypatch.setattr(reminder_service, "_plan", plan_then_lose_the_race)
    report = send_reminders(at(first.due_at, 3))
    assert (report.review_reminders, report.taken_by_other_run) == (1, 1)
    assert [m.recipient for m in reminders(outbox)] == ["ines@jdse.example.org"]
    db.session.expire_all()
    assert (first.reminders_sent, second.reminders_sent) == (0, 1)
    events = [e for e in history(submission) if e.action == "review.reminder_sent"]
    assert [e.payload["reviewer"] for e in events] == [second.label]  # the losing attempt left no trace


def test_a_review_submitted_after_the_run_made_its_plan_is_not_reminded(office, outbox, monkeypatch):
    from journal.services import reminders as reminder_service

    journal_office = office()
    submission = journal_office.paper()
    assignment = journal_office.invite(submission, 1, accept=True)
    planned = reminder_service._plan

    def plan_then_the_review_arrives(candidate, today, sent):
        plan = planned(candidate, today, sent)
        with db.engine.begin() as connection:  # the reviewer submits, in another request
            connection.execute(ReviewAssignment.__table__.update().where(ReviewAssignment.id == assignment.id)
                               .values(status=A.SUBMITTED.value))
        return plan

    monkeypatch.setattr(reminder_service, "_plan", plan_then_the_review_arrives)
    report = send_reminders(at(assignment.due_at, -1))
    assert report.review_reminders == 0 and reminders(outbox) == []


def test_one_broken_reminder_is_logged_and_the_others_still_go(office, outbox, caplog, runner):
    journal_office = office()
    submission = journal_office.paper()
    broken = journal_office.invite(submission, 0, accept=True)
    journal_office.invite(submission, 1, accept=True)
    broken.reviewer.email = "no address"  # as if the row had been damaged
    db.session.commit()
    report = send_reminders(at(broken.due_at, -1))
    assert (report.review_reminders, report.failed) == (1, 1)
    assert [m.recipient for m in reminders(outbox)] == ["tomas@jdse.example.org"]
    assert f"Reminder for review assignment {broken.id} failed" in caplog.text
    result = runner.invoke(args=["journal", "send-reminders", "--now", at(broken.due_at, -1).isoformat()])
    assert result.exit_code == 1 and "failed (see the log): 1" in result.output


def test_the_command_prints_one_line_per_kind_and_refuses_a_bad_date(runner, office, outbox):
    journal_office = office()
    submission = journal_office.paper()
    assignment = journal_office.invite(submission, 1, accept=True)
    moment = at(assignment.due_at, 3).strftime("%Y-%m-%dT%H:%M")
    result = runner.invoke(args=["journal", "send-reminders", "--now", moment])
    assert result.exit_code == 0, result.output
    assert "review reminders sent: 1" in result.output and "invitation reminders sent: 0" in result.output
    assert "editor digests sent: 2" in result.output
    again = runner.invoke(args=["journal", "send-reminders", "--now", moment])
    assert "review reminders sent: 0" in again.output and "editor digests sent: 0" in again.output
    bad = runner.invoke(args=["journal", "send-reminders", "--now", "1st of December"])
    assert bad.exit_code != 0 and "2026-12-01T08:00" in bad.output
    assert len(reminders(outbox)) == 1
    assert re.search(r"^left to another run at the same time: 0$", result.output, re.M)
