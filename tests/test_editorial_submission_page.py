"""The editors' read-only view of a submission: PDF check results, and triple anonymity."""

import io
from pathlib import Path

import pytest

from journal.extensions import db
from journal.models import FileKind, ReviewMode, Role
from journal.services import drafts as draft_service
from journal.services import manuscripts as manuscript_service
from journal.services import submissions as service
from tests.pdfs import manuscript_pdf

RISKY = Path(__file__).parent / "data" / "pdf" / "risky-openaction-javascript.pdf"


def submitted_paper(journal, author, pdf_bytes: bytes):
    submission = draft_service.start_submission(author, journal, section_id=journal.sections[0].id,
                                                checklist_confirmed=True)
    draft_service.update_metadata(author, submission, title="Dust devils on Mars", keywords="mars, dust",
                                  abstract="Dust devils lift dust on Mars; we count them in twelve years of orbital images.")
    manuscript_service.upload_manuscript(author, submission, io.BytesIO(pdf_bytes), "mars.pdf")
    if service.needs_anonymity_decision(submission):
        draft_service.confirm_anonymity(author, submission)
    draft_service.update_declarations(author, submission, cover_letter="", competing_interests="None", funding="None",
                                      data_availability="Public archive.", suggested_reviewers=[], opposed_reviewers=[])
    service.submit(author, submission)
    return submission


@pytest.fixture
def people(make_journal, make_user):
    journal = make_journal("jdse", reference_prefix="JDSE", review_mode=ReviewMode.TRIPLE_ANONYMOUS)
    return {
        "journal": journal,
        "author": make_user("amira@example.org", given_name="Amira", family_name="Haddad"),
        "manager": make_user(roles={journal: Role.MANAGING_EDITOR}),
        "editor": make_user(roles={journal: Role.EDITOR}),
    }


def test_managing_editor_sees_risky_pdf_features_and_the_authors(client, login, people):
    submission = submitted_paper(people["journal"], people["author"], RISKY.read_bytes())
    login(people["manager"])
    page = client.get(f"/editorial/jdse/submissions/{submission.id}").get_data(as_text=True)
    assert "Amira Haddad" in page and "amira@example.org" in page
    assert "JavaScript" in page or "javascript" in page.lower()
    assert "The reviewers' copy has these removed" in page


def test_a_triple_anonymous_handling_editor_sees_no_author_identity(client, login, people):
    submission = submitted_paper(people["journal"], people["author"],
                                 manuscript_pdf(["Dust devils on Mars"], properties={"/Author": "Amira Haddad"}))
    submission.handling_editor = people["editor"]
    db.session.commit()
    login(people["editor"])
    response = client.get(f"/editorial/jdse/submissions/{submission.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Dust devils on Mars" in page
    for secret in ("Amira", "Haddad", "amira@example.org", "mars.pdf"):
        assert secret not in page
    history = page.split("<h2>History</h2>")[1]
    assert "<td>The authors</td>" in history and "<td>Submit</td>" in history  # the history, without who the authors are
    original = next(f for f in submission.files if f.kind is FileKind.MANUSCRIPT)
    copy = next(f for f in submission.files if f.kind is FileKind.ANONYMIZED_MANUSCRIPT)
    assert client.get(f"/editorial/jdse/submissions/{submission.id}/files/{original.id}").status_code == 404
    download = client.get(f"/editorial/jdse/submissions/{submission.id}/files/{copy.id}")
    assert download.status_code == 302
    body = client.get(download.headers["Location"])
    assert b"Amira" not in body.data and f"{submission.reference}-v1.pdf" in body.headers["Content-Disposition"]
    # nor do the author pages open to the editor
    assert client.get(f"/submissions/{submission.id}").status_code == 404


def test_drafts_and_other_journals_submissions_are_not_found(client, login, people, make_journal, make_user):
    draft = draft_service.start_submission(people["author"], people["journal"],
                                           section_id=people["journal"].sections[0].id,
                                           checklist_confirmed=True)
    other = make_journal("pil")
    outsider = make_user(roles={other: Role.MANAGING_EDITOR})
    login(people["manager"])
    assert client.get(f"/editorial/jdse/submissions/{draft.id}").status_code == 404
    client.post("/logout")
    login(outsider)
    assert client.get(f"/editorial/jdse/submissions/{draft.id}").status_code == 403
    assert client.get(f"/editorial/pil/submissions/{draft.id}").status_code == 404


def test_a_triple_anonymous_handling_editor_gets_letters_that_do_not_name_the_authors(client, login, people):
    submission = submitted_paper(people["journal"], people["author"], manuscript_pdf(["Dust devils on Mars"]))
    submission.handling_editor = people["editor"]
    db.session.commit()
    login(people["editor"])
    page = client.get(f"/editorial/jdse/submissions/{submission.id}/desk-reject").get_data(as_text=True)
    assert "Dear author," in page
    for secret in ("Amira", "Haddad", "amira@example.org"):
        assert secret not in page
    client.post("/logout")
    login(people["manager"])
    assert "Dear Amira Haddad," in client.get(f"/editorial/jdse/submissions/{submission.id}/desk-reject").get_data(
        as_text=True)
