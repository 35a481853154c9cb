"""Reviewer invitations: the editor invites, the invitee answers through the mailed link without logging in."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from journal.extensions import db
from journal.models import AssignmentStatus, Membership, ReviewAssignment, ReviewMode, Role, User, utcnow
from journal.services import accounts, editorial, sign_ins
from journal.services import reviews as review_service
from journal.services import invitations as invitation_service
from journal.services.errors import DomainError
from tests.papers import submit_paper
from tests.conftest import link_in

A = AssignmentStatus


@pytest.fixture
def build_paper(make_journal, make_user):
    """A paper under review in round 1, in a journal of the given review mode."""

    def build(mode=ReviewMode.DOUBLE_ANONYMOUS, slug="jdse"):
        journal = make_journal(slug, reference_prefix=slug.upper(), review_mode=mode)
        author = make_user(f"mei@{slug}.example.org", given_name="Mei", family_name="Chen")
        people = {
            "author": author,
            "manager": make_user(roles={journal: Role.MANAGING_EDITOR}),
            "editor": make_user(f"ada@{slug}.example.org", given_name="Ada", family_name="Okafor",
                                roles={journal: Role.EDITOR}),
            "reviewer": make_user(f"rosa@{slug}.example.org", given_name="Rosa", family_name="Lindqvist",
                                  roles={journal: Role.REVIEWER}),
            "reviewer2": make_user(f"tomas@{slug}.example.org", given_name="Tomas", family_name="Berg",
                                   roles={journal: Role.REVIEWER}),
        }
        submission = submit_paper(author, journal,
                                  abstract="Heat flow through the *lunar regolith* over three lunar nights.",
                                  coauthor=dict(given_name="Kenji", family_name="Watanabe",
                                                email=f"kenji@{slug}.example.org", affiliation="Kyoto Space Lab"))
        editorial.assign_handling_editor(people["manager"], submission, people["editor"].id)
        editorial.send_to_review(people["editor"], submission)
        return journal, submission, people

    return build


@pytest.fixture
def paper(build_paper):
    return build_paper()


def page_of(submission):
    return f"/editorial/{submission.journal.slug}/submissions/{submission.id}"


def invitation_mail(outbox, address):
    [mail] = [m for m in outbox(address) if m.template == "review_invitation"]
    return mail


AUTHOR_TRACES = ("Mei", "Chen", "Kenji", "Watanabe", "Kyoto Space Lab", "mei@", "kenji@")


def test_editor_invites_an_existing_reviewer_from_the_form_and_the_link_works_without_login(client, login, paper,
                                                                                           outbox):
    _journal, submission, people = paper
    login(people["editor"])
    page = client.get(page_of(submission)).get_data(as_text=True)
    assert 'id="reviewers-title"' in page and "Rosa Lindqvist" in page and "0 open" in page
    assert "Mei Chen ·" not in page  # authors are not offered
    respond_by = (utcnow() + timedelta(days=5)).date().isoformat()
    due = (utcnow() + timedelta(days=30)).date().isoformat()
    response = client.post(f"{page_of(submission)}/reviewers/invite", data={
        "reviewer_id": people["reviewer"].id, "respond_by": respond_by, "due_at": due}, follow_redirects=True)
    assert "is invited as Reviewer 1" in response.get_data(as_text=True)
    [assignment] = db.session.scalars(select(ReviewAssignment)).all()
    assert assignment.status is A.INVITED and assignment.reviewer_id == people["reviewer"].id
    assert assignment.respond_by.date().isoformat() == respond_by and len(assignment.token_hash) == 64

    mail = invitation_mail(outbox, "rosa@jdse.example.org")
    client.post("/logout")
    page = client.get(link_in(mail.body_text))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Regolith heat flow" in text and "<em>lunar regolith</em>" in text and "Accept the invitation" in text


def test_double_anonymous_invitation_mail_and_page_name_no_author(client, paper, outbox):
    _journal, submission, people = paper
    invitation_service.invite_reviewer(people["editor"], submission, email="new.person@example.net", name="Noor Haddad")
    mail = invitation_mail(outbox, "new.person@example.net")
    page = client.get(link_in(mail.body_text)).get_data(as_text=True)
    for trace in AUTHOR_TRACES:
        assert trace not in mail.body_text and trace not in mail.subject, trace
        assert trace not in page, trace
    assert "Dear Noor Haddad" in mail.body_text and "Regolith heat flow" in page


def test_single_anonymous_invitation_page_shows_the_authors(client, build_paper, outbox):
    _journal, submission, people = build_paper(ReviewMode.SINGLE_ANONYMOUS, slug="jsa")
    invitation_service.invite_reviewer(people["editor"], submission, user_id=people["reviewer"].id)
    page = client.get(link_in(invitation_mail(outbox, "rosa@jsa.example.org").body_text)).get_data(as_text=True)
    assert "Mei Chen" in page and "Kenji Watanabe" in page


def test_accepting_creates_the_account_for_a_new_email_and_mails_a_password_link(client, paper, outbox):
    _journal, submission, people = paper
    invitation_service.invite_reviewer(people["editor"], submission, email="Noor@Example.net", name="Noor Haddad")
    link = link_in(invitation_mail(outbox, "noor@example.net").body_text)
    proposed = (utcnow() + timedelta(days=60)).date().isoformat()
    response = client.post(f"{link}/accept", data={"proposed_due_at": proposed})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Thank you for agreeing" in text and "choose your password" in text
    user = db.session.scalar(select(User).where(User.email == "noor@example.net"))
    assert user.given_name == "Noor" and user.family_name == "Haddad" and user.email_verified
    assert db.session.scalar(select(Membership).where(Membership.user_id == user.id)).role is Role.REVIEWER
    db.session.expire_all()
    [assignment] = db.session.scalars(select(ReviewAssignment)).all()
    assert assignment.status is A.ACCEPTED and assignment.reviewer_id == user.id
    assert assignment.proposed_due_at.date().isoformat() == proposed
    [password_mail] = [m for m in outbox("noor@example.net") if m.template == "set_password"]
    set_password = client.get(link_in(password_mail.body_text))
    assert set_password.status_code == 200
    [told] = [m for m in outbox("ada@jdse.example.org") if m.template == "review_invitation_answered"]
    assert "accepted" in told.body_text and "Noor Haddad" in told.body_text
    # The link now says it was answered; no one was logged in.
    again = client.get(link).get_data(as_text=True)
    assert "Thank you for agreeing" in again
    assert client.get("/review/").status_code == 302


def test_a_new_reviewer_chooses_a_password_on_accepting_and_goes_straight_to_the_review(client, paper, outbox):
    _journal, submission, people = paper
    invitation_service.invite_reviewer(people["editor"], submission, email="noor@example.net", name="Noor Haddad")
    link = link_in(invitation_mail(outbox, "noor@example.net").body_text)
    assert "Choose a password" in client.get(link).get_data(as_text=True)
    proposed = (utcnow() + timedelta(days=60)).date().isoformat()
    good = "three lunar nights of heat"
    for password, confirm, why in (("moon", "moon", "Use at least 10 characters"),
                                   (good, good + "!", "The two passwords differ."),
                                   ("noor-at-the-observatory", "noor-at-the-observatory",
                                    "must not contain your email address")):
        response = client.post(f"{link}/accept", data={"proposed_due_at": proposed, "password": password,
                                                       "confirm": confirm})
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and why in page
        assert f'value="{proposed}"' in page  # the rest of what was typed stays
        assert db.session.scalar(select(User).where(User.email == "noor@example.net")) is None
    response = client.post(f"{link}/accept", data={"proposed_due_at": proposed, "password": good, "confirm": good})
    [assignment] = db.session.scalars(select(ReviewAssignment)).all()
    assert response.status_code == 302 and response.location.endswith(f"/review/assignments/{assignment.id}")
    review_page = client.get(response.location).get_data(as_text=True)
    assert "Your account is ready and you are logged in" in review_page and "Regolith" in review_page
    assert client.get("/home").status_code == 200  # signed in, with a sign-in of its own
    user = db.session.scalar(select(User).where(User.email == "noor@example.net"))
    assert assignment.status is A.ACCEPTED and assignment.reviewer_id == user.id
    assert [s.device for s in sign_ins.active_sign_ins(user)] and user.last_login_at is not None
    assert not [m for m in outbox("noor@example.net") if m.template == "set_password"]  # chose it already
    client.post("/logout")
    assert accounts.log_in("noor@example.net", good).id == user.id  # the password chosen works from now on


def test_an_invitee_with_an_account_is_not_asked_for_a_password(client, paper, outbox):
    _journal, submission, people = paper
    invitation_service.invite_reviewer(people["editor"], submission, user_id=people["reviewer"].id)
    link = link_in(invitation_mail(outbox, "rosa@jdse.example.org").body_text)
    assert "Choose a password" not in client.get(link).get_data(as_text=True)
    response = client.post(f"{link}/accept", data={"password": "three lunar nights of heat",
                                                   "confirm": "three lunar nights of heat"})
    assert response.status_code == 200 and "Log in to find the manuscript" in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302  # nobody was logged in


def test_declining_records_the_reason_and_tells_the_editor(client, paper, outbox):
    _journal, submission, people = paper
    invitation_service.invite_reviewer(people["editor"], submission, user_id=people["reviewer"].id)
    link = link_in(invitation_mail(outbox, "rosa@jdse.example.org").body_text)
    response = client.post(f"{link}/decline", data={"reason": "On a field campaign until March.",
                                                    "alternatives": "Ines Duarte <ines@example.net>"})
    page = response.get_data(as_text=True)
    assert "You have declined" in page
    # Not a dead end: what happens next, and the way on.
    assert "What happens next" in page and "Nothing more is asked of you" in page
    assert 'href="/home"' in page and 'href="/j/jdse/"' in page
    assert 'href="/account/profile#expertise_keywords"' in page
    again = client.get(link).get_data(as_text=True)  # the mailed link, opened again, says the same
    assert "Nothing more is asked of you" in again and 'href="/account/profile#expertise_keywords"' in again
    db.session.expire_all()
    [assignment] = db.session.scalars(select(ReviewAssignment)).all()
    assert assignment.status is A.DECLINED and assignment.decline_reason == "On a field campaign until March."
    assert assignment.suggested_alternatives == "Ines Duarte <ines@example.net>"
    [told] = [m for m in outbox("ada@jdse.example.org") if m.template == "review_invitation_answered"]
    assert "declined" in told.body_text and "field campaign" in told.body_text and "ines@example.net" in told.body_text
    # A declined reviewer may be invited again in the same round.
    again, _ = invitation_service.invite_reviewer(people["editor"], submission, user_id=people["reviewer"].id)
    assert again.label_number == assignment.label_number


def test_a_person_without_an_account_who_declines_is_offered_an_account_for_their_expertise(client, paper, outbox):
    _journal, submission, people = paper
    invitation_service.invite_reviewer(people["editor"], submission, email="noor@example.net", name="Noor Haddad")
    link = link_in(invitation_mail(outbox, "noor@example.net").body_text)
    page = client.post(f"{link}/decline", data={}).get_data(as_text=True)
    assert "You have declined" in page and "Nothing more is asked of you" in page
    assert 'href="/register"' in page and 'href="/j/jdse/"' in page
    assert 'href="/home"' not in page.split("<main", 1)[-1]  # no home of their own to go to
    assert db.session.scalar(select(User).where(User.email == "noor@example.net")) is None


def test_an_expired_invitation_says_so(client, paper, outbox):
    _journal, submission, people = paper
    submission.journal.reminder_days = {"respond_by": [-2, 2], "due": []}
    assignment, token = invitation_service.invite_reviewer(people["editor"], submission, user_id=people["reviewer"].id)
    # Past the respond-by date and past the day of the last reminder after it (2 days): the link has closed.
    assignment.respond_by = utcnow() - timedelta(days=3)
    db.session.commit()
    response = client.get(f"/review/invitations/{token}")
    assert response.status_code == 410 and "This invitation has expired" in response.get_data(as_text=True)
    assert "has expired" in client.post(f"/review/invitations/{token}/accept").get_data(as_text=True)
    db.session.expire_all()
    assert assignment.status is A.INVITED


def test_a_cancelled_invitation_says_so_and_the_reviewer_is_told(client, login, paper, outbox):
    _journal, submission, people = paper
    assignment, token = invitation_service.invite_reviewer(people["editor"], submission, user_id=people["reviewer"].id)
    login(people["editor"])
    client.post(f"{page_of(submission)}/reviewers/{assignment.id}/cancel")
    db.session.expire_all()
    assert assignment.status is A.CANCELLED
    assert [m.template for m in outbox("rosa@jdse.example.org")] == ["review_invitation", "review_cancelled"]
    client.post("/logout")
    response = client.get(f"/review/invitations/{token}")
    assert response.status_code == 410 and "cancelled" in response.get_data(as_text=True)
    assert client.get("/review/invitations/not-a-token").status_code == 404


def test_the_editor_extends_a_due_date_and_the_reviewer_is_told(client, login, paper, outbox):
    _journal, submission, people = paper
    assignment, _ = invitation_service.invite_reviewer(people["editor"], submission, user_id=people["reviewer"].id)
    login(people["editor"])
    new_due = (utcnow() + timedelta(days=50)).date()
    client.post(f"{page_of(submission)}/reviewers/{assignment.id}/due-date", data={"due_at": new_due.isoformat()})
    db.session.expire_all()
    assert assignment.due_at.date() == new_due
    assert outbox("rosa@jdse.example.org")[-1].template == "review_due_changed"


def test_authors_cannot_be_invited(paper):
    _journal, submission, people = paper
    with pytest.raises(DomainError, match="author of the paper"):
        invitation_service.invite_reviewer(people["editor"], submission, user_id=people["author"].id)
    with pytest.raises(DomainError, match="author of the paper"):
        invitation_service.invite_reviewer(people["editor"], submission, email="KENJI@jdse.example.org", name="K W")


def test_a_second_invitation_in_the_same_round_is_refused(client, login, paper, outbox):
    _journal, submission, people = paper
    invitation_service.invite_reviewer(people["editor"], submission, user_id=people["reviewer"].id)
    with pytest.raises(DomainError, match="invited in this round already"):
        invitation_service.invite_reviewer(people["editor"], submission, email="rosa@jdse.example.org")
    login(people["editor"])
    response = client.post(f"{page_of(submission)}/reviewers/invite", data={
        "reviewer_id": people["reviewer"].id, "respond_by": (utcnow() + timedelta(days=5)).date().isoformat(),
        "due_at": (utcnow() + timedelta(days=30)).date().isoformat()}, follow_redirects=True)
    assert "invited in this round already" in response.get_data(as_text=True)


def test_a_refused_quick_invitation_keeps_the_name_address_and_dates_typed(client, login, paper, outbox):
    _journal, submission, people = paper
    login(people["editor"])
    mails_before = len(outbox())
    typed = {"name": "Noor Haddad", "email": "noor.haddad@example.net",
             "respond_by": (utcnow() + timedelta(days=9)).date().isoformat(),
             "due_at": (utcnow() + timedelta(days=3)).date().isoformat()}  # due before the answer: refused
    response = client.post(f"{page_of(submission)}/reviewers/invite", data=typed)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "due after" in page and "Nothing was sent; what you typed is kept in the invitation form" in page
    assert 'value="Noor Haddad"' in page and 'value="noor.haddad@example.net"' in page
    assert f'value="{typed["respond_by"]}"' in page and f'value="{typed["due_at"]}"' in page
    assert db.session.scalars(select(ReviewAssignment)).all() == [] and len(outbox()) == mails_before

    missing_date = {**typed, "due_at": ""}  # refused by the form itself
    response = client.post(f"{page_of(submission)}/reviewers/invite", data=missing_date)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Give the review&#39;s due date." in page and 'value="Noor Haddad"' in page


def test_dates_are_checked(paper):
    _journal, submission, people = paper
    with pytest.raises(DomainError, match="future"):
        invitation_service.invite_reviewer(people["editor"], submission, user_id=people["reviewer"].id,
                                           respond_by=(utcnow() - timedelta(days=2)).date())
    with pytest.raises(DomainError, match="due after"):
        invitation_service.invite_reviewer(people["editor"], submission, user_id=people["reviewer"].id,
                                           respond_by=(utcnow() + timedelta(days=9)).date(),
                                           due_at=(utcnow() + timedelta(days=3)).date())


def test_only_the_deciding_editors_invite_and_other_journals_see_nothing(client, login, paper, make_journal,
                                                                         make_user):
    _journal, submission, people = paper
    other = make_journal("other")
    outsider = make_user(roles={other: [Role.MANAGING_EDITOR, Role.EDITOR]})
    login(outsider)
    url = f"{page_of(submission)}/reviewers/invite"
    assert client.post(url, data={"reviewer_id": people["reviewer"].id}).status_code in (403, 404)
    assert client.get(page_of(submission)).status_code in (403, 404)
    client.post("/logout")
    login(people["reviewer"])
    assert client.post(url, data={"reviewer_id": people["reviewer"].id}).status_code in (403, 404)
    with pytest.raises(DomainError):
        invitation_service.invite_reviewer(people["reviewer2"], submission, user_id=people["reviewer"].id)
    assert db.session.scalars(select(ReviewAssignment)).all() == []


def test_labels_are_stable_per_submission(paper):
    _journal, submission, people = paper
    first, _ = invitation_service.invite_reviewer(people["editor"], submission, user_id=people["reviewer"].id)
    second, _ = invitation_service.invite_reviewer(people["editor"], submission, email="noor@example.net",
                                                   name="Noor H")
    third, _ = invitation_service.invite_reviewer(people["editor"], submission, user_id=people["reviewer2"].id)
    assert [first.label, second.label, third.label] == ["Reviewer 1", "Reviewer 2", "Reviewer 3"]
    invitation_service.cancel_invitation(people["editor"], first)
    again, _ = invitation_service.invite_reviewer(people["editor"], submission, user_id=people["reviewer"].id)
    assert again.label == "Reviewer 1"


def test_reviewer_pool_counts_open_assignments_and_leaves_out_authors(paper, make_user):
    journal, submission, people = paper
    invitation_service.invite_reviewer(people["editor"], submission, user_id=people["reviewer"].id)
    db.session.add(Membership(user_id=people["author"].id, journal_id=journal.id, role=Role.REVIEWER))
    db.session.commit()
    pool = {user.email: count for user, count in invitation_service.reviewer_pool(submission)}
    assert pool == {"rosa@jdse.example.org": 1, "tomas@jdse.example.org": 0}


def reviews_on_page(page: str) -> list[tuple[str, str]]:
    """(label, comments) of each review the author's page shows, in order."""
    return re.findall(r'<h5>(Reviewer \d+)</h5>\s*<p class="prewrap">([^<]*)</p>', page)


def test_a_declined_invitation_leaves_no_gap_in_the_labels_the_authors_read(client, login, paper, outbox):
    """The editors' numbers are fixed at invitation; the authors read 1, 2 among the reviews they are shown, the same
    in the decision letter and on their page."""
    _journal, submission, people = paper
    first, first_token = invitation_service.invite_reviewer(people["editor"], submission,
                                                            user_id=people["reviewer"].id)
    second, second_token = invitation_service.invite_reviewer(people["editor"], submission, email="noor@example.net",
                                                              name="Noor H")
    third, third_token = invitation_service.invite_reviewer(people["editor"], submission,
                                                            user_id=people["reviewer2"].id)
    invitation_service.decline_invitation(second_token)
    invitation_service.accept_invitation(third_token)
    invitation_service.accept_invitation(first_token)
    assert [first.label, second.label, third.label] == ["Reviewer 1", "Reviewer 2", "Reviewer 3"]  # as invited
    comments = {"reviewer": "The heat-flow model ignores the conductivity change with depth.",
                "reviewer2": "Figure 2 lacks error bars; the sampling is too sparse."}
    for who, assignment in (("reviewer2", third), ("reviewer", first)):
        review_service.save_review(people[who], assignment, scores=dict.fromkeys(review_service.CRITERION_KEYS, 4),
                                   recommendation="minor_revision", comments_to_authors=comments[who])
        review_service.submit_review(people[who], assignment)
    login(people["editor"])
    editor_page = client.get(page_of(submission)).get_data(as_text=True)
    assert "Reviewer 3" in editor_page  # the editors keep their numbers
    client.post("/logout")
    letter = editorial.default_decision_letter(submission, editorial.DecisionKind.MINOR_REVISION)
    editorial.decide(people["editor"], submission, kind="minor_revision", letter=letter)
    [mail] = [m for m in outbox("mei@jdse.example.org") if m.template == "decision"]
    expected = [("Reviewer 1", comments["reviewer"]), ("Reviewer 2", comments["reviewer2"])]
    assert re.findall(r"(Reviewer \d+):\n([^\n]+)", mail.body_text) == expected
    assert "Reviewer 3" not in mail.body_text
    login(people["author"])
    page = client.get(f"/submissions/{submission.id}").get_data(as_text=True)
    assert reviews_on_page(page) == expected  # the page says what the letter says
    assert "Reviewer 3" not in page


def test_a_late_invitation_still_opens_until_the_last_reminder_after_its_date(client, paper, outbox):
    _journal, submission, people = paper
    submission.journal.reminder_days = {"respond_by": [-2, 2], "due": []}
    assignment, token = invitation_service.invite_reviewer(people["editor"], submission, user_id=people["reviewer"].id)
    assignment.respond_by = utcnow() - timedelta(days=1)  # the "+2 days" reminder is still to come
    db.session.commit()
    assert client.get(f"/review/invitations/{token}").status_code == 200
    assert client.post(f"/review/invitations/{token}/accept").status_code == 200
    db.session.expire_all()
    assert assignment.status is A.ACCEPTED
