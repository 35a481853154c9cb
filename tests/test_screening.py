"""Screening: a managing editor assigns a handling editor, who sends the paper to review or rejects it."""

import io

import pytest
from sqlalchemy import select

from journal.extensions import db
from journal.models import Decision, DecisionKind, Role, SubmissionStatus
from journal.services import contributors as contributor_service
from journal.services import drafts as draft_service
from journal.services import manuscripts as manuscript_service
from journal.services import submissions as service
from tests.data.pdf.make_samples import text_page_pdf
from tests.conftest import link_in

S = SubmissionStatus


@pytest.fixture
def paper(make_journal, make_user):
    journal = make_journal("jdse", reference_prefix="JDSE")
    author = make_user("mei@example.org", given_name="Mei", family_name="Chen")
    people = {
        "author": author,
        "coauthor": make_user("kenji@example.org", given_name="Kenji", family_name="Watanabe"),
        "manager": make_user(roles={journal: Role.MANAGING_EDITOR}),
        "editor": make_user("ada@example.org", given_name="Ada", family_name="Okafor", roles={journal: Role.EDITOR}),
        "other_editor": make_user(roles={journal: Role.EDITOR}),
    }
    submission = draft_service.start_submission(author, journal, section_id=journal.sections[0].id,
                                                checklist_confirmed=True)
    draft_service.update_metadata(author, submission, title="Regolith heat flow", keywords="moon",
                                  abstract="Heat flow through the lunar regolith measured over three lunar nights.")
    contributor_service.add_contributor(author, submission, given_name="Kenji", family_name="Watanabe",
                                        email="kenji@example.org")
    manuscript_service.upload_manuscript(author, submission, io.BytesIO(text_page_pdf([["Regolith heat flow"]])),
                                         "m.pdf")
    draft_service.update_declarations(author, submission, cover_letter="", competing_interests="None", funding="None",
                                      data_availability="On request.", suggested_reviewers=[], opposed_reviewers=[])
    service.submit(author, submission)
    return journal, submission, people


def page_of(submission):
    return f"/editorial/jdse/submissions/{submission.id}"


def test_managing_editor_assigns_a_handling_editor_who_is_told(client, login, paper, outbox):
    _journal, submission, people = paper
    login(people["manager"])
    page = client.get(page_of(submission)).get_data(as_text=True)
    assert "Ada Okafor" in page and "no handling editor yet" in page
    assert ">Mei Chen<" not in page.split('id="editor_id"')[1].split("</select>")[0]  # authors are not offered
    response = client.post(f"{page_of(submission)}/assign", data={"editor_id": people["editor"].id,
                                                                  "version": submission.version})
    assert response.status_code == 302
    db.session.expire_all()
    assert submission.handling_editor_id == people["editor"].id
    [mail] = outbox("ada@example.org")
    assert mail.template == "editor_assigned" and f"/editorial/jdse/submissions/{submission.id}" in mail.body_text


def test_an_editor_cannot_assign_and_only_the_handling_editor_screens(client, login, paper):
    _journal, submission, people = paper
    submission.handling_editor = people["editor"]
    db.session.commit()
    login(people["other_editor"])
    page = client.get(page_of(submission)).get_data(as_text=True)
    assert "Send to review" not in page and "Reject without review" not in page
    assert client.post(f"{page_of(submission)}/assign", data={"editor_id": people["other_editor"].id}).status_code == 403
    client.post(f"{page_of(submission)}/send-to-review", data={"version": submission.version})
    db.session.expire_all()
    assert submission.status is S.SUBMITTED


def test_the_handling_editor_sends_the_paper_to_review(client, login, paper, outbox):
    _journal, submission, people = paper
    submission.handling_editor = people["editor"]
    db.session.commit()
    login(people["editor"])
    response = client.post(f"{page_of(submission)}/send-to-review", data={"version": submission.version},
                           follow_redirects=True)
    assert "is sent to review" in response.get_data(as_text=True)
    db.session.expire_all()
    assert submission.status is S.UNDER_REVIEW


def test_desk_rejection_sends_the_letter_to_the_corresponding_author_copied_to_coauthors(client, login, paper,
                                                                                        outbox, app):
    _journal, submission, people = paper
    login(people["manager"])
    form = client.get(f"{page_of(submission)}/desk-reject").get_data(as_text=True)
    assert "Dear Mei Chen" in form and "[the reasons]" in form
    page = client.post(f"{page_of(submission)}/desk-reject", data={"letter": "Too short", "version": submission.version})
    assert "Write the letter to the authors" in page.get_data(as_text=True)
    letter = "Dear Mei Chen,\n\nthe paper is outside the journal's scope (it concerns terrestrial soils)."
    client.post(f"{page_of(submission)}/desk-reject", data={"letter": letter, "version": submission.version})
    db.session.expire_all()
    assert submission.status is S.REJECTED and submission.rejected_at is not None
    [decision] = db.session.scalars(select(Decision)).all()
    assert decision.kind is DecisionKind.DESK_REJECT and decision.letter == letter
    [mail] = [m for m in outbox("mei@example.org") if m.template == "decision"]
    assert mail.cc == "kenji@example.org" and letter in mail.body_text

    client.post("/logout")
    client.post("/login", data={"email": "mei@example.org", "password": "correct horse battery"})
    author_page = client.get(link_in(mail.body_text)).get_data(as_text=True)
    assert "Rejected without review" in author_page and "outside the journal&#39;s scope" in author_page


def test_two_editors_acting_on_the_same_version_one_is_told_it_changed(client, login, paper, outbox):
    _journal, submission, people = paper
    seen = submission.version
    login(people["manager"])
    client.post(f"{page_of(submission)}/send-to-review", data={"version": seen})
    response = client.post(f"{page_of(submission)}/desk-reject", data={
        "letter": "Dear authors, this is outside the scope of the journal.", "version": seen})
    assert "was changed by someone else a moment ago" in response.get_data(as_text=True)
    db.session.expire_all()
    assert submission.status is S.UNDER_REVIEW
    assert [m for m in outbox() if m.template == "decision"] == []


def test_two_editors_acting_at_the_same_moment_one_wins_and_no_mail_is_doubled(app, paper, outbox, database_url):
    """Two real connections on PostgreSQL: both read the same version; the second commit finds it changed."""
    import threading

    from journal.models import Submission, User
    from journal.services import editorial as editorial_service
    from journal.services.errors import ConcurrentChange

    if database_url.startswith("sqlite"):
        pytest.skip("two concurrent writers need PostgreSQL; SQLite serialises every write anyway")
    _journal, submission, people = paper
    manager_id, submission_id = people["manager"].id, submission.id  # read here: sessions are not shared by threads
    barrier, results = threading.Barrier(2, timeout=20), {}

    def act(name, call):
        with app.app_context():
            actor = db.session.get(User, manager_id)
            mine = db.session.get(Submission, submission_id)
            mine.contributors, mine.journal  # load before the race
            barrier.wait()
            try:
                call(actor, mine)
                results[name] = "done"
            except ConcurrentChange as error:
                results[name] = error.message

    letter = "Dear Mei Chen,\n\nthe paper is outside the scope of the journal."
    threads = [
        threading.Thread(target=act, args=("review", lambda a, s: editorial_service.send_to_review(a, s))),
        threading.Thread(target=act, args=("reject", lambda a, s: editorial_service.desk_reject(a, s, letter=letter))),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results.values(), key=len)[0] == "done"
    assert list(results.values()).count("done") == 1, results
    loser = next(v for v in results.values() if v != "done")
    assert "changed this a moment ago" in loser or "changed by someone else" in loser
    db.session.expire_all()
    final = db.session.get(Submission, submission_id)
    decisions = [m for m in outbox() if m.template == "decision"]
    if results["reject"] == "done":
        assert final.status is S.REJECTED and len(decisions) == 1
    else:
        assert final.status is S.UNDER_REVIEW and decisions == []
