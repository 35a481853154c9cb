"""The current round's review figures stored on each submission (journal/models/review_facts.py, migration 0022)
stay equal to a fresh count of the rows through every step people take, on every backend; the writes leave the
paper's optimistic-lock version alone; the migration fills them from existing rows and goes back cleanly."""

import io
from datetime import timedelta

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from journal import create_app
from journal.extensions import db
from journal.models import (AssignmentStatus, EditorRecommendation, RecommendationStatus, ReviewAssignment, Role,
                            Submission, SubmissionStatus, refresh_review_facts, utcnow)
from journal.models.review_facts import FACT_COLUMNS
from journal.services import drafts as draft_service
from journal.services import due_dates
from journal.services import editorial
from journal.services import invitations as invitation_service
from journal.services import manuscripts as manuscript_service
from journal.services import submissions as submission_service
from tests.conftest import make_config
from tests.pdfs import manuscript_pdf
from tests.test_decisions import submit_review
from tests.test_migrations import empty_database_url  # noqa: F401  (the fixture)
from tests.test_reviews import reviewed  # noqa: F401  (the fixture)

A, S = AssignmentStatus, SubmissionStatus


def counted(submission: Submission) -> dict:
    """The figures counted afresh from the assignments and recommendations, in Python."""
    db.session.expire_all()
    current = [a for a in db.session.scalars(select(ReviewAssignment).where(
        ReviewAssignment.submission_id == submission.id)) if a.round.number == submission.current_round]
    open_ = [a for a in current if a.status in (A.INVITED, A.ACCEPTED)]
    return {
        "reviews_invited": sum(a.status in (A.INVITED, A.ACCEPTED, A.SUBMITTED) for a in current),
        "reviews_accepted": sum(a.status is A.ACCEPTED for a in current),
        "reviews_submitted": sum(a.status is A.SUBMITTED for a in current),
        "due_date_requests": sum(a.proposed_due_at is not None for a in open_),
        "reviews_late_from": min((a.due_at if a.status is A.ACCEPTED else a.respond_by for a in open_), default=None),
        "recommendation_pending": any(r.status is RecommendationStatus.PENDING for r in db.session.scalars(
            select(EditorRecommendation).where(EditorRecommendation.submission_id == submission.id))),
    }


def stored(submission: Submission) -> dict:
    row = db.session.execute(select(*(getattr(Submission, c) for c in FACT_COLUMNS))
                             .where(Submission.id == submission.id)).one()
    return {column: (bool(value) if column == "recommendation_pending" else value)
            for column, value in zip(FACT_COLUMNS, row)}


def check(submission: Submission, **expected) -> dict:
    """The stored figures equal a fresh count (and, where given, the expected values)."""
    fresh = counted(submission)
    assert stored(submission) == fresh
    assert {k: fresh[k] for k in expected} == expected
    return fresh


def test_the_figures_follow_invitations_answers_cancellations_due_dates_reviews_and_rounds(reviewed, make_user):
    submission, people, [first, second] = reviewed
    check(submission, reviews_invited=2, reviews_accepted=2, reviews_submitted=0, due_date_requests=0)
    journal = submission.journal
    version, updated_at = submission.version, submission.updated_at

    # Invited, then declined: counted while open, not after.
    third = make_user("vera@example.org", given_name="Vera", family_name="Rubin", roles={journal: Role.REVIEWER})
    assignment, token = invitation_service.invite_reviewer(people["editor"], submission, user_id=third.id,
                                                           respond_by=utcnow() + timedelta(days=2))
    check(submission, reviews_invited=3, reviews_accepted=2, reviews_late_from=assignment.respond_by)
    invitation_service.decline_invitation(token, reason="On leave.")
    check(submission, reviews_invited=2)

    # Invited, then cancelled by the editor.
    fourth = make_user("ines@example.org", given_name="Ines", family_name="Vale", roles={journal: Role.REVIEWER})
    assignment, _token = invitation_service.invite_reviewer(people["editor"], submission, user_id=fourth.id)
    check(submission, reviews_invited=3)
    invitation_service.cancel_invitation(people["editor"], assignment)
    check(submission, reviews_invited=2, reviews_accepted=2)

    # Accepted with another due date proposed: one request, answered yes; another, answered no.
    fifth = make_user("omar@example.org", given_name="Omar", family_name="Haddad", roles={journal: Role.REVIEWER})
    assignment, token = invitation_service.invite_reviewer(people["editor"], submission, user_id=fifth.id)
    invitation_service.accept_invitation(token, proposed_due_at=(utcnow() + timedelta(days=60)).date())
    check(submission, reviews_invited=3, reviews_accepted=3, due_date_requests=1)
    due_dates.approve_proposed_due_date(people["editor"], db.session.get(ReviewAssignment, assignment.id))
    check(submission, due_date_requests=0)
    sixth = make_user("lena@example.org", given_name="Lena", family_name="Ost", roles={journal: Role.REVIEWER})
    assignment, token = invitation_service.invite_reviewer(people["editor"], submission, user_id=sixth.id)
    invitation_service.accept_invitation(token, proposed_due_at=(utcnow() + timedelta(days=90)).date())
    check(submission, reviews_accepted=4, due_date_requests=1)
    due_dates.refuse_proposed_due_date(people["editor"], db.session.get(ReviewAssignment, assignment.id),
                                       note="We need it sooner.")
    check(submission, due_date_requests=0)

    # The editor moves a due date to the soonest of the round: the first late moment moves with it.
    soonest = db.session.get(ReviewAssignment, first.id)
    due_dates.extend_due_date(people["editor"], soonest, (soonest.respond_by + timedelta(days=1)).date())
    check(submission, reviews_late_from=db.session.get(ReviewAssignment, first.id).due_at)

    # None of this changed the paper itself: its version and last change stay.
    db.session.refresh(submission)
    assert (submission.version, submission.updated_at) == (version, updated_at)

    # Reviews submitted.
    submit_review(people, "reviewer", db.session.get(ReviewAssignment, first.id))
    check(submission, reviews_submitted=1, reviews_accepted=3)
    submit_review(people, "reviewer2", db.session.get(ReviewAssignment, second.id))
    check(submission, reviews_submitted=2, reviews_accepted=2, reviews_invited=4)

    # A revision: the decision cancels the open reviews; the resubmission opens round 2 with nothing in it yet.
    editorial.decide(people["editor"], submission, kind="major_revision", letter="Dear Mei Chen, please revise.")
    check(submission, reviews_invited=2, reviews_accepted=0, reviews_submitted=2, reviews_late_from=None)
    manuscript_service.upload_manuscript(people["author"], submission,
                                         io.BytesIO(manuscript_pdf(["Regolith heat flow, revised"])), "revised.pdf")
    if submission_service.needs_anonymity_decision(submission):
        draft_service.confirm_anonymity(people["author"], submission)
    submission_service.resubmit(people["author"], submission, response="We added the profile.")
    check(submission, reviews_invited=0, reviews_accepted=0, reviews_submitted=0)
    assert submission.current_round == 2

    # Round 2 with the same reviewers: two invitations, one accepted, one review.
    assert invitation_service.send_to_previous_reviewers(people["editor"], submission) == 2
    check(submission, reviews_invited=2, reviews_accepted=0, reviews_submitted=0)
    round_two = [a for a in db.session.scalars(select(ReviewAssignment).where(
        ReviewAssignment.submission_id == submission.id, ReviewAssignment.status == A.INVITED))]
    token = invitation_service.invitation_token(round_two[0])
    accepted = invitation_service.accept_invitation(token)
    check(submission, reviews_invited=2, reviews_accepted=1)
    who = "reviewer" if accepted.reviewer_id == people["reviewer"].id else "reviewer2"
    submit_review(people, who, db.session.get(ReviewAssignment, accepted.id))
    check(submission, reviews_invited=2, reviews_accepted=0, reviews_submitted=1)

    # The decision: accepted; the other open invitation is cancelled.
    editorial.decide(people["editor"], submission, kind="accept", letter="Dear Mei Chen, accepted.",
                     override_reason="One review suffices for a revision this small.")
    db.session.refresh(submission)
    assert submission.status is S.ACCEPTED
    check(submission, reviews_submitted=1)


def test_a_recommendation_waits_until_a_managing_editor_decides(reviewed):
    submission, people, [first, second] = reviewed
    submission.journal.editors_recommend_only = True
    db.session.commit()
    submit_review(people, "reviewer", first)
    submit_review(people, "reviewer2", second)
    check(submission, reviews_submitted=2, recommendation_pending=False)
    editorial.recommend(people["editor"], submission, kind="accept", reasons="Both reviewers agree it holds.")
    check(submission, recommendation_pending=True)
    editorial.recommend(people["editor"], submission, kind="minor_revision", reasons="On reflection, two fixes.")
    check(submission, recommendation_pending=True)  # the first withdrawn, the second waits
    editorial.decide(people["manager"], submission, kind="minor_revision", letter="Dear author, small changes.")
    check(submission, recommendation_pending=False)


def test_refresh_review_facts_repairs_figures_written_around_the_models(reviewed):
    submission, _people, _assignments = reviewed
    db.session.execute(text("UPDATE submissions SET reviews_invited = 9, reviews_late_from = NULL, "
                            "recommendation_pending = :yes WHERE id = :id"), {"yes": True, "id": submission.id})
    assert stored(submission) != counted(submission)
    refresh_review_facts(db.session, [submission.id])
    db.session.commit()
    check(submission, reviews_invited=2)
    db.session.execute(text("UPDATE submissions SET reviews_accepted = 0"))
    refresh_review_facts(db.session)  # every submission
    db.session.commit()
    check(submission, reviews_accepted=2)


# ---- The migration ------------------------------------------------------------------------------------------------

ROWS = [
    # a paper under review in round 2: round 1's reviews are not counted
    "INSERT INTO submissions (id, journal_id, submitter_id, title, abstract, keywords, language, cover_letter, "
    "competing_interests, funding, data_availability, suggested_reviewers, opposed_reviewers, status, "
    "current_round, created_at, updated_at, status_changed_at, withdraw_reason, version) VALUES "
    "(1, 1, 1, 'Under review', '', '[]', 'en', '', '', '', '', '[]', '[]', 'under_review', 2, "
    "'2026-01-01', '2026-01-01', '2026-01-01', '', 3), "
    "(2, 1, 1, 'Submitted', '', '[]', 'en', '', '', '', '', '[]', '[]', 'submitted', 1, "
    "'2026-01-01', '2026-01-01', '2026-01-01', '', 1)",
    "INSERT INTO review_rounds (id, submission_id, number, opened_at, author_response) VALUES "
    "(1, 1, 1, '2026-01-01', ''), (2, 1, 2, '2026-02-01', '')",
    "INSERT INTO editor_recommendations (id, submission_id, round, kind, reasons, letter, status, created_at) "
    "VALUES (1, 1, 2, 'accept', 'Fine.', '', 'pending', '2026-03-01')",
]


def _assignment(id_, round_id, status, respond_by, due_at, proposed=None):
    return (f"INSERT INTO review_assignments (id, round_id, submission_id, invitee_email, invitee_name, status, "
            f"token_hash, respond_by, due_at, label_number, decline_reason, suggested_alternatives, "
            f"proposed_due_at, reminders_sent, return_request, created_at) VALUES ({id_}, {round_id}, 1, "
            f"'r{id_}@example.org', '', '{status}', '{id_:064x}', '{respond_by}', '{due_at}', {id_}, '', '', "
            f"{'NULL' if proposed is None else repr(proposed)}, 0, '', '2026-01-01')")


ASSIGNMENTS = [
    _assignment(1, 1, "submitted", "2026-01-05", "2026-01-20"),  # round 1: not counted
    _assignment(2, 1, "invited", "2026-01-02", "2026-01-20"),  # round 1: not counted
    _assignment(3, 2, "submitted", "2026-02-05", "2026-02-20"),
    _assignment(4, 2, "accepted", "2026-02-05", "2026-03-10", proposed="2026-04-01"),
    _assignment(5, 2, "invited", "2026-03-03", "2026-03-30"),
    _assignment(6, 2, "declined", "2026-02-01", "2026-02-15"),
    _assignment(7, 2, "cancelled", "2026-02-01", "2026-02-12"),
]


def test_0022_fills_the_figures_from_the_rows_and_goes_back(empty_database_url, tmp_path):  # noqa: F811
    app = create_app(make_config(empty_database_url, tmp_path / "storage"))
    with app.app_context():
        upgrade(revision="0021_datestamp_and_trigrams")
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text("SET LOCAL session_replication_role = replica"))  # no foreign key checks
            for statement in ROWS + ASSIGNMENTS:
                conn.execute(text(statement))
        upgrade()
        figures = {row.id: row for row in db.session.execute(
            select(Submission.id, *(getattr(Submission, c) for c in FACT_COLUMNS), Submission.version,
                   Submission.updated_at).order_by(Submission.id))}
        under_review, submitted = figures[1], figures[2]
        assert (under_review.reviews_invited, under_review.reviews_accepted, under_review.reviews_submitted,
                under_review.due_date_requests, bool(under_review.recommendation_pending)) == (3, 1, 1, 1, True)
        # the earliest late moment of the open ones: the invitation's respond-by (3 March), before the due date
        assert under_review.reviews_late_from.date().isoformat() == "2026-03-03"
        assert under_review.version == 3 and under_review.updated_at.date().isoformat() == "2026-01-01"
        assert (submitted.reviews_invited, submitted.reviews_accepted, submitted.reviews_submitted,
                submitted.due_date_requests, submitted.reviews_late_from, bool(submitted.recommendation_pending)) == (
            0, 0, 0, 0, None, False)
        assert "ix_submissions_reviews_late" in {i["name"] for i in inspect(db.engine).get_indexes("submissions")}
        db.session.remove()

        downgrade(revision="0021_datestamp_and_trigrams")
        columns = {c["name"] for c in inspect(db.engine).get_columns("submissions")}
        assert not columns & set(FACT_COLUMNS)
        assert "ix_submissions_reviews_late" not in {i["name"] for i in inspect(db.engine).get_indexes("submissions")}
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM review_assignments")).scalar() == len(ASSIGNMENTS)
        upgrade()
        db.session.remove()
        db.engine.dispose()
