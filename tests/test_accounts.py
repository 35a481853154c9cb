"""Registration, email verification, login, password reset and profile, through the web forms."""

import time

import itsdangerous.timed
import pytest
from sqlalchemy import select

from journal.audit import history
from journal.extensions import db
from journal.models import User
from tests.conftest import PASSWORD, link_in

GOOD = {
    "given_name": "Mei", "family_name": "Chen", "email": "Mei.Chen@Example.ORG", "password": "lunar regolith 42",
    "confirm": "lunar regolith 42", "affiliation": "USTC", "country": "CN", "orcid": "",
}


def register(client, **changes):
    return client.post("/register", data={**GOOD, **changes})


def test_registration_creates_unverified_account_and_mails_a_confirmation_link(client, outbox):
    response = register(client, orcid="https://orcid.org/0000-0002-1825-0097")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "We sent a mail to mei.chen@example.org" in client.get("/login").get_data(as_text=True)
    user = db.session.scalar(select(User))
    assert user.email == "mei.chen@example.org"
    assert user.orcid == "0000-0002-1825-0097"
    assert user.password_hash.startswith("$argon2id$")
    assert not user.email_verified
    [mail] = outbox()
    assert mail.recipient == "mei.chen@example.org"
    assert "Confirm your email" in mail.subject
    # Registering does not log in (an address with an account must get the same answer); logging in does.
    assert client.post("/login", data={"email": GOOD["email"], "password": GOOD["password"]}).status_code == 302
    page = client.get("/account/profile").get_data(as_text=True)
    assert "Please confirm your email address" in page

    response = client.get(link_in(mail.body_text))
    assert response.status_code == 302
    db.session.expire_all()
    assert user.email_verified
    assert [e.action for e in history(user)] == ["user.registered", "user.logged_in", "user.email_verified"]
    assert "Please confirm your email address" not in client.get("/account/profile").get_data(as_text=True)


def answer_to_registering(app, email: str, **changes) -> tuple[int, str, str]:
    """What a new browser sees when it registers `email`: the status, where it is sent, that page's text
    with the address taken out."""
    browser = app.test_client()
    response = register(browser, email=email, **changes)
    page = browser.get(response.headers["Location"]).get_data(as_text=True) if response.status_code == 302 \
        else response.get_data(as_text=True)
    return response.status_code, response.headers.get("Location"), page.replace(email.lower(), "ADDRESS")


def test_registering_an_address_that_has_an_account_answers_as_for_a_new_one_and_mails_the_owner(app, make_user,
                                                                                                  outbox):
    owner = make_user("mei.chen@example.org", password=PASSWORD, affiliation="Institute of Space Science")
    for_new = answer_to_registering(app, "someone.new@example.org")
    for_existing = answer_to_registering(app, "MEI.CHEN@example.org", affiliation="Hefei Deep Space Lab")
    assert for_existing == for_new
    assert for_new[:2] == (302, "/login") and "We sent a mail to ADDRESS" in for_new[2]

    assert db.session.scalar(select(db.func.count()).select_from(User)) == 2  # no second account for Mei
    [mail] = outbox(owner.email)
    assert mail.template == "registration_attempt"
    assert "Someone tried to register" in mail.subject
    assert "http://journal.test/login" in mail.body_text and "http://journal.test/password/forgot" in mail.body_text
    db.session.expire_all()
    assert owner.affiliation == "Institute of Space Science"  # nothing typed into the form reached the account
    assert client_can_log_in(app, owner.email, PASSWORD)

    weak = {"password": "short", "confirm": "short"}
    assert answer_to_registering(app, "mei.chen@example.org", **weak) == \
        answer_to_registering(app, "another.new@example.org", **weak)


def client_can_log_in(app, email: str, password: str) -> bool:
    return app.test_client().post("/login", data={"email": email, "password": password}).status_code == 302


def test_registering_an_address_again_and_again_mails_its_owner_once(app, make_user, outbox):
    owner = make_user("mei.chen@example.org")
    for _ in range(5):
        register(app.test_client(), email=owner.email)
    assert len(outbox(owner.email)) == 1


def test_registering_an_address_with_an_account_takes_as_long_as_a_new_one(app, make_user):
    app.config["PASSWORD_HASH_FAST"] = False  # the real argon2 costs, whose time an attacker would measure
    make_user("mei.chen@example.org")
    timings = {"new": [], "existing": []}
    for n in range(5):
        for kind, email in (("new", f"new{n}@example.org"), ("existing", "mei.chen@example.org")):
            started = time.perf_counter()
            assert register(app.test_client(), email=email).status_code == 302
            timings[kind].append(time.perf_counter() - started)
    new, existing = (sorted(t)[2] for t in timings.values())
    assert 0.5 < existing / new < 2, timings


@pytest.mark.parametrize(("password", "message"), [
    ("short", "Use at least 10 characters"),
    ("password123", "too easy to guess"),
    ("aaaaaaaaaaaaa", "too easy to guess"),
    ("mei.chen@example.org!!", "must not contain your email"),
])
def test_weak_passwords_are_refused_with_a_reason(client, password, message):
    response = register(client, password=password, confirm=password)
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(User)) is None


def test_every_error_of_a_failed_registration_is_shown_at_once_beside_its_field(client):
    response = register(client, password="short", confirm="something else entirely", orcid="0000-0002-1825-0098")
    page = response.get_data(as_text=True)
    assert "Please check these 3 fields" in page
    assert "The two passwords differ." in page
    assert "Use at least 10 characters" in page
    assert "check digit does not match" in page
    assert 'value="0000-0002-1825-0098"' in page
    assert page.count('aria-invalid="true"') == 3
    assert db.session.scalar(select(User)) is None


def test_invalid_email_is_refused(client):
    page = register(client, email="not-an-address").get_data(as_text=True)
    assert "does not look like an email address" in page


def test_tampered_verification_link_says_so(client, outbox):
    register(client)
    link = link_in(outbox()[0].body_text)
    response = client.get(link[:-3] + "xyz")
    assert response.status_code == 400
    assert "This confirmation link is not valid" in response.get_data(as_text=True)


def test_expired_verification_link_says_so(client, outbox, monkeypatch):
    real_time = time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() - 3 * 24 * 3600)
    register(client)  # the token is stamped three days ago
    monkeypatch.setattr(itsdangerous.timed.time, "time", real_time)
    response = client.get(link_in(outbox()[0].body_text))
    assert response.status_code == 400
    assert "This confirmation link has expired" in response.get_data(as_text=True)


def test_resend_verification_queues_a_new_link(client, login, make_user, outbox):
    user = make_user(verified=False)
    login(user)
    client.post("/verify/resend")
    assert [m.template for m in outbox(user.email)] == ["verify_email"]


def test_login_is_case_insensitive_and_remember_me_sets_a_safe_cookie(client, make_user):
    user = make_user("ada@example.org")
    response = client.post("/login", data={"email": "ADA@Example.org", "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    remember = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in remember and "SameSite=Lax" in remember
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    db.session.expire_all()
    assert user.last_login_at is not None


def test_wrong_password_keeps_the_email_and_does_not_say_which_part_was_wrong(client, make_user):
    user = make_user("ada@example.org")
    page = client.post("/login", data={"email": "ada@example.org", "password": "wrong password!"}).get_data(as_text=True)
    assert "The email address or the password is not right." in page
    assert 'value="ada@example.org"' in page
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "x"}).get_data(as_text=True)
    assert "The email address or the password is not right." in unknown
    assert "user.login_failed" in [e.action for e in history(user)]


def test_deactivated_account_cannot_log_in(client, make_user):
    make_user("gone@example.org", active=False)
    page = client.post("/login", data={"email": "gone@example.org", "password": PASSWORD}).get_data(as_text=True)
    assert "deactivated" in page


def test_login_never_redirects_to_another_site(client, make_user):
    user = make_user()
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = client.post(f"/login?next={target}", data={"email": user.email, "password": PASSWORD})
        assert response.headers["Location"] == "/home"  # home, never the other site
        client.post("/logout")
    response = client.post("/login?next=/account/profile", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/account/profile"


def test_logout_needs_post_and_ends_the_session(client, login, make_user):
    login(make_user())
    assert client.get("/logout").status_code == 405
    client.post("/logout")
    assert client.get("/account/profile").status_code == 302


def test_password_reset_by_mailed_link_works_once_and_ends_other_sessions(app, client, make_user, outbox):
    user = make_user("ada@example.org")
    other_device = app.test_client()
    other_device.post("/login", data={"email": user.email, "password": PASSWORD})
    assert other_device.get("/account/profile").status_code == 200

    page = client.post("/password/forgot", data={"email": "Ada@example.org"}).get_data(as_text=True)
    assert "If an account uses" in page
    [mail] = outbox(user.email)
    link = link_in(mail.body_text)
    response = client.post(link, data={"password": "a brand new secret", "confirm": "a brand new secret"})
    assert response.status_code == 302

    assert other_device.get("/account/profile").status_code == 302  # logged out there
    client.post("/logout")
    page = client.post("/login", data={"email": user.email, "password": PASSWORD}).get_data(as_text=True)
    assert "not right" in page
    assert client.post("/login", data={"email": user.email, "password": "a brand new secret"}).status_code == 302
    assert "password_changed" in [m.template for m in outbox(user.email)]

    response = client.get(link, follow_redirects=True)
    assert "This password reset link has been used already" in response.get_data(as_text=True)


def test_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client, outbox):
    page = client.post("/password/forgot", data={"email": "nobody@example.org"}).get_data(as_text=True)
    assert "If an account uses nobody@example.org" in page
    assert outbox() == []


def test_expired_or_tampered_reset_link_leads_back_to_the_request_form(client, make_user, outbox, monkeypatch):
    user = make_user()
    real_time = time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real_time() - 2 * 3600)
    client.post("/password/forgot", data={"email": user.email})
    monkeypatch.setattr(itsdangerous.timed.time, "time", real_time)
    link = link_in(outbox()[0].body_text)
    page = client.get(link, follow_redirects=True).get_data(as_text=True)
    assert "This password reset link has expired" in page
    page = client.get("/password/reset/nonsense", follow_redirects=True).get_data(as_text=True)
    assert "This password reset link is not valid" in page


def test_profile_edit_saves_keywords_orcid_and_time_zone(client, login, make_user):
    user = make_user()
    login(user)
    response = client.post("/account/profile", data={
        "given_name": "Ada", "family_name": "Okafor", "email": user.email, "affiliation": "University of Lagos",
        "country": "NG", "orcid": "0000000218250097", "expertise_keywords": "Planetary geology; remote sensing, "
        "planetary GEOLOGY", "biography": "", "timezone": "Africa/Lagos"})
    assert response.status_code == 302
    db.session.expire_all()
    assert user.expertise_keywords == ["Planetary geology", "remote sensing"]
    assert user.orcid == "0000-0002-1825-0097"
    assert user.timezone == "Africa/Lagos"
    page = client.get("/account/profile").get_data(as_text=True)
    assert 'value="Planetary geology, remote sensing"' in page
    activity = client.get("/account/activity").get_data(as_text=True)
    assert "Profile updated" in activity and "expertise keywords" in activity


def test_profile_orcid_of_another_account_is_refused(client, login, make_user):
    make_user(orcid="0000-0002-1825-0097")
    user = make_user()
    login(user)
    page = client.post("/account/profile", data={
        "given_name": "Ada", "family_name": "X", "email": user.email, "country": "", "orcid": "0000-0002-1825-0097",
        "timezone": "UTC"}).get_data(as_text=True)
    assert "belongs to another account" in page


def test_changing_email_requires_confirming_the_new_address(client, login, make_user, outbox):
    user = make_user("old@example.org")
    login(user)
    client.post("/account/profile", data={"given_name": "Ada", "family_name": "X", "email": "New@Example.org",
                                          "country": "", "timezone": "UTC"})
    db.session.expire_all()
    assert user.email == "new@example.org" and not user.email_verified
    assert [m.template for m in outbox("new@example.org")] == ["verify_email"]


def test_change_password_checks_the_current_one(client, login, make_user):
    user = make_user()
    login(user)
    page = client.post("/account/password", data={"current_password": "wrong one", "password": "another good one",
                                                   "confirm": "another good one"}).get_data(as_text=True)
    assert "Your current password is not right." in page
    response = client.post("/account/password", data={"current_password": PASSWORD, "password": "another good one",
                                                      "confirm": "another good one"})
    assert response.status_code == 302
    assert client.get("/account/profile").status_code == 200  # this device stays logged in
