"""A revision request carries a due date: the journal's default, editable in the decision; authors are reminded
around it until the revision comes in, and the editors' digest lists a late revision."""

import io
from datetime import timedelta

from journal.extensions import db
from journal.models import DecisionKind, SubmissionStatus, utcnow
from journal.services import drafts as draft_service
from journal.services import editorial
from journal.services import manuscripts as manuscript_service
from journal.services import submissions as service
from journal.services.reminders import send_reminders
from tests.data.pdf.make_samples import text_page_pdf
from tests.test_reminders import at, digests, office  # noqa: F401 (the fixture)

S = SubmissionStatus


def revision_reminders(outbox, to=None):
    return [m for m in outbox(to) if m.template == "revision_reminder"]


def reviewed_paper(journal_office):
    submission = journal_office.paper(title="Regolith heat flow")
    journal_office.submit_review(journal_office.invite(submission, 0, accept=True))
    journal_office.submit_review(journal_office.invite(submission, 1, accept=True))
    return submission


def test_the_decision_form_proposes_the_journals_days_and_the_edited_date_is_stored_and_shown(
        client, login, office, outbox):
    journal_office = office()
    journal_office.journal.minor_revision_days, journal_office.journal.major_revision_days = 21, 45
    db.session.commit()
    submission = reviewed_paper(journal_office)
    today = utcnow().date()

    login(journal_office.manager)
    page = client.get(f"/editorial/jdse/submissions/{submission.id}/decide?kind=major_revision").get_data(as_text=True)
    assert f'value="{today + timedelta(days=45)}"' in page
    page = client.get(f"/editorial/jdse/submissions/{submission.id}/decide?kind=minor_revision").get_data(as_text=True)
    assert f'value="{today + timedelta(days=21)}"' in page

    chosen = today + timedelta(days=50)
    response = client.post(f"/editorial/jdse/submissions/{submission.id}/decide", data={
        "kind": "major_revision", "letter": "Dear authors, please revise the heat-flow model.",
        "revision_due": chosen.isoformat(), "revision_due_for": "major_revision", "version": submission.version},
        follow_redirects=True)
    assert response.status_code == 200
    db.session.expire_all()
    assert submission.status is S.REVISION_REQUESTED and submission.revision_due_at.date() == chosen
    [decision_mail] = [m for m in outbox("mei@jdse.example.org") if m.template == "decision"]
    assert f"Your revised manuscript is due by {chosen:%-d %B %Y}." in decision_mail.body_text
    editorial_page = client.get(f"/editorial/jdse/submissions/{submission.id}").get_data(as_text=True)
    assert f"revision due {chosen:%-d %B %Y}" in editorial_page

    login(journal_office.author)
    assert f"The revision is due by {chosen:%-d %B %Y}." in client.get(
        f"/submissions/{submission.id}").get_data(as_text=True)
    mine = client.get("/my/submissions").get_data(as_text=True)
    assert f"response to the reviewers by {chosen:%-d %B %Y}" in mine
    assert [s.id for s in service.revisions_requested_of(journal_office.author)] == [submission.id]


def test_a_minor_revision_left_at_the_major_default_gets_the_minor_default_and_a_past_date_is_refused(office):
    journal_office = office()
    submission = reviewed_paper(journal_office)
    import pytest
    from journal.services.errors import DomainError

    with pytest.raises(DomainError, match="due after today"):
        editorial.decide(journal_office.editor, submission, kind=DecisionKind.MINOR_REVISION,
                         letter="Dear authors, small changes please.", revision_due=utcnow().date())
    db.session.rollback()
    editorial.decide(journal_office.editor, submission, kind=DecisionKind.MINOR_REVISION,
                     letter="Dear authors, small changes please.")
    assert submission.revision_due_at.date() == utcnow().date() + timedelta(days=30)


def test_authors_are_reminded_before_and_after_once_each_in_their_language_and_never_after_resubmission(
        office, outbox):
    journal_office = office()
    journal_office.journal.reminder_days = {**journal_office.journal.reminder_days, "revision": [-7, 3]}
    journal_office.author.language = "fr"
    db.session.commit()
    submission = reviewed_paper(journal_office)
    editorial.decide(journal_office.editor, submission, kind=DecisionKind.MINOR_REVISION,
                     letter="Dear authors, small changes please.")
    due = submission.revision_due_at

    assert send_reminders(at(due, -8)).revision_reminders == 0
    report = send_reminders(at(due, -7))
    assert report.revision_reminders == 1
    assert send_reminders(at(due, -7, hour=20)).revision_reminders == 0  # once
    [before] = revision_reminders(outbox, "mei@jdse.example.org")
    assert "Regolith heat flow" in before.body_text and submission.reference in before.subject
    assert send_reminders(at(due, 2)).revision_reminders == 0
    assert send_reminders(at(due, 3)).revision_reminders == 1
    assert send_reminders(at(due, 4)).revision_reminders == 0
    assert len(revision_reminders(outbox)) == 2

    # Late: the editors' digest lists it.
    text = digests(outbox, "lin@jdse.example.org")[-1].body_text
    assert "Revisions late (not back by their due date)" in text and "“Regolith heat flow”" in text

    # A second paper whose revision came in is not reminded.
    other = reviewed_paper(journal_office)
    editorial.decide(journal_office.editor, other, kind=DecisionKind.MINOR_REVISION,
                     letter="Dear authors, small changes please.")
    manuscript_service.upload_manuscript(journal_office.author, other,
                                         io.BytesIO(text_page_pdf([["Regolith heat flow, revised"]])), "r.pdf")
    if service.needs_anonymity_decision(other):
        draft_service.confirm_anonymity(journal_office.author, other)
    service.resubmit(journal_office.author, other, response="Typos fixed.")
    assert other.status is not S.REVISION_REQUESTED
    report = send_reminders(at(other.revision_due_at, -7))
    assert report.revision_reminders == 0
    assert [m for m in revision_reminders(outbox) if other.reference in m.subject] == []
    # In the author's language (French here).
    assert before.body_text.startswith("Madame, Monsieur,") and "a reminder" not in before.body_text


def test_the_typed_response_is_kept_as_a_draft_while_the_author_uploads_and_cleared_on_resubmission(
        client, login, office):
    journal_office = office()
    submission = reviewed_paper(journal_office)
    editorial.decide(journal_office.editor, submission, kind=DecisionKind.MINOR_REVISION,
                     letter="Dear authors, small changes please.")
    login(journal_office.author)
    response = client.post(f"/submissions/{submission.id}/resubmit", data={
        "response": "We added the error bars (Reviewer 1).", "save_draft": "Save", "version": submission.version},
        follow_redirects=True)
    assert "saved as a draft" in response.get_data(as_text=True)
    client.post(f"/submissions/{submission.id}/files/manuscript", data={
        "manuscript": (io.BytesIO(text_page_pdf([["Regolith heat flow, revised"]])), "r.pdf")},
        content_type="multipart/form-data")
    page = client.get(f"/submissions/{submission.id}/revise").get_data(as_text=True)
    assert "We added the error bars (Reviewer 1).</textarea>" in page
    db.session.expire_all()
    if service.needs_anonymity_decision(submission):
        draft_service.confirm_anonymity(journal_office.author, submission)
    service.resubmit(journal_office.author, submission, response=submission.response_draft)
    assert submission.rounds[-1].author_response == "We added the error bars (Reviewer 1)."
    assert submission.response_draft == ""
