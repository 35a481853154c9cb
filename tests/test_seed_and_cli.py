"""`flask journal seed-demo` and `create-admin`."""

from sqlalchemy import select

from journal.extensions import db
from journal.models import Journal, Membership, Role, User
from journal.seed import DEMO_PASSWORD


def test_seed_demo_creates_jdse_with_its_people_and_prints_their_logins(runner, client):
    result = runner.invoke(args=["journal", "seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "Journal of Deep Space Exploration" in result.output and DEMO_PASSWORD in result.output
    jdse = db.session.scalar(select(Journal).where(Journal.slug == "jdse"))
    assert [s.title for s in jdse.sections] == ["Research Article", "Review", "Letter", "Mission Report"]
    roles = [m.role for m in db.session.scalars(select(Membership).where(Membership.journal_id == jdse.id))]
    assert roles.count(Role.MANAGING_EDITOR) == 1 and roles.count(Role.EDITOR) == 2 and roles.count(Role.REVIEWER) == 6
    reviewers = db.session.scalars(select(User).join(Membership).where(Membership.role == Role.REVIEWER)).all()
    assert all(r.expertise_keywords for r in reviewers)
    assert result.output.count("Author") >= 3

    response = client.post("/login", data={"email": "managing.editor@idsea.example", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get("/manage/jdse/settings").status_code == 200

    from journal.models import Submission, SubmissionStatus

    statuses = sorted(s.status.value for s in db.session.scalars(select(Submission)))
    assert statuses == ["accepted", "draft", "rejected", "revision_requested", "submitted", "under_review",
                        "under_review"]
    assert all(s.files for s in db.session.scalars(select(Submission)))
    # Made through the services: reviews submitted and drafted, a declined invitation, decisions with letters.
    from journal.models import AssignmentStatus, Decision, DecisionKind, Review, ReviewAssignment

    assignments = db.session.scalars(select(ReviewAssignment)).all()
    states = sorted(a.status.value for a in assignments)
    assert states.count(AssignmentStatus.SUBMITTED.value) == 6 and AssignmentStatus.DECLINED.value in states
    assert AssignmentStatus.INVITED.value in states and AssignmentStatus.ACCEPTED.value in states
    assert db.session.scalar(select(db.func.count()).select_from(Review).where(Review.submitted_at.is_(None))) == 1
    kinds = sorted(d.kind.value for d in db.session.scalars(select(Decision)))
    assert kinds == sorted([DecisionKind.MAJOR_REVISION.value, DecisionKind.MINOR_REVISION.value,
                            DecisionKind.ACCEPT.value, DecisionKind.DESK_REJECT.value])
    assert "Reviewer 1" in db.session.scalar(select(Decision).where(Decision.kind == DecisionKind.MAJOR_REVISION)).letter

    again = runner.invoke(args=["journal", "seed-demo", "--if-empty"])
    assert "skipped" in again.output
    assert db.session.scalar(select(db.func.count()).select_from(Journal)) == 2


def test_create_admin_makes_a_platform_administrator(runner, client):
    result = runner.invoke(args=["journal", "create-admin", "root@example.org", "--password", "a long admin secret"])
    assert result.exit_code == 0, result.output
    client.post("/login", data={"email": "root@example.org", "password": "a long admin secret"})
    assert client.get("/admin/").status_code == 200
    weak = runner.invoke(args=["journal", "create-admin", "other@example.org", "--password", "short"])
    assert weak.exit_code != 0 and "at least 10 characters" in weak.output
