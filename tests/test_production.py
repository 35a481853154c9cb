"""Production: an accepted paper gets its galley, confirmed metadata and approved proofs, is scheduled and
published; afterwards it is corrected (new versions, the old ones readable) or retracted."""

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from journal.extensions import db
from journal.models import (Article, ArticleStatus, ArticleVersion, FileKind, ReviewMode, Role, SubmissionFile,
                            SubmissionStatus)
from journal.services import after_publication, editorial
from journal.services import contributors as contributor_service
from journal.services import drafts as draft_service
from journal.services import invitations as invitation_service
from journal.services import issues as issue_service
from journal.services import manuscripts as manuscript_service
from journal.services import production
from journal.services import proofs as proof_service
from journal.services import reviews as review_service
from journal.services import submissions as service
from journal.services.errors import DomainError, PermissionDenied
from tests.conftest import buffered_usage, link_in
from tests.pdfs import HTML_AS_PDF, manuscript_pdf

A = ArticleStatus
S = SubmissionStatus
PDFS = Path(__file__).parent / "data" / "pdf"
ORCID = "0000-0002-1825-0097"
REVIEWER_NAMES = ("Rosa", "Lindqvist", "rosa@example.org", "Tomas", "Berg", "tomas@example.org")


def accepted_paper(journal, author, manager, *, title="Regolith heat flow", coauthors=(), reviewers=()):
    """A paper submitted by `author` and accepted by `manager` through the services (with reviews by `reviewers`)."""
    submission = draft_service.start_submission(author, journal, section_id=journal.sections[0].id,
                                                checklist_confirmed=True)
    draft_service.update_metadata(author, submission, title=title, keywords="moon, regolith",
                                  abstract="Heat flow through the lunar regolith over three lunar nights, $q = -k\\nabla T$.")
    for coauthor in coauthors:
        contributor_service.add_contributor(author, submission, **coauthor)
    manuscript_service.upload_manuscript(author, submission, io.BytesIO(manuscript_pdf([title, "Measured at night."])),
                                         "m.pdf")
    draft_service.update_declarations(author, submission, cover_letter="", competing_interests="None",
                                      funding="ESA contract 4000123", data_availability="On request.",
                                      suggested_reviewers=[], opposed_reviewers=[])
    if service.needs_anonymity_decision(submission):
        draft_service.confirm_anonymity(author, submission)
    service.submit(author, submission)
    editorial.send_to_review(manager, submission)
    for reviewer in reviewers:
        _assignment, token = invitation_service.invite_reviewer(manager, submission, user_id=reviewer.id)
        assignment = invitation_service.accept_invitation(token)
        review_service.save_review(reviewer, assignment, scores={"originality": 4, "significance": 4, "soundness": 4,
                                                                 "clarity": 4},
                                   recommendation="accept", comments_to_authors="Convincing; publish it.",
                                   confidential_comments="Between us: fine.")
        review_service.submit_review(reviewer, assignment)
    editorial.decide(manager, submission, kind="accept", letter="Dear authors, your paper is accepted.",
                     override_reason="" if len(reviewers) >= journal.reviews_required else "The board reviewed it.")
    return submission


def galley_pdf(*lines: str, pages: int = 3) -> io.BytesIO:
    return io.BytesIO(manuscript_pdf(*[[f"{' '.join(lines) or 'Galley'}", f"Page {n}"] for n in range(1, pages + 1)]))


def ready_article(submission, manager, author, *, issue=None, pages=(1, 3), approve=True) -> Article:
    """Production done: galley, confirmed metadata, proofs approved; scheduled into `issue` when given."""
    article = production.start_production(manager, submission)
    production.upload_galley(manager, article, galley_pdf(submission.title, pages=pages[1] - pages[0] + 1), "final.pdf")
    production.confirm_metadata(manager, article, **production.metadata_of(article.current_version))
    proof_service.request_proofs(manager, article)
    if approve:
        proof_service.approve_proofs(author, article)
    if issue is not None:
        issue_service.schedule_article(manager, article, issue_id=issue.id, first_page=pages[0], last_page=pages[1])
    return article


@pytest.fixture
def office(make_journal, make_user):
    """A double-anonymous journal with a DOI prefix, its managing editor, an author, a co-author with an account,
    and two reviewers."""
    journal = make_journal("jdse", reference_prefix="JDSE", review_mode=ReviewMode.DOUBLE_ANONYMOUS,
                           doi_prefix="10.59999")
    return journal, {
        "manager": make_user("lena@example.org", given_name="Lena", family_name="Sato",
                             roles={journal: Role.MANAGING_EDITOR}),
        "editor": make_user("ada@example.org", given_name="Ada", family_name="Okafor", roles={journal: Role.EDITOR}),
        "author": make_user("mei@example.org", given_name="Mei", family_name="Chen"),
        "coauthor": make_user("kenji@example.org", given_name="Kenji", family_name="Watanabe"),
        "reviewer": make_user("rosa@example.org", given_name="Rosa", family_name="Lindqvist",
                              roles={journal: Role.REVIEWER}),
        "reviewer2": make_user("tomas@example.org", given_name="Tomas", family_name="Berg",
                               roles={journal: Role.REVIEWER}),
    }


@pytest.fixture
def accepted(office):
    journal, people = office
    submission = accepted_paper(journal, people["author"], people["manager"], reviewers=[people["reviewer"],
                                                                                         people["reviewer2"]],
                                coauthors=[{"given_name": "Kenji", "family_name": "Watanabe",
                                            "email": "kenji@example.org", "affiliation": "Tohoku University"}])
    return journal, submission, people


def page(submission):
    return f"/production/jdse/submissions/{submission.id}"


def galleys(submission) -> list[SubmissionFile]:
    db.session.expire_all()
    return list(db.session.scalars(select(SubmissionFile).where(SubmissionFile.submission_id == submission.id,
                                                                SubmissionFile.kind == FileKind.GALLEY)))


def test_the_whole_path_from_acceptance_to_publication(client, login, accepted, outbox):
    journal, submission, people = accepted
    login(people["manager"])
    editorial_page = client.get(f"/editorial/jdse/submissions/{submission.id}").get_data(as_text=True)
    assert page(submission) in editorial_page
    assert "Start production" in client.get(page(submission)).get_data(as_text=True)
    assert client.post(f"{page(submission)}/start", data={"version": submission.version}).status_code == 302
    article = production.article_of(submission)
    assert article.status is A.IN_PRODUCTION and article.current_version.number == 1
    text = client.get(page(submission)).get_data(as_text=True)
    assert "no galley" in text.lower() and "metadata not confirmed" in text.lower() and "Kenji" in text

    # A malformed PDF, a PDF with a launch action, an HTML page: refused with their reasons, nothing stored.
    for content, reason in ((PDFS.joinpath("garbage.pdf").read_bytes(), "This PDF is damaged and cannot be read"),
                            (PDFS.joinpath("risky-launch.pdf").read_bytes(), "starts a program or opens another file"),
                            (HTML_AS_PDF, "This file is not a PDF")):
        response = client.post(f"{page(submission)}/galley", data={"galley": (io.BytesIO(content), "final.pdf")},
                                content_type="multipart/form-data")
        assert response.status_code == 200 and reason in response.get_data(as_text=True)
    assert galleys(submission) == []
    response = client.post(f"{page(submission)}/galley", data={"galley": (galley_pdf("Regolith"), "chen-final.pdf")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "Galley “chen-final.pdf” uploaded (3 pages)" in response.get_data(as_text=True)
    [galley] = galleys(submission)
    assert galley.page_count == 3 and article.current_version.galley_file_id == galley.id

    # The metadata form starts from the submission; a wrong ORCID iD is refused beside the authors.
    form = client.get(f"{page(submission)}/metadata").get_data(as_text=True)
    assert 'value="Regolith heat flow"' in form and 'value="Watanabe"' in form and "ESA contract 4000123" in form
    data = metadata_post(article, **{"contributors-1-orcid": "0000-0002-1825-0098"})
    answer = client.post(f"{page(submission)}/metadata", data=data).get_data(as_text=True)
    assert "Author 2 (Watanabe)" in answer and "check digit" in answer
    db.session.expire_all()
    assert article.metadata_confirmed_at is None
    data = metadata_post(article, title="Regolith heat flow at night", **{"contributors-1-orcid": ORCID})
    assert client.post(f"{page(submission)}/metadata", data=data).status_code == 302
    db.session.expire_all()
    assert article.metadata_confirmed_at is not None
    assert article.current_version.title == "Regolith heat flow at night"
    assert article.current_version.contributors[1]["orcid"] == ORCID
    assert article.current_version.contributors[1]["email"] == ""  # only the corresponding author's is published

    # Proofs to the corresponding author, who sends corrections; new proofs, approved.
    client.post(f"{page(submission)}/proofs", data={"version": article.lock_version})
    db.session.expire_all()
    assert article.status is A.PROOFS_REQUESTED
    [mail] = [m for m in outbox("mei@example.org") if m.template == "proofs_requested"]
    proofs_url = link_in(mail.body_text)
    assert proofs_url == f"/submissions/{submission.id}/proofs"
    client.post("/logout")
    login(people["author"])
    assert "The proofs are ready" in client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    proofs = client.get(proofs_url).get_data(as_text=True)
    assert "Regolith heat flow at night" in proofs and "Approve the proofs" in proofs and ORCID in proofs
    download = client.get(f"{proofs_url}/galley")
    assert download.status_code == 302 and f"{submission.reference}-proof.pdf" in client.get(
        download.headers["Location"]).headers["Content-Disposition"]
    client.post(f"{proofs_url}/corrections", data={"corrections": "Page 2: 'night' should read 'lunar night'.",
                                                   "version": article.lock_version})
    db.session.expire_all()
    assert article.status is A.CORRECTIONS_SENT
    [note] = [m for m in outbox("lena@example.org") if m.template == "proof_corrections"]
    assert "should read 'lunar night'" in note.body_text
    client.post("/logout")
    login(people["manager"])
    assert "should read &#39;lunar night&#39;" in client.get(page(submission)).get_data(as_text=True)
    client.post(f"{page(submission)}/galley", data={"galley": (galley_pdf("Regolith, lunar night"), "v2.pdf")},
                content_type="multipart/form-data")
    client.post(f"{page(submission)}/proofs", data={"version": lock_version(article)})
    client.post("/logout")
    login(people["author"])
    client.post(f"{proofs_url}/approve", data={"version": lock_version(article)})
    db.session.expire_all()
    assert article.status is A.PROOFS_APPROVED and article.proofs_approved_by_id == people["author"].id
    assert [m.template for m in outbox("lena@example.org")][-1] == "proofs_approved"

    # An issue, the article scheduled in it with its pages, the issue published.
    client.post("/logout")
    login(people["manager"])
    response = client.post("/production/jdse/issues", data={"volume": 3, "number": 2, "year": 2026,
                                                            "title": "Lunar surface"})
    assert response.status_code == 302
    issue_url = response.headers["Location"]
    issue_id = int(issue_url.rstrip("/").rsplit("/", 1)[1])
    response = client.post(f"{page(submission)}/schedule", data={"issue_id": issue_id, "section_id":
                                                                 journal.sections[0].id, "first_page": 1,
                                                                 "last_page": 3, "version": article.lock_version})
    assert response.status_code == 302
    db.session.expire_all()
    assert submission.status is S.SCHEDULED and article.pages == "1\u20133"
    client.post(f"{issue_url}/publish", data={"version": article.issue.version})
    db.session.expire_all()
    assert submission.status is S.PUBLISHED and article.status is A.PUBLISHED
    assert article.doi == "10.59999/jdse.2026.0001" and article.published_at is not None
    [published] = [m for m in outbox("mei@example.org") if m.template == "article_published"]
    assert "https://doi.org/10.59999/jdse.2026.0001" in published.body_text and "kenji@example.org" in published.cc
    public_url = link_in(published.body_text)
    assert public_url == f"/j/jdse/articles/{article.id}"

    # Readers see it at its stable address, without logging in.
    client.post("/logout")
    reader = client.get(public_url).get_data(as_text=True)
    assert "Regolith heat flow at night" in reader and "Vol. 3 No. 2 (2026)" in reader and ORCID in reader
    assert "https://doi.org/10.59999/jdse.2026.0001" in reader and "kenji@example.org" not in reader
    pdf = client.get(f"{public_url}/pdf")
    assert pdf.status_code == 302
    served = client.get(pdf.headers["Location"])
    assert served.data.startswith(b"%PDF") and "jdse.2026.0001.pdf" in served.headers["Content-Disposition"]
    assert buffered_usage(article.id) == [(article.id, "view"), (article.id, "download")]  # counted when flushed


def lock_version(article) -> int:
    """The article's version as a page loaded now shows it."""
    db.session.refresh(article)
    return article.lock_version


def metadata_post(article, **overrides) -> dict:
    """The metadata form as the browser sends it, from the article's current version."""
    version = article.current_version
    data = {"title": version.title, "abstract": version.abstract, "keywords": ", ".join(version.keywords),
            "language": version.language, "funding": version.funding,
            "competing_interests": version.competing_interests, "data_availability": version.data_availability,
            "licence": version.licence, "version": article.lock_version}
    for index, contributor in enumerate(version.contributors):
        for name in ("given_name", "family_name", "orcid", "affiliation", "country", "email"):
            data[f"contributors-{index}-{name}"] = contributor.get(name) or ""
        if contributor.get("corresponding"):
            data["corresponding"] = index
    data.update(overrides)
    return data


def test_proofs_go_out_only_with_a_galley_and_confirmed_metadata(accepted, outbox):
    _journal, submission, people = accepted
    manager = people["manager"]
    article = production.start_production(manager, submission)
    with pytest.raises(DomainError) as error:
        proof_service.request_proofs(manager, article)
    assert error.value.message == "Before the proofs go out: upload the galley; confirm the metadata."
    production.upload_galley(manager, article, galley_pdf(), "final.pdf")
    with pytest.raises(DomainError, match="confirm the metadata"):
        proof_service.request_proofs(manager, article)
    assert not [m for m in outbox() if m.template == "proofs_requested"]


def test_a_change_after_the_proofs_went_out_needs_new_proofs(accepted):
    _journal, submission, people = accepted
    manager, author = people["manager"], people["author"]
    article = ready_article(submission, manager, author)
    assert article.status is A.PROOFS_APPROVED
    production.upload_galley(manager, article, galley_pdf("corrected"), "final-2.pdf")
    assert article.status is A.IN_PRODUCTION and article.proofs_approved_at is None
    assert "proofs not approved (not sent to the author yet)" in production.missing_for_publication(article)
    proof_service.request_proofs(manager, article)
    proof_service.approve_proofs(author, article)
    values = production.metadata_of(article.current_version)
    production.confirm_metadata(manager, article, **values)  # confirmed again unchanged: the approval stands
    assert article.status is A.PROOFS_APPROVED
    production.confirm_metadata(manager, article, **{**values, "title": "Regolith heat flow, revised"})
    assert article.status is A.IN_PRODUCTION


def test_the_author_approves_only_the_proofs_the_page_showed(client, login, accepted):
    _journal, submission, people = accepted
    article = ready_article(submission, people["manager"], people["author"], approve=False)
    shown = article.lock_version
    production.upload_galley(people["manager"], article, galley_pdf("newer"), "final-2.pdf")
    proof_service.request_proofs(people["manager"], article)
    login(people["author"])
    answer = client.post(f"/submissions/{submission.id}/proofs/approve", data={"version": shown},
                         follow_redirects=True).get_data(as_text=True)
    assert "changed a moment ago" in answer
    db.session.expire_all()
    assert article.status is A.PROOFS_REQUESTED


def test_only_the_corresponding_author_or_submitter_answers_the_proofs(client, login, accepted, make_user):
    _journal, submission, people = accepted
    article = ready_article(submission, people["manager"], people["author"], approve=False)
    url = f"/submissions/{submission.id}/proofs"
    with pytest.raises(PermissionDenied):
        proof_service.approve_proofs(people["coauthor"], article)
    login(people["coauthor"])  # linked to the author list at submission: reads the proofs, cannot answer them
    text = client.get(url).get_data(as_text=True)
    assert "Regolith heat flow" in text and "Approve the proofs" not in text
    assert client.post(f"{url}/approve", data={"version": article.lock_version}).status_code == 403
    assert client.post(f"{url}/corrections", data={"corrections": "Fix page 1.",
                                                   "version": article.lock_version}).status_code == 403
    for who in (people["manager"], people["reviewer"], make_user()):
        login(who)
        assert client.get(url).status_code == 404
        assert client.post(f"{url}/approve", data={"version": article.lock_version}).status_code == 404
    db.session.expire_all()
    assert article.status is A.PROOFS_REQUESTED
    # The corresponding author need not be the submitter: whoever is marked answers.
    submission.contributors[0].is_corresponding = False
    submission.contributors[1].is_corresponding = True
    db.session.commit()
    proof_service.approve_proofs(people["coauthor"], article)
    assert article.status is A.PROOFS_APPROVED


def test_proof_mails_and_pages_name_no_reviewer(client, login, accepted, outbox):
    _journal, submission, people = accepted
    article = ready_article(submission, people["manager"], people["author"], approve=False)
    [mail] = [m for m in outbox("mei@example.org") if m.template == "proofs_requested"]
    login(people["author"])
    texts = [mail.subject, mail.body_text, client.get(f"/submissions/{submission.id}/proofs").get_data(as_text=True)]
    client.post(f"/submissions/{submission.id}/proofs/corrections", data={"corrections": "Page 1: a typo.",
                                                                         "version": article.lock_version})
    texts.append(client.get(f"/submissions/{submission.id}/proofs").get_data(as_text=True))
    for text in texts:
        for secret in REVIEWER_NAMES + ("Between us", "Reviewer 1"):
            assert secret not in text


@pytest.mark.parametrize("who", ["editor", "other_manager", "author", "reviewer", None])
def test_production_pages_are_not_found_for_anyone_but_the_journals_managing_editors(client, login, accepted,
                                                                                       make_journal, make_user, who):
    _journal, submission, people = accepted
    other = make_journal("other")
    people["other_manager"] = make_user(roles={other: Role.MANAGING_EDITOR, _journal: Role.EDITOR})
    issue = issue_service.create_issue(people["manager"], _journal, volume=1, number=1, year=2026)
    article = ready_article(submission, people["manager"], people["author"], issue=issue)
    urls = ["/production/jdse/", page(submission), f"{page(submission)}/metadata", "/production/jdse/issues",
            f"/production/jdse/issues/{issue.id}", f"/production/jdse/issues/{issue.id}/preview",
            f"{page(submission)}/files/{article.current_version.galley_file_id}"]
    posts = [f"{page(submission)}/proofs", f"/production/jdse/issues/{issue.id}/publish", f"{page(submission)}/galley"]
    if who:
        login(people[who])
    for url in urls + posts:
        response = client.get(url) if url in urls else client.post(url, data={"version": 1})
        if who is None:
            assert response.status_code == 302 and "/login" in response.headers["Location"], url
        else:
            assert response.status_code == 404, (who, url, response.status_code)
    db.session.expire_all()
    assert submission.status is S.SCHEDULED


def test_a_managing_editor_does_not_produce_their_own_paper(client, login, office, make_user):
    journal, people = office
    other_manager = make_user(roles={journal: Role.MANAGING_EDITOR})
    submission = accepted_paper(journal, people["manager"], other_manager)
    login(people["manager"])
    assert client.get(page(submission)).status_code == 404
    assert client.post(f"{page(submission)}/start", data={}).status_code == 404
    with pytest.raises(PermissionDenied):
        production.start_production(people["manager"], submission)
    assert "Regolith heat flow" not in client.get("/production/jdse/").get_data(as_text=True)
    production.start_production(other_manager, submission)
    assert client.get(page(submission)).status_code == 404
    assert "Regolith heat flow" not in client.get("/production/jdse/").get_data(as_text=True)
    login(other_manager)
    assert client.get(page(submission)).status_code == 200
    assert "Regolith heat flow" in client.get("/production/jdse/").get_data(as_text=True)


def published_article(journal, submission, people) -> Article:
    issue = issue_service.create_issue(people["manager"], journal, volume=1, number=1, year=2026)
    article = ready_article(submission, people["manager"], people["author"], issue=issue)
    issue_service.publish_issue(people["manager"], issue)
    return article


def test_corrections_make_a_new_version_and_the_old_one_stays_readable(client, login, accepted, outbox):
    journal, submission, people = accepted
    article = published_article(journal, submission, people)
    doi = article.doi
    first_pdf = client.get(client.get(f"/j/jdse/articles/{article.id}/pdf").headers["Location"]).data
    login(people["manager"])
    data = metadata_post(article, title="Regolith heat flow over three lunar nights",
                         change_note="The title left out the duration of the measurements.")
    assert client.post(f"{page(submission)}/correct", data=data).status_code == 302
    db.session.expire_all()
    assert article.current_version.number == 2 and article.doi == doi
    assert [m.template for m in outbox("mei@example.org")][-1] == "article_corrected"
    client.post(f"{page(submission)}/correct/galley", content_type="multipart/form-data", data={
        "galley": (galley_pdf("Corrected figure 2"), "fig2.pdf"), "change_note": "Figure 2 had the wrong axis units."})
    db.session.expire_all()
    assert article.current_version.number == 3 and article.status is A.PUBLISHED
    assert [v.number for v in article.versions] == [1, 2, 3]

    client.post("/logout")
    current = client.get(f"/j/jdse/articles/{article.id}").get_data(as_text=True)
    assert "Regolith heat flow over three lunar nights" in current
    assert "Figure 2 had the wrong axis units." in current and "The title left out the duration" in current
    old = client.get(f"/j/jdse/articles/{article.id}/v1").get_data(as_text=True)
    assert "You are reading version 1 of 3" in old and "<h1 id=\"article-title\" lang=\"en\" dir=\"ltr\">Regolith heat flow</h1>" in old
    assert client.get(client.get(f"/j/jdse/articles/{article.id}/v1/pdf").headers["Location"]).data == first_pdf
    newest = client.get(client.get(f"/j/jdse/articles/{article.id}/pdf").headers["Location"])
    assert newest.data != first_pdf and "jdse.2026.0001-v3.pdf" in newest.headers["Content-Disposition"]
    assert client.get(f"/j/jdse/articles/{article.id}/v4").status_code == 404

    with pytest.raises(DomainError, match="Nothing differs"):
        after_publication.correct_metadata(people["manager"], article, change_note="No change at all, really.",
                                    **production.metadata_of(article.current_version))
    with pytest.raises(DomainError, match="Say what was corrected"):
        after_publication.correct_metadata(people["manager"], article, change_note="",
                                    **{**production.metadata_of(article.current_version), "title": "Other"})


def test_a_retracted_article_stays_reachable_and_marked(client, login, accepted, outbox):
    journal, submission, people = accepted
    article = published_article(journal, submission, people)
    login(people["manager"])
    notice = "Retracted at the authors' request: the temperature sensor was miscalibrated (see the erratum)."
    page_text = client.post(f"{page(submission)}/retract", data={"notice": notice, "version": article.lock_version}
                            ).get_data(as_text=True)
    assert "Please confirm" in page_text
    client.post(f"{page(submission)}/retract", data={"notice": notice, "confirm": "y", "version": article.lock_version})
    db.session.expire_all()
    assert article.status is A.RETRACTED and article.retracted_at is not None and article.doi
    assert [m.template for m in outbox("mei@example.org")][-1] == "article_retracted"
    client.post("/logout")
    text = client.get(f"/j/jdse/articles/{article.id}").get_data(as_text=True)
    assert "Retracted on" in text and "miscalibrated" in text and "Regolith heat flow" in text
    toc = client.get(f"/j/jdse/issues/{article.issue_id}").get_data(as_text=True)
    assert "badge-retracted" in toc
    with pytest.raises(DomainError, match="retracted"):
        after_publication.retract(people["manager"], article, notice=notice)
    with pytest.raises(DomainError, match="retracted"):
        after_publication.correct_metadata(people["manager"], article, change_note="A late change to the title.",
                                    **{**production.metadata_of(article.current_version), "title": "Other"})


def test_nothing_is_public_before_the_issue_is_published(client, accepted):
    journal, submission, people = accepted
    issue = issue_service.create_issue(people["manager"], journal, volume=1, number=1, year=2026)
    article = ready_article(submission, people["manager"], people["author"], issue=issue)
    for url in (f"/j/jdse/articles/{article.id}", f"/j/jdse/articles/{article.id}/pdf",
                f"/j/jdse/articles/{article.id}/v1", f"/j/jdse/issues/{issue.id}"):
        assert client.get(url).status_code == 404, url
    assert db.session.scalar(select(ArticleVersion.published_at)) is None


def test_the_production_list_shows_each_articles_state_and_what_is_missing(client, login, office):
    journal, people = office
    waiting = accepted_paper(journal, people["author"], people["manager"], title="Dust devils on Mars")
    started = accepted_paper(journal, people["author"], people["manager"], title="Ion drift at Ganymede")
    production.start_production(people["manager"], started)
    login(people["manager"])
    text = client.get("/production/jdse/").get_data(as_text=True)
    waiting_part = text.split('id="waiting-title"')[1].split('id="production-title"')[0]
    assert "Dust devils on Mars" in waiting_part and "Start production" in waiting_part
    assert "Ion drift at Ganymede" not in waiting_part
    row = text.split('id="production-title"')[1].split("</tr>")[1]
    assert "Ion drift at Ganymede" in row and "In production" in row
    assert "no galley; metadata not confirmed; proofs not approved (not sent to the author yet); not in an issue; " \
           "no pages" in row
    client.post(f"/production/jdse/submissions/{waiting.id}/start", data={"version": waiting.version})
    assert production.article_of(waiting) is not None
    assert "in production already" in client.post(f"/production/jdse/submissions/{waiting.id}/start", data={},
                                                  follow_redirects=True).get_data(as_text=True)
