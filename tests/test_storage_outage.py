"""Storage down (an S3 endpoint that refuses connections, for real): every upload form says so and keeps what was
typed, with nothing half-saved; every download answers 503 with the same words; /healthz says 503 and no more."""

import io
import logging

import pytest
from sqlalchemy import func, select

from journal.extensions import db
from journal.models import AuditEvent, FileKind, SubmissionFile
from journal.services import drafts as draft_service
from journal.services import production
from journal.storage.local import LocalStorage
from tests.conftest import buffered_usage
from tests.every_download import open_as, published_paper_with_every_file
from tests.pdfs import manuscript_pdf
from tests.test_production import accepted, galley_pdf, office  # noqa: F401  (fixtures)
from tests.test_reviews import COMMENTS, SCORES, review_url, reviewed  # noqa: F401  (the fixture)

UNAVAILABLE = "The files service is unavailable just now; nothing was saved. Please try again in a few minutes."


def files_of(submission, kind: FileKind | None = None) -> list[SubmissionFile]:
    db.session.expire_all()
    query = select(SubmissionFile).where(SubmissionFile.submission_id == submission.id)
    if kind is not None:
        query = query.where(SubmissionFile.kind == kind)
    return list(db.session.scalars(query))


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.fixture
def draft(make_journal, make_user):
    journal = make_journal("jdse", reference_prefix="JDSE")
    author = make_user("mei@example.org", given_name="Mei", family_name="Chen")
    submission = draft_service.start_submission(author, journal, section_id=journal.sections[0].id,
                                                checklist_confirmed=True)
    draft_service.update_metadata(author, submission, title="Regolith heat flow", keywords="moon",
                                  abstract="Heat flow through the lunar regolith over three lunar nights.")
    return submission, author


# -- uploads -----------------------------------------------------------------------------------------------------


def test_the_wizard_says_the_files_service_is_down_and_stores_no_manuscript(client, login, draft, storage_down):
    submission, author = draft
    login(author)
    storage_down()
    before = audit_count()

    response = client.post(f"/submissions/{submission.id}/files/manuscript", content_type="multipart/form-data",
                           data={"manuscript": (io.BytesIO(manuscript_pdf(["Regolith heat flow"])), "chen.pdf")})

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and UNAVAILABLE in page
    assert "Something went wrong" not in page and "127.0.0.1" not in page
    assert files_of(submission) == [] and audit_count() == before
    assert submission.title == "Regolith heat flow"


def test_a_supplement_keeps_its_typed_description_when_the_files_service_is_down(client, login, draft,
                                                                                  storage_down):
    submission, author = draft
    login(author)
    storage_down()
    description = "Raw thermocouple logs of the three lunar nights, one CSV per probe."

    response = client.post(f"/submissions/{submission.id}/files/supplements", content_type="multipart/form-data",
                           data={"supplement": (io.BytesIO(b"probe,t,k\n1,0,0.01\n"), "logs.csv"),
                                 "description": description})

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and UNAVAILABLE in page
    assert description in page  # back in the description field, to send again as it is
    assert files_of(submission) == []


def test_a_reviewer_keeps_the_typed_review_when_the_attachment_cannot_be_stored(client, login, reviewed,
                                                                                storage_down):
    submission, people, [assignment, _] = reviewed
    login(people["reviewer"])
    storage_down()

    response = client.post(review_url(assignment), content_type="multipart/form-data", data={
        "action": "save", "comments_to_authors": COMMENTS, "confidential_comments": "For the editor only.",
        **SCORES, "attachment": (io.BytesIO(b"Line-by-line notes.\n"), "notes.txt")})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The files service is unavailable just now, so the attachment was not saved" in page
    assert COMMENTS in page and "For the editor only." in page
    assert files_of(submission, FileKind.REVIEW_ATTACHMENT) == []
    assert assignment.review.comments_to_authors == COMMENTS  # the draft is saved, as the message says


def test_a_galley_upload_says_the_files_service_is_down_and_changes_nothing(client, login, accepted, storage_down):
    _journal, submission, people = accepted
    article = production.start_production(people["manager"], submission)
    login(people["manager"])
    storage_down()
    before = audit_count()

    response = client.post(f"/production/jdse/submissions/{submission.id}/galley",
                           content_type="multipart/form-data", data={"galley": (galley_pdf("Regolith"), "final.pdf")})

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and UNAVAILABLE in page
    assert files_of(submission, FileKind.GALLEY) == [] and audit_count() == before
    assert article.current_version.galley is None


def test_a_corrected_galley_keeps_its_change_note_when_the_files_service_is_down(client, login, make_journal,
                                                                                 make_user, storage_down):
    submission, article, people, _downloads = published_paper_with_every_file(make_journal, make_user)
    login(people["manager"])
    storage_down()
    note = "Figure 2 had the wrong axis units."

    response = client.post(f"/production/jdse/submissions/{submission.id}/correct/galley",
                           content_type="multipart/form-data",
                           data={"galley": (galley_pdf("Corrected figure 2"), "fig2.pdf"), "change_note": note})

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and UNAVAILABLE in page and note in page
    db.session.expire_all()
    assert [v.number for v in article.versions] == [1] and len(files_of(submission, FileKind.GALLEY)) == 1


def test_a_local_disk_failing_is_unavailable_not_a_refused_file(tmp_path):
    from journal.storage import StorageUnavailable  # imported here: the other tests also run where it is missing

    root = tmp_path / "objects"
    storage = LocalStorage(root, "secret")
    root.rmdir()
    root.write_text("the mount went away and left a file in its place")

    with pytest.raises(StorageUnavailable):
        storage.put("submissions/1/abc", io.BytesIO(b"data"))


# -- downloads and health ---------------------------------------------------------------------------------------


def test_every_download_answers_503_saying_the_files_service_is_down(client, login, make_journal, make_user,
                                                                    storage_down):
    _submission, article, people, downloads = published_paper_with_every_file(make_journal, make_user)
    counted = buffered_usage(article.id)
    storage_down()

    for download in downloads:
        response = open_as(client, login, people, download)
        page = response.get_data(as_text=True)
        assert response.status_code == 503, (download.route, response.status_code)
        assert UNAVAILABLE in page and "127.0.0.1" not in page, download.route
        assert response.headers["Retry-After"], download.route
    assert buffered_usage(article.id) == counted  # a download that failed is not counted


def test_healthz_says_503_without_details_and_the_log_has_them(app, client, storage_down, caplog):
    storage = storage_down()
    endpoint = storage.client.meta.endpoint_url

    with caplog.at_level(logging.INFO):
        response = client.get("/healthz")

    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "ok", "storage": "unavailable"}
    for detail in (endpoint, endpoint.rsplit(":", 1)[1], "journal-files", "Could not connect", "Error"):
        assert detail not in body, detail
    assert endpoint in caplog.text and "journal-files" in caplog.text
