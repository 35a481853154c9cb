"""The reviewer's optional attachment: checked like any upload, stripped of what names its writer, stored under a
neutral name, replaceable while a draft, kept when a later step of the same form fails."""

import html
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from journal.audit import history
from journal.extensions import db
from journal.models import FileKind, SubmissionFile
from journal.services import review_attachments as review_attachment_service
from journal.services import shared_reviews
from journal.services.errors import DomainError
from journal.storage import get_storage
from tests.pdfs import manuscript_pdf
from tests.test_reviewer_after_decision import decide, write_review
from tests.test_reviews import COMMENTS, SCORES, review_url, reviewed  # noqa: F401  (the fixture)

NOTES_PDF = manuscript_pdf("Detailed notes on the heat-flow model.", "Equation 4 drops a factor of two.",
                           properties={"/Author": "Rosa Lindqvist", "/Creator": "Writer (rosa@example.org)"})
SIGNED_PDF = manuscript_pdf("Detailed notes on the heat-flow model.", "Signed, Rosa Lindqvist")
CLEAN_PDF = manuscript_pdf("Detailed notes on the heat-flow model.", "Equation 4 drops a factor of two.")


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
    assert "The attachment names you" in page and "<li>your name (Rosa Lindqvist) on page 2</li>" in page


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
    # NOTES_PDF names Rosa in its document properties: the page showed it, she confirms it with the scores.
    assert "<li>your name (Rosa Lindqvist) in the document properties</li>" in page
    response = post(client, assignment, **SCORES, recommendation="accept", finished="y", action="submit",
                    share_attachment="y", attachment_seen=str(attachments()[0].id))
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

    post(client, assignment, file=CLEAN_PDF, **SCORES, recommendation="accept", finished="y", action="submit")
    [kept] = attachments()
    with pytest.raises(DomainError, match="can no longer be changed"):
        review_attachment_service.add_review_attachment(people["reviewer"], assignment, io.BytesIO(NOTES_PDF),
                                                        "again.pdf")
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


# --- An attachment that names its reviewer reaches nobody but the editors unless the reviewer saw it first --------

FINDING = "your name (Rosa Lindqvist) on page 2"


def checked(page, name):
    """The value of the radio button ticked in the page for this field, if any."""
    match = re.search(rf'<input checked id="{name}-\d+" name="{name}" type="radio" value="([^"]+)"', page)
    return match and match[1]


def submit_in_one_step(client, assignment, **data):
    return post(client, assignment, **SCORES, recommendation="minor_revision", finished="y", action="submit",
                confidential_comments="For the editor only.", **data)


def test_a_one_step_submit_with_an_attachment_naming_the_reviewer_is_held_showing_where(client, login, reviewed):
    _submission, people, [assignment, _] = reviewed
    login(people["reviewer"])
    response = submit_in_one_step(client, assignment, file=SIGNED_PDF)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"Your attachment names you: {FINDING}." in page and f"<li>{FINDING}</li>" in page
    assert "the authors may receive it as it is" in page
    # Everything typed is on the page again, and the file is kept (as a draft's attachment).
    assert COMMENTS in page and "For the editor only." in page
    assert checked(page, "recommendation") == "minor_revision" and checked(page, "score_soundness") == "5"
    assert "Reviewer 1 – attachment.pdf" in page
    db.session.expire_all()
    assert not assignment.review.is_submitted and assignment.status.value == "accepted"
    [file] = attachments()
    assert file.names_found == [("Rosa Lindqvist", "page 2")] and file.names_confirmed_at is None


def test_a_plain_text_attachment_naming_the_reviewer_is_held_like_a_pdf_showing_the_lines(client, login, reviewed):
    submission, people, [assignment, _] = reviewed
    login(people["reviewer"])
    notes = ("Notes on the revision\n\nThe flux in Table 2 is off by a factor of two.\n" + "filler line\n" * 200_000
             + "Best regards,\nrosa   LINDQVIST\n").encode()  # past the first megabyte; case and spaces vary
    assert len(notes) > 2 * 1024 * 1024
    response = submit_in_one_step(client, assignment, file=notes, name="notes.txt")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Your attachment names you: your name (Rosa Lindqvist) on line 200005." in page
    db.session.expire_all()
    assert not assignment.review.is_submitted
    [held] = attachments()
    assert held.names_found == [("Rosa Lindqvist", "line 200005")] and held.withheld_for_names
    assert submit_in_one_step(client, assignment, file=b"Clean notes, unsigned.", name="notes.txt").status_code == 302
    db.session.expire_all()
    [clean] = attachments()
    assert assignment.review.is_submitted and clean.names_found == []


def test_the_held_review_is_submitted_once_a_clean_file_replaces_the_naming_one(client, login, reviewed):
    _submission, people, [assignment, _] = reviewed
    login(people["reviewer"])
    assert submit_in_one_step(client, assignment, file=SIGNED_PDF).status_code == 400
    response = submit_in_one_step(client, assignment, file=CLEAN_PDF)
    assert response.status_code == 302
    db.session.expire_all()
    assert assignment.review.is_submitted
    [file] = attachments()
    assert file.names_found == [] and file.names_confirmed_at is None


def test_confirming_the_naming_attachment_submits_the_review_and_is_audited(client, login, reviewed):
    submission, people, [assignment, _] = reviewed
    login(people["reviewer"])
    # Saved as a draft first, submitted later: the same hold.
    assert post(client, assignment, file=SIGNED_PDF).status_code == 302
    [file] = attachments()
    page = client.get(review_url(assignment)).get_data(as_text=True)
    assert f"<li>{FINDING}</li>" in page and f'name="attachment_seen" value="{file.id}"' in page
    response = submit_in_one_step(client, assignment)
    assert response.status_code == 400 and f"Your attachment names you: {FINDING}." in response.get_data(as_text=True)

    response = submit_in_one_step(client, assignment, share_attachment="y", attachment_seen=str(file.id))
    assert response.status_code == 302
    db.session.expire_all()
    assert assignment.review.is_submitted and file.names_confirmed_at is not None
    [event] = [e for e in history(submission) if e.action == "review.attachment_names_confirmed"]
    assert event.actor_id == people["reviewer"].id
    assert event.payload == {"reviewer": "Reviewer 1", "round": 1, "found": ["name (page 2)"]}
    page = client.get(review_url(assignment)).get_data(as_text=True)
    assert "Reviewer 1 – attachment.pdf" in page and f"It names you ({FINDING}); you confirmed on" in page


def test_a_confirmation_given_for_one_file_does_not_cover_the_file_that_replaces_it(client, login, reviewed):
    _submission, people, [assignment, _] = reviewed
    login(people["reviewer"])
    post(client, assignment, file=NOTES_PDF)  # named in its document properties only
    [first] = attachments()
    first_id = first.id
    assert first.names_found == [("Rosa Lindqvist", "document properties"),
                                 ("rosa@example.org", "document properties")]
    response = submit_in_one_step(client, assignment, file=SIGNED_PDF, share_attachment="y",
                                  attachment_seen=str(first_id))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and f"<li>{FINDING}</li>" in page
    [second] = attachments()
    assert second.names_confirmed_at is None and f'name="attachment_seen" value="{second.id}"' in page
    assert not re.search(r"<input checked[^>]*share_attachment", page)  # the tick was for the other file
    # A page left open on the old file cannot confirm the new one either.
    with pytest.raises(DomainError, match="The attachment changed"):
        shared_reviews.confirm_review_attachment(people["reviewer"], assignment, first_id)


def test_the_editors_read_the_reviewers_finding_as_the_reviewers_not_as_author_names(client, login, reviewed):
    submission, people, [assignment, _] = reviewed
    login(people["reviewer"])
    post(client, assignment, file=SIGNED_PDF)
    [file] = attachments()
    client.post("/logout")
    login(people["editor"])
    editor_page = f"/editorial/{submission.journal.slug}/submissions/{submission.id}"
    row = file_row(client.get(editor_page).get_data(as_text=True), file)
    assert ("Rosa Lindqvist's name found on page 2; the reviewer has not confirmed it may be shared, so the authors "
            "do not get it") in row
    assert "Author names" not in row and "author chose" not in row

    client.post("/logout")
    login(people["reviewer"])
    submit_in_one_step(client, assignment, share_attachment="y", attachment_seen=str(file.id))
    client.post("/logout")
    login(people["editor"])
    page = client.get(editor_page).get_data(as_text=True)
    row = file_row(page, file)
    assert "Rosa Lindqvist's name found on page 2; the reviewer confirmed it may be shared" in row
    assert "Author names" not in row and "author chose" not in row
    reviews = html.unescape(page.split(f'id="review-{assignment.id}"')[1].split("</details>")[0])
    assert "Rosa Lindqvist's name found on page 2; the reviewer confirmed it may be shared" in reviews


def file_row(page, file):
    return html.unescape(page.split(f"/files/{file.id}")[1].split("</tr>")[0])


def test_the_authors_get_a_naming_attachment_only_once_its_reviewer_confirmed(client, login, reviewed):
    submission, people, [assignment, other] = reviewed
    login(people["reviewer"])
    assert submit_in_one_step(client, assignment, file=SIGNED_PDF).status_code == 400
    [held] = attachments()
    client.post("/logout")
    db.session.expire_all()
    write_review(people, "reviewer2", other, COMMENTS, "")
    decide(people, submission)
    login(people["author"])
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    # Only the second reviewer's review is shown: to the authors it is Reviewer 1 (no gap for the unsubmitted one).
    assert page.count('class="review-shared"') == 1 and "Reviewer 1" in page and "Reviewer 2" not in page
    assert "attachment.pdf" not in page
    assert client.get(f"/submissions/{submission.id}/reviews/files/{held.id}").status_code == 404


def test_a_confirmed_naming_attachment_reaches_the_authors_and_an_unconfirmed_one_never(client, login, reviewed):
    submission, people, [assignment, _] = reviewed
    login(people["reviewer"])
    post(client, assignment, file=SIGNED_PDF)
    [file] = attachments()
    assert submit_in_one_step(client, assignment, share_attachment="y", attachment_seen=str(file.id)).status_code == 302
    client.post("/logout")
    db.session.expire_all()
    decide(people, submission)
    login(people["author"])
    url = f"/submissions/{submission.id}/reviews/files/{file.id}"
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert f'href="{url}">Reviewer 1 – attachment.pdf</a>' in page
    got = download(client, url)
    assert got.status_code == 200 and "Signed, Rosa Lindqvist" in PdfReader(io.BytesIO(got.data)).pages[1].extract_text()
    # A review submitted before reviewers were asked (no confirmation recorded) keeps its naming attachment from them.
    db.session.expire_all()
    file.names_confirmed_at = None
    db.session.commit()
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "Reviewer 1" in page and "attachment.pdf" not in page
    assert client.get(url).status_code == 404
