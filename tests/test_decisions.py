"""Deciding after review: the guard, the letter with reviews under their labels, the mails."""

import pytest
from sqlalchemy import select

from journal.extensions import db
from journal.models import AssignmentStatus, Decision, DecisionKind, SubmissionStatus
from journal.services import invitations as invitation_service
from journal.services import reviews as review_service
from journal.services.review_assignments import assignments_of
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


def test_a_revision_goes_back_to_the_same_reviewers_who_see_their_review_and_the_response(client, login, reviewed,
                                                                                         outbox):
    import io

    from journal.services import drafts as draft_service
    from journal.services import editorial
    from journal.services import manuscripts as manuscript_service
    from journal.services import submissions as service
    from tests.pdfs import manuscript_pdf

    submission, people, [first, second] = reviewed
    submit_review(people, "reviewer", first)
    submit_review(people, "reviewer2", second, comments="Please add the error bars to figure 2, then it is fine.")
    editorial.decide(people["editor"], submission, kind="major_revision", letter="Dear Mei Chen, please revise.")
    manuscript_service.upload_manuscript(people["author"], submission,
                                         io.BytesIO(manuscript_pdf(["Regolith heat flow, revised"])),
                                         "revised.pdf")
    if service.needs_anonymity_decision(submission):
        draft_service.confirm_anonymity(people["author"], submission)
    service.resubmit(people["author"], submission, response="We added the conductivity profile (Reviewer 1) and "
                                                              "error bars (Reviewer 2).")
    login(people["editor"])
    page = client.get(f"/editorial/jdse/submissions/{submission.id}").get_data(as_text=True)
    assert "Send to the same reviewers" in page
    response = client.post(f"/editorial/jdse/submissions/{submission.id}/send-to-previous-reviewers",
                           data={"version": submission.version}, follow_redirects=True)
    assert "2 reviewers of the previous round invited again" in response.get_data(as_text=True)
    db.session.expire_all()
    assert submission.status is S.UNDER_REVIEW and submission.current_round == 2
    round_two = [a for a in assignments_of(submission) if a.round.number == 2]
    assert sorted(a.label for a in round_two) == ["Reviewer 1", "Reviewer 2"]  # labels kept
    assert [m.template for m in outbox("rosa@example.org")][-1] == "review_invitation"

    token_link = [m for m in outbox("rosa@example.org") if m.template == "review_invitation"][-1].body_text
    from tests.conftest import link_in

    client.post("/logout")
    client.post(link_in(token_link) + "/accept", data={})
    db.session.expire_all()
    mine = next(a for a in round_two if a.reviewer_id == people["reviewer"].id)
    login(people["reviewer"])
    review_page = client.get(f"/review/assignments/{mine.id}").get_data(as_text=True)
    assert "Your review of round 1" in review_page and "thermal conductivity change with depth" in review_page
    assert "We added the conductivity profile" in review_page
    assert "error bars to figure 2" not in review_page  # the other reviewer's review is not shown here


def test_a_minor_revision_can_be_decided_without_another_review(reviewed, outbox):
    import io

    from journal.services import drafts as draft_service
    from journal.services import editorial
    from journal.services import manuscripts as manuscript_service
    from journal.services import submissions as service
    from tests.pdfs import manuscript_pdf

    submission, people, [first, second] = reviewed
    submit_review(people, "reviewer", first)
    submit_review(people, "reviewer2", second)
    editorial.decide(people["editor"], submission, kind="minor_revision", letter="Dear Mei Chen, small changes please.")
    manuscript_service.upload_manuscript(people["author"], submission, io.BytesIO(manuscript_pdf(["Revised"])), "r.pdf")
    if service.needs_anonymity_decision(submission):
        draft_service.confirm_anonymity(people["author"], submission)
    service.resubmit(people["author"], submission, response="Typos fixed.")
    editorial.decide(people["editor"], submission, kind="accept", letter="Dear Mei Chen, accepted without further review.")
    assert submission.status is S.ACCEPTED
    thanks = [m for m in outbox() if m.template == "review_thanks"]
    assert len(thanks) == 2  # from round 1 only; nobody reviewed round 2


def test_withdrawing_a_paper_under_review_releases_its_reviewers(reviewed, outbox):
    from journal.services import submissions as service

    submission, people, assignments = reviewed
    service.withdraw(people["author"], submission, reason="Mei Chen found an error in the second dataset.")
    db.session.expire_all()
    assert [a.status for a in assignments] == [AssignmentStatus.CANCELLED] * 2
    for address in ("rosa@example.org", "tomas@example.org"):
        [mail] = [m for m in outbox(address) if m.template == "review_no_longer_needed"]
        assert "has been withdrawn" in mail.body_text
        assert "Mei" not in mail.body_text and "Chen" not in mail.body_text and "error" not in mail.body_text
