"""What the editor does with submitted reviews: share or withhold, return with a request, correct the text the
authors get, rate privately, answer a proposed due date; the summary per round; the decision letter."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from journal.extensions import db
from journal.models import AssignmentStatus, AuditEvent, ReviewMode, Role, utcnow
from journal.services import editorial
from journal.services import due_dates as due_date_service
from journal.services import invitations as invitation_service
from journal.services import review_handling as review_handling_service
from journal.services import reviews as review_service
from journal.services.errors import DomainError, PermissionDenied
from tests.conftest import link_in
from tests.test_invitations import AUTHOR_TRACES, build_paper  # noqa: F401  (the fixture)

A = AssignmentStatus
FIRST = {"scores": {"originality": 4, "significance": 3, "soundness": 5, "clarity": 2},
         "recommendation": "minor_revision",
         "comments_to_authors": "The heat-flow model ignores the conductivity change with depth; please discuss.",
         "confidential_comments": "Between us: the second dataset looks recycled."}
SECOND = {"scores": {"originality": 2, "significance": 5, "soundness": 4, "clarity": 3},
          "recommendation": "major_revision",
          "comments_to_authors": "Figure 2 lacks error bars and the sampling is too sparse. Signed, Tomas Berg.",
          "confidential_comments": "I know this group; they are careful, but this paper was rushed."}
REVIEWER_TRACES = ("Rosa", "Lindqvist", "rosa@", "Tomas", "Berg", "tomas@")


def write_review(user, assignment, review):
    review_service.save_review(user, assignment, **review)
    review_service.submit_review(user, assignment)


@pytest.fixture
def build(build_paper):  # noqa: F811
    """A paper under review (round 1) with both reviewers' reviews submitted."""

    def make(mode=ReviewMode.DOUBLE_ANONYMOUS):
        journal, submission, people = build_paper(mode)
        assignments = []
        for who, review in (("reviewer", FIRST), ("reviewer2", SECOND)):
            assignment, token = invitation_service.invite_reviewer(people["editor"], submission, user_id=people[who].id)
            invitation_service.accept_invitation(token)
            write_review(people[who], assignment, review)
            assignments.append(assignment)
        return journal, submission, people, assignments

    return make


@pytest.fixture
def paper(build):
    return build()


def page_of(submission):
    return f"/editorial/{submission.journal.slug}/submissions/{submission.id}"


def review_url(submission, assignment, action):
    return f"{page_of(submission)}/reviews/{assignment.id}/{action}"


def events(submission, action):
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.subject_type == "submission", AuditEvent.subject_id == submission.id, AuditEvent.action == action)))


def letter_for(submission, kind="minor_revision"):
    from journal.models import DecisionKind

    return editorial.default_decision_letter(submission, DecisionKind(kind))


# --- Sharing ------------------------------------------------------------------------------------------------------

def test_an_unshared_review_stays_out_of_the_letter_until_the_decision_fixes_the_choice(paper):
    _journal, submission, people, [first, second] = paper
    assert first.review.shared_with_authors and second.review.shared_with_authors
    review_handling_service.set_shared_with_authors(people["editor"], second, False)
    assert second.review.shared_with_authors is False
    [event] = events(submission, "review.unshared")
    assert event.payload == {"reviewer": "Reviewer 2", "round": 1} and event.actor_id == people["editor"].id
    with pytest.raises(DomainError, match="not shared"):
        review_handling_service.set_shared_with_authors(people["editor"], second, False)

    letter = letter_for(submission)
    assert "Reviewer 1:" in letter and FIRST["comments_to_authors"] in letter
    assert "Reviewer 2" not in letter and "error bars" not in letter
    for secret in (FIRST["confidential_comments"], SECOND["confidential_comments"], *REVIEWER_TRACES):
        assert secret not in letter

    review_handling_service.set_shared_with_authors(people["editor"], second, True)
    assert "Reviewer 2:" in letter_for(submission) and len(events(submission, "review.shared")) == 1
    editorial.decide(people["editor"], submission, kind="minor_revision", letter=letter_for(submission))
    with pytest.raises(DomainError, match="no longer under review"):
        review_handling_service.set_shared_with_authors(people["editor"], second, False)


def test_only_the_deciding_editors_handle_reviews(paper, make_user):
    journal, submission, people, [first, _] = paper
    other_editor = make_user(roles={journal: Role.EDITOR})  # of the journal, but not handling this paper
    calls = [
        lambda who: review_handling_service.set_shared_with_authors(who, first, False),
        lambda who: review_handling_service.return_review(who, first, "Please expand the discussion of methods."),
        lambda who: review_handling_service.correct_review(who, first, "Shorter."),
        lambda who: review_handling_service.revert_correction(who, first),
        lambda who: review_handling_service.rate_review(who, first, 4, 4),
        lambda who: due_date_service.approve_proposed_due_date(who, first),
        lambda who: due_date_service.refuse_proposed_due_date(who, first),
    ]
    for who in (people["reviewer"], people["reviewer2"], people["author"], other_editor):
        for call in calls:
            with pytest.raises(PermissionDenied):
                call(who)
    db.session.expire_all()
    assert first.status is A.SUBMITTED and first.review.shared_with_authors and first.rating_quality is None
    # A managing editor may, like the handling editor.
    review_handling_service.rate_review(people["manager"], first, 3, 4)
    assert (first.rating_timeliness, first.rating_quality) == (3, 4)


# --- Returning ----------------------------------------------------------------------------------------------------

def test_a_returned_review_is_reopened_with_the_request_mailed_and_a_week_at_least(paper, outbox):
    _journal, submission, people, [first, second] = paper
    second.due_at = utcnow() + timedelta(days=60)
    db.session.commit()
    far_due = second.due_at
    with pytest.raises(DomainError, match="what to change") as error:
        review_handling_service.return_review(people["editor"], first, "  ")
    assert error.value.field == "request"

    first.due_at = utcnow() + timedelta(days=1)  # nearly due: the return gives a week at least
    db.session.commit()
    review_handling_service.return_review(people["editor"], first, "Please assess the error analysis in section 4 too.")
    db.session.expire_all()
    assert first.status is A.ACCEPTED and first.review.submitted_at is None and first.completed_at is None
    assert first.returned_at is not None and first.return_request.startswith("Please assess the error analysis")
    assert first.due_at >= utcnow() + timedelta(days=6, hours=23)
    review_handling_service.return_review(people["editor"], second, "Please remove your signature from the comments.")
    db.session.expire_all()
    assert second.due_at == far_due  # a later due date is kept

    event = events(submission, "review.returned")[0]
    assert event.payload["reviewer"] == "Reviewer 1" and "error analysis" in event.payload["request"]
    [mail] = [m for m in outbox(people["reviewer"].email) if m.template == "review_returned"]
    assert "Please assess the error analysis in section 4 too." in mail.body_text
    assert link_in(mail.body_text) == f"/review/assignments/{first.id}"
    assert "Regolith heat flow" in mail.body_text
    for trace in AUTHOR_TRACES:  # double-anonymous: the reviewer learns nothing of the authors
        assert trace not in mail.body_text and trace not in mail.subject

    with pytest.raises(DomainError, match="no submitted review"):
        review_handling_service.return_review(people["editor"], first, "Once more, please.")
    with pytest.raises(DomainError, match="no submitted review"):
        review_handling_service.rate_review(people["editor"], first, 3, 3)  # until it is resubmitted


def test_a_returned_review_is_edited_and_resubmitted_through_the_review_page(client, login, paper, outbox):
    _journal, submission, people, [first, _] = paper
    review_handling_service.return_review(people["editor"], first, "Please discuss the sampling in section 2.")
    login(people["reviewer"])
    page = client.get(f"/review/assignments/{first.id}").get_data(as_text=True)
    assert "<textarea" in page and "conductivity change with depth" in page  # the draft is the submitted text
    response = client.post(f"/review/assignments/{first.id}", data={
        "score_originality": "4", "score_significance": "4", "score_soundness": "5", "score_clarity": "3",
        "recommendation": "minor_revision", "comments_to_authors": FIRST["comments_to_authors"] + " The sampling "
        "in section 2 is adequate.", "confidential_comments": "", "finished": "y", "action": "submit"})
    assert response.status_code == 302
    db.session.expire_all()
    assert first.status is A.SUBMITTED and first.review.is_submitted and first.returned_at is not None
    assert first.review.scores["significance"] == 4 and "sampling in section 2" in first.review.comments_to_authors
    [told] = [m for m in outbox(people["editor"].email) if m.template == "review_submitted"][-1:]
    assert "resubmitted" in told.subject and "resubmitted the review" in told.body_text
    assert len(events(submission, "review.resubmitted")) == 1
    assert "sampling in section 2 is adequate" in letter_for(submission)


def test_a_review_cannot_be_returned_after_the_decision(paper):
    _journal, submission, people, [first, _] = paper
    editorial.decide(people["editor"], submission, kind="major_revision", letter="Dear author, please revise it.")
    with pytest.raises(DomainError, match="no longer under review"):
        review_handling_service.return_review(people["editor"], first, "Please expand the discussion of methods.")


# --- Correcting ---------------------------------------------------------------------------------------------------

def test_a_correction_replaces_the_text_for_the_authors_and_keeps_the_original(paper):
    _journal, submission, people, [_, second] = paper
    original = SECOND["comments_to_authors"]
    corrected = "Figure 2 lacks error bars and the sampling is too sparse."
    with pytest.raises(DomainError, match="cannot be empty") as error:
        review_handling_service.correct_review(people["editor"], second, " \r\n ")
    assert error.value.field == "text"
    with pytest.raises(DomainError, match="nothing to correct"):
        review_handling_service.correct_review(people["editor"], second, original.replace(" ", " ") + "\r\n")

    review_handling_service.correct_review(people["editor"], second, corrected)
    db.session.expire_all()
    review = second.review
    assert review.comments_to_authors == original and review.corrected_comments == corrected
    assert review.comments_for_authors == corrected
    assert review.corrected_by_id == people["editor"].id and review.corrected_at is not None
    [event] = events(submission, "review.corrected")
    assert event.payload["reviewer"] == "Reviewer 2" and "changed" in event.payload["note"]
    assert "Signed" not in str(event.payload) and "sparse" not in str(event.payload)  # no text in the history

    letter = letter_for(submission)
    assert corrected in letter and "Signed, Tomas Berg" not in letter and original not in letter

    review_handling_service.correct_review(people["editor"], second, original)  # the original again: no correction
    db.session.expire_all()
    assert second.review.corrected_comments is None and second.review.corrected_by_id is None
    assert len(events(submission, "review.correction_reverted")) == 1
    with pytest.raises(DomainError, match="not corrected"):
        review_handling_service.revert_correction(people["editor"], second)
    review_handling_service.correct_review(people["editor"], second, corrected)
    review_handling_service.revert_correction(people["editor"], second)
    db.session.expire_all()
    assert second.review.comments_for_authors == original and len(events(submission, "review.correction_reverted")) == 2


def test_returning_a_corrected_review_drops_the_correction(paper):
    _journal, submission, people, [_, second] = paper
    review_handling_service.correct_review(people["editor"], second, "Figure 2 lacks error bars.")
    review_handling_service.return_review(people["editor"], second, "Please do not sign your comments.")
    db.session.expire_all()
    assert second.review.corrected_comments is None
    assert events(submission, "review.returned")[0].payload["correction"] == "dropped"


# --- Rating -------------------------------------------------------------------------------------------------------

def test_ratings_are_checked_recorded_and_can_change(paper):
    _journal, submission, people, [first, _] = paper
    for bad in ((0, 3), (3, 6), ("x", 3), (None, 2)):
        with pytest.raises(DomainError, match="1 to 5"):
            review_handling_service.rate_review(people["editor"], first, *bad)
    review_handling_service.rate_review(people["editor"], first, 5, 3)
    assert (first.rating_timeliness, first.rating_quality, first.rated_by_id) == (5, 3, people["editor"].id)
    with pytest.raises(DomainError, match="already"):
        review_handling_service.rate_review(people["editor"], first, 5, 3)
    review_handling_service.rate_review(people["manager"], first, 4, 3)
    first_event, second_event = events(submission, "review.rated")
    assert first_event.payload == {"reviewer": "Reviewer 1", "timeliness": 5, "quality": 3}
    assert second_event.payload["previous"] == "5/3" and second_event.actor_id == people["manager"].id
    editorial.decide(people["editor"], submission, kind="accept", letter="Dear author, your paper is accepted.")
    review_handling_service.rate_review(people["editor"], first, 4, 4)  # after the decision too
    assert first.rating_quality == 4


def test_ratings_are_never_shown_to_the_reviewer_or_the_authors(client, login, paper, outbox):
    _journal, submission, people, [first, second] = paper
    review_handling_service.rate_review(people["editor"], first, 2, 1)
    review_handling_service.rate_review(people["editor"], second, 2, 1)
    editorial.decide(people["editor"], submission, kind="minor_revision", letter=letter_for(submission))
    login(people["editor"])
    assert "Timeliness 2 / 5 · quality 1 / 5" in client.get(page_of(submission)).get_data(as_text=True)
    client.post("/logout")
    pages = {"reviewer": ["/review/", f"/review/assignments/{first.id}"],
             "author": ["/my/submissions", f"/submissions/{submission.id}"]}
    for who, urls in pages.items():
        login(people[who])
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            text = response.get_data(as_text=True)
            for secret in ("Timeliness", "timeliness", "rating", "Rating", "Ada Okafor"):
                assert secret not in text, (who, url, secret)
        client.post("/logout")
    for address in (people["reviewer"].email, people["author"].email):
        for mail in outbox(address):
            assert "rating" not in mail.body_text.lower() and "timeliness" not in mail.body_text.lower()


# --- The proposed due date ----------------------------------------------------------------------------------------

@pytest.fixture
def proposal(paper, make_user):
    journal, submission, people, _ = paper
    newcomer = make_user("li@example.org", given_name="Li", family_name="Wei", roles={journal: Role.REVIEWER})
    assignment, token = invitation_service.invite_reviewer(people["editor"], submission, user_id=newcomer.id)
    proposed = (utcnow() + timedelta(days=50)).date()
    invitation_service.accept_invitation(token, proposed_due_at=proposed)
    assert assignment.proposed_due_at.date() == proposed
    return submission, people, assignment, proposed


def test_approving_a_proposed_due_date_moves_the_date_and_tells_the_reviewer(proposal, outbox):
    submission, people, assignment, proposed = proposal
    due_date_service.approve_proposed_due_date(people["editor"], assignment)
    db.session.expire_all()
    assert assignment.due_at.date() == proposed and assignment.proposed_due_at is None
    [event] = events(submission, "review.proposed_due_date_approved")
    assert event.payload["due"] == proposed.isoformat()
    [mail] = [m for m in outbox("li@example.org") if m.template == "review_due_date_answered"]
    assert "agree to the due date you proposed" in mail.body_text and link_in(mail.body_text).endswith(
        f"/review/assignments/{assignment.id}")
    for trace in AUTHOR_TRACES:
        assert trace not in mail.body_text
    with pytest.raises(DomainError, match="no proposed due date"):
        due_date_service.approve_proposed_due_date(people["editor"], assignment)


def test_refusing_a_proposed_due_date_keeps_the_date_and_sends_the_note(proposal, outbox):
    submission, people, assignment, proposed = proposal
    due = assignment.due_at
    due_date_service.refuse_proposed_due_date(people["editor"], assignment, note="The authors have waited long.")
    db.session.expire_all()
    assert assignment.due_at == due and assignment.proposed_due_at is None
    [event] = events(submission, "review.proposed_due_date_refused")
    assert event.payload["proposed"] == proposed.isoformat()
    [mail] = [m for m in outbox("li@example.org") if m.template == "review_due_date_answered"]
    assert "could not grant" in mail.body_text and "The authors have waited long." in mail.body_text
    with pytest.raises(DomainError, match="no proposed due date"):
        due_date_service.refuse_proposed_due_date(people["editor"], assignment)


def test_a_proposed_date_that_has_passed_cannot_be_approved(proposal):
    _submission, people, assignment, _ = proposal
    assignment.proposed_due_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    with pytest.raises(DomainError, match="future"):
        due_date_service.approve_proposed_due_date(people["editor"], assignment)


# --- The letter and what the authors get --------------------------------------------------------------------------

def test_the_authors_get_only_shared_corrected_comments_and_nothing_confidential(client, login, paper, outbox):
    _journal, submission, people, [first, second] = paper
    review_handling_service.set_shared_with_authors(people["editor"], first, False)
    review_handling_service.correct_review(people["editor"], second,
                                           "Figure 2 lacks error bars; the sampling is sparse.")
    review_handling_service.rate_review(people["editor"], second, 1, 2)
    letter = letter_for(submission, "major_revision")
    # The only review the authors get is their Reviewer 1 (the editors' Reviewer 2): no gap for the withheld one.
    assert re.search(r"Reviewer 1:\s+Figure 2 lacks error bars; the sampling is sparse\.", letter)
    assert "Reviewer 2" not in letter
    # The decision page says which review goes to the authors, and how.
    login(people["editor"])
    decide_page = client.get(f"{page_of(submission)}/decide").get_data(as_text=True)
    states = dict(re.findall(r"<tr><td>(Reviewer \d)</td>.*?<td>((?:(?!</td>).)*)</td></tr>", decide_page, re.S))
    assert "Withheld" in states["Reviewer 1"] and "the authors read it" not in states["Reviewer 1"], states
    assert states["Reviewer 2"].startswith("Shared, as you corrected it"), states
    assert "the authors read it as Reviewer 1" in states["Reviewer 2"], states  # as the letter names it
    editorial.decide(people["editor"], submission, kind="major_revision", letter=letter)
    hidden = (FIRST["comments_to_authors"], SECOND["comments_to_authors"], FIRST["confidential_comments"],
              SECOND["confidential_comments"], "Signed", *REVIEWER_TRACES)
    for mail in outbox(people["author"].email) + outbox("kenji@jdse.example.org"):
        for secret in hidden:
            assert secret not in mail.body_text and secret not in mail.subject, (mail.template, secret)
    login(people["author"])
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert "the sampling is sparse" in page
    for secret in hidden:
        assert secret not in page, secret


# --- The editor's page --------------------------------------------------------------------------------------------

def test_the_page_summarises_each_round_with_means_and_recommendation_counts(client, login, paper):
    _journal, submission, people, [first, second] = paper
    login(people["editor"])
    page = client.get(page_of(submission)).get_data(as_text=True)
    table = page.split('class="table review-summary"')[1].split("</table>")[0]
    rows = {m.group(1): re.findall(r"<td[^>]*>([^<]*)</td>", m.group(2))
            for m in re.finditer(r'<th scope="row">([^<]+)</th>(.*?)</tr>', table, re.S)}
    assert rows["Originality"] == ["4", "2", "3.0"]
    assert rows["Significance"] == ["3", "5", "4.0"]
    assert rows["Soundness"] == ["5", "4", "4.5"]
    assert rows["Clarity"] == ["2", "3", "2.5"]
    assert "Minor revision: 1 · Major revision: 1" in page
    assert ">Reviewer 1</th>" in table and ">Reviewer 2</th>" in table and ">Mean</th>" in table
    assert FIRST["confidential_comments"] in page and "not shown to the authors" in page
    for control in ("Do not share with the authors", "Correct the text for the authors", "Return the review",
                    "Save rating"):
        assert control in page


def test_the_page_controls_work_and_errors_keep_what_was_typed(client, login, paper, outbox):
    _journal, submission, people, [first, second] = paper
    login(people["editor"])
    response = client.post(review_url(submission, second, "share"), data={"shared": "0"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#review-{second.id}")
    db.session.expire_all()
    assert second.review.shared_with_authors is False
    page = client.get(page_of(submission)).get_data(as_text=True)
    assert "not shared with the authors" in page and "Share with the authors" in page

    page = client.post(review_url(submission, first, "return"), data={"request": "Short"}).get_data(as_text=True)
    assert "at least a sentence" in page and "Short</textarea>" in page
    response = client.post(review_url(submission, first, "return"),
                           data={"request": "Please discuss the sampling in section 2."})
    assert response.status_code == 302
    db.session.expire_all()
    assert first.status is A.ACCEPTED
    page = client.get(page_of(submission)).get_data(as_text=True)
    assert "Returned" in page and "Please discuss the sampling in section 2." in page

    form = client.get(review_url(submission, second, "correct")).get_data(as_text=True)
    assert SECOND["comments_to_authors"] in form and "The reviewer's original" in form
    page = client.post(review_url(submission, second, "correct"),
                       data={"text": SECOND["comments_to_authors"]}).get_data(as_text=True)
    assert "nothing to correct" in page and SECOND["comments_to_authors"] + "</textarea>" in page
    client.post(review_url(submission, second, "correct"), data={"text": "Figure 2 lacks error bars."})
    page = client.get(page_of(submission)).get_data(as_text=True)
    assert "The corrected text: what the authors get" in page and "Figure 2 lacks error bars." in page
    assert "Signed, Tomas Berg." in page  # the original, beside it
    client.post(review_url(submission, second, "correct/revert"))
    db.session.expire_all()
    assert second.review.corrected_comments is None

    client.post(review_url(submission, second, "rate"), data={"timeliness": "4", "quality": "5"})
    db.session.expire_all()
    assert (second.rating_timeliness, second.rating_quality) == (4, 5)
    response = client.post(review_url(submission, second, "rate"), data={"timeliness": "9", "quality": "5"},
                           follow_redirects=True)
    assert "Not a valid choice" in response.get_data(as_text=True) or "1 to 5" in response.get_data(as_text=True)


def test_a_pending_proposal_is_highlighted_and_answered_from_the_page(client, login, proposal, outbox):
    submission, people, assignment, proposed = proposal
    login(people["editor"])
    page = client.get(page_of(submission)).get_data(as_text=True)
    assert 'class="row-attention"' in page and "waiting for your answer" in page
    assert review_url(submission, assignment, "due-date/approve") in page
    page = client.post(review_url(submission, assignment, "due-date/refuse"),
                       data={"note": "x" * 5001}).get_data(as_text=True)
    assert "x" * 5001 + "</textarea>" in page  # too long: refused, the note kept
    response = client.post(review_url(submission, assignment, "due-date/approve"), follow_redirects=True)
    assert "as proposed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert assignment.due_at.date() == proposed
    assert "waiting for your answer" not in client.get(page_of(submission)).get_data(as_text=True)


ROUTES = ("share", "return", "correct", "correct/revert", "rate", "due-date/approve", "due-date/refuse")


def test_reviewers_authors_and_other_journals_get_404_and_other_editors_403(client, login, paper, make_journal,
                                                                           make_user):
    journal, submission, people, [first, _] = paper
    other = make_journal("other")
    outsider = make_user(roles={other: [Role.MANAGING_EDITOR, Role.EDITOR]})
    bystander = make_user(roles={journal: Role.EDITOR})  # sees the paper, does not handle it
    for who, expected in ((people["reviewer"], 404), (people["author"], 404), (outsider, 404), (bystander, 403)):
        login(who)
        for route in ROUTES:
            url = review_url(submission, first, route)
            assert client.post(url, data={"shared": "0", "request": "Please expand the discussion.",
                                          "text": "Changed.", "timeliness": "1", "quality": "1"}).status_code \
                == expected, (who.email, route)
            if route in ("return", "correct", "due-date/refuse"):
                assert client.get(url).status_code == expected, (who.email, route)
        client.post("/logout")
    response = client.post(review_url(submission, first, "share"), data={"shared": "0"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    db.session.expire_all()
    assert first.status is A.SUBMITTED and first.review.shared_with_authors and first.rating_quality is None
    assert first.review.corrected_comments is None
    # The assignment must belong to the paper in the address.
    login(people["editor"])
    assert client.get(f"{page_of(submission)}/reviews/999999/correct").status_code == 404


def test_a_triple_anonymous_handling_editor_handles_reviews_without_seeing_the_authors(client, login, build):
    _journal, submission, people, [first, second] = build(ReviewMode.TRIPLE_ANONYMOUS)
    login(people["editor"])
    urls = [page_of(submission), review_url(submission, first, "return"), review_url(submission, second, "correct")]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        for trace in AUTHOR_TRACES:
            assert trace not in text, (url, trace)
    assert "Rosa Lindqvist" in client.get(page_of(submission)).get_data(as_text=True)  # reviewers are known
    client.post(review_url(submission, first, "return"), data={"request": "Please discuss the error analysis."})
    page = client.get(page_of(submission)).get_data(as_text=True)
    for trace in AUTHOR_TRACES:
        assert trace not in page
    db.session.expire_all()
    assert first.status is A.ACCEPTED


def attach(submission, assignment, body=b"Annotated figure 2: the error bars are missing.\n"):
    """A review attachment as the reviewer's upload stores it: round and uploader link it to the assignment."""
    import io

    from journal.models import FileKind, SubmissionFile
    from journal.storage import get_storage

    stored = get_storage().put(f"submissions/{submission.id}/{assignment.id}-{len(body)}", io.BytesIO(body),
                               media_type="text/plain")
    file = SubmissionFile(submission=submission, round=assignment.round.number, kind=FileKind.REVIEW_ATTACHMENT,
                          storage_key=stored.key, original_name=f"{assignment.label} – attachment.txt",
                          size=stored.size, sha256=stored.sha256, media_type="text/plain",
                          uploaded_by_id=assignment.reviewer_id)
    db.session.add(file)
    db.session.commit()
    return file


def test_a_review_attachment_is_listed_and_downloaded_by_the_editors_of_the_paper_only(client, login, build,
                                                                                     make_journal, make_user):
    _journal, submission, people, [first, second] = build(ReviewMode.TRIPLE_ANONYMOUS)
    file = attach(submission, second)
    url = review_url(submission, second, f"attachments/{file.id}")
    login(people["editor"])  # the handling editor of a triple-anonymous journal: the file is the reviewer's
    page = client.get(page_of(submission)).get_data(as_text=True)
    section = page.split(f'id="review-{second.id}"')[1].split("</details>")[0]
    assert "Reviewer 2 – attachment.txt" in section and url in section
    assert "attachment.txt" not in page.split(f'id="review-{first.id}"')[1].split("</details>")[0]
    response = client.get(url)
    assert response.status_code == 302
    assert client.get(response.headers["Location"]).data.startswith(b"Annotated figure 2")
    assert client.get(review_url(submission, first, f"attachments/{file.id}")).status_code == 404  # not Reviewer 1's
    client.post("/logout")
    for who in (people["author"], people["reviewer"], make_user(roles={make_journal("other"): Role.EDITOR})):
        login(who)
        assert client.get(url).status_code == 404, who.email
        client.post("/logout")
    review_handling_service.return_review(people["editor"], second, "Please also annotate figure 3.")
    login(people["editor"])
    assert client.get(url).status_code == 404  # a review being revised shows no attachment


def test_the_history_names_each_step_without_the_corrected_text(client, login, paper):
    _journal, submission, people, [first, second] = paper
    review_handling_service.set_shared_with_authors(people["editor"], first, False)
    review_handling_service.correct_review(people["editor"], second, "Figure 2 lacks error bars.")
    review_handling_service.rate_review(people["editor"], second, 4, 4)
    review_handling_service.return_review(people["editor"], first, "Please look at section 4 again.")
    login(people["manager"])
    page = client.get(page_of(submission)).get_data(as_text=True)
    history = page.split(">History</h2>")[1]
    for label in ("Review no longer shared with the authors", "Review text corrected for the authors",
                  "Review rated (private to the editors)", "Review returned to the reviewer"):
        assert label in history, label
    assert "Figure 2 lacks error bars." not in history and "Signed" not in history
    client.post("/logout")
    login(people["author"])
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    for label in ("Review text corrected", "Review rated", "Review returned", "no longer shared", "section 4 again"):
        assert label not in page, label
