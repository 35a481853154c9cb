"""What the new-user walk tripped on (issue 14, section 8): each a small fix with its test."""

from journal.extensions import db
from journal.services import drafts as draft_service
from tests.test_production import accepted_paper, office, ready_article  # noqa: F401 (fixture)


def test_the_first_step_asks_to_confirm_no_checklist_when_the_journal_has_none(client, login, office):
    journal, people = office
    journal.submission_checklist = []
    db.session.commit()
    login(people["author"])
    page = client.get("/j/jdse/submit").get_data(as_text=True)
    assert "confirm the checklist" not in page and "Choose the section and your draft is saved" in page
    journal.submission_checklist = ["The manuscript is not under review elsewhere."]
    db.session.commit()
    assert "confirm the checklist" in client.get("/j/jdse/submit").get_data(as_text=True)


def test_the_optional_supplements_file_input_is_not_marked_required(client, login, office):
    journal, people = office
    submission = draft_service.start_submission(people["author"], journal, section_id=journal.sections[0].id,
                                                checklist_confirmed=True)
    login(people["author"])
    page = client.get(f"/submissions/{submission.id}/files").get_data(as_text=True)
    supplements = page[page.index('id="supplements"'):]
    label = supplements[supplements.index('<label for="supplement"'):]
    assert "(required)" not in label[:label.index("</label>")]


def test_my_submissions_sends_the_author_to_proofs_waiting_for_them(client, login, office):
    journal, people = office
    submission = accepted_paper(journal, people["author"], people["manager"])
    ready_article(submission, people["manager"], people["author"], approve=False)
    login(people["author"])
    page = client.get("/my/submissions").get_data(as_text=True)
    assert "The proofs are ready: check them" in page and f"/submissions/{submission.id}/proofs" in page
    assert "Nothing for now" not in page
