"""Published peer review (issue 18): the journal's choice, the reviewers' and authors' consent, what publication
copies (reports, decision letters, responses; never confidential comments, never an anonymous reviewer's name),
the DOIs, the audit event, the production page's preview and the reader's Peer review page."""

import io
import re

import pytest
from sqlalchemy import func, select

from journal.extensions import db
from journal.models import (AuditEvent, DecisionKind, PeerReviewPublication, PublishedReview, PublishedReviewKind,
                            ReviewMode, Role)
from journal.services import after_publication, editorial
from journal.services import drafts as draft_service
from journal.services import invitations as invitation_service
from journal.services import issues as issue_service
from journal.services import manuscripts as manuscript_service
from journal.services import peer_review, production
from journal.services import review_handling
from journal.services import reviews as review_service
from journal.services import submissions as submission_service
from journal.services.errors import DomainError
from tests.pdfs import manuscript_pdf
from tests.test_journal_settings_review import SETTINGS
from tests.test_production import ready_article

P = PeerReviewPublication
K = PublishedReviewKind
ORCID = "0000-0002-1825-0097"
SCORES = {"originality": 4, "significance": 4, "soundness": 4, "clarity": 4}
ROSA_R1 = "Report alpha, round one: the heat flow model ignores the regolith's layering below two metres depth."
TOMAS_R1 = "Report beta, round one: the thermal conductivity values need error bars and a source for each one."
ROSA_R2 = "Report alpha, round two: the layering is now modelled properly and the paper reads well."
TOMAS_R2 = "Report beta, round two: the error bars are there, thank you; I recommend acceptance now."
ABSTRACT = "Heat flow through the lunar regolith over three lunar nights, measured at night."
RESPONSE = "We modelled the layering (thanks to the first reviewer) and added error bars for every value."


@pytest.fixture
def people(make_user):
    return {
        "manager": make_user("lena@example.org", given_name="Lena", family_name="Sato"),
        "author": make_user("mei@example.org", given_name="Mei", family_name="Chen"),
        "rosa": make_user("rosa@example.org", given_name="Rosa", family_name="Lindqvist", orcid=ORCID),
        "tomas": make_user("tomas@example.org", given_name="Tomas", family_name="Berg"),
    }


@pytest.fixture
def journal_with(make_journal, people):
    def make(policy: P, **fields):
        journal = make_journal("jdse", reference_prefix="JDSE", review_mode=ReviewMode.DOUBLE_ANONYMOUS,
                               doi_prefix="10.59999", peer_review_publication=policy, reviews_required=2, **fields)
        from journal.models import Membership
        db.session.add(Membership(user=people["manager"], journal=journal, role=Role.MANAGING_EDITOR))
        for key in ("rosa", "tomas"):
            db.session.add(Membership(user=people[key], journal=journal, role=Role.REVIEWER))
        db.session.commit()
        return journal
    return make


def _review(reviewer, assignment, comments, *, consent=True, named=False, recommendation="major_revision"):
    review_service.save_review(reviewer, assignment, scores=SCORES, recommendation=recommendation,
                               comments_to_authors=comments,
                               confidential_comments=f"CONFIDENTIAL from {reviewer.email}",
                               consent_to_publish=consent, name_published=named)
    review_service.submit_review(reviewer, assignment)


def _round(manager, submission, reviews: dict, recommendation: str):
    """Invite both reviewers, each writes: `reviews` maps the person to (comments, consent, named)."""
    editorial.send_to_review(manager, submission)
    assignments = {}
    for person, (comments, consent, named) in reviews.items():
        _assignment, token = invitation_service.invite_reviewer(manager, submission, user_id=person.id)
        assignment = invitation_service.accept_invitation(token)
        _review(person, assignment, comments, consent=consent, named=named, recommendation=recommendation)
        assignments[person.email] = assignment
    return assignments


def two_rounds(journal, people, *, authors_agree=True, rosa=(True, True), tomas=(True, False), before_decision=None):
    """A paper through two rounds (major revision, then accept), in production with approved proofs. `rosa` and
    `tomas`: (consent to publish, named). `before_decision(assignments)` runs before the first decision."""
    author, manager = people["author"], people["manager"]
    submission = draft_service.start_submission(author, journal, section_id=journal.sections[0].id,
                                                checklist_confirmed=True)
    draft_service.update_metadata(author, submission, title="Regolith heat flow", keywords="moon",
                                  abstract=ABSTRACT)
    manuscript_service.upload_manuscript(author, submission, io.BytesIO(manuscript_pdf(["Regolith heat flow"])),
                                         "m.pdf")
    draft_service.update_declarations(author, submission, cover_letter="", competing_interests="None",
                                      funding="None", data_availability="On request.", suggested_reviewers=[],
                                      opposed_reviewers=[], authors_agree_to_publish_reviews=authors_agree)
    if submission_service.needs_anonymity_decision(submission):
        draft_service.confirm_anonymity(author, submission)
    submission_service.submit(author, submission)
    first = _round(manager, submission, {people["rosa"]: (ROSA_R1, *rosa), people["tomas"]: (TOMAS_R1, *tomas)},
                   "major_revision")
    if before_decision:
        before_decision(first)
    editorial.decide(manager, submission, kind="major_revision",
                     letter=editorial.default_decision_letter(submission, DecisionKind.MAJOR_REVISION))
    manuscript_service.upload_manuscript(author, submission, io.BytesIO(manuscript_pdf(["Regolith, revised"])),
                                         "revised.pdf")
    if submission_service.needs_anonymity_decision(submission):
        draft_service.confirm_anonymity(author, submission)
    submission_service.resubmit(author, submission, response=RESPONSE)
    _round(manager, submission, {people["rosa"]: (ROSA_R2, *rosa), people["tomas"]: (TOMAS_R2, *tomas)}, "accept")
    editorial.decide(manager, submission, kind="accept",
                     letter=editorial.default_decision_letter(submission, DecisionKind.ACCEPT))
    return submission, ready_article(submission, manager, author)


def publish(journal, people, article):
    issue = issue_service.create_issue(people["manager"], journal, volume=1, number=1, year=2026)
    issue_service.schedule_article(people["manager"], article, issue_id=issue.id, first_page=1, last_page=3)
    issue_service.publish_issue(people["manager"], issue)
    db.session.expire_all()
    return article


def published(article) -> list[PublishedReview]:
    return peer_review.published_reviews(article)


def reader_page(client, journal, article):
    return client.get(f"/j/{journal.slug}/articles/{article.id}/peer-review")


# --- the rule: policy × consent ------------------------------------------------------------------------------

@pytest.mark.parametrize("policy, authors_agree, rosa_consents, expected_reports", [
    (P.NEVER, True, True, 0),
    (P.ALWAYS, False, False, 4),  # always: nobody is asked, every shared report goes
    (P.WITH_CONSENT, True, True, 4),
    (P.WITH_CONSENT, True, False, 2),  # only Tomas's two reports
    (P.WITH_CONSENT, False, True, 0),  # the authors did not agree: nothing at all
])
def test_what_is_published_follows_the_journal_the_authors_and_each_reviewer(
        client, journal_with, people, policy, authors_agree, rosa_consents, expected_reports):
    journal = journal_with(policy)
    _submission, article = two_rounds(journal, people, authors_agree=authors_agree,
                                      rosa=(rosa_consents, True), tomas=(True, False))
    publish(journal, people, article)
    items = published(article)
    reports = [i for i in items if i.kind is K.REFEREE_REPORT]
    assert len(reports) == expected_reports
    if expected_reports == 0:
        assert items == []
        assert reader_page(client, journal, article).status_code == 404
        assert "peer-review" not in client.get(f"/j/jdse/articles/{article.id}").get_data(as_text=True)
        return
    bodies = " ".join(r.body for r in reports)
    assert (ROSA_R1 in bodies) is (policy is P.ALWAYS or rosa_consents)
    assert TOMAS_R1 in bodies and TOMAS_R2 in bodies
    kinds = [(i.round_number, i.kind) for i in items]
    assert (1, K.DECISION_LETTER) in kinds and (2, K.DECISION_LETTER) in kinds
    assert (2, K.AUTHOR_RESPONSE) in kinds and (1, K.AUTHOR_RESPONSE) not in kinds
    page = reader_page(client, journal, article)
    assert page.status_code == 200
    assert f"/j/jdse/articles/{article.id}/peer-review" in client.get(f"/j/jdse/articles/{article.id}").get_data(
        as_text=True)


def test_a_declined_reviewers_text_leaves_the_decision_letter_that_carried_it(client, journal_with, people):
    journal = journal_with(P.WITH_CONSENT)
    submission, article = two_rounds(journal, people, rosa=(False, False), tomas=(True, True))
    first_letter = next(d for d in submission.decisions if d.round == 1).letter
    assert ROSA_R1 in first_letter  # the letter as sent carried both reports
    publish(journal, people, article)
    letters = [i for i in published(article) if i.kind is K.DECISION_LETTER]
    assert len(letters) == 2
    assert all(ROSA_R1 not in i.body and ROSA_R2 not in i.body for i in letters)
    assert TOMAS_R1 in letters[0].body
    assert "[This report is not published.]" in letters[0].body
    assert ROSA_R1 not in reader_page(client, journal, article).get_data(as_text=True)


def test_a_letter_rewritten_around_a_withheld_report_is_not_published(journal_with, people):
    journal = journal_with(P.WITH_CONSENT)

    submission, article = two_rounds(journal, people, rosa=(False, False), tomas=(True, True))
    first = next(d for d in submission.decisions if d.round == 1)
    rewrapped = ROSA_R1.replace(" the regolith's", "\nthe regolith's")  # the editor re-wrapped the quote
    first.letter = f"Dear authors,\n\nthe first reviewer says:\n\n{rewrapped}\n\nPlease revise."
    db.session.commit()
    plan = peer_review.preview(article)
    assert [(w.round_number, w.kind, w.reason) for w in plan.withheld if w.kind is K.DECISION_LETTER] == [
        (1, K.DECISION_LETTER, "quotes_withheld")]
    publish(journal, people, article)
    assert [i.round_number for i in published(article) if i.kind is K.DECISION_LETTER] == [2]


def test_confidential_comments_and_the_anonymous_reviewer_never_reach_the_page(client, journal_with, people):
    journal = journal_with(P.ALWAYS)
    _submission, article = two_rounds(journal, people, rosa=(True, True), tomas=(True, False))
    publish(journal, people, article)
    page = reader_page(client, journal, article).get_data(as_text=True)
    assert "CONFIDENTIAL" not in page
    assert "Tomas" not in page and "Berg" not in page and "tomas@example.org" not in page
    assert "Rosa Lindqvist" in page and f"https://orcid.org/{ORCID}" in page
    assert "Reviewer 2" in page
    rows = [i for i in published(article) if i.kind is K.REFEREE_REPORT and not i.reviewer_name]
    assert rows and all(r.reviewer_orcid is None for r in rows)
    stored = " ".join(f"{r.body} {r.reviewer_name} {r.reviewer_orcid}" for r in published(article))
    assert "Tomas" not in stored and "Berg" not in stored and "CONFIDENTIAL" not in stored
    # The article page itself links its Peer review tab, and the sitemap lists the page.
    assert "Peer review" in client.get(f"/j/jdse/articles/{article.id}").get_data(as_text=True)
    assert f"/j/jdse/articles/{article.id}/peer-review" in client.get("/sitemaps/articles-0.xml").get_data(
        as_text=True)


def test_the_editors_corrected_copy_is_published_and_unshared_reviews_are_withheld(journal_with, people):
    journal = journal_with(P.ALWAYS)
    manager = people["manager"]

    def handle(assignments):
        review_handling.correct_review(manager, assignments["rosa@example.org"],
                                       "Report alpha, as corrected by the editor: mind the layering.")
        review_handling.set_shared_with_authors(manager, assignments["tomas@example.org"], False)

    _submission, article = two_rounds(journal, people, before_decision=handle)
    plan = peer_review.preview(article)
    assert [(w.round_number, w.reason) for w in plan.withheld] == [(1, "not_shared")]
    publish(journal, people, article)
    round_one = [i for i in published(article) if i.round_number == 1 and i.kind is K.REFEREE_REPORT]
    assert [i.body for i in round_one] == ["Report alpha, as corrected by the editor: mind the layering."]
    assert all(TOMAS_R1 not in i.body and ROSA_R1 not in i.body for i in published(article))


def test_dois_dates_audit_and_publication_happens_once(journal_with, people):
    journal = journal_with(P.ALWAYS)
    submission, article = two_rounds(journal, people)
    publish(journal, people, article)
    items = published(article)
    assert article.doi
    assert [i.doi for i in items] == [f"{article.doi}.r{i.round_number}.{i.position}" for i in items]
    assert [(i.round_number, i.position, i.kind) for i in items] == [
        (1, 1, K.REFEREE_REPORT), (1, 2, K.REFEREE_REPORT), (1, 3, K.DECISION_LETTER),
        (2, 1, K.AUTHOR_RESPONSE), (2, 2, K.REFEREE_REPORT), (2, 3, K.REFEREE_REPORT), (2, 4, K.DECISION_LETTER)]
    round_two = next(r for r in submission.rounds if r.number == 2)
    assert items[3].body == RESPONSE and items[3].written_at == round_two.opened_at
    decision = next(d for d in submission.decisions if d.round == 1)
    assert items[2].written_at == decision.created_at
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "peer_review.published")).all()
    assert len(events) == 1
    assert events[0].payload | {} == {"reports": 4, "decision_letters": 2, "author_responses": 1, "withheld": 0,
                                      "named": 2, "rounds": 2}
    # A correction (a new version) publishes nothing again, and a second call changes nothing.
    after_publication.correct_metadata(people["manager"], article, change_note="Typo in the title.",
                                       **{**production.metadata_of(article.current_version),
                                          "title": "Regolith heat flow, corrected"})
    assert peer_review.publish_peer_review(people["manager"], article) == []
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(PublishedReview)) == len(items)
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "peer_review.published")).all()) == 1


def test_online_first_publishes_the_peer_review_too(client, journal_with, people):
    journal = journal_with(P.ALWAYS, publishes_continuously=True, prints=False)
    _submission, article = two_rounds(journal, people)
    issue_service.publish_online(people["manager"], article)
    db.session.expire_all()
    assert len(published(article)) == 7
    assert reader_page(client, journal, article).status_code == 200


def test_the_production_page_previews_what_will_be_published(client, login, journal_with, people):
    journal = journal_with(P.WITH_CONSENT)
    submission, article = two_rounds(journal, people, rosa=(False, False), tomas=(True, True))
    login(people["manager"])
    page = client.get(f"/production/jdse/submissions/{submission.id}").get_data(as_text=True)
    section = page[page.index('id="peer-review-section"'):]
    section = section[:section.index("</section>")]
    assert "Tomas Berg" in section and "Rosa Lindqvist" in section
    assert "the reviewer did not agree to publish the report" in section
    publish(journal, people, article)
    page = client.get(f"/production/jdse/submissions/{submission.id}").get_data(as_text=True)
    assert "The peer review was published with the article." in page


# --- the forms --------------------------------------------------------------------------------------------------

def test_managing_editors_choose_the_policy_in_the_settings(client, login, journal_with, people):
    journal = journal_with(P.NEVER)
    login(people["manager"])
    page = client.get("/manage/jdse/settings").get_data(as_text=True)
    assert 'name="peer_review_publication"' in page
    assert "When the authors and the reviewer agree" in page and "never published" in page
    form = {**SETTINGS, "peer_review_publication": "with_consent"}
    response = client.post("/manage/jdse/settings", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.refresh(journal)
    assert journal.peer_review_publication is P.WITH_CONSENT
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "journal.settings_changed")
                               .order_by(AuditEvent.id.desc())).first()
    assert "peer_review_publication" in event.payload["fields"]
    form["peer_review_publication"] = "sometimes"
    response = client.post("/manage/jdse/settings", data=form)
    assert response.status_code == 200
    db.session.refresh(journal)
    assert journal.peer_review_publication is P.WITH_CONSENT


@pytest.mark.parametrize("policy", [P.NEVER, P.ALWAYS, P.WITH_CONSENT])
def test_the_review_form_asks_what_the_journal_needs_and_keeps_it_when_it_fails(client, login, journal_with, people,
                                                                                 policy):
    journal = journal_with(policy)
    author, manager, rosa = people["author"], people["manager"], people["rosa"]
    submission = draft_service.start_submission(author, journal, section_id=journal.sections[0].id,
                                                checklist_confirmed=True)
    draft_service.update_metadata(author, submission, title="Regolith heat flow", keywords="moon",
                                  abstract=ABSTRACT)
    manuscript_service.upload_manuscript(author, submission, io.BytesIO(manuscript_pdf(["Regolith"])), "m.pdf")
    draft_service.update_declarations(author, submission, cover_letter="", competing_interests="None",
                                      funding="None", data_availability="On request.", suggested_reviewers=[],
                                      opposed_reviewers=[])
    if submission_service.needs_anonymity_decision(submission):
        draft_service.confirm_anonymity(author, submission)
    submission_service.submit(author, submission)
    editorial.send_to_review(manager, submission)
    _assignment, token = invitation_service.invite_reviewer(manager, submission, user_id=rosa.id)
    invitation = client.get(f"/review/invitations/{token}").get_data(as_text=True)
    mail = [m for m in db.session.scalars(select(__import__("journal.models", fromlist=["OutboxMessage"])
                                                 .OutboxMessage)) if m.template == "review_invitation"][-1]
    told = {P.NEVER: None, P.ALWAYS: "publishes the peer review with each accepted article",
            P.WITH_CONSENT: "where the authors and the reviewer agree"}[policy]
    if told:
        assert told in invitation and told in mail.body_text
    else:
        assert "published" not in mail.body_text and "review-publication-policy" not in invitation
    assignment = invitation_service.accept_invitation(token)
    login(rosa)
    url = f"/review/assignments/{assignment.id}"
    page = client.get(url).get_data(as_text=True)
    assert ('name="consent_to_publish"' in page) is (policy is P.WITH_CONSENT)
    assert ('name="name_published"' in page) is (policy is not P.NEVER)
    assert ("if the paper is accepted, your comments to the authors" in page) is (policy is P.ALWAYS)
    # Submitting without the "finished" tick fails; what was chosen stays ticked.
    response = client.post(url, data={"action": "submit", "recommendation": "accept",
                                      "comments_to_authors": "A fine paper. " * 10, "consent_to_publish": "y",
                                      "name_published": "y", **{f"score_{k}": "4" for k in SCORES}})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for name in ("consent_to_publish", "name_published"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
        if tag:
            assert "checked" in tag.group(0)
    db.session.expire_all()
    review = assignment.review
    assert review.consent_to_publish is (policy is P.WITH_CONSENT)
    assert review.name_published is (policy is not P.NEVER)


def test_the_authors_agree_at_submission_and_may_change_it_until_acceptance(client, login, journal_with, people):
    journal = journal_with(P.WITH_CONSENT)
    author, manager = people["author"], people["manager"]
    submission = draft_service.start_submission(author, journal, section_id=journal.sections[0].id,
                                                checklist_confirmed=True)
    login(author)
    url = f"/submissions/{submission.id}/declarations"
    page = client.get(url).get_data(as_text=True)
    assert 'name="authors_agree_to_publish_reviews"' in page
    response = client.post(url, data={"action": "save", "competing_interests": "None",
                                      "authors_agree_to_publish_reviews": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    assert submission.authors_agree_to_publish_reviews is True
    draft_service.update_metadata(author, submission, title="Regolith heat flow", keywords="moon",
                                  abstract=ABSTRACT)
    manuscript_service.upload_manuscript(author, submission, io.BytesIO(manuscript_pdf(["Regolith"])), "m.pdf")
    draft_service.update_declarations(author, submission, cover_letter="", competing_interests="None",
                                      funding="None", data_availability="On request.", suggested_reviewers=[],
                                      opposed_reviewers=[], authors_agree_to_publish_reviews=True)
    if submission_service.needs_anonymity_decision(submission):
        draft_service.confirm_anonymity(author, submission)
    submission_service.submit(author, submission)
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "Withdraw our agreement" in page
    response = client.post(f"/submissions/{submission.id}/peer-review-consent", data={"agree": "no"})
    assert response.status_code == 302
    db.session.expire_all()
    assert submission.authors_agree_to_publish_reviews is False
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "submission.review_publication_consent")).one().payload["agree"] == "no"
    assert any("agreement to publish the peer review" in row["what"]
               for row in submission_service.author_history(submission))  # the authors' history says so
    client.get("/logout")
    login(manager)
    page = client.get(f"/editorial/jdse/submissions/{submission.id}").get_data(as_text=True)
    assert "The authors do not agree: no peer review is published with the article." in page
    peer_review.set_authors_agreement(author, submission, True)
    editorial.send_to_review(manager, submission)
    editorial.decide(manager, submission, kind="accept", letter="Dear authors, your paper is accepted.",
                     override_reason="The board reviewed it.")
    with pytest.raises(DomainError, match="until the paper is accepted"):
        peer_review.set_authors_agreement(author, submission, False)


def test_where_the_journal_asks_no_consent_the_declarations_do_not_ask(client, login, journal_with, people):
    journal = journal_with(P.ALWAYS)
    submission = draft_service.start_submission(people["author"], journal, section_id=journal.sections[0].id,
                                                checklist_confirmed=True)
    login(people["author"])
    page = client.get(f"/submissions/{submission.id}/declarations").get_data(as_text=True)
    assert 'name="authors_agree_to_publish_reviews"' not in page


def test_the_reader_page_works_without_javascript_on_a_phone_and_stays_small(client, journal_with, people):
    journal = journal_with(P.ALWAYS)
    _submission, article = two_rounds(journal, people)
    publish(journal, people, article)
    response = reader_page(client, journal, article)
    page = response.get_data(as_text=True)
    assert len(response.data) < 100_000
    assert "<script" not in page.replace('<script type="application/ld+json">', "")
    assert page.count('class="peer-review-item') == 7
    assert "Round 1" in page and "Round 2" in page
    assert "Authors’ response to the decision on round 1" in page
    assert f"https://doi.org/{article.doi}.r1.1" in page
    assert response.headers.get("ETag")
    again = client.get(f"/j/jdse/articles/{article.id}/peer-review",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
