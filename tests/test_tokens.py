"""Every kind of link that carries its own permission, used after it expired, altered, or used again:
a clear page, and nothing changes. What is pinned elsewhere is named here, so the matrix reads whole.

- e-mail confirmation: tampered and expired in tests/test_accounts.py; used twice here.
- password reset: expired and tampered (opened) in tests/test_accounts.py, used again in
  test_password_reset_by_mailed_link_works_once_and_ends_other_sessions; posted when expired or tampered here.
- review invitation: expired and cancelled in tests/test_invitations.py; tampered and answered twice here.
- co-author objection: tampered in tests/test_author_pages.py; used twice here.
- files/<token> downloads: expired (410) and tampered or signed with another key (404) in tests/test_downloads.py;
  a link may be used again within its lifetime (test_a_link_still_within_its_lifetime_works).
- proof approval (from the mail, logged in): a page that showed older proofs is refused in
  tests/test_production.py::test_the_author_approves_only_the_proofs_the_page_showed.
"""

import time

import itsdangerous.timed
from sqlalchemy import select

from journal.extensions import db
from journal.models import AssignmentStatus, ReviewAssignment, User
from journal.services import invitations as invitation_service
from tests.conftest import PASSWORD, link_in
from tests.test_accounts import register
from tests.test_author_pages import setting, submitted  # noqa: F401  (fixtures)
from tests.test_invitations import build_paper, paper  # noqa: F401  (fixtures)


def test_a_confirmation_link_used_twice_changes_nothing_the_second_time(client, outbox):
    register(client)
    link = link_in(outbox()[0].body_text)
    assert client.get(link).status_code == 302
    user = db.session.scalar(select(User))
    confirmed_at = user.email_verified_at
    assert confirmed_at is not None

    response = client.get(link, follow_redirects=True)
    assert response.status_code == 200
    assert f"{user.email} is confirmed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert user.email_verified_at == confirmed_at


def test_a_reset_link_expired_or_tampered_sets_no_password_when_the_form_is_sent(client, make_user, outbox,
                                                                                 monkeypatch):
    user = make_user()
    real_time = time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() - 2 * 3600)
    client.post("/password/forgot", data={"email": user.email})
    monkeypatch.setattr(itsdangerous.timed.time, "time", real_time)
    expired = link_in(outbox()[0].body_text)
    for link, message in ((expired, "This password reset link has expired"),
                          (expired[:-4] + "abcd", "This password reset link is not valid")):
        response = client.post(link, data={"password": "a brand new secret", "confirm": "a brand new secret"},
                               follow_redirects=True)
        assert message in response.get_data(as_text=True)
    assert client.post("/login", data={"email": user.email, "password": "a brand new secret"}).status_code == 200
    assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302


def test_a_tampered_invitation_link_is_not_found_and_an_answered_one_cannot_be_answered_again(
        client, paper, outbox):  # noqa: F811
    _journal, submission, people = paper
    assignment, token = invitation_service.invite_reviewer(people["editor"], submission, user_id=people["reviewer"].id)
    db.session.commit()

    tampered = client.get(f"/review/invitations/{token[:-4]}abcd")
    assert tampered.status_code == 404 and "This invitation link is not valid" in tampered.get_data(as_text=True)

    invitation_service.accept_invitation(token)
    db.session.expire_all()
    accepted_at = assignment.responded_at
    assert assignment.status is AssignmentStatus.ACCEPTED
    mails = len(outbox())

    again = client.post(f"/review/invitations/{token}/decline", data={"reason": "Too busy"})
    assert "You have answered this invitation already (accepted)" in again.get_data(as_text=True)
    db.session.expire_all()
    row = db.session.get(ReviewAssignment, assignment.id)
    assert row.status is AssignmentStatus.ACCEPTED
    assert row.responded_at == accepted_at
    assert len(outbox()) == mails


def test_an_objection_link_used_twice_tells_the_editors_once(client, setting, submitted, outbox):  # noqa: F811
    (mail,) = outbox("ada@example.org")
    link = link_in(mail.body_text)
    assert client.post(link, data={"reason": "I did not take part in this work."}).status_code == 302
    told = len(outbox())

    response = client.post(link, data={"reason": "Changed my mind about the wording."})
    assert response.status_code == 200 and "Thank you" in response.get_data(as_text=True)
    assert len(outbox()) == told
    page = client.get(link).get_data(as_text=True)
    assert "Changed my mind" not in page
