"""The API's writes (issue 18): an author with a token that may write revises a paper as on the revision page —
uploads the revised manuscript (checked as the form checks it) and the response letter, confirms names found may
stay, resubmits — through the same services, so the same refusals, audit events and mails. Each refusal is a
problem with the service's message; a read-only token is refused before anything is read."""

import io

import pytest
from sqlalchemy import select

from journal.extensions import db
from journal.models import AuditEvent, FileKind, ReviewMode, Role, Submission, SubmissionStatus
from tests.data.pdf.make_samples import garbage_pdf, text_page_pdf
from tests.papers import submit_paper
from tests.test_api import PROBLEM, bearer, token_for


@pytest.fixture
def revising(make_journal, make_user):
    """A paper whose editors asked for a revision, its submitter, and the journal's managing editor."""
    journal = make_journal("jw", review_mode=ReviewMode.SINGLE_ANONYMOUS)
    editor = make_user(given_name="Maria", family_name="Manager", roles={journal: Role.MANAGING_EDITOR})
    author = make_user(given_name="Aiko", family_name="Tanabe")
    paper = submit_paper(author, journal)
    paper.status = SubmissionStatus.REVISION_REQUESTED
    db.session.commit()
    return paper, author, editor


def pdf_file(lines=("Regolith heat flow, revised",), name="revised.pdf"):
    return {"file": (io.BytesIO(text_page_pdf([list(lines)])), name)}


def actions(paper) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "submission",
                                                                 AuditEvent.subject_id == paper.id)
                                   .order_by(AuditEvent.id)))


def test_an_author_revises_and_resubmits_through_the_api(client, revising, outbox):
    paper, author, editor = revising
    write = bearer(token_for(author, "write"))
    base = f"/api/v1/submissions/{paper.id}"

    uploaded = client.post(base + "/manuscript", data=pdf_file(), headers=write)
    assert uploaded.status_code == 201, uploaded.get_data(as_text=True)
    body = uploaded.get_json()
    assert body["kind"] == "manuscript" and body["name"] == "revised.pdf" and body["round"] == 2
    assert body["pages"] == 1 and body["names_found"] == [] and "no-store" in uploaded.headers["Cache-Control"]

    letter = client.post(base + "/response-letter", data={"file": (io.BytesIO(b"%PDF-1.4 thanks"), "reply.pdf")},
                         headers=write)
    assert letter.status_code == 201 and letter.get_json()["kind"] == "response_letter"

    done = client.post(base + "/resubmit", json={"response": "We rewrote section 3."}, headers=write)
    assert done.status_code == 200, done.get_data(as_text=True)
    assert done.get_json()["status"] == "submitted" and done.get_json()["round"] == 2

    db.session.expire_all()
    paper = db.session.get(Submission, paper.id)
    assert paper.status is SubmissionStatus.SUBMITTED and paper.rounds[-1].author_response == "We rewrote section 3."
    kinds = {(f.kind, f.round) for f in paper.files}
    assert (FileKind.MANUSCRIPT, 2) in kinds and (FileKind.RESPONSE_LETTER, 2) in kinds
    # The same trail and mails as the revision page.
    assert actions(paper)[-3:] == ["file.uploaded", "file.uploaded", "submission.resubmit"]
    assert [m.template for m in outbox(author.email)][-1] == "revision_received"
    assert "revision_to_editor" in [m.template for m in outbox(editor.email)]
    # Submitted: no more uploads; the service says why.
    again = client.post(base + "/manuscript", data=pdf_file(), headers=write)
    assert again.status_code == 409 and again.content_type == PROBLEM
    assert "can no longer be changed" in again.get_json()["detail"]


def test_resubmitting_takes_the_kept_draft_or_says_what_is_missing(client, revising):
    paper, author, _editor = revising
    write = bearer(token_for(author, "write"))
    base = f"/api/v1/submissions/{paper.id}"
    missing = client.post(base + "/resubmit", headers=write)
    assert missing.status_code == 409 and missing.content_type == PROBLEM
    detail = missing.get_json()["detail"]
    assert "Upload the revised manuscript (PDF)." in detail and "Write your response to the reviewers" in detail
    assert client.post(base + "/manuscript", data=pdf_file(), headers=write).status_code == 201
    assert client.put(base + "/response-draft", json={"response": "Kept while revising."},
                      headers=write).status_code == 204
    assert client.post(base + "/resubmit", headers=write).status_code == 200
    db.session.expire_all()
    assert db.session.get(Submission, paper.id).rounds[-1].author_response == "Kept while revising."


def test_refused_uploads_are_problems_with_the_services_reason_and_change_nothing(app, client, revising):
    paper, author, _editor = revising
    write = bearer(token_for(author, "write"))
    url = f"/api/v1/submissions/{paper.id}/manuscript"
    before = actions(paper)

    not_pdf = client.post(url, data={"file": (io.BytesIO(garbage_pdf()), "m.pdf")}, headers=write)
    assert not_pdf.status_code == 422 and not_pdf.content_type == PROBLEM and not_pdf.get_json()["detail"]

    app.config["UPLOAD_FILE_MAX_MB"] = 1
    big = client.post(url, data={"file": (io.BytesIO(b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 1)), "m.pdf")},
                      headers=write)
    assert big.status_code == 413 and "larger than the limit of 1 MB" in big.get_json()["detail"]

    no_file = client.post(url, data={}, headers=write, content_type="multipart/form-data")
    assert no_file.status_code == 422 and "file" in no_file.get_json()["errors"]["files"]
    assert actions(paper) == before
    assert not [f for f in db.session.get(Submission, paper.id).files if f.round == 2]


@pytest.mark.parametrize("path, method", [("/manuscript", "POST"), ("/response-letter", "POST"),
                                          ("/anonymity-confirmation", "POST"), ("/resubmit", "POST"),
                                          ("/response-draft", "PUT")])
def test_each_write_needs_a_write_token_of_the_submitter(client, revising, make_user, path, method):
    paper, author, editor = revising
    url = f"/api/v1/submissions/{paper.id}{path}"
    before = actions(paper)
    read_only = client.open(url, method=method, headers=bearer(token_for(author, "read")))
    assert read_only.status_code == 403 and read_only.content_type == PROBLEM
    assert "may only read" in read_only.get_json()["detail"]
    for other in (editor, make_user()):  # the editor may read the paper, never revise it; a stranger learns nothing
        answer = client.open(url, method=method, headers=bearer(token_for(other, "write")))
        assert answer.status_code == 404 and answer.content_type == PROBLEM
    assert client.open(url, method=method).status_code == 401
    assert actions(paper) == before


def test_names_found_in_an_anonymous_journals_manuscript_are_said_and_can_be_confirmed(client, make_journal,
                                                                                        make_user):
    journal = make_journal("jda", review_mode=ReviewMode.DOUBLE_ANONYMOUS)
    author = make_user(given_name="Aiko", family_name="Tanabe")
    paper = submit_paper(author, journal)
    paper.status = SubmissionStatus.REVISION_REQUESTED
    db.session.commit()
    write = bearer(token_for(author, "write"))
    base = f"/api/v1/submissions/{paper.id}"
    body = client.post(base + "/manuscript", data=pdf_file(("By Aiko Tanabe",)), headers=write).get_json()
    assert any("Tanabe" in hit["text"] for hit in body["names_found"])
    blocked = client.post(base + "/resubmit", json={"response": "Revised."}, headers=write)
    assert blocked.status_code == 409 and "confirm that the names found may stay" in blocked.get_json()["detail"]
    assert client.post(base + "/anonymity-confirmation", headers=write).status_code == 204
    assert client.post(base + "/resubmit", json={"response": "Revised."}, headers=write).status_code == 200
    assert "submission.anonymity_confirmed" in actions(paper)
