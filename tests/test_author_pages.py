"""The author's pages around the wizard: the submission page, My submissions, withdrawing, revising,
co-authors who only read, strangers who see nothing, and the co-author's objection link."""

import io
import re

import lxml.html
import pytest
from sqlalchemy import select

from journal.extensions import db
from journal.models import FileKind, ReviewRound, Role, Submission, SubmissionStatus
from journal.services import contributors as contributor_service
from journal.services import drafts as draft_service
from journal.services import manuscripts as manuscript_service
from journal.services import submissions as service
from tests.conftest import link_in
from tests.pdfs import HTML_AS_PDF, manuscript_pdf

ABSTRACT = "We measure the solar wind beyond the termination shock with Voyager's plasma instrument."


def texts(response, xpath: str) -> list[str]:
    tree = lxml.html.fromstring(response.get_data(as_text=True))
    return [" ".join(e.text_content().split()) for e in tree.xpath(xpath)]


def buttons_and_links(response) -> list[str]:
    return texts(response, "//main//button | //main//a[contains(@class, 'button')]")


def complete_draft(submitter, journal, *coauthors) -> Submission:
    """A draft with everything it needs, made through the services as the wizard would."""
    submission = draft_service.start_submission(submitter, journal, section_id=journal.sections[0].id,
                                                checklist_confirmed=True)
    draft_service.update_metadata(submitter, submission, title="Plasma beyond the heliopause", abstract=ABSTRACT,
                                  keywords="heliosphere, solar wind")
    for user in coauthors:
        contributor_service.add_contributor(submitter, submission, given_name=user.given_name,
                                            family_name=user.family_name,
                                            email=user.email, affiliation="")
    manuscript_service.upload_manuscript(submitter, submission, io.BytesIO(manuscript_pdf("Results")), "paper.pdf")
    draft_service.update_declarations(submitter, submission, cover_letter="", competing_interests="None",
                                      funding="None", data_availability="On request", suggested_reviewers=[],
                                      opposed_reviewers=[])
    return submission


@pytest.fixture
def setting(make_user, make_journal):
    journal = make_journal(reference_prefix="JDSE", review_mode="single_anonymous")
    people = {
        "submitter": make_user("grace@example.org", given_name="Grace", family_name="Hopper"),
        "coauthor": make_user("ada@example.org", given_name="Ada", family_name="Lovelace"),
        "stranger": make_user("mallory@example.org", given_name="Mallory", family_name="Stranger"),
        "office": make_user("office@example.org", given_name="Edith", family_name="Office",
                            roles={journal: Role.MANAGING_EDITOR}),
    }
    return journal, people


@pytest.fixture
def submitted(setting):
    journal, people = setting
    submission = complete_draft(people["submitter"], journal, people["coauthor"])
    service.submit(people["submitter"], submission)
    return submission


def author_urls(app, submission: Submission) -> list[tuple[str, str]]:
    """Every (method, URL) of the author pages about one submission, with real ids filled in."""
    values = {"submission_id": submission.id, "contributor_id": submission.contributors[-1].id,
              "file_id": submission.files[0].id, "action": "remove", "message_id": 1, "compile_id": 1,
              "full_text_id": 1, "name": "x1.png"}
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint.startswith("author.") and "submission_id" in rule.arguments:
                adapter = app.url_map.bind("journal.test")
                url = adapter.build(rule.endpoint, {k: values[k] for k in rule.arguments})
                urls += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return urls


# --- who sees what ----------------------------------------------------------------------------------

@pytest.mark.parametrize("status", ["draft", "submitted"])
def test_another_users_submission_is_not_found_on_every_route(app, client, login, setting, status):
    journal, people = setting
    submission = complete_draft(people["submitter"], journal)
    if status == "submitted":
        service.submit(people["submitter"], submission)
    urls = author_urls(app, submission)
    assert len(urls) >= 20
    login(people["stranger"])
    for method, url in urls:
        response = client.open(url, method=method, data={"reason": "x", "version": "1"})
        assert response.status_code == 404, (method, url, response.status_code)
    response = client.get(f"/submissions/{submission.id + 1000}")
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Submission, submission.id).status.value == status


def test_a_coauthor_with_an_account_reads_the_submission_and_cannot_change_it(app, client, login, setting,
                                                                               submitted):
    journal, people = setting
    login(people["coauthor"])
    response = client.get(f"/submissions/{submitted.id}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert submitted.reference in body and "Plasma beyond the heliopause" in body
    assert "Only Grace Hopper, who submitted it, can change it." in " ".join(body.split())
    assert buttons_and_links(response) == []  # no Withdraw, no Revise, nothing to press
    manuscript = service.manuscript_of(submitted, 1)
    assert client.get(f"/submissions/{submitted.id}/files/{manuscript.id}").status_code == 302
    for method, url in author_urls(app, submitted):
        if url.endswith("/messages"):  # co-authors write to the editors too (tests/test_conversations.py)
            continue
        if method == "POST" or url.endswith(("/withdraw", "/delete", "/metadata", "/revise")):
            response = client.open(url, method=method, data={"reason": "mine now", "title": "Hijacked"})
            assert response.status_code == 403, (method, url, response.status_code)
    db.session.expire_all()
    submission = db.session.get(Submission, submitted.id)
    assert submission.status is SubmissionStatus.SUBMITTED and submission.title == "Plasma beyond the heliopause"
    assert "Plasma beyond the heliopause" in client.get("/my/submissions").get_data(as_text=True)


def test_the_submission_page_shows_the_authors_files_and_history_in_plain_words(client, login, setting,
                                                                                 submitted):
    journal, people = setting
    login(people["submitter"])
    response = client.get(f"/submissions/{submitted.id}")
    body = response.get_data(as_text=True)
    assert texts(response, "//span[contains(@class, 'badge-submitted')]") == ["Submitted"]
    assert service.next_step_for_author(submitted) in body
    assert texts(response, "//section[@aria-labelledby='authors-title']//tbody//strong") == [
        "Grace Hopper", "Ada Lovelace"]
    assert "paper.pdf" in body and "Version 1" in body
    history = texts(response, "//section[@aria-labelledby='history-title']//tbody/tr/td[2]")
    assert history == ["Draft started", "Submitted"]  # no uploads, no internal steps
    assert "Decisions and reviews" in body and "No decision and no reviews yet." in body
    assert buttons_and_links(response) == ["Withdraw"]


def test_my_submissions_lists_each_with_its_reference_status_and_what_is_expected(client, login, setting,
                                                                                  submitted):
    journal, people = setting
    login(people["submitter"])
    draft = draft_service.start_submission(people["submitter"], journal, section_id=journal.sections[0].id,
                                           checklist_confirmed=True)
    response = client.get("/my/submissions")
    rows = texts(response, "//table//tbody/tr")
    assert len(rows) == 2
    assert rows[0].startswith("Draft Untitled draft") and "Finish the submission and submit it." in rows[0]
    assert rows[1].startswith(f"{submitted.reference} Plasma beyond the heliopause") and "Submitted" in rows[1]
    links = lxml.html.fromstring(response.get_data(as_text=True)).xpath("//table//a/@href")
    assert links == [f"/submissions/{draft.id}", f"/submissions/{submitted.id}"]

    client.post("/logout")
    login(people["stranger"])
    response = client.get("/my/submissions")
    assert "You have no submissions yet." in response.get_data(as_text=True)
    assert "/submit" in lxml.html.fromstring(response.get_data(as_text=True)).xpath("//p[@class='empty']/a/@href")


# --- withdrawing ----------------------------------------------------------------------------------------

def test_withdrawing_needs_a_reason_and_then_says_withdrawn(client, login, setting, submitted, outbox):
    journal, people = setting
    login(people["submitter"])
    url = f"/submissions/{submitted.id}/withdraw"
    version = lxml.html.fromstring(client.get(url).get_data(as_text=True)).xpath("//input[@name='version']/@value")
    response = client.post(url, data={"reason": "  ", "version": version[0]})
    assert response.status_code == 200
    assert "Please say why you withdraw the submission." in texts(response, "//p[@class='field-error']")
    response = client.post(url, data={"reason": "We found an error in the calibration.", "version": version[0]})
    assert response.status_code == 302
    response = client.get(f"/submissions/{submitted.id}")
    assert texts(response, "//span[contains(@class, 'badge-withdrawn')]") == ["Withdrawn"]
    assert "We found an error in the calibration." in response.get_data(as_text=True)
    assert buttons_and_links(response) == []
    assert [m.template for m in outbox("office@example.org")] == ["new_submission", "submission_withdrawn"]
    assert client.get(url).status_code == 302  # nothing more to withdraw


def test_a_stale_form_is_refused_with_the_current_state(client, login, setting, submitted):
    journal, people = setting
    login(people["submitter"])
    response = client.post(f"/submissions/{submitted.id}/withdraw",
                           data={"reason": "Changed my mind.", "version": str(submitted.version - 1)})
    assert response.status_code == 200
    assert any("changed by someone else" in m for m in texts(response, "//p[contains(@class, 'field-error')] | "
                                                                         "//p[contains(@class, 'flash')]"))
    db.session.expire_all()
    assert db.session.get(Submission, submitted.id).status is SubmissionStatus.SUBMITTED


# --- revising ---------------------------------------------------------------------------------------------

def test_a_revision_uploads_a_new_manuscript_and_response_and_opens_round_two(client, login, setting, submitted,
                                                                              outbox):
    journal, people = setting
    submitted.status = SubmissionStatus.REVISION_REQUESTED  # the editorial side comes with the peer-review issue
    db.session.commit()
    login(people["submitter"])
    url = f"/submissions/{submitted.id}"
    response = client.get(url)
    assert "Revise" in buttons_and_links(response)
    assert client.get(f"{url}/files").headers["Location"].endswith(f"{url}/revise")

    # The metadata can change; the authors cannot.
    response = client.get(f"{url}/metadata")
    assert "Add this author" not in response.get_data(as_text=True)
    assert texts(response, "//form[contains(@action, '/contributors/')]") == []
    response = client.post(f"{url}/metadata", data={"title": "Plasma beyond the heliopause, revised",
                                                    "abstract": ABSTRACT, "keywords": "heliosphere",
                                                    "language": "en", "action": "continue",
                                                    "author-given_name": "Eve", "author-family_name": "Sneaky",
                                                    "author-email": "eve@example.org"})
    assert response.headers["Location"].endswith(f"{url}/revise")
    assert client.post(f"{url}/contributors/{submitted.contributors[1].id}/remove").status_code == 302
    db.session.expire_all()
    assert [c.family_name for c in db.session.get(Submission, submitted.id).contributors] == ["Hopper", "Lovelace"]

    # Submitting before the new manuscript is there says what is missing and keeps the typed response.
    response = client.get(f"{url}/revise")
    assert "Upload the revised manuscript (PDF)." in texts(response, "//div[@id='missing']//li")
    version = lxml.html.fromstring(response.get_data(as_text=True)).xpath(
        "//form[contains(@action, '/resubmit')]//input[@name='version']/@value")[0]
    response = client.post(f"{url}/resubmit", data={"response": "We fixed the calibration.", "version": version})
    assert response.status_code == 200
    assert any("Upload the revised manuscript" in m for m in texts(response, "//p[contains(@class, 'flash')]"))
    assert "We fixed the calibration." in texts(response, "//textarea[@name='response']")

    # The same checks as the first upload.
    response = client.post(f"{url}/files/manuscript", data={"manuscript": (io.BytesIO(HTML_AS_PDF), "v2.pdf")})
    assert response.status_code == 200
    assert texts(response, "//p[@class='field-error']") == [
        "This file is not a PDF. Please upload your manuscript as a PDF file."]
    response = client.post(f"{url}/files/manuscript",
                           data={"manuscript": (io.BytesIO(manuscript_pdf("Revised results", "More")), "v2.pdf")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/revise#manuscript-section")
    response = client.post(f"{url}/response-letter", data={"response_letter": (io.BytesIO(b"%PDF-1.4 answers"),
                                                                                "response.pdf")})
    assert response.status_code == 302
    response = client.get(f"{url}/revise")
    assert texts(response, "//div[@id='missing']//li") == []
    assert "response.pdf" in response.get_data(as_text=True)
    version = lxml.html.fromstring(response.get_data(as_text=True)).xpath(
        "//form[contains(@action, '/resubmit')]//input[@name='version']/@value")[0]
    response = client.post(f"{url}/resubmit", data={"response": "We fixed the calibration.", "version": version})
    assert response.status_code == 302

    db.session.expire_all()
    submission = db.session.get(Submission, submitted.id)
    assert submission.status is SubmissionStatus.SUBMITTED and submission.current_round == 2
    assert submission.title == "Plasma beyond the heliopause, revised"
    (round_two,) = db.session.scalars(select(ReviewRound).where(ReviewRound.submission_id == submission.id,
                                                                ReviewRound.number == 2))
    assert round_two.author_response == "We fixed the calibration."
    assert service.manuscript_of(submission, 2).page_count == 2
    assert [f.kind for f in submission.files if f.round == 2] == [FileKind.MANUSCRIPT, FileKind.RESPONSE_LETTER]
    assert [m.template for m in outbox("grace@example.org")] == ["submission_received", "revision_received"]
    response = client.get(url)
    assert "Version 2" in response.get_data(as_text=True)
    assert texts(response, "//section[@aria-labelledby='history-title']//tbody/tr/td[2]")[-1].startswith(
        "Revision submitted")


def test_revise_is_only_for_a_requested_revision(client, login, setting, submitted):
    journal, people = setting
    login(people["submitter"])
    response = client.get(f"/submissions/{submitted.id}/revise")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/submissions/{submitted.id}")
    response = client.post(f"/submissions/{submitted.id}/resubmit", data={"response": "x", "version": "9"})
    assert response.status_code == 302


# --- the co-author's objection link ------------------------------------------------------------------------

def test_a_listed_coauthor_objects_through_the_mailed_link(client, setting, submitted, outbox):
    journal, people = setting
    (mail,) = outbox("ada@example.org")
    link = link_in(mail.body_text)
    assert re.fullmatch(r"/contributors/object/[\w.-]+", link)
    response = client.get(link)
    assert response.status_code == 200 and "Plasma beyond the heliopause" in response.get_data(as_text=True)
    assert journal.title in response.get_data(as_text=True)
    response = client.post(link, data={"reason": ""})
    assert texts(response, "//p[@class='field-error']") == ["Please tell the editors why you should not be listed."]
    response = client.post(link, data={"reason": "I did not take part in this work."})
    assert response.status_code == 302
    response = client.get(link)
    assert "Thank you" in response.get_data(as_text=True)
    assert [m.template for m in outbox("office@example.org")][-1] == "coauthor_objected"
    assert [m.template for m in outbox("grace@example.org")][-1] == "coauthor_objected"
    assert client.get(link[:-3] + "abc").status_code == 404
    assert client.get("/contributors/object/not-a-token").status_code == 404
