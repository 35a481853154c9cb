"""The JSON API (issue 18): public reads with keyset pages, ETags and the page cache; personal access tokens made,
scoped, expired and revoked from the profile; what each persona's token reads; problem details for every error;
the rate limit per token; writes in the audit trail. The schema itself: tests/test_api_schema.py."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from journal.extensions import db
from journal.search import reindex_all
from journal.models import ApiToken, AuditEvent, Role, SubmissionStatus, utcnow
from journal.services import api_tokens
from tests.papers import submit_paper
from tests.published import make_article, make_issue

PROBLEM = "application/problem+json"


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def token_for(user, scope="read", days=30) -> str:
    return api_tokens.create_token(user, name=f"{scope} token", scope=scope, days=days)[1]


@pytest.fixture
def published(make_journal, make_user):
    journal = make_journal("jdse", title="Journal of Deep Space Exploration", doi_prefix="10.9999")
    author = make_user(given_name="Mei", family_name="Chen")
    issue = make_issue(journal)
    articles = [make_article(journal, author, issue=issue, title=f"Regolith paper {n}") for n in range(3)]
    return journal, issue, articles


def test_public_reads_need_no_token_and_page_by_keyset(client, published):
    journal, issue, articles = published
    listed = client.get("/api/v1/journals").get_json()
    assert [j["slug"] for j in listed["items"]] == ["jdse"] and listed["next"] is None

    first = client.get("/api/v1/journals/jdse/articles?limit=2")
    assert first.status_code == 200 and first.content_type == "application/json"
    body = first.get_json()
    assert [a["id"] for a in body["items"]] == [a.id for a in articles[:2]]
    assert first.headers["Link"] == f'<{body["next"]}>; rel="next"'
    rest = client.get(body["next"].replace("http://localhost", "")).get_json()
    assert [a["id"] for a in rest["items"]] == [articles[2].id] and rest["next"] is None

    one = client.get(f"/api/v1/journals/jdse/articles/{articles[0].id}").get_json()
    assert one["title"] == "Regolith paper 0" and one["doi"] and one["licence"] == "CC-BY-4.0"
    assert one["authors"][0] == {"given_name": "Mei", "family_name": "Chen", "orcid": "0000-0002-1825-0097",
                                 "orcid_url": "https://orcid.org/0000-0002-1825-0097",
                                 "affiliation": "Tohoku University", "country": "JP", "corresponding": True}
    assert "email" not in one["authors"][0]
    assert one["versions"][0]["number"] == 1 and one["counts"] == {"views": 0, "downloads": 0}
    assert one["issue"]["id"] == issue.id

    issues = client.get("/api/v1/journals/jdse/issues").get_json()
    assert issues["items"][0]["articles"] == 3


def test_unpublished_articles_are_not_found(client, make_journal, make_user):
    from journal.models import ArticleStatus

    journal = make_journal("jx")
    article = make_article(journal, make_user(), status=ArticleStatus.IN_PRODUCTION)
    answer = client.get(f"/api/v1/journals/jx/articles/{article.id}")
    assert answer.status_code == 404 and answer.content_type == PROBLEM
    assert client.get("/api/v1/journals/jx/articles").get_json()["items"] == []


def test_etags_answer_304_and_change_with_the_article(client, published):
    journal, _issue, articles = published
    url = f"/api/v1/journals/jdse/articles/{articles[0].id}"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert "public" in first.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    articles[0].retraction_notice = "Retracted for a data error."
    db.session.commit()
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_search(client, published):
    reindex_all()
    db.session.commit()
    found = client.get("/api/v1/search?q=regolith").get_json()
    assert found["total"] == 3 and {h["title"] for h in found["items"]} == {f"Regolith paper {n}" for n in range(3)}
    assert client.get("/api/v1/search?q=regolith&journal=nowhere").status_code == 404
    missing = client.get("/api/v1/search")
    assert missing.status_code == 422 and missing.content_type == PROBLEM
    assert "q" in missing.get_json()["errors"]["query"]


@pytest.mark.parametrize("url, method, code", [
    ("/api/v1/nowhere", "GET", 404), ("/api/v1/journals", "POST", 405), ("/api/v1/me", "GET", 401),
    ("/api/v1/journals?limit=0", "GET", 422),
])
def test_every_error_is_a_problem(client, url, method, code):
    answer = client.open(url, method=method)
    assert answer.status_code == code and answer.content_type == PROBLEM
    problem = answer.get_json()
    assert problem["status"] == code and problem["title"] and problem["instance"] == url.split("?")[0]
    if code == 401:
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_problem_titles_are_in_the_readers_language(client):
    answer = client.get("/api/v1/nowhere", headers={"Accept-Language": "fr"})
    assert answer.get_json()["title"] == "Page introuvable"


def test_the_openapi_document_and_its_page(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"] == "3.1.0"
    assert "/api/v1/journals/{slug}/articles/{article_id}" in spec["paths"]
    page = client.get("/api/v1/docs")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "GET /api/v1/me/submissions" in text
    assert "cdn" not in text.lower() and "<script" not in text
    assert len(page.data) < 100_000


# --- tokens --------------------------------------------------------------------------------------------------------

def test_a_token_is_made_shown_once_stored_hashed_and_revoked_from_the_profile(client, login, make_user):
    user = make_user()
    login(user)
    page = client.post("/account/tokens", data={"name": "Zotero", "scope": "read", "days": "30"})
    text = page.get_data(as_text=True)
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    secret = text.split('<code class="token-secret">')[1].split("<")[0]
    assert secret.startswith("jnl_") and token.token_hash == api_tokens.digest(secret) and secret not in token.prefix
    assert client.get("/account/tokens").get_data(as_text=True).count(secret) == 0  # shown once
    client.post("/logout")
    assert client.get("/api/v1/me", headers=bearer(secret)).get_json()["id"] == user.id
    login(user)
    client.post(f"/account/tokens/{token.id}/revoke")
    client.post("/logout")
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == user.id)).all()
    assert "api_token.created" in actions and "api_token.revoked" in actions


def test_an_expired_token_or_a_deactivated_owner_is_refused(client, make_user):
    user = make_user()
    secret = token_for(user)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer("jnl_made_up")).status_code == 401


def test_a_session_cookie_is_not_a_token(client, login, make_user):
    login(make_user())
    assert client.get("/api/v1/me").status_code == 401


def test_personas_read_what_their_rules_let_them(client, make_journal, make_user):
    journal = make_journal("jq")
    author = make_user(given_name="Aiko", family_name="Author")
    editor = make_user(given_name="Maria", family_name="Manager", roles={journal: Role.MANAGING_EDITOR})
    stranger = make_user(given_name="Sam", family_name="Stranger")
    paper = submit_paper(author, journal)
    mine = client.get("/api/v1/me/submissions", headers=bearer(token_for(author))).get_json()
    assert [s["id"] for s in mine["items"]] == [paper.id] and mine["items"][0]["status"] == "submitted"
    state = client.get(f"/api/v1/submissions/{paper.id}", headers=bearer(token_for(editor))).get_json()
    assert state["status"] == "submitted" and state["authors"][0]["family_name"] == "Author"
    queue = client.get("/api/v1/journals/jq/queue", headers=bearer(token_for(editor))).get_json()
    assert [r["id"] for r in queue["items"]] == [paper.id]
    other = bearer(token_for(stranger))
    assert client.get(f"/api/v1/submissions/{paper.id}", headers=other).status_code == 404
    assert client.get("/api/v1/journals/jq/queue", headers=other).status_code == 403
    assert client.get("/api/v1/me/submissions", headers=other).get_json()["items"] == []
    # Private answers: never stored by a cache.
    answer = client.get("/api/v1/me/submissions", headers=other)
    assert "no-store" in answer.headers["Cache-Control"] and "Authorization" in answer.headers["Vary"]


def test_writes_need_a_write_token_and_are_audited(client, make_journal, make_user):
    journal = make_journal("jw")
    author = make_user()
    paper = submit_paper(author, journal)
    paper.status = SubmissionStatus.REVISION_REQUESTED
    db.session.commit()
    url = f"/api/v1/submissions/{paper.id}/response-draft"
    refused = client.put(url, json={"response": "Thank you."}, headers=bearer(token_for(author, "read")))
    assert refused.status_code == 403 and refused.content_type == PROBLEM
    done = client.put(url, json={"response": "Thank you."}, headers=bearer(token_for(author, "write")))
    assert done.status_code == 204
    db.session.expire_all()
    assert db.session.get(type(paper), paper.id).response_draft == "Thank you."
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "submission.response_draft_saved"))
    stranger = client.put(url, json={"response": "x"}, headers=bearer(token_for(make_user(), "write")))
    assert stranger.status_code == 404


# --- anonymity: the API never gives a reviewer the authors' names, nor an author the reviewers' ---------------------

@pytest.mark.parametrize("mode", ["double_anonymous", "triple_anonymous"])
def test_the_api_keeps_the_review_modes_anonymity(client, make_journal, make_user, outbox, mode):
    from journal.models import ReviewMode
    from tests.test_anonymity import AUTHOR, COAUTHOR, OTHER_REVIEWER, REVIEWER, assert_absent, build, identity

    journal, submission, people = build(make_journal, make_user, ReviewMode(mode))
    spec = client.get("/api/v1/openapi.json").get_json()
    urls = [path.replace("{slug}", journal.slug).replace("{submission_id}", str(submission.id))
            for path, item in spec["paths"].items() if "get" in item and "{" not in
            path.replace("{slug}", "").replace("{submission_id}", "")]
    author_names = identity(AUTHOR) + identity(COAUTHOR)
    reviewer_names = identity(REVIEWER) + identity(OTHER_REVIEWER)
    for who, secrets in (("reviewer", author_names), ("author", reviewer_names)):
        headers = bearer(token_for(people[who]))
        texts = {url: client.get(url, headers=headers).get_data(as_text=True) for url in urls}
        assert any(str(submission.id) in text for text in texts.values()), f"the {who} reads nothing of the paper"
        assert_absent(texts, secrets, f"the {who}'s API token")


# --- published peer review in the article's shape --------------------------------------------------------------------

def test_the_published_peer_review_is_in_the_article_naming_only_reviewers_who_chose_it(client, published,
                                                                                      make_user):
    from datetime import UTC, datetime

    from journal.models import PublishedReview, PublishedReviewKind, Recommendation

    journal, _issue, articles = published
    article = articles[0]
    anonymous, named = make_user(given_name="Hidden", family_name="Referee"), make_user(given_name="Nora",
                                                                                       family_name="Named")
    when = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
    kinds = PublishedReviewKind
    db.session.add_all([
        PublishedReview(article=article, round_number=1, position=1, kind=kinds.REFEREE_REPORT, label_number=1,
                        recommendation=Recommendation.MINOR_REVISION.value, body="The heat-flow model is sound.",
                        written_at=when, doi=f"{article.doi}.r1.1"),
        PublishedReview(article=article, round_number=1, position=2, kind=kinds.REFEREE_REPORT, label_number=2,
                        reviewer_name="Nora Named", reviewer_orcid="0000-0001-5109-3700",
                        recommendation=Recommendation.ACCEPT.value, body="Clear and careful.", written_at=when,
                        doi=f"{article.doi}.r1.2"),
        PublishedReview(article=article, round_number=1, position=3, kind=kinds.DECISION_LETTER,
                        body="Please revise section 3.", written_at=when, doi=f"{article.doi}.r1.3"),
    ])
    db.session.commit()

    body = client.get(f"/api/v1/journals/jdse/articles/{article.id}").get_json()
    reviews = body["peer_review"]
    assert [(r["kind"], r["round"], r["label"]) for r in reviews] == [
        ("referee_report", 1, "Reviewer 1"), ("referee_report", 1, "Reviewer 2"), ("decision_letter", 1,
                                                                                   "Decision letter")]
    assert reviews[0]["reviewer"] is None and reviews[0]["recommendation"] == "minor_revision"
    assert reviews[1]["reviewer"] == {"name": "Nora Named", "orcid": "0000-0001-5109-3700",
                                      "orcid_url": "https://orcid.org/0000-0001-5109-3700"}
    assert reviews[2]["reviewer"] is None and reviews[2]["recommendation"] is None
    assert reviews[0]["doi"] == f"{article.doi}.r1.1" and reviews[0]["doi_url"].startswith("https://doi.org/")
    assert reviews[0]["body"] == "The heat-flow model is sound." and reviews[0]["written_at"].startswith("2026-02-01")
    text = client.get("/api/v1/journals/jdse/articles?limit=100").get_data(as_text=True)
    for secret in ("Hidden", "Referee", anonymous.email, named.email):  # never any other reviewer data
        assert secret not in text
    assert client.get(f"/api/v1/journals/jdse/articles/{articles[1].id}").get_json()["peer_review"] == []
