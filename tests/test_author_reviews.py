"""The author's submission page after a decision: the reviews the editor shares, under "Reviewer 1", "Reviewer 2",
with their attachments; never a confidential comment, an unshared review, or (except in open review with the
reviewer's consent, after the decision) a reviewer's name."""

import io

import pytest
from pypdf import PdfReader

from journal.extensions import db
from journal.models import Contributor, ReviewMode
from journal.services import review_handling as review_handling_service
from tests.pdfs import manuscript_pdf
from tests.test_reviewer_after_decision import (SECOND_COMMENTS, SECOND_CONFIDENTIAL, decide, paper_in_review,
                                                write_review)
from tests.test_reviews import COMMENTS, CONFIDENTIAL

REVIEWER_SECRETS = ("Rosa", "Lindqvist", "rosa@example.org", "Tomas", "Berg", "tomas@example.org", CONFIDENTIAL,
                    SECOND_CONFIDENTIAL)
NOTES = manuscript_pdf("Line-by-line notes on the heat-flow model.",
                       properties={"/Author": "Rosa Lindqvist", "/Creator": "rosa@example.org"})


@pytest.fixture
def reviewed(make_journal, make_user):
    return paper_in_review(make_journal, make_user)


def page_of(client, submission) -> str:
    response = client.get(f"/submissions/{submission.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def attachment_url(submission, file) -> str:
    return f"/submissions/{submission.id}/reviews/files/{file.id}"


def the_attachment(submission):
    db.session.expire_all()
    [file] = [f for f in submission.files if f.kind.value == "review_attachment"]
    return file


def test_before_the_decision_the_author_sees_no_review(client, login, reviewed):
    submission, people, [first, second] = reviewed
    write_review(people, "reviewer", first, COMMENTS, CONFIDENTIAL, attachment=NOTES)
    write_review(people, "reviewer2", second, SECOND_COMMENTS, SECOND_CONFIDENTIAL)
    login(people["author"])
    page = page_of(client, submission)
    assert COMMENTS not in page and SECOND_COMMENTS not in page and "Reviewer 1" not in page
    assert client.get(attachment_url(submission, the_attachment(submission))).status_code == 404


def test_after_the_decision_the_authors_read_the_shared_reviews_under_labels_only(client, login, reviewed,
                                                                                   make_user):
    submission, people, [first, second] = reviewed
    write_review(people, "reviewer", first, COMMENTS, CONFIDENTIAL, attachment=NOTES)
    write_review(people, "reviewer2", second, SECOND_COMMENTS, SECOND_CONFIDENTIAL)
    decide(people, submission)
    coauthor = make_user("li@example.org", given_name="Li", family_name="Wang")
    submission.contributors.append(Contributor(given_name="Li", family_name="Wang", email=coauthor.email,
                                               user=coauthor, position=1))
    db.session.commit()
    file = the_attachment(submission)
    for who in (people["author"], coauthor):
        login(who)
        page = page_of(client, submission)
        reviews = page.split("The reviewers' comments")[1].split("</section>")[0]
        assert "Reviewer 1" in reviews and "Reviewer 2" in reviews
        assert COMMENTS in reviews and SECOND_COMMENTS in reviews
        assert "Reviewer 1 – attachment.pdf" in reviews
        assert "Originality" not in page and "Recommendation" not in page  # the scores stay with the editors
        for secret in REVIEWER_SECRETS:
            assert secret not in page, secret
        response = client.get(attachment_url(submission, file))
        assert response.status_code == 302
        download = client.get(response.headers["Location"])
        assert download.status_code == 200 and "Reviewer 1" in download.headers["Content-Disposition"]
        assert b"Rosa" not in download.data and b"rosa@example.org" not in download.data
        assert not PdfReader(io.BytesIO(download.data)).metadata
        client.post("/logout")


def test_an_unshared_review_and_its_attachment_stay_with_the_editors(client, login, reviewed):
    submission, people, [first, second] = reviewed
    write_review(people, "reviewer", first, COMMENTS, CONFIDENTIAL, attachment=NOTES)
    write_review(people, "reviewer2", second, SECOND_COMMENTS, SECOND_CONFIDENTIAL)
    review_handling_service.set_shared_with_authors(people["editor"], first, False)
    review_handling_service.correct_review(people["editor"], second,
                                           "Please compare section 3 with the Apollo 15 probes.")
    decide(people, submission)
    login(people["author"])
    page = page_of(client, submission)
    reviews = page.split("The reviewers' comments")[1].split("</section>")[0]
    assert COMMENTS not in reviews and "attachment.pdf" not in page
    # The one review shown is Reviewer 1 to the authors (the editors' Reviewer 2): no gap where the other was.
    assert "Reviewer 1" in reviews and "Reviewer 2" not in reviews
    assert "Please compare section 3 with the Apollo 15 probes." in reviews  # the editor's corrected text
    assert SECOND_COMMENTS not in reviews
    assert client.get(attachment_url(submission, the_attachment(submission))).status_code == 404


def test_an_attachment_reaches_the_authors_under_their_label_and_its_reviewer_is_told_the_label(client, login,
                                                                                                 reviewed):
    submission, people, [first, second] = reviewed
    write_review(people, "reviewer", first, COMMENTS, CONFIDENTIAL)
    write_review(people, "reviewer2", second, SECOND_COMMENTS, SECOND_CONFIDENTIAL,
                 attachment=manuscript_pdf("Figure-by-figure notes."))
    review_handling_service.set_shared_with_authors(people["editor"], first, False)
    decide(people, submission)
    file = the_attachment(submission)
    assert file.original_name == "Reviewer 2 – attachment.pdf"  # stored under the editors' number
    login(people["author"])
    reviews = page_of(client, submission).split("The reviewers' comments")[1].split("</section>")[0]
    assert "Reviewer 1 – attachment.pdf" in reviews and "Reviewer 2" not in reviews
    download = client.get(client.get(attachment_url(submission, file)).headers["Location"])
    assert "Reviewer 1" in download.headers["Content-Disposition"]
    client.post("/logout")
    login(people["reviewer2"])
    page = client.get(f"/review/assignments/{second.id}").get_data(as_text=True)
    assert "you are Reviewer 2" in page and "The authors read your review as Reviewer 1." in page


def test_the_attachment_route_answers_only_the_papers_authors(client, login, reviewed, make_user):
    submission, people, [first, second] = reviewed
    write_review(people, "reviewer", first, COMMENTS, CONFIDENTIAL, attachment=NOTES)
    write_review(people, "reviewer2", second, SECOND_COMMENTS, SECOND_CONFIDENTIAL)
    decide(people, submission)
    url = attachment_url(submission, the_attachment(submission))
    assert client.get(url).status_code == 302 and "/login" in client.get(url).headers["Location"]
    for who in (make_user(), people["reviewer2"], people["editor"]):
        login(who)
        assert client.get(url).status_code == 404
        client.post("/logout")
    login(people["author"])
    assert client.get(f"/submissions/{submission.id}/reviews/files/{submission.files[0].id}").status_code == 404


def test_open_review_names_a_consenting_reviewer_to_the_authors_only_after_the_decision(client, login, make_journal,
                                                                                        make_user):
    submission, people, [first, second] = paper_in_review(make_journal, make_user, ReviewMode.OPEN)
    write_review(people, "reviewer", first, COMMENTS, CONFIDENTIAL, consent=True)
    write_review(people, "reviewer2", second, SECOND_COMMENTS, SECOND_CONFIDENTIAL, consent=False)
    login(people["author"])
    page = page_of(client, submission)
    assert "Rosa" not in page and "Lindqvist" not in page
    client.post("/logout")
    decide(people, submission)
    login(people["author"])
    page = page_of(client, submission)
    reviews = page.split("The reviewers' comments")[1].split("</section>")[0]
    assert "Reviewer 1" in reviews and "Rosa Lindqvist" in reviews and "Reviewer 2" in reviews
    for secret in ("Tomas", "Berg", "tomas@example.org", "rosa@example.org", CONFIDENTIAL, SECOND_CONFIDENTIAL):
        assert secret not in page, secret


def test_a_double_anonymous_reviewer_is_never_named_even_with_consent_recorded(client, login, reviewed):
    submission, people, [first, second] = reviewed
    write_review(people, "reviewer", first, COMMENTS, CONFIDENTIAL)
    write_review(people, "reviewer2", second, SECOND_COMMENTS, SECOND_CONFIDENTIAL)
    first.review.consent_to_name = True  # as if the journal had been open when the review was written
    db.session.commit()
    decide(people, submission)
    login(people["author"])
    page = page_of(client, submission)
    for secret in REVIEWER_SECRETS:
        assert secret not in page, secret

