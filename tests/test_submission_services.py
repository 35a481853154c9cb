"""The author's services called directly, as the CLI and the views call them."""

import io
import threading

import pytest
from sqlalchemy import select

from journal.audit import history
from journal.extensions import db
from journal.models import Role, Submission, SubmissionStatus, utcnow
from journal.services import contributors as contributor_service
from journal.services import drafts as draft_service
from journal.services import manuscripts as manuscript_service
from journal.services import submissions as service
from journal.services.errors import DomainError
from tests.data.pdf.make_samples import text_page_pdf

S = SubmissionStatus
ABSTRACT = "We measure the ion drift in Ganymede's magnetosphere with $v = E \\times B / B^2$ over twelve passes."


def complete_draft(journal, author, *, pdf_lines=("Ion drift at Ganymede", "Results")) -> Submission:
    submission = draft_service.start_submission(author, journal, section_id=journal.sections[0].id,
                                                checklist_confirmed=True)
    draft_service.update_metadata(author, submission, title="Ion drift at Ganymede", abstract=ABSTRACT,
                                  keywords="Ganymede, magnetosphere")
    manuscript_service.upload_manuscript(author, submission, io.BytesIO(text_page_pdf([list(pdf_lines)])), "drift.pdf")
    draft_service.update_declarations(author, submission, cover_letter="", competing_interests="None", funding="None",
                                      data_availability="On request.", suggested_reviewers=[], opposed_reviewers=[])
    return submission


@pytest.fixture
def journal(make_journal):
    return make_journal("jdse", reference_prefix="JDSE")


@pytest.fixture
def author(make_user):
    return make_user("mei@example.org", given_name="Mei", family_name="Chen")


def test_reference_numbers_count_per_journal_and_year(journal, author, make_journal):
    other = make_journal("pil", reference_prefix="PIL")
    year = utcnow().year
    references = []
    for target in (journal, journal, other):
        submission = complete_draft(target, author)
        service.submit(author, submission)
        references.append(submission.reference)
    assert references == [f"JDSE-{year}-0001", f"JDSE-{year}-0002", f"PIL-{year}-0001"]


def test_submit_refuses_an_incomplete_draft_and_lists_what_is_missing(journal, author):
    submission = draft_service.start_submission(author, journal, section_id=journal.sections[0].id,
                                                checklist_confirmed=True)
    with pytest.raises(DomainError) as error:
        service.submit(author, submission)
    for text in ("Give the title", "Give the abstract", "keyword", "Upload the manuscript", "competing interests"):
        assert text in error.value.message
    assert submission.status is S.DRAFT and submission.reference is None


def test_unverified_authors_must_confirm_their_address_before_submitting(journal, make_user):
    author = make_user(verified=False)
    submission = complete_draft(journal, author)
    assert [m.message for m in service.missing_items(submission)] == \
        ["Confirm your email address with the link we sent you."]


def test_submit_links_coauthors_with_accounts_and_mails_everyone(journal, author, make_user, outbox):
    coauthor = make_user("kenji@example.org", given_name="Kenji", family_name="Watanabe")
    manager = make_user(roles={journal: Role.MANAGING_EDITOR})
    submission = complete_draft(journal, author)
    contributor_service.add_contributor(author, submission, given_name="Kenji", family_name="Watanabe",
                                        email="Kenji@Example.org",
                                        affiliation="JAXA", country="JP", orcid="")
    contributor_service.add_contributor(author, submission, given_name="Amira", family_name="Haddad",
                                        email="amira@example.org",
                                        affiliation="UM6P", country="MA", orcid="")
    service.submit(author, submission)
    assert {c.email: c.user_id for c in submission.contributors} == \
        {"mei@example.org": author.id, "kenji@example.org": coauthor.id, "amira@example.org": None}
    subjects = {(m.recipient, m.template) for m in outbox()}
    assert subjects == {("mei@example.org", "submission_received"), ("kenji@example.org", "coauthor_listed"),
                        ("amira@example.org", "coauthor_listed"), (manager.email, "new_submission")}
    assert [r.number for r in submission.rounds] == [1]


def test_a_coauthor_who_registers_later_sees_the_paper(journal, author, client, outbox):
    from tests.conftest import link_in

    submission = complete_draft(journal, author)
    contributor_service.add_contributor(author, submission, given_name="Amira", family_name="Haddad",
                                        email="amira@example.org",
                                        affiliation="", country="", orcid="")
    service.submit(author, submission)
    client.post("/register", data={"given_name": "Amira", "family_name": "Haddad", "email": "amira@example.org",
                                   "password": "a fine long secret", "confirm": "a fine long secret", "country": ""})
    client.get(link_in(outbox("amira@example.org")[-1].body_text))
    db.session.expire_all()
    amira = next(c for c in submission.contributors if c.email == "amira@example.org")
    assert amira.user_id is not None


def test_concurrent_submissions_get_distinct_reference_numbers(app, journal, make_user, database_url):
    if database_url.startswith("sqlite"):
        pytest.skip("concurrent writers need PostgreSQL; SQLite serialises every write anyway")
    authors = [make_user() for _ in range(6)]
    ids = [complete_draft(journal, a).id for a in authors]
    errors, barrier = [], threading.Barrier(len(ids))

    def worker(submission_id, user_id):
        with app.app_context():
            from journal.models import User

            try:
                user, submission = db.session.get(User, user_id), service.get_submission(submission_id)
                barrier.wait()
                service.submit(user, submission)
            except Exception as exc:  # collected and asserted below
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i, a.id)) for i, a in zip(ids, authors, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    references = db.session.scalars(select(Submission.reference).where(Submission.id.in_(ids))).all()
    assert sorted(int(r[-4:]) for r in references) == [1, 2, 3, 4, 5, 6]


def test_withdraw_needs_a_reason_and_tells_the_editors(journal, author, make_user, outbox):
    manager = make_user(roles={journal: Role.MANAGING_EDITOR})
    submission = complete_draft(journal, author)
    service.submit(author, submission)
    with pytest.raises(DomainError, match="say why"):
        service.withdraw(author, submission, reason="  ")
    service.withdraw(author, submission, reason="We found an error in the calibration.")
    assert submission.status is S.WITHDRAWN
    assert [m.template for m in outbox(manager.email)] == ["new_submission", "submission_withdrawn"]
    with pytest.raises(DomainError, match="cannot be withdrawn now"):
        service.withdraw(author, submission, reason="again")


def test_another_user_cannot_change_someone_elses_draft(journal, author, make_user):
    submission = complete_draft(journal, author)
    intruder = make_user()
    for call in (lambda: draft_service.update_metadata(intruder, submission, title="x", abstract="y", keywords="z"),
                 lambda: service.submit(intruder, submission),
                 lambda: contributor_service.add_contributor(intruder, submission, given_name="A", family_name="B",
                                                             email="a@b.org")):
        with pytest.raises(DomainError, match="Only the submitting author"):
            call()


def test_a_draft_can_be_discarded_with_its_files(journal, author, app):
    from journal.storage import get_storage

    submission = complete_draft(journal, author)
    keys = draft_service.discard_draft(author, submission)
    assert keys and db.session.scalar(select(Submission)) is None
    for key in keys:
        get_storage().delete(key)
        assert not get_storage().exists(key)


def test_the_author_history_never_names_editors(journal, author, make_user):
    from journal.workflow import transition

    manager = make_user(given_name="Lin", family_name="Zhao", roles={journal: Role.MANAGING_EDITOR})
    submission = complete_draft(journal, author)
    service.submit(author, submission)
    transition(manager, submission, "send_to_review")
    db.session.commit()
    rows = service.author_history(submission)
    assert [r["what"] for r in rows] == ["Draft started", "Submitted", "Sent to peer review"]
    assert rows[-1]["who"] == "Editorial office"
    assert "Zhao" not in repr(rows)
    assert "file.uploaded" in [e.action for e in history(submission)]  # kept for the editors


def test_resubmission_opens_the_next_round_with_the_response(journal, author, make_user, outbox):
    submission = complete_draft(journal, author)
    service.submit(author, submission)
    submission.status = S.REVISION_REQUESTED  # the editorial decision belongs to the peer-review services
    db.session.commit()
    with pytest.raises(DomainError, match="Upload the revised manuscript"):
        service.resubmit(author, submission, response="We fixed it.")
    manuscript_service.upload_manuscript(author, submission, io.BytesIO(text_page_pdf([["Revised"]])), "drift-v2.pdf")
    with pytest.raises(DomainError, match="response to the reviewers"):
        service.resubmit(author, submission, response="")
    service.resubmit(author, submission, response="We fixed the calibration as Reviewer 1 asked.")
    assert (submission.status, submission.current_round) == (S.SUBMITTED, 2)
    assert submission.rounds[-1].author_response.startswith("We fixed")
    assert service.manuscript_of(submission, 2).original_name == "drift-v2.pdf"
    assert service.manuscript_of(submission, 1).original_name == "drift.pdf"  # never overwritten
