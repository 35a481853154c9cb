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


def _draft(journal, people):
    from journal.services import contributors as contributor_service

    submission = draft_service.start_submission(people["author"], journal, section_id=journal.sections[0].id,
                                                checklist_confirmed=True)
    draft_service.update_metadata(people["author"], submission, title="Regolith heat flow", keywords="moon",
                                  abstract="Heat flow through the lunar regolith over three lunar nights.")
    if not submission.contributors:
        contributor_service.add_contributor(people["author"], submission, given_name="Mei", family_name="Chen",
                                            email="mei@example.org", affiliation="Kyoto Space Lab")
    return submission


def test_names_only_in_the_document_properties_need_no_confirmation(client, login, office):
    import io

    from journal.services import manuscripts as manuscript_service
    from journal.services import submissions as service
    from tests.pdfs import manuscript_pdf

    journal, people = office
    submission = _draft(journal, people)
    manuscript_service.upload_manuscript(people["author"], submission, io.BytesIO(manuscript_pdf(
        ["Regolith heat flow", "Measured at night."], properties={"Author": "Mei Chen"})), "m.pdf")
    assert service.manuscript_of(submission).pdf_report["found"]  # found, but only in the properties
    assert not service.needs_anonymity_decision(submission)
    assert not any("confirm that the names" in m.message for m in service.missing_items(submission))
    login(people["author"])
    page = client.get(f"/submissions/{submission.id}/files").get_data(as_text=True)
    assert "only in the document properties" in page and "I confirm the names may stay" not in page

    manuscript_service.upload_manuscript(people["author"], submission, io.BytesIO(manuscript_pdf(
        ["Regolith heat flow", "Mei Chen, Kyoto Space Lab"])), "named.pdf")
    assert service.needs_anonymity_decision(submission)  # names in the text reach the reviewers


def test_a_manuscript_replaced_in_the_draft_is_gone_not_listed_as_a_second_file(client, login, office):
    import io

    from journal.models import FileKind
    from journal.services import manuscripts as manuscript_service
    from journal.services import submissions as service
    from tests.pdfs import manuscript_pdf

    journal, people = office
    submission = _draft(journal, people)
    first = manuscript_service.upload_manuscript(people["author"], submission, io.BytesIO(manuscript_pdf(
        ["Regolith heat flow", "Mei Chen, Kyoto Space Lab"])), "named.pdf")
    first_id = first.id
    manuscript_service.upload_manuscript(people["author"], submission, io.BytesIO(manuscript_pdf(
        ["Regolith heat flow", "Measured at night."])), "clean.pdf")
    db.session.expire_all()
    kinds = [(f.kind, f.original_name) for f in submission.files if f.kind in (FileKind.MANUSCRIPT,
                                                                               FileKind.ANONYMIZED_MANUSCRIPT)]
    assert [name for kind, name in kinds if kind is FileKind.MANUSCRIPT] == ["clean.pdf"]
    assert len(kinds) == 2  # the manuscript and its reviewers' copy
    login(people["author"])
    assert client.get(f"/submissions/{submission.id}/files/{first_id}").status_code == 404
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "clean.pdf" in page and "named.pdf" not in page
    assert service.manuscript_of(submission).original_name == "clean.pdf"
