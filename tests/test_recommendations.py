"""Recommend-only journals: the handling editor recommends with reasons; a managing editor confirms or changes."""

import re

from sqlalchemy import select

from journal.extensions import db
from journal.models import Decision, DecisionKind, EditorRecommendation, RecommendationStatus, SubmissionStatus
from journal.services import editorial
from journal.services.errors import DomainError, PermissionDenied
from tests.test_decisions import submit_review
from tests.test_reviews import reviewed  # noqa: F401  (the fixture)

import pytest

S = SubmissionStatus
REASONS = "Both reviewers ask for the same two analyses; the result itself holds."


def page(submission, action=""):
    return f"/editorial/jdse/submissions/{submission.id}{action}"


@pytest.fixture
def recommend_only(reviewed):
    submission, people, assignments = reviewed
    submission.journal.editors_recommend_only = True
    db.session.commit()
    submit_review(people, "reviewer", assignments[0])
    submit_review(people, "reviewer2", assignments[1])
    return submission, people


def test_the_handling_editor_recommends_instead_of_deciding(client, login, recommend_only, outbox):
    submission, people = recommend_only
    login(people["editor"])
    html = client.get(page(submission)).get_data(as_text=True)
    assert "Recommend a decision" in html and ">Decide<" not in html
    assert client.get(page(submission, "/decide")).status_code == 403
    with pytest.raises(PermissionDenied):
        editorial.decide(people["editor"], submission, kind="accept", letter="Dear author, accepted as it is.")

    form = client.get(page(submission, "/recommend?kind=major_revision")).get_data(as_text=True)
    assert "Reviewer 1:" in form  # the draft letter starts from the template with the reviews
    response = client.post(page(submission, "/recommend"), data={
        "kind": "major_revision", "reasons": REASONS, "letter": "Dear author,\n\nplease revise: both reviewers agree.",
        "version": submission.version})
    assert response.status_code == 302
    [rec] = db.session.scalars(select(EditorRecommendation)).all()
    assert rec.status is RecommendationStatus.PENDING and rec.kind is DecisionKind.MAJOR_REVISION
    db.session.expire_all()
    assert submission.status is S.UNDER_REVIEW  # nothing is decided yet
    [mail] = [m for m in outbox(people["manager"].email) if m.template == "recommendation_made"]
    assert REASONS in mail.body_text and "(major revision)" in mail.subject
    assert not [m for m in outbox("mei@example.org") if m.template == "decision"]


def test_the_managing_editor_confirms_from_the_recommendation(client, login, recommend_only, outbox):
    submission, people = recommend_only
    draft = "Dear author,\n\nplease revise: both reviewers agree on the analyses."
    editorial.recommend(people["editor"], submission, kind="major_revision", reasons=REASONS, letter=draft)
    login(people["manager"])
    form = client.get(page(submission, "/decide")).get_data(as_text=True)
    assert "Recommended by the handling editor: Major revision" in form and REASONS in form
    [radio] = re.findall(r'<input[^>]*type="radio"[^>]*value="major_revision"[^>]*>|<input[^>]*value="major_revision"[^>]*type="radio"[^>]*>', form)
    assert "checked" in radio  # the recommended decision is preselected
    assert draft.split("\n")[-1] in form  # the editor's draft letter is the starting point
    response = client.post(page(submission, "/decide"), data={"kind": "major_revision", "letter": draft,
                                                                "version": submission.version})
    assert response.status_code == 302
    db.session.expire_all()
    [rec] = db.session.scalars(select(EditorRecommendation)).all()
    [decision] = db.session.scalars(select(Decision)).all()
    assert rec.status is RecommendationStatus.CONFIRMED and rec.decision_id == decision.id
    assert submission.status is S.REVISION_REQUESTED
    [told] = [m for m in outbox(people["editor"].email) if m.template == "recommendation_resolved"]
    assert "confirmed" in told.subject
    actions = [e.action for e in __import__("journal.audit", fromlist=["history"]).history(submission)]
    assert "submission.recommended" in actions and "submission.recommendation_confirmed" in actions


def test_the_managing_editor_decides_otherwise_and_the_editor_is_told(recommend_only, outbox):
    submission, people = recommend_only
    editorial.recommend(people["editor"], submission, kind="accept", reasons=REASONS)
    editorial.decide(people["manager"], submission, kind="minor_revision",
                     letter="Dear author,\n\nplease make the small changes the reviewers ask for.")
    [rec] = db.session.scalars(select(EditorRecommendation)).all()
    assert rec.status is RecommendationStatus.CHANGED
    [told] = [m for m in outbox(people["editor"].email) if m.template == "recommendation_resolved"]
    assert "“Accept”" in told.body_text and "“Minor revision”" in told.body_text


def test_a_new_recommendation_replaces_the_pending_one_and_reasons_are_required(recommend_only):
    submission, people = recommend_only
    with pytest.raises(DomainError, match="reasons"):
        editorial.recommend(people["editor"], submission, kind="accept", reasons=" ")
    with pytest.raises(DomainError):
        editorial.recommend(people["editor"], submission, kind="desk_reject", reasons=REASONS)
    first = editorial.recommend(people["editor"], submission, kind="accept", reasons=REASONS)
    second = editorial.recommend(people["editor"], submission, kind="reject", reasons=REASONS)
    db.session.refresh(first)
    assert first.status is RecommendationStatus.WITHDRAWN and second.status is RecommendationStatus.PENDING
    assert editorial.pending_recommendation(submission).id == second.id


def test_managing_editors_do_not_recommend_and_other_journals_decide_directly(client, login, reviewed):
    submission, people, _ = reviewed
    with pytest.raises(PermissionDenied):  # the journal lets its editors decide
        editorial.recommend(people["editor"], submission, kind="accept", reasons=REASONS)
    submission.journal.editors_recommend_only = True
    db.session.commit()
    with pytest.raises(PermissionDenied):  # managing editors decide, they don't recommend
        editorial.recommend(people["manager"], submission, kind="accept", reasons=REASONS)
    login(people["manager"])
    assert client.get(page(submission, "/recommend")).status_code == 403


def test_at_screening_the_editor_recommends_rejection_without_review(client, login, reviewed, make_user, outbox):
    submission, people, _ = reviewed
    journal = submission.journal
    journal.editors_recommend_only = True
    db.session.commit()
    # A fresh submission of the same journal, handled by the editor, still at screening.
    from tests.test_reviews import manuscript_pdf
    from journal.services import drafts as draft_service
    from journal.services import manuscripts as manuscript_service
    from journal.services import submissions as service
    import io
    author = people["author"]
    other = draft_service.start_submission(author, journal, section_id=journal.sections[0].id, checklist_confirmed=True)
    draft_service.update_metadata(author, other, title="Dust devils on Mars", keywords="mars",
                                  abstract="Counting dust devils in orbital images over three Martian years.")
    manuscript_service.upload_manuscript(author, other, io.BytesIO(manuscript_pdf(["Dust devils"])), "dust.pdf")
    draft_service.update_declarations(author, other, cover_letter="", competing_interests="None", funding="None",
                                      data_availability="On request.", suggested_reviewers=[], opposed_reviewers=[])
    if service.needs_anonymity_decision(other):
        draft_service.confirm_anonymity(author, other)
    service.submit(author, other)
    editorial.assign_handling_editor(people["manager"], other, people["editor"].id)
    login(people["editor"])
    html = client.get(page(other)).get_data(as_text=True)
    assert "Reject without review" not in html and "Send to review" in html and "Recommend a decision" in html
    assert client.get(page(other, "/desk-reject")).status_code == 403
    response = client.post(page(other, "/recommend"), data={
        "kind": "desk_reject", "reasons": "Out of scope: atmospheric physics, not exploration.",
        "letter": "Dear author,\n\nthe paper is outside the journal's scope.", "version": other.version})
    assert response.status_code == 302
    assert db.session.scalar(select(EditorRecommendation).where(EditorRecommendation.submission_id == other.id))
    login(people["manager"])
    form = client.get(page(other, "/desk-reject")).get_data(as_text=True)
    assert "Recommended by the handling editor: Rejected without review" in form
    assert "outside the journal&#39;s scope" in form or "outside the journal's scope" in form
    editorial.desk_reject(people["manager"], other, letter="Dear author,\n\nthe paper is outside the journal's scope.")
    [rec] = db.session.scalars(select(EditorRecommendation).where(EditorRecommendation.submission_id == other.id))
    assert rec.status is RecommendationStatus.CONFIRMED
