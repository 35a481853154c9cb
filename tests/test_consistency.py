"""`flask journal check-consistency`: every submission's audit trail replays through the workflow to its status,
and each status has what it promises; any disagreement is named with the paper's reference and exits 1."""

from sqlalchemy import delete, update

from journal.extensions import db
from journal.models import AuditEvent, Submission
from tests.test_reviews import reviewed  # noqa: F401  (the fixture)


def check(runner):
    return runner.invoke(args=["journal", "check-consistency"])


def test_papers_moved_by_the_services_are_consistent(runner, reviewed):  # noqa: F811
    from journal.services import submissions as service

    submission, people, _assignments = reviewed
    result = check(runner)
    assert result.exit_code == 0, result.output
    assert "Checked 1 submissions, 2 state changes replayed." in result.output  # submit, send to review
    service.withdraw(people["author"], submission, reason="An error in the second dataset.")
    result = check(runner)
    assert result.exit_code == 0 and "3 state changes replayed" in result.output, result.output


def test_a_status_set_behind_the_workflows_back_is_reported(runner, reviewed):  # noqa: F811
    submission, _people, _assignments = reviewed
    db.session.execute(update(Submission).where(Submission.id == submission.id).values(status="accepted"))
    db.session.commit()
    result = check(runner)
    assert result.exit_code == 1
    assert (f"INCONSISTENT  {submission.reference}: status “accepted”, but its audit trail ends at “under_review”"
            in result.output)


def test_a_lost_audit_event_breaks_the_trail(runner, reviewed):  # noqa: F811
    submission, _people, _assignments = reviewed
    db.session.execute(delete(AuditEvent).where(AuditEvent.subject_type == "submission",
                                                AuditEvent.subject_id == submission.id,
                                                AuditEvent.action == "submission.submit"))
    db.session.commit()
    result = check(runner)
    assert result.exit_code == 1
    assert f"{submission.reference}: its audit trail breaks: event" in result.output
    assert "starts from “submitted”, but the trail was at “draft”" in result.output


def test_a_published_status_without_its_article_is_reported(runner, reviewed):  # noqa: F811
    submission, _people, _assignments = reviewed
    db.session.execute(update(Submission).where(Submission.id == submission.id).values(status="published"))
    db.session.commit()
    output = check(runner).output
    assert f"{submission.reference}: status “published”, but its article is not published" in output
