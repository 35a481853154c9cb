"""The reviewer's side after submitting: a returned review, the decision, the other reviews under their labels,
and "My reviews" (invitations, reviews in progress, completed reviews)."""

import io
from datetime import timedelta

import pytest

from journal.extensions import db
from journal.models import AssignmentStatus, ReviewMode, Role, utcnow
from journal.services import drafts as draft_service
from journal.services import editorial
from journal.services import invitations as invitation_service
from journal.services import manuscripts as manuscript_service
from journal.services import review_attachments as review_attachment_service
from journal.services import review_handling as review_handling_service
from journal.services import reviews as review_service
from journal.services import shared_reviews
from journal.services import submissions as service
from tests.pdfs import manuscript_pdf
from tests.test_reviews import COMMENTS, CONFIDENTIAL, SCORES, review_url

A = AssignmentStatus
SECOND_COMMENTS = "Section 3 would gain from a comparison with the Apollo 15 heat-flow probes."
SECOND_CONFIDENTIAL = "I know this group; they tend to oversell."
AUTHOR_SECRETS = ("Mei", "Chen", "mei@example.org", "chen-regolith")


def paper_in_review(make_journal, make_user, mode=ReviewMode.DOUBLE_ANONYMOUS, **journal_fields):
    """A paper under review in a journal of the given mode; Rosa (Reviewer 1) and Tomas (Reviewer 2) accepted."""
    journal = make_journal("jdse", title="Journal of Deep Space Exploration", reference_prefix="JDSE",
                           review_mode=mode, **journal_fields)
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


def write_review(people, who, assignment, comments, confidential, *, consent=None, attachment=None):
    review_service.save_review(people[who], assignment, scores={"originality": 4, "significance": 3, "soundness": 5,
                                                                "clarity": 2},
                               recommendation="minor_revision", comments_to_authors=comments,
                               confidential_comments=confidential, consent_to_name=consent)
    if attachment is not None:
        file = review_attachment_service.add_review_attachment(people[who], assignment, io.BytesIO(attachment),
                                                               "my-notes.pdf")
        if file.names_found:  # the reviewer was shown where it names them and agreed that it may be shared
            shared_reviews.confirm_review_attachment(people[who], assignment, file.id)
    review_service.submit_review(people[who], assignment)


def decide(people, submission, kind="minor_revision"):
    letter = editorial.default_decision_letter(submission, editorial.DecisionKind(kind))
    return editorial.decide(people["editor"], submission, kind=kind, letter=letter,
                            override_reason="The other reviewer has not finished.")


@pytest.fixture
def reviewed(make_journal, make_user):
    return paper_in_review(make_journal, make_user)


def test_after_the_decision_the_reviewer_sees_it_and_the_other_reviews_under_their_labels(client, login, reviewed):
    submission, people, [first, second] = reviewed
    write_review(people, "reviewer", first, COMMENTS, CONFIDENTIAL)
    write_review(people, "reviewer2", second, SECOND_COMMENTS, SECOND_CONFIDENTIAL,
                 attachment=manuscript_pdf("Figure-by-figure notes.", properties={"/Author": "Tomas Berg"}))
    login(people["reviewer"])
    before = client.get(review_url(first)).get_data(as_text=True)
    assert SECOND_COMMENTS not in before and "The editors' decision" not in before

    decide(people, submission)
    page = client.get(review_url(first)).get_data(as_text=True)
    assert "The editors' decision" in page and "Minor revision" in page
    assert "Reviewer 2" in page and SECOND_COMMENTS in page and "Reviewer 2 – attachment.pdf" in page
    for secret in (SECOND_CONFIDENTIAL, "Tomas", "Berg", "tomas@example.org", *AUTHOR_SECRETS):
        assert secret not in page, secret
    assert COMMENTS in page and CONFIDENTIAL in page  # their own review, as they wrote it

    [file] = [f for f in submission.files if f.original_name == "Reviewer 2 – attachment.pdf"]
    response = client.get(f"{review_url(first)}/attachments/{file.id}")
    assert response.status_code == 302
    download = client.get(response.headers["Location"])
    assert download.status_code == 200 and b"Tomas" not in download.data and b"Berg" not in download.data

    index = client.get("/review/").get_data(as_text=True)
    assert "Completed reviews" in index and "Minor revision" in index
    for secret in AUTHOR_SECRETS:
        assert secret not in index, secret


def test_the_letter_is_not_shown_to_reviewers_because_it_addresses_the_authors(client, login, reviewed):
    submission, people, [first, second] = reviewed
    write_review(people, "reviewer", first, COMMENTS, CONFIDENTIAL)
    write_review(people, "reviewer2", second, SECOND_COMMENTS, SECOND_CONFIDENTIAL)
    decision = decide(people, submission)
    assert "Mei Chen" in decision.letter  # the letter greets the corresponding author by name
    login(people["reviewer2"])
    page = client.get(review_url(second)).get_data(as_text=True)
    assert "Minor revision" in page and "Mei Chen" not in page and COMMENTS in page


def test_a_journal_that_keeps_reviews_apart_shows_the_reviewer_only_the_decision(client, login, make_journal,
                                                                                  make_user):
    submission, people, [first, second] = paper_in_review(make_journal, make_user, reviewers_see_reviews=False)
    write_review(people, "reviewer", first, COMMENTS, CONFIDENTIAL)
    write_review(people, "reviewer2", second, SECOND_COMMENTS, SECOND_CONFIDENTIAL)
    decide(people, submission, "reject")
    login(people["reviewer"])
    page = client.get(review_url(first)).get_data(as_text=True)
    assert "The editors' decision" in page and "Reject" in page
    assert SECOND_COMMENTS not in page and "Reviewer 2" not in page


def test_a_review_the_editor_did_not_share_stays_hidden_from_the_other_reviewers(client, login, reviewed):
    submission, people, [first, second] = reviewed
    write_review(people, "reviewer", first, COMMENTS, CONFIDENTIAL)
    write_review(people, "reviewer2", second, SECOND_COMMENTS, SECOND_CONFIDENTIAL)
    review_handling_service.set_shared_with_authors(people["editor"], second, False)
    review_handling_service.correct_review(people["editor"], first,
                                           "The heat-flow model needs the change of conductivity with depth.")
    decide(people, submission)
    login(people["reviewer2"])
    page = client.get(review_url(second)).get_data(as_text=True)
    assert "The heat-flow model needs the change of conductivity with depth." in page  # the corrected text
    assert COMMENTS not in page
    client.post("/logout")
    login(people["reviewer"])
    page = client.get(review_url(first)).get_data(as_text=True)
    assert SECOND_COMMENTS not in page and "No other review of this round was shared." in page


def test_in_an_open_journal_reviewers_see_the_names_of_those_who_agreed(client, login, make_journal, make_user):
    submission, people, [first, second] = paper_in_review(make_journal, make_user, ReviewMode.OPEN)
    write_review(people, "reviewer", first, COMMENTS, CONFIDENTIAL, consent=True)
    write_review(people, "reviewer2", second, SECOND_COMMENTS, SECOND_CONFIDENTIAL, consent=False)
    decide(people, submission)
    login(people["reviewer2"])
    page = client.get(review_url(second)).get_data(as_text=True)
    assert "Reviewer 1" in page and "Rosa Lindqvist" in page and CONFIDENTIAL not in page
    client.post("/logout")
    login(people["reviewer"])
    page = client.get(review_url(first)).get_data(as_text=True)
    assert SECOND_COMMENTS in page and "Tomas" not in page


def test_the_consent_box_is_offered_in_open_journals_only_and_kept(client, login, make_journal, make_user):
    submission, people, [first, _] = paper_in_review(make_journal, make_user, ReviewMode.OPEN)
    login(people["reviewer"])
    assert "I agree that my name is shown to the authors" in client.get(review_url(first)).get_data(as_text=True)
    client.post(review_url(first), data={"comments_to_authors": COMMENTS, "consent_to_name": "y", "action": "save"})
    db.session.expire_all()
    assert first.review.consent_to_name is True
    client.post(review_url(first), data={"comments_to_authors": COMMENTS, "action": "save"})
    db.session.expire_all()
    assert first.review.consent_to_name is False


def test_no_consent_can_be_recorded_in_an_anonymous_journal(client, login, reviewed):
    _submission, people, [first, _] = reviewed
    login(people["reviewer"])
    assert "I agree that my name is shown" not in client.get(review_url(first)).get_data(as_text=True)
    client.post(review_url(first), data={"comments_to_authors": COMMENTS, "consent_to_name": "y", "action": "save"})
    review_service.save_review(people["reviewer"], first, consent_to_name=True)
    db.session.expire_all()
    assert first.review.consent_to_name is False


def test_a_returned_review_shows_the_request_and_can_be_changed_and_submitted_again(client, login, reviewed):
    _submission, people, [first, _] = reviewed
    write_review(people, "reviewer", first, COMMENTS, CONFIDENTIAL, attachment=manuscript_pdf("First notes."))
    review_handling_service.return_review(people["editor"], first, "Please discuss the error bars of figure 3 as well.")
    login(people["reviewer"])
    page = client.get(review_url(first)).get_data(as_text=True)
    assert "The editor returned your review on" in page and "error bars of figure 3" in page
    assert "<textarea" in page and COMMENTS in page and "Remove the attachment" in page
    assert "Returned with a request" in client.get("/review/").get_data(as_text=True)
    response = client.post(review_url(first), data={
        **SCORES, "recommendation": "major_revision", "comments_to_authors": COMMENTS + " Figure 3 too.",
        "attachment": (io.BytesIO(b"Revised notes on figure 3."), "notes.txt"),
        "finished": "y", "action": "submit"}, content_type="multipart/form-data", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "your review is submitted" in page and "The editor returned your review" not in page
    db.session.expire_all()
    assert first.status is A.SUBMITTED and first.review.comments_to_authors.endswith("Figure 3 too.")
    assert "Reviewer 1 – attachment.txt" in page and "Reviewer 1 – attachment.pdf" not in page


def test_my_reviews_lists_invitations_reviews_in_progress_and_completed_ones(client, login, reviewed, make_user):
    submission, people, [first, second] = reviewed
    newcomer = make_user("nils@example.org", given_name="Nils", family_name="Holm",
                         roles={submission.journal: Role.REVIEWER})
    invitation, _token = invitation_service.invite_reviewer(people["editor"], submission, user_id=newcomer.id)
    write_review(people, "reviewer", first, COMMENTS, CONFIDENTIAL)
    second.due_at = utcnow() - timedelta(days=2)
    db.session.commit()

    login(newcomer)
    page = client.get("/review/").get_data(as_text=True)
    assert "Invitations to answer" in page and "Regolith heat flow" in page
    answer = page.split('href="/review/invitations/')[1].split('"')[0]
    assert "Accept the invitation" in client.get(f"/review/invitations/{answer}").get_data(as_text=True)
    assert 'href="/account/reviews"' in page  # the credit page
    client.post("/logout")

    login(people["reviewer2"])
    page = client.get("/review/").get_data(as_text=True)
    assert "Reviews in progress" in page and "Overdue" in page
    client.post("/logout")

    login(people["reviewer"])
    page = client.get("/review/").get_data(as_text=True)
    assert "Not decided yet" in page and "Overdue" not in page
    assert invitation.respond_by > utcnow()


def test_an_unassigned_reviewer_gets_404_everywhere_on_the_assignment(client, login, reviewed, make_user):
    submission, people, [first, _] = reviewed
    write_review(people, "reviewer", first, COMMENTS, CONFIDENTIAL,
                 attachment=manuscript_pdf("Notes."))
    decide(people, submission)
    stranger = make_user(roles={submission.journal: Role.REVIEWER})
    login(stranger)
    [file] = [f for f in submission.files if f.original_name == "Reviewer 1 – attachment.pdf"]
    for url in (review_url(first), f"{review_url(first)}/manuscript", f"{review_url(first)}/attachments/{file.id}",
                f"/account/reviews/{first.id}/certificate", f"/account/reviews/{first.id}/orcid.json"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/account/reviews/{first.id}/orcid").status_code == 404
