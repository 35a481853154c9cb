"""Deciding after review: the guard, the letter with reviews under their labels, the mails."""

import pytest
from sqlalchemy import select

from journal.extensions import db
from journal.models import AssignmentStatus, Decision, DecisionKind, SubmissionStatus
from journal.services import reviews as review_service
from tests.test_reviews import COMMENTS, CONFIDENTIAL, reviewed  # noqa: F401  (the fixture)

S = SubmissionStatus


def submit_review(people, who, assignment, comments=COMMENTS):
    review_service.save_review(people[who], assignment, scores={"originality": 4, "significance": 3, "soundness": 5,
                                                                "clarity": 2},
                               recommendation="minor_revision", comments_to_authors=comments,
                               confidential_comments=CONFIDENTIAL)
    review_service.submit_review(people[who], assignment)


def decide_url(submission):
    return f"/editorial/jdse/submissions/{submission.id}/decide"


def test_the_decision_needs_the_required_reviews_or_a_recorded_reason(client, login, reviewed, outbox):
    submission, people, [first, second] = reviewed
    submit_review(people, "reviewer", first)
    login(people["editor"])
    form = client.get(f"{decide_url(submission)}?kind=minor_revision").get_data(as_text=True)
    assert "Reviewer 1:" in form and "thermal conductivity change with depth" in form
    for secret in ("Rosa", "Lindqvist", "rosa@example.org", "Between us"):
        assert secret not in form.split('name="letter"')[1].split("</textarea>")[0]
    letter = "Dear Mei Chen,\n\nplease revise as Reviewer 1 asks."
    page = client.post(decide_url(submission), data={"kind": "minor_revision", "letter": letter,
                                                     "version": submission.version}).get_data(as_text=True)
    assert "This round has 1 submitted review; the journal asks for 2." in page
    db.session.expire_all()
    assert submission.status is S.UNDER_REVIEW

    response = client.post(decide_url(submission), data={
        "kind": "minor_revision", "letter": letter, "version": submission.version,
        "override_reason": "The second reviewer is on a field campaign until spring."})
    assert response.status_code == 302
    db.session.expire_all()
    assert submission.status is S.REVISION_REQUESTED
    [decision] = db.session.scalars(select(Decision)).all()
    assert decision.kind is DecisionKind.MINOR_REVISION and decision.letter == letter
    assert [m.template for m in outbox("mei@example.org")][-1] == "decision"
    assert [m.template for m in outbox("rosa@example.org")][-1] == "review_thanks"
    assert [m.template for m in outbox("tomas@example.org")][-1] == "review_no_longer_needed"
    db.session.refresh(second)
    assert second.status is AssignmentStatus.CANCELLED


def test_an_accepted_paper_and_the_authors_see_the_letter_but_no_reviewer(client, login, reviewed, outbox):
    submission, people, [first, second] = reviewed
    submit_review(people, "reviewer", first)
    submit_review(people, "reviewer2", second, comments="Clear and convincing; a few typos in section 3.")
    login(people["editor"])
    letter = client.get(f"{decide_url(submission)}?kind=accept").get_data(as_text=True)
    assert "accepted for publication" in letter and "Reviewer 2:" in letter
    client.post(decide_url(submission), data={"kind": "accept", "letter": "Dear Mei Chen,\n\naccepted, congratulations.",
                                              "version": submission.version})
    db.session.expire_all()
    assert submission.status is S.ACCEPTED and submission.accepted_at is not None
    client.post("/logout")
    login(people["author"])
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "accepted, congratulations" in page
    for secret in ("Rosa", "Lindqvist", "Tomas", "Berg", "Between us"):
        assert secret not in page
