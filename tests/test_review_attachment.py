"""The reviewer's optional attachment: checked like any upload, stripped of what names its writer, stored under a
neutral name, replaceable while a draft, kept when a later step of the same form fails."""

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from journal.extensions import db
from journal.models import FileKind, SubmissionFile
from journal.services import reviews as review_service
from journal.services.errors import DomainError
from journal.storage import get_storage
from tests.pdfs import manuscript_pdf
from tests.test_reviews import COMMENTS, SCORES, review_url, reviewed  # noqa: F401  (the fixture)

NOTES_PDF = manuscript_pdf("Detailed notes on the heat-flow model.", "Equation 4 drops a factor of two.",
                           properties={"/Author": "Rosa Lindqvist", "/Creator": "Writer (rosa@example.org)"})


def attachments():
    db.session.expire_all()
    return list(db.session.scalars(select(SubmissionFile).where(SubmissionFile.kind == FileKind.REVIEW_ATTACHMENT)))


def post(client, assignment, *, file=None, name="notes.pdf", **data):
    form = {"action": "save", "comments_to_authors": COMMENTS, **data}
    if file is not None:
        form["attachment"] = (io.BytesIO(file), name)
    return client.post(review_url(assignment), data=form, content_type="multipart/form-data")


def download(client, path):
    response = client.get(path)
    assert response.status_code == 302, path
    return client.get(response.headers["Location"])


def test_a_pdf_attachment_loses_its_document_properties_and_gets_a_neutral_name(client, login, reviewed):
    _submission, people, [assignment, _] = reviewed
    login(people["reviewer"])
    response = post(client, assignment, file=NOTES_PDF, name="lindqvist-review-notes.pdf")
    assert response.status_code == 302
    [file] = attachments()
    assert file.original_name == "Reviewer 1 – attachment.pdf" and file.round == 1
    assert file.uploaded_by_id == people["reviewer"].id and file.page_count == 2
    page = client.get(review_url(assignment)).get_data(as_text=True)
    assert "Reviewer 1 – attachment.pdf" in page and "lindqvist-review-notes" not in page
    got = download(client, f"{review_url(assignment)}/attachments/{file.id}")
    assert got.status_code == 200 and got.data.startswith(b"%PDF")
    assert "lindqvist" not in got.headers["Content-Disposition"].lower()
    assert b"Rosa" not in got.data and b"rosa@example.org" not in got.data
    reader = PdfReader(io.BytesIO(got.data))
    assert not reader.metadata and "Equation 4 drops a factor of two." in reader.pages[1].extract_text()


def test_the_reviewer_is_warned_when_the_attachment_names_them(client, login, reviewed):
    _submission, people, [assignment, _] = reviewed
    login(people["reviewer"])
    post(client, assignment, file=manuscript_pdf("Notes.", "Signed, Rosa Lindqvist"))
    page = client.get(review_url(assignment)).get_data(as_text=True)
    assert "The attachment names you (page 2)" in page


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"PK\x03\x04 word document", "review.docx", "Save a Word document as PDF first"),
    (b"<html><script>alert(1)</script></html>", "notes.pdf", "This file is not a PDF."),
    (b"\x89PNG\r\n\x1a\n\0\0\0binary", "notes.txt", "This file is not plain text"),
    (b"", "notes.txt", "The file is empty."),
])
def test_a_refused_attachment_keeps_everything_typed(client, login, reviewed, content, name, message):
    _submission, people, [assignment, _] = reviewed
    login(people["reviewer"])
    response = post(client, assignment, file=content, name=name, confidential_comments="For the editor only.",
                    score_clarity="3")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page
    assert COMMENTS in page and "For the editor only." in page
    assert attachments() == []
    db.session.expire_all()
    assert assignment.review.comments_to_authors == COMMENTS and assignment.review.scores == {"clarity": 3}


def test_a_plain_text_attachment_is_kept_as_text_and_downloaded_as_a_file(client, login, reviewed):
    _submission, people, [assignment, _] = reviewed
    login(people["reviewer"])
    post(client, assignment, file="Line-by-line notes: p. 3, “flux” should be “fluence”.".encode(), name="n.txt")
    [file] = attachments()
    assert file.original_name == "Reviewer 1 – attachment.txt" and file.media_type == "text/plain"
    got = download(client, f"{review_url(assignment)}/attachments/{file.id}")
    assert got.headers["Content-Disposition"].startswith("attachment") and "fluence" in got.get_data(as_text=True)


def test_a_failed_submit_keeps_the_text_and_the_uploaded_attachment(client, login, reviewed):
    _submission, people, [assignment, _] = reviewed
    login(people["reviewer"])
    response = post(client, assignment, file=NOTES_PDF, action="submit", finished="y", recommendation="accept")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Score every criterion" in page
    assert COMMENTS in page and "Reviewer 1 – attachment.pdf" in page
    assert len(attachments()) == 1
    response = post(client, assignment, **SCORES, recommendation="accept", finished="y", action="submit")
    assert response.status_code == 302
    db.session.expire_all()
    assert assignment.review.is_submitted and len(attachments()) == 1


def test_the_attachment_is_replaced_or_removed_while_a_draft_and_fixed_once_submitted(client, login, reviewed):
    _submission, people, [assignment, _] = reviewed
    login(people["reviewer"])
    post(client, assignment, file=NOTES_PDF)
    [first] = attachments()
    first_key = first.storage_key
    post(client, assignment, file=b"Second thoughts, as text.", name="v2.txt")
    [second] = attachments()
    second_key = second.storage_key
    assert second.original_name == "Reviewer 1 – attachment.txt" and not get_storage().exists(first_key)
    assert "Reviewer 1 – attachment.txt" in client.get(review_url(assignment)).get_data(as_text=True)
    post(client, assignment, remove_attachment="y")
    assert attachments() == [] and not get_storage().exists(second_key)
    assert "Remove the attachment" not in client.get(review_url(assignment)).get_data(as_text=True)

    post(client, assignment, file=NOTES_PDF, **SCORES, recommendation="accept", finished="y", action="submit")
    [kept] = attachments()
    with pytest.raises(DomainError, match="can no longer be changed"):
        review_service.add_review_attachment(people["reviewer"], assignment, io.BytesIO(NOTES_PDF), "again.pdf")
    post(client, assignment, remove_attachment="y")
    assert [f.id for f in attachments()] == [kept.id]
    page = client.get(review_url(assignment)).get_data(as_text=True)
    assert "Reviewer 1 – attachment.pdf" in page and 'type="file"' not in page


def test_nobody_else_gets_the_attachment_before_the_decision(client, login, reviewed):
    submission, people, [assignment, other] = reviewed
    login(people["reviewer"])
    post(client, assignment, file=NOTES_PDF)
    [file] = attachments()
    client.post("/logout")
    login(people["reviewer2"])
    assert client.get(f"{review_url(assignment)}/attachments/{file.id}").status_code == 404
    assert client.get(f"{review_url(other)}/attachments/{file.id}").status_code == 404
    client.post("/logout")
    login(people["author"])
    assert client.get(f"/submissions/{submission.id}/reviews/files/{file.id}").status_code == 404
    assert client.get(f"/submissions/{submission.id}/files/{file.id}").status_code == 404
