"""Sign-ins on the server: a session or remember-me cookie stops working once its sign-in has ended, whether by
logout, "sign out everywhere", another device's password change, a password reset or deactivation."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from journal.audit import history
from journal.extensions import db
from journal.models import SignIn, utcnow
from journal.services.admin import set_user_flags
from journal.services.sign_ins import describe_device
from tests.conftest import PASSWORD, link_in

FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/18.1 Mobile/15E148 Safari/604.1")


def device(app, user, agent: str = FIREFOX, *, remember: bool = True):
    """A browser that has logged in as `user` (with "keep me logged in" by default)."""
    browser = app.test_client()
    browser.environ_base["HTTP_USER_AGENT"] = agent
    response = browser.post("/login", data={"email": user.email, "password": PASSWORD,
                                            "remember": "y" if remember else ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    return browser


def captured(browser) -> dict[str, str]:
    """The session and remember-me cookies as someone copying them off the device would have them."""
    return {name: browser.get_cookie(name).value for name in ("session", "remember_token")}


def works(app, cookies: dict[str, str]) -> dict[str, bool]:
    """For each captured cookie alone, in a browser of its own: does it open the account's profile?"""
    answers = {}
    for name, value in cookies.items():
        thief = app.test_client()
        thief.environ_base["HTTP_USER_AGENT"] = FIREFOX
        thief.set_cookie(name, value)
        answers[name] = thief.get("/account/profile").status_code == 200
    return answers


BOTH_WORK = {"session": True, "remember_token": True}
NEITHER_WORKS = {"session": False, "remember_token": False}


def test_cookies_captured_before_logout_no_longer_work_after_it(app, make_user):
    user = make_user()
    laptop = device(app, user)
    cookies = captured(laptop)
    assert works(app, cookies) == BOTH_WORK
    laptop.post("/logout")
    assert works(app, cookies) == NEITHER_WORKS
    assert laptop.get("/account/profile").status_code == 302
    [ended] = [e for e in history(user) if e.action == "user.signed_out"]
    assert ended.payload["reason"] == "logged out" and ended.payload["device"] == "Firefox on Linux"


def test_sessions_page_lists_both_devices_and_marks_this_one(app, make_user):
    user = make_user()
    laptop, phone = device(app, user), device(app, user, IPHONE)
    page = laptop.get("/account/sessions").get_data(as_text=True)
    assert "Firefox on Linux" in page and "Safari on iPhone" in page
    assert page.count("This device") == 1
    [this_row] = [row for row in page.split("<tr>") if "This device" in row]
    assert "Firefox on Linux" in this_row and "Safari on iPhone" not in this_row
    assert "Sessions" in laptop.get("/account/profile").get_data(as_text=True)  # reachable from the account tabs

    phone_sign_in = db.session.scalar(select(SignIn).where(SignIn.device == "Safari on iPhone"))
    response = laptop.post(f"/account/sessions/{phone_sign_in.id}/end", follow_redirects=True)
    assert "Safari on iPhone is signed out." in response.get_data(as_text=True)
    assert phone.get("/account/profile").status_code == 302
    assert laptop.get("/account/profile").status_code == 200
    assert "Safari on iPhone" not in laptop.get("/account/sessions").get_data(as_text=True)


def test_nobody_ends_another_persons_sign_in(app, make_user):
    owner, stranger = make_user(), make_user()
    owners_laptop = device(app, owner)
    sign_in = db.session.scalar(select(SignIn).where(SignIn.user_id == owner.id))
    response = device(app, stranger).post(f"/account/sessions/{sign_in.id}/end", follow_redirects=True)
    assert "That device is signed out already." in response.get_data(as_text=True)
    assert owners_laptop.get("/account/profile").status_code == 200
    assert app.test_client().post(f"/account/sessions/{sign_in.id}/end").status_code == 302  # to the login page


def test_sign_out_everywhere_else_keeps_this_device_and_everywhere_ends_it_too(app, make_user):
    user = make_user()
    laptop, phone = device(app, user), device(app, user, IPHONE)
    phone_cookies, laptop_cookies = captured(phone), captured(laptop)
    response = laptop.post("/account/sessions/end-others", follow_redirects=True)
    assert "Signed out on 1 other device; this one stays logged in." in response.get_data(as_text=True)
    assert works(app, phone_cookies) == NEITHER_WORKS
    assert works(app, laptop_cookies) == BOTH_WORK

    response = laptop.post("/account/sessions/end-all", follow_redirects=True)
    assert "You are logged out everywhere" in response.get_data(as_text=True)
    assert works(app, laptop_cookies) == NEITHER_WORKS
    assert laptop.get("/account/profile").status_code == 302


def test_a_password_change_ends_the_other_devices_and_keeps_the_one_it_was_made_on(app, make_user):
    user = make_user()
    laptop, phone = device(app, user), device(app, user, IPHONE)
    phone_cookies = captured(phone)
    response = laptop.post("/account/password", data={"current_password": PASSWORD, "password": "a brand new secret",
                                                       "confirm": "a brand new secret"})
    assert response.status_code == 302
    assert laptop.get("/account/profile").status_code == 200
    assert works(app, captured(laptop)) == BOTH_WORK  # the changing device's own cookies carry on
    assert works(app, phone_cookies) == NEITHER_WORKS
    assert phone.get("/account/profile").status_code == 302
    reasons = [e.payload["reason"] for e in history(user) if e.action == "user.signed_out"]
    assert reasons == ["password changed"]


def test_a_password_reset_ends_every_sign_in(app, make_user, outbox):
    user = make_user()
    laptop, phone = device(app, user), device(app, user, IPHONE)
    cookies = [captured(laptop), captured(phone)]
    stranger = app.test_client()  # whoever opens the mailed link
    stranger.post("/password/forgot", data={"email": user.email})
    response = stranger.post(link_in(outbox(user.email)[-1].body_text),
                             data={"password": "a brand new secret", "confirm": "a brand new secret"})
    assert response.status_code == 302
    for device_cookies in cookies:
        assert works(app, device_cookies) == NEITHER_WORKS
    assert stranger.get("/account/profile").status_code == 200  # the device that set the password is logged in
    assert len(db.session.scalars(select(SignIn).where(SignIn.user_id == user.id,
                                                       SignIn.ended_at.is_(None))).all()) == 1


def test_a_deactivated_account_is_locked_out_of_every_sign_in(app, make_user):
    admin, user = make_user(admin=True), make_user()
    cookies = captured(device(app, user))
    set_user_flags(admin, user, active=False)
    assert works(app, cookies) == NEITHER_WORKS
    set_user_flags(admin, user, active=True)
    assert works(app, cookies) == NEITHER_WORKS  # reactivating does not bring old sessions back


def test_last_seen_is_written_every_few_minutes_not_on_every_request(app, make_user):
    user = make_user()
    laptop = device(app, user)
    sign_in = db.session.scalar(select(SignIn).where(SignIn.user_id == user.id))
    first_seen = sign_in.last_seen_at
    laptop.get("/account/profile")
    db.session.expire_all()
    assert sign_in.last_seen_at == first_seen
    sign_in.last_seen_at = first_seen - timedelta(minutes=6)
    db.session.commit()
    laptop.get("/account/profile")
    db.session.expire_all()
    assert sign_in.last_seen_at > first_seen


def test_a_sign_in_unused_for_the_remember_me_lifetime_has_ended(app, make_user):
    user = make_user()
    laptop = device(app, user)
    sign_in = db.session.scalar(select(SignIn).where(SignIn.user_id == user.id))
    sign_in.last_seen_at = utcnow() - timedelta(days=app.config["REMEMBER_COOKIE_DAYS"], minutes=1)
    db.session.commit()
    assert laptop.get("/account/profile").status_code == 302


def test_sign_ins_ended_long_ago_are_deleted_at_the_next_login_and_their_ending_stays_in_the_history(app, make_user):
    user, other = make_user(), make_user()
    for person in (user, user, user, other):
        device(app, person).post("/logout")
    idle_phone = device(app, user, IPHONE)  # never logged out: ends by going idle
    rows = db.session.scalars(select(SignIn).where(SignIn.user_id == user.id).order_by(SignIn.id)).all()
    old_logout, recent_logout, _kept, phone = rows
    long_ago = utcnow() - timedelta(days=31)
    old_logout.ended_at = long_ago
    db.session.scalar(select(SignIn).where(SignIn.user_id == other.id)).ended_at = long_ago
    phone.last_seen_at = long_ago - timedelta(days=app.config["REMEMBER_COOKIE_DAYS"])
    recent_logout.ended_at = utcnow() - timedelta(days=29)
    db.session.commit()
    assert idle_phone.get("/account/profile").status_code == 302

    device(app, user)
    db.session.expire_all()
    left = db.session.scalars(select(SignIn).where(SignIn.user_id == user.id)).all()
    age = {(s.device, (utcnow() - s.ended_at).days if s.ended_at else None) for s in left}
    # Gone: the logout of 31 days ago and the phone idle for longer; kept: the logout of 29 days ago (within
    # KEEP_ENDED), today's logout and the new sign-in. (Ids are not compared: SQLite reuses a deleted row's id.)
    assert sorted(age, key=str) == sorted({("Firefox on Linux", 29), ("Firefox on Linux", 0),
                                           ("Firefox on Linux", None)}, key=str)
    assert db.session.scalar(select(SignIn).where(SignIn.user_id == other.id)) is not None  # not theirs to purge
    assert len([e for e in history(user) if e.action == "user.signed_out"]) == 3


@pytest.mark.parametrize(("agent", "words"), [
    (FIREFOX, "Firefox on Linux"),
    (IPHONE, "Safari on iPhone"),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
     "Safari/537.36 Edg/131.0.0.0", "Edge on Windows"),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
     "Safari/537.36", "Chrome on macOS"),
    ("curl/8.5.0", "A program (curl)"),
    ("", "An unknown browser"),
])
def test_devices_are_named_in_words(agent, words):
    assert describe_device(agent) == words
