"""Login, registration and reset forms are rate-limited per client address."""

import pytest
import redis

from tests.conftest import PASSWORD


@pytest.fixture
def app_config(app_config):
    return type("Limited", (app_config,), {"RATELIMIT_ENABLED": True, "AUTH_RATE_LIMIT": "3 per minute"})


def test_repeated_failed_logins_are_slowed_down_with_a_clear_page(client, make_user):
    user = make_user()
    for _ in range(3):
        assert client.post("/login", data={"email": user.email, "password": "guess"}).status_code == 200
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "too many attempts" in response.get_data(as_text=True)
    assert client.get("/login").status_code == 200  # reading the page is not limited
    other_address = client.post("/login", data={"email": user.email, "password": PASSWORD},
                                environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other_address.status_code == 302


def test_password_reset_mails_cannot_be_used_to_flood_a_mailbox(client, make_user, outbox):
    user = make_user()
    for _ in range(5):
        client.post("/password/forgot", data={"email": user.email})
    assert len(outbox(user.email)) == 3


@pytest.fixture
def redis_url():
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("REDIS NOT RUNNING on 127.0.0.1:6379: the shared rate-limit store is not tested")
    yield url
    redis.Redis.from_url(url).flushdb()


def test_limits_are_shared_between_app_servers_through_redis(app_config, redis_url, make_user):
    from journal import create_app

    config = type("Redis", (app_config,), {"RATELIMIT_STORAGE_URL": redis_url})
    first, second = create_app(config).test_client(), create_app(config).test_client()
    user = make_user()
    for client in (first, second, first):
        assert client.post("/login", data={"email": user.email, "password": "guess"}).status_code == 200
    assert second.post("/login", data={"email": user.email, "password": "guess"}).status_code == 429
