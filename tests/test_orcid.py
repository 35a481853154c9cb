"""ORCID through OpenID Connect (issue 18), end to end against a real OpenID Connect provider started on loopback
(oidc-provider-mock: its authorization form is posted as a person would, its token endpoint and keys are real):
signing in, signing up, linking and unlinking, a co-author authenticating from their mail, and every answer that
must be refused (a denied consent, a wrong state, a replayed code, an ID token issued to another client)."""

import threading
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
import werkzeug.serving
from sqlalchemy import select

from journal import create_app
from journal.extensions import db
from journal.models import AuditEvent, Contributor, ReviewMode, User, utcnow
from tests.conftest import link_in, make_config
from tests.fixtures.s3 import free_ports
from tests.papers import submit_paper

oidc_provider_mock = pytest.importorskip("oidc_provider_mock", reason="pip install oidc-provider-mock (make install-test)")

CLIENT_ID = "journal-test-client"
JOSIAH = "0000-0002-1825-0097"  # ORCID's own example iD (Josiah Carberry)
OTHER = "0000-0001-5109-3700"
THIRD = "0000-0003-1419-2405"
FOURTH = "0000-0002-1694-233X"
CALLBACK = "http://journal.test/orcid/callback"


@pytest.fixture(scope="module")
def provider():
    """The OpenID Connect provider, on a free loopback port; its issuer URL."""
    (port,) = free_ports(1)
    server = werkzeug.serving.make_server("127.0.0.1", port, oidc_provider_mock.app(require_nonce=True), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def app_config(app_config, provider):
    return type("Config", (app_config,), {"ORCID_CLIENT_ID": CLIENT_ID, "ORCID_CLIENT_SECRET": "test-secret",
                                          "ORCID_BASE_URL": provider})


def to_orcid(client, provider, url, data=None) -> str:
    """Press an ORCID button: the authorization URL at the provider the site sends the browser to."""
    response = client.post(url, data=data or {})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    location = response.headers["Location"]
    assert location.startswith(provider + "/oauth2/authorize?"), location
    query = parse_qs(urlsplit(location).query)
    assert query["client_id"] == [CLIENT_ID] and query["scope"] == ["openid"] and query["nonce"][0]
    return location


def at_orcid(location, sub: str | None) -> str:
    """The person at ORCID: signs in as `sub` and allows, or denies (None); the path ORCID sends them back to."""
    answer = requests.post(location, data={"sub": sub} if sub else {"action": "deny"}, allow_redirects=False,
                           timeout=10)
    assert answer.status_code == 302, answer.text[:500]
    back = answer.headers["Location"]
    assert back.startswith(CALLBACK + "?"), back
    return back.removeprefix("http://journal.test")


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def logged_in(client) -> bool:
    return client.get("/home").status_code == 200


def test_the_login_and_registration_pages_offer_orcid_and_let_their_forms_go_there(client, provider):
    login_page = client.get("/login")
    assert "Sign in with ORCID" in login_page.get_data(as_text=True)
    assert f"form-action 'self' {provider}" in login_page.headers["Content-Security-Policy"]
    assert "Sign up with ORCID" in client.get("/register").get_data(as_text=True)


def test_signing_in_with_orcid_reaches_the_account_the_id_was_linked_to(client, provider, make_user):
    user = make_user("josiah@example.org", given_name="Josiah", orcid=JOSIAH, orcid_authenticated_at=utcnow())
    back = at_orcid(to_orcid(client, provider, "/orcid/sign-in"), JOSIAH)
    response = client.get(back)
    assert response.status_code == 302 and response.headers["Location"].endswith("/home")
    page = client.get("/home", follow_redirects=True).get_data(as_text=True)
    assert "Welcome back, Josiah." in page
    [event] = [e for e in events("user.logged_in") if e.subject_id == user.id]
    assert event.payload["via"] == "orcid"


def test_an_id_only_typed_on_an_account_does_not_sign_in_to_it(client, provider, make_user):
    typed = make_user("typist@example.org", orcid=JOSIAH)  # anyone can type anyone's iD
    back = at_orcid(to_orcid(client, provider, "/orcid/sign-in"), JOSIAH)
    response = client.get(back)
    assert response.headers["Location"].endswith("/orcid/sign-up")
    assert not logged_in(client)
    assert not [e for e in events("user.logged_in") if e.subject_id == typed.id]


def test_signing_up_with_orcid_asks_for_the_address_orcid_does_not_give(client, provider, outbox):
    back = at_orcid(to_orcid(client, provider, "/orcid/sign-in"), OTHER)
    assert client.get(back).headers["Location"].endswith("/orcid/sign-up")
    form = client.get("/orcid/sign-up").get_data(as_text=True)
    assert f"https://orcid.org/{OTHER}" in form and 'name="email"' in form and 'value=""' in form
    refused = client.post("/orcid/sign-up", data={"given_name": "Laure", "family_name": "Haak", "email": ""})
    assert refused.status_code == 200 and "Please give your email address." in refused.get_data(as_text=True)
    done = client.post("/orcid/sign-up", data={"given_name": "Laure", "family_name": "Haak",
                                                "email": "Laure@Example.org", "country": ""})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    user = db.session.scalar(select(User).where(User.email == "laure@example.org"))
    assert user.orcid == OTHER and user.orcid_authenticated_at is not None and not user.email_verified
    assert [m.template for m in outbox("laure@example.org")] == ["verify_email"]
    assert {e.action for e in events("user.orcid_linked")} == {"user.orcid_linked"}
    # the form is spent; and the new account signs in with ORCID from now on, not with a password it has none of
    assert client.get("/orcid/sign-up").headers["Location"].endswith("/login")
    assert client.post("/login", data={"email": "laure@example.org", "password": ""}).status_code == 200
    client.get(at_orcid(to_orcid(client, provider, "/orcid/sign-in"), OTHER))
    assert logged_in(client)


def test_signing_up_with_an_address_that_has_an_account_tells_its_owner_and_links_nothing(client, provider, make_user,
                                                                                        outbox):
    owner = make_user("owner@example.org")
    client.get(at_orcid(to_orcid(client, provider, "/orcid/sign-in"), THIRD))
    done = client.post("/orcid/sign-up", data={"given_name": "Mallory", "family_name": "M", "email": "owner@example.org",
                                                "country": ""})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, owner.id).orcid is None
    assert db.session.scalar(select(User).where(User.orcid == THIRD)) is None
    assert [m.template for m in outbox("owner@example.org")] == ["registration_attempt"]


def test_linking_from_the_profile_authenticates_the_id_and_unlinking_removes_it(client, provider, login, make_user):
    typist = make_user("typist@example.org", orcid=JOSIAH)  # typed by someone else: the proof takes it from them
    user = make_user("josiah@example.org", given_name="Josiah")
    login(user)
    profile = client.get("/account/profile").get_data(as_text=True)
    assert "Connect your ORCID iD" in profile and 'class="orcid-id"' not in profile
    back = at_orcid(to_orcid(client, provider, "/account/orcid/link"), JOSIAH)
    assert client.get(back).headers["Location"].endswith("/account/profile")
    page = client.get("/account/profile").get_data(as_text=True)
    assert "Your ORCID iD is linked and authenticated." in page
    assert f'href="https://orcid.org/{JOSIAH}"' in page and 'class="orcid-icon"' in page
    assert "Unlink your ORCID iD" in page and 'name="orcid"' not in page  # no longer typed in the form
    db.session.expire_all()
    assert db.session.get(User, user.id).orcid_authenticated_at is not None
    assert db.session.get(User, typist.id).orcid is None
    assert [e.payload["orcid"] for e in events("user.orcid_linked")] == [JOSIAH]
    assert [e.subject_id for e in events("user.orcid_released")] == [typist.id]

    # saving the profile keeps the authenticated iD
    client.post("/account/profile", data={"given_name": "Josiah", "family_name": user.family_name,
                                          "email": user.email, "country": "", "timezone": "UTC", "language": ""})
    db.session.expire_all()
    assert db.session.get(User, user.id).orcid == JOSIAH

    response = client.post("/account/orcid/unlink", follow_redirects=True)
    assert f"The ORCID iD {JOSIAH} is no longer linked to your account." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).orcid is None
    assert [e.payload["orcid"] for e in events("user.orcid_unlinked")] == [JOSIAH]
    assert "Connect your ORCID iD" in client.get("/account/profile").get_data(as_text=True)


def test_an_id_proved_by_another_account_is_not_linked_again(client, provider, login, make_user):
    make_user("josiah@example.org", orcid=JOSIAH, orcid_authenticated_at=utcnow())
    user = make_user("second@example.org")
    login(user)
    client.get(at_orcid(to_orcid(client, provider, "/account/orcid/link"), JOSIAH))
    page = client.get("/account/profile").get_data(as_text=True)
    assert "This ORCID iD is linked to another account here." in page
    db.session.expire_all()
    assert db.session.get(User, user.id).orcid is None and not events("user.orcid_linked")


def test_a_denied_consent_changes_nothing(client, provider, login, make_user):
    back = at_orcid(to_orcid(client, provider, "/orcid/sign-in"), None)
    assert "error=access_denied" in back
    response = client.get(back, follow_redirects=True)
    assert "You did not allow this site to read your ORCID iD" in response.get_data(as_text=True)
    assert not logged_in(client)
    user = make_user("josiah@example.org")
    login(user)
    client.get(at_orcid(to_orcid(client, provider, "/account/orcid/link"), None))
    db.session.expire_all()
    assert db.session.get(User, user.id).orcid is None and not events("user.orcid_linked")


def test_a_wrong_state_is_refused(client, provider, make_user):
    make_user("josiah@example.org", orcid=JOSIAH, orcid_authenticated_at=utcnow())
    back = at_orcid(to_orcid(client, provider, "/orcid/sign-in"), JOSIAH)
    parts = urlsplit(back)
    query = parse_qs(parts.query)
    query["state"] = ["forged" + query["state"][0]]
    forged = client.get(urlunsplit(parts._replace(query=urlencode(query, doseq=True))))
    assert forged.status_code == 400 and "ORCID sign-in failed" in forged.get_data(as_text=True)
    assert not logged_in(client) and not events("user.logged_in")


def test_a_replayed_answer_and_a_replayed_code_are_refused(client, provider, make_user):
    make_user("josiah@example.org", orcid=JOSIAH, orcid_authenticated_at=utcnow())
    back = at_orcid(to_orcid(client, provider, "/orcid/sign-in"), JOSIAH)
    assert client.get(back).status_code == 302 and logged_in(client)
    client.post("/logout")
    # the same answer again: its state was used
    assert client.get(back).status_code == 400 and not logged_in(client)
    # the old code under a new trip's state: ORCID (the provider) does not honour a code twice
    fresh = to_orcid(client, provider, "/orcid/sign-in")
    state = parse_qs(urlsplit(fresh).query)["state"][0]
    code = parse_qs(urlsplit(back).query)["code"][0]
    replay = client.get("/orcid/callback?" + urlencode({"code": code, "state": state}))
    assert replay.status_code == 400 and not logged_in(client)
    assert len(events("user.logged_in")) == 1


def test_an_id_token_issued_to_another_client_is_refused(app, client, provider, make_user):
    """The provider's real ID token, signed with its key, for our nonce, but issued to another client: the site takes
    it from the token endpoint (as a provider that mixed up its clients would give it) and must refuse it."""
    make_user("josiah@example.org", orcid=JOSIAH, orcid_authenticated_at=utcnow())
    location = to_orcid(client, provider, "/orcid/sign-in")
    parts = urlsplit(location)
    query = parse_qs(parts.query)
    query["client_id"] = ["another-client"]
    back = at_orcid(urlunsplit(parts._replace(query=urlencode(query, doseq=True))), JOSIAH)
    code = parse_qs(urlsplit(back).query)["code"][0]
    tokens = requests.post(provider + "/oauth2/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
        "client_id": "another-client", "client_secret": "theirs"}, timeout=10).json()
    assert tokens["id_token"]
    orcid_client = app.extensions["journal.orcid"]
    orcid_client.fetch_access_token = lambda **kwargs: dict(tokens)
    refused = client.get(back)
    assert refused.status_code == 400
    assert not logged_in(client) and not events("user.logged_in")


def test_a_coauthor_authenticates_their_id_from_the_mail(client, provider, make_journal, make_user, outbox):
    journal = make_journal()
    author = make_user("author@example.org")
    submission = submit_paper(author, journal, coauthor={"given_name": "Josiah", "family_name": "Carberry",
                                                          "email": "josiah@example.org", "affiliation": "Brown"})
    [mail] = outbox("josiah@example.org")
    assert "authenticate it for this paper" in mail.body_text
    link = link_in(mail.body_text.split("authenticate it for this paper")[1])
    page = client.get(link).get_data(as_text=True)
    assert "Authenticate your ORCID iD" in page and submission.title in page
    client.get(at_orcid(to_orcid(client, provider, link), JOSIAH))
    done = client.get(link).get_data(as_text=True)
    assert f"https://orcid.org/{JOSIAH}" in done and 'class="orcid-icon"' in done
    db.session.expire_all()
    contributor = db.session.scalar(select(Contributor).where(Contributor.email == "josiah@example.org"))
    assert contributor.orcid == JOSIAH and contributor.orcid_authenticated_at is not None
    [event] = events("contributor.orcid_authenticated")
    assert JOSIAH not in str(event.payload)  # the paper's history names the author, not the iD
    assert client.get(link.replace("/orcid/", "/orcid/x")).status_code == 404


def test_reviewers_of_an_anonymous_journal_never_meet_the_authors_orcid_ids(client, login, provider, make_journal,
                                                                           make_user, outbox):
    from tests.test_anonymity import build, crawl_as

    journal, submission, people = build(make_journal, make_user, ReviewMode.DOUBLE_ANONYMOUS)
    people["author"].orcid, people["author"].orcid_authenticated_at = OTHER, utcnow()
    db.session.commit()
    mail = next(m for m in outbox() if m.template == "coauthor_listed")
    link = link_in(mail.body_text.split("authenticate it for this paper")[1])
    client.get(at_orcid(to_orcid(client, provider, link), FOURTH))
    assert db.session.scalar(select(Contributor.orcid_authenticated_at).where(Contributor.orcid == FOURTH))
    for key in ("reviewer", "other"):
        seen = crawl_as(client, login, people[key])
        assert any("/review/" in url for url in seen)
        for where, text in seen.items():
            assert FOURTH not in text and OTHER not in text, f"the {key} met an author's ORCID iD at {where}"


def test_without_orcid_settings_there_is_no_button_and_no_route(database_url, tmp_path):
    app = create_app(make_config(database_url, tmp_path / "storage"))
    plain = app.test_client()
    assert "ORCID" not in plain.get("/login").get_data(as_text=True)
    assert "ORCID" not in plain.get("/register").get_data(as_text=True).replace("ORCID iD", "")
    assert plain.post("/orcid/sign-in").status_code == 404
    assert plain.get("/orcid/callback?code=x&state=y").status_code == 404


def test_an_unreachable_orcid_is_said_so(database_url, tmp_path):
    (port,) = free_ports(1)  # nothing listens there
    app = create_app(make_config(database_url, tmp_path / "storage", ORCID_CLIENT_ID="id", ORCID_CLIENT_SECRET="secret",
                                 ORCID_BASE_URL=f"http://127.0.0.1:{port}"))
    response = app.test_client().post("/orcid/sign-in")
    assert response.status_code == 503 and "ORCID cannot be reached" in response.get_data(as_text=True)
