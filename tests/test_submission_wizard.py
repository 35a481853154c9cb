"""The submission wizard through HTTP: an author submits a paper in five steps, on both storages,
for single- and double-anonymous journals; every refusal says why and keeps what was typed."""

import io
import re
import urllib.request

import lxml.html
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from journal.extensions import db
from journal.models import FileKind, Role, Submission, SubmissionFile, SubmissionStatus
from journal.services import submissions as service
from tests.conftest import link_in
from tests.pdfs import HTML_AS_PDF, manuscript_pdf

CHECKLIST = ["The manuscript has not been published and is not under review elsewhere.",
             "All authors have approved the submission."]
ABSTRACT = ("We measure the *solar wind* beyond the termination shock and find $v \\approx 400$ km/s "
            "with Voyager's plasma instrument.")


def page(response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.get_data(as_text=True))


def texts(response, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in page(response).xpath(xpath)]


def field_errors(response) -> list[str]:
    return texts(response, "//*[contains(@class, 'field-error')]")


def flashes(response) -> list[str]:
    return texts(response, "//p[contains(concat(' ', @class, ' '), ' flash ')]")


def upload(data: bytes, name: str) -> tuple:
    return io.BytesIO(data), name


@pytest.fixture
def people(make_user):
    return {
        "submitter": make_user("grace@example.org", given_name="Grace", family_name="Hopper",
                               affiliation="Harvard Computation Laboratory"),
        "ada": make_user("ada@example.org", given_name="Ada", family_name="Lovelace",
                         affiliation="Analytical Society"),
    }


@pytest.fixture
def journal_for(make_journal, make_user):
    def make(review_mode="double_anonymous", **fields):
        journal = make_journal(reference_prefix="JDSE", review_mode=review_mode, submission_checklist=CHECKLIST,
                               author_guidelines="Manuscripts in English, at most 30 pages.", **fields)
        journal.sections[0].policy = "Original research, peer reviewed."
        db.session.commit()
        make_user("office@example.org", given_name="Edith", family_name="Office",
                  roles={journal: Role.MANAGING_EDITOR})
        return journal

    return make


def start(client, journal) -> int:
    data = {"section_id": str(journal.sections[0].id), "check_0": "y", "check_1": "y"}
    response = client.post(f"/j/{journal.slug}/submit", data=data)
    assert response.status_code == 302, flashes(client.get("/my/submissions"))
    return int(re.search(r"/submissions/(\d+)/metadata", response.headers["Location"]).group(1))


def metadata(**overrides) -> dict:
    return {"title": "Plasma beyond the heliopause", "abstract": ABSTRACT,
            "keywords": "heliosphere, solar wind", "language": "en", "action": "save", **overrides}


def fetch(client, url: str) -> tuple[bytes, str]:
    """A download URL as a browser opens it: S3 presigned URLs over HTTP, local links through the app."""
    if url.startswith("/"):
        response = client.get(url)
        assert response.status_code == 200
        return response.get_data(), response.headers["Content-Disposition"]
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read(), response.headers["Content-Disposition"]


def version_on(response) -> str:
    return page(response).xpath("//input[@name='version']/@value")[0]


# --- the whole wizard ------------------------------------------------------------------------------

@pytest.mark.parametrize("review_mode", ["single_anonymous", "double_anonymous"])
def test_an_author_walks_the_wizard_and_submits(client, login, people, journal_for, outbox, app_storage,
                                                review_mode):
    journal = journal_for(review_mode)
    anonymizing = review_mode == "double_anonymous"
    login(people["submitter"])

    # Step 1: the journal's guidelines, sections with their policy, the checklist.
    assert journal.title in client.get("/submit").get_data(as_text=True)
    response = client.get(f"/j/{journal.slug}/submit")
    body = response.get_data(as_text=True)
    assert "Manuscripts in English, at most 30 pages." in body and "Original research, peer reviewed." in body
    assert all(item in body for item in CHECKLIST)
    assert texts(response, "//nav[@aria-label='Submission steps']//*[@aria-current='step']") == [
        "1 Journal and section"]
    submission_id = start(client, journal)
    url = f"/submissions/{submission_id}"

    # Step 2: metadata and authors. The submitter is already the first, corresponding author.
    response = client.get(f"{url}/metadata")
    assert texts(response, "//table[contains(@class, 'wizard-authors')]//tbody//strong") == ["Grace Hopper"]
    response = client.post(f"{url}/metadata", data=metadata(**{
        "action": "add_author", "author-given_name": "Ada", "author-family_name": "Lovelace",
        "author-email": "ada@example.org", "author-affiliation": "Analytical Society", "author-country": "GB"}))
    assert response.status_code == 302 and response.headers["Location"].endswith("/metadata#authors")
    response = client.post(f"{url}/metadata", data=metadata(**{
        "author-given_name": "Charles", "author-family_name": "Babbage", "author-email": "babbage@example.org",
        "author-orcid": "0000-0002-1825-0097"}))  # typed, then "Save draft": the author is not lost
    assert response.status_code == 302
    submission = db.session.get(Submission, submission_id)
    ada, babbage = (next(c for c in submission.contributors if c.family_name == name)
                    for name in ("Lovelace", "Babbage"))
    assert client.post(f"{url}/contributors/{babbage.id}/up").status_code == 302
    assert client.post(f"{url}/contributors/{ada.id}/corresponding").status_code == 302
    response = client.get(f"{url}/metadata")
    assert texts(response, "//table[contains(@class, 'wizard-authors')]//tbody//strong") == [
        "Grace Hopper", "Charles Babbage", "Ada Lovelace"]
    assert texts(response, "//tr[.//span[contains(@class, 'badge-corresponding')]]//strong") == ["Ada Lovelace"]
    response = client.post(f"{url}/metadata", data=metadata(action="continue"))
    assert response.headers["Location"].endswith(f"{url}/files")

    # Step 3: a manuscript naming an author in its text and its properties.
    named = manuscript_pdf(["Plasma beyond the heliopause", "Ada Lovelace, ada@example.org"],
                           ["Results."], properties={"Author": "Ada Lovelace"})
    response = client.post(f"{url}/files/manuscript", data={"manuscript": upload(named, "paper.pdf")})
    assert response.status_code == 302
    response = client.get(f"{url}/files")
    found = texts(response, "//ul[contains(@class, 'wizard-found')]/li")
    if anonymizing:
        assert found == ["Ada Lovelace — document properties", "Ada Lovelace — page 1",
                         "ada@example.org — page 1", "Lovelace — document properties", "Lovelace — page 1"]
        assert "Keep this file: I confirm the names may stay" in response.get_data(as_text=True)
        # A cleaned file: names only in its properties, which the reviewers' copy drops.
        cleaned = manuscript_pdf(["Plasma beyond the heliopause", "Anonymous authors"], ["Results."],
                                 properties={"Author": "Ada Lovelace", "Subject": "babbage@example.org"})
        response = client.post(f"{url}/files/manuscript", data={"manuscript": upload(cleaned, "paper-v2.pdf")})
        assert response.status_code == 302
        response = client.get(f"{url}/files")
        assert texts(response, "//ul[contains(@class, 'wizard-found')]/li") == [  # in byline order
            "babbage@example.org — document properties", "Babbage — document properties",
            "Ada Lovelace — document properties", "Lovelace — document properties"]
        assert client.post(f"{url}/anonymity").status_code == 302
        response = client.get(f"{url}/files")
        assert "Keep this file" not in response.get_data(as_text=True)
        assert "You confirmed on" in response.get_data(as_text=True)
    else:
        assert found == []  # reviewers see the authors anyway: no warning
    facts = texts(response, "//dl[contains(@class, 'wizard-file')]/dd")
    assert facts[0] == ("paper-v2.pdf" if anonymizing else "paper.pdf") and facts[1] == "2"
    response = client.post(f"{url}/files/supplements", data={
        "supplement": upload(b"time,speed\n0,400\n", "wind.csv"), "description": "Solar wind speeds, CSV"})
    assert response.status_code == 302
    assert "Solar wind speeds, CSV" in client.get(f"{url}/files").get_data(as_text=True)

    # Step 4: declarations, with a suggested reviewer.
    response = client.post(f"{url}/declarations", data={
        "cover_letter": "Dear editor,", "competing_interests": "None", "funding": "ESA grant 42",
        "data_availability": "Zenodo 10.5281/zenodo.1", "suggested_reviewers-0-name": "Vera Rubin",
        "suggested_reviewers-0-email": "vera@example.org", "suggested_reviewers-0-reason": "Plasma expert",
        "suggested_reviewers-1-name": "", "action": "continue"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{url}/review")

    # Step 5: everything on one page, then submit.
    response = client.get(f"{url}/review")
    body = response.get_data(as_text=True)
    for shown in ("Plasma beyond the heliopause", "heliosphere, solar wind", "Vera Rubin", "Plasma expert",
                  "ESA grant 42", "wind.csv", "Research Article", "Ada Lovelace"):
        assert shown in body, shown
    assert texts(response, "//div[@id='missing']//li") == []
    assert len(page(response).xpath("//a[contains(@class, 'wizard-change')]")) == 5
    response = client.post(f"{url}/submit", data={"version": version_on(response)})
    assert response.status_code == 302 and response.headers["Location"].endswith(url), flashes(response)
    response = client.get(url)
    db.session.expire_all()
    submission = db.session.get(Submission, submission_id)
    reference = submission.reference
    assert re.fullmatch(r"JDSE-20\d\d-0001", reference)
    assert submission.status is SubmissionStatus.SUBMITTED
    assert any(reference in message for message in flashes(response))
    assert "Submitted" in texts(response, "//span[contains(@class, 'badge')]")

    # Mails: the submitter, each co-author with a working objection link, the managing editor.
    assert [m.template for m in outbox("grace@example.org")] == ["submission_received"]
    for coauthor in ("ada@example.org", "babbage@example.org"):
        (mail,) = outbox(coauthor)
        assert mail.template == "coauthor_listed" and reference in mail.subject
        objection = client.get(link_in(mail.body_text))
        assert objection.status_code == 200 and "Plasma beyond the heliopause" in objection.get_data(as_text=True)
    assert [m.template for m in outbox("office@example.org")] == ["new_submission"]

    # Downloads of the author's own files go through the storage's short-lived URL.
    manuscript = service.manuscript_of(submission, 1)
    response = client.get(f"{url}/files/{manuscript.id}")
    assert response.status_code == 302
    data, disposition = fetch(client, response.headers["Location"])
    assert data == (cleaned if anonymizing else named)
    assert disposition.startswith("inline") and manuscript.original_name in disposition

    copy = service.reviewer_copy_of(submission, 1)
    if anonymizing:
        assert copy.kind is FileKind.ANONYMIZED_MANUSCRIPT and copy.original_name == f"{reference}-v1.pdf"
        with app_storage.open(copy.storage_key) as stream:
            raw = stream.read()
        for term in ("Ada Lovelace", "Lovelace", "ada@example.org", "Charles Babbage", "babbage@example.org",
                     "Grace Hopper", "grace@example.org"):
            assert term.encode() not in raw, term
            assert term.encode("utf-16-be") not in raw, term
        reader = PdfReader(io.BytesIO(raw))
        assert "Lovelace" not in str(reader.metadata or {}) and "babbage" not in str(reader.metadata or {})
        assert reader.xmp_metadata is None
        response = client.get(f"{url}/files/{copy.id}")
        _data, disposition = fetch(client, response.headers["Location"])
        assert f'filename="{reference}-v1.pdf"' in disposition
    else:
        assert copy.id == manuscript.id


# --- each step keeps what was typed ----------------------------------------------------------------

@pytest.fixture
def draft(client, login, people, journal_for):
    """A logged-in submitter with a fresh draft in a double-anonymous journal; returns its URL."""
    journal = journal_for()
    login(people["submitter"])
    return f"/submissions/{start(client, journal)}", journal


def test_step_one_needs_every_checklist_tick_and_keeps_the_ticks_given(client, login, people, journal_for):
    journal = journal_for()
    login(people["submitter"])
    section = str(journal.sections[1].id)
    response = client.post(f"/j/{journal.slug}/submit", data={"section_id": section, "check_1": "y"})
    assert response.status_code == 200
    assert field_errors(response) == ["Please confirm this statement; the journal asks each author to."]
    tree = page(response)
    assert tree.xpath("//input[@name='section_id' and @checked]/@value") == [section]
    assert tree.xpath("//input[@name='check_1']/@checked") and not tree.xpath("//input[@name='check_0']/@checked")
    response = client.post(f"/j/{journal.slug}/submit", data={"check_0": "y", "check_1": "y"})
    assert field_errors(response) == ["Choose the section your paper belongs to."]
    assert db.session.scalars(select(Submission)).all() == []


def test_a_refused_author_keeps_the_metadata_and_what_was_typed(client, draft):
    url, _journal = draft
    response = client.post(f"{url}/metadata", data=metadata(**{
        "action": "add_author", "author-given_name": "Ada", "author-family_name": "Lovelace",
        "author-email": "ada@example.org", "author-orcid": "0000-0002-1825-0098"}))
    assert response.status_code == 200
    assert any("ORCID" in error or "check" in error.lower() for error in field_errors(response))
    tree = page(response)
    assert tree.xpath("//input[@name='author-given_name']/@value") == ["Ada"]
    assert tree.xpath("//input[@name='author-email']/@value") == ["ada@example.org"]
    assert tree.xpath("//input[@name='title']/@value") == ["Plasma beyond the heliopause"]
    submission = db.session.scalar(select(Submission))
    assert submission.title == "Plasma beyond the heliopause"  # the metadata were saved all the same
    assert [c.family_name for c in submission.contributors] == [submission.submitter.family_name]

    response = client.post(f"{url}/metadata", data=metadata(**{"action": "add_author",
                                                               "author-given_name": "Ada"}))
    assert "Give the author's family name." in field_errors(response)


def test_the_files_step_refuses_bad_uploads_with_the_reason_and_keeps_the_rest(client, draft):
    url, _journal = draft
    response = client.post(f"{url}/files/manuscript", data={"manuscript": upload(HTML_AS_PDF, "paper.pdf")})
    assert response.status_code == 200
    assert field_errors(response) == ["This file is not a PDF. Please upload your manuscript as a PDF file."]

    locked = manuscript_pdf("Secret results", password="hunter2")
    response = client.post(f"{url}/files/manuscript", data={"manuscript": upload(locked, "locked.pdf")})
    assert "encrypted or password-protected" in field_errors(response)[0]

    response = client.post(f"{url}/files/manuscript", data={})
    assert field_errors(response) == ["Choose the PDF file of your manuscript."]
    assert db.session.scalars(select(SubmissionFile)).all() == []

    # The test client cannot send a quote in a file name; a browser escapes it in the multipart header.
    hostile = '"><img src=x onerror=alert(1)>.pdf'
    body = (b'--B0UNDARY\r\nContent-Disposition: form-data; name="manuscript"; filename="'
            + hostile.replace('"', '\\"').encode() + b'"\r\nContent-Type: application/pdf\r\n\r\n'
            + manuscript_pdf("Results") + b"\r\n--B0UNDARY--\r\n")
    response = client.post(f"{url}/files/manuscript", data=body,
                           content_type="multipart/form-data; boundary=B0UNDARY")
    assert response.status_code == 302
    assert db.session.scalar(select(SubmissionFile.original_name).where(
        SubmissionFile.kind == FileKind.MANUSCRIPT)) == hostile
    body = client.get(f"{url}/files").get_data(as_text=True)
    assert "<img src=x" not in body
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;.pdf" in body or \
        "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;.pdf" in body

    # A supplement without a file keeps its description; an empty one says why.
    response = client.post(f"{url}/files/supplements", data={"description": "Magnetometer data"})
    assert field_errors(response) == ["Choose the file to add."]
    assert page(response).xpath("//input[@name='description']/@value") == ["Magnetometer data"]
    response = client.post(f"{url}/files/supplements", data={"supplement": upload(b"", "empty.csv"),
                                                              "description": "Magnetometer data"})
    assert field_errors(response) == ["The file is empty."]
    assert page(response).xpath("//input[@name='description']/@value") == ["Magnetometer data"]
    response = client.post(f"{url}/files/supplements", data={"supplement": upload(b"1,2\n", "data.csv"),
                                                              "description": " "})
    assert field_errors(response) == ["Describe the supplementary file (what it contains)."]  # the service says


def test_an_empty_text_pdf_says_the_names_could_not_be_checked(client, draft):
    url, _journal = draft
    client.post(f"{url}/files/manuscript", data={"manuscript": upload(manuscript_pdf([]), "scan.pdf")})
    assert "could not read any text" in client.get(f"{url}/files").get_data(as_text=True)


def test_a_supplement_can_be_removed_and_its_object_goes(client, draft, app):
    url, _journal = draft
    client.post(f"{url}/files/supplements", data={"supplement": upload(b"1,2\n", "data.csv"),
                                                  "description": "Numbers"})
    file = db.session.scalar(select(SubmissionFile))
    key = file.storage_key
    assert client.post(f"{url}/files/{file.id}/remove").status_code == 302
    assert not app.extensions["journal.storage"].exists(key)
    assert texts(client.get(f"{url}/files"), "//section[@id='supplements']//table") == []


def test_declarations_rows_are_added_without_javascript_and_invalid_rows_say_why(client, draft):
    url, _journal = draft
    response = client.get(f"{url}/declarations")
    assert len(page(response).xpath("//input[starts-with(@name, 'suggested_reviewers-') and "
                                    "contains(@name, '-name')]")) == 2
    response = client.post(f"{url}/declarations", data={
        "competing_interests": "None", "suggested_reviewers-0-name": "Vera Rubin",
        "suggested_reviewers-0-email": "vera@example.org", "action": "more_suggested_reviewers"})
    assert response.status_code == 200
    names = page(response).xpath("//input[starts-with(@name, 'suggested_reviewers-') and contains(@name, '-name')]")
    assert [n.get("value") or "" for n in names] == ["Vera Rubin", ""]
    response = client.post(f"{url}/declarations", data={
        "competing_interests": "None, really", "suggested_reviewers-0-name": "Vera Rubin", "action": "save"})
    assert "Give both the name and the email address of each reviewer you list." in field_errors(response)
    assert page(response).xpath("//textarea[@name='competing_interests']")[0].text_content().strip() == \
        "None, really"


def test_submit_lists_what_is_missing_and_changes_nothing(client, draft, outbox):
    url, _journal = draft
    response = client.get(f"{url}/review")
    missing = texts(response, "//div[@id='missing']//li")
    assert "Upload the manuscript (PDF)." in missing and "Give the title." in missing
    links = page(response).xpath("//div[@id='missing']//a/@href")
    assert f"{url}/files" in links and f"{url}/metadata" in links
    response = client.post(f"{url}/submit", data={"version": version_on(response)})
    assert response.status_code == 200
    (message,) = [f for f in flashes(response) if "not complete" in f]
    assert "Upload the manuscript (PDF)." in message and "Declare the funding" in message
    assert db.session.scalar(select(Submission)).status is SubmissionStatus.DRAFT
    assert outbox() == []


def test_a_draft_can_be_deleted_with_its_files(client, draft, app):
    url, _journal = draft
    client.post(f"{url}/files/manuscript", data={"manuscript": upload(manuscript_pdf("Results"), "p.pdf")})
    keys = [f.storage_key for f in db.session.scalars(select(SubmissionFile))]
    assert len(keys) == 2  # the manuscript and the reviewers' copy
    assert "Delete the draft" in client.get(f"{url}/delete").get_data(as_text=True)
    response = client.post(f"{url}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith("/my/submissions")
    db.session.expire_all()
    assert db.session.scalars(select(Submission)).all() == []
    assert not any(app.extensions["journal.storage"].exists(key) for key in keys)


def test_the_author_gives_a_second_language_and_a_co_author_s_name_in_their_script(client, draft):
    url, _journal = draft
    response = client.post(f"{url}/metadata", data=metadata(**{
        "translated_language": "", "translated_title": "太阳风等离子体", "translated_keywords": "太阳风，日球层顶"}))
    assert response.status_code == 200
    assert "Choose the language of the second title and abstract." in field_errors(response)
    tree = page(response)
    assert tree.xpath("//input[@name='translated_title']/@value") == ["太阳风等离子体"], "what was typed is kept"
    client.post(f"{url}/metadata", data=metadata(**{
        "translated_language": "zh", "translated_title": "太阳风等离子体", "translated_keywords": "太阳风，日球层顶",
        "action": "add_author", "author-given_name": "Wei", "author-family_name": "Li",
        "author-email": "li.wei@example.cn", "author-native_name": "李伟",
        "author-translated_affiliation": "国家空间科学中心", "author-mail_language": "zh"}))
    submission = db.session.scalar(select(Submission))
    assert (submission.translated_language, submission.translated_title, submission.translated_keywords) == \
        ("zh", "太阳风等离子体", ["太阳风", "日球层顶"])
    wei = next(c for c in submission.contributors if c.family_name == "Li")
    assert (wei.native_name, wei.translated_affiliation, wei.mail_language) == ("李伟", "国家空间科学中心", "zh")
    tree = page(client.get(f"{url}/metadata"))
    assert tree.xpath("//input[@name='translated_title']/@value") == ["太阳风等离子体"]
