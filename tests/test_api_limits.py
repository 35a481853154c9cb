"""The API's rate limit per personal access token, with its headers (journal/web/api/auth.py)."""

import pytest

from tests.test_api import PROBLEM, bearer, token_for


@pytest.fixture
def app_config(app_config):
    return type("Limited", (app_config,), {"RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "3 per minute"})


def test_rate_limit_per_token_with_its_headers(client, make_user):
    from journal.extensions import limiter

    limiter.reset()
    one, two = bearer(token_for(make_user())), bearer(token_for(make_user()))
    answers = [client.get("/api/v1/me", headers=one) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["X-RateLimit-Limit"] == "3" and answers[1].headers["X-RateLimit-Remaining"] == "1"
    assert answers[3].content_type == PROBLEM and int(answers[3].headers["Retry-After"]) >= 1
    assert client.get("/api/v1/me", headers=two).status_code == 200  # each token counts on its own
