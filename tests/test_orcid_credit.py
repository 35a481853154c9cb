"""Review credit on ORCID (issue 18): a completed review as an ORCID API v3.0 peer-review record, checked against
ORCID's rules; offered as a JSON file, and, where the journal is an ORCID member and the reviewer agreed review by
review, added to their record by a job.

The sending is tested against a small fake of ORCID's member API started on loopback (ORCID's real API cannot be
run here): it takes the bearer token only when the real OpenID Connect provider (oidc-provider-mock, the one the
reviewer linked their iD through) says at its userinfo endpoint that the token is that iD's, as ORCID would."""

import json
import re
import threading
from copy import deepcopy
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import werkzeug.serving
from sqlalchemy import select
from werkzeug.wrappers import Request, Response

from journal.extensions import db
from journal.models import (AuditEvent, CreditStatus, OrcidReviewCredit, OrcidToken, PublishedReview,
                            PublishedReviewKind, ReviewMode, Role, utcnow)
from journal.scholarly import orcid_review
from journal.services import orcid_credit
from tests.fixtures.s3 import free_ports
from tests.published import make_article
from tests.test_latex_submission import run_jobs
from tests.test_review_credit import completed_review

oidc_provider_mock = pytest.importorskip("oidc_provider_mock", reason="pip install oidc-provider-mock (make install-test)")

ZOE = "0000-0002-1825-0097"
CALLBACK = "http://journal.test/orcid/callback"
ROR_ID = "https://ror.org/05gq02987"
ANONYMOUS_TITLE = "Secret regolith paper"


def serve(wsgi_app) -> tuple[str, werkzeug.serving.BaseWSGIServer, threading.Thread]:
    (port,) = free_ports(1)
    server = werkzeug.serving.make_server("127.0.0.1", port, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{port}", server, thread


@pytest.fixture(scope="module")
def provider():
    """The OpenID Connect provider, with this site registered as a client allowed to ask for /activities/update
    (as ORCID registers a member API client)."""
    url, server, thread = serve(oidc_provider_mock.app(require_nonce=True))
    client = requests.post(url + "/oauth2/clients", json={
        "redirect_uris": [CALLBACK], "token_endpoint_auth_method": "client_secret_post",
        "scope": "openid /activities/update"}, timeout=10).json()
    yield url, client["client_id"], client["client_secret"]
    server.shutdown()
    thread.join(timeout=5)


class FakeOrcidApi:
    """ORCID's member API for peer reviews, as far as this site uses it: POST /v3.0/{orcid}/peer-review."""

    def __init__(self, provider_url: str):
        self.provider_url = provider_url
        self.received: list[dict] = []
        self.answer = 201  # what the next requests get: 201, or an error status
        self.next_put_code = 7001

    def __call__(self, environ, start_response):
        request = Request(environ)
        parts = request.path.strip("/").split("/")
        if request.method != "POST" or len(parts) != 3 or parts[0] != "v3.0" or parts[2] != "peer-review":
            return Response("not found", 404)(environ, start_response)
        if self.answer != 201:
            return Response("unavailable", self.answer)(environ, start_response)
        if request.content_type != "application/vnd.orcid+json":
            return Response("unsupported media type", 415)(environ, start_response)
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        who = requests.get(self.provider_url + "/userinfo", headers={"Authorization": f"Bearer {bearer}"}, timeout=10)
        if who.status_code != 200 or who.json().get("sub") != parts[1]:
            return Response('{"error": "invalid_token"}', 401)(environ, start_response)
        self.received.append({"orcid": parts[1], "record": json.loads(request.get_data())})
        put_code, self.next_put_code = self.next_put_code, self.next_put_code + 1
        response = Response("", 201)
        response.headers["Location"] = f"http://{request.host}/v3.0/{parts[1]}/peer-review/{put_code}"
        return response(environ, start_response)


@pytest.fixture
def orcid_api(provider):
    fake = FakeOrcidApi(provider[0])
    url, server, thread = serve(fake)
    fake.url = url
    yield fake
    server.shutdown()
    thread.join(timeout=5)


BASE = {"ORCID_ORGANIZATION_CITY": "Geneva", "ORCID_ORGANIZATION_COUNTRY": "CH", "ORCID_ORGANIZATION_ID": ROR_ID,
        "ORCID_ORGANIZATION_ID_SOURCE": "ROR", "JOBS_RUN_IN_PROCESS": False}


@pytest.fixture
def app_config(app_config, provider):
    url, client_id, secret = provider
    return type("Config", (app_config,), {"ORCID_CLIENT_ID": client_id, "ORCID_CLIENT_SECRET": secret,
                                          "ORCID_BASE_URL": url, **BASE})


@pytest.fixture
def member(app, orcid_api):
    """The journal is an ORCID member: its member API is the fake."""
    app.config["ORCID_MEMBER_API_URL"] = orcid_api.url
    return orcid_api


@pytest.fixture
def reviews(make_journal, make_user):
    anonymous = make_journal("jdse", title="Journal of Deep Space Exploration", publisher="IDSEA",
                             review_mode=ReviewMode.DOUBLE_ANONYMOUS, issn_online="2049-3630")
    open_journal = make_journal("ores", title="Open Review in Space Science", publisher="IDSEA",
                                review_mode=ReviewMode.OPEN, issn_print="0317-8471", doi_prefix="10.59999")
    reviewer = make_user("zoe@example.org", given_name="Zoë", family_name="Łukasiewicz",
                         roles={anonymous: Role.REVIEWER, open_journal: Role.REVIEWER})
    author = make_user("mei@example.org", given_name="Mei", family_name="Chen")
    secret = completed_review(anonymous, reviewer, author, title=ANONYMOUS_TITLE,
                              on=datetime(2026, 2, 14, 10, tzinfo=UTC))
    return anonymous, open_journal, reviewer, author, secret


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def link_with_orcid(client, provider_url: str, orcid: str) -> None:
    """The reviewer connects their iD from the profile and allows this site to add to their record."""
    response = client.post("/account/orcid/link")
    location = response.headers["Location"]
    assert location.startswith(provider_url + "/oauth2/authorize?")
    assert parse_qs(urlsplit(location).query)["scope"] == ["openid /activities/update"]
    answer = requests.post(location, data={"sub": orcid}, allow_redirects=False, timeout=10)
    back = answer.headers["Location"]
    assert back.startswith(CALLBACK + "?")
    assert client.get(back.removeprefix("http://journal.test")).headers["Location"].endswith("/account/profile")


def download(client, assignment) -> dict:
    response = client.get(f"/account/reviews/{assignment.id}/orcid.json")
    assert response.status_code == 200, response.headers.get("Location")
    assert response.mimetype == "application/vnd.orcid+json"
    assert "attachment" in response.headers["Content-Disposition"]
    return json.loads(response.data)


def test_an_anonymous_review_s_record_names_journal_publisher_and_date_but_never_the_paper(client, login, reviews):
    anonymous, _open, reviewer, _author, secret = reviews
    login(reviewer)
    record = download(client, secret)
    assert orcid_review.check(record) == []
    assert record["reviewer-role"] == "reviewer" and record["review-type"] == "review"
    assert record["review-group-id"] == "issn:2049-3630"
    assert record["review-completion-date"] == {"year": {"value": "2026"}, "month": {"value": "02"},
                                                "day": {"value": "14"}}
    assert record["convening-organization"] == {
        "name": "IDSEA", "address": {"city": "Geneva", "country": "CH"},
        "disambiguated-organization": {"disambiguated-organization-identifier": ROR_ID,
                                       "disambiguation-source": "ROR"}}
    [review_id] = record["review-identifiers"]["external-id"]
    assert review_id["external-id-type"] == "source-work-id" and review_id["external-id-relationship"] == "self"
    assert re.fullmatch(r"jdse-review-[0-9a-f]{20}", review_id["external-id-value"])  # keyed: no review number
    assert record["review-url"] == {"value": "http://journal.test/j/jdse/"}
    assert not [key for key in record if key.startswith("subject")]
    text = json.dumps(record)
    assert ANONYMOUS_TITLE not in text and f"/submissions/{secret.submission_id}" not in text
    assert download(client, secret) == record  # the same review, the same identifier


def test_an_open_named_review_of_a_published_article_names_the_paper_and_the_review_s_doi(
        client, login, reviews, make_user):
    _anonymous, open_journal, reviewer, author, _secret = reviews
    article = make_article(open_journal, author, title="Open comet paper", doi="10.59999/ores.2026.0001")
    named = completed_review(open_journal, reviewer, author, title="unused", on=datetime(2026, 3, 9, tzinfo=UTC),
                             consent=True)
    named.submission = article.submission
    unnamed = completed_review(open_journal, reviewer, author, title="unused", on=datetime(2026, 3, 10, tzinfo=UTC))
    unnamed.submission = article.submission
    db.session.add(PublishedReview(article=article, round_number=1, position=1,
                                   kind=PublishedReviewKind.REFEREE_REPORT, label_number=1,
                                   reviewer_name="Zoë Łukasiewicz", body="Fine.", written_at=utcnow(),
                                   doi="10.59999/ores.2026.0001.r1.1", assignment_id=named.id))
    db.session.commit()
    login(reviewer)
    record = download(client, named)
    assert orcid_review.check(record) == []
    assert record["review-identifiers"]["external-id"] == [{
        "external-id-type": "doi", "external-id-value": "10.59999/ores.2026.0001.r1.1",
        "external-id-relationship": "self",
        "external-id-url": {"value": "https://doi.org/10.59999/ores.2026.0001.r1.1"}}]
    assert record["subject-external-identifier"]["external-id-value"] == "10.59999/ores.2026.0001"
    assert record["subject-name"] == {"title": {"value": "Open comet paper"}}
    assert record["subject-container-name"] == {"value": "Open Review in Space Science"}
    assert record["subject-type"] == "journal-article"
    assert record["review-group-id"] == "issn:0317-8471"
    # the same paper reviewed by someone who did not agree to be named: nothing of the paper
    other = download(client, unnamed)
    assert "Open comet paper" not in json.dumps(other) and "10.59999" not in json.dumps(other)


GOOD = {
    "reviewer-role": "reviewer", "review-type": "review", "review-group-id": "issn:2049-3630",
    "review-identifiers": {"external-id": [{"external-id-type": "source-work-id", "external-id-value": "x-1",
                                            "external-id-relationship": "self"}]},
    "review-completion-date": {"year": {"value": "2026"}, "month": {"value": "02"}, "day": {"value": "14"}},
    "convening-organization": {"name": "IDSEA", "address": {"city": "Geneva", "country": "CH"}},
}


def _set(path: str, value):
    record = deepcopy(GOOD)
    *parents, last = path.split("/")
    holder = record
    for key in parents:
        holder = holder[int(key)] if key.isdigit() else holder[key]
    last = int(last) if last.isdigit() else last
    if value is KeyError:
        del holder[last]
    else:
        holder[last] = value
    return record


@pytest.mark.parametrize(("record", "problem"), [
    (_set("reviewer-role", "referee"), "reviewer-role"),
    (_set("review-type", "report"), "review-type"),
    (_set("review-group-id", "issn:2049-3631"), "not a valid ISSN"),
    (_set("review-group-id", "2049-3630"), "not type:value"),
    (_set("review-completion-date/month", {"value": "13"}), "not a month"),
    (_set("review-completion-date/day", {"value": "31"}), "no such date"),
    (_set("review-completion-date/year", {"value": "2999"}), "in the future"),
    (_set("review-identifiers/external-id", []), "at least one"),
    (_set("review-identifiers/external-id/0/external-id-relationship", "part-of"), "relationship self"),
    (_set("review-identifiers/external-id/0/external-id-type", "isni-ish"), "external-id-type"),
    (_set("review-identifiers/external-id/0", {"external-id-type": "doi", "external-id-value": "doi:10.1/x",
                                               "external-id-relationship": "self"}), "is not a DOI"),
    (_set("convening-organization/address", {"country": "CH"}), "address.city"),
    (_set("convening-organization/address", {"city": "Geneva", "country": "XX"}), "ISO 3166"),
    (_set("convening-organization/disambiguated-organization", {
        "disambiguated-organization-identifier": "05gq02987", "disambiguation-source": "ROR"}), "not a ROR"),
    (_set("convening-organization/disambiguated-organization", {
        "disambiguated-organization-identifier": "1", "disambiguation-source": "WIKIDATA"}), "disambiguation-source"),
    (_set("review-url", {"value": "javascript:alert(1)"}), "not an http(s) URL"),
    (_set("subject-type", "journal-articles"), "subject-type"),
    (_set("reviewer-name", "Zoë"), "unknown fields"),
    (_set("convening-organization", KeyError), "convening-organization: required"),
])
def test_the_record_check_refuses_what_orcid_refuses(record, problem):
    assert orcid_review.check(GOOD, today=date(2026, 12, 1)) == []
    problems = orcid_review.check(record, today=date(2026, 12, 1))
    assert any(problem in p for p in problems), problems


def test_without_the_member_api_the_record_is_offered_and_the_page_says_how_orcid_takes_reviews(
        client, login, reviews):
    _anonymous, _open, reviewer, _author, secret = reviews
    login(reviewer)
    page = client.get("/account/reviews").get_data(as_text=True)
    assert "ORCID takes peer reviews only from its member organisations" in page
    assert f'href="/account/reviews/{secret.id}/orcid.json"' in page and "Add to my ORCID record" not in page
    response = client.post(f"/account/reviews/{secret.id}/orcid", follow_redirects=True)
    assert "This journal does not add reviews to ORCID records" in response.get_data(as_text=True)
    assert db.session.scalar(select(OrcidReviewCredit)) is None and not events("review.orcid_credit_agreed")


def test_a_journal_without_an_issn_or_a_publisher_address_prepares_no_record(app, client, login, reviews,
                                                                              make_journal):
    _anonymous, _open, reviewer, author, _secret = reviews
    journal = make_journal("noissn", title="Journal Without ISSN")
    review = completed_review(journal, reviewer, author, title="Plain paper", on=datetime(2026, 1, 5, tzinfo=UTC))
    login(reviewer)
    response = client.get(f"/account/reviews/{review.id}/orcid.json", follow_redirects=True)
    assert response.mimetype == "text/html"
    assert "cannot prepare records for ORCID yet: its ISSN or its publisher" in response.get_data(as_text=True)
    app.config["ORCID_ORGANIZATION_CITY"] = ""
    assert client.get(f"/account/reviews/{_secret.id}/orcid.json").status_code == 302


def test_only_the_reviewer_gets_the_record_or_agrees_for_a_review(client, login, reviews, make_user, member):
    _anonymous, _open, _reviewer, author, secret = reviews
    login(author)
    assert client.get(f"/account/reviews/{secret.id}/orcid.json").status_code == 404
    assert client.post(f"/account/reviews/{secret.id}/orcid").status_code == 404
    assert db.session.scalar(select(OrcidReviewCredit)) is None


def test_a_member_journal_adds_the_review_the_reviewer_agreed_to_to_their_orcid_record(
        client, login, reviews, provider, member):
    _anonymous, _open, reviewer, _author, secret = reviews
    login(reviewer)
    assert "Add to my ORCID record" not in client.get("/account/reviews").get_data(as_text=True)
    refused = client.post(f"/account/reviews/{secret.id}/orcid", follow_redirects=True).get_data(as_text=True)
    assert "First connect your ORCID iD from your profile" in refused

    link_with_orcid(client, provider[0], ZOE)
    token = db.session.scalar(select(OrcidToken))
    assert token.orcid == ZOE and "/activities/update" in token.scope
    [granted] = events("user.orcid_update_granted")
    assert token.sealed_token not in json.dumps(granted.payload)

    page = client.get("/account/reviews").get_data(as_text=True)
    assert "Add to my ORCID record" in page
    client.post(f"/account/reviews/{secret.id}/orcid")
    assert member.received == []  # queued: sent by the job, after the agreement was committed
    run_jobs()
    [sent] = member.received
    assert sent["orcid"] == ZOE and orcid_review.check(sent["record"]) == []
    assert ANONYMOUS_TITLE not in json.dumps(sent["record"])
    credit = db.session.scalar(select(OrcidReviewCredit))
    assert (credit.status, credit.put_code, credit.attempts) == (CreditStatus.SENT, "7001", 1)
    assert [e.payload["put_code"] for e in events("review.orcid_credit_sent")] == ["7001"]
    assert len(events("review.orcid_credit_agreed")) == 1
    assert "On your ORCID record" in client.get("/account/reviews").get_data(as_text=True)
    # sent: no longer withdrawn here, and not sent twice
    withdrawn = client.post(f"/account/reviews/{secret.id}/orcid", data={"action": "withdraw"},
                            follow_redirects=True).get_data(as_text=True)
    assert "remove it there if you wish" in withdrawn
    orcid_credit.send(credit.id)
    assert len(member.received) == 1


def test_an_agreement_withdrawn_before_the_job_ran_sends_nothing(client, login, reviews, provider, member):
    _anonymous, _open, reviewer, _author, secret = reviews
    login(reviewer)
    link_with_orcid(client, provider[0], ZOE)
    client.post(f"/account/reviews/{secret.id}/orcid")
    page = client.post(f"/account/reviews/{secret.id}/orcid", data={"action": "withdraw"},
                       follow_redirects=True).get_data(as_text=True)
    assert "This review will not be added to your ORCID record." in page
    run_jobs()
    assert member.received == [] and db.session.scalar(select(OrcidReviewCredit)) is None
    assert len(events("review.orcid_credit_withdrawn")) == 1


def test_an_unreachable_orcid_is_tried_again_and_a_refused_token_is_final(client, login, reviews, provider, member,
                                                                         make_user):
    _anonymous, _open, reviewer, _author, secret = reviews
    login(reviewer)
    link_with_orcid(client, provider[0], ZOE)
    db.session.expire_all()
    credit = orcid_credit.agree(reviewer, secret)
    member.answer = 503
    with pytest.raises(orcid_credit.OrcidUnavailable):
        orcid_credit.send(credit.id)
    db.session.expire_all()
    assert (credit.status, credit.attempts, credit.last_error) == (CreditStatus.AGREED, 1, "ORCID answered 503")
    assert "ORCID could not be reached; trying again." in client.get("/account/reviews").get_data(as_text=True)
    member.answer = 201
    orcid_credit.send(credit.id)
    db.session.expire_all()
    assert (credit.status, credit.attempts, len(member.received)) == (CreditStatus.SENT, 2, 1)

    # a token ORCID does not take (revoked there, or another iD's): failed, said on the page, not retried
    second = completed_review(secret.submission.journal, reviewer, _author, title="Another",
                              on=datetime(2026, 3, 1, tzinfo=UTC))
    token = db.session.scalar(select(OrcidToken))
    from journal.orcid import seal
    token.sealed_token = seal("not-a-token-orcid-gave")
    db.session.commit()
    refused = orcid_credit.agree(reviewer, second)
    orcid_credit.send(refused.id)
    db.session.expire_all()
    assert refused.status is CreditStatus.FAILED and "401" in refused.last_error
    assert len(member.received) == 1 and len(events("review.orcid_credit_failed")) == 1
    assert "ORCID refused it." in client.get("/account/reviews").get_data(as_text=True)


def test_an_id_linked_before_the_journal_wrote_to_orcid_can_allow_it_from_the_profile(client, login, reviews,
                                                                                      provider, member):
    _anonymous, _open, reviewer, _author, _secret = reviews
    reviewer.orcid, reviewer.orcid_authenticated_at = ZOE, utcnow()  # linked when only the iD was asked for
    db.session.commit()
    login(reviewer)
    profile = client.get("/account/profile").get_data(as_text=True)
    assert "Allow adding reviews to your ORCID record" in profile
    link_with_orcid(client, provider[0], ZOE)  # the same button: a trip to ORCID asking for /activities/update
    profile = client.get("/account/profile").get_data(as_text=True)
    assert "This ORCID iD was linked to your account already." in profile
    assert "Allow adding reviews to your ORCID record" not in profile
    assert "This site may add to your ORCID record the reviews you choose" in profile
    assert db.session.scalar(select(OrcidToken.orcid)) == ZOE


def test_signing_up_with_orcid_keeps_the_permission_sealed_across_the_form(client, provider, member):
    response = client.post("/orcid/sign-in")
    location = response.headers["Location"]
    assert parse_qs(urlsplit(location).query)["scope"] == ["openid /activities/update"]
    back = requests.post(location, data={"sub": ZOE}, allow_redirects=False, timeout=10).headers["Location"]
    assert client.get(back.removeprefix("http://journal.test")).headers["Location"].endswith("/orcid/sign-up")
    with client.session_transaction() as session:
        sealed, scope, _expires = session["orcid_sign_up"]["grant"]
    assert "/activities/update" in scope and len(sealed) > 40  # the cookie carries it encrypted, never in clear
    client.post("/orcid/sign-up", data={"given_name": "Zoë", "family_name": "Ł", "email": "zoe.new@example.org",
                                        "country": ""})
    token = db.session.scalar(select(OrcidToken))
    assert token.orcid == ZOE and token.user.email == "zoe.new@example.org"
    from journal.orcid import unseal
    assert unseal(token.sealed_token) and unseal(token.sealed_token) not in token.sealed_token
