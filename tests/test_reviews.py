"""The review: the assigned reviewer downloads the reviewers' copy, drafts, submits; the editor reads it."""

import io
import re

import pytest
from sqlalchemy import select

from journal.extensions import db
from journal.models import AssignmentStatus, Recommendation, Review, ReviewMode, Role
from journal.services import drafts as draft_service
from journal.services import editorial
from journal.services import invitations as invitation_service
from journal.services import manuscripts as manuscript_service
from journal.services import reviews as review_service
from journal.services import submissions as service
from journal.services.errors import DomainError
from tests.pdfs import manuscript_pdf

A = AssignmentStatus
SCORES = {"score_originality": "4", "score_significance": "3", "score_soundness": "5", "score_clarity": "2"}
COMMENTS = "The heat-flow model ignores the thermal conductivity change with depth; please discuss."
CONFIDENTIAL = "Between us: the second dataset looks recycled from an earlier paper."


@pytest.fixture
def reviewed(make_journal, make_user):
    """A double-anonymous paper under review; two reviewers have accepted."""
    journal = make_journal("jdse", reference_prefix="JDSE", review_mode=ReviewMode.DOUBLE_ANONYMOUS)
    author = make_user("mei@example.org", given_name="Mei", family_name="Chen")
    people = {
        "author": author,
        "manager": make_user(roles={journal: Role.MANAGING_EDITOR}),
        "editor": make_user("ada@example.org", given_name="Ada", family_name="Okafor", roles={journal: Role.EDITOR}),
        "reviewer": make_user("rosa@example.org", given_name="Rosa", family_name="Lindqvist",
                              roles={journal: Role.REVIEWER}),
        "reviewer2": make_user("tomas@example.org", given_name="Tomas", family_name="Berg",
                               roles={journal: Role.REVIEWER}),
    }
    submission = draft_service.start_submission(author, journal, section_id=journal.sections[0].id,
                                                checklist_confirmed=True)
    draft_service.update_metadata(author, submission, title="Regolith heat flow", keywords="moon",
                                  abstract="Heat flow through the lunar regolith over three lunar nights.")
    manuscript_service.upload_manuscript(author, submission, io.BytesIO(manuscript_pdf(
        ["Regolith heat flow", "Measured over three lunar nights."], properties={"/Author": "Mei Chen"})),
        "chen-regolith-final.pdf")
    draft_service.update_declarations(author, submission, cover_letter="", competing_interests="None", funding="None",
                                      data_availability="On request.", suggested_reviewers=[], opposed_reviewers=[])
    if service.needs_anonymity_decision(submission):
        draft_service.confirm_anonymity(author, submission)
    service.submit(author, submission)
    editorial.assign_handling_editor(people["manager"], submission, people["editor"].id)
    editorial.send_to_review(people["editor"], submission)
    assignments = []
    for who in ("reviewer", "reviewer2"):
        _assignment, token = invitation_service.invite_reviewer(people["editor"], submission, user_id=people[who].id)
        assignments.append(invitation_service.accept_invitation(token))
    return submission, people, assignments


def review_url(assignment):
    return f"/review/assignments/{assignment.id}"


def test_the_reviewer_downloads_the_anonymized_copy_under_its_neutral_name(client, login, reviewed):
    submission, people, [assignment, _] = reviewed
    login(people["reviewer"])
    page = client.get(review_url(assignment)).get_data(as_text=True)
    assert f"{submission.reference}-v1.pdf" in page and "Regolith heat flow" in page
    for secret in ("Mei", "Chen", "mei@example.org", "chen-regolith"):
        assert secret not in page
    response = client.get(f"{review_url(assignment)}/manuscript")
    assert response.status_code == 302
    download = client.get(response.headers["Location"])
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    assert f"{submission.reference}-v1.pdf" in download.headers["Content-Disposition"]
    assert b"Mei Chen" not in download.data and b"chen-regolith" not in download.headers["Content-Disposition"].encode()


def test_my_reviews_lists_the_review_in_progress(client, login, reviewed):
    _submission, people, [assignment, _] = reviewed
    login(people["reviewer"])
    page = client.get("/review/").get_data(as_text=True)
    assert "Reviews in progress" in page and review_url(assignment) in page and "Not started" in page


def test_another_reviewer_and_the_editors_get_404_on_the_assignment(client, login, reviewed, make_user):
    _submission, people, [assignment, _] = reviewed
    for who in ("reviewer2", "editor", "author"):
        login(people[who])
        assert client.get(review_url(assignment)).status_code == 404, who
        assert client.get(f"{review_url(assignment)}/manuscript").status_code == 404, who
        client.post("/logout")
    assert client.get(review_url(assignment)).status_code == 302  # visitors are sent to log in
    login(people["reviewer"])
    assert client.get("/review/assignments/999999").status_code == 404


def test_a_draft_is_saved_and_submitting_needs_every_part(client, login, reviewed, outbox):
    _submission, people, [assignment, _] = reviewed
    login(people["reviewer"])
    client.post(review_url(assignment), data={"score_originality": "4", "comments_to_authors": "Draft thoughts",
                                              "action": "save"})
    db.session.expire_all()
    assert assignment.review.scores == {"originality": 4} and assignment.status is A.ACCEPTED
    page = client.post(review_url(assignment), data={"score_originality": "4", "comments_to_authors": COMMENTS,
                                                     "recommendation": "minor_revision", "finished": "y",
                                                     "action": "submit"}).get_data(as_text=True)
    assert "Score every criterion" in page and "Significance" in page
    page = client.post(review_url(assignment), data={**SCORES, "comments_to_authors": COMMENTS, "action": "submit",
                                                     "finished": "y"}).get_data(as_text=True)
    assert "Choose your recommendation" in page
    page = client.post(review_url(assignment), data={**SCORES, "recommendation": "minor_revision", "action": "submit",
                                                     "finished": "y", "comments_to_authors": ""}).get_data(as_text=True)
    assert "Write at least 20 characters of comments for the authors; you wrote 0." in page
    page = client.post(review_url(assignment), data={**SCORES, "recommendation": "minor_revision", "action": "submit",
                                                     "comments_to_authors": COMMENTS}).get_data(as_text=True)
    assert "I have finished my review" in page and "Tick" in page
    db.session.expire_all()
    assert assignment.status is A.ACCEPTED and not [m for m in outbox() if m.template == "review_submitted"]


def test_comments_shorter_than_the_minimum_are_refused_and_kept_in_the_form(client, login, reviewed, outbox):
    _submission, people, [assignment, _] = reviewed
    login(people["reviewer"])
    short = "Fine, accept it."  # 16 characters: says nothing the authors can act on
    response = client.post(review_url(assignment), data={
        **SCORES, "recommendation": "accept", "comments_to_authors": f"  {short}  ", "finished": "y",
        "action": "submit"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert (f"Write at least {review_service.MIN_COMMENTS_LENGTH} characters of comments for the authors; "
            f"you wrote {len(short)}.") in page
    assert short in page and re.search(r'<input checked[^>]*value="accept"', page)  # what was typed stays
    assert "Do not sign it. At least 20 characters." in page  # the field says so before anyone is refused
    db.session.expire_all()
    assert assignment.status is A.ACCEPTED and assignment.review.comments_to_authors == short
    assert not [m for m in outbox() if m.template == "review_submitted"]
    long_enough = "x" * review_service.MIN_COMMENTS_LENGTH
    client.post(review_url(assignment), data={**SCORES, "recommendation": "accept", "comments_to_authors": long_enough,
                                              "finished": "y", "action": "submit"})
    db.session.expire_all()
    assert assignment.status is A.SUBMITTED


def submit(client, assignment, **extra):
    return client.post(review_url(assignment), data={
        **SCORES, "recommendation": "minor_revision", "comments_to_authors": COMMENTS,
        "confidential_comments": CONFIDENTIAL, "finished": "y", "action": "submit", **extra}, follow_redirects=True)


def test_a_submitted_review_is_read_only_and_the_editor_is_told(client, login, reviewed, outbox):
    _submission, people, [assignment, _] = reviewed
    login(people["reviewer"])
    page = submit(client, assignment).get_data(as_text=True)
    assert "your review is submitted" in page and "can no longer be changed" in page and "<textarea" not in page
    db.session.expire_all()
    assert assignment.status is A.SUBMITTED and assignment.completed_at is not None
    review = db.session.scalar(select(Review))
    assert review.recommendation is Recommendation.MINOR_REVISION and review.scores["soundness"] == 5
    client.post(review_url(assignment), data={**SCORES, "recommendation": "reject", "comments_to_authors": "x" * 30,
                                              "action": "save"})
    db.session.expire_all()
    assert review.recommendation is Recommendation.MINOR_REVISION and review.comments_to_authors == COMMENTS
    with pytest.raises(DomainError, match="can no longer be changed"):
        review_service.save_review(people["reviewer"], assignment, comments_to_authors="changed")
    [told] = [m for m in outbox("ada@example.org") if m.template == "review_submitted"]
    assert "Reviewer 1" in told.body_text and "Minor revision" in told.body_text
    assert "Completed reviews" in client.get("/review/").get_data(as_text=True)


def test_the_editor_sees_reviews_side_by_side_with_confidential_comments(client, login, reviewed):
    submission, people, [first, second] = reviewed
    login(people["reviewer"])
    submit(client, first)
    client.post("/logout")
    login(people["reviewer2"])
    submit(client, second, score_clarity="5", recommendation="major_revision", confidential_comments="")
    client.post("/logout")
    login(people["editor"])
    page = client.get(f"/editorial/jdse/submissions/{submission.id}").get_data(as_text=True)
    assert "Submitted reviews" in page and "Major revision" in page and "Minor revision" in page
    assert CONFIDENTIAL in page and "Rosa Lindqvist" in page and COMMENTS in page


def test_the_author_sees_no_reviewer_names_nor_confidential_comments(client, login, reviewed):
    submission, people, [first, _] = reviewed
    login(people["reviewer"])
    submit(client, first)
    client.post("/logout")
    login(people["author"])
    for url in (f"/submissions/{submission.id}", "/my/submissions"):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        for secret in ("Rosa", "Lindqvist", "rosa@example.org", "Tomas", "tomas@example.org", CONFIDENTIAL):
            assert secret not in page, (url, secret)
    assert client.get(review_url(first)).status_code == 404
