"""An editor who is an author of a paper never reaches its editorial side (issue 11, defect 1).

Whoever is an author of a submission (its submitter, a listed author linked to their account, or a listed author
with their address) gets 404 on every editorial, production and review-handling URL of it, whatever their roles in
the journal; their queue, its counts, the digest and the mails to managing editors leave it out. A managing editor
who submits to their own journal is handled by another managing editor; where there is none, the platform
administrators are told and can appoint one.
"""

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from journal.extensions import db
from journal.models import AuditEvent, Contributor, ReviewMode, Role, utcnow
from journal.services import contributors as contributor_service
from journal.services import drafts as draft_service
from journal.services import editorial
from journal.services import invitations as invitation_service
from journal.services import manuscripts as manuscript_service
from journal.services import queue as queue_service
from journal.services import reviews as review_service
from journal.services import submissions as service
from journal.services.digest import editor_digests
from journal.services.review_assignments import assignments_of
from tests.conftest import link_in
from tests.data.pdf.make_samples import text_page_pdf
from tests.test_production import accepted_paper
from tests.test_queue import refs

EDITORIAL = "/editorial/<slug>/submissions/<int:submission_id>"
PRODUCTION = "/production/<slug>/submissions/<int:submission_id>"
CONFIDENTIAL = "Between us: the second dataset looks recycled."
REVIEW = {"scores": {"originality": 4, "significance": 3, "soundness": 5, "clarity": 2},
          "recommendation": "minor_revision",
          "comments_to_authors": "The heat-flow model ignores the conductivity change with depth; please discuss.",
          "confidential_comments": CONFIDENTIAL}


@pytest.fixture
def office(make_journal, make_user):
    """A double-anonymous journal with a managing editor, a handling editor, two reviewers and an administrator."""
    journal = make_journal("jdse", reference_prefix="JDSE", review_mode=ReviewMode.DOUBLE_ANONYMOUS)
    people = {
        "manager": make_user("maria@jdse.example.org", given_name="Maria", family_name="Santos",
                             roles={journal: Role.MANAGING_EDITOR}),
        "handler": make_user("ben@jdse.example.org", given_name="Ben", family_name="Okoro",
                             roles={journal: Role.EDITOR}),
        "reviewer": make_user("rosa@jdse.example.org", given_name="Rosa", family_name="Lindqvist",
                              roles={journal: Role.REVIEWER}),
        "reviewer2": make_user("tomas@jdse.example.org", given_name="Tomas", family_name="Berg",
                               roles={journal: Role.REVIEWER}),
        "admin": make_user("root@idsea.example.org", given_name="Ines", family_name="Admin", admin=True),
    }
    return journal, people


def submit_paper(journal, author, *, title="Regolith heat flow", coauthors=()):
    submission = draft_service.start_submission(author, journal, section_id=journal.sections[0].id,
                                                checklist_confirmed=True)
    draft_service.update_metadata(author, submission, title=title, keywords="moon",
                                  abstract="Heat flow through the lunar regolith over three lunar nights.")
    for coauthor in coauthors:
        contributor_service.add_contributor(author, submission, **coauthor)
    manuscript_service.upload_manuscript(author, submission, io.BytesIO(text_page_pdf([[title]])), "m.pdf")
    draft_service.update_declarations(author, submission, cover_letter="", competing_interests="None", funding="None",
                                      data_availability="On request.", suggested_reviewers=[], opposed_reviewers=[])
    if service.needs_anonymity_decision(submission):
        draft_service.confirm_anonymity(author, submission)
    service.submit(author, submission)
    return submission


@pytest.fixture
def editor_author(office, make_user):
    """An editor of the double-anonymous journal who submitted to it; another editor handles the paper, two
    reviewers are invited and one review (with confidential comments to the editor) is in."""
    journal, people = office
    ada = make_user("ada@jdse.example.org", given_name="Ada", family_name="Quist",
                    roles={journal: [Role.EDITOR, Role.REVIEWER]})
    submission = submit_paper(journal, ada)
    editorial.assign_handling_editor(people["manager"], submission, people["handler"].id)
    editorial.send_to_review(people["handler"], submission)
    assignments = []
    for who in ("reviewer", "reviewer2"):
        assignment, token = invitation_service.invite_reviewer(people["handler"], submission, user_id=people[who].id)
        assignments.append(invitation_service.accept_invitation(token))
    review_service.save_review(people["reviewer"], assignments[0], **REVIEW)
    review_service.submit_review(people["reviewer"], assignments[0])
    return journal, submission, ada, assignments[0], people


@pytest.fixture
def coauthor_by_address(office, make_user):
    """A managing editor listed as a co-author only by address, typed in another case before her account existed
    (the row is not linked to her account); the paper is accepted (by the other managing editor)."""
    journal, people = office
    mei = make_user("mei@elsewhere.example.org", given_name="Mei", family_name="Chen")
    submission = accepted_paper(journal, mei, people["manager"], reviewers=[people["reviewer"]], coauthors=[
        {"given_name": "Lin", "family_name": "Zhao", "email": "Lin.Zhao@JDSE.example.org",
         "affiliation": "Kyoto Space Lab"}])
    lin = make_user("lin.zhao@jdse.example.org", given_name="Lin", family_name="Zhao",
                    roles={journal: [Role.MANAGING_EDITOR, Role.EDITOR]})
    db.session.expire_all()
    [row] = [c for c in submission.contributors if c.family_name == "Zhao"]
    assert row.user_id is None and row.email == "lin.zhao@jdse.example.org"
    [assignment] = assignments_of(submission)
    return journal, submission, lin, assignment, people


def paper_urls(app, prefix: str, submission, assignment) -> list[tuple[str, str]]:
    """(method, URL) of every route of the app under `prefix` (a paper's editorial or production URLs), with this
    paper's ids: a route added later is covered without changing this test."""
    file = next(f for f in submission.files)
    values = {"slug": submission.journal.slug, "submission_id": submission.id, "assignment_id": assignment.id,
              "file_id": file.id, "message_id": 1, "full_text_id": 1, "name": "x1.png"}
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.rule != prefix and not rule.rule.startswith(prefix + "/"):
            continue
        assert rule.arguments <= set(values), f"{rule.rule}: give this test a value for {rule.arguments - set(values)}"
        url = re.sub(r"<(?:[^:<>]+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)
        urls += [(method, url) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return urls


def refused_everywhere(client, urls) -> dict[str, int]:
    """The URLs that did not answer 404, with their status."""
    answered = {}
    for method, url in urls:
        status = client.open(url, method=method, data={}).status_code
        if status != 404:
            answered[f"{method} {url}"] = status
    return answered


def test_an_editor_who_wrote_the_paper_gets_404_on_every_editorial_url_of_it(app, client, login, editor_author):
    journal, submission, ada, assignment, people = editor_author
    urls = paper_urls(app, EDITORIAL, submission, assignment) + paper_urls(app, PRODUCTION, submission, assignment)
    assert len(urls) > 20  # the page, files, reviewers, find reviewers, the review-handling actions, production
    page = f"/editorial/jdse/submissions/{submission.id}"
    login(ada)
    response = client.get(page)
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    for secret in ("Rosa", "Lindqvist", "rosa@", "Tomas", CONFIDENTIAL):
        assert secret not in body
    assert client.get(f"{page}/reviewers/find").status_code == 404
    assert refused_everywhere(client, urls) == {}
    db.session.expire_all()
    assert assignment.review.shared_with_authors and assignment.rating_quality is None  # nothing changed

    login(people["handler"])  # the same URLs are there for the paper's editor
    handled = client.get(page).get_data(as_text=True)
    assert "Rosa Lindqvist" in handled and CONFIDENTIAL in handled
    assert client.get(f"{page}/reviewers/find").status_code == 200


def test_an_author_listed_only_by_address_gets_404_on_editorial_and_production_urls(app, client, login,
                                                                                     coauthor_by_address):
    journal, submission, lin, assignment, people = coauthor_by_address
    urls = paper_urls(app, EDITORIAL, submission, assignment) + paper_urls(app, PRODUCTION, submission, assignment)
    login(lin)
    assert refused_everywhere(client, urls) == {}
    assert submission.reference not in client.get("/production/jdse/").get_data(as_text=True)

    login(people["manager"])
    assert client.get(f"/editorial/jdse/submissions/{submission.id}").status_code == 200
    assert client.get(f"/production/jdse/submissions/{submission.id}").status_code == 200


def queue_of(client, **args) -> list[str]:
    """The references listed in the journal's queue (all statuses)."""
    return refs(client.get("/editorial/jdse/", query_string={"status": "all", **args}).get_data(as_text=True))


def test_the_queue_and_its_counts_leave_out_the_papers_of_an_author_listed_by_address(client, login, office,
                                                                                      coauthor_by_address):
    journal, submission, lin, _assignment, people = coauthor_by_address
    login(lin)
    assert submission.reference not in queue_of(client)
    assert submission.reference not in queue_of(client, q=submission.reference)
    assert queue_service.journal_summaries(lin, [journal])[journal.id].active == 0
    login(people["manager"])
    assert submission.reference in queue_of(client)
    assert queue_service.journal_summaries(people["manager"], [journal])[journal.id].active == 1


def test_a_managing_editors_own_paper_is_handled_and_told_by_the_other_managing_editor(client, login, office,
                                                                                        make_user, outbox):
    journal, people = office
    author = make_user("kai@jdse.example.org", given_name="Kai", family_name="Mensah",
                       roles={journal: Role.MANAGING_EDITOR})
    submission = submit_paper(journal, author)
    assert [m.recipient for m in outbox() if m.template == "new_submission"] == ["maria@jdse.example.org"]
    assert not [m for m in outbox() if m.template == "no_managing_editor"]
    assert author not in editorial.eligible_handling_editors(submission)

    login(author)
    assert submission.reference not in queue_of(client)
    assert queue_service.journal_summaries(author, [journal])[journal.id].active == 0
    login(people["manager"])
    assert submission.reference in queue_of(client)


def test_the_digest_leaves_out_an_editors_own_paper_by_account_or_by_address(office, make_user):
    journal, people = office
    kai = make_user("kai@jdse.example.org", given_name="Kai", family_name="Mensah",
                    roles={journal: Role.MANAGING_EDITOR})
    own = submit_paper(journal, kai, title="Dust devils on Mars")
    listed = submit_paper(journal, people["reviewer"], title="Radio occultation at Callisto", coauthors=[
        {"given_name": "Lin", "family_name": "Zhao", "email": "LIN.ZHAO@jdse.example.org"}])
    lin = make_user("lin.zhao@jdse.example.org", given_name="Lin", family_name="Zhao",
                    roles={journal: Role.MANAGING_EDITOR})
    for paper in (own, listed):  # unassigned for three days: stalled
        paper.status_changed_at = utcnow() - timedelta(days=3)
    db.session.commit()

    digests = editor_digests()

    def listed_for(user) -> set[str]:
        return {entry.reference for digest in digests.get(user.id, (None, []))[1]
                for _title, entries in digest.sections for entry in entries}

    assert listed_for(people["manager"]) == {own.reference, listed.reference}
    assert listed_for(kai) == {listed.reference}
    assert listed_for(lin) == {own.reference}


def test_an_author_listed_by_address_is_never_offered_as_handling_editor_or_reviewer(client, login,
                                                                                     coauthor_by_address):
    journal, submission, lin, _assignment, people = coauthor_by_address
    assert lin not in editorial.eligible_handling_editors(submission)
    db.session.add_all([Contributor(submission=submission, position=9, given_name="Rosa", family_name="Lindqvist",
                                    email=people["reviewer2"].email)])
    db.session.commit()
    assert people["reviewer2"] not in [user for user, _count in invitation_service.reviewer_pool(submission)]


def test_with_no_other_managing_editor_the_administrators_are_told_and_can_appoint_one(client, login, office,
                                                                                       make_user, outbox):
    journal, people = office
    maria = people["manager"]  # the journal's only managing editor submits to it
    submission = submit_paper(journal, maria, title="Thermal inertia of Phobos", coauthors=[
        {"given_name": "Kenji", "family_name": "Watanabe", "email": "kenji@kyoto.example.org",
         "affiliation": "Kyoto Space Lab"}])
    assert not [m for m in outbox() if m.template == "new_submission"]
    [mail] = [m for m in outbox() if m.template == "no_managing_editor"]
    assert mail.recipient == "root@idsea.example.org"
    assert submission.reference in mail.subject and "Thermal inertia of Phobos" in mail.body_text
    assert "each of its managing editors is an author of the paper" in mail.body_text
    for name in ("Maria", "Santos", "maria@", "Kenji", "Watanabe", "Kyoto"):  # the paper, not its authors
        assert name not in mail.body_text and name not in mail.subject
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "journal.no_managing_editor"))
    assert (event.subject_type, event.subject_id) == ("journal", journal.id)
    assert event.payload["paper"] == submission.reference

    members = link_in(mail.body_text)
    assert members == "/manage/jdse/members"
    nadia = make_user("nadia@jdse.example.org", given_name="Nadia", family_name="Farah")
    login(people["admin"])
    assert client.get(members).status_code == 200
    assert client.post(members, data={"email": nadia.email, "role": Role.MANAGING_EDITOR.value}).status_code == 302
    login(nadia)
    assert submission.reference in queue_of(client)
    login(maria)
    assert submission.reference not in queue_of(client)
