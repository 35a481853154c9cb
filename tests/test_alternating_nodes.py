"""Several app servers, any of which may answer any request (issue 16): a browser whose requests go to two app
nodes in turn keeps its sign-in, its CSRF tokens, its signed links and its rate limits, and a logout on one node
ends the sign-in on the other. Each node is its own app (own process state, own page cache off), sharing only
what a cluster shares: the database, the storage, the secret key and Redis."""

import re
from itertools import count

import pytest
import redis
from werkzeug.test import Client

from journal import create_app
from tests.conftest import PASSWORD, link_in

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


class Alternating:
    """A WSGI app that hands each request to the next node in turn, as a load balancer without stickiness."""

    def __init__(self, nodes):
        self.nodes, self.turn, self.served = nodes, count(), []

    def __call__(self, environ, start_response):
        index = next(self.turn) % len(self.nodes)
        self.served.append(index)
        return self.nodes[index].wsgi_app(environ, start_response)


@pytest.fixture
def cluster(app_config, redis_server, tmp_path):
    redis.Redis.from_url(redis_server).flushdb()
    config = type("Node", (app_config,), {
        "WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": True, "AUTH_RATE_LIMIT": "4 per minute",
        "RATELIMIT_STORAGE_URL": redis_server, "PAGE_CACHE_URL": "none", "JOBS_URL": redis_server,
    })
    balancer = Alternating([create_app(config), create_app(config)])
    yield balancer
    redis.Redis.from_url(redis_server).flushdb()


def token_in(page: str) -> str:
    match = CSRF.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


def test_a_browser_served_by_two_nodes_in_turn_stays_signed_in_and_its_forms_go_through(app, cluster, make_user,
                                                                                      outbox):
    user = make_user("rosa@example.org", given_name="Rosa", family_name="Referee")
    browser = Client(cluster)
    form = browser.get("/login").get_data(as_text=True)  # node 1 signs the CSRF token
    response = browser.post("/login", data={"email": user.email, "password": PASSWORD,
                                            "csrf_token": token_in(form)})  # node 2 checks it
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    for _ in range(3):  # the session cookie opens the account on either node
        page = browser.get("/account/profile")
        assert page.status_code == 200 and "rosa@example.org" in page.get_data(as_text=True)
    assert set(cluster.served) == {0, 1}

    # A form without its token is refused on either node; with a token made by the other node it goes through.
    assert browser.post("/logout").status_code == 400
    assert browser.post("/logout").status_code == 400
    page = browser.get("/account/profile").get_data(as_text=True)
    assert browser.post("/logout", data={"csrf_token": token_in(page)}).status_code == 302
    # Signed out on the server: the same cookie opens nothing on either node.
    for _ in range(2):
        assert browser.get("/account/profile").status_code == 302


def test_a_signed_link_made_on_one_node_works_once_on_the_other(app, cluster, make_user, outbox):
    user = make_user("ines@example.org")
    browser = Client(cluster)
    form = browser.get("/password/forgot").get_data(as_text=True)
    browser.post("/password/forgot", data={"email": user.email, "csrf_token": token_in(form)})
    [mail] = outbox(user.email)
    link = link_in(mail.body_text).replace("http://journal.test", "")
    page = browser.get(link)  # the other node
    assert page.status_code == 200
    answer = browser.post(link, data={"password": "a new long passphrase 42", "confirm": "a new long passphrase 42",
                                      "csrf_token": token_in(page.get_data(as_text=True))})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    assert browser.get(link).status_code == 302  # used: it works once, on whichever node


def test_the_login_limit_counts_the_attempts_made_on_every_node(app, cluster, make_user):
    user = make_user()
    browser = Client(cluster)
    token = token_in(browser.get("/login").get_data(as_text=True))
    codes = [browser.post("/login", data={"email": user.email, "password": "guess", "csrf_token": token}).status_code
             for _ in range(5)]
    assert codes == [200, 200, 200, 200, 429]  # four attempts a minute, two on each node, then refused
